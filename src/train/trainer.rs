//! The rollout-update loop, read top to bottom as CleanRL's `ppo_continuous_action.py`: collect
//! a rollout with the current policy, compute GAE advantages, update, log a metrics row,
//! checkpoint. [`Trainer`] holds what the loop carries from one update to the next (the run
//! folder, the worker pool, the learner, pending control requests) and one method per step.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use crossbeam_channel::{Receiver, Sender};

use super::folder::{load_state, save_checkpoint, RunFolder};
use super::messages::{Control, EpisodeInfo, Event, UpdateMetrics};
use super::metrics::upgrade_metrics;
use super::run::{encoder_kind, ignored_settings, parse_run_folder_config, RunConfig, RunState};
use super::workers::WorkerPool;
use crate::env::EnvConfig;
use crate::learn::checkpoint;
use crate::learn::encoder::{Encoder, EncoderKind, Normalizer};
use crate::learn::ppo::{EncoderMode, Ppo, UpdateStats};
use crate::learn::rollout::RolloutBuffer;

/// Runs (or resumes) training into `dir`. Events go to `events` (dropped if nobody listens);
/// `control` can pause, checkpoint or stop it. Returns the final state.
pub fn train(
    config: RunConfig,
    dir: &Path,
    events: Option<Sender<Event>>,
    control: Option<Receiver<Control>>,
) -> Result<RunState> {
    let mut t = Trainer::open(config, dir, events, control)?;
    let mut stopped = false;
    while t.state.env_steps < t.config.total_steps && !stopped {
        let started = Instant::now();
        // 1. A rollout with the current policy (none when a stop came during it).
        let Some((mut rollout, episodes)) = t.collect()? else {
            stopped = true;
            break;
        };
        let rollout_seconds = started.elapsed().as_secs_f64();
        // 2. GAE advantages and returns.
        let ppo = &t.config.ppo;
        rollout.compute_returns_and_advantage(ppo.gamma, ppo.gae_lambda);
        // 3. The update.
        let update_started = Instant::now();
        let stats = t.update(&rollout)?;
        // 4. A metrics row.
        let metrics = UpdateMetrics {
            update: t.state.updates,
            env_steps: t.state.env_steps,
            mean_return: mean_of(&episodes, |e| e.ret),
            mean_duration: mean_of(&episodes, |e| e.duration),
            episodes: episodes.len(),
            stats,
            steps_per_second: rollout.rows() as f64 / started.elapsed().as_secs_f64(),
            rollout_seconds,
            update_seconds: update_started.elapsed().as_secs_f64(),
        };
        t.log(&metrics)?;
        // 5. A checkpoint when due, asked for, or stopping.
        stopped = t.poll_stop();
        t.checkpoint_if_due(stopped)?;
    }
    t.send(Event::Finished(
        if stopped { "stopped" } else { "done" }.into(),
    ));
    Ok(t.state)
}

/// Sends an event to whoever listens (dropped when nobody does or the channel is full: the
/// learner never waits for a watcher).
fn send_to(events: &Option<Sender<Event>>, e: Event) {
    if let Some(tx) = events {
        let _ = tx.try_send(e);
    }
}

/// What the loop carries between updates.
struct Trainer {
    folder: RunFolder,
    config: RunConfig,
    state: RunState,
    pool: WorkerPool,
    ppo: Ppo,
    events: Option<Sender<Event>>,
    control: Option<Receiver<Control>>,
    /// Checkpoint requests seen during a rollout, served at the end of its update.
    deferred: Vec<Control>,
    /// Mean training returns since the last checkpoint (for `best/`).
    window: Vec<f64>,
}

impl Trainer {
    /// Opens (or resumes) the run folder and builds the worker pool and the learner.
    fn open(
        config: RunConfig,
        dir: &Path,
        events: Option<Sender<Event>>,
        control: Option<Receiver<Control>>,
    ) -> Result<Trainer> {
        let (folder, config, state) = open_run(config, dir, &|e| send_to(&events, e))?;
        let (pool, ppo) = build_learner(&config, &folder, state)?;
        pool.reset()?;
        Ok(Trainer {
            folder,
            config,
            state,
            pool,
            ppo,
            events,
            control,
            deferred: Vec::new(),
            window: Vec::new(),
        })
    }

    /// Sends an event to whoever listens.
    fn send(&self, e: Event) {
        send_to(&self.events, e);
    }

    /// One rollout of `n_steps` per environment with the current policy, serving pause, stop
    /// and checkpoint requests while it runs. `None` when stopped (during the rollout or the
    /// pause after it): the partial rollout is dropped and the last state checkpointed.
    fn collect(&mut self) -> Result<Option<(RolloutBuffer, Vec<EpisodeInfo>)>> {
        let rollout = self.pool.rollout(
            self.ppo.rollout_policy()?,
            self.config.ppo.n_steps,
            self.config.ppo.gamma,
            self.control.as_ref(),
            &mut self.deferred,
        )?;
        let mut stop = rollout.is_none();
        if !stop && self.pool.is_paused() {
            // Paused during the rollout: hold here until resumed (or stopped).
            if let Some(c) = &self.control {
                stop = poll_control(c, &mut self.deferred, true);
            }
            self.pool.resume();
        }
        if stop {
            self.write_checkpoint()?;
            return Ok(None);
        }
        Ok(rollout)
    }

    /// The PPO update; a non-finite loss ends the run (its last checkpoint stands). Counts the
    /// update and its environment steps.
    fn update(&mut self, rollout: &RolloutBuffer) -> Result<UpdateStats> {
        let stats = self.ppo.update(rollout)?;
        if !(stats.policy_loss.is_finite() && stats.value_loss.is_finite()) {
            anyhow::bail!(
                "update {}: the losses became non-finite (policy {}, value {}); the run stops \
                 and keeps its last checkpoint",
                self.state.updates + 1,
                stats.policy_loss,
                stats.value_loss
            );
        }
        self.state.updates += 1;
        self.state.env_steps += rollout.rows() as u64;
        Ok(stats)
    }

    /// Appends the row to `metrics.csv` and tells the watchers, with the policy that the next
    /// rollout acts with (its plain copy is built once for both).
    fn log(&mut self, metrics: &UpdateMetrics) -> Result<()> {
        self.folder.append_metrics(metrics)?;
        self.send(Event::Update(*metrics));
        if self.events.is_some() {
            match self.ppo.rollout_policy() {
                Ok(p) => self.send(Event::Policy(Box::new(p.snapshot()))),
                Err(e) => self.send(Event::Log(format!("policy snapshot failed: {e}"))),
            }
        }
        if metrics.mean_return.is_finite() {
            self.window.push(metrics.mean_return);
        }
        Ok(())
    }

    /// Whether a stop has been asked for since the rollout (pending checkpoint requests are
    /// kept for [`Self::checkpoint_if_due`]).
    fn poll_stop(&mut self) -> bool {
        match &self.control {
            Some(c) => poll_control(c, &mut self.deferred, false),
            None => false,
        }
    }

    /// Writes a checkpoint when one was asked for, when stopping, every `checkpoint_every`
    /// updates and at the end; keeps it as `best/` when the mean training return since the
    /// last checkpoint is the best so far.
    fn checkpoint_if_due(&mut self, stopping: bool) -> Result<()> {
        let requested = self.deferred.drain(..).any(|m| m == Control::Checkpoint);
        let state = self.state;
        if !(requested
            || stopping
            || state.updates % self.config.checkpoint_every.max(1) == 0
            || state.env_steps >= self.config.total_steps)
        {
            return Ok(());
        }
        let window = std::mem::take(&mut self.window);
        let recent = window.iter().sum::<f64>() / window.len().max(1) as f64;
        let best = !window.is_empty() && (state.best_update == 0 || recent > state.best_return);
        if best {
            self.state.best_return = recent;
            self.state.best_update = state.updates;
        }
        self.write_checkpoint()?;
        if best {
            self.folder.keep_as_best()?;
        }
        Ok(())
    }

    /// Writes the learner and the state as the folder's checkpoint, as one unit.
    fn write_checkpoint(&self) -> Result<()> {
        let (ppo, state) = (&self.ppo, self.state);
        self.folder
            .write_checkpoint(|d| save_checkpoint(d, ppo, state))
    }
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
    let (config, state) = if folder.has_checkpoint() {
        let text = std::fs::read_to_string(dir.join("config.ron"))
            .context("resuming: reading config.ron")?;
        let saved = parse_run_folder_config(&text).context("resuming: config.ron is malformed")?;
        let st = load_state(&folder.checkpoint_dir()).context("resuming")?;
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
