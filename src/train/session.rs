//! A training run on its own threads, as the app drives it: start, pause, resume, checkpoint,
//! stop. The learner thread (and the simulation workers it spawns, which inherit its priority)
//! runs below the window's priority; everything crosses in plain-data messages.

use std::path::{Path, PathBuf};
use std::thread::JoinHandle;

use anyhow::{Context, Result};
use crossbeam_channel::{bounded, Receiver, Sender};

use super::messages::{Control, Event};
use super::run::{RunConfig, RunState};
use super::trainer::train;

/// Niceness added to training threads started from the app.
pub const BACKGROUND_NICE: i32 = 10;

/// A running (or finished) training run.
pub struct TrainingSession {
    /// The run folder.
    pub dir: PathBuf,
    control: Sender<Control>,
    /// Events from the learner (drain with `try_iter`).
    pub events: Receiver<Event>,
    handle: Option<JoinHandle<Result<RunState>>>,
}

impl TrainingSession {
    /// Starts (or resumes, if `dir` holds a checkpoint) a run. `background` lowers the training
    /// threads' priority.
    pub fn start(config: RunConfig, dir: &Path, background: bool) -> Result<TrainingSession> {
        let (control, control_rx) = bounded(64);
        let (events_tx, events) = bounded(4096);
        let run_dir = dir.to_path_buf();
        let handle = std::thread::Builder::new()
            .name("learner".into())
            .spawn(move || {
                if background {
                    crate::util::lower_thread_priority(BACKGROUND_NICE);
                }
                let result = train(config, &run_dir, Some(events_tx.clone()), Some(control_rx));
                if let Err(e) = &result {
                    let _ = events_tx.try_send(Event::Finished(format!("failed: {e:#}")));
                }
                result
            })
            .context("starting the learner thread")?;
        Ok(TrainingSession {
            dir: dir.to_path_buf(),
            control,
            events,
            handle: Some(handle),
        })
    }

    /// Sends a control message (never blocks).
    pub fn send(&self, c: Control) {
        let _ = self.control.try_send(c);
    }

    /// Whether the learner thread has ended.
    pub fn is_finished(&self) -> bool {
        self.handle.as_ref().is_none_or(|h| h.is_finished())
    }

    /// Stops the run (it writes a checkpoint first) and waits for it.
    pub fn stop_and_join(&mut self) -> Option<Result<RunState>> {
        let _ = self.control.try_send(Control::Stop);
        let h = self.handle.take()?;
        Some(
            h.join()
                .unwrap_or_else(|_| Err(anyhow::anyhow!("the learner thread panicked"))),
        )
    }
}

impl Drop for TrainingSession {
    /// A closed window stops the run with a checkpoint, so no work is lost.
    fn drop(&mut self) {
        let _ = self.stop_and_join();
    }
}
