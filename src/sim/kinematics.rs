//! Exact OpenSim kinematics in `f64`, independent of the physics engine: body frames from
//! coordinate values, through every joint's `SpatialTransform` (the knee's coupled translations
//! included). Used by `analyze`, by the observation's reference ghost and to check the rapier
//! multibody against OpenSim.

use rapier3d::glamx::{DMat3, DVec3};

use crate::osim::model::{Joint, JointKind, Model, Vec3};

/// A rigid transform: a point `p` in the local frame is `rot * p + pos` in the outer frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame {
    /// Rotation (columns are the local axes in the outer frame).
    pub rot: DMat3,
    /// Origin of the local frame in the outer frame.
    pub pos: DVec3,
}

impl Frame {
    /// The identity transform.
    pub const IDENTITY: Frame = Frame {
        rot: DMat3::IDENTITY,
        pos: DVec3::ZERO,
    };

    /// A frame placed at `pos` with body-fixed X-Y-Z angles `angles`.
    pub fn from_xyz(angles: Vec3, pos: Vec3) -> Frame {
        Frame {
            rot: euler_xyz_body_fixed(angles),
            pos: DVec3::from_array(pos),
        }
    }

    /// Composition: `self * other` maps `other`'s local frame into `self`'s outer frame.
    pub fn mul(&self, other: &Frame) -> Frame {
        Frame {
            rot: self.rot * other.rot,
            pos: self.rot * other.pos + self.pos,
        }
    }

    /// The inverse transform.
    pub fn inverse(&self) -> Frame {
        let rt = self.rot.transpose();
        Frame {
            rot: rt,
            pos: -(rt * self.pos),
        }
    }

    /// Maps a local point into the outer frame.
    pub fn point(&self, p: DVec3) -> DVec3 {
        self.rot * p + self.pos
    }
}

/// Rotation matrix of body-fixed X, then Y, then Z rotations (OpenSim's `orientation` fields).
pub fn euler_xyz_body_fixed(a: Vec3) -> DMat3 {
    DMat3::from_rotation_x(a[0]) * DMat3::from_rotation_y(a[1]) * DMat3::from_rotation_z(a[2])
}

/// Body-fixed X-Y-Z angles of a rotation `Rx(a) Ry(b) Rz(c)`.
pub fn xyz_angles(m: DMat3) -> Vec3 {
    let sb = m.z_axis.x.clamp(-1.0, 1.0);
    let b = sb.asin();
    if sb.abs() > 1.0 - 1e-12 {
        // Gimbal lock: put the whole X-Z rotation into the first angle.
        let a = m.y_axis.z.atan2(m.y_axis.y);
        return [a, b, 0.0];
    }
    let a = (-m.z_axis.y).atan2(m.z_axis.z);
    let c = (-m.y_axis.x).atan2(m.x_axis.x);
    [a, b, c]
}

/// The transform of a joint's moving frame in its fixed frame, for coordinate values `q`.
pub fn mobilizer_transform(joint: &Joint, q: &[f64]) -> Frame {
    match &joint.kind {
        JointKind::Weld => Frame::IDENTITY,
        JointKind::Custom(st) => {
            let amount = |axis: &crate::osim::model::TransformAxis| {
                let x = axis.coordinate.map_or(0.0, |c| q[c]);
                axis.function.value(x)
            };
            let mut rot = DMat3::IDENTITY;
            for axis in &st.rotations {
                let angle = amount(axis);
                if angle != 0.0 {
                    rot *= DMat3::from_axis_angle(DVec3::from_array(axis.axis), angle);
                }
            }
            let mut pos = DVec3::ZERO;
            for axis in &st.translations {
                pos += DVec3::from_array(axis.axis) * amount(axis);
            }
            Frame { rot, pos }
        }
    }
}

/// The child body's frame expressed in the parent body's frame.
pub fn joint_transform(joint: &Joint, q: &[f64]) -> Frame {
    let in_parent = Frame::from_xyz(joint.orientation_in_parent, joint.location_in_parent);
    let in_child = Frame::from_xyz(joint.orientation, joint.location);
    in_parent
        .mul(&mobilizer_transform(joint, q))
        .mul(&in_child.inverse())
}

/// Ground-frame transforms of all bodies (index as [`Model::bodies`]; ground is the identity).
pub fn body_frames(model: &Model, q: &[f64]) -> Vec<Frame> {
    let mut frames = vec![Frame::IDENTITY; model.bodies.len()];
    for joint in &model.joints {
        frames[joint.child] = frames[joint.parent].mul(&joint_transform(joint, q));
    }
    frames
}

/// Whole-model centre of mass in ground (m).
pub fn center_of_mass(model: &Model, frames: &[Frame]) -> DVec3 {
    let mut sum = DVec3::ZERO;
    let mut mass = 0.0;
    for (body, frame) in model.bodies.iter().zip(frames) {
        sum += frame.point(DVec3::from_array(body.mass_center)) * body.mass;
        mass += body.mass;
    }
    if mass > 0.0 {
        sum / mass
    } else {
        DVec3::ZERO
    }
}

/// Sets every coordinate a `CoordinateCouplerConstraint` drives from the coordinate it follows
/// (`dependent = scale * f(independent)`), in the file's order, as OpenSim's assembly does.
pub fn enforce_couplers(model: &Model, q: &mut [f64]) {
    for c in &model.couplers {
        q[c.dependent] = c.scale * c.function.value(q[c.independent]);
    }
}

/// Whether a coordinate is driven by a coupler constraint (its value is not free).
pub fn is_dependent(model: &Model, coordinate: usize) -> bool {
    model.couplers.iter().any(|c| c.dependent == coordinate)
}

/// Coordinates as OpenSim's tools set them from a motion row: the row's value when the motion has
/// the column and the coordinate is not locked, the default when locked, and 0 when the column is
/// absent (OpenSim's `AnalyzeTool` behaviour); coupled coordinates then follow their
/// constraints.
pub fn coordinates_from_row(
    model: &Model,
    columns: &[Option<usize>],
    row: &[f64],
    in_degrees: bool,
) -> Vec<f64> {
    let mut q: Vec<f64> = model
        .coordinates
        .iter()
        .zip(columns)
        .map(|(c, col)| {
            if c.locked {
                return c.default_value;
            }
            match col {
                Some(k) => {
                    let v = row[*k];
                    if in_degrees && c.motion_type == crate::osim::model::MotionType::Rotational {
                        v.to_radians()
                    } else {
                        v
                    }
                }
                None => 0.0,
            }
        })
        .collect();
    enforce_couplers(model, &mut q);
    q
}
