//! What every training method shares: the opened run folder with its configuration and
//! state, the watchers (events out, control in), the metrics rows, and checkpoints written
//! as a unit when due, with the best so far kept as `best/`. The methods' loops
//! ([`super::trainer`] for PPO, [`super::offpolicy`] for SAC/TD3/DDPG, [`super::imitate`] for
//! BC/DAgger/ridge) each hold one [`Run`] and say what a checkpoint holds.

use std::path::Path;

use anyhow::{Context, Result};
use crossbeam_channel::{Receiver, Sender};

use super::folder::{load_state, RunFolder};
use super::messages::{Control, Event, UpdateMetrics};
use super::metrics::upgrade_metrics;
use super::run::{encoder_kind, ignored_settings, parse_run_folder_config, RunConfig, RunState};
use super::trainer::make_encoder;
use super::workers::WorkerPool;
use crate::learn::encoder::Encoder;
use crate::learn::snapshot::PolicySnapshot;

/// Sends an event to whoever listens (dropped when nobody does or the channel is full: the
/// learner never waits for a watcher).
pub(super) fn send_to(events: &Option<Sender<Event>>, e: Event) {
    if let Some(tx) = events {
        let _ = tx.try_send(e);
    }
}

/// An opened run: folder, configuration, progress and watchers.
pub(super) struct Run {
    /// The folder (locked while this lives).
    pub folder: RunFolder,
    /// The run's configuration (a resumed run's own).
    pub config: RunConfig,
    /// Progress as of the last row.
    pub state: RunState,
    events: Option<Sender<Event>>,
    /// Control requests (pause, stop, checkpoint).
    pub control: Option<Receiver<Control>>,
    /// Checkpoint requests seen while collecting, served at the end of the row.
    pub deferred: Vec<Control>,
    /// Mean training returns since the last checkpoint (for `best/`).
    window: Vec<f64>,
}

impl Run {
    /// Opens (or resumes) the run folder (see [`open_run`]).
    pub fn open(
        config: RunConfig,
        dir: &Path,
        events: Option<Sender<Event>>,
        control: Option<Receiver<Control>>,
    ) -> Result<Run> {
        let (folder, config, state) = open_run(config, dir, &|e| send_to(&events, e))?;
        Ok(Run {
            folder,
            config,
            state,
            events,
            control,
            deferred: Vec::new(),
            window: Vec::new(),
        })
    }

    /// The run's (frozen) encoder: its checkpoint's when `resumed`, else built from the
    /// fitted encoders as the configuration says.
    pub fn encoder(&self, resumed: bool, device: &candle_core::Device) -> Result<Encoder> {
        if resumed {
            Ok(Encoder::load(
                &self.folder.checkpoint_dir(),
                encoder_kind(&self.config),
                device,
            )?)
        } else {
            make_encoder(&self.config, device)
        }
    }

    /// Sends an event to whoever listens.
    pub fn send(&self, e: Event) {
        send_to(&self.events, e);
    }

    /// Appends the row to `metrics.csv` and tells the watchers, with the policy the next row
    /// acts with (`snapshot` is called only when someone listens).
    pub fn log(
        &mut self,
        metrics: &UpdateMetrics,
        snapshot: impl FnOnce() -> Result<PolicySnapshot>,
    ) -> Result<()> {
        self.folder.append_metrics(metrics)?;
        self.send(Event::Update(*metrics));
        if self.events.is_some() {
            match snapshot() {
                Ok(p) => self.send(Event::Policy(Box::new(p))),
                Err(e) => self.send(Event::Log(format!("policy snapshot failed: {e}"))),
            }
        }
        if metrics.mean_return.is_finite() {
            self.window.push(metrics.mean_return);
        }
        Ok(())
    }

    /// Whether a stop has been asked for (pending checkpoint requests are kept for
    /// [`Self::checkpoint_if_due`]).
    pub fn poll_stop(&mut self) -> bool {
        match &self.control {
            Some(c) => poll_control(c, &mut self.deferred, false),
            None => false,
        }
    }

    /// When a pause came while the workers collected (`pool` is paused), holds here until
    /// resumed or stopped, then lets the workers go on; returns whether to stop.
    pub fn hold_if_paused(&mut self, pool: &WorkerPool) -> bool {
        if !pool.is_paused() {
            return false;
        }
        let stop = match &self.control {
            Some(c) => poll_control(c, &mut self.deferred, true),
            None => false,
        };
        pool.resume();
        stop
    }

    /// Writes a checkpoint when one was asked for, when stopping, every `checkpoint_every`
    /// rows and at the end; keeps it as `best/` when the mean training return since the last
    /// checkpoint is the best so far. `save` fills the checkpoint folder.
    pub fn checkpoint_if_due(
        &mut self,
        stopping: bool,
        save: impl FnOnce(&Path, RunState) -> Result<()>,
    ) -> Result<()> {
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
        self.write_checkpoint(save)?;
        if best {
            self.folder.keep_as_best()?;
        }
        Ok(())
    }

    /// Writes the learner (through `save`) and the state as the folder's checkpoint, as one
    /// unit.
    pub fn write_checkpoint(&self, save: impl FnOnce(&Path, RunState) -> Result<()>) -> Result<()> {
        let state = self.state;
        self.folder.write_checkpoint(|d| save(d, state))
    }

    /// Tells the watchers the run ended and returns its state.
    pub fn finish(&self, stopped: bool) -> RunState {
        self.send(Event::Finished(
            if stopped { "stopped" } else { "done" }.into(),
        ));
        self.state
    }
}

/// Opens the run folder: a new run validates `config` and saves it; a resumed one takes its
/// own `config.ron` (only `total_steps` can grow) and the checkpoint's state, and says which
/// given settings it ignores. `metrics.csv` is cut back to the checkpoint.
pub(super) fn open_run(
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
        let mut saved = RunConfig {
            total_steps: config.total_steps.max(saved.total_steps),
            ..saved
        };
        // An imitation run's budget is its iterations: those can grow as the steps can.
        let im = &mut saved.imitation;
        im.iterations = im.iterations.max(config.imitation.iterations);
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

/// The mean of `f` over the episodes (NaN when none ended).
pub(super) fn mean_of(
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
pub(super) fn poll_control(
    control: &Receiver<Control>,
    deferred: &mut Vec<Control>,
    paused: bool,
) -> bool {
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
