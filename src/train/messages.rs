//! Plain-data messages between the simulation workers, the learner and whoever watches (the CLI's
//! progress bar, later the GUI). Nothing here holds a tensor or a rapier handle.

use serde::{Deserialize, Serialize};

/// Learner -> worker.
#[derive(Debug, Clone)]
pub enum WorkerCommand {
    /// Reset every environment of the worker (start of a run).
    Reset,
    /// Collect one rollout of the worker's environments with this policy and report it.
    Rollout(RolloutRequest),
    /// Step the worker's environments with an off-policy actor and report the transitions.
    Explore(ExploreRequest),
    /// End the thread.
    Stop,
}

/// What a rollout needs: the acting networks (shared, read-only, the same for every worker),
/// its length and the discount used to bootstrap time-limit truncations.
#[derive(Debug, Clone)]
pub struct RolloutRequest {
    /// The learner's encoder and networks as of the last update.
    pub policy: std::sync::Arc<crate::learn::snapshot::RolloutPolicy>,
    /// Steps per environment.
    pub n_steps: usize,
    /// Discount (a truncated episode's last reward gets `gamma * V(final observation)`).
    pub gamma: f64,
}

/// What an off-policy collection phase needs: the actor (shared, read-only), the steps per
/// environment, and whether to act uniformly at random (before learning starts).
#[derive(Debug, Clone)]
pub struct ExploreRequest {
    /// The learner's actor as of the last gradient step, with the frozen encoder.
    pub policy: std::sync::Arc<crate::learn::offpolicy::explore::ExplorationPolicy>,
    /// Steps per environment.
    pub n_steps: usize,
    /// Uniform random actions instead of the actor's.
    pub random: bool,
}

/// Worker -> learner: a rollout of the worker's environments (time-major: row `t * envs + j`
/// is step `t` of the worker's `j`-th environment), or an acknowledgement of `Reset`.
#[derive(Debug, Clone, Default)]
pub struct WorkerReply {
    /// Which worker.
    pub worker: usize,
    /// Steps done per environment (fewer than asked when the rollout was cancelled).
    pub steps: usize,
    /// The worker's environments' rollout (its own `n_envs`).
    pub buffer: crate::learn::rollout::RolloutBuffer,
    /// The worker's transitions of an off-policy phase (step-major, then environment).
    pub transitions: crate::learn::replay::Transitions,
    /// Episodes that ended, with the step and the worker-local environment where they ended.
    pub episodes: Vec<(usize, usize, EpisodeInfo)>,
    /// Set when a worker failed (the message says why).
    pub error: Option<String>,
}

/// A finished episode.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct EpisodeInfo {
    /// Sum of rewards.
    pub ret: f64,
    /// Steps.
    pub length: usize,
    /// Duration in simulated seconds.
    pub duration: f64,
}

/// One row of a run's metrics (also a line of `metrics.csv`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct UpdateMetrics {
    /// Update number, from 1.
    pub update: usize,
    /// Environment steps so far.
    pub env_steps: u64,
    /// Mean return of the episodes that ended during this rollout (NaN if none).
    pub mean_return: f64,
    /// Mean duration (s) of those episodes.
    pub mean_duration: f64,
    /// Episodes that ended during this rollout.
    pub episodes: usize,
    /// PPO's measurements.
    pub stats: crate::learn::ppo::UpdateStats,
    /// Environment steps per second over this update (rollout and learning).
    pub steps_per_second: f64,
    /// Seconds spent collecting.
    pub rollout_seconds: f64,
    /// Seconds spent learning.
    pub update_seconds: f64,
    /// SAC's entropy coefficient after this row's gradient steps (NaN for other methods).
    pub ent_coef: f64,
    /// Imitation: the held-out MSE of the learner's actions against the expert's (NaN for
    /// other methods).
    pub test_mse: f64,
    /// Imitation: the held-out R^2 (NaN for other methods).
    pub test_r2: f64,
}

impl UpdateMetrics {
    /// A row with the method-specific columns (entropy coefficient, test scores) unset.
    pub fn blank() -> UpdateMetrics {
        UpdateMetrics {
            ent_coef: f64::NAN,
            test_mse: f64::NAN,
            test_r2: f64::NAN,
            ..UpdateMetrics::default()
        }
    }
}

/// Learner -> watchers.
#[derive(Debug, Clone)]
pub enum Event {
    /// An update finished.
    Update(UpdateMetrics),
    /// A line worth showing.
    Log(String),
    /// The policy after an update, for a live evaluation (sent only when someone listens).
    Policy(Box<crate::learn::snapshot::PolicySnapshot>),
    /// Training ended (normally, stopped or failed: the message says which).
    Finished(String),
}

/// Watcher -> learner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// Stop after writing a checkpoint.
    Stop,
    /// Write a checkpoint now (at the end of the current update).
    Checkpoint,
    /// Hold the learner and the workers (at the next environment step) until `Resume` or `Stop`.
    Pause,
    /// Go on after `Pause`.
    Resume,
}
