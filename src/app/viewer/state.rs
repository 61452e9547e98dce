//! What the model viewer shows, without Bevy's rendering: the open model (or the error that kept
//! a file from opening), the coordinate values the sliders set, an optional motion on a timeline,
//! and the posed bodies and muscle paths with each muscle's colour value.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bevy::prelude::Resource;
use rapier3d::glamx::DVec3;

use crate::app::assets::BoneMesh;
use crate::osim::{Model, Table};
use crate::sim::kinematics::{body_frames, coordinates_from_row, enforce_couplers, Frame};
use crate::sim::path::{active_points, moment_arm, path_geometry};

/// What colours the muscles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ViewerColor {
    /// Muscle-tendon length against its length in the default pose (blue 20 % shorter, red
    /// 20 % longer).
    #[default]
    Length,
    /// Moment arm about the chosen coordinate (blue -5 cm, red +5 cm; grey: does not cross it).
    MomentArm,
}

/// An opened model: the parsed file, the bone meshes that loaded and the muscles' lengths in
/// the default pose.
#[derive(Debug, Clone)]
pub struct OpenModel {
    /// The parsed model.
    pub model: Arc<Model>,
    /// Bone meshes found beside the model (`Geometry/`).
    pub bones: Vec<BoneMesh>,
    /// Meshes that could not be loaded (file and reason).
    pub missing_meshes: Vec<String>,
    /// Each muscle's length in the default pose (m).
    pub rest_lengths: Vec<f64>,
}

/// A motion file on the viewer's timeline.
#[derive(Debug, Clone)]
pub struct MotionTrack {
    /// The file.
    pub path: PathBuf,
    /// Its rows.
    pub table: Table,
    /// For each model coordinate, the motion's column (if any).
    pub columns: Vec<Option<usize>>,
    /// Time on the timeline (s, from the first row).
    pub position: f64,
    /// Playing (else paused).
    pub playing: bool,
    /// Playback speed (1 = real time).
    pub speed: f64,
    /// Start again at the end.
    pub looping: bool,
}

impl MotionTrack {
    /// Duration from the first row to the last (s).
    pub fn duration(&self) -> f64 {
        match (self.table.rows.first(), self.table.rows.last()) {
            (Some(a), Some(b)) => (b[0] - a[0]).max(0.0),
            _ => 0.0,
        }
    }

    /// Index of the row at the current position.
    pub fn row_index(&self) -> usize {
        let t0 = self.table.rows.first().map_or(0.0, |r| r[0]);
        let t = t0 + self.position;
        // The last row at or before `t` (a tiny tolerance keeps a row's own time on it).
        let i = self.table.rows.partition_point(|r| r[0] <= t + 1e-9);
        i.saturating_sub(1)
            .min(self.table.rows.len().saturating_sub(1))
    }

    /// Advances by `dt` seconds of wall time when playing.
    pub fn advance(&mut self, dt: f64) {
        if !self.playing {
            return;
        }
        (self.position, self.playing) = crate::app::playback::advance_position(
            self.position,
            dt * self.speed,
            self.duration(),
            self.looping,
        );
    }

    /// Moves by `rows` rows (pauses).
    pub fn step(&mut self, rows: i64) {
        self.playing = false;
        let last = self.table.rows.len().saturating_sub(1) as i64;
        let i = (self.row_index() as i64 + rows).clamp(0, last) as usize;
        let t0 = self.table.rows.first().map_or(0.0, |r| r[0]);
        self.position = self.table.rows.get(i).map_or(0.0, |r| r[0] - t0);
    }
}

/// One muscle as drawn: its path through space and its colour value in [0, 1] (`None`: grey).
#[derive(Debug, Clone)]
pub struct MusclePath {
    /// Path points in ground, with wrapping surface points between tangent points.
    pub points: Vec<DVec3>,
    /// Colour value, or `None` for a muscle that does not cross the chosen coordinate.
    pub value: Option<f32>,
}

/// The viewer's state.
#[derive(Resource, Debug, Clone)]
pub struct ViewerState {
    /// The open model.
    pub open: Option<OpenModel>,
    /// The last error (a file that did not open), shown in the window until the next success.
    pub error: Option<String>,
    /// Coordinate values (rad or m).
    pub q: Vec<f64>,
    /// A motion on the timeline.
    pub motion: Option<MotionTrack>,
    /// What colours the muscles.
    pub color: ViewerColor,
    /// The coordinate whose moment arms colour the muscles.
    pub coordinate: usize,
    /// The file picker's model path.
    pub model_field: String,
    /// The file picker's motion path.
    pub motion_field: String,
    /// Bumped whenever a new model opens (the scene rebuilds its entities).
    pub generation: u64,
    /// Draw the wrapping surfaces.
    pub show_wraps: bool,
}

impl Default for ViewerState {
    fn default() -> Self {
        ViewerState {
            open: None,
            error: None,
            q: Vec::new(),
            motion: None,
            color: ViewerColor::default(),
            coordinate: 0,
            model_field: String::new(),
            motion_field: String::new(),
            generation: 0,
            show_wraps: true,
        }
    }
}

impl ViewerState {
    /// Opens a model; on failure the previous model stays and the error is kept for display.
    pub fn open_model(&mut self, path: &Path) {
        match load_model(path) {
            Ok(open) => {
                self.q = open.model.default_coordinates();
                enforce_couplers(&open.model, &mut self.q);
                self.coordinate = open
                    .model
                    .coordinates
                    .iter()
                    .position(|c| !c.locked)
                    .unwrap_or(0);
                self.model_field = path.display().to_string();
                self.open = Some(open);
                self.motion = None;
                self.error = None;
                self.generation += 1;
            }
            Err(e) => {
                // The reader's errors name the file (and line) themselves.
                self.error = Some(format!("{e:#}"));
                self.model_field = path.display().to_string();
            }
        }
    }

    /// Opens a motion for the open model; on failure the error is kept for display.
    pub fn open_motion(&mut self, path: &Path) {
        let Some(open) = &self.open else {
            self.error = Some("open a model before a motion".into());
            return;
        };
        match Table::load(path) {
            Ok(table) if table.rows.is_empty() => {
                self.error = Some(format!("{}: the motion has no rows", path.display()))
            }
            Ok(table) => {
                let columns: Vec<Option<usize>> = open
                    .model
                    .coordinates
                    .iter()
                    .map(|c| table.column_index(&c.name))
                    .collect();
                if columns.iter().all(Option::is_none) {
                    self.error = Some(format!(
                        "{}: none of its columns names a coordinate of {}",
                        path.display(),
                        open.model.name
                    ));
                    return;
                }
                self.motion_field = path.display().to_string();
                self.motion = Some(MotionTrack {
                    path: path.to_path_buf(),
                    table,
                    columns,
                    position: 0.0,
                    playing: true,
                    speed: 1.0,
                    looping: true,
                });
                self.error = None;
                self.apply_motion();
            }
            Err(e) => self.error = Some(e.to_string()),
        }
    }

    /// Sets coordinate `c` from a slider (clamped to its range; coupled coordinates follow).
    pub fn set_coordinate(&mut self, c: usize, value: f64) {
        let Some(open) = &self.open else { return };
        let Some(coord) = open.model.coordinates.get(c) else {
            return;
        };
        if coord.locked || !value.is_finite() {
            return;
        }
        self.q[c] = value.clamp(coord.range[0], coord.range[1]);
        enforce_couplers(&open.model, &mut self.q);
    }

    /// Puts every coordinate back to its default.
    pub fn reset_pose(&mut self) {
        if let Some(open) = &self.open {
            self.q = open.model.default_coordinates();
            enforce_couplers(&open.model, &mut self.q);
        }
    }

    /// Advances the motion by `dt` seconds and poses the model from it.
    pub fn advance(&mut self, dt: f64) {
        if let Some(m) = &mut self.motion {
            m.advance(dt);
        }
        self.apply_motion();
    }

    /// Sets the coordinates from the motion's row at the timeline's position.
    pub fn apply_motion(&mut self) {
        let (Some(open), Some(m)) = (&self.open, &self.motion) else {
            return;
        };
        let row = &m.table.rows[m.row_index()];
        self.q = coordinates_from_row(&open.model, &m.columns, row, m.table.in_degrees);
    }

    /// The body frames and muscle paths for the current coordinates.
    pub fn pose(&self) -> Option<(Vec<Frame>, Vec<MusclePath>)> {
        let open = self.open.as_ref()?;
        let model = &open.model;
        let frames = body_frames(model, &self.q);
        let muscles = model
            .muscles
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let active = active_points(m, &self.q);
                let (length, points) = path_geometry(model, m, &active, &self.q, &frames);
                let value = match self.color {
                    ViewerColor::Length => {
                        let rest = open.rest_lengths[i].max(1e-9);
                        Some((0.5 + 2.5 * (length / rest - 1.0)) as f32)
                    }
                    ViewerColor::MomentArm => {
                        if crate::cli::analyze::crosses(model, m, self.coordinate) {
                            let r = moment_arm(model, m, self.coordinate, &self.q);
                            Some((0.5 + r / 0.1) as f32)
                        } else {
                            None
                        }
                    }
                };
                MusclePath { points, value }
            })
            .collect();
        Some((frames, muscles))
    }
}

/// Loads a model, its meshes (when found) and its muscles' rest lengths.
pub fn load_model(path: &Path) -> anyhow::Result<OpenModel> {
    let model = Model::load(path)?;
    let (bones, missing_meshes) = crate::app::assets::load_bones(&model);
    let mut q = model.default_coordinates();
    enforce_couplers(&model, &mut q);
    let rest_lengths = model
        .muscles
        .iter()
        .map(|m| crate::sim::path::muscle_length(&model, m, &q))
        .collect();
    Ok(OpenModel {
        model: Arc::new(model),
        bones,
        missing_meshes,
        rest_lengths,
    })
}
