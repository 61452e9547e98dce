//! Recorded evaluation episodes: every frame, saved and loaded as RON (atomically), and exported
//! as an OpenSim `.mot` (angles in degrees) that OpenSim's GUI and tools open.

use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use super::frame::Frame;
use crate::osim::model::{Model, MotionType};
use crate::osim::motion::Table;

/// File format version written into every recording.
pub const RECORDING_VERSION: u32 = 1;

/// One recorded episode.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Recording {
    /// Format version ([`RECORDING_VERSION`]).
    pub version: u32,
    /// What produced it (the run or policy's label).
    pub label: String,
    /// Control interval between frames (s).
    pub dt: f32,
    /// Coordinate names, in the order of [`Frame::coordinates`].
    pub coordinates: Vec<String>,
    /// Which coordinates are angles (exported in degrees).
    pub rotational: Vec<bool>,
    /// The frames, in time order.
    pub frames: Vec<Frame>,
}

impl Recording {
    /// An empty recording for `model`.
    pub fn new(label: impl Into<String>, model: &Model, dt: f32) -> Recording {
        Recording {
            version: RECORDING_VERSION,
            label: label.into(),
            dt,
            coordinates: model.coordinates.iter().map(|c| c.name.clone()).collect(),
            rotational: model
                .coordinates
                .iter()
                .map(|c| c.motion_type == MotionType::Rotational)
                .collect(),
            frames: Vec::new(),
        }
    }

    /// Duration (s).
    pub fn duration(&self) -> f32 {
        self.frames.len() as f32 * self.dt
    }

    /// Sum of the frames' rewards.
    pub fn episode_return(&self) -> f32 {
        self.frames.last().map_or(0.0, |f| f.episode_return)
    }

    /// Checks that the recording is usable (after loading untrusted data).
    pub fn validate(&self) -> Result<()> {
        if self.version != RECORDING_VERSION {
            bail!(
                "recording format version {} is not supported (expected {RECORDING_VERSION})",
                self.version
            );
        }
        if !(self.dt.is_finite() && self.dt > 0.0) {
            bail!("recording has a bad frame interval {}", self.dt);
        }
        if self.rotational.len() != self.coordinates.len() {
            bail!(
                "recording lists {} coordinates but {} motion types",
                self.coordinates.len(),
                self.rotational.len()
            );
        }
        for (i, f) in self.frames.iter().enumerate() {
            if f.coordinates.len() != self.coordinates.len() {
                bail!(
                    "frame {i} has {} coordinates, the recording names {}",
                    f.coordinates.len(),
                    self.coordinates.len()
                );
            }
            if let Some(field) = f.non_finite_field() {
                bail!("frame {i} holds a non-finite number in {field}");
            }
        }
        Ok(())
    }

    /// Writes the recording as RON, atomically.
    pub fn save(&self, path: &Path) -> Result<()> {
        let text = ron::ser::to_string(self).context("serialising the recording")?;
        crate::util::write_atomic(path, text.as_bytes())
            .with_context(|| format!("writing {}", path.display()))
    }

    /// Reads and checks a recording.
    pub fn load(path: &Path) -> Result<Recording> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let rec: Recording = ron::from_str(&text).map_err(|e| {
            anyhow::anyhow!(
                "{}: not a gaitscope recording: {}",
                path.display(),
                crate::util::brief(e, 300)
            )
        })?;
        rec.validate()
            .with_context(|| format!("{}: invalid recording", path.display()))?;
        Ok(rec)
    }

    /// The coordinates over time as an OpenSim motion table (angles in degrees).
    pub fn to_motion(&self) -> Table {
        let mut labels = vec!["time".to_string()];
        labels.extend(self.coordinates.iter().cloned());
        let mut table = Table::new(format!("gaitscope recording {}", self.label), labels, true);
        for (i, f) in self.frames.iter().enumerate() {
            let mut row = vec![i as f64 * self.dt as f64];
            row.extend(f.coordinates.iter().zip(&self.rotational).map(|(v, rot)| {
                if *rot {
                    (*v as f64).to_degrees()
                } else {
                    *v as f64
                }
            }));
            table.rows.push(row);
        }
        table
    }

    /// Exports the motion as a `.mot` file (atomically).
    pub fn export_mot(&self, path: &Path) -> Result<()> {
        self.to_motion()
            .save(path)
            .with_context(|| format!("writing {}", path.display()))
    }
}

/// Runs one deterministic episode of `policy` (no excitation when `None`) from a reset and
/// records every step, as the live view does (for `gaitscope record`); `latent` places each frame
/// in the 2-D latent picture.
pub fn record_episode(
    env: &mut crate::env::WalkEnv,
    policy: Option<&crate::learn::snapshot::PolicySnapshot>,
    latent: Option<&crate::learn::snapshot::FeatureMap>,
    label: &str,
) -> Result<Recording> {
    let model = env.sim().model().clone();
    let mut rec = Recording::new(label, &model, env.config().step_seconds() as f32);
    let place = |env: &crate::env::WalkEnv, frame: &mut Frame| {
        if let Some(map) = latent {
            frame.place_latent(map, env.observation());
        }
    };
    env.reset();
    let mut first = Frame::capture(env);
    place(env, &mut first);
    rec.frames.push(first);
    let mut total = 0.0f32;
    loop {
        let action = match policy {
            Some(p) => p.act_expected(env.observation()),
            None => vec![0.0; env.action_size()],
        };
        let step = env.step(&action)?;
        total += step.reward as f32;
        let mut frame = Frame::capture(env);
        frame.reward = step.reward as f32;
        frame.episode_return = total;
        place(env, &mut frame);
        rec.frames.push(frame);
        if step.terminated || step.truncated {
            return Ok(rec);
        }
    }
}
