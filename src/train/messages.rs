//! Plain-data messages between the simulation workers, the learner and whoever watches (the CLI's
//! progress bar, later the GUI). Nothing here holds a tensor or a rapier handle.

use serde::{Deserialize, Serialize};

/// Learner -> worker.
#[derive(Debug, Clone)]
pub enum WorkerCommand {
    /// Reset every environment of the worker and report observations.
    Reset,
    /// Apply these excitations (`envs x actions`, row-major) and report.
    Step(Vec<f32>),
    /// End the thread.
    Stop,
}

/// Worker -> learner: one step of all the worker's environments.
#[derive(Debug, Clone, Default)]
pub struct WorkerReply {
    /// Which worker.
    pub worker: usize,
    /// Observations after the step (after an automatic reset where an episode ended).
    pub obs: Vec<f32>,
    /// Rewards.
    pub rewards: Vec<f32>,
    /// Episode ended by a fall or divergence.
    pub terminated: Vec<bool>,
    /// Episode ended by the time limit.
    pub truncated: Vec<bool>,
    /// For truncated environments, the observation before the automatic reset (for bootstrap).
    pub final_obs: Vec<Option<Vec<f32>>>,
    /// Episodes that ended at this step.
    pub episodes: Vec<EpisodeInfo>,
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
}

impl UpdateMetrics {
    /// The CSV header.
    pub const HEADER: &'static str = "update,env_steps,mean_return,mean_duration,episodes,policy_loss,value_loss,entropy,approx_kl,clip_fraction,explained_variance,encoder_loss,steps_per_second,rollout_seconds,update_seconds";

    /// One CSV line.
    pub fn csv(&self) -> String {
        let s = &self.stats;
        format!(
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            self.update,
            self.env_steps,
            self.mean_return,
            self.mean_duration,
            self.episodes,
            s.policy_loss,
            s.value_loss,
            s.entropy,
            s.approx_kl,
            s.clip_fraction,
            s.explained_variance,
            s.encoder_loss,
            self.steps_per_second,
            self.rollout_seconds,
            self.update_seconds
        )
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
