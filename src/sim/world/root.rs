//! The root (pelvis) joint: its constraint to the ground when some of its coordinates are locked,
//! the check of its rotation axes, and its six coordinates and speeds to and from the root body's
//! pose and velocity.

use rapier3d::glamx::{DMat3, DVec3};
use rapier3d::prelude::*;

use super::convert::{frame_of, pose_of, to_f32, to_f64};
use super::SimError;
use crate::osim::model::{Joint, Model};
use crate::sim::build::{root_transform, Plan, RootJoint};
use crate::sim::kinematics::Frame;

/// The rapier joint from the ground body (placed at `ground` in the world) to the root body for a
/// constrained root (`None` for a free root): its free axes are the root's unlocked translations
/// and rotation.
pub(super) fn constrained_root_joint(root: &RootJoint, ground: &Frame) -> Option<GenericJoint> {
    let RootJoint::Constrained {
        frame_in_parent,
        frame_in_child,
        translations,
        rotation,
    } = root
    else {
        return None;
    };
    let lin = [
        JointAxesMask::LIN_X,
        JointAxesMask::LIN_Y,
        JointAxesMask::LIN_Z,
    ];
    let ang = [
        JointAxesMask::ANG_X,
        JointAxesMask::ANG_Y,
        JointAxesMask::ANG_Z,
    ];
    let mut locked = JointAxesMask::all();
    for k in 0..3 {
        if translations[k].is_some() {
            locked.remove(lin[k]);
        }
    }
    if let Some((k, _)) = rotation {
        locked.remove(ang[*k]);
    }
    Some(
        GenericJointBuilder::new(locked)
            .local_frame1(pose_of(&ground.inverse().mul(frame_in_parent)))
            .local_frame2(pose_of(frame_in_child))
            .build(),
    )
}

/// Checks that the root joint's rotation axes form an orthonormal triple (needed to
/// read its coordinates back from a rotation).
pub(super) fn check_root_axes(model: &Model, plan: &Plan) -> Result<(), SimError> {
    let j = &model.joints[model.joint_of_body(plan.root_body).expect("root joint")];
    {
        let st = root_transform(j);
        let b = DMat3::from_cols(
            DVec3::from_array(st.rotations[0].axis),
            DVec3::from_array(st.rotations[1].axis),
            DVec3::from_array(st.rotations[2].axis),
        );
        // Either handedness: a left-handed triple (Z, Y, X, as leg6dof9musc's pelvis) is read
        // back with its third axis reversed.
        if (b.transpose() * b - DMat3::IDENTITY).abs_diff_eq(DMat3::ZERO, 1e-9) {
            return Ok(());
        }
    }
    Err(SimError::Input(format!(
        "root joint {}: rotation axes must be orthonormal",
        j.name
    )))
}

/// The root joint's three rotation axes and three translation axes.
fn root_axes(joint: &Joint) -> ([DVec3; 3], [DVec3; 3]) {
    let st = root_transform(joint);
    (
        st.rotations.clone().map(|a| DVec3::from_array(a.axis)),
        st.translations.clone().map(|a| DVec3::from_array(a.axis)),
    )
}

/// The root joint's six coordinates and speeds from the root body's pose and velocity.
pub(super) fn root_coordinates(joint: &Joint, rb: &RigidBody) -> ([f64; 6], [f64; 6]) {
    let (ra, ta) = root_axes(joint);
    let in_parent = Frame::from_xyz(joint.orientation_in_parent, joint.location_in_parent);
    let in_child = Frame::from_xyz(joint.orientation, joint.location);
    let body = frame_of(rb.position());
    let x_fm = in_parent.inverse().mul(&body).mul(&in_child);
    // In the basis of the three axes, the rotation is body-fixed X-Y-Z. A left-handed triple
    // turns about its third axis reversed by the opposite angle: read it in the right-handed
    // basis and flip that angle back.
    let flip = DMat3::from_cols(ra[0], ra[1], ra[2]).determinant() < 0.0;
    let third = if flip { -ra[2] } else { ra[2] };
    let basis = DMat3::from_cols(ra[0], ra[1], third);
    let r = basis.transpose() * x_fm.rot * basis;
    let q2 = r.col(2).x.clamp(-1.0, 1.0).asin();
    let q1 = (-r.col(2).y).atan2(r.col(2).z);
    let q3 = (-r.col(1).x).atan2(r.col(0).x) * if flip { -1.0 } else { 1.0 };
    let mut q = [q1, q2, q3, 0.0, 0.0, 0.0];
    for k in 0..3 {
        q[3 + k] = ta[k].dot(x_fm.pos);
    }
    // Speeds: the joint origin's velocity and the angular velocity in the parent joint frame.
    let origin_world = body.point(-in_child.inverse().pos);
    let omega = in_parent.rot.transpose() * to_f64(rb.angvel());
    let v = in_parent.rot.transpose() * to_f64(rb.velocity_at_point(to_f32(origin_world)));
    let r1 = DMat3::from_axis_angle(ra[0], q1);
    let r2 = DMat3::from_axis_angle(ra[1], q2);
    let jac = DMat3::from_cols(ra[0], r1 * ra[1], r1 * r2 * ra[2]);
    let rates = if jac.determinant().abs() > 1e-9 {
        jac.inverse() * omega
    } else {
        DVec3::ZERO
    };
    let mut qd = [rates.x, rates.y, rates.z, 0.0, 0.0, 0.0];
    for k in 0..3 {
        qd[3 + k] = ta[k].dot(v);
    }
    (q, qd)
}

/// Angular velocity and origin velocity (ground frame) of the root body for coordinate speeds.
pub(super) fn root_velocity(joint: &Joint, q: &[f64], qdot: &[f64]) -> (DVec3, DVec3) {
    let st = root_transform(joint);
    let (ra, ta) = root_axes(joint);
    // Axes without a coordinate (a planar or welded root's) hold their constant and never move.
    let angle = |k: usize| {
        let a = &st.rotations[k];
        a.function.value(a.coordinate.map_or(0.0, |c| q[c]))
    };
    let rate = |a: &crate::osim::model::TransformAxis| a.coordinate.map_or(0.0, |c| qdot[c]);
    let r1 = DMat3::from_axis_angle(ra[0], angle(0));
    let r2 = DMat3::from_axis_angle(ra[1], angle(1));
    let in_parent = Frame::from_xyz(joint.orientation_in_parent, joint.location_in_parent);
    let omega = ra[0] * rate(&st.rotations[0])
        + r1 * ra[1] * rate(&st.rotations[1])
        + r1 * r2 * ra[2] * rate(&st.rotations[2]);
    let v = ta[0] * rate(&st.translations[0])
        + ta[1] * rate(&st.translations[1])
        + ta[2] * rate(&st.translations[2]);
    (in_parent.rot * omega, in_parent.rot * v)
}
