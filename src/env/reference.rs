//! Imitation data: a motion (`.mot`) turned into smooth, periodic reference coordinates and speeds
//! as functions of time.

use crate::osim::function::CubicSpline;
use crate::osim::model::{Model, MotionType};
use crate::osim::Table;

/// Reference coordinates for every model coordinate, from a motion table.
#[derive(Debug, Clone)]
pub struct Reference {
    splines: Vec<Option<CubicSpline>>,
    defaults: Vec<f64>,
    start: f64,
    duration: f64,
    /// Mean forward (x) and lateral (z) pelvis speed of the motion, when it has `pelvis_tx`/`tz`.
    pub mean_velocity: Option<[f64; 2]>,
}

impl Reference {
    /// Builds the reference; coordinates the motion lacks (and locked ones) stay at their default.
    /// Fails when the motion has fewer than two rows or no model coordinate at all.
    pub fn new(model: &Model, motion: &Table) -> Result<Reference, String> {
        if motion.rows.len() < 2 {
            return Err("the reference motion needs at least two rows".into());
        }
        let times = motion.times();
        let start = times[0];
        let duration = times[times.len() - 1] - start;
        if duration <= 0.0 {
            return Err("the reference motion has no duration".into());
        }
        let mut any = false;
        let splines: Vec<Option<CubicSpline>> = model
            .coordinates
            .iter()
            .map(|c| {
                if c.locked {
                    return None;
                }
                let values = motion.column(&c.name)?;
                any = true;
                let values = values
                    .into_iter()
                    .map(|v| {
                        if motion.in_degrees && c.motion_type == MotionType::Rotational {
                            v.to_radians()
                        } else {
                            v
                        }
                    })
                    .collect();
                Some(CubicSpline::simm(times.clone(), values))
            })
            .collect();
        if !any {
            return Err("the reference motion has no column named after a model coordinate".into());
        }
        let slope = |name: &str| {
            let col = motion.column(name)?;
            Some((col[col.len() - 1] - col[0]) / duration)
        };
        let mean_velocity = match (slope("pelvis_tx"), slope("pelvis_tz")) {
            (Some(x), z) => Some([x, z.unwrap_or(0.0)]),
            _ => None,
        };
        Ok(Reference {
            splines,
            defaults: model.coordinates.iter().map(|c| c.default_value).collect(),
            start,
            duration,
            mean_velocity,
        })
    }

    /// Length of one cycle (s).
    pub fn duration(&self) -> f64 {
        self.duration
    }

    /// Time inside the motion for a phase in [0, 1).
    fn time_at(&self, phase: f64) -> f64 {
        self.start + phase.rem_euclid(1.0) * self.duration
    }

    /// Coordinates and speeds at `phase` (fraction of the cycle; wraps around).
    pub fn at_phase(&self, phase: f64) -> (Vec<f64>, Vec<f64>) {
        let t = self.time_at(phase);
        let q = self
            .splines
            .iter()
            .zip(&self.defaults)
            .map(|(s, d)| s.as_ref().map_or(*d, |s| s.value(t)))
            .collect();
        let qd = self
            .splines
            .iter()
            .map(|s| s.as_ref().map_or(0.0, |s| s.derivative(t)))
            .collect();
        (q, qd)
    }

    /// Whether coordinate `c` is given by the motion.
    pub fn has(&self, c: usize) -> bool {
        self.splines[c].is_some()
    }
}
