//! The OpenSim 4 layout: joints in a `JointSet` that name their parent and child frames through
//! sockets (`socket_parent_frame`, `socket_child_frame`), `PhysicalOffsetFrame`s placed on bodies
//! (or on other offset frames), and path points and contact geometry attached to frames. Every
//! frame is resolved to a body and a fixed pose in that body.

use std::collections::HashMap;

use rapier3d::glamx::DVec3;
use roxmltree::Node;

use super::error::FormatError;
use super::model::Vec3;
use super::read::{child, element_children, last_component, Names, Placement, Reader};
use crate::sim::kinematics::{xyz_angles, Frame};

/// The deepest chain of offset frames followed (longer ones are taken for a loop).
const MAX_FRAME_DEPTH: usize = 32;

/// A point given in a frame posed at `pose` in its body, in the body.
pub(super) fn point_in(pose: &Frame, p: Vec3) -> Vec3 {
    pose.point(DVec3::from_array(p)).to_array()
}

/// An orientation (body-fixed X-Y-Z angles) given in a frame posed at `pose`, in the body.
pub(super) fn orient_in(pose: &Frame, angles: Vec3) -> Vec3 {
    xyz_angles(pose.rot * Frame::from_xyz(angles, [0.0; 3]).rot)
}

/// A pose as (body-fixed X-Y-Z angles, origin).
fn angles_and_origin(pose: &Frame) -> (Vec3, Vec3) {
    (xyz_angles(pose.rot), pose.pos.to_array())
}

impl<'a, 'i> Reader<'_, '_> {
    /// Every `PhysicalOffsetFrame` in the model by name (the first of a name wins; a joint's own
    /// frames are looked up in the joint first).
    pub(super) fn offset_frames(&self, model: Node<'a, 'i>) -> HashMap<String, Node<'a, 'i>> {
        let mut frames = HashMap::new();
        for n in model
            .descendants()
            .filter(|n| n.has_tag_name("PhysicalOffsetFrame"))
        {
            if let Some(name) = n.attribute("name") {
                frames.entry(name.to_string()).or_insert(n);
            }
        }
        frames
    }

    /// An OpenSim 4 joint's frames: the parent and child frames its sockets name.
    pub(super) fn placement4(&self, joint: Node, names: &Names) -> Result<Placement, FormatError> {
        let parent_socket = self.req(joint, "socket_parent_frame")?;
        let child_socket = self.req(joint, "socket_child_frame")?;
        let (parent, in_parent) = self.frame(
            parent_socket,
            self.text(parent_socket),
            Some(joint),
            names,
            0,
        )?;
        let (_, in_child) =
            self.frame(child_socket, self.text(child_socket), Some(joint), names, 0)?;
        Ok(Placement {
            parent,
            in_parent: angles_and_origin(&in_parent),
            in_child: angles_and_origin(&in_child),
        })
    }

    /// The body and pose of whatever `node` is attached to: `<body>` or `<body_name>` (OpenSim
    /// 3), `<socket_parent_frame>` or `<socket_frame>` (OpenSim 4).
    pub(super) fn attachment(
        &self,
        node: Node,
        names: &Names,
    ) -> Result<(usize, Frame), FormatError> {
        let socket = ["body", "socket_parent_frame", "body_name", "socket_frame"]
            .iter()
            .find_map(|t| child(node, t))
            .ok_or_else(|| self.err(node, "missing <body> (or <socket_parent_frame>)"))?;
        self.frame(socket, self.text(socket), None, names, 0)
    }

    /// Resolves a frame path (`/bodyset/femur_r`, `femur_r_offset`, `/ground`) to a body and the
    /// frame's pose in it. `joint` is the joint whose `<frames>` are searched first.
    pub(super) fn frame(
        &self,
        at: Node,
        path: &str,
        joint: Option<Node>,
        names: &Names,
        depth: usize,
    ) -> Result<(usize, Frame), FormatError> {
        if depth > MAX_FRAME_DEPTH {
            return Err(self.err(at, "offset frames refer to each other in a loop"));
        }
        let name = last_component(path);
        let local = joint
            .and_then(|j| child(j, "frames"))
            .and_then(|f| element_children(f).find(|n| n.attribute("name") == Some(name)));
        if let Some(frame) = local {
            return self.offset_frame(frame, names, depth);
        }
        if name == names.ground || name == "ground" {
            return Ok((0, Frame::IDENTITY));
        }
        if let Some(&b) = names.bodies.get(name) {
            return Ok((b, Frame::IDENTITY));
        }
        if let Some(frame) = names.frames.get(name) {
            return self.offset_frame(*frame, names, depth);
        }
        Err(self.err(
            at,
            format!("names a missing body or frame \"{}\"", path.trim()),
        ))
    }

    /// A `PhysicalOffsetFrame`: its parent's pose composed with its own translation and
    /// orientation. A parent of `..` is the body the frame is declared in.
    fn offset_frame(
        &self,
        frame: Node,
        names: &Names,
        depth: usize,
    ) -> Result<(usize, Frame), FormatError> {
        let socket = self.req(frame, "socket_parent")?;
        let target = self.text(socket).trim();
        let own = Frame::from_xyz(
            self.opt_vec3(frame, "orientation", [0.0; 3])?,
            self.opt_vec3(frame, "translation", [0.0; 3])?,
        );
        let (body, parent) = if target == ".." || target.is_empty() {
            let owner = frame
                .ancestors()
                .skip(1)
                .find(|a| a.has_tag_name("Body") || a.has_tag_name("Ground"))
                .ok_or_else(|| self.err(socket, "\"..\" outside a body"))?;
            let name = owner.attribute("name").unwrap_or("ground");
            self.frame(socket, name, None, names, depth + 1)?
        } else {
            let joint = frame
                .ancestors()
                .skip(1)
                .find(|a| child(*a, "frames").is_some());
            self.frame(socket, target, joint, names, depth + 1)?
        };
        Ok((body, parent.mul(&own)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xyz_angles_invert_from_xyz() {
        for a in [[0.3, -0.7, 1.1], [0.0, 0.0, 0.0], [-2.0, 1.2, 3.0]] {
            let back = xyz_angles(Frame::from_xyz(a, [0.0; 3]).rot);
            let again = Frame::from_xyz(back, [0.0; 3]).rot;
            let want = Frame::from_xyz(a, [0.0; 3]).rot;
            assert!((again - want)
                .abs()
                .to_cols_array()
                .iter()
                .all(|d| *d < 1e-12));
        }
    }
}
