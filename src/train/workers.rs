//! Simulation workers: each thread owns a slice of the environments and, per rollout, a shared
//! read-only copy of the policy; it acts for its environments, steps them, resets finished
//! episodes and reports the whole rollout at once. Inference thus runs on every core that
//! simulation does, and the learner and workers exchange two messages per rollout instead of two
//! per step. Each environment draws its action noise from its own generator, so a rollout does
//! not depend on how the environments are spread over workers.

use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;

use crossbeam_channel::{Receiver, Sender};
use rand::rngs::SmallRng;
use rand::SeedableRng;

use super::messages::{
    Control, EpisodeInfo, ExploreRequest, RolloutRequest, WorkerCommand, WorkerReply,
};
use crate::env::{EnvConfig, WalkEnv};
use crate::learn::offpolicy::explore::ExplorationPolicy;
use crate::learn::replay::Transitions;
use crate::learn::rollout::RolloutBuffer;
use crate::learn::snapshot::RolloutPolicy;

/// Pause and cancel, shared by the learner and the workers, which look at it before each step.
#[derive(Debug, Default)]
pub struct Gate {
    /// (paused, cancelled)
    state: Mutex<(bool, bool)>,
    changed: Condvar,
}

impl Gate {
    fn set(&self, f: impl FnOnce(&mut (bool, bool))) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut s);
        self.changed.notify_all();
    }

    /// Workers hold at their next step.
    pub fn pause(&self) {
        self.set(|s| s.0 = true);
    }

    /// Workers go on.
    pub fn resume(&self) {
        self.set(|s| s.0 = false);
    }

    /// Workers end the current rollout at their next step (for good).
    pub fn cancel(&self) {
        self.set(|s| s.1 = true);
    }

    /// Whether paused.
    pub fn is_paused(&self) -> bool {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).0
    }

    /// Blocks while paused (without spinning); false once cancelled.
    pub fn pass(&self) -> bool {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        while s.0 && !s.1 {
            s = self.changed.wait(s).unwrap_or_else(|e| e.into_inner());
        }
        !s.1
    }
}

/// The worker threads and their channels.
pub struct WorkerPool {
    commands: Vec<Sender<WorkerCommand>>,
    replies: Receiver<WorkerReply>,
    handles: Vec<JoinHandle<()>>,
    gate: Arc<Gate>,
    /// Environments per worker.
    pub envs_per_worker: Vec<usize>,
    /// Observation width.
    pub obs_dim: usize,
    /// Action width.
    pub act_dim: usize,
}

impl WorkerPool {
    /// Starts `workers` threads sharing `n_envs` environments; environment `i` is seeded
    /// `seed + i`, and so is its action noise (through a different stream).
    pub fn spawn(
        config: &EnvConfig,
        n_envs: usize,
        workers: usize,
        seed: u64,
    ) -> anyhow::Result<WorkerPool> {
        let workers = workers.clamp(1, n_envs.max(1));
        // Build one environment here to learn the sizes and fail early on bad config.
        let probe = WalkEnv::new(config.clone(), seed)?;
        let (obs_dim, act_dim) = (probe.observation_size(), probe.action_size());
        drop(probe);
        let (reply_tx, replies) = crossbeam_channel::unbounded();
        let mut commands = Vec::new();
        let mut handles = Vec::new();
        let mut envs_per_worker = Vec::new();
        let mut first = 0;
        let gate = Arc::new(Gate::default());
        for w in 0..workers {
            let count = n_envs / workers + usize::from(w < n_envs % workers);
            let (tx, rx) = crossbeam_channel::unbounded();
            let config = config.clone();
            let reply_tx = reply_tx.clone();
            let seeds: Vec<u64> = (first..first + count).map(|i| seed + i as u64).collect();
            first += count;
            envs_per_worker.push(count);
            let gate = gate.clone();
            handles.push(
                std::thread::Builder::new()
                    .name(format!("sim-worker-{w}"))
                    .spawn(move || worker_loop(w, config, seeds, gate, rx, reply_tx))?,
            );
            commands.push(tx);
        }
        Ok(WorkerPool {
            commands,
            replies,
            handles,
            gate,
            envs_per_worker,
            obs_dim,
            act_dim,
        })
    }

    /// Total environments.
    pub fn n_envs(&self) -> usize {
        self.envs_per_worker.iter().sum()
    }

    /// Resets every environment.
    pub fn reset(&self) -> anyhow::Result<()> {
        for c in &self.commands {
            c.send(WorkerCommand::Reset)?;
        }
        for _ in 0..self.commands.len() {
            let r = self.replies.recv()?;
            if let Some(e) = &r.error {
                anyhow::bail!("simulation worker {}: {e}", r.worker);
            }
        }
        Ok(())
    }

    /// Collects one rollout of `n_steps` per environment with `policy`. While it runs,
    /// `control` (when given) is served: `Pause` holds the workers at their next step until
    /// `Resume`, `Stop` cancels the rollout (`Ok(None)`), `Checkpoint` is passed on in
    /// `deferred`. A rollout that ends while paused leaves the pool paused: see
    /// [`WorkerPool::is_paused`]. The episodes that ended come back beside the buffer, ordered
    /// by step, then environment.
    pub fn rollout(
        &self,
        policy: Arc<RolloutPolicy>,
        n_steps: usize,
        gamma: f64,
        control: Option<&Receiver<Control>>,
        deferred: &mut Vec<Control>,
    ) -> anyhow::Result<Option<(RolloutBuffer, Vec<EpisodeInfo>)>> {
        let request = RolloutRequest {
            policy,
            n_steps,
            gamma,
        };
        let parts = self.gather(WorkerCommand::Rollout(request), n_steps, control, deferred)?;
        Ok(parts.map(|p| self.assemble(p)))
    }

    /// Steps every environment `n_steps` times with an off-policy actor (uniformly random
    /// actions when `random`), serving `control` as [`WorkerPool::rollout`] does. The
    /// transitions come back in worker (environment) order, the episodes that ended ordered
    /// by step, then environment; `Ok(None)` when stopped.
    pub fn explore(
        &self,
        policy: Arc<ExplorationPolicy>,
        n_steps: usize,
        random: bool,
        control: Option<&Receiver<Control>>,
        deferred: &mut Vec<Control>,
    ) -> anyhow::Result<Option<(Transitions, Vec<EpisodeInfo>)>> {
        let request = ExploreRequest {
            policy,
            n_steps,
            random,
        };
        let Some(parts) =
            self.gather(WorkerCommand::Explore(request), n_steps, control, deferred)?
        else {
            return Ok(None);
        };
        let episodes = self.merge_episodes(&parts);
        let mut all = Transitions::new(0, 0);
        for p in parts {
            if all.is_empty() {
                all = p.transitions;
            } else {
                all.append(&p.transitions);
            }
        }
        Ok(Some((all, episodes)))
    }

    /// Sends each worker its command and collects the replies in worker order, serving
    /// `control` meanwhile: `Pause` holds the workers at their next step until `Resume`,
    /// `Stop` cancels (`Ok(None)`, as is a reply with fewer than `n_steps` steps),
    /// `Checkpoint` is passed on in `deferred`.
    fn gather(
        &self,
        command: WorkerCommand,
        n_steps: usize,
        mut control: Option<&Receiver<Control>>,
        deferred: &mut Vec<Control>,
    ) -> anyhow::Result<Option<Vec<WorkerReply>>> {
        for c in &self.commands {
            c.send(command.clone())?;
        }
        let mut parts: Vec<Option<WorkerReply>> = vec![None; self.commands.len()];
        let mut received = 0;
        let mut cancelled = false;
        while received < parts.len() {
            let reply = match control {
                Some(c) => crossbeam_channel::select! {
                    recv(self.replies) -> r => r?,
                    recv(c) -> m => {
                        match m {
                            Ok(Control::Stop) => {
                                cancelled = true;
                                self.gate.cancel();
                            }
                            Ok(Control::Pause) => self.gate.pause(),
                            Ok(Control::Resume) => self.gate.resume(),
                            Ok(Control::Checkpoint) => deferred.push(Control::Checkpoint),
                            // Nobody can send any more: go on uncontrolled.
                            Err(_) => control = None,
                        }
                        continue;
                    }
                },
                None => self.replies.recv()?,
            };
            if let Some(e) = &reply.error {
                anyhow::bail!("simulation worker {}: {e}", reply.worker);
            }
            let w = reply.worker;
            parts[w] = Some(reply);
            received += 1;
        }
        if cancelled || parts.iter().flatten().any(|p| p.steps < n_steps) {
            return Ok(None);
        }
        Ok(Some(parts.into_iter().flatten().collect()))
    }

    /// Whether a `Pause` is in force (the learner should wait before its update).
    pub fn is_paused(&self) -> bool {
        self.gate.is_paused()
    }

    /// Lifts a pause.
    pub fn resume(&self) {
        self.gate.resume();
    }

    /// Interleaves the workers' parts (in worker order, i.e. environment order) into one
    /// time-major rollout, and their episodes into one list.
    fn assemble(&self, parts: Vec<WorkerReply>) -> (RolloutBuffer, Vec<EpisodeInfo>) {
        let episodes = self.merge_episodes(&parts);
        let buffers: Vec<RolloutBuffer> = parts.into_iter().map(|p| p.buffer).collect();
        (RolloutBuffer::interleave(&buffers), episodes)
    }

    /// The episodes that ended in the workers' replies (in worker order), as one list ordered
    /// by step, then environment (a worker's environments numbered after the earlier
    /// workers').
    fn merge_episodes(&self, parts: &[WorkerReply]) -> Vec<EpisodeInfo> {
        let mut episodes = Vec::new();
        let mut first = 0;
        for (p, n) in parts.iter().zip(&self.envs_per_worker) {
            episodes.extend(p.episodes.iter().map(|(t, j, e)| (*t, first + j, *e)));
            first += n;
        }
        episodes.sort_by_key(|(t, e, _)| (*t, *e));
        episodes.into_iter().map(|(_, _, e)| e).collect()
    }
}

impl Drop for WorkerPool {
    fn drop(&mut self) {
        self.gate.cancel();
        for c in &self.commands {
            let _ = c.send(WorkerCommand::Stop);
        }
        for h in self.handles.drain(..) {
            let _ = h.join();
        }
    }
}

/// The action-noise generator of environment `seed` (a stream apart from the environment's
/// own generator, which is seeded with the same number).
fn noise_rng(env_seed: u64) -> SmallRng {
    SmallRng::seed_from_u64(env_seed ^ 0x5DEE_CE66_D1CE_5EED)
}

fn worker_loop(
    worker: usize,
    config: EnvConfig,
    seeds: Vec<u64>,
    gate: Arc<Gate>,
    commands: Receiver<WorkerCommand>,
    replies: Sender<WorkerReply>,
) {
    let fail = |e: String| {
        let _ = replies.send(WorkerReply {
            worker,
            error: Some(e),
            ..WorkerReply::default()
        });
    };
    let mut envs = Vec::new();
    for s in &seeds {
        match WalkEnv::new(config.clone(), *s) {
            Ok(e) => envs.push(e),
            Err(e) => return fail(format!("{e:#}")),
        }
    }
    let mut rngs: Vec<SmallRng> = seeds.iter().map(|s| noise_rng(*s)).collect();
    let mut returns = vec![0.0f64; envs.len()];
    while let Ok(cmd) = commands.recv() {
        let reply = match cmd {
            WorkerCommand::Stop => return,
            WorkerCommand::Reset => {
                for (e, r) in envs.iter_mut().zip(&mut returns) {
                    e.reset();
                    *r = 0.0;
                }
                WorkerReply {
                    worker,
                    ..WorkerReply::default()
                }
            }
            WorkerCommand::Rollout(request) => {
                match rollout(worker, &mut envs, &mut rngs, &mut returns, &request, &gate) {
                    Ok(r) => r,
                    Err(e) => return fail(e),
                }
            }
            WorkerCommand::Explore(request) => {
                match explore(worker, &mut envs, &mut rngs, &mut returns, &request, &gate) {
                    Ok(r) => r,
                    Err(e) => return fail(e),
                }
            }
        };
        if replies.send(reply).is_err() {
            return;
        }
    }
}

/// One rollout of this worker's environments (see [`WorkerReply`] for the layout).
fn rollout(
    worker: usize,
    envs: &mut [WalkEnv],
    rngs: &mut [SmallRng],
    returns: &mut [f64],
    request: &RolloutRequest,
    gate: &Gate,
) -> Result<WorkerReply, String> {
    let policy = &request.policy;
    let (n, k) = (envs.len(), policy.action_size());
    let obs_dim = envs.first().map_or(0, |e| e.observation_size());
    let mut reply = WorkerReply {
        worker,
        buffer: RolloutBuffer::with_capacity(n, request.n_steps, obs_dim, k),
        ..WorkerReply::default()
    };
    let buffer = &mut reply.buffer;
    let mut obs = vec![0f32; n * obs_dim];
    for (row, e) in obs.chunks_exact_mut(obs_dim).zip(envs.iter()) {
        policy.features.normalize(e.observation(), row);
    }
    let mut noise = vec![0f32; n * k];
    let mut action = vec![0f64; k];
    let mut final_obs = vec![0f32; obs_dim];
    for t in 0..request.n_steps {
        if !gate.pass() {
            return Ok(reply);
        }
        for (row, rng) in noise.chunks_exact_mut(k).zip(rngs.iter_mut()) {
            row.iter_mut()
                .for_each(|z| *z = crate::learn::mlp::normal(rng) as f32);
        }
        let acts = policy.act(&obs, n, &noise);
        buffer.obs.extend_from_slice(&obs);
        buffer.u.extend_from_slice(&acts.u);
        buffer.log_prob.extend_from_slice(&acts.log_prob);
        buffer.values.extend_from_slice(&acts.value);
        for (j, e) in envs.iter_mut().enumerate() {
            for (a, v) in action.iter_mut().zip(&acts.a[j * k..(j + 1) * k]) {
                *a = *v as f64;
            }
            let step = e.step(&action).map_err(|err| err.to_string())?;
            returns[j] += step.reward;
            let mut reward = step.reward;
            let done = step.terminated || step.truncated;
            if step.truncated {
                policy.features.normalize(e.observation(), &mut final_obs);
                let v = policy.values(&final_obs, 1)[0] as f64;
                reward = crate::learn::gae::bootstrap_truncated(reward, request.gamma, v);
            }
            if done {
                reply.episodes.push((
                    t,
                    j,
                    EpisodeInfo {
                        ret: returns[j],
                        length: e.episode_steps(),
                        duration: e.sim().time(),
                    },
                ));
                returns[j] = 0.0;
                e.reset();
            }
            buffer.rewards.push(reward);
            buffer.dones.push(done);
            policy
                .features
                .normalize(e.observation(), &mut obs[j * obs_dim..(j + 1) * obs_dim]);
        }
        reply.steps = t + 1;
    }
    buffer.last_values = policy.values(&obs, n);
    Ok(reply)
}

/// One off-policy phase of this worker's environments: each acts on its features (encoded
/// once per step), steps, and records `(features, action in [-1, 1], reward, next features,
/// fell)`; the environment gets `(a + 1) / 2`. A finished episode's next features are its last
/// ones; the environment then resets.
fn explore(
    worker: usize,
    envs: &mut [WalkEnv],
    rngs: &mut [SmallRng],
    returns: &mut [f64],
    request: &ExploreRequest,
    gate: &Gate,
) -> Result<WorkerReply, String> {
    let policy = &request.policy;
    let k = policy.action_size();
    let map = &policy.features;
    let mut features: Vec<Vec<f32>> = envs.iter().map(|e| map.features(e.observation())).collect();
    let width = features.first().map_or(0, Vec::len);
    let mut reply = WorkerReply {
        worker,
        transitions: Transitions::new(width, k),
        ..WorkerReply::default()
    };
    let mut action = vec![0f64; k];
    for t in 0..request.n_steps {
        if !gate.pass() {
            return Ok(reply);
        }
        for (j, e) in envs.iter_mut().enumerate() {
            let a = policy.act(&features[j], 1, &mut rngs[j], request.random);
            for (x, v) in action.iter_mut().zip(&a) {
                *x = (*v as f64 + 1.0) * 0.5;
            }
            let step = e.step(&action).map_err(|err| err.to_string())?;
            returns[j] += step.reward;
            let next = map.features(e.observation());
            reply
                .transitions
                .push(&features[j], &a, step.reward as f32, &next, step.terminated);
            features[j] = next;
            if step.terminated || step.truncated {
                reply.episodes.push((
                    t,
                    j,
                    EpisodeInfo {
                        ret: returns[j],
                        length: e.episode_steps(),
                        duration: e.sim().time(),
                    },
                ));
                returns[j] = 0.0;
                e.reset();
                features[j] = map.features(e.observation());
            }
        }
        reply.steps = t + 1;
    }
    Ok(reply)
}
