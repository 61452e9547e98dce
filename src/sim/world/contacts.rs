//! Contact with the ground: the ground reaction on each foot from rapier's contact impulses on the
//! contact spheres, and the heights of the spheres' lowest points.

use rapier3d::glamx::DVec3;

use super::convert::to_f64;
use super::{FootContact, Simulation, Sphere};

impl Simulation {
    /// Height of the lowest point of every contact sphere (m), in model order.
    pub fn contact_sphere_bottoms(&self) -> Vec<f64> {
        let frames = self.body_frames();
        self.model
            .contact_spheres
            .iter()
            .map(|s| frames[s.body].point(DVec3::from_array(s.location)).y - s.radius)
            .collect()
    }

    /// Adds the ground's force on every contact sphere over the last rapier step of length `dt`,
    /// and its moment about the ground origin, to the sphere's foot in `grf`.
    pub(super) fn accumulate_contacts(&self, grf: &mut [FootContact; 2], dt: f64) {
        for s in &self.spheres {
            let collider = &self.physics.colliders[s.collider];
            let centre = to_f64(collider.position().translation);
            let mut force = self.ground_impulse(s);
            // The ground pushes the foot up: fix the sign from the normal component.
            if force.y < 0.0 {
                force = -force;
            }
            let force = force / dt;
            let point = centre - DVec3::Y * s.radius;
            grf[s.foot].force += force;
            grf[s.foot].torque += point.cross(force);
        }
    }

    /// The impulse between the ground and sphere `s` in the last rapier step (N s, sign as rapier
    /// reports it): normal impulses along the normal plus the tangent (friction) impulses.
    fn ground_impulse(&self, s: &Sphere) -> DVec3 {
        let mut impulse = DVec3::ZERO;
        let narrow_phase = &self.physics.narrow_phase;
        let Some(pair) = narrow_phase.contact_pair(s.collider, self.ground) else {
            return impulse;
        };
        for m in pair.solver_manifolds() {
            let normal = to_f64(m.data.normal);
            for p in &m.points {
                let f = normal * p.data.impulse as f64 + to_f64(p.data.warmstart_tangent_world);
                impulse += f;
            }
        }
        impulse
    }
}
