//! Muscle paths: which points are active, where they are in the world, how the path wraps over
//! the surfaces it names (`wrap.rs`, after OpenSim's `GeometryPath`), the muscle-tendon length
//! and moment arms (as OpenSim's `MomentArmSolver`: the generalised force of a unit tension for
//! a unit speed of the coordinate, coupled coordinates following).

use rapier3d::glamx::{DMat3, DVec3};

use super::kinematics::{body_frames, xyz_angles, Frame};
use super::wrap::{
    wrapped_path, PathNodeKind, PathPointAt, PlacedWrap, Quadrant, WrapMethod, WrappedPath,
};
use crate::osim::model::{JointKind, Model, Muscle, PathPoint, PathPointKind};

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

/// The path's length (m) and the polyline to draw (ground), over its wrapping surfaces.
pub fn path_geometry(
    model: &Model,
    muscle: &Muscle,
    active: &[usize],
    q: &[f64],
    frames: &[Frame],
) -> (f64, Vec<DVec3>) {
    let points = world_points(muscle, active, q, frames);
    if muscle.wraps.is_empty() {
        return (polyline_length(&points), points);
    }
    let path = wrap(model, muscle, active, &points, frames);
    let polyline = path
        .polyline
        .iter()
        .map(|p| DVec3::from_array(*p))
        .collect();
    (path.length, polyline)
}

/// The path through the active points' ground positions `points`, over its wrap surfaces.
fn wrap(
    model: &Model,
    muscle: &Muscle,
    active: &[usize],
    points: &[DVec3],
    frames: &[Frame],
) -> WrappedPath {
    let at: Vec<PathPointAt> = active
        .iter()
        .zip(points)
        .map(|(&index, p)| PathPointAt {
            index,
            position: p.to_array(),
        })
        .collect();
    let wraps: Vec<PlacedWrap> = muscle
        .wraps
        .iter()
        .map(|w| placed_wrap(model, w, frames))
        .collect();
    wrapped_path(&at, muscle.path.len(), &wraps)
}

/// A muscle's wrap over a surface, placed in ground for the current body frames.
fn placed_wrap(model: &Model, w: &crate::osim::model::PathWrap, frames: &[Frame]) -> PlacedWrap {
    let object = &model.wrap_objects[w.object];
    let frame = frames[object.body].mul(&Frame::from_xyz(object.rotation, object.translation));
    let method = match w.method.as_str() {
        "midpoint" => WrapMethod::Midpoint,
        "axial" => WrapMethod::Axial,
        _ => WrapMethod::Hybrid,
    };
    PlacedWrap {
        shape: object.shape,
        quadrant: Quadrant::parse(&object.quadrant).unwrap_or(Quadrant {
            axis: None,
            positive: true,
        }),
        method,
        range: w.range,
        rotation: [
            frame.rot.x_axis.to_array(),
            frame.rot.y_axis.to_array(),
            frame.rot.z_axis.to_array(),
        ],
        translation: frame.pos.to_array(),
        active: object.active,
    }
}

/// Length of the path through the given active points at `q` (wrapping included).
fn length_with(model: &Model, muscle: &Muscle, active: &[usize], q: &[f64]) -> f64 {
    path_geometry(model, muscle, active, q, &body_frames(model, q)).0
}

/// Muscle-tendon length (m) of `muscle` at coordinates `q`.
pub fn muscle_length(model: &Model, muscle: &Muscle, q: &[f64]) -> f64 {
    length_with(model, muscle, &active_points(muscle, q), q)
}

/// Moment arm (m) of `muscle` about `coordinate` at `q`, as OpenSim's `MomentArmSolver` gives
/// it: the generalised force of a unit tension, with coupled coordinates following (its
/// "coupling" vector). Without wrapping that is `-dL/dq` with the set of active points fixed at
/// `q`, taken by a central difference. With wrapping OpenSim applies the unit tension at the
/// path's points and tangent points as if fixed to their bodies (the wrap surface's body for
/// tangent points) and skips segments between points on one body; see [`wrapped_moment_arm`].
pub fn moment_arm(model: &Model, muscle: &Muscle, coordinate: usize, q: &[f64]) -> f64 {
    let active = active_points(muscle, q);
    let (qp, qm, h) = perturbed(model, coordinate, q);
    if !muscle.wraps.is_empty() {
        return wrapped_moment_arm(model, muscle, &active, q, (&qp, &qm, h));
    }
    let lp = length_with(model, muscle, &active, &qp);
    let lm = length_with(model, muscle, &active, &qm);
    -(lp - lm) / (2.0 * h)
}

/// `q` moved by `+-h` along `coordinate`'s speed, coupled coordinates following it.
///
/// For most joints Simbody's speed is the coordinate's rate. A `BallJoint`'s or `FreeJoint`'s
/// rotational speeds are the angular velocity about the parent frame's axes instead, so for
/// those the child turns about the parent's axis and the three angles are read back.
fn perturbed(model: &Model, coordinate: usize, q: &[f64]) -> (Vec<f64>, Vec<f64>, f64) {
    let h = 1e-6;
    let mut qp = q.to_vec();
    let mut qm = q.to_vec();
    let joint = &model.joints[model.coordinates[coordinate].joint];
    let spun = match (&joint.kind, joint.type_name.as_str()) {
        (JointKind::Custom(st), "BallJoint" | "FreeJoint") => {
            let slots: Vec<Option<usize>> = st.rotations.iter().map(|a| a.coordinate).collect();
            slots
                .iter()
                .position(|c| *c == Some(coordinate))
                .map(|k| (st, slots, k))
        }
        _ => None,
    };
    if let Some((st, slots, k)) = spun {
        let rotation = st.rotations.iter().fold(DMat3::IDENTITY, |m, a| {
            m * DMat3::from_axis_angle(
                DVec3::from_array(a.axis),
                a.coordinate.map_or(0.0, |c| q[c]),
            )
        });
        let axis = DVec3::from_array(st.rotations[k].axis);
        for (out, sign) in [(&mut qp, 1.0), (&mut qm, -1.0)] {
            let angles = xyz_angles(DMat3::from_axis_angle(axis, sign * h) * rotation);
            for (slot, angle) in slots.iter().zip(angles) {
                if let Some(c) = slot {
                    out[*c] = angle;
                }
            }
        }
    } else {
        qp[coordinate] += h;
        qm[coordinate] -= h;
    }
    // Coupled coordinates follow the one that moves, as OpenSim's assembly moves them.
    if !super::kinematics::is_dependent(model, coordinate) {
        super::kinematics::enforce_couplers(model, &mut qp);
        super::kinematics::enforce_couplers(model, &mut qm);
    }
    (qp, qm, h)
}

/// OpenSim's moment arm of a wrapped path (`GeometryPath::getPointForceDirections` and
/// `MomentArmSolver::solve`): each vertex of the current path (active points, then two tangent
/// points per wrap in effect) is pulled by a unit tension towards its neighbours on *other*
/// bodies, and the moment arm is the sum of those pulls dotted with each vertex's velocity as a
/// point fixed in its body (plus a moving point's own motion) for a unit speed of the
/// coordinate. This differs from `-dL/dq` by millimetres where the tangent points slide.
fn wrapped_moment_arm(
    model: &Model,
    muscle: &Muscle,
    active: &[usize],
    q: &[f64],
    (qp, qm, h): (&[f64], &[f64], f64),
) -> f64 {
    let frames = body_frames(model, q);
    let points = world_points(muscle, active, q, &frames);
    let path = wrap(model, muscle, active, &points, &frames);
    let body_of = |kind: &PathNodeKind| match *kind {
        PathNodeKind::Point { slot } => muscle.path[active[slot]].body,
        PathNodeKind::WrapStart { wrap } | PathNodeKind::WrapEnd { wrap, .. } => {
            model.wrap_objects[muscle.wraps[wrap].object].body
        }
    };
    let nodes: Vec<(usize, DVec3)> = path
        .nodes
        .iter()
        .map(|n| (body_of(&n.kind), DVec3::from_array(n.position)))
        .collect();
    let mut pull = vec![DVec3::ZERO; nodes.len()];
    for i in 0..nodes.len().saturating_sub(1) {
        let ((b0, p0), (b1, p1)) = (nodes[i], nodes[i + 1]);
        if b0 != b1 {
            let d = (p1 - p0).normalize_or_zero();
            pull[i] += d;
            pull[i + 1] -= d;
        }
    }
    let (fp, fm) = (body_frames(model, qp), body_frames(model, qm));
    let qdot: Vec<f64> = qp
        .iter()
        .zip(qm)
        .map(|(a, b)| (a - b) / (2.0 * h))
        .collect();
    let mut arm = 0.0;
    // The stations are the vertices' latest positions (`getLocation`); the pulls above use
    // the ground positions OpenSim reports, which for a path over several surfaces may be an
    // earlier pass's (see `PathNode::position`).
    for (node, ((body, _), f)) in path.nodes.iter().zip(nodes.iter().zip(&pull)) {
        let local = frames[*body]
            .inverse()
            .point(DVec3::from_array(node.current));
        let mut v = (fp[*body].point(local) - fm[*body].point(local)) / (2.0 * h);
        if let PathNodeKind::Point { slot } = node.kind {
            v += frames[*body].rot * local_velocity(&muscle.path[active[slot]], q, &qdot);
        }
        arm += f.dot(v);
    }
    arm
}
