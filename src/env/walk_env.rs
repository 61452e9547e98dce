//! The walking environment: reset to the reference pose, step with 22 excitations, observe,
//! reward, and end episodes by a fall (terminated) or the time limit (truncated: bootstrap there).
//! [`Tracking`] adds what the walking anchors use (DeepMimic's `SceneImitate`, MyoAssist's
//! imitation env): starting in motion, early termination once tracking is lost, the gait phase in
//! the observation, action repeat. All of it is off in the study's recipe.

use std::path::PathBuf;
use std::sync::Arc;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use super::observation::{observe, size};
use super::reference::Reference;
use super::reward::{reward, RewardConfig, RewardTerms};
use crate::osim::{Model, Table};
use crate::sim::kinematics::body_frames;
use crate::sim::{SimConfig, SimError, Simulation};

/// Where an episode starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum InitialState {
    /// The reference pose at phase 0.
    #[default]
    PhaseZero,
    /// The reference pose at a uniformly random phase (reference state initialisation).
    RandomPhase,
}

/// The walking recipe's additions to the study's environment (defaults: all off, the study's).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Tracking {
    /// Start each episode moving: when the reference has no forward pelvis translation, the
    /// pelvis starts at the target velocity (the reference's joint speeds are always used).
    pub start_moving: bool,
    /// Terminate (as a fall) once any imitated coordinate is further than this from the
    /// reference (rad).
    pub max_joint_error: Option<f64>,
    /// Terminate (as a fall) once the pelvis is this far behind a reference pelvis that
    /// advances at the target velocity from the start (m).
    pub max_pelvis_lag: Option<f64>,
    /// Append `sin(2 pi phase)` and `cos(2 pi phase)` to the observation (2 more values).
    pub phase_observation: bool,
    /// Hold each action for this many control intervals (1: every 0.01 s).
    pub action_repeat: usize,
    /// Measure the observation's horizontal positions from the pelvis
    /// ([`super::observation::to_pelvis_frame`]) instead of the ground origin (the study's). In
    /// the ground frame they grow with the distance walked, and a policy trained on 10 s
    /// episodes meets values after 10 s that it never saw.
    pub relative_positions: bool,
}

impl Default for Tracking {
    fn default() -> Self {
        Self {
            start_moving: false,
            max_joint_error: None,
            max_pelvis_lag: None,
            phase_observation: false,
            action_repeat: 1,
            relative_positions: false,
        }
    }
}

/// Environment settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EnvConfig {
    /// The OpenSim model; `None` is the shipped one.
    pub model: Option<PathBuf>,
    /// The reference motion; `None` is the shipped `normal.mot`.
    pub reference: Option<PathBuf>,
    /// Simulation settings.
    pub sim: SimConfig,
    /// Reward settings.
    pub reward: RewardConfig,
    /// The episode ends (terminated) when the pelvis origin falls below this height (m).
    pub fall_height: f64,
    /// The episode is truncated after this many steps (time limit).
    pub max_steps: usize,
    /// Where episodes start.
    pub initial_state: InitialState,
    /// The walking recipe's additions (all off by default).
    pub tracking: Tracking,
}

impl Default for EnvConfig {
    fn default() -> Self {
        Self {
            model: None,
            reference: None,
            sim: SimConfig::default(),
            reward: RewardConfig::default(),
            fall_height: 0.6,
            max_steps: 1000,
            initial_state: InitialState::PhaseZero,
            tracking: Tracking::default(),
        }
    }
}

impl EnvConfig {
    /// Simulated seconds one [`WalkEnv::step`] advances (the control interval times the action
    /// repeat).
    pub fn step_seconds(&self) -> f64 {
        self.sim.control_dt * self.tracking.action_repeat.max(1) as f64
    }
}

/// What one step returns.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// The reward of the step (read the new observation with [`WalkEnv::observation`]).
    pub reward: f64,
    /// Goal and imitation terms.
    pub terms: RewardTerms,
    /// The pelvis fell (or the simulation diverged): no bootstrap.
    pub terminated: bool,
    /// The time limit ended the episode: bootstrap from the next value.
    pub truncated: bool,
    /// The simulation produced non-finite values and was restored (counts as terminated).
    pub diverged: bool,
}

/// The environment.
pub struct WalkEnv {
    sim: Simulation,
    reference: Reference,
    config: EnvConfig,
    imitated: Vec<usize>,
    target: [f64; 2],
    rng: SmallRng,
    steps: usize,
    phase0: f64,
    obs: Vec<f64>,
}

impl WalkEnv {
    /// Builds the environment (loads model and reference from the configured paths).
    pub fn new(config: EnvConfig, seed: u64) -> anyhow::Result<WalkEnv> {
        let model_path = config
            .model
            .clone()
            .unwrap_or_else(crate::default_model_path);
        let model = Arc::new(Model::load(&model_path)?);
        let motion_path = config
            .reference
            .clone()
            .unwrap_or_else(|| crate::models_dir().join("motions").join("normal.mot"));
        let motion = Table::load(&motion_path)?;
        Self::from_parts(model, &motion, config, seed)
    }

    /// Builds the environment from an already parsed model and motion.
    pub fn from_parts(
        model: Arc<Model>,
        motion: &Table,
        config: EnvConfig,
        seed: u64,
    ) -> anyhow::Result<WalkEnv> {
        let reference = Reference::new(&model, motion).map_err(anyhow::Error::msg)?;
        let mut imitated = Vec::new();
        for name in &config.reward.coordinates {
            let c = model.coordinate_index(name).ok_or_else(|| {
                anyhow::anyhow!(
                    "env.reward.coordinates: \"{name}\" is not a coordinate of the model \"{}\"",
                    model.name
                )
            })?;
            imitated.push(c);
        }
        let target = config
            .reward
            .target_velocity
            .or(reference.mean_velocity)
            .unwrap_or([1.25, 0.0]);
        let mut sim = Simulation::new(model, config.sim.clone())?;
        sim.save_snapshot();
        let mut env = WalkEnv {
            sim,
            reference,
            config,
            imitated,
            target,
            rng: SmallRng::seed_from_u64(seed),
            steps: 0,
            phase0: 0.0,
            obs: Vec::new(),
        };
        env.reset();
        Ok(env)
    }

    /// The simulation (for the GUI and analyses).
    pub fn sim(&self) -> &Simulation {
        &self.sim
    }

    /// Pushes the pelvis (see [`Simulation::push`]): the side push of the walking checks.
    pub fn push(&mut self, force: [f64; 3], seconds: f64) {
        self.sim.push(force, seconds);
    }

    /// The configuration.
    pub fn config(&self) -> &EnvConfig {
        &self.config
    }

    /// Observation size (296 for the shipped model, 298 with the phase).
    pub fn observation_size(&self) -> usize {
        observation_size(self.sim.model(), &self.config)
    }

    /// Action size (one excitation per muscle).
    pub fn action_size(&self) -> usize {
        self.sim.model().muscles.len()
    }

    /// The current observation.
    pub fn observation(&self) -> &[f64] {
        &self.obs
    }

    /// Steps taken in this episode.
    pub fn episode_steps(&self) -> usize {
        self.steps
    }

    /// The target pelvis velocity (x, z).
    pub fn target_velocity(&self) -> [f64; 2] {
        self.target
    }

    /// The current phase of the reference cycle in [0, 1).
    pub fn phase(&self) -> f64 {
        (self.phase0 + self.sim.time() / self.reference.duration()).rem_euclid(1.0)
    }

    /// The reference coordinates and speeds at the current phase.
    pub fn reference_now(&self) -> (Vec<f64>, Vec<f64>) {
        self.reference.at_phase(self.phase())
    }

    /// Places the model at coordinates and speeds without starting a new episode (for
    /// exploration around the reference); non-finite values are ignored.
    pub fn set_state(&mut self, q: &[f64], qd: &[f64]) {
        if self.sim.set_state(q, qd).is_ok() {
            self.observe();
        }
    }

    /// Starts a new episode (phase 0 or random, per the configuration); returns the observation.
    pub fn reset(&mut self) -> &[f64] {
        self.phase0 = match self.config.initial_state {
            InitialState::PhaseZero => 0.0,
            InitialState::RandomPhase => self.rng.gen::<f64>(),
        };
        let (mut q, mut qd) = self.reference.at_phase(self.phase0);
        let model = self.sim.model().clone();
        if self.config.tracking.start_moving {
            for (name, v) in [("pelvis_tx", self.target[0]), ("pelvis_tz", self.target[1])] {
                if let Some(i) = model.coordinate_index(name) {
                    if !self.reference.has(i) {
                        qd[i] = v;
                    }
                }
            }
        }
        // Stand the lowest contact sphere 1 mm above the ground.
        if let Some(ty) = model.coordinate_index("pelvis_ty") {
            let frames = body_frames(&model, &q);
            let lowest = model
                .contact_spheres
                .iter()
                .map(|s| {
                    frames[s.body]
                        .point(rapier3d::glamx::DVec3::from_array(s.location))
                        .y
                        - s.radius
                })
                .fold(f64::INFINITY, f64::min);
            if lowest.is_finite() {
                q[ty] += 0.001 - lowest;
            }
        }
        for name in ["pelvis_tx", "pelvis_tz"] {
            if let Some(i) = model.coordinate_index(name) {
                q[i] = 0.0;
            }
        }
        self.sim.restore_snapshot();
        self.sim.set_time(0.0);
        if let Err(e) = self.sim.set_state(&q, &qd) {
            // Only reachable with a non-finite reference; keep the snapshot pose.
            log_once(&format!("reset: {e}"));
        }
        // The multibody's knee pivot differs from OpenSim's by up to 2 mm: correct the height
        // with the simulated feet.
        if let Some(ty) = model.coordinate_index("pelvis_ty") {
            let lowest = self
                .sim
                .contact_sphere_bottoms()
                .into_iter()
                .fold(f64::INFINITY, f64::min);
            if lowest.is_finite() && (lowest - 0.001).abs() > 1e-5 {
                q[ty] += 0.001 - lowest;
                let _ = self.sim.set_state(&q, &qd);
            }
        }
        self.steps = 0;
        self.observe();
        &self.obs
    }

    /// Rebuilds the observation from the simulation (and the phase, if configured).
    fn observe(&mut self) {
        observe(&self.sim, &mut self.obs);
        if self.config.tracking.relative_positions {
            super::observation::to_pelvis_frame(&self.sim, &mut self.obs);
        }
        if self.config.tracking.phase_observation {
            let angle = std::f64::consts::TAU * self.phase();
            self.obs.push(angle.sin());
            self.obs.push(angle.cos());
        }
    }

    /// Applies `action` (excitations in [0, 1]) for one control interval, or for
    /// `tracking.action_repeat` of them (the reward is then their mean).
    pub fn step(&mut self, action: &[f64]) -> Result<Step, SimError> {
        if action.len() != self.action_size() {
            return Err(SimError::Input(format!(
                "expected {} excitations, got {}",
                self.action_size(),
                action.len()
            )));
        }
        let repeat = self.config.tracking.action_repeat.max(1);
        let mut total = RewardTerms::default();
        let mut done = 0.0;
        let mut last = None;
        for _ in 0..repeat {
            let step = self.step_once(action)?;
            total.goal += step.terms.goal;
            total.imitation += step.terms.imitation;
            total.total += step.reward;
            done += 1.0;
            let end = step.terminated || step.truncated;
            last = Some(step);
            if end {
                break;
            }
        }
        let mut step = last.expect("at least one interval");
        if repeat > 1 && !step.diverged {
            step.terms = RewardTerms {
                goal: total.goal / done,
                imitation: total.imitation / done,
                total: total.total / done,
            };
            step.reward = step.terms.total;
        }
        Ok(step)
    }

    /// One control interval.
    fn step_once(&mut self, action: &[f64]) -> Result<Step, SimError> {
        self.steps += 1;
        match self.sim.step(action) {
            Ok(()) => {}
            Err(SimError::Diverged { .. }) => {
                // Recover: back to the snapshot; the caller resets. No reward for this step.
                self.sim.restore_snapshot();
                self.observe();
                return Ok(Step {
                    reward: 0.0,
                    terms: RewardTerms::default(),
                    terminated: true,
                    truncated: false,
                    diverged: true,
                });
            }
            Err(e) => return Err(e),
        }
        self.observe();
        let (q, qd) = self.sim.coordinates();
        let (q_ref, qd_ref) = self.reference_now();
        let root = self.sim.plan().root_body;
        let v = self.sim.body_velocities()[root].0;
        let terms = reward(
            &self.config.reward,
            self.target,
            [v.x, v.z],
            &self.imitated,
            (&q, &qd),
            (&q_ref, &qd_ref),
        );
        let pelvis_height = self.sim.body_frames()[root].pos.y;
        let terminated = pelvis_height < self.config.fall_height || self.lost_tracking(&q, &q_ref);
        let truncated = !terminated && self.steps >= self.config.max_steps;
        Ok(Step {
            reward: terms.total,
            terms,
            terminated,
            truncated,
            diverged: false,
        })
    }

    /// Whether the walking recipe's early termination applies: an imitated coordinate too far
    /// from the reference, or the pelvis too far behind the reference pelvis.
    fn lost_tracking(&self, q: &[f64], q_ref: &[f64]) -> bool {
        self.tracking_error(q, q_ref).exceeds(&self.config.tracking)
    }

    /// How far coordinates `q` are from the reference's `q_ref` now (both as
    /// [`Simulation::coordinates`] gives them): what the walking recipe's early termination
    /// compares with its limits.
    pub fn tracking_error(&self, q: &[f64], q_ref: &[f64]) -> TrackingError {
        let joint = self
            .imitated
            .iter()
            .map(|&i| (q[i] - q_ref[i]).abs())
            .fold(0.0, f64::max);
        let pelvis_lag = self
            .sim
            .model()
            .coordinate_index("pelvis_tx")
            .map_or(f64::NEG_INFINITY, |tx| {
                self.target[0] * self.sim.time() - q[tx]
            });
        TrackingError { joint, pelvis_lag }
    }
}

/// How far the model is from the reference ([`WalkEnv::tracking_error`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrackingError {
    /// The largest error of an imitated coordinate (rad or m).
    pub joint: f64,
    /// How far the pelvis is behind a reference pelvis advancing at the target velocity from
    /// the start (m; negative: ahead; minus infinity without a `pelvis_tx`).
    pub pelvis_lag: f64,
}

impl TrackingError {
    /// Whether it is beyond either of the limits `tracking` sets (none set: never).
    pub fn exceeds(&self, tracking: &Tracking) -> bool {
        tracking
            .max_joint_error
            .is_some_and(|limit| self.joint > limit)
            || tracking
                .max_pelvis_lag
                .is_some_and(|limit| self.pelvis_lag > limit)
    }
}

/// Observation size of an environment on `model` with `config`, without building it.
pub fn observation_size(model: &Model, config: &EnvConfig) -> usize {
    size(model)
        + if config.tracking.phase_observation {
            2
        } else {
            0
        }
}

fn log_once(message: &str) {
    use std::sync::atomic::{AtomicBool, Ordering};
    static DONE: AtomicBool = AtomicBool::new(false);
    if !DONE.swap(true, Ordering::Relaxed) {
        eprintln!("gaitscope: {message}");
    }
}
