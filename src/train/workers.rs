//! Simulation workers: each thread owns a slice of the environments, steps them on command and
//! resets finished episodes itself. They never wait on anything but the learner's next command.

use std::thread::JoinHandle;

use crossbeam_channel::{Receiver, Sender};

use super::messages::{EpisodeInfo, WorkerCommand, WorkerReply};
use crate::env::{EnvConfig, WalkEnv};

/// The worker threads and their channels.
pub struct WorkerPool {
    commands: Vec<Sender<WorkerCommand>>,
    replies: Receiver<WorkerReply>,
    handles: Vec<JoinHandle<()>>,
    /// Environments per worker.
    pub envs_per_worker: Vec<usize>,
    /// Observation width.
    pub obs_dim: usize,
    /// Action width.
    pub act_dim: usize,
}

impl WorkerPool {
    /// Starts `workers` threads sharing `n_envs` environments; environment `i` is seeded
    /// `seed + i`.
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
        for w in 0..workers {
            let count = n_envs / workers + usize::from(w < n_envs % workers);
            let (tx, rx) = crossbeam_channel::unbounded();
            let config = config.clone();
            let reply_tx = reply_tx.clone();
            let seeds: Vec<u64> = (first..first + count).map(|i| seed + i as u64).collect();
            first += count;
            envs_per_worker.push(count);
            handles.push(
                std::thread::Builder::new()
                    .name(format!("sim-worker-{w}"))
                    .spawn(move || worker_loop(w, config, seeds, rx, reply_tx))?,
            );
            commands.push(tx);
        }
        Ok(WorkerPool {
            commands,
            replies,
            handles,
            envs_per_worker,
            obs_dim,
            act_dim,
        })
    }

    /// Total environments.
    pub fn n_envs(&self) -> usize {
        self.envs_per_worker.iter().sum()
    }

    fn gather(&self) -> anyhow::Result<WorkerReply> {
        let mut parts: Vec<Option<WorkerReply>> = vec![None; self.commands.len()];
        for _ in 0..self.commands.len() {
            let r = self.replies.recv()?;
            if let Some(e) = &r.error {
                anyhow::bail!("simulation worker {}: {e}", r.worker);
            }
            let w = r.worker;
            parts[w] = Some(r);
        }
        let mut all = WorkerReply::default();
        for p in parts.into_iter().flatten() {
            all.obs.extend(p.obs);
            all.rewards.extend(p.rewards);
            all.terminated.extend(p.terminated);
            all.truncated.extend(p.truncated);
            all.final_obs.extend(p.final_obs);
            all.episodes.extend(p.episodes);
        }
        Ok(all)
    }

    /// Resets every environment; returns the observations (`envs x obs`).
    pub fn reset(&self) -> anyhow::Result<Vec<f32>> {
        for c in &self.commands {
            c.send(WorkerCommand::Reset)?;
        }
        Ok(self.gather()?.obs)
    }

    /// Steps every environment with `actions` (`envs x act`).
    pub fn step(&self, actions: &[f32]) -> anyhow::Result<WorkerReply> {
        let mut start = 0;
        for (c, count) in self.commands.iter().zip(&self.envs_per_worker) {
            let len = count * self.act_dim;
            c.send(WorkerCommand::Step(actions[start..start + len].to_vec()))?;
            start += len;
        }
        self.gather()
    }
}

impl Drop for WorkerPool {
    fn drop(&mut self) {
        for c in &self.commands {
            let _ = c.send(WorkerCommand::Stop);
        }
        for h in self.handles.drain(..) {
            let _ = h.join();
        }
    }
}

fn worker_loop(
    worker: usize,
    config: EnvConfig,
    seeds: Vec<u64>,
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
    let mut returns = vec![0.0f64; envs.len()];
    let act = envs.first().map_or(0, |e| e.action_size());
    let mut action = vec![0.0f64; act];
    while let Ok(cmd) = commands.recv() {
        let mut reply = WorkerReply {
            worker,
            ..WorkerReply::default()
        };
        match cmd {
            WorkerCommand::Stop => return,
            WorkerCommand::Reset => {
                for (e, r) in envs.iter_mut().zip(&mut returns) {
                    e.reset();
                    *r = 0.0;
                    reply.obs.extend(e.observation().iter().map(|v| *v as f32));
                }
            }
            WorkerCommand::Step(actions) => {
                for (i, e) in envs.iter_mut().enumerate() {
                    for (k, a) in action.iter_mut().enumerate() {
                        *a = actions[i * act + k] as f64;
                    }
                    let step = match e.step(&action) {
                        Ok(s) => s,
                        Err(err) => return fail(err.to_string()),
                    };
                    returns[i] += step.reward;
                    reply.rewards.push(step.reward as f32);
                    reply.terminated.push(step.terminated);
                    reply.truncated.push(step.truncated);
                    if step.terminated || step.truncated {
                        reply.episodes.push(EpisodeInfo {
                            ret: returns[i],
                            length: e.episode_steps(),
                            duration: e.sim().time(),
                        });
                        returns[i] = 0.0;
                        reply.final_obs.push(
                            step.truncated
                                .then(|| e.observation().iter().map(|v| *v as f32).collect()),
                        );
                        e.reset();
                    } else {
                        reply.final_obs.push(None);
                    }
                    reply.obs.extend(e.observation().iter().map(|v| *v as f32));
                }
            }
        }
        if replies.send(reply).is_err() {
            return;
        }
    }
}
