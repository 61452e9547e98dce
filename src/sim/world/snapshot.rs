//! The reset point: a copy of the whole rapier world with the muscles' activations and
//! excitations and the time, saved once and restored at every reset.

use rapier3d::prelude::{CCDSolver, PhysicsPipeline};

use rapier3d::glamx::DVec3;

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
        self.push = None;
        self.refresh_muscles();
        true
    }

    /// Pushes the root body (the pelvis) with `force` (world frame: x forward, y up, z to the
    /// right; N) at its centre of mass for the next `seconds`; a reset ends it.
    pub fn push(&mut self, force: [f64; 3], seconds: f64) {
        let ok = force.iter().all(|f| f.is_finite()) && seconds.is_finite() && seconds > 0.0;
        self.push = ok.then(|| (DVec3::from_array(force), self.time + seconds));
    }

    /// Sets the simulated time (e.g. 0 at an episode start).
    pub fn set_time(&mut self, t: f64) {
        self.time = t;
    }
}
