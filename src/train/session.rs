//! A training run on its own threads, as the app drives it: start, pause, resume, checkpoint,
//! stop. The learner thread (and the simulation workers it spawns, which inherit its priority)
//! runs below the window's priority; everything crosses in plain-data messages.

use std::path::{Path, PathBuf};
use std::thread::JoinHandle;

use anyhow::{Context, Result};
use crossbeam_channel::{bounded, Receiver, Sender};

use super::messages::{Control, Event, UpdateMetrics};
use super::run::{train, RunConfig, RunState};

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

/// Reads a run's `metrics.csv` (columns found by name, so older files with fewer columns load).
pub fn read_metrics(path: &Path) -> Result<Vec<UpdateMetrics>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    parse_metrics(&text).with_context(|| format!("{}", path.display()))
}

/// Parses the text of a `metrics.csv`.
pub fn parse_metrics(text: &str) -> Result<Vec<UpdateMetrics>> {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header: Vec<&str> = lines
        .next()
        .context("empty metrics file")?
        .split(',')
        .map(str::trim)
        .collect();
    let col = |name: &str| header.iter().position(|h| *h == name);
    let steps = col("env_steps").context("metrics file has no env_steps column")?;
    let cols = [
        col("update"),
        col("mean_return"),
        col("mean_duration"),
        col("episodes"),
        col("policy_loss"),
        col("value_loss"),
        col("entropy"),
        col("approx_kl"),
        col("clip_fraction"),
        col("explained_variance"),
        col("encoder_loss"),
        col("steps_per_second"),
        col("rollout_seconds"),
        col("update_seconds"),
        col("approx_kl_last_epoch"),
    ];
    let mut out = Vec::new();
    for (n, line) in lines.enumerate() {
        let cells: Vec<&str> = line.split(',').map(str::trim).collect();
        if cells.len() != header.len() {
            anyhow::bail!(
                "line {}: {} cells, the header has {}",
                n + 2,
                cells.len(),
                header.len()
            );
        }
        let num = |c: Option<usize>| -> Result<f64> {
            match c {
                None => Ok(f64::NAN),
                Some(i) => cells[i]
                    .parse::<f64>()
                    .with_context(|| format!("line {}: {:?} is not a number", n + 2, cells[i])),
            }
        };
        let v: Vec<f64> = cols.iter().map(|c| num(*c)).collect::<Result<_>>()?;
        let env_steps: f64 = num(Some(steps))?;
        let mut m = UpdateMetrics {
            update: if v[0].is_finite() {
                v[0] as usize
            } else {
                n + 1
            },
            env_steps: env_steps as u64,
            mean_return: v[1],
            mean_duration: v[2],
            episodes: if v[3].is_finite() { v[3] as usize } else { 0 },
            ..Default::default()
        };
        let s = &mut m.stats;
        s.policy_loss = v[4];
        s.value_loss = v[5];
        s.entropy = v[6];
        s.approx_kl = v[7];
        s.clip_fraction = v[8];
        s.explained_variance = v[9];
        s.encoder_loss = v[10];
        m.steps_per_second = v[11];
        m.rollout_seconds = v[12];
        m.update_seconds = v[13];
        s.approx_kl_last_epoch = v[14];
        out.push(m);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_round_trip_through_csv() {
        let mut m = UpdateMetrics {
            update: 3,
            env_steps: 61440,
            mean_return: 12.5,
            mean_duration: 0.75,
            episodes: 40,
            steps_per_second: 2100.0,
            ..Default::default()
        };
        m.stats.approx_kl = 0.0125;
        let text = format!("{}\n{}\n", UpdateMetrics::HEADER, m.csv());
        let back = parse_metrics(&text).expect("parses");
        assert_eq!(back, vec![m]);
        assert!(parse_metrics("update,env_steps\n1,x\n").is_err());
        assert!(parse_metrics("update,env_steps\n1,2,3\n").is_err());
        assert!(parse_metrics("").is_err());
    }
}
