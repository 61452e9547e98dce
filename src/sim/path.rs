//! Muscle paths: which points are active, where they are in the world, the muscle-tendon length
//! and moment arms (as OpenSim: `-dL/dq`, the path's active points held fixed).

use rapier3d::glamx::DVec3;

use super::kinematics::{body_frames, Frame};
use crate::osim::model::{Model, Muscle, PathPoint, PathPointKind};

/// Whether a path point is part of the path for coordinates `q`.
pub fn is_active(point: &PathPoint, q: &[f64]) -> bool {
    match &point.kind {
        PathPointKind::Conditional { coordinate, range } => {
            let v = q[*coordinate];
            v >= range[0] && v <= range[1]
        }
        _ => true,
    }
}

/// The point's location in its body frame for coordinates `q` (moving points follow their
/// functions).
pub fn local_location(point: &PathPoint, q: &[f64]) -> DVec3 {
    let mut p = DVec3::from_array(point.location);
    if let PathPointKind::Moving { components } = &point.kind {
        for (k, comp) in components.iter().enumerate() {
            if let Some((f, c)) = comp {
                p[k] = f.value(q[*c]);
            }
        }
    }
    p
}

/// The rate of change of the point's body-frame location given coordinate speeds `qdot`.
pub fn local_velocity(point: &PathPoint, q: &[f64], qdot: &[f64]) -> DVec3 {
    let mut v = DVec3::ZERO;
    if let PathPointKind::Moving { components } = &point.kind {
        for (k, comp) in components.iter().enumerate() {
            if let Some((f, c)) = comp {
                v[k] = f.derivative(q[*c]) * qdot[*c];
            }
        }
    }
    v
}

/// Indices of the active points of a muscle's path.
pub fn active_points(muscle: &Muscle, q: &[f64]) -> Vec<usize> {
    (0..muscle.path.len())
        .filter(|&i| is_active(&muscle.path[i], q))
        .collect()
}

/// World positions of the given path points.
pub fn world_points(muscle: &Muscle, active: &[usize], q: &[f64], frames: &[Frame]) -> Vec<DVec3> {
    active
        .iter()
        .map(|&i| {
            let p = &muscle.path[i];
            frames[p.body].point(local_location(p, q))
        })
        .collect()
}

/// Length of a polyline.
pub fn polyline_length(points: &[DVec3]) -> f64 {
    points.windows(2).map(|w| (w[1] - w[0]).length()).sum()
}

/// Muscle-tendon length (m) of `muscle` at coordinates `q`.
pub fn muscle_length(model: &Model, muscle: &Muscle, q: &[f64]) -> f64 {
    let frames = body_frames(model, q);
    let active = active_points(muscle, q);
    polyline_length(&world_points(muscle, &active, q, &frames))
}

/// Moment arm (m) of `muscle` about `coordinate` at `q`: `-dL/dq` by a central difference with
/// the set of active points fixed at `q` (OpenSim's convention and its treatment of conditional
/// points).
pub fn moment_arm(model: &Model, muscle: &Muscle, coordinate: usize, q: &[f64]) -> f64 {
    let active = active_points(muscle, q);
    let h = 1e-6;
    let mut qp = q.to_vec();
    let mut qm = q.to_vec();
    qp[coordinate] += h;
    qm[coordinate] -= h;
    let lp = polyline_length(&world_points(
        muscle,
        &active,
        &qp,
        &body_frames(model, &qp),
    ));
    let lm = polyline_length(&world_points(
        muscle,
        &active,
        &qm,
        &body_frames(model, &qm),
    ));
    -(lp - lm) / (2.0 * h)
}
