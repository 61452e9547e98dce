//! Conversions between the model's `f64` vectors and frames and rapier's `f32` vectors and poses.

use rapier3d::glamx::{DMat3, DQuat, DVec3, Quat, Vec3};
use rapier3d::prelude::Pose;

use crate::sim::kinematics::Frame;

/// A model vector as a rapier vector.
pub(super) fn to_f32(v: DVec3) -> Vec3 {
    Vec3::new(v.x as f32, v.y as f32, v.z as f32)
}

/// A rapier vector as a model vector.
pub(super) fn to_f64(v: Vec3) -> DVec3 {
    DVec3::new(v.x as f64, v.y as f64, v.z as f64)
}

/// A model frame as a rapier pose.
pub(super) fn pose_of(frame: &Frame) -> Pose {
    let q = DQuat::from_mat3(&frame.rot).normalize();
    Pose::from_parts(
        to_f32(frame.pos),
        Quat::from_xyzw(q.x as f32, q.y as f32, q.z as f32, q.w as f32),
    )
}

/// A rapier pose as a model frame.
pub(super) fn frame_of(pose: &Pose) -> Frame {
    let r = pose.rotation;
    let q = DQuat::from_xyzw(r.x as f64, r.y as f64, r.z as f64, r.w as f64).normalize();
    Frame {
        rot: DMat3::from_quat(q),
        pos: to_f64(pose.translation),
    }
}

/// An OpenSim inertia `[Ixx, Iyy, Izz, Ixy, Ixz, Iyz]` as a symmetric matrix.
pub(super) fn inertia_matrix(i: [f64; 6]) -> DMat3 {
    DMat3::from_cols(
        DVec3::new(i[0], i[3], i[4]),
        DVec3::new(i[3], i[1], i[5]),
        DVec3::new(i[4], i[5], i[2]),
    )
}
