//! The rollout-update loop, read top to bottom as CleanRL's `ppo_continuous_action.py`: collect
//! a rollout with the current policy, compute GAE advantages, update, log a metrics row,
//! checkpoint. [`Trainer`] holds what the loop carries from one update to the next (the run
//! folder, the worker pool, the learner, pending control requests) and one method per step.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use crossbeam_channel::{Receiver, Sender};

use super::folder::{save_checkpoint, RunFolder};
use super::messages::{Control, EpisodeInfo, Event, UpdateMetrics};
use super::run::{encoder_kind, Algo, RunConfig, RunState};
use super::runner::{mean_of, Run};
use super::workers::WorkerPool;
use crate::env::EnvConfig;
use crate::learn::checkpoint;
use crate::learn::encoder::{Encoder, EncoderKind, Normalizer};
use crate::learn::ppo::{EncoderMode, Ppo, UpdateStats};
use crate::learn::rollout::RolloutBuffer;

/// Runs (or resumes) training into `dir` with the run's method (PPO, SAC/TD3/DDPG or
/// BC/DAgger/ridge). Events go to `events` (dropped if nobody listens); `control` can pause,
/// checkpoint or stop it. Returns the final state.
pub fn train(
    config: RunConfig,
    dir: &Path,
    events: Option<Sender<Event>>,
    control: Option<Receiver<Control>>,
) -> Result<RunState> {
    let run = Run::open(config, dir, events, control)?;
    match run.config.algo {
        Algo::Ppo => train_ppo(run),
        a if a.off_policy().is_some() => super::offpolicy::train(run),
        _ => super::imitate::train(run),
    }
}

/// PPO's loop.
fn train_ppo(run: Run) -> Result<RunState> {
    let mut t = Trainer::new(run)?;
    let mut stopped = false;
    while t.run.state.env_steps < t.run.config.total_steps && !stopped {
        let started = Instant::now();
        // 1. A rollout with the current policy (none when a stop came during it).
        let Some((mut rollout, episodes)) = t.collect()? else {
            stopped = true;
            break;
        };
        let rollout_seconds = started.elapsed().as_secs_f64();
        // 2. GAE advantages and returns.
        let ppo = &t.run.config.ppo;
        rollout.compute_returns_and_advantage(ppo.gamma, ppo.gae_lambda);
        // 3. The update.
        let update_started = Instant::now();
        let stats = t.update(&rollout)?;
        // 4. A metrics row.
        let metrics = UpdateMetrics {
            update: t.run.state.updates,
            env_steps: t.run.state.env_steps,
            mean_return: mean_of(&episodes, |e| e.ret),
            mean_duration: mean_of(&episodes, |e| e.duration),
            episodes: episodes.len(),
            stats,
            steps_per_second: rollout.rows() as f64 / started.elapsed().as_secs_f64(),
            rollout_seconds,
            update_seconds: update_started.elapsed().as_secs_f64(),
            ..UpdateMetrics::blank()
        };
        let ppo = &mut t.ppo;
        t.run
            .log(&metrics, || Ok(ppo.rollout_policy()?.snapshot()))?;
        // 5. A checkpoint when due, asked for, or stopping.
        stopped = t.run.poll_stop();
        let ppo = &t.ppo;
        t.run
            .checkpoint_if_due(stopped, |d, state| save_checkpoint(d, ppo, state))?;
    }
    Ok(t.run.finish(stopped))
}

/// What PPO's loop carries between updates.
struct Trainer {
    run: Run,
    pool: WorkerPool,
    ppo: Ppo,
}

impl Trainer {
    /// Builds the worker pool and the learner for an opened run.
    fn new(run: Run) -> Result<Trainer> {
        let (pool, ppo) = build_learner(&run.config, &run.folder, run.state)?;
        pool.reset()?;
        Ok(Trainer { run, pool, ppo })
    }

    /// One rollout of `n_steps` per environment with the current policy, serving pause, stop
    /// and checkpoint requests while it runs. `None` when stopped (during the rollout or the
    /// pause after it): the partial rollout is dropped and the last state checkpointed.
    fn collect(&mut self) -> Result<Option<(RolloutBuffer, Vec<EpisodeInfo>)>> {
        let rollout = self.pool.rollout(
            self.ppo.rollout_policy()?,
            self.run.config.ppo.n_steps,
            self.run.config.ppo.gamma,
            self.run.control.as_ref(),
            &mut self.run.deferred,
        )?;
        if rollout.is_none() || self.run.hold_if_paused(&self.pool) {
            let ppo = &self.ppo;
            self.run
                .write_checkpoint(|d, state| save_checkpoint(d, ppo, state))?;
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
                self.run.state.updates + 1,
                stats.policy_loss,
                stats.value_loss
            );
        }
        self.run.state.updates += 1;
        self.run.state.env_steps += rollout.rows() as u64;
        Ok(stats)
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

/// The worker pool of a run (`workers` threads, 0: one per core), checked against the
/// encoder's input width.
pub(super) fn spawn_pool(config: &RunConfig, encoder: &Encoder) -> Result<WorkerPool> {
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
    Ok(pool)
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
    let pool = spawn_pool(config, &encoder)?;
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
