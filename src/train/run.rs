//! A training run's configuration (`config.ron`): its settings, the recipes, validation, the
//! state saved with each checkpoint, and what a resume ignores. The loop is in
//! [`super::trainer`], the folder with its checkpoints in [`super::folder`].

use std::path::PathBuf;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::env::EnvConfig;
use crate::learn::encoder::EncoderKind;
use crate::learn::ppo::{EncoderMode, PpoConfig};

/// Everything a run needs (saved as `config.ron` in the run folder).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RunConfig {
    /// The environment.
    pub env: EnvConfig,
    /// PPO hyperparameters.
    pub ppo: PpoConfig,
    /// The encoder in front of the agent.
    pub encoder: EncoderKind,
    /// Frozen, adapt or joint.
    pub mode: EncoderMode,
    /// Folder with the fitted encoders (`{kind}.ron` + `{kind}.safetensors`).
    pub encoder_dir: Option<PathBuf>,
    /// Environment steps to train for.
    pub total_steps: u64,
    /// Simulation worker threads (0: one per core).
    pub workers: usize,
    /// Write a checkpoint every this many updates.
    pub checkpoint_every: usize,
    /// A run folder whose checkpoint a new run starts from (a curriculum stage, a fine-tune):
    /// its encoder and its policy and value networks, with fresh Adam moments and this run's
    /// own settings. The observation and action sizes must match.
    pub init_from: Option<PathBuf>,
}

impl Default for RunConfig {
    fn default() -> Self {
        Self {
            env: EnvConfig::default(),
            ppo: PpoConfig::default(),
            encoder: EncoderKind::Ae,
            mode: EncoderMode::Frozen,
            encoder_dir: None,
            total_steps: 5_000_000,
            workers: 0,
            checkpoint_every: 10,
            init_from: None,
        }
    }
}

impl RunConfig {
    /// Checks the configuration before anything starts (see [`PpoConfig::validate`]); the
    /// environment's numbers too, so a bad one is named rather than met as a hang or NaN.
    pub fn validate(&self) -> Result<()> {
        self.ppo.validate().map_err(anyhow::Error::msg)?;
        let env = &self.env;
        let sim = &env.sim;
        let check = |name: &str, v: f64, lo: f64, hi: f64| -> Result<()> {
            if v.is_finite() && v >= lo && v <= hi {
                Ok(())
            } else {
                anyhow::bail!("{name} must be in [{lo}, {hi}], got {v}")
            }
        };
        check("env.sim.control_dt", sim.control_dt, 1e-4, 0.1)?;
        check("env.sim.substeps", sim.substeps as f64, 1.0, 100.0)?;
        check(
            "env.sim.solver_iterations",
            sim.solver_iterations as f64,
            1.0,
            100.0,
        )?;
        check("env.sim.armature", sim.armature, 0.0, 1e3)?;
        check(
            "env.sim.contact_frequency",
            sim.contact_frequency,
            1e-3,
            1e4,
        )?;
        check(
            "env.sim.contact_damping_ratio",
            sim.contact_damping_ratio,
            0.0,
            1e3,
        )?;
        if let Some(f) = sim.friction {
            check("env.sim.friction", f, 0.0, 100.0)?;
        }
        check("env.fall_height", env.fall_height, -10.0, 10.0)?;
        check("env.max_steps", env.max_steps as f64, 1.0, 1e7)?;
        let r = &env.reward;
        for (name, v) in [
            ("imitation_weight", r.imitation_weight),
            ("goal_weight", r.goal_weight),
            ("pos_weight", r.pos_weight),
            ("vel_weight", r.vel_weight),
            ("pos_scale", r.pos_scale),
            ("vel_scale", r.vel_scale),
            ("goal_scale", r.goal_scale),
        ] {
            check(&format!("env.reward.{name}"), v, -1e6, 1e6)?;
        }
        let t = &env.tracking;
        if let Some(v) = t.max_joint_error {
            check("env.tracking.max_joint_error", v, 1e-6, 100.0)?;
        }
        if let Some(v) = t.max_pelvis_lag {
            check("env.tracking.max_pelvis_lag", v, 1e-6, 1e3)?;
        }
        check(
            "env.tracking.action_repeat",
            t.action_repeat as f64,
            1.0,
            100.0,
        )?;
        for (k, &w) in r.weights.iter().enumerate() {
            check(&format!("env.reward.weights[{k}]"), w, 0.0, 1e6)?;
        }
        if !r.weights.is_empty() && r.weights.len() != r.coordinates.len() {
            anyhow::bail!(
                "env.reward.weights has {} values for {} coordinates",
                r.weights.len(),
                r.coordinates.len()
            );
        }
        if let Some([x, z]) = r.target_velocity {
            check("env.reward.target_velocity[0]", x, -100.0, 100.0)?;
            check("env.reward.target_velocity[1]", z, -100.0, 100.0)?;
        }
        if self.workers > 1024 {
            anyhow::bail!("workers must be at most 1024, got {}", self.workers);
        }
        if self.checkpoint_every == 0 {
            anyhow::bail!("checkpoint_every must be at least 1");
        }
        Ok(())
    }
}

/// A named training recipe: `study` (Table 3.2 and section 3 of the study, the default) or
/// `walk` (`assets/configs/walk.ron`, built into the binary).
pub fn recipe(name: &str) -> Result<RunConfig> {
    match name.to_ascii_lowercase().as_str() {
        "study" => Ok(RunConfig::default()),
        "walk" => ron::from_str(include_str!("../../assets/configs/walk.ron"))
            .context("the built-in walk recipe"),
        other => anyhow::bail!("unknown recipe \"{other}\" (study, walk)"),
    }
}

/// Progress saved with each checkpoint.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct RunState {
    /// Updates done.
    pub updates: usize,
    /// Environment steps done.
    pub env_steps: u64,
    /// The mean training return over the updates between the checkpoint kept in `best/` and
    /// the one before it (meaningful when `best_update` > 0).
    #[serde(default)]
    pub best_return: f64,
    /// The update of the checkpoint in `best/` (0: none yet).
    #[serde(default)]
    pub best_update: usize,
}

/// The settings of `given` that a resumed run does not take from it (it keeps `saved`'s; only
/// `total_steps` can grow), each as `name given (run: saved)`.
pub fn ignored_settings(given: &RunConfig, saved: &RunConfig) -> Vec<String> {
    let mut out = Vec::new();
    let mut differs = |name: &str, a: &dyn std::fmt::Debug, b: &dyn std::fmt::Debug| {
        let (a, b) = (format!("{a:?}"), format!("{b:?}"));
        if a != b {
            out.push(format!("{name} {a} (run: {b})"));
        }
    };
    let (g, s) = (&given.ppo, &saved.ppo);
    differs("encoder", &given.encoder, &saved.encoder);
    differs("mode", &given.mode, &saved.mode);
    differs("seed", &g.seed, &s.seed);
    differs("envs", &g.n_envs, &s.n_envs);
    differs("n-steps", &g.n_steps, &s.n_steps);
    differs("distribution", &g.distribution, &s.distribution);
    differs("target-kl", &g.target_kl, &s.target_kl);
    differs("init-from", &given.init_from, &saved.init_from);
    let other_ppo = PpoConfig {
        seed: s.seed,
        n_envs: s.n_envs,
        n_steps: s.n_steps,
        distribution: s.distribution,
        target_kl: s.target_kl,
        ..g.clone()
    };
    if &other_ppo != s {
        out.push("other PPO settings (see the run's config.ron)".into());
    }
    if given.env != saved.env {
        out.push("environment settings (see the run's config.ron)".into());
    }
    out
}

/// Parses a run folder's own `config.ron`. Folders written before the action distribution was
/// a setting name none, and they were trained with the tanh-squashed Gaussian: read them so,
/// rather than as today's default.
pub fn parse_run_folder_config(text: &str) -> Result<RunConfig> {
    let mut config: RunConfig = ron::from_str(text)?;
    if !text.contains("distribution:") {
        config.ppo.distribution = crate::learn::ppo::ActionDistribution::SquashedGaussian;
    }
    Ok(config)
}

/// The encoder kind a run ends up with (joint training always builds a VAE).
pub fn encoder_kind(config: &RunConfig) -> EncoderKind {
    if config.mode == EncoderMode::Joint {
        EncoderKind::Vae
    } else {
        config.encoder
    }
}
