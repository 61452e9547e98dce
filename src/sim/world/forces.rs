//! The forces of one rapier step: muscle tensions along their paths, the coordinate limit springs
//! and dampers, and the muscles' force-velocity damping made implicit through rapier's per-dof
//! multibody damping (and added back explicitly at the current velocity).

use rapier3d::glamx::DVec3;

use super::convert::to_f32;
use super::Simulation;
use crate::osim::model::{Coordinate, CoordinateLimitForce, MotionType};
use crate::sim::build::CoordinateSource;
use crate::sim::kinematics::Frame;

/// A revolute link's joint origin and axis (world); `None` for the root.
type DofAxis = Option<(DVec3, DVec3)>;

/// A force on a link: (link, point of application, force), world frame.
type PointForce = (usize, DVec3, DVec3);

/// A joint spring on a link's angle: (link, stiffness, rest angle).
type Spring = (usize, f64, f64);

impl Simulation {
    /// Applies muscle forces along their paths, coordinate limit torques and the implicit
    /// muscle damping for the coming rapier step.
    pub(super) fn apply_forces(&mut self) {
        let (q, qd) = self.coordinates();
        let frames = self.body_frames();
        let link_frames = self.link_frames();
        self.dof_damping.fill(0.0);
        self.dof_limit_damping.fill(0.0);
        self.dof_torque.fill(0.0);
        let axes = self.joint_axes(&link_frames);
        let mut forces: Vec<PointForce> = Vec::new();
        for m in 0..self.model.muscles.len() {
            self.muscle_forces(m, &q, &qd, &frames, &axes, &mut forces);
        }
        let springs = self.limit_springs(&q);
        // Implicit damping through rapier's per-dof damping; the same damping applied explicitly
        // at the current speed, so the muscle force is unchanged to first order.
        let rates = self.set_implicit_damping(&axes);
        self.set_limit_springs(springs);
        self.add_explicit_damping(&axes, &rates);
        self.apply_point_forces(forces);
        self.apply_joint_torques(&axes);
        self.apply_push();
    }

    /// Pushes the root body at its centre of mass while a push lasts (see [`Simulation::push`]).
    fn apply_push(&mut self) {
        let Some((force, until)) = self.push else {
            return;
        };
        if self.time >= until {
            self.push = None;
            return;
        }
        if let Some(root) = self.plan.bodies[self.plan.root_body] {
            self.physics.bodies[self.links[root.link]].add_force(to_f32(force), true);
        }
    }

    /// Joint axes (world) and origins of revolute links, from the links' world frames.
    fn joint_axes(&self, link_frames: &[Frame]) -> Vec<DofAxis> {
        self.plan
            .links
            .iter()
            .zip(link_frames)
            .map(|(l, f)| match l.joint.dof() {
                // A sliding dof gets no implicit muscle damping (its pull is not a torque).
                Some(d) if !d.sliding => {
                    let j = f.mul(&d.frame_in_link);
                    Some((j.pos, j.rot.col(0)))
                }
                _ => None,
            })
            .collect()
    }

    /// Muscle `m`: updates its state, pushes its tension at each path point onto `forces` and
    /// adds its force-velocity damping to the revolute dofs it spans.
    fn muscle_forces(
        &mut self,
        m: usize,
        q: &[f64],
        qd: &[f64],
        frames: &[Frame],
        axes: &[DofAxis],
        forces: &mut Vec<PointForce>,
    ) {
        let (state, points) = self.muscle_geometry(m, q, qd, frames);
        self.muscles[m] = state;
        let tension = state.force;
        let unit = unit_directions(&points);
        for (point, unit) in points.iter().zip(&unit) {
            let Some(pl) = self.plan.bodies[point.0] else {
                continue;
            };
            forces.push((pl.link, point.1, *unit * tension));
        }
        // Moment arms about every revolute dof, for the implicit damping.
        if state.damping > 0.0 {
            for (j, axis) in axes.iter().enumerate() {
                let Some((origin, a)) = axis else { continue };
                let r = self.moment_arm(j, *origin, *a, &points, &unit);
                self.dof_damping[j] += state.damping * r * r;
            }
        }
    }

    /// Moment arm about the axis `a` through `origin` of revolute link `j` of a unit tension
    /// along a path (`points`, with unit force directions `unit`): the points on link `j` and
    /// below it.
    fn moment_arm(
        &self,
        j: usize,
        origin: DVec3,
        a: DVec3,
        points: &[(usize, DVec3)],
        unit: &[DVec3],
    ) -> f64 {
        let mut r = 0.0;
        for (point, unit) in points.iter().zip(unit) {
            let Some(pl) = self.plan.bodies[point.0] else {
                continue;
            };
            if self.descends[j][pl.link] {
                r += (point.1 - origin).cross(*unit).dot(a);
            }
        }
        r
    }

    /// Coordinate limit forces: beyond a limit, an implicit rapier joint spring (stiffness
    /// ramped over the transition region) and implicit damping (added to `dof_limit_damping`);
    /// inside, nothing (a zero spring).
    fn limit_springs(&mut self, q: &[f64]) -> Vec<Spring> {
        let mut springs: Vec<Spring> = Vec::new();
        for f in &self.model.limit_forces {
            let CoordinateSource::Link {
                link,
                slope,
                intercept,
                sliding: false,
            } = self.plan.coordinates[f.coordinate]
            else {
                continue;
            };
            let c = &self.model.coordinates[f.coordinate];
            match limit_spring(f, c, q[f.coordinate], slope, intercept) {
                None => springs.push((link, 0.0, 0.0)),
                Some((k, rest, damping)) => {
                    springs.push((link, k, rest));
                    self.dof_limit_damping[link] += damping;
                }
            }
        }
        springs
    }

    /// Sets rapier's damping of every revolute dof to its muscle and limit damping; returns each
    /// link's joint rate (0 for the root).
    fn set_implicit_damping(&mut self, axes: &[DofAxis]) -> Vec<f64> {
        let mut rates = vec![0.0f64; self.links.len()];
        let mb = self
            .physics
            .multibody_joints
            .get_multibody_mut(self.multibody)
            .expect("the multibody exists");
        for (li, axis) in axes.iter().enumerate() {
            if axis.is_none() {
                continue;
            }
            let (dof, rate) = {
                let l = mb.link(self.link_ids[li]).expect("link exists");
                (l.assembly_id(), mb.joint_velocity(l)[0] as f64)
            };
            rates[li] = rate;
            mb.damping_mut()[dof] = (self.dof_damping[li] + self.dof_limit_damping[li]) as f32;
        }
        rates
    }

    /// Sets the limit springs on the links' joint angles.
    fn set_limit_springs(&mut self, springs: Vec<Spring>) {
        let mb = self
            .physics
            .multibody_joints
            .get_multibody_mut(self.multibody)
            .expect("the multibody exists");
        for (li, k, rest) in springs {
            if let Some(l) = mb.link_mut(self.link_ids[li]) {
                l.joint.set_spring(3, k as f32, rest as f32);
            }
        }
    }

    /// Adds the muscle damping at the current joint `rates` as explicit joint torques.
    fn add_explicit_damping(&mut self, axes: &[DofAxis], rates: &[f64]) {
        for (li, axis) in axes.iter().enumerate() {
            if axis.is_some() {
                self.dof_torque[li] += self.dof_damping[li] * rates[li];
            }
        }
    }

    /// Applies the muscle forces to the links' rigid bodies.
    fn apply_point_forces(&mut self, forces: Vec<PointForce>) {
        for (link, point, force) in forces {
            let rb = &mut self.physics.bodies[self.links[link]];
            rb.add_force_at_point(to_f32(force), to_f32(point), false);
        }
    }

    /// Applies the joint torques about the revolute axes, equal and opposite on link and parent.
    fn apply_joint_torques(&mut self, axes: &[DofAxis]) {
        for (li, axis) in axes.iter().enumerate() {
            let Some((_, a)) = axis else { continue };
            let tau = self.dof_torque[li];
            if tau == 0.0 {
                continue;
            }
            let t = to_f32(*a * tau);
            self.physics.bodies[self.links[li]].add_torque(t, false);
            if let Some(p) = self.plan.links[li].parent {
                self.physics.bodies[self.links[p]].add_torque(-t, false);
            }
        }
    }
}

/// Unit force directions at each path point for a unit tension: towards the neighbouring points.
fn unit_directions(points: &[(usize, DVec3)]) -> Vec<DVec3> {
    let n = points.len();
    let mut unit = vec![DVec3::ZERO; n];
    for i in 0..n.saturating_sub(1) {
        let d = points[i + 1].1 - points[i].1;
        let l = d.length();
        if l > 1e-12 {
            unit[i] += d / l;
            unit[i + 1] -= d / l;
        }
    }
    unit
}

/// The limit force `f` on coordinate `c` at value `value`, acting on a joint angle
/// `slope * value + intercept`: `None` inside the limits, else the spring's stiffness and rest
/// angle and the damping, per radian of the joint angle.
fn limit_spring(
    f: &CoordinateLimitForce,
    c: &Coordinate,
    value: f64,
    slope: f64,
    intercept: f64,
) -> Option<(f64, f64, f64)> {
    let scale = if c.motion_type == MotionType::Rotational {
        180.0 / std::f64::consts::PI
    } else {
        1.0
    };
    let x = value * scale;
    let smooth = |d: f64| {
        let t = (d / f.transition).clamp(0.0, 1.0);
        t * t * (3.0 - 2.0 * t)
    };
    let (stiffness, limit, depth) = if x > f.upper_limit {
        (f.upper_stiffness, f.upper_limit, x - f.upper_limit)
    } else if x < f.lower_limit {
        (f.lower_stiffness, f.lower_limit, f.lower_limit - x)
    } else {
        return None;
    };
    let s = smooth(depth);
    // Per degree -> per radian of the coordinate -> per radian of the joint angle.
    let k = stiffness * s * scale / (slope * slope);
    let damping = f.damping * s * scale / (slope * slope);
    Some((k, slope * limit / scale + intercept, damping))
}
