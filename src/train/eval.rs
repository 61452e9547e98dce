//! Evaluation of a trained run (seeds/000 section 4): mean episode duration and return, the RMSE
//! of the 14 degrees of freedom against the reference (Table 4.2), summed activation and fibre
//! force of bifemsh, vasti, soleus and tibialis anterior (Tables 4.3 and 4.4), and gait cycles.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result};

use super::run::load_policy;
use crate::env::WalkEnv;
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

/// The muscles of Tables 4.3 and 4.4.
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

/// What `eval` measures.
#[derive(Debug, Clone, Default)]
pub struct EvalReport {
    /// Episodes run.
    pub episodes: usize,
    /// Mean episode duration (s).
    pub mean_duration: f64,
    /// Mean episode return.
    pub mean_return: f64,
    /// RMSE per degree of freedom (degrees for angles, centimetres for translations).
    pub rmse: Vec<(String, f64)>,
    /// Sum of `rmse`.
    pub cumulative_rmse: f64,
    /// Per muscle: summed activation per episode (mean over episodes).
    pub activation_sums: Vec<(String, f64)>,
    /// Per muscle: summed fibre force per episode (N, mean over episodes).
    pub fiber_force_sums: Vec<(String, f64)>,
    /// `phase,coordinate...,reference...` rows (degrees) of every step.
    pub gait_cycles_csv: String,
}

/// Runs `episodes` deterministic episodes of the policy saved in `run_dir`.
pub fn evaluate(run_dir: &Path, episodes: usize, seed: u64) -> Result<EvalReport> {
    let (config, mut ppo) = load_policy(run_dir)?;
    let mut env = WalkEnv::new(config.env.clone(), seed)?;
    let model = env.sim().model().clone();
    let dof: Vec<usize> = DOF
        .iter()
        .map(|n| model.coordinate_index(n).context("model lacks a study DOF"))
        .collect::<Result<_>>()?;
    let muscles: Vec<usize> = MUSCLES
        .iter()
        .map(|n| model.muscle_index(n).context("model lacks a table muscle"))
        .collect::<Result<_>>()?;
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
    let mut sq = vec![0f64; dof.len()];
    let mut count = 0usize;
    let mut act_sum = vec![0f64; muscles.len()];
    let mut force_sum = vec![0f64; muscles.len()];
    let (mut total_return, mut total_duration) = (0.0, 0.0);
    let target = env.target_velocity();
    let normalizer = ppo.encoder.normalizer.clone();
    for episode in 0..episodes {
        env.reset();
        let mut ret = 0.0;
        loop {
            let mut obs: Vec<f32> = env.observation().iter().map(|v| *v as f32).collect();
            normalizer.apply(&mut obs);
            let acts = ppo.act(&obs, true)?;
            let a: Vec<f64> = acts.a.iter().map(|x| *x as f64).collect();
            let step = env.step(&a)?;
            ret += step.reward;
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
                sq[k] += ((q[c] - reference) * scale).powi(2);
            }
            count += 1;
            for (k, &m) in muscles.iter().enumerate() {
                let s = env.sim().muscles()[m];
                act_sum[k] += s.activation;
                force_sum[k] += s.fiber_force;
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
                total_duration += t;
                break;
            }
        }
        total_return += ret;
    }
    let n = episodes.max(1) as f64;
    let rmse: Vec<(String, f64)> = DOF
        .iter()
        .zip(&sq)
        .map(|(name, s)| (name.to_string(), (s / count.max(1) as f64).sqrt()))
        .collect();
    Ok(EvalReport {
        episodes,
        mean_duration: total_duration / n,
        mean_return: total_return / n,
        cumulative_rmse: rmse.iter().map(|(_, v)| v).sum(),
        rmse,
        activation_sums: MUSCLES
            .iter()
            .zip(&act_sum)
            .map(|(m, s)| (m.to_string(), s / n))
            .collect(),
        fiber_force_sums: MUSCLES
            .iter()
            .zip(&force_sum)
            .map(|(m, s)| (m.to_string(), s / n))
            .collect(),
        gait_cycles_csv: csv,
    })
}
