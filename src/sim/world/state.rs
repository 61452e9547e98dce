//! Reading and setting the model's state: coordinates and speeds, placing the model at given
//! coordinates, link and body frames and velocities, the centre of mass and the kinetic energy.

use rapier3d::glamx::{DVec3, Vec3};

use super::convert::{frame_of, inertia_matrix, pose_of, to_f32, to_f64};
use super::root::{root_coordinates, root_velocity};
use super::{FootContact, Physics, SimError, Simulation};
use crate::sim::build::{rapier_coordinate, CoordinateSource};
use crate::sim::kinematics::{body_frames, Frame};

impl Simulation {
    /// World frame of each plan link.
    pub(super) fn link_frames(&self) -> Vec<Frame> {
        self.links
            .iter()
            .map(|h| frame_of(self.physics.bodies[*h].position()))
            .collect()
    }

    /// Ground-frame transforms of all model bodies (ground: identity).
    pub fn body_frames(&self) -> Vec<Frame> {
        let links = self.link_frames();
        self.plan
            .bodies
            .iter()
            .map(|p| p.map_or(Frame::IDENTITY, |p| links[p.link].mul(&p.offset)))
            .collect()
    }

    /// Linear velocity of each body's origin and its angular velocity (ground frame).
    pub fn body_velocities(&self) -> Vec<(DVec3, DVec3)> {
        let frames = self.body_frames();
        self.plan
            .bodies
            .iter()
            .zip(&frames)
            .map(|(p, f)| match p {
                None => (DVec3::ZERO, DVec3::ZERO),
                Some(p) => {
                    let rb = &self.physics.bodies[self.links[p.link]];
                    (
                        to_f64(rb.velocity_at_point(to_f32(f.pos))),
                        to_f64(rb.angvel()),
                    )
                }
            })
            .collect()
    }

    /// Whole-model centre of mass position and velocity (ground frame).
    pub fn center_of_mass(&self) -> (DVec3, DVec3) {
        let frames = self.body_frames();
        let mut p = DVec3::ZERO;
        let mut v = DVec3::ZERO;
        let mut mass = 0.0;
        for (b, body) in self.model.bodies.iter().enumerate() {
            let Some(pl) = self.plan.bodies[b] else {
                continue;
            };
            let com = frames[b].point(DVec3::from_array(body.mass_center));
            let rb = &self.physics.bodies[self.links[pl.link]];
            p += com * body.mass;
            v += to_f64(rb.velocity_at_point(to_f32(com))) * body.mass;
            mass += body.mass;
        }
        if mass > 0.0 {
            (p / mass, v / mass)
        } else {
            (p, v)
        }
    }

    /// Kinetic energy of all bodies (J), from the model's masses and inertias.
    pub fn kinetic_energy(&self) -> f64 {
        let frames = self.body_frames();
        let mut energy = 0.0;
        for (b, body) in self.model.bodies.iter().enumerate() {
            let Some(pl) = self.plan.bodies[b] else {
                continue;
            };
            let rb = &self.physics.bodies[self.links[pl.link]];
            let com = frames[b].point(DVec3::from_array(body.mass_center));
            let v = to_f64(rb.velocity_at_point(to_f32(com)));
            let w = frames[b].rot.transpose() * to_f64(rb.angvel());
            let inertia = inertia_matrix(body.inertia);
            energy += 0.5 * body.mass * v.length_squared() + 0.5 * w.dot(inertia * w);
        }
        energy
    }

    /// Coordinate values and speeds, in model order (rad, m, rad/s, m/s).
    pub fn coordinates(&self) -> (Vec<f64>, Vec<f64>) {
        let mb = self.multibody();
        let root_rb = &self.physics.bodies[self.links[0]];
        let root_joint = self
            .model
            .joint_of_body(self.plan.root_body)
            .map(|j| &self.model.joints[j]);
        let mut q = vec![0.0; self.model.coordinates.len()];
        let mut qd = vec![0.0; self.model.coordinates.len()];
        let mut root = None;
        for (c, src) in self.plan.coordinates.iter().enumerate() {
            match *src {
                CoordinateSource::Fixed(v) => q[c] = v,
                CoordinateSource::Link {
                    link,
                    slope,
                    intercept,
                    sliding,
                } => {
                    let l = mb.link(self.link_ids[link]).expect("link exists");
                    let value = l.joint().coords()[rapier_coordinate(sliding)] as f64;
                    let rate = mb.joint_velocity(l)[0] as f64;
                    q[c] = (value - intercept) / slope;
                    qd[c] = rate / slope;
                }
                CoordinateSource::RootRotation(k) | CoordinateSource::RootTranslation(k) => {
                    let (rq, rqd) = root.get_or_insert_with(|| {
                        root_coordinates(root_joint.expect("root joint"), root_rb)
                    });
                    let offset = if matches!(src, CoordinateSource::RootTranslation(_)) {
                        3
                    } else {
                        0
                    };
                    q[c] = rq[offset + k];
                    qd[c] = rqd[offset + k];
                }
            }
        }
        (q, qd)
    }

    /// Places the model at coordinates `q` with speeds `qdot` (model order). Locked coordinates
    /// keep their locked values. Contacts and the muscle states are refreshed.
    pub fn set_state(&mut self, q: &[f64], qdot: &[f64]) -> Result<(), SimError> {
        self.check_state(q, qdot)?;
        let (omega, v_com) = self.place_root(q, qdot);
        self.set_joints(q, qdot, omega, v_com);
        self.sync_link_velocities();
        self.grf = [FootContact::default(); 2];
        self.fiber_guess.fill(f64::NAN);
        self.refresh_muscles();
        Ok(())
    }

    /// Rejects coordinates and speeds of the wrong length or not finite.
    fn check_state(&self, q: &[f64], qdot: &[f64]) -> Result<(), SimError> {
        let n = self.model.coordinates.len();
        if q.len() != n || qdot.len() != n {
            return Err(SimError::Input(format!(
                "expected {n} coordinates and speeds"
            )));
        }
        if q.iter().chain(qdot).any(|v| !v.is_finite()) {
            return Err(SimError::Input("non-finite coordinates".into()));
        }
        Ok(())
    }

    /// Moves the root body to its pose at `q`; returns its angular velocity and the velocity of
    /// its centre of mass at speeds `qdot` (ground frame).
    fn place_root(&mut self, q: &[f64], qdot: &[f64]) -> (DVec3, DVec3) {
        let frames = body_frames(&self.model, q);
        let root_joint = &self.model.joints[self
            .model
            .joint_of_body(self.plan.root_body)
            .expect("root joint")];
        let (omega, v_origin) = root_velocity(root_joint, q, qdot);
        let root_frame = frames[self.plan.root_body];
        {
            let rb = &mut self.physics.bodies[self.links[0]];
            rb.set_position(pose_of(&root_frame), true);
        }
        let com = to_f64(self.physics.bodies[self.links[0]].center_of_mass());
        let v_com = v_origin + omega.cross(com - root_frame.pos);
        (omega, v_com)
    }

    /// Turns every revolute joint to its angle at `q` and sets the multibody's generalized
    /// velocity: the joints' rates at `qdot` and, for a free root, its centre of mass velocity
    /// `v_com` and angular velocity `omega`. The links' poses follow.
    fn set_joints(&mut self, q: &[f64], qdot: &[f64], omega: DVec3, v_com: DVec3) {
        let fixed_root = self.config.fixed_root;
        let plan = &self.plan;
        let link_ids = &self.link_ids;
        let Physics {
            bodies,
            multibody_joints,
            ..
        } = &mut self.physics;
        let mb = multibody_joints
            .get_multibody_mut(self.multibody)
            .expect("the multibody exists");
        mb.forward_kinematics(bodies, true);
        let ndofs = mb.ndofs();
        let mut disp = vec![0.0f32; ndofs];
        let mut vel = vec![0.0f32; ndofs];
        for (li, link) in plan.links.iter().enumerate() {
            let Some(d) = link.joint.dof() else {
                continue;
            };
            let l = mb.link(link_ids[li]).expect("link exists");
            let target = d.slope * q[d.coordinate] + d.intercept;
            let dof = l.assembly_id();
            disp[dof] = (target - l.joint().coords()[rapier_coordinate(d.sliding)] as f64) as f32;
            vel[dof] = (d.slope * qdot[d.coordinate]) as f32;
        }
        if !fixed_root {
            for k in 0..3 {
                vel[k] = v_com[k] as f32;
                vel[3 + k] = omega[k] as f32;
            }
        }
        mb.apply_displacements(&disp);
        mb.forward_kinematics(bodies, true);
        mb.update_rigid_bodies(bodies, true);
        mb.generalized_velocity_mut().copy_from_slice(&vel);
    }

    /// Gives every link's rigid body the velocity of the multibody's generalized velocity.
    fn sync_link_velocities(&mut self) {
        let mb = self.multibody();
        let link_vels: Vec<(Vec3, Vec3)> = self
            .link_ids
            .iter()
            .map(|&id| {
                let j = mb.body_jacobian(id);
                let v = j * mb.generalized_velocity();
                (Vec3::new(v[0], v[1], v[2]), Vec3::new(v[3], v[4], v[5]))
            })
            .collect();
        for (h, (lin, ang)) in self.links.iter().zip(link_vels) {
            let rb = &mut self.physics.bodies[*h];
            rb.set_linvel(lin, true);
            rb.set_angvel(ang, true);
        }
    }
}
