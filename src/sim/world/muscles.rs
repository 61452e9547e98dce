//! Muscle geometry: each muscle's active path points, its length and lengthening speed, and its
//! state (force, damping) from the tendon model; the muscle paths for display.

use rapier3d::glamx::DVec3;

use super::convert::{to_f32, to_f64};
use super::Simulation;
use crate::osim::model::Muscle;
use crate::sim::kinematics::Frame;
use crate::sim::muscle::{compliant_tendon_state, rigid_tendon_state, MuscleState, TendonModel};
use crate::sim::path::{is_active, local_location, local_velocity};

impl Simulation {
    /// Recomputes the muscle outputs for the current state and activations without stepping.
    pub fn refresh_muscles(&mut self) {
        let (q, qd) = self.coordinates();
        let frames = self.body_frames();
        for m in 0..self.model.muscles.len() {
            let (state, _) = self.muscle_geometry(m, &q, &qd, &frames);
            self.muscles[m] = state;
        }
    }

    /// Path of muscle `m` through its active points (world positions).
    pub fn muscle_path(&self, m: usize) -> Vec<DVec3> {
        let (q, _) = self.coordinates();
        active_path(&self.model.muscles[m], &q, &self.body_frames())
    }

    /// Paths of all muscles through their active points (world positions), with the coordinates
    /// and body frames computed once.
    pub fn muscle_paths(&self) -> Vec<Vec<DVec3>> {
        let (q, _) = self.coordinates();
        let frames = self.body_frames();
        self.model
            .muscles
            .iter()
            .map(|muscle| active_path(muscle, &q, &frames))
            .collect()
    }

    /// The muscle's state and its active points (body, world position) for the current physics
    /// state.
    pub(super) fn muscle_geometry(
        &mut self,
        m: usize,
        q: &[f64],
        qd: &[f64],
        frames: &[Frame],
    ) -> (MuscleState, Vec<(usize, DVec3)>) {
        let (points, velocities) = self.path_points(m, q, qd, frames);
        let (length, speed) = length_and_speed(&points, &velocities);
        let muscle = &self.model.muscles[m];
        let a = self.activation[m];
        let state = match self.config.tendon {
            // A bare path actuator has no muscle properties: it is carried along, inert.
            _ if !muscle.is_muscle() => MuscleState {
                length,
                velocity: speed,
                activation: a,
                ..MuscleState::default()
            },
            TendonModel::Rigid => rigid_tendon_state(muscle, length, speed, a),
            TendonModel::Compliant => {
                compliant_tendon_state(muscle, length, speed, a, &mut self.fiber_guess[m])
            }
        };
        (state, points)
    }

    /// Muscle `m`'s active points (body, world position) and their world velocities.
    fn path_points(
        &self,
        m: usize,
        q: &[f64],
        qd: &[f64],
        frames: &[Frame],
    ) -> (Vec<(usize, DVec3)>, Vec<DVec3>) {
        let muscle = &self.model.muscles[m];
        let mut points: Vec<(usize, DVec3)> = Vec::with_capacity(muscle.path.len());
        let mut velocities: Vec<DVec3> = Vec::with_capacity(muscle.path.len());
        for p in muscle.path.iter().filter(|p| is_active(p, q)) {
            let frame = &frames[p.body];
            let world = frame.point(local_location(p, q));
            let placement = self.plan.bodies[p.body];
            let v = match placement {
                None => DVec3::ZERO,
                Some(pl) => {
                    let rb = &self.physics.bodies[self.links[pl.link]];
                    to_f64(rb.velocity_at_point(to_f32(world)))
                        + frame.rot * local_velocity(p, q, qd)
                }
            };
            points.push((p.body, world));
            velocities.push(v);
        }
        (points, velocities)
    }
}

/// Length of a path through `points` and its lengthening speed from the points' `velocities`.
fn length_and_speed(points: &[(usize, DVec3)], velocities: &[DVec3]) -> (f64, f64) {
    let mut length = 0.0;
    let mut speed = 0.0;
    for i in 1..points.len() {
        let d = points[i].1 - points[i - 1].1;
        let l = d.length();
        length += l;
        if l > 1e-12 {
            speed += (d / l).dot(velocities[i] - velocities[i - 1]);
        }
    }
    (length, speed)
}

/// World positions of a muscle's active path points at coordinates `q` and body frames `frames`.
fn active_path(muscle: &Muscle, q: &[f64], frames: &[Frame]) -> Vec<DVec3> {
    muscle
        .path
        .iter()
        .filter(|p| is_active(p, q))
        .map(|p| frames[p.body].point(local_location(p, q)))
        .collect()
}
