//! The reset point: a copy of the whole rapier world with the muscles' activations and
//! excitations and the time, saved once and restored at every reset.

use rapier3d::prelude::{CCDSolver, PhysicsPipeline};

use super::{FootContact, Physics, Simulation};

/// A saved state of the simulation.
#[derive(Clone)]
pub(super) struct Snapshot {
    physics: Physics,
    activation: Vec<f64>,
    excitation: Vec<f64>,
    time: f64,
}

impl Simulation {
    /// Saves the current state as the reset point.
    pub fn save_snapshot(&mut self) {
        self.snapshot = Some(Snapshot {
            physics: self.physics.clone(),
            activation: self.activation.clone(),
            excitation: self.excitation.clone(),
            time: self.time,
        });
    }

    /// Restores the state saved by [`Self::save_snapshot`]; returns false if there is none.
    pub fn restore_snapshot(&mut self) -> bool {
        let Some(s) = &self.snapshot else {
            return false;
        };
        self.physics = s.physics.clone();
        self.activation = s.activation.clone();
        self.excitation = s.excitation.clone();
        self.time = s.time;
        self.fiber_guess.fill(f64::NAN);
        self.pipeline = PhysicsPipeline::new();
        self.ccd = CCDSolver::new();
        self.grf = [FootContact::default(); 2];
        self.refresh_muscles();
        true
    }

    /// Sets the simulated time (e.g. 0 at an episode start).
    pub fn set_time(&mut self, t: f64) {
        self.time = t;
    }
}
