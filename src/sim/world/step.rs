//! Stepping: one control interval of excitations held over `substeps` rapier steps, each with
//! activation dynamics, forces, the rapier pipeline and contact accumulation; the divergence check.

use rapier3d::glamx::Vec3;
use rapier3d::prelude::IntegrationParameters;

use super::{FootContact, SimError, Simulation};
use crate::sim::muscle::activation_step;

impl Simulation {
    /// Advances one control interval with `excitations` (one per muscle, clamped to [0, 1]).
    pub fn step(&mut self, excitations: &[f64]) -> Result<(), SimError> {
        self.set_excitations(excitations)?;
        let dt = self.config.control_dt / self.config.substeps as f64;
        let mut grf = [FootContact::default(); 2];
        for _ in 0..self.config.substeps {
            self.substep(dt, &mut grf);
        }
        let n = self.config.substeps as f64;
        for foot in &mut grf {
            foot.force /= n;
            foot.torque /= n;
        }
        self.grf = grf;
        self.check_finite()?;
        self.refresh_muscles();
        Ok(())
    }

    /// Holds `excitations` for the coming control interval (non-finite ones as 0).
    fn set_excitations(&mut self, excitations: &[f64]) -> Result<(), SimError> {
        if excitations.len() != self.excitation.len() {
            return Err(SimError::Input(format!(
                "expected {} excitations, got {}",
                self.excitation.len(),
                excitations.len()
            )));
        }
        for (e, x) in self.excitation.iter_mut().zip(excitations) {
            *e = if x.is_finite() {
                x.clamp(0.0, 1.0)
            } else {
                0.0
            };
        }
        Ok(())
    }

    /// One rapier step of length `dt`, its ground reactions added to `grf`.
    fn substep(&mut self, dt: f64, grf: &mut [FootContact; 2]) {
        self.advance_activations(dt);
        self.apply_forces();
        let gravity = Vec3::new(
            self.model.gravity[0] as f32,
            self.model.gravity[1] as f32,
            self.model.gravity[2] as f32,
        );
        self.pipeline_step(gravity, self.params);
        for h in &self.links {
            let rb = &mut self.physics.bodies[*h];
            rb.reset_forces(false);
            rb.reset_torques(false);
        }
        self.accumulate_contacts(grf, dt);
        self.time += dt;
    }

    /// Advances every activation by `dt` towards its excitation.
    fn advance_activations(&mut self, dt: f64) {
        // Activation in sub-steps of at most 0.5 ms (its time constant can be 5 ms).
        let pieces = (dt / 5.0e-4).ceil().max(1.0) as usize;
        let h = dt / pieces as f64;
        for m in 0..self.activation.len() {
            let muscle = &self.model.muscles[m];
            for _ in 0..pieces {
                self.activation[m] =
                    activation_step(muscle, self.activation[m], self.excitation[m], h);
            }
        }
    }

    /// Fails if a link's pose or velocity is non-finite or its velocity is implausibly large.
    fn check_finite(&self) -> Result<(), SimError> {
        for (h, link) in self.links.iter().zip(&self.plan.links) {
            let rb = &self.physics.bodies[*h];
            let p = rb.position();
            let ok = p.translation.is_finite()
                && p.rotation.is_finite()
                && rb.linvel().is_finite()
                && rb.angvel().is_finite()
                && rb.linvel().length() < 1.0e3
                && rb.angvel().length() < 1.0e4;
            if !ok {
                return Err(SimError::Diverged {
                    time: self.time,
                    what: format!("link {}", link.name),
                });
            }
        }
        Ok(())
    }

    /// Runs the pipeline with a zero time step: user changes and mass properties are applied,
    /// nothing moves.
    pub(super) fn update_without_time(&mut self) {
        let params = IntegrationParameters {
            dt: 0.0,
            ..self.params
        };
        self.pipeline_step(Vec3::ZERO, params);
    }

    /// One rapier step of the whole world.
    fn pipeline_step(&mut self, gravity: Vec3, params: IntegrationParameters) {
        self.pipeline.step(
            gravity,
            &params,
            &mut self.physics.islands,
            &mut self.physics.broad_phase,
            &mut self.physics.narrow_phase,
            &mut self.physics.bodies,
            &mut self.physics.colliders,
            &mut self.physics.impulse_joints,
            &mut self.physics.multibody_joints,
            &mut self.physics.soft_bodies,
            &mut self.ccd,
            &(),
            &(),
        );
    }
}
