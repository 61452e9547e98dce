//! Evaluation of a trained run: whether and how it walks (distance, forward speed, falls, time
//! to fall, foot strikes) and the study's own figures (seeds/000 section 4): mean episode
//! duration and return, the RMSE of the 14 degrees of freedom against the reference (Table 4.2),
//! and each muscle's activation and fibre force in the study's form, the mean over every step of
//! the evaluation with right and left summed (Tables 4.3 and 4.4), and gait cycles.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::Serialize;

use super::folder::load_policy;
use crate::env::{InitialState, WalkEnv};
use crate::osim::model::MotionType;

/// The study's 14 degrees of freedom.
pub const DOF: [&str; 14] = [
    "pelvis_tilt",
    "pelvis_list",
    "pelvis_rotation",
    "pelvis_tx",
    "pelvis_ty",
    "pelvis_tz",
    "hip_flexion_r",
    "hip_adduction_r",
    "knee_angle_r",
    "ankle_angle_r",
    "hip_flexion_l",
    "hip_adduction_l",
    "knee_angle_l",
    "ankle_angle_l",
];

/// The muscles of Tables 4.3 and 4.4, each side.
pub const MUSCLES: [&str; 8] = [
    "bifemsh_r",
    "vasti_r",
    "soleus_r",
    "tib_ant_r",
    "bifemsh_l",
    "vasti_l",
    "soleus_l",
    "tib_ant_l",
];

/// The muscles of Tables 4.3 and 4.4 (as right-left pairs).
pub const TABLE_MUSCLES: [&str; 4] = ["bifemsh", "vasti", "soleus", "tib_ant"];

/// A foot strikes when its vertical ground force rises above this fraction of body weight,
/// having been below [`LIFT_FRACTION`] since its last strike.
pub const STRIKE_FRACTION: f64 = 0.1;
/// See [`STRIKE_FRACTION`].
pub const LIFT_FRACTION: f64 = 0.02;

/// How to evaluate.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalOptions {
    /// Episodes to run.
    pub episodes: usize,
    /// Episode length limit in seconds (`None`: the run's own time limit).
    pub seconds: Option<f64>,
    /// Start every episode at a random phase of the reference (else phase 0).
    pub random_phase: bool,
    /// Sample actions from the policy's distribution (else its mean).
    pub stochastic: bool,
    /// Act with the expected excitation under the policy's distribution,
    /// [`crate::learn::distribution::ActionDistribution::expected_action`], instead of the
    /// clipped (or squashed) mean (ignored with `stochastic`).
    pub expected: bool,
    /// Seed of the start phases.
    pub seed: u64,
    /// A push from the side in every episode (the walking checks), if any.
    pub push: Option<Push>,
    /// End an episode when the run's tracking limits (`max_joint_error`, `max_pelvis_lag`)
    /// are exceeded, as in training. Off (the default), only a fall (the pelvis below the fall
    /// height) or a diverged simulation ends it, and losing tracking is counted apart.
    pub end_on_tracking_loss: bool,
}

/// A sideways push on the pelvis during an episode.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Push {
    /// Force to the right (+z; negative: to the left), N.
    pub newtons: f64,
    /// Episode time at which it starts, s.
    pub at_s: f64,
    /// How long it lasts, s.
    pub seconds: f64,
}

impl Default for EvalOptions {
    fn default() -> Self {
        Self {
            episodes: 5,
            seconds: None,
            random_phase: false,
            stochastic: false,
            expected: false,
            seed: 1234,
            push: None,
            end_on_tracking_loss: false,
        }
    }
}

/// Foot strikes per side, the mean per episode.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct FootStrikes {
    /// Right foot.
    pub right: f64,
    /// Left foot.
    pub left: f64,
}

/// What `eval` measures (the JSON form of `eval --json`).
#[derive(Debug, Clone, Default, Serialize)]
pub struct EvalReport {
    /// Episodes run.
    pub episodes: usize,
    /// Whether every episode was the same (deterministic policy from phase 0).
    pub identical_episodes: bool,
    /// Episodes that ended in a fall: the pelvis below the fall height, or a diverged
    /// simulation (and, with [`EvalOptions::end_on_tracking_loss`], lost tracking).
    pub falls: usize,
    /// Episodes in which the model exceeded the run's tracking limits at some time (whether or
    /// not that ended them); 0 for a run without limits.
    pub tracking_losses: usize,
    /// Mean time of the first loss of tracking over those episodes (s).
    pub mean_time_to_tracking_loss_s: Option<f64>,
    /// Mean episode duration (s).
    pub mean_duration_s: f64,
    /// Mean time to fall over the episodes that fell (s); `None` if none fell.
    pub mean_time_to_fall_s: Option<f64>,
    /// Mean episode return.
    pub mean_return: f64,
    /// Standard deviation of the episodes' returns (population, numpy's `std`; seed 003's
    /// Table III reports mean and std over 25 rollouts).
    pub std_return: f64,
    /// Mean forward (x) distance the pelvis travelled per episode (m).
    pub mean_distance_m: f64,
    /// Total distance over total time (m/s).
    pub mean_speed_m_s: f64,
    /// Foot strikes per side, the mean per episode.
    pub foot_strikes: FootStrikes,
    /// Mean step time ending on each side (s): from a strike of the other foot to this foot's.
    pub step_time_s: FootStrikes,
    /// Left-right asymmetry of step time: |right - left| / their mean.
    pub step_time_asymmetry: f64,
    /// RMSE per degree of freedom against the reference (degrees; translations in cm; the
    /// reference pelvis advances at the target velocity).
    pub rmse_deg: Vec<(String, f64)>,
    /// Sum of `rmse_deg`.
    pub cumulative_rmse: f64,
    /// Per muscle pair: mean activation over every step, right and left summed (Table 4.3).
    pub activation: Vec<(String, f64)>,
    /// Per muscle pair: mean fibre force over every step (N), right and left summed (Table 4.4).
    pub fiber_force_n: Vec<(String, f64)>,
    /// `episode,time,phase,coordinate...,reference...` rows (degrees) of every step.
    #[serde(skip)]
    pub gait_cycles_csv: String,
}

impl EvalReport {
    /// The report as a JSON object (per-DOF and per-muscle lists become objects; non-finite
    /// numbers become `null`).
    pub fn to_json(&self) -> String {
        use serde_json::{json, Map, Value};
        let object = |pairs: &[(String, f64)]| -> Value {
            Value::Object(
                pairs
                    .iter()
                    .map(|(k, v)| (k.clone(), json!(finite(*v))))
                    .collect::<Map<_, _>>(),
            )
        };
        let v = json!({
            "episodes": self.episodes,
            "identical_episodes": self.identical_episodes,
            "falls": self.falls,
            "mean_duration_s": finite(self.mean_duration_s),
            "mean_time_to_fall_s": self.mean_time_to_fall_s.and_then(finite),
            "tracking_losses": self.tracking_losses,
            "mean_time_to_tracking_loss_s": self.mean_time_to_tracking_loss_s.and_then(finite),
            "mean_return": finite(self.mean_return),
            "std_return": finite(self.std_return),
            "mean_distance_m": finite(self.mean_distance_m),
            "mean_speed_m_s": finite(self.mean_speed_m_s),
            "foot_strikes": {
                "right": finite(self.foot_strikes.right),
                "left": finite(self.foot_strikes.left),
            },
            "step_time_s": {
                "right": finite(self.step_time_s.right),
                "left": finite(self.step_time_s.left),
            },
            "step_time_asymmetry": finite(self.step_time_asymmetry),
            "rmse_deg": object(&self.rmse_deg),
            "cumulative_rmse": finite(self.cumulative_rmse),
            "activation": object(&self.activation),
            "fiber_force_n": object(&self.fiber_force_n),
        });
        serde_json::to_string_pretty(&v).unwrap_or_else(|_| "{}".into())
    }
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// Counts foot strikes with hysteresis (see [`STRIKE_FRACTION`]); right foot first.
#[derive(Debug, Clone, Default)]
pub struct StrikeCounter {
    loaded: [bool; 2],
    /// Strikes so far, right and left.
    pub strikes: [usize; 2],
    /// The side and time of the last strike (with [`StrikeCounter::observe_at`]).
    last: Option<(usize, f64)>,
    /// Sum and count of the step times ending on each side (s).
    pub step_times: [(f64, usize); 2],
}

impl StrikeCounter {
    /// Starts counting with the feet's current vertical forces (a loaded foot is not a strike).
    pub fn start(&mut self, vertical: [f64; 2], weight: f64) {
        self.loaded = vertical.map(|f| f > STRIKE_FRACTION * weight);
    }

    /// Counts the strikes in one step's vertical forces.
    pub fn observe(&mut self, vertical: [f64; 2], weight: f64) {
        self.observe_at(vertical, weight, f64::NAN);
    }

    /// Counts the strikes at `time` (s) and the step times between strikes of alternate feet.
    pub fn observe_at(&mut self, vertical: [f64; 2], weight: f64, time: f64) {
        for (side, f) in vertical.into_iter().enumerate() {
            if !self.loaded[side] && f > STRIKE_FRACTION * weight {
                self.loaded[side] = true;
                self.strikes[side] += 1;
                if let Some((other, t0)) = self.last {
                    if other != side && (time - t0).is_finite() {
                        self.step_times[side].0 += time - t0;
                        self.step_times[side].1 += 1;
                    }
                }
                self.last = Some((side, time));
            } else if self.loaded[side] && f < LIFT_FRACTION * weight {
                self.loaded[side] = false;
            }
        }
    }
}

/// Running sums of one evaluation.
struct Sums {
    sq: Vec<f64>,
    steps: usize,
    activation: Vec<f64>,
    force: Vec<f64>,
    falls: usize,
    fall_time: f64,
    tracking_losses: usize,
    tracking_loss_time: f64,
    duration: f64,
    ret: f64,
    /// Each finished episode's return.
    returns: Vec<f64>,
    distance: f64,
    strikes: [usize; 2],
    step_times: [(f64, usize); 2],
}

/// Runs `options.episodes` episodes of the policy saved in `run_dir`.
pub fn evaluate(run_dir: &Path, options: &EvalOptions) -> Result<EvalReport> {
    if options.episodes == 0 {
        bail!("eval needs at least one episode");
    }
    if let Some(p) = options.push {
        let ok = |v: f64, lo: f64, hi: f64| v.is_finite() && v >= lo && v <= hi;
        if !(ok(p.newtons, -1e5, 1e5) && ok(p.at_s, 0.0, 3600.0) && ok(p.seconds, 1e-3, 60.0)) {
            bail!(
                "the push must be within ±1e5 N, start in [0, 3600] s and last [0.001, 60] s, got {} N at {} s for {} s",
                p.newtons,
                p.at_s,
                p.seconds
            );
        }
    }
    let (mut config, mut ppo) = load_policy(run_dir)?;
    if let Some(s) = options.seconds {
        if !(s.is_finite() && s > 0.0 && s <= 3600.0) {
            bail!("--seconds must be in (0, 3600], got {s}");
        }
        config.env.max_steps = (s / config.env.sim.control_dt).round().max(1.0) as usize;
    }
    config.env.initial_state = if options.random_phase {
        InitialState::RandomPhase
    } else {
        InitialState::PhaseZero
    };
    let limits = config.env.tracking.clone();
    if !options.end_on_tracking_loss {
        config.env.tracking.max_joint_error = None;
        config.env.tracking.max_pelvis_lag = None;
    }
    let mut env = WalkEnv::new(config.env.clone(), options.seed)?;
    let model = env.sim().model().clone();
    let dof: Vec<usize> = DOF
        .iter()
        .map(|n| model.coordinate_index(n).context("model lacks a study DOF"))
        .collect::<Result<_>>()?;
    let pairs = muscle_pairs(
        &model
            .muscles
            .iter()
            .map(|m| m.name.clone())
            .collect::<Vec<_>>(),
    );
    let gait = crate::env::GAIT_COORDINATES;
    let gait_idx: Vec<usize> = gait
        .iter()
        .filter_map(|n| model.coordinate_index(n))
        .collect();
    let mut csv = String::from("episode,time,phase");
    for n in gait {
        let _ = write!(csv, ",{n}");
    }
    for n in gait {
        let _ = write!(csv, ",{n}_reference");
    }
    csv.push('\n');
    let mut sums = Sums {
        sq: vec![0.0; dof.len()],
        steps: 0,
        activation: vec![0.0; pairs.len()],
        force: vec![0.0; pairs.len()],
        falls: 0,
        fall_time: 0.0,
        tracking_losses: 0,
        tracking_loss_time: 0.0,
        duration: 0.0,
        ret: 0.0,
        returns: Vec::new(),
        distance: 0.0,
        strikes: [0; 2],
        step_times: [(0.0, 0); 2],
    };
    let target = env.target_velocity();
    let weight = model.total_mass() * 9.81;
    let root = env.sim().plan().root_body;
    let normalizer = ppo.encoder.normalizer.clone();
    let distribution = ppo.net.distribution;
    let std: Vec<f32> = crate::learn::fast::read_var(&ppo.net.log_std)?
        .iter()
        .map(|s| s.exp())
        .collect();
    for episode in 0..options.episodes {
        env.reset();
        let x0 = env.sim().body_frames()[root].pos.x;
        let mut strikes = StrikeCounter::default();
        strikes.start(vertical_forces(&env), weight);
        let mut pushed = false;
        let mut lost = false;
        let mut episode_return = 0.0;
        loop {
            if let Some(p) = options
                .push
                .filter(|p| !pushed && env.sim().time() >= p.at_s)
            {
                env.push([0.0, 0.0, p.newtons], p.seconds);
                pushed = true;
            }
            let mut obs: Vec<f32> = env.observation().iter().map(|v| *v as f32).collect();
            normalizer.apply(&mut obs);
            let acts = ppo.act(&obs, !options.stochastic)?;
            let a: Vec<f64> = if options.expected && !options.stochastic {
                // Deterministic: `u` is the mean.
                acts.u
                    .iter()
                    .zip(&std)
                    .map(|(m, s)| distribution.expected_action(*m, *s) as f64)
                    .collect()
            } else {
                acts.a.iter().map(|x| *x as f64).collect()
            };
            let step = env.step(&a)?;
            sums.ret += step.reward;
            episode_return += step.reward;
            let (q, _) = env.sim().coordinates();
            let (q_ref, _) = env.reference_now();
            let t = env.sim().time();
            for (k, &c) in dof.iter().enumerate() {
                let reference = match DOF[k] {
                    "pelvis_tx" => target[0] * t,
                    "pelvis_tz" => target[1] * t,
                    _ => q_ref[c],
                };
                let scale = if model.coordinates[c].motion_type == MotionType::Rotational {
                    180.0 / std::f64::consts::PI
                } else {
                    100.0
                };
                sums.sq[k] += ((q[c] - reference) * scale).powi(2);
            }
            sums.steps += 1;
            let muscles = env.sim().muscles();
            for (k, (_, members)) in pairs.iter().enumerate() {
                for &m in members {
                    sums.activation[k] += muscles[m].activation;
                    sums.force[k] += muscles[m].fiber_force;
                }
            }
            strikes.observe_at(vertical_forces(&env), weight, t);
            if !lost && !step.diverged {
                lost = env.tracking_error(&q, &q_ref).exceeds(&limits);
                if lost {
                    sums.tracking_losses += 1;
                    sums.tracking_loss_time += t;
                }
            }
            let _ = write!(csv, "{episode},{t:.3},{:.4}", env.phase());
            for &c in &gait_idx {
                let _ = write!(csv, ",{:.3}", q[c].to_degrees());
            }
            for &c in &gait_idx {
                let _ = write!(csv, ",{:.3}", q_ref[c].to_degrees());
            }
            csv.push('\n');
            if step.terminated || step.truncated {
                sums.returns.push(episode_return);
                sums.duration += t;
                if step.terminated {
                    sums.falls += 1;
                    sums.fall_time += t;
                }
                sums.distance += env.sim().body_frames()[root].pos.x - x0;
                break;
            }
        }
        for side in 0..2 {
            sums.strikes[side] += strikes.strikes[side];
            sums.step_times[side].0 += strikes.step_times[side].0;
            sums.step_times[side].1 += strikes.step_times[side].1;
        }
    }
    Ok(report(options, &pairs, sums, csv))
}

/// Population standard deviation (NaN for none).
fn std_dev(v: &[f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / v.len() as f64).sqrt()
}

/// Averages the sums into the report.
fn report(
    options: &EvalOptions,
    pairs: &[(String, Vec<usize>)],
    sums: Sums,
    gait_cycles_csv: String,
) -> EvalReport {
    let n = options.episodes as f64;
    let steps = sums.steps.max(1) as f64;
    let rmse: Vec<(String, f64)> = DOF
        .iter()
        .zip(&sums.sq)
        .map(|(name, s)| (name.to_string(), (s / steps).sqrt()))
        .collect();
    let per_pair = |v: &[f64]| -> Vec<(String, f64)> {
        pairs
            .iter()
            .zip(v)
            .map(|((name, _), s)| (name.clone(), s / steps))
            .collect()
    };
    let step_time = |side: usize| {
        let (sum, count) = sums.step_times[side];
        if count == 0 {
            f64::NAN
        } else {
            sum / count as f64
        }
    };
    EvalReport {
        episodes: options.episodes,
        identical_episodes: !options.random_phase && !options.stochastic && options.episodes > 1,
        falls: sums.falls,
        mean_duration_s: sums.duration / n,
        mean_time_to_fall_s: (sums.falls > 0).then(|| sums.fall_time / sums.falls as f64),
        tracking_losses: sums.tracking_losses,
        mean_time_to_tracking_loss_s: (sums.tracking_losses > 0)
            .then(|| sums.tracking_loss_time / sums.tracking_losses as f64),
        mean_return: sums.ret / n,
        std_return: std_dev(&sums.returns),
        mean_distance_m: sums.distance / n,
        mean_speed_m_s: if sums.duration > 0.0 {
            sums.distance / sums.duration
        } else {
            0.0
        },
        foot_strikes: FootStrikes {
            right: sums.strikes[0] as f64 / n,
            left: sums.strikes[1] as f64 / n,
        },
        step_time_s: FootStrikes {
            right: step_time(0),
            left: step_time(1),
        },
        step_time_asymmetry: (step_time(0) - step_time(1)).abs()
            / (0.5 * (step_time(0) + step_time(1))),
        cumulative_rmse: rmse.iter().map(|(_, v)| v).sum(),
        rmse_deg: rmse,
        activation: per_pair(&sums.activation),
        fiber_force_n: per_pair(&sums.force),
        gait_cycles_csv,
    }
}

/// The vertical ground force on the right and left foot (N).
fn vertical_forces(env: &WalkEnv) -> [f64; 2] {
    let c = env.sim().foot_contacts();
    [c[0].force.y, c[1].force.y]
}

/// Muscles grouped into right-left pairs by their `_r`/`_l` suffix (a muscle without one is a
/// group of its own), the study's table muscles first, then in model order.
pub fn muscle_pairs(names: &[String]) -> Vec<(String, Vec<usize>)> {
    let mut pairs: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let base = name
            .strip_suffix("_r")
            .or_else(|| name.strip_suffix("_l"))
            .unwrap_or(name);
        match pairs.iter_mut().find(|(b, _)| b == base) {
            Some((_, members)) => members.push(i),
            None => pairs.push((base.to_string(), vec![i])),
        }
    }
    pairs.sort_by_key(|(b, _)| {
        TABLE_MUSCLES
            .iter()
            .position(|t| t == b)
            .unwrap_or(TABLE_MUSCLES.len())
    });
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn muscles_pair_by_side_with_the_table_muscles_first() {
        let names: Vec<String> = [
            "hamstrings_r",
            "soleus_r",
            "vasti_r",
            "hamstrings_l",
            "soleus_l",
            "vasti_l",
            "x",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let pairs = muscle_pairs(&names);
        assert_eq!(pairs[0], ("vasti".to_string(), vec![2, 5]));
        assert_eq!(pairs[1], ("soleus".to_string(), vec![1, 4]));
        assert_eq!(pairs[2], ("hamstrings".to_string(), vec![0, 3]));
        assert_eq!(pairs[3], ("x".to_string(), vec![6]));
    }

    #[test]
    fn strikes_count_each_landing_once() {
        let mut c = StrikeCounter::default();
        let w = 100.0;
        c.start([50.0, 0.0], w);
        // Right stays loaded (no new strike), left lands, bounces within the band, lifts, lands.
        for f in [
            [60.0, 0.0],
            [40.0, 20.0],
            [30.0, 5.0],
            [20.0, 15.0],
            [0.5, 1.0],
            [20.0, 30.0],
        ] {
            c.observe(f, w);
        }
        assert_eq!(c.strikes, [1, 2]);
    }
}
