//! A training run's configuration (`config.ron`): its settings, the recipes, validation, the
//! state saved with each checkpoint, and what a resume ignores. The loop is in
//! [`super::trainer`], the folder with its checkpoints in [`super::folder`].

use std::path::PathBuf;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::env::EnvConfig;
use crate::learn::encoder::EncoderKind;
use crate::learn::imitation::BcConfig;
use crate::learn::offpolicy::{OffPolicyAlgo, OffPolicyConfig};
use crate::learn::ppo::{EncoderMode, PpoConfig};

/// The learning method of a run (SPEC section 8: the study's PPO and the other seeds' methods).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
pub enum Algo {
    /// PPO with the imitation reward (the study's, the default).
    #[default]
    Ppo,
    /// Soft actor-critic (seed 004).
    Sac,
    /// Twin delayed DDPG (seed 004).
    Td3,
    /// Deep deterministic policy gradient (seed 003's RL baseline).
    Ddpg,
    /// Behavioural cloning of an expert run (seeds 003 and 004).
    Bc,
    /// Dataset aggregation with an expert run (seed 003).
    Dagger,
    /// Ridge regression of the expert's actions, closed form (seed 004).
    Ridge,
}

impl Algo {
    /// The lower-case name used on the command line and in the app.
    pub fn name(self) -> &'static str {
        match self {
            Algo::Ppo => "ppo",
            Algo::Sac => "sac",
            Algo::Td3 => "td3",
            Algo::Ddpg => "ddpg",
            Algo::Bc => "bc",
            Algo::Dagger => "dagger",
            Algo::Ridge => "ridge",
        }
    }

    /// Every method, in menu order.
    pub const ALL: [Algo; 7] = [
        Algo::Ppo,
        Algo::Sac,
        Algo::Td3,
        Algo::Ddpg,
        Algo::Bc,
        Algo::Dagger,
        Algo::Ridge,
    ];

    /// The off-policy learner, for SAC, TD3 and DDPG.
    pub fn off_policy(self) -> Option<OffPolicyAlgo> {
        match self {
            Algo::Sac => Some(OffPolicyAlgo::Sac),
            Algo::Td3 => Some(OffPolicyAlgo::Td3),
            Algo::Ddpg => Some(OffPolicyAlgo::Ddpg),
            _ => None,
        }
    }

    /// Whether the method learns from an expert's actions (BC, DAgger, ridge).
    pub fn imitates(self) -> bool {
        matches!(self, Algo::Bc | Algo::Dagger | Algo::Ridge)
    }
}

/// Settings of the imitation learners (BC, DAgger, ridge).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ImitationConfig {
    /// The expert: a trained run folder (its deterministic policy labels the states).
    pub expert: Option<PathBuf>,
    /// A dataset written by `collect --expert` (otherwise `expert_steps` are collected).
    pub dataset: Option<PathBuf>,
    /// Expert steps to collect when no dataset is given.
    pub expert_steps: usize,
    /// Ridge's penalty (seed 004: 1).
    pub lambda: f64,
    /// Share of the dataset held out for the test MSE and R^2 (seed 004: 15 %).
    pub test_fraction: f64,
    /// The behavioural-cloning network and its training (BC and DAgger).
    pub bc: BcConfig,
    /// DAgger: iterations after the first fit (each rolls the learner out, labels its visits
    /// with the expert, aggregates and retrains); BC: passes of `bc.epochs` epochs.
    pub iterations: usize,
    /// DAgger: learner steps per iteration.
    pub steps_per_iteration: usize,
    /// Evaluation episodes of the learner after each iteration (the metrics row's return).
    pub eval_episodes: usize,
}

impl ImitationConfig {
    /// Refuses out-of-range or non-finite settings, naming the ranges.
    pub fn validate(&self) -> Result<()> {
        let b = &self.bc;
        let ok = (1..=100_000_000).contains(&self.expert_steps)
            && self.lambda.is_finite()
            && self.lambda >= 0.0
            && (0.0..1.0).contains(&self.test_fraction)
            && !b.hidden.is_empty()
            && b.hidden.iter().all(|h| (1..=4096).contains(h))
            && b.lr.is_finite()
            && b.lr > 0.0
            && (1..=100_000).contains(&b.batch_size)
            && (1..=100_000).contains(&b.epochs)
            && (1..=100_000).contains(&self.iterations)
            && (1..=100_000_000).contains(&self.steps_per_iteration)
            && self.eval_episodes <= 10_000;
        if !ok {
            anyhow::bail!(
                "imitation settings out of range (expert_steps 1..1e8, lambda >= 0, \
                 test_fraction in [0, 1), bc.hidden widths 1..4096, bc.lr > 0, \
                 bc.batch_size and bc.epochs 1..1e5, iterations 1..1e5, \
                 steps_per_iteration 1..1e8, eval_episodes <= 1e4): {self:?}"
            );
        }
        Ok(())
    }
}

impl Default for ImitationConfig {
    fn default() -> Self {
        ImitationConfig {
            expert: None,
            dataset: None,
            expert_steps: 20_000,
            lambda: 1.0,
            test_fraction: 0.15,
            bc: BcConfig::default(),
            iterations: 10,
            steps_per_iteration: 2_000,
            eval_episodes: 5,
        }
    }
}

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
    /// The learning method (PPO unless told; folders from before this setting are PPO runs).
    pub algo: Algo,
    /// SAC / TD3 / DDPG settings (`None`: seed 004's for the chosen method, see
    /// [`OffPolicyConfig::seed004`]).
    pub off_policy: Option<OffPolicyConfig>,
    /// BC / DAgger / ridge settings.
    pub imitation: ImitationConfig,
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
            algo: Algo::Ppo,
            off_policy: None,
            imitation: ImitationConfig::default(),
        }
    }
}

impl RunConfig {
    /// The off-policy settings in force: the run's own, or seed 004's for its method.
    pub fn off_policy_config(&self) -> OffPolicyConfig {
        self.off_policy.clone().unwrap_or_else(|| {
            OffPolicyConfig::seed004(self.algo.off_policy().unwrap_or(OffPolicyAlgo::Td3))
        })
    }

    /// Checks the other methods' settings: their numbers always (a run folder holds no
    /// non-finite or out-of-range value, whichever method it trains), what the chosen method
    /// needs (an expert, a frozen encoder) when it is chosen.
    fn validate_method(&self) -> Result<()> {
        if let Some(off) = &self.off_policy {
            off.validate().map_err(anyhow::Error::msg)?;
        }
        self.imitation.validate()?;
        if self.algo != Algo::Ppo && self.init_from.is_some() {
            anyhow::bail!(
                "init_from (a warm start) is PPO's; {} starts fresh",
                self.algo.name()
            );
        }
        if self.algo != Algo::Ppo && self.mode != EncoderMode::Frozen {
            anyhow::bail!(
                "{} trains with a frozen encoder only (mode {} is PPO's)",
                self.algo.name(),
                self.mode.name()
            );
        }
        if self.algo.imitates() {
            let im = &self.imitation;
            if im.expert.is_none() && im.dataset.is_none() {
                anyhow::bail!(
                    "{} needs an expert run (imitation.expert, --expert) or a dataset \
                     (imitation.dataset, --dataset)",
                    self.algo.name()
                );
            }
            if self.algo == Algo::Dagger && im.expert.is_none() {
                anyhow::bail!("dagger needs an expert run to label its visits (--expert)");
            }
        }
        Ok(())
    }

    /// Checks the configuration before anything starts (see [`PpoConfig::validate`]); the
    /// environment's numbers too, so a bad one is named rather than met as a hang or NaN.
    pub fn validate(&self) -> Result<()> {
        self.ppo.validate().map_err(anyhow::Error::msg)?;
        self.validate_method()?;
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
/// `total_steps` and an imitation run's `iterations` can grow), each as `name given (run: saved)`.
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
    differs("algo", &given.algo, &saved.algo);
    differs("off-policy settings", &given.off_policy, &saved.off_policy);
    let given_imitation = ImitationConfig {
        iterations: saved.imitation.iterations,
        ..given.imitation.clone()
    };
    differs("imitation settings", &given_imitation, &saved.imitation);
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
