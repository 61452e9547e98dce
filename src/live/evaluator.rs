//! The live evaluation thread: one environment stepped by the current policy in real time (or
//! faster), for the 3D view. It owns its environment, takes commands, and sends every frame with
//! `try_send` into a small buffer, so a slow window drops frames and never slows anything else.
//! Finished episodes go out whole as [`Recording`]s.

use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::Result;
use crossbeam_channel::{bounded, Receiver, Sender, TryRecvError};

use super::frame::Frame;
use super::recording::Recording;
use crate::env::{EnvConfig, WalkEnv};
use crate::learn::snapshot::{FeatureMap, PolicySnapshot};

/// Commands to the evaluation thread.
#[derive(Debug, Clone)]
pub enum EvalCommand {
    /// Act with this policy from the next step on (`None`: no excitation, the model falls), and
    /// start a new episode labelled `label`.
    SetPolicy {
        /// Shown with the recording.
        label: String,
        /// The policy.
        policy: Option<Box<PolicySnapshot>>,
        /// The environment the policy was trained in (its observation, reward, control rate);
        /// `None` keeps the current one.
        env: Option<Box<EnvConfig>>,
    },
    /// Replace the policy without restarting the episode (a newer version of the same run).
    UpdatePolicy(Box<PolicySnapshot>),
    /// Hold (true) or go on (false).
    Pause(bool),
    /// Place frames in the latent picture with this 2-D encoder (or not at all).
    SetLatent(Option<Box<FeatureMap>>),
    /// Simulated seconds per wall-clock second; infinite runs flat out.
    Speed(f32),
    /// Start a new episode now.
    Restart,
    /// End the thread.
    Stop,
}

/// How to start an evaluator.
#[derive(Debug, Clone)]
pub struct EvaluatorConfig {
    /// The environment (the same configuration the runs train with).
    pub env: EnvConfig,
    /// Seed of the environment's initial states.
    pub seed: u64,
    /// Initial speed (1 = real time).
    pub speed: f32,
    /// Frames buffered for the window before new ones are dropped.
    pub frame_buffer: usize,
    /// A 2-D encoder for the latent picture.
    pub latent: Option<FeatureMap>,
}

impl Default for EvaluatorConfig {
    fn default() -> Self {
        EvaluatorConfig {
            env: EnvConfig::default(),
            seed: 7,
            speed: 1.0,
            frame_buffer: 256,
            latent: None,
        }
    }
}

/// Handle to the evaluation thread; dropping it stops the thread.
pub struct Evaluator {
    commands: Sender<EvalCommand>,
    /// Frames as they are simulated (drain with `try_iter`).
    pub frames: Receiver<Frame>,
    /// Finished episodes.
    pub recordings: Receiver<Recording>,
    /// Errors the thread recovered from (a diverged or failed step).
    pub errors: Receiver<String>,
    handle: Option<JoinHandle<()>>,
}

impl Evaluator {
    /// Builds the environment here (so configuration errors surface at once) and starts the
    /// thread.
    pub fn spawn(config: EvaluatorConfig) -> Result<Evaluator> {
        let env = WalkEnv::new(config.env.clone(), config.seed)?;
        let (commands, command_rx) = bounded(64);
        let (frame_tx, frames) = bounded(config.frame_buffer.max(1));
        let (rec_tx, recordings) = bounded(16);
        let (err_tx, errors) = bounded(16);
        let handle = std::thread::Builder::new()
            .name("live-eval".into())
            .spawn(move || {
                EvalLoop {
                    env,
                    commands: command_rx,
                    frames: frame_tx,
                    recordings: rec_tx,
                    errors: err_tx,
                    latent: config.latent,
                    speed: config.speed,
                    seed: config.seed,
                }
                .run()
            })?;
        Ok(Evaluator {
            commands,
            frames,
            recordings,
            errors,
            handle: Some(handle),
        })
    }

    /// Sends a command (never blocks; a full queue drops it and returns false).
    pub fn send(&self, command: EvalCommand) -> bool {
        self.commands.try_send(command).is_ok()
    }
}

impl Drop for Evaluator {
    fn drop(&mut self) {
        let _ = self
            .commands
            .send_timeout(EvalCommand::Stop, Duration::from_millis(100));
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

struct EvalLoop {
    env: WalkEnv,
    commands: Receiver<EvalCommand>,
    frames: Sender<Frame>,
    recordings: Sender<Recording>,
    errors: Sender<String>,
    latent: Option<FeatureMap>,
    speed: f32,
    seed: u64,
}

impl EvalLoop {
    fn run(mut self) {
        let mut label = String::from("passive");
        let mut policy: Option<Box<PolicySnapshot>> = None;
        let mut recording = self.new_recording(&label);
        let mut episode_return = 0.0f32;
        let mut paused = false;
        let mut anchor = Instant::now();
        let mut steps_since_anchor = 0u64;
        self.env.reset();
        self.emit(&mut recording, 0.0, 0.0);
        loop {
            // Commands: block while paused, poll otherwise.
            let mut restart = false;
            loop {
                let cmd = if paused {
                    match self.commands.recv() {
                        Ok(c) => c,
                        Err(_) => return,
                    }
                } else {
                    match self.commands.try_recv() {
                        Ok(c) => c,
                        Err(TryRecvError::Empty) => break,
                        Err(TryRecvError::Disconnected) => return,
                    }
                };
                match cmd {
                    EvalCommand::Stop => return,
                    EvalCommand::SetPolicy {
                        label: l,
                        policy: p,
                        env,
                    } => {
                        if let Some(env) = env.filter(|e| **e != *self.env.config()) {
                            match WalkEnv::new(*env, self.seed) {
                                Ok(e) => {
                                    // The old episode ends in its own environment.
                                    self.finish_episode(&mut recording, &label);
                                    self.env = e;
                                    recording = self.new_recording(&l);
                                }
                                Err(e) => {
                                    let _ = self.errors.try_send(format!(
                                        "{l}: its environment could not be built ({e:#}); \
                                         kept the current one"
                                    ));
                                }
                            }
                        }
                        label = l;
                        policy = p;
                        restart = true;
                    }
                    EvalCommand::UpdatePolicy(p) => policy = Some(p),
                    EvalCommand::Pause(p) => paused = p,
                    EvalCommand::SetLatent(map) => self.latent = map.map(|m| *m),
                    EvalCommand::Speed(s) => {
                        if s > 0.0 {
                            self.speed = s;
                        }
                    }
                    EvalCommand::Restart => restart = true,
                }
                anchor = Instant::now();
                steps_since_anchor = 0;
            }
            if restart {
                self.finish_episode(&mut recording, &label);
                episode_return = 0.0;
                self.emit(&mut recording, 0.0, 0.0);
            }
            // Real-time pacing, in short sleeps so commands stay responsive.
            if self.speed.is_finite() {
                let due = Duration::from_secs_f64(
                    steps_since_anchor as f64 * self.env.config().step_seconds()
                        / self.speed as f64,
                );
                let elapsed = anchor.elapsed();
                if elapsed < due {
                    std::thread::sleep((due - elapsed).min(Duration::from_millis(20)));
                    continue;
                }
                if elapsed > due + Duration::from_millis(250) {
                    // Fell behind (a busy machine): do not try to catch up in a burst.
                    anchor = Instant::now();
                    steps_since_anchor = 0;
                }
            }
            let action = match &policy {
                Some(p) => p.act_expected(self.env.observation()),
                None => vec![0.0; self.env.action_size()],
            };
            steps_since_anchor += 1;
            match self.env.step(&action) {
                Ok(step) => {
                    if step.diverged {
                        let _ = self
                            .errors
                            .try_send("the live episode diverged; it was reset".into());
                    }
                    episode_return += step.reward as f32;
                    self.emit(&mut recording, step.reward as f32, episode_return);
                    if step.terminated || step.truncated {
                        self.finish_episode(&mut recording, &label);
                        episode_return = 0.0;
                        self.emit(&mut recording, 0.0, 0.0);
                    }
                }
                Err(e) => {
                    let _ = self.errors.try_send(format!("live episode: {e}; reset"));
                    self.finish_episode(&mut recording, &label);
                    episode_return = 0.0;
                    self.emit(&mut recording, 0.0, 0.0);
                }
            }
        }
    }

    /// Captures the current state, records it and offers it to the window.
    fn emit(&self, recording: &mut Recording, reward: f32, episode_return: f32) {
        let mut frame = Frame::capture(&self.env);
        frame.reward = reward;
        frame.episode_return = episode_return;
        if let Some(map) = &self.latent {
            frame.place_latent(map, self.env.observation());
        }
        recording.frames.push(frame.clone());
        let _ = self.frames.try_send(frame);
    }

    /// An empty recording of the current environment (its model, one frame per step).
    fn new_recording(&self, label: &str) -> Recording {
        Recording::new(
            label,
            self.env.sim().model(),
            self.env.config().step_seconds() as f32,
        )
    }

    /// Sends the episode (if it has steps) and starts a new one.
    fn finish_episode(&mut self, recording: &mut Recording, label: &str) {
        let done = std::mem::replace(recording, self.new_recording(label));
        if done.frames.len() > 1 {
            let _ = self.recordings.try_send(done);
        }
        self.env.reset();
    }
}
