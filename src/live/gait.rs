//! Gait cycles for the live plots (the study's Figures 4.3 and 4.4): the right leg's hip flexion,
//! hip adduction, knee and ankle angles binned by phase of the reference cycle, next to the
//! reference curve and its +-10 degree band.

use crate::env::reference::Reference;
use crate::osim::model::Model;
use crate::osim::motion::Table;

use super::frame::Frame;

/// The plotted coordinates (right leg).
pub const GAIT_PLOT_COORDINATES: [&str; 4] = [
    "hip_flexion_r",
    "hip_adduction_r",
    "knee_angle_r",
    "ankle_angle_r",
];

/// Half-width of the reference band (degrees), as in the study's figures.
pub const BAND_DEGREES: f64 = 10.0;

/// Phase-binned angles of the current episode and the reference.
#[derive(Debug, Clone)]
pub struct GaitCycles {
    /// Coordinate names.
    pub names: Vec<String>,
    /// Model indices of the coordinates.
    indices: Vec<usize>,
    /// Bins per cycle.
    pub bins: usize,
    /// Per coordinate: the latest angle (degrees) seen in each phase bin of this episode.
    pub latest: Vec<Vec<Option<f64>>>,
    /// Per coordinate: the reference angle (degrees) at each bin centre.
    pub reference: Vec<Vec<f64>>,
    last_time: f32,
}

impl GaitCycles {
    /// Prepares the bins and samples the reference motion.
    pub fn new(model: &Model, motion: &Table, bins: usize) -> Result<GaitCycles, String> {
        let reference = Reference::new(model, motion)?;
        let mut names = Vec::new();
        let mut indices = Vec::new();
        for n in GAIT_PLOT_COORDINATES {
            if let Some(i) = model.coordinate_index(n) {
                names.push(n.to_string());
                indices.push(i);
            }
        }
        let bins = bins.max(2);
        let samples: Vec<Vec<f64>> = (0..bins)
            .map(|b| reference.at_phase((b as f64 + 0.5) / bins as f64).0)
            .collect();
        let reference = indices
            .iter()
            .map(|&i| samples.iter().map(|q| q[i].to_degrees()).collect())
            .collect();
        Ok(GaitCycles {
            latest: vec![vec![None; bins]; names.len()],
            names,
            indices,
            bins,
            reference,
            last_time: f32::INFINITY,
        })
    }

    /// Adds one frame; a new episode (time going back) clears the bins.
    pub fn push(&mut self, frame: &Frame) {
        if frame.time < self.last_time {
            self.clear();
        }
        self.last_time = frame.time;
        let bin = ((frame.phase.rem_euclid(1.0) as f64) * self.bins as f64) as usize;
        let bin = bin.min(self.bins - 1);
        for (k, &i) in self.indices.iter().enumerate() {
            if let Some(v) = frame.coordinates.get(i) {
                self.latest[k][bin] = Some((*v as f64).to_degrees());
            }
        }
    }

    /// Forgets the episode.
    pub fn clear(&mut self) {
        self.latest.iter_mut().for_each(|c| c.fill(None));
        self.last_time = f32::INFINITY;
    }

    /// Percent of the cycle at the centre of bin `b`.
    pub fn percent(&self, b: usize) -> f64 {
        100.0 * (b as f64 + 0.5) / self.bins as f64
    }

    /// Share of bins, over all coordinates, whose angle lies within the band.
    pub fn within_band(&self) -> Option<f64> {
        let mut seen = 0usize;
        let mut inside = 0usize;
        for (c, r) in self.latest.iter().zip(&self.reference) {
            for (v, r) in c.iter().zip(r) {
                if let Some(v) = v {
                    seen += 1;
                    if (v - r).abs() <= BAND_DEGREES {
                        inside += 1;
                    }
                }
            }
        }
        (seen > 0).then(|| inside as f64 / seen as f64)
    }
}
