//! The observation vector (seeds/000 Table 3.1): 296 values for the gait14dof22musc model.
//!
//! | range     | count | content                                                              |
//! |-----------|-------|----------------------------------------------------------------------|
//! | 0..156    | 13x12 | per body (pelvis, femur_r, tibia_r, talus_r, calcn_r, toes_r, femur_l, tibia_l, talus_l, calcn_l, toes_l, torso, head): origin position (3), origin linear velocity (3), rotation as body-fixed X-Y-Z angles (3), angular velocity (3), ground frame |
//! | 156..244  | 22x4  | per muscle (model order): tendon force (N), muscle-tendon length (m), lengthening velocity (m/s), activation |
//! | 244..278  | 17x2  | per coordinate (model order): value (rad or m), speed                 |
//! | 278..284  | 6     | whole-body centre of mass position (3) and velocity (3)              |
//! | 284..296  | 2x6   | right then left foot: ground reaction force (3, N) and its moment about the ground origin (3, N m) |
//!
//! Accelerations are left out, as in the study. [`labels`] names every entry.

use rapier3d::glamx::{DMat3, DVec3};

use crate::osim::Model;
use crate::sim::Simulation;

/// Number of observation values for `model`.
pub fn size(model: &Model) -> usize {
    (model.bodies.len() - 1) * 12 + model.muscles.len() * 4 + model.coordinates.len() * 2 + 6 + 12
}

/// A name for every entry of the observation, in order.
pub fn labels(model: &Model) -> Vec<String> {
    let mut out = Vec::with_capacity(size(model));
    for b in model.bodies.iter().skip(1) {
        for part in ["pos", "vel", "rot", "angvel"] {
            for axis in ["x", "y", "z"] {
                out.push(format!("{}.{part}.{axis}", b.name));
            }
        }
    }
    for m in &model.muscles {
        for part in ["force", "length", "velocity", "activation"] {
            out.push(format!("{}.{part}", m.name));
        }
    }
    for c in &model.coordinates {
        out.push(format!("{}.value", c.name));
        out.push(format!("{}.speed", c.name));
    }
    for part in ["com.pos", "com.vel"] {
        for axis in ["x", "y", "z"] {
            out.push(format!("{part}.{axis}"));
        }
    }
    for foot in ["foot_r", "foot_l"] {
        for part in ["force", "torque"] {
            for axis in ["x", "y", "z"] {
                out.push(format!("{foot}.{part}.{axis}"));
            }
        }
    }
    out
}

/// Body-fixed X-Y-Z angles of a rotation matrix (`R = Rx(a) Ry(b) Rz(c)`).
pub fn xyz_angles(r: &DMat3) -> DVec3 {
    let b = r.col(2).x.clamp(-1.0, 1.0).asin();
    let a = (-r.col(2).y).atan2(r.col(2).z);
    let c = (-r.col(1).x).atan2(r.col(0).x);
    DVec3::new(a, b, c)
}

/// Measures the horizontal positions of an observation written by [`observe`] from the pelvis
/// instead of the ground origin: each body origin's and the centre of mass's x and z, the
/// `pelvis_tx` and `pelvis_tz` coordinates, and the feet's ground-reaction moments (taken about
/// the pelvis' ground projection). The values then no longer depend on where on the floor the
/// model is; heights, angles, velocities and forces are unchanged.
pub fn to_pelvis_frame(sim: &Simulation, out: &mut [f64]) {
    let model = sim.model();
    let p = sim.body_frames()[sim.plan().root_body].pos;
    let bodies = model.bodies.len() - 1;
    for b in 0..bodies {
        out[b * 12] -= p.x;
        out[b * 12 + 2] -= p.z;
    }
    let coordinates = bodies * 12 + model.muscles.len() * 4;
    for (name, shift) in [("pelvis_tx", p.x), ("pelvis_tz", p.z)] {
        if let Some(i) = model.coordinate_index(name) {
            out[coordinates + 2 * i] -= shift;
        }
    }
    let com = coordinates + model.coordinates.len() * 2;
    out[com] -= p.x;
    out[com + 2] -= p.z;
    for foot in 0..2 {
        let f = com + 6 + foot * 6;
        let force = DVec3::new(out[f], out[f + 1], out[f + 2]);
        let shift = DVec3::new(p.x, 0.0, p.z).cross(force);
        for k in 0..3 {
            out[f + 3 + k] -= shift[k];
        }
    }
}

/// Writes the observation of `sim` into `out` (cleared first).
pub fn observe(sim: &Simulation, out: &mut Vec<f64>) {
    let model = sim.model();
    out.clear();
    let frames = sim.body_frames();
    let velocities = sim.body_velocities();
    for b in 1..model.bodies.len() {
        let f = &frames[b];
        let (v, w) = velocities[b];
        out.extend(f.pos.to_array());
        out.extend(v.to_array());
        out.extend(xyz_angles(&f.rot).to_array());
        out.extend(w.to_array());
    }
    for m in sim.muscles() {
        out.extend([m.force, m.length, m.velocity, m.activation]);
    }
    let (q, qd) = sim.coordinates();
    for (v, s) in q.iter().zip(&qd) {
        out.extend([*v, *s]);
    }
    let (com, com_v) = sim.center_of_mass();
    out.extend(com.to_array());
    out.extend(com_v.to_array());
    for foot in sim.foot_contacts() {
        out.extend(foot.force.to_array());
        out.extend(foot.torque.to_array());
    }
}
