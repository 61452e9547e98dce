//! The off-policy loop (SAC, TD3, DDPG), read top to bottom as SB3's
//! `OffPolicyAlgorithm.learn` and CleanRL's `td3_continuous_action.py`: the workers step every
//! environment `train_freq` times with the learner's actor (uniform random actions for the
//! first `learning_starts` steps) and send the transitions back; they go into the replay
//! buffer; the learner takes its gradient steps (one per transition collected unless set); a
//! metrics row every `log_every` environment steps; a checkpoint when due.
//!
//! A checkpoint holds `policy.safetensors` (the deterministic actor in the run-folder layout,
//! what `eval`, `record` and the app act with), `learner.safetensors` (actor, critics, targets
//! and temperature) and the frozen encoder. The replay buffer is not saved (SB3 saves it only
//! when asked): a resumed run refills it with its current actor before learning goes on.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result};

use super::folder::save_state;
use super::messages::{EpisodeInfo, Event, UpdateMetrics};
use super::run::RunState;
use super::runner::{mean_of, Run};
use super::trainer::spawn_pool;
use crate::learn::checkpoint;
use crate::learn::encoder::Encoder;
use crate::learn::offpolicy::{new_learner, OffPolicyLearner, OffPolicyStats};
use crate::learn::ppo::UpdateStats;
use crate::learn::replay::ReplayBuffer;
use crate::learn::snapshot::{FeatureMap, PolicySnapshot};

/// The learner's own variables inside a checkpoint.
pub const LEARNER_FILE: &str = "learner.safetensors";

/// Trains an opened SAC / TD3 / DDPG run to its total steps (or a stop).
pub(super) fn train(mut run: Run) -> Result<RunState> {
    let device = crate::learn::device();
    let cfg = run.config.off_policy_config();
    let algo = run
        .config
        .algo
        .off_policy()
        .context("the off-policy loop needs sac, td3 or ddpg")?;
    let ckpt = run.folder.checkpoint_dir();
    let resumed = run.state.env_steps > 0 && run.folder.has_checkpoint();
    let encoder = run.encoder(resumed, &device)?;
    let pool = spawn_pool(&run.config, &encoder)?;
    let map = FeatureMap::from_encoder(&encoder)?;
    let (features, actions) = (encoder.output_size(), pool.act_dim);
    let mut learner = new_learner(algo, features, actions, &cfg, run.config.ppo.seed, &device)?;
    if resumed {
        let path = ckpt.join(LEARNER_FILE);
        checkpoint::load(&path, &learner.named(), &device)
            .with_context(|| format!("resuming from {}", path.display()))?;
        run.send(Event::Log(
            "resuming: the replay buffer starts empty and refills with the current actor".into(),
        ));
    }
    pool.reset()?;
    let mut buffer = ReplayBuffer::new(cfg.buffer_size, features, actions);
    let mut row = Row::new();
    let mut stopped = false;
    let save = |d: &Path, state: RunState, learner: &dyn OffPolicyLearner| {
        save_checkpoint(d, learner, &encoder, state)
    };
    while run.state.env_steps < run.config.total_steps && !stopped {
        // 1. Collect `train_freq` steps of every environment with the current actor.
        let started = Instant::now();
        let random = run.state.env_steps < cfg.learning_starts as u64;
        let policy = Arc::new(learner.exploration(map.clone())?);
        let collected = pool.explore(
            policy,
            cfg.train_freq,
            random,
            run.control.as_ref(),
            &mut run.deferred,
        )?;
        let paused_stop = collected.is_some() && run.hold_if_paused(&pool);
        let Some((transitions, episodes)) = collected.filter(|_| !paused_stop) else {
            stopped = true;
            run.write_checkpoint(|d, s| save(d, s, learner.as_ref()))?;
            break;
        };
        buffer.add(&transitions);
        run.state.env_steps += transitions.len() as u64;
        row.collect_seconds += started.elapsed().as_secs_f64();
        row.steps += transitions.len();
        row.episodes.extend(episodes);
        // 2. The gradient steps.
        if run.state.env_steps >= cfg.learning_starts as u64 && buffer.len() >= cfg.batch_size {
            let steps = match cfg.gradient_steps {
                0 => transitions.len(),
                n => n,
            };
            let learning = Instant::now();
            let stats = learner.train(&buffer, steps)?;
            check_finite(&stats, run.state.env_steps)?;
            row.add(&stats);
            row.learn_seconds += learning.elapsed().as_secs_f64();
        }
        // 3. A metrics row and a checkpoint when due.
        let due = (run.state.updates as u64 + 1) * cfg.log_every;
        if run.state.env_steps >= due.min(run.config.total_steps) {
            run.state.updates += 1;
            let metrics = row.metrics(run.state);
            run.log(&metrics, || {
                PolicySnapshot::from_networks(&encoder, &learner.deployable()?)
                    .map_err(anyhow::Error::from)
            })?;
            row = Row::new();
            stopped = run.poll_stop();
            run.checkpoint_if_due(stopped, |d, s| save(d, s, learner.as_ref()))?;
        }
    }
    Ok(run.finish(stopped))
}

/// Refuses NaN losses (the run keeps its last checkpoint).
fn check_finite(stats: &OffPolicyStats, env_steps: u64) -> Result<()> {
    if !stats.critic_loss.is_finite() || (stats.actor_steps > 0 && !stats.actor_loss.is_finite()) {
        anyhow::bail!(
            "at {env_steps} steps the losses became non-finite (actor {}, critic {}); the run \
             stops and keeps its last checkpoint",
            stats.actor_loss,
            stats.critic_loss
        );
    }
    Ok(())
}

/// What one metrics row accumulates.
struct Row {
    started: Instant,
    steps: usize,
    episodes: Vec<EpisodeInfo>,
    gradient_steps: usize,
    critic: f64,
    actor: (f64, usize),
    entropy: (f64, usize),
    ent_coef: f64,
    collect_seconds: f64,
    learn_seconds: f64,
}

impl Row {
    fn new() -> Row {
        Row {
            started: Instant::now(),
            steps: 0,
            episodes: Vec::new(),
            gradient_steps: 0,
            critic: 0.0,
            actor: (0.0, 0),
            entropy: (0.0, 0),
            ent_coef: f64::NAN,
            collect_seconds: 0.0,
            learn_seconds: 0.0,
        }
    }

    /// Adds a learning phase's means, weighted by its gradient steps.
    fn add(&mut self, s: &OffPolicyStats) {
        let n = s.gradient_steps;
        self.gradient_steps += n;
        self.critic += s.critic_loss * n as f64;
        if s.actor_steps > 0 {
            self.actor.0 += s.actor_loss * s.actor_steps as f64;
            self.actor.1 += s.actor_steps;
        }
        if s.entropy.is_finite() {
            self.entropy.0 += s.entropy * n as f64;
            self.entropy.1 += n;
        }
        self.ent_coef = s.ent_coef;
    }

    /// The row: actor loss as `policy_loss`, critic loss as `value_loss`, SAC's entropy
    /// estimate and coefficient; PPO's other columns NaN.
    fn metrics(&self, state: RunState) -> UpdateMetrics {
        let mean = |(sum, n): (f64, usize)| if n > 0 { sum / n as f64 } else { f64::NAN };
        UpdateMetrics {
            update: state.updates,
            env_steps: state.env_steps,
            mean_return: mean_of(&self.episodes, |e| e.ret),
            mean_duration: mean_of(&self.episodes, |e| e.duration),
            episodes: self.episodes.len(),
            stats: UpdateStats {
                policy_loss: mean(self.actor),
                value_loss: mean((self.critic, self.gradient_steps)),
                entropy: mean(self.entropy),
                approx_kl: f64::NAN,
                approx_kl_last_epoch: f64::NAN,
                clip_fraction: f64::NAN,
                explained_variance: f64::NAN,
                encoder_loss: f64::NAN,
            },
            steps_per_second: self.steps as f64 / self.started.elapsed().as_secs_f64(),
            rollout_seconds: self.collect_seconds,
            update_seconds: self.learn_seconds,
            ent_coef: self.ent_coef,
            ..UpdateMetrics::blank()
        }
    }
}

/// Writes an off-policy checkpoint: the deployable actor, the learner's variables, the
/// encoder, then the state.
fn save_checkpoint(
    dir: &Path,
    learner: &dyn OffPolicyLearner,
    encoder: &Encoder,
    state: RunState,
) -> Result<()> {
    checkpoint::save(
        &dir.join("policy.safetensors"),
        &learner.deployable()?.named(),
    )?;
    checkpoint::save(&dir.join(LEARNER_FILE), &learner.named())?;
    encoder.save(dir, None)?;
    save_state(dir, state)
}
