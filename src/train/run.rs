//! A training run: a RON configuration, a run folder (`config.ron`, `metrics.csv`, `checkpoint/`),
//! the rollout-update loop over the worker pool, checkpoints written atomically, and resume.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use crossbeam_channel::{Receiver, Sender};
use serde::{Deserialize, Serialize};

use super::folder::RunFolder;
use super::messages::{Control, Event, UpdateMetrics};
use super::workers::{Rollout, WorkerPool};
use crate::env::EnvConfig;
use crate::learn::checkpoint;
use crate::learn::encoder::{Encoder, EncoderKind, Normalizer};
use crate::learn::gae::gae;
use crate::learn::ppo::{Batch, EncoderMode, Ppo, PpoConfig};

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

/// The default folder of fitted encoders (`models/encoders`).
pub fn default_encoder_dir() -> PathBuf {
    crate::models_dir().join("encoders")
}

/// Builds the encoder a run asks for: loaded from `encoder_dir`, or (none, joint) made from
/// observation statistics when no file exists.
pub fn make_encoder(config: &RunConfig, device: &candle_core::Device) -> Result<Encoder> {
    let dir = config
        .encoder_dir
        .clone()
        .unwrap_or_else(default_encoder_dir);
    // The walking recipe's phase (sin, cos) comes after the study's values, already in [-1, 1]:
    // a fitted encoder takes the study's observation and the phase passes through beside it.
    let with_phase = |e: Encoder| {
        if config.env.tracking.phase_observation {
            e.with_passthrough(&[0.0, 0.0], &[1.0, 1.0])
        } else {
            e
        }
    };
    let fitted_stats = || {
        Encoder::load(&dir, EncoderKind::None, device)
            .map(|e| with_phase(e).normalizer)
            .or_else(|_| statistics(&config.env))
    };
    match (config.encoder, config.mode) {
        (_, EncoderMode::Joint) => {
            let mut rng = rand::SeedableRng::seed_from_u64(config.ppo.seed);
            Ok(Encoder::new_network(
                EncoderKind::Vae,
                fitted_stats()?,
                66,
                &mut rng,
                device,
            )?)
        }
        (EncoderKind::None, _) => Ok(Encoder::none(fitted_stats()?)),
        (kind, _) => Ok(with_phase(Encoder::load(&dir, kind, device)?)),
    }
}

/// Observation statistics from 2,000 steps of random excitation (used when no fitted statistics
/// exist).
fn statistics(env: &EnvConfig) -> Result<Normalizer> {
    let data = super::collect::collect(
        env,
        &super::collect::CollectConfig {
            steps: 2000,
            ..Default::default()
        },
    )?;
    Ok(Normalizer::fit(&data.observations, data.obs_dim))
}

/// Runs (or resumes) training into `dir`. Events go to `events` (dropped if nobody listens);
/// `control` can stop it. Returns the final state.
///
/// The loop, as CleanRL's `ppo_continuous_action.py` reads: collect a rollout with the current
/// policy, compute GAE advantages, update, log a metrics row, checkpoint.
pub fn train(
    config: RunConfig,
    dir: &Path,
    events: Option<Sender<Event>>,
    control: Option<Receiver<Control>>,
) -> Result<RunState> {
    let send = |e: Event| {
        if let Some(tx) = &events {
            let _ = tx.try_send(e);
        }
    };
    let (folder, config, mut state) = open_run(config, dir, &send)?;
    let (pool, mut ppo) = build_learner(&config, &folder, state)?;
    pool.reset()?;
    let mut stop = false;
    // Checkpoint requests seen during a rollout are served at the end of its update.
    let mut deferred: Vec<Control> = Vec::new();
    // Mean training returns since the last checkpoint (for `best/`).
    let mut window: Vec<f64> = Vec::new();
    while state.env_steps < config.total_steps && !stop {
        let started = Instant::now();
        let rollout = pool.rollout(
            ppo.rollout_policy()?,
            config.ppo.n_steps,
            config.ppo.gamma,
            control.as_ref(),
            &mut deferred,
        )?;
        let Some(rollout) = rollout else {
            // Stopped mid-rollout: the partial rollout is dropped; the last checkpoint stands.
            folder.write_checkpoint(|d| save_checkpoint(d, &ppo, state))?;
            stop = true;
            break;
        };
        if pool.is_paused() {
            // Paused during the rollout: hold here until resumed (or stopped).
            if let Some(c) = &control {
                stop |= poll_control(c, &mut deferred, true);
            }
            pool.resume();
            if stop {
                folder.write_checkpoint(|d| save_checkpoint(d, &ppo, state))?;
                break;
            }
        }
        let rollout_seconds = started.elapsed().as_secs_f64();
        let (batch, episodes) = advantages(rollout, &config.ppo);
        let update_started = Instant::now();
        let stats = ppo.update(&batch)?;
        if !(stats.policy_loss.is_finite() && stats.value_loss.is_finite()) {
            anyhow::bail!(
                "update {}: the losses became non-finite (policy {}, value {}); the run stops \
                 and keeps its last checkpoint",
                state.updates + 1,
                stats.policy_loss,
                stats.value_loss
            );
        }
        let steps = config.ppo.n_steps * config.ppo.n_envs;
        state.updates += 1;
        state.env_steps += steps as u64;
        let metrics = UpdateMetrics {
            update: state.updates,
            env_steps: state.env_steps,
            mean_return: mean_of(&episodes, |e| e.ret),
            mean_duration: mean_of(&episodes, |e| e.duration),
            episodes: episodes.len(),
            stats,
            steps_per_second: steps as f64 / started.elapsed().as_secs_f64(),
            rollout_seconds,
            update_seconds: update_started.elapsed().as_secs_f64(),
        };
        folder.append_metrics(&metrics)?;
        send(Event::Update(metrics));
        if events.is_some() {
            // The next rollout's plain copy, built once for both.
            match ppo.rollout_policy() {
                Ok(p) => send(Event::Policy(Box::new(p.snapshot()))),
                Err(e) => send(Event::Log(format!("policy snapshot failed: {e}"))),
            }
        }
        if let Some(c) = &control {
            stop |= poll_control(c, &mut deferred, false);
        }
        if metrics.mean_return.is_finite() {
            window.push(metrics.mean_return);
        }
        let requested = deferred.drain(..).any(|m| m == Control::Checkpoint);
        if requested
            || stop
            || state.updates % config.checkpoint_every.max(1) == 0
            || state.env_steps >= config.total_steps
        {
            let recent = window.iter().sum::<f64>() / window.len().max(1) as f64;
            let best = !window.is_empty() && (state.best_update == 0 || recent > state.best_return);
            if best {
                state.best_return = recent;
                state.best_update = state.updates;
            }
            folder.write_checkpoint(|d| save_checkpoint(d, &ppo, state))?;
            if best {
                folder.keep_as_best()?;
            }
            window.clear();
        }
    }
    send(Event::Finished(if stop {
        "stopped".into()
    } else {
        "done".into()
    }));
    Ok(state)
}

/// Opens the run folder: a new run validates `config` and saves it; a resumed one takes its
/// own `config.ron` (only `total_steps` can grow) and the checkpoint's state, and says which
/// given settings it ignores. `metrics.csv` is cut back to the checkpoint.
fn open_run(
    config: RunConfig,
    dir: &Path,
    send: &dyn Fn(Event),
) -> Result<(RunFolder, RunConfig, RunState)> {
    if !super::folder::holds_checkpoint(dir) {
        // A new run: refuse a bad configuration before the folder exists.
        config.validate().context("run configuration")?;
    }
    let (folder, recovery) = RunFolder::open(dir)?;
    for line in &recovery.repairs {
        send(Event::Log(format!("{}: {line}", dir.display())));
    }
    let state_path = folder.checkpoint_dir().join("state.ron");
    let (config, state) = if folder.has_checkpoint() {
        let text = std::fs::read_to_string(dir.join("config.ron"))
            .context("resuming: reading config.ron")?;
        let saved = parse_run_folder_config(&text).context("resuming: config.ron is malformed")?;
        let st_text = std::fs::read_to_string(&state_path)
            .with_context(|| format!("resuming: reading {}", state_path.display()))?;
        let st: RunState = ron::from_str(&st_text)
            .with_context(|| format!("resuming: {} is malformed", state_path.display()))?;
        let saved = RunConfig {
            total_steps: config.total_steps.max(saved.total_steps),
            ..saved
        };
        send(Event::Log(format!(
            "resuming {} at update {} ({} steps of {})",
            dir.display(),
            st.updates,
            st.env_steps,
            saved.total_steps
        )));
        let ignored = ignored_settings(&config, &saved);
        if !ignored.is_empty() {
            send(Event::Log(format!(
                "resuming keeps the run's own settings; ignored: {}",
                ignored.join(", ")
            )));
        }
        (saved, st)
    } else {
        let text = ron::ser::to_string_pretty(&config, ron::ser::PrettyConfig::default())?;
        crate::util::write_atomic(&dir.join("config.ron"), text.as_bytes())?;
        (config, RunState::default())
    };
    config
        .validate()
        .with_context(|| format!("run configuration of {}", dir.display()))?;
    let dropped = folder.prepare_metrics(state.updates as u64, upgrade_metrics)?;
    if dropped > 0 {
        send(Event::Log(format!(
            "metrics.csv: dropped {dropped} rows written after the checkpoint of update {}",
            state.updates
        )));
    }
    Ok((folder, config, state))
}

/// The worker pool and the learner: a new run's encoder from the fitted ones, a resumed run's
/// encoder, policy and Adam moments from its checkpoint.
fn build_learner(
    config: &RunConfig,
    folder: &RunFolder,
    state: RunState,
) -> Result<(WorkerPool, Ppo)> {
    let device = crate::learn::device();
    let ckpt_dir = folder.checkpoint_dir();
    // A resumed run takes its encoder and networks from its own checkpoint (the encoder may
    // have been trained), a warm-started one from the checkpoint it starts from.
    let start = if state.updates > 0 {
        Some(ckpt_dir.clone())
    } else {
        config
            .init_from
            .as_ref()
            .map(|d| d.join(super::folder::CHECKPOINT))
    };
    let encoder = match &start {
        Some(d) => Encoder::load(d, encoder_kind(config), &device).with_context(|| {
            format!("the {:?} encoder of {}", encoder_kind(config), d.display())
        })?,
        None => make_encoder(config, &device)?,
    };
    let workers = if config.workers == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        config.workers
    };
    let pool = WorkerPool::spawn(&config.env, config.ppo.n_envs, workers, config.ppo.seed)?;
    if encoder.input_size() != pool.obs_dim {
        anyhow::bail!(
            "the encoder takes {} observation values, the environment gives {}",
            encoder.input_size(),
            pool.obs_dim
        );
    }
    let mut ppo = Ppo::new(
        encoder,
        pool.act_dim,
        config.mode,
        config.ppo.clone(),
        &device,
    )?;
    if let Some(d) = &start {
        checkpoint::load(&d.join("policy.safetensors"), &ppo.net.named(), &device)?;
    }
    if state.updates > 0 {
        // The fused update's Adam moments, so a resumed run steps as an uninterrupted one would
        // (runs from before this file existed restart them).
        let optimizer = ckpt_dir.join("optimizer.safetensors");
        if optimizer.exists() {
            let tensors = candle_core::safetensors::load(&optimizer, &device)
                .with_context(|| format!("{}: unreadable", optimizer.display()))?;
            ppo.load_optimizer_state(&tensors)
                .with_context(|| format!("resuming from {}", optimizer.display()))?;
        }
    }
    Ok((pool, ppo))
}

/// GAE advantages and returns per environment (SB3's `compute_returns_and_advantage`), as the
/// update's batch; the rollout's finished episodes come back beside it.
fn advantages(rollout: Rollout, ppo: &PpoConfig) -> (Batch, Vec<super::messages::EpisodeInfo>) {
    let n_envs = rollout.last_values.len();
    let n_steps = rollout.rewards.len() / n_envs.max(1);
    let mut advantages = vec![0f32; n_steps * n_envs];
    let mut returns = vec![0f32; n_steps * n_envs];
    for (e, last_value) in rollout.last_values.iter().enumerate() {
        let idx: Vec<usize> = (0..n_steps).map(|t| t * n_envs + e).collect();
        let r: Vec<f64> = idx.iter().map(|&i| rollout.rewards[i]).collect();
        let v: Vec<f64> = idx.iter().map(|&i| rollout.values[i]).collect();
        let d: Vec<bool> = idx.iter().map(|&i| rollout.dones[i]).collect();
        let (a, ret) = gae(&r, &v, &d, *last_value, ppo.gamma, ppo.gae_lambda);
        for (k, &i) in idx.iter().enumerate() {
            advantages[i] = a[k] as f32;
            returns[i] = ret[k] as f32;
        }
    }
    let batch = Batch {
        obs: rollout.obs,
        u: rollout.u,
        log_prob: rollout.log_prob,
        advantages,
        returns,
        values: rollout.values.iter().map(|v| *v as f32).collect(),
    };
    (batch, rollout.episodes)
}

/// The mean of `f` over the episodes (NaN when none ended).
fn mean_of(
    episodes: &[super::messages::EpisodeInfo],
    f: fn(&super::messages::EpisodeInfo) -> f64,
) -> f64 {
    if episodes.is_empty() {
        f64::NAN
    } else {
        episodes.iter().map(f).sum::<f64>() / episodes.len() as f64
    }
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

/// Loads a trained run's configuration, encoder and policy from its folder (for evaluation or as
/// an exploration policy). The encoder is frozen.
pub fn load_policy(run_dir: &Path) -> Result<(RunConfig, Ppo)> {
    let text = std::fs::read_to_string(run_dir.join("config.ron"))
        .with_context(|| format!("{}: not a run folder (no config.ron)", run_dir.display()))?;
    let config = parse_run_folder_config(&text).context("config.ron is malformed")?;
    config.validate().context("config.ron")?;
    let device = crate::learn::device();
    let ckpt = run_dir.join(super::folder::CHECKPOINT);
    let encoder = Encoder::load(&ckpt, encoder_kind(&config), &device)?;
    let model = crate::osim::Model::load(
        config
            .env
            .model
            .clone()
            .unwrap_or_else(crate::default_model_path),
    )?;
    let actions = model.muscles.len();
    let observed = crate::env::walk_env::observation_size(&model, &config.env);
    if encoder.input_size() != observed {
        anyhow::bail!(
            "{}: the encoder takes {} observation values, the environment gives {observed}",
            run_dir.display(),
            encoder.input_size()
        );
    }
    let mut ppo = Ppo::new(
        encoder,
        actions,
        EncoderMode::Frozen,
        config.ppo.clone(),
        &device,
    )?;
    checkpoint::load(&ckpt.join("policy.safetensors"), &ppo.net.named(), &device)?;
    ppo.mode = EncoderMode::Frozen;
    Ok((config, ppo))
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

/// Writes the policy, the encoder (as trained, with its statistics) and the run state, each
/// atomically, so that the folder alone can resume or be evaluated.
pub fn save_checkpoint(dir: &Path, ppo: &Ppo, state: RunState) -> Result<()> {
    checkpoint::save(&dir.join("policy.safetensors"), &ppo.net.named())?;
    let optimizer = ppo.optimizer_state()?;
    if !optimizer.is_empty() {
        checkpoint::save_tensors(&dir.join("optimizer.safetensors"), optimizer)?;
    }
    ppo.encoder.save(dir, None)?;
    let text = ron::ser::to_string_pretty(&state, ron::ser::PrettyConfig::default())?;
    crate::util::write_atomic(&dir.join("state.ron"), text.as_bytes())?;
    Ok(())
}

/// Reads pending control messages: returns whether to stop; checkpoint requests go to `deferred`.
/// On `Pause` (or from the start when `paused`) it blocks (no busy wait) until `Resume` or
/// `Stop`, or until the sender is gone.
fn poll_control(control: &Receiver<Control>, deferred: &mut Vec<Control>, paused: bool) -> bool {
    let mut paused = paused;
    loop {
        let msg = if paused {
            match control.recv() {
                Ok(m) => m,
                Err(_) => return true,
            }
        } else {
            match control.try_recv() {
                Ok(m) => m,
                Err(crossbeam_channel::TryRecvError::Empty) => return false,
                Err(crossbeam_channel::TryRecvError::Disconnected) => return false,
            }
        };
        match msg {
            Control::Stop => return true,
            Control::Checkpoint => deferred.push(Control::Checkpoint),
            Control::Pause => paused = true,
            Control::Resume => paused = false,
        }
    }
}

/// Rewrites a `metrics.csv` text written with older columns in today's (missing values NaN),
/// so a resumed run appends rows that match its header.
fn upgrade_metrics(text: &str) -> Result<String> {
    let rows = super::session::parse_metrics(text)?;
    let mut out = format!("{}\n", UpdateMetrics::HEADER);
    for row in rows {
        out.push_str(&row.csv());
        out.push('\n');
    }
    Ok(out)
}
