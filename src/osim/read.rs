//! The `.osim` reader's core: the document walk both layouts share, bodies, coordinates,
//! functions, muscles and their paths, and the other forces. `read4.rs` resolves the OpenSim 4
//! layout's frames and sockets; `read_wrap.rs` reads wrapping surfaces and constraints.

use std::collections::HashMap;
use std::path::Path;

use roxmltree::{Document, Node};

use super::error::FormatError;
use super::function::{CubicSpline, Function};
use super::model::*;
use super::read4::{orient_in, point_in};
use crate::sim::kinematics::Frame;

/// Parsing state: the file (for messages) and the document.
/// Parsing state: the file (for messages) and the document.
pub(super) struct Reader<'a, 'input> {
    pub(super) path: &'a Path,
    pub(super) doc: &'a Document<'input>,
}

pub(super) fn element_children<'a, 'i>(node: Node<'a, 'i>) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children().filter(|n| n.is_element())
}

pub(super) fn child<'a, 'i>(node: Node<'a, 'i>, tag: &str) -> Option<Node<'a, 'i>> {
    element_children(node).find(|n| n.tag_name().name() == tag)
}

/// `<X><objects>...</objects></X>` or the items directly under `<X>`.
pub(super) fn set_items<'a, 'i>(set: Node<'a, 'i>) -> Vec<Node<'a, 'i>> {
    match child(set, "objects") {
        Some(objects) => element_children(objects).collect(),
        None => element_children(set)
            .filter(|n| n.tag_name().name() != "groups")
            .collect(),
    }
}

fn describe(node: Node) -> String {
    let mut parts = Vec::new();
    let mut cur = Some(node);
    while let Some(n) = cur {
        if !n.is_element() {
            break;
        }
        let tag = n.tag_name().name();
        match n.attribute("name") {
            Some(name) => parts.push(format!("{tag} \"{name}\"")),
            None => parts.push(tag.to_string()),
        }
        if n.attribute("name").is_some() && parts.len() > 1 {
            break;
        }
        if matches!(tag, "Model" | "OpenSimDocument") {
            break;
        }
        cur = n.parent();
    }
    parts.reverse();
    parts.join(" > ")
}

impl Reader<'_, '_> {
    pub(super) fn err(&self, node: Node, message: impl Into<String>) -> FormatError {
        let line = self.doc.text_pos_at(node.range().start).row;
        FormatError::new(self.path, describe(node), Some(line), message)
    }

    pub(super) fn req<'a, 'i>(
        &self,
        node: Node<'a, 'i>,
        tag: &str,
    ) -> Result<Node<'a, 'i>, FormatError> {
        child(node, tag).ok_or_else(|| self.err(node, format!("missing <{tag}>")))
    }

    pub(super) fn name(&self, node: Node) -> Result<String, FormatError> {
        match node.attribute("name") {
            Some(n) if !n.trim().is_empty() => Ok(n.trim().to_string()),
            _ => Err(self.err(node, "missing the name attribute")),
        }
    }

    pub(super) fn text<'a>(&self, node: Node<'a, '_>) -> &'a str {
        node.text().unwrap_or("").trim()
    }

    pub(super) fn numbers(&self, node: Node) -> Result<Vec<f64>, FormatError> {
        self.text(node)
            .split_whitespace()
            .map(|t| match t.parse::<f64>() {
                Ok(v) if v.abs() <= super::MAX_MAGNITUDE => Ok(v),
                Ok(_) => Err(self.err(
                    node,
                    format!(
                        "value \"{t}\" is not finite or beyond +-{:e}",
                        super::MAX_MAGNITUDE
                    ),
                )),
                Err(_) => Err(self.err(node, format!("\"{t}\" is not a number"))),
            })
            .collect()
    }

    pub(super) fn scalar(&self, node: Node) -> Result<f64, FormatError> {
        let v = self.numbers(node)?;
        if v.len() != 1 {
            return Err(self.err(node, format!("expected one number, found {}", v.len())));
        }
        Ok(v[0])
    }

    pub(super) fn vec3(&self, node: Node) -> Result<Vec3, FormatError> {
        let v = self.numbers(node)?;
        if v.len() != 3 {
            return Err(self.err(node, format!("expected 3 numbers, found {}", v.len())));
        }
        Ok([v[0], v[1], v[2]])
    }

    pub(super) fn req_scalar(&self, node: Node, tag: &str) -> Result<f64, FormatError> {
        self.scalar(self.req(node, tag)?)
    }

    pub(super) fn opt_scalar(
        &self,
        node: Node,
        tag: &str,
        default: f64,
    ) -> Result<f64, FormatError> {
        child(node, tag).map_or(Ok(default), |n| self.scalar(n))
    }

    pub(super) fn opt_vec3(
        &self,
        node: Node,
        tag: &str,
        default: Vec3,
    ) -> Result<Vec3, FormatError> {
        child(node, tag).map_or(Ok(default), |n| self.vec3(n))
    }

    pub(super) fn opt_bool(&self, node: Node, tag: &str) -> Result<bool, FormatError> {
        match child(node, tag) {
            None => Ok(false),
            Some(n) => match self.text(n).to_ascii_lowercase().as_str() {
                "true" | "1" => Ok(true),
                "false" | "0" | "" => Ok(false),
                other => Err(self.err(n, format!("\"{other}\" is not true or false"))),
            },
        }
    }

    pub(super) fn positive(&self, node: Node, tag: &str, v: f64) -> Result<f64, FormatError> {
        if v > 0.0 {
            Ok(v)
        } else {
            let at = child(node, tag).unwrap_or(node);
            Err(self.err(at, format!("{tag} must be positive, got {v}")))
        }
    }

    pub(super) fn model(&self) -> Result<Model, FormatError> {
        let root = self.doc.root_element();
        let version = root
            .attribute("Version")
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        let model = if root.tag_name().name() == "Model" {
            root
        } else {
            child(root, "Model").ok_or_else(|| self.err(root, "no <Model> element"))?
        };
        let name = model.attribute("name").unwrap_or("model").to_string();
        let gravity = self.opt_vec3(model, "gravity", [0.0, -9.80665, 0.0])?;
        let bodyset = self.req(model, "BodySet")?;
        let nested = set_items(bodyset)
            .iter()
            .any(|b| child(*b, "Joint").is_some());
        let layout4 = child(model, "JointSet").is_some() && !nested;

        // Bodies: ground first, then the others in file order.
        let (bodies, body_nodes) = self.bodies(model, bodyset, layout4)?;
        let body_index: HashMap<String, usize> = bodies
            .iter()
            .enumerate()
            .map(|(i, b)| (b.name.clone(), i))
            .collect();
        let frames = self.offset_frames(model);
        let mut names = Names {
            bodies: &body_index,
            coordinates: HashMap::new(),
            frames: &frames,
            ground: body_nodes[0].attribute("name").unwrap_or("ground"),
        };

        // Joints (each with its child body) and their coordinates.
        let raw_joints: Vec<(usize, Node)> = if layout4 {
            let jointset = self.req(model, "JointSet")?;
            let mut raw = Vec::new();
            for j in set_items(jointset) {
                let socket = self.req(j, "socket_child_frame")?;
                let (child_body, _) = self.frame(socket, self.text(socket), Some(j), &names, 0)?;
                raw.push((child_body, j));
            }
            raw
        } else {
            let mut raw = Vec::new();
            for (child_index, b) in body_nodes.iter().enumerate().skip(1) {
                let jnode = self.req(*b, "Joint")?;
                let Some(kind_node) = element_children(jnode).next() else {
                    return Err(self.err(jnode, "the body has no joint to a parent"));
                };
                raw.push((child_index, kind_node));
            }
            raw
        };
        let mut coordinates = Vec::new();
        let mut coordinate_nodes = Vec::new();
        for (j, (_, kind_node)) in raw_joints.iter().enumerate() {
            let set =
                child(*kind_node, "CoordinateSet").or_else(|| child(*kind_node, "coordinates"));
            for c in set.map(set_items).unwrap_or_default() {
                if c.tag_name().name() != "Coordinate" {
                    continue;
                }
                coordinate_nodes.push(c);
                coordinates.push(self.coordinate(c, j)?);
            }
        }
        for (i, c) in coordinates.iter().enumerate() {
            if names.coordinates.insert(c.name.clone(), i).is_some() {
                return Err(self.err(
                    coordinate_nodes[i],
                    format!("duplicate coordinate name \"{}\"", c.name),
                ));
            }
        }
        let mut joints = Vec::new();
        let mut seen_child = std::collections::HashSet::new();
        for (j, (child_index, node)) in raw_joints.iter().enumerate() {
            if !seen_child.insert(*child_index) {
                return Err(self.err(
                    *node,
                    format!(
                        "body \"{}\" is the child of two joints (closed loops are not supported)",
                        bodies[*child_index].name
                    ),
                ));
            }
            let owned: Vec<usize> = coordinates
                .iter()
                .enumerate()
                .filter(|(_, c)| c.joint == j)
                .map(|(i, _)| i)
                .collect();
            let placement = if layout4 {
                self.placement4(*node, &names)?
            } else {
                self.placement3(*node, &body_index)?
            };
            joints.push(self.joint(*node, *child_index, placement, &names, owned)?);
        }
        // OpenSim 4 files leave a coordinate's motion type to its joint: an angle where it turns
        // the child (the knee, which also translates it, included), a distance where it only
        // translates it.
        for (i, c) in coordinates.iter_mut().enumerate() {
            if child(coordinate_nodes[i], "motion_type").is_none() {
                c.motion_type = derived_motion_type(&joints[c.joint], i);
            }
        }
        let order = self.topological_order(&joints, &bodies, &raw_joints)?;
        let remap: HashMap<usize, usize> = order
            .iter()
            .enumerate()
            .map(|(new, old)| (*old, new))
            .collect();
        let mut sorted: Vec<Joint> = order.iter().map(|&i| joints[i].clone()).collect();
        for c in &mut coordinates {
            c.joint = remap[&c.joint];
        }
        for j in &mut sorted {
            j.coordinates.sort_unstable();
        }

        let wrap_objects = self.wrap_objects(&body_nodes)?;
        let wrap_index: HashMap<String, usize> = wrap_objects
            .iter()
            .enumerate()
            .map(|(i, w)| (w.name.clone(), i))
            .collect();
        let mut warnings = Vec::new();
        let couplers = self.couplers(model, &names, &mut warnings)?;
        let forces = self.forces(model, &names, &wrap_index, &mut warnings)?;
        let (contact_spheres, contact_half_spaces, ignored_geometry) =
            self.contact_geometry(model, &names)?;
        let mut ignored_forces = forces.ignored;
        ignored_forces.extend(ignored_geometry);
        for hc in &forces.hunt_crossley {
            for g in &hc.geometry {
                let known = contact_spheres.iter().any(|s: &ContactSphere| &s.name == g)
                    || contact_half_spaces
                        .iter()
                        .any(|s: &ContactHalfSpace| &s.name == g);
                if !known {
                    return Err(self.err(
                        forcesets(model),
                        format!(
                            "HuntCrossleyForce \"{}\" names a missing contact geometry \"{g}\"",
                            hc.name
                        ),
                    ));
                }
            }
        }
        if !ignored_forces.is_empty() {
            warnings.push(format!(
                "skipped {} element(s) this reader does not model: {}",
                ignored_forces.len(),
                ignored_forces.join(", ")
            ));
        }

        Ok(Model {
            name,
            source: self.path.to_path_buf(),
            gravity,
            bodies,
            joints: sorted,
            coordinates,
            muscles: forces.muscles,
            limit_forces: forces.limit_forces,
            contact_spheres,
            contact_half_spaces,
            hunt_crossley: forces.hunt_crossley,
            ignored_forces,
            wrap_objects,
            couplers,
            warnings,
            version,
        })
    }

    /// The bodies (ground first) and the nodes they came from (ground's may be the `<Ground>`
    /// element, or the model itself when an OpenSim 4 file leaves ground implicit).
    pub(super) fn bodies<'a, 'i>(
        &self,
        model: Node<'a, 'i>,
        bodyset: Node<'a, 'i>,
        layout4: bool,
    ) -> Result<(Vec<Body>, Vec<Node<'a, 'i>>), FormatError> {
        let mut ordered: Vec<Node> = Vec::new();
        let mut ground_seen = false;
        if layout4 {
            ordered.push(child(model, "Ground").unwrap_or(model));
            ground_seen = true;
        }
        for b in set_items(bodyset) {
            if b.tag_name().name() != "Body" {
                return Err(self.err(b, "expected a <Body> in the BodySet"));
            }
            if !layout4 && b.attribute("name") == Some("ground") {
                ground_seen = true;
                ordered.insert(0, b);
            } else {
                ordered.push(b);
            }
        }
        if !ground_seen {
            return Err(self.err(bodyset, "no body named \"ground\""));
        }
        let mut bodies: Vec<Body> = Vec::new();
        for (i, b) in ordered.iter().enumerate() {
            let body = if i == 0 && layout4 {
                Body {
                    name: "ground".into(),
                    mass: 0.0,
                    mass_center: [0.0; 3],
                    inertia: [0.0; 6],
                    geometry: self.display_geometry(*b)?,
                }
            } else {
                self.body(*b)?
            };
            if bodies.iter().any(|o| o.name == body.name) {
                return Err(self.err(*b, format!("duplicate body name \"{}\"", body.name)));
            }
            bodies.push(body);
        }
        Ok((bodies, ordered))
    }

    /// An OpenSim 3 joint's frames: `location_in_parent` and friends, parent by `parent_body`.
    pub(super) fn placement3(
        &self,
        node: Node,
        bodies: &HashMap<String, usize>,
    ) -> Result<Placement, FormatError> {
        if self.opt_bool(node, "reverse")? {
            return Err(self.err(node, "reversed joints are not supported"));
        }
        let parent_node = self.req(node, "parent_body")?;
        let parent_name = self.text(parent_node);
        let parent = *bodies.get(parent_name).ok_or_else(|| {
            self.err(
                parent_node,
                format!("names a missing parent body \"{parent_name}\""),
            )
        })?;
        Ok(Placement {
            parent,
            in_parent: (
                self.opt_vec3(node, "orientation_in_parent", [0.0; 3])?,
                self.opt_vec3(node, "location_in_parent", [0.0; 3])?,
            ),
            in_child: (
                self.opt_vec3(node, "orientation", [0.0; 3])?,
                self.opt_vec3(node, "location", [0.0; 3])?,
            ),
        })
    }

    /// The `ForceSet`: muscles and other path actuators, coordinate limit forces and
    /// Hunt-Crossley contact; anything else is listed in `ignored`.
    fn forces(
        &self,
        model: Node,
        names: &Names,
        wraps: &HashMap<String, usize>,
        warnings: &mut Vec<String>,
    ) -> Result<Forces, FormatError> {
        let mut out = Forces::default();
        let Some(forceset) = child(model, "ForceSet") else {
            return Ok(out);
        };
        for f in set_items(forceset) {
            let tag = f.tag_name().name();
            if self.opt_bool(f, "isDisabled")?
                || child(f, "appliesForce").is_some_and(|n| self.text(n) == "false")
            {
                continue;
            }
            match tag {
                "CoordinateLimitForce" => out.limit_forces.push(self.limit_force(f, names)?),
                "HuntCrossleyForce" => out.hunt_crossley.push(self.hunt_crossley(f)?),
                _ if child(f, "GeometryPath").is_some() => {
                    out.muscles.push(self.muscle(f, names, wraps, warnings)?)
                }
                other => out.ignored.push(format!(
                    "{other} \"{}\"",
                    f.attribute("name").unwrap_or("?")
                )),
            }
        }
        let mut seen = HashMap::new();
        for (i, m) in out.muscles.iter().enumerate() {
            if seen.insert(m.name.clone(), i).is_some() {
                return Err(self.err(forceset, format!("duplicate muscle \"{}\"", m.name)));
            }
        }
        Ok(out)
    }

    /// Contact spheres and half spaces (other contact geometry is listed as ignored).
    pub(super) fn contact_geometry(
        &self,
        model: Node,
        names: &Names,
    ) -> Result<ContactGeometry, FormatError> {
        let (mut spheres, mut half_spaces, mut ignored) = (Vec::new(), Vec::new(), Vec::new());
        let Some(set) = child(model, "ContactGeometrySet") else {
            return Ok((spheres, half_spaces, ignored));
        };
        for g in set_items(set) {
            let name = self.name(g)?;
            let (body, pose) = self.attachment(g, names)?;
            let location = point_in(&pose, self.opt_vec3(g, "location", [0.0; 3])?);
            let orientation = orient_in(&pose, self.opt_vec3(g, "orientation", [0.0; 3])?);
            match g.tag_name().name() {
                "ContactSphere" => {
                    let radius = self.req_scalar(g, "radius")?;
                    self.positive(g, "radius", radius)?;
                    spheres.push(ContactSphere {
                        name,
                        body,
                        location,
                        radius,
                    });
                }
                "ContactHalfSpace" => half_spaces.push(ContactHalfSpace {
                    name,
                    body,
                    location,
                    orientation,
                }),
                other => ignored.push(format!("{other} \"{name}\"")),
            }
        }
        Ok((spheres, half_spaces, ignored))
    }

    pub(super) fn body(&self, node: Node) -> Result<Body, FormatError> {
        let name = self.name(node)?;
        let mass = self.req_scalar(node, "mass")?;
        if mass < 0.0 {
            return Err(self.err(self.req(node, "mass")?, format!("negative mass {mass}")));
        }
        let mass_center = self.opt_vec3(node, "mass_center", [0.0; 3])?;
        let mut inertia = [0.0; 6];
        for (k, tag) in [
            "inertia_xx",
            "inertia_yy",
            "inertia_zz",
            "inertia_xy",
            "inertia_xz",
            "inertia_yz",
        ]
        .iter()
        .enumerate()
        {
            inertia[k] = self.opt_scalar(node, tag, 0.0)?;
        }
        if let Some(inode) = child(node, "inertia") {
            let v = self.numbers(inode)?;
            if v.len() != 6 {
                return Err(self.err(inode, format!("expected 6 numbers, found {}", v.len())));
            }
            inertia.copy_from_slice(&v);
        }
        if inertia[..3].iter().any(|v| *v < 0.0) {
            return Err(self.err(node, "negative principal moment of inertia"));
        }
        Ok(Body {
            name,
            mass,
            mass_center,
            inertia,
            geometry: self.display_geometry(node)?,
        })
    }

    pub(super) fn display_geometry(&self, body: Node) -> Result<Vec<DisplayGeometry>, FormatError> {
        let mut out = Vec::new();
        if let Some(visible) = child(body, "VisibleObject") {
            let body_scale = self.opt_vec3(visible, "scale_factors", [1.0; 3])?;
            let Some(set) = child(visible, "GeometrySet") else {
                return Ok(out);
            };
            for g in set_items(set) {
                let file = self.text(self.req(g, "geometry_file")?).to_string();
                if file.is_empty() {
                    continue;
                }
                let s = self.opt_vec3(g, "scale_factors", [1.0; 3])?;
                let transform = match child(g, "transform") {
                    Some(t) => {
                        let v = self.numbers(t)?;
                        if v.len() != 6 {
                            return Err(
                                self.err(t, format!("expected 6 numbers, found {}", v.len()))
                            );
                        }
                        v
                    }
                    None => vec![0.0; 6],
                };
                out.push(DisplayGeometry {
                    file,
                    scale: [
                        s[0] * body_scale[0],
                        s[1] * body_scale[1],
                        s[2] * body_scale[2],
                    ],
                    rotation: [transform[0], transform[1], transform[2]],
                    translation: [transform[3], transform[4], transform[5]],
                    color: self.opt_vec3(g, "color", [1.0; 3])?,
                    opacity: self.opt_scalar(g, "opacity", 1.0)?,
                });
            }
        }
        if let Some(attached) = child(body, "attached_geometry") {
            for g in element_children(attached).filter(|g| g.tag_name().name() == "Mesh") {
                let file = self.text(self.req(g, "mesh_file")?).to_string();
                out.push(DisplayGeometry {
                    file,
                    scale: self.opt_vec3(g, "scale_factors", [1.0; 3])?,
                    rotation: [0.0; 3],
                    translation: [0.0; 3],
                    color: [1.0; 3],
                    opacity: 1.0,
                });
            }
        }
        Ok(out)
    }

    pub(super) fn coordinate(&self, node: Node, joint: usize) -> Result<Coordinate, FormatError> {
        let name = self.name(node)?;
        let motion_type = match child(node, "motion_type").map(|n| self.text(n)) {
            None | Some("rotational") | Some("") => MotionType::Rotational,
            Some("translational") => MotionType::Translational,
            Some("coupled") => MotionType::Coupled,
            Some(other) => {
                return Err(self.err(
                    self.req(node, "motion_type")?,
                    format!("unknown motion type \"{other}\""),
                ))
            }
        };
        let range = match child(node, "range") {
            Some(r) => {
                let v = self.numbers(r)?;
                if v.len() != 2 || v[0] > v[1] {
                    return Err(self.err(r, "expected two numbers, min <= max"));
                }
                [v[0], v[1]]
            }
            None => [-f64::INFINITY, f64::INFINITY],
        };
        Ok(Coordinate {
            name,
            joint,
            motion_type,
            default_value: self.opt_scalar(node, "default_value", 0.0)?,
            default_speed: self.opt_scalar(node, "default_speed_value", 0.0)?,
            range,
            clamped: self.opt_bool(node, "clamped")?,
            locked: self.opt_bool(node, "locked")?,
        })
    }

    pub(super) fn joint(
        &self,
        node: Node,
        child_body: usize,
        placement: Placement,
        names: &Names,
        owned: Vec<usize>,
    ) -> Result<Joint, FormatError> {
        let name = self.name(node)?;
        if placement.parent == child_body {
            return Err(self.err(node, "a body cannot be its own parent"));
        }
        let type_name = node.tag_name().name().to_string();
        let kind = match type_name.as_str() {
            "CustomJoint" => JointKind::Custom(self.spatial_transform(node, &names.coordinates)?),
            "WeldJoint" => {
                if !owned.is_empty() {
                    return Err(self.err(node, "a WeldJoint cannot have coordinates"));
                }
                JointKind::Weld
            }
            other => {
                let Some(axes) = standard_axes(other) else {
                    return Err(self.err(
                        node,
                        format!(
                            "unsupported joint type {other} (supported: CustomJoint, PinJoint, \
                             SliderJoint, UniversalJoint, BallJoint, GimbalJoint, PlanarJoint, \
                             FreeJoint, WeldJoint)"
                        ),
                    ));
                };
                if owned.len() != axes.len() {
                    return Err(self.err(
                        node,
                        format!(
                            "a {other} needs exactly {} coordinate(s), found {}",
                            axes.len(),
                            owned.len()
                        ),
                    ));
                }
                JointKind::Custom(standard_transform(&axes, &owned))
            }
        };
        Ok(Joint {
            name,
            type_name,
            kind,
            parent: placement.parent,
            child: child_body,
            location_in_parent: placement.in_parent.1,
            orientation_in_parent: placement.in_parent.0,
            location: placement.in_child.1,
            orientation: placement.in_child.0,
            coordinates: owned,
        })
    }

    pub(super) fn spatial_transform(
        &self,
        joint: Node,
        coordinates: &HashMap<String, usize>,
    ) -> Result<SpatialTransform, FormatError> {
        let st = self.req(joint, "SpatialTransform")?;
        let names = [
            "rotation1",
            "rotation2",
            "rotation3",
            "translation1",
            "translation2",
            "translation3",
        ];
        let mut axes = Vec::new();
        for (k, want) in names.iter().enumerate() {
            let node = element_children(st)
                .filter(|n| n.tag_name().name() == "TransformAxis")
                .find(|n| n.attribute("name") == Some(want))
                .or_else(|| {
                    element_children(st)
                        .filter(|n| n.tag_name().name() == "TransformAxis")
                        .nth(k)
                })
                .ok_or_else(|| self.err(st, format!("missing TransformAxis \"{want}\"")))?;
            axes.push(self.transform_axis(node, coordinates)?);
        }
        let mut it = axes.into_iter();
        let mut next = || it.next().expect("six axes");
        Ok(SpatialTransform {
            rotations: [next(), next(), next()],
            translations: [next(), next(), next()],
        })
    }

    pub(super) fn transform_axis(
        &self,
        node: Node,
        coordinates: &HashMap<String, usize>,
    ) -> Result<TransformAxis, FormatError> {
        let names: Vec<&str> = child(node, "coordinates")
            .map(|n| self.text(n).split_whitespace().collect())
            .unwrap_or_default();
        if names.len() > 1 {
            return Err(self.err(node, "functions of several coordinates are not supported"));
        }
        let coordinate =
            match names.first() {
                Some(n) => Some(*coordinates.get(*n).ok_or_else(|| {
                    self.err(node, format!("names a missing coordinate \"{n}\""))
                })?),
                None => None,
            };
        let axis_node = self.req(node, "axis")?;
        let axis = self.vec3(axis_node)?;
        let norm = (axis[0] * axis[0] + axis[1] * axis[1] + axis[2] * axis[2]).sqrt();
        if norm < 1e-12 {
            return Err(self.err(axis_node, "the axis is zero"));
        }
        let function = match child(node, "function") {
            Some(f) => self.function_in(f)?,
            None => match element_children(node).find(|n| is_function_tag(n.tag_name().name())) {
                Some(f) => self.function(f)?,
                None if coordinate.is_some() => Function::identity(),
                None => Function::Constant(0.0),
            },
        };
        let function = if coordinate.is_none() && !function.is_constant() {
            Function::Constant(function.value(0.0))
        } else {
            function
        };
        Ok(TransformAxis {
            coordinate,
            axis: [axis[0] / norm, axis[1] / norm, axis[2] / norm],
            function,
        })
    }

    /// A `<function>` (or `<x_location>`) wrapper holding one function element.
    pub(super) fn function_in(&self, wrapper: Node) -> Result<Function, FormatError> {
        match element_children(wrapper).next() {
            Some(f) => self.function(f),
            None => Err(self.err(wrapper, "empty function")),
        }
    }

    pub(super) fn function(&self, node: Node) -> Result<Function, FormatError> {
        match node.tag_name().name() {
            "Constant" => Ok(Function::Constant(self.req_scalar(node, "value")?)),
            "LinearFunction" => {
                let c = self.numbers(self.req(node, "coefficients")?)?;
                if c.len() != 2 {
                    return Err(self.err(node, "LinearFunction needs 2 coefficients"));
                }
                Ok(Function::Linear {
                    slope: c[0],
                    intercept: c[1],
                })
            }
            tag @ ("SimmSpline" | "NaturalCubicSpline" | "PiecewiseLinearFunction") => {
                let x = self.numbers(self.req(node, "x")?)?;
                let y = self.numbers(self.req(node, "y")?)?;
                if x.len() != y.len() {
                    return Err(self.err(
                        node,
                        format!("x has {} values but y has {}", x.len(), y.len()),
                    ));
                }
                if x.is_empty() {
                    return Err(self.err(node, "no knots"));
                }
                if x.windows(2).any(|w| w[1] <= w[0]) {
                    return Err(self.err(node, "x values must be strictly increasing"));
                }
                Ok(if tag == "PiecewiseLinearFunction" {
                    Function::PiecewiseLinear { x, y }
                } else {
                    Function::Spline(CubicSpline::simm(x, y))
                })
            }
            "MultiplierFunction" => {
                let scale = self.opt_scalar(node, "scale", 1.0)?;
                let inner = self.function_in(self.req(node, "function")?)?;
                Ok(scale_function(inner, scale))
            }
            other => Err(self.err(node, format!("unsupported function type {other}"))),
        }
    }

    pub(super) fn muscle(
        &self,
        node: Node,
        names: &Names,
        wraps: &HashMap<String, usize>,
        warnings: &mut Vec<String>,
    ) -> Result<Muscle, FormatError> {
        let name = self.name(node)?;
        let tag = node.tag_name().name();
        let path_node = self.req(node, "GeometryPath")?;
        let set = self.req(path_node, "PathPointSet")?;
        let mut path = Vec::new();
        for p in set_items(set) {
            path.push(self.path_point(p, names)?);
        }
        if path.len() < 2 {
            return Err(self.err(set, "a muscle path needs at least two points"));
        }
        let path_wraps = self.path_wraps(path_node, wraps, &name, warnings)?;
        let has_muscle_parameters = [
            "max_isometric_force",
            "optimal_fiber_length",
            "tendon_slack_length",
        ]
        .iter()
        .all(|t| child(node, t).is_some());
        let kind = match tag {
            "Thelen2003Muscle" => MuscleKind::Thelen2003,
            "Millard2012EquilibriumMuscle" => MuscleKind::Millard2012,
            _ if has_muscle_parameters => MuscleKind::OtherMuscle(tag.to_string()),
            _ => MuscleKind::PathOnly(tag.to_string()),
        };
        if let MuscleKind::PathOnly(_) = kind {
            return Ok(Muscle {
                max_isometric_force: self.opt_scalar(node, "optimal_force", 1.0)?,
                optimal_fiber_length: 0.0,
                tendon_slack_length: 0.0,
                pennation_angle_at_optimal: 0.0,
                max_contraction_velocity: 10.0,
                activation_time_constant: 0.01,
                deactivation_time_constant: 0.04,
                fmax_tendon_strain: 0.04,
                fmax_muscle_strain: 0.6,
                kshape_active: 0.45,
                kshape_passive: 5.0,
                af: 0.25,
                flen: 1.4,
                minimum_fiber_length: 0.0,
                millard: None,
                rigid_tendon: true,
                default_activation: 0.0,
                name,
                kind,
                path,
                wraps: path_wraps,
            });
        }
        let positive = |tag: &str, default: Option<f64>| -> Result<f64, FormatError> {
            let v = match default {
                Some(d) => self.opt_scalar(node, tag, d)?,
                None => self.req_scalar(node, tag)?,
            };
            self.positive(node, tag, v)
        };
        // Millard's curves keep their strains in sub-elements; Thelen's are flat properties.
        let curve_strain = |curve: &str, default: f64| -> Result<f64, FormatError> {
            let v = match child(node, curve) {
                Some(c) => self.opt_scalar(c, "strain_at_one_norm_force", default)?,
                None => default,
            };
            self.positive(node, curve, v)
        };
        let millard = kind == MuscleKind::Millard2012;
        let muscle = Muscle {
            max_isometric_force: positive("max_isometric_force", None)?,
            optimal_fiber_length: positive("optimal_fiber_length", None)?,
            tendon_slack_length: positive("tendon_slack_length", None)?,
            pennation_angle_at_optimal: self.opt_scalar(node, "pennation_angle_at_optimal", 0.0)?,
            max_contraction_velocity: positive("max_contraction_velocity", Some(10.0))?,
            activation_time_constant: positive("activation_time_constant", Some(0.01))?,
            deactivation_time_constant: positive("deactivation_time_constant", Some(0.04))?,
            fmax_tendon_strain: if millard {
                curve_strain("TendonForceLengthCurve", 0.049)?
            } else {
                positive("FmaxTendonStrain", Some(0.04))?
            },
            fmax_muscle_strain: if millard {
                curve_strain("FiberForceLengthCurve", 0.7)?
            } else {
                positive("FmaxMuscleStrain", Some(0.6))?
            },
            kshape_active: positive("KshapeActive", Some(0.45))?,
            kshape_passive: positive("KshapePassive", Some(5.0))?,
            af: positive("Af", Some(0.25))?,
            flen: {
                let v = self.opt_scalar(node, "Flen", 1.4)?;
                if v <= 1.0 {
                    return Err(self.err(node, format!("Flen must exceed 1, got {v}")));
                }
                v
            },
            minimum_fiber_length: 0.0,
            millard: if millard {
                Some(self.millard_curves(node)?)
            } else {
                None
            },
            rigid_tendon: self.opt_bool(node, "ignore_tendon_compliance")?,
            default_activation: self.opt_scalar(node, "default_activation", 0.05)?,
            name,
            kind,
            path,
            wraps: path_wraps,
        };
        let mut muscle = muscle;
        let pen = muscle.pennation_angle_at_optimal;
        let pennated = muscle.optimal_fiber_length * pen.sin() / (0.1f64).acos().sin();
        muscle.minimum_fiber_length = if millard {
            let active = match child(node, "ActiveForceLengthCurve") {
                Some(c) => self.opt_scalar(c, "min_norm_active_fiber_length", 0.4441)?,
                None => 0.4441,
            };
            pennated
                .max(active * muscle.optimal_fiber_length)
                .max(f64::EPSILON)
        } else {
            pennated
        };
        if !(0.0..std::f64::consts::FRAC_PI_2).contains(&pen) {
            return Err(self.err(
                child(node, "pennation_angle_at_optimal").unwrap_or(node),
                format!("pennation angle {pen} must be in [0, pi/2)"),
            ));
        }
        Ok(muscle)
    }

    /// A Millard muscle's curve parameters, OpenSim's defaults where absent.
    fn millard_curves(&self, node: Node) -> Result<MillardCurves, FormatError> {
        let curve = |tag: &str| child(node, tag);
        let num = |c: Option<Node>, tag: &str, default: f64| match c {
            Some(c) => self.opt_scalar(c, tag, default),
            None => Ok(default),
        };
        let maybe = |c: Option<Node>, tag: &str| -> Result<Option<f64>, FormatError> {
            match c.and_then(|c| child(c, tag)) {
                Some(n) => self.scalar(n).map(Some),
                None => Ok(None),
            }
        };
        let (a, f, t) = (
            curve("ActiveForceLengthCurve"),
            curve("FiberForceLengthCurve"),
            curve("TendonForceLengthCurve"),
        );
        Ok(MillardCurves {
            active: [
                num(a, "min_norm_active_fiber_length", 0.4441)?,
                num(a, "transition_norm_fiber_length", 0.73)?,
                num(a, "max_norm_active_fiber_length", 1.8123)?,
                num(a, "shallow_ascending_slope", 0.8616)?,
                num(a, "minimum_value", 0.1)?,
            ],
            fiber_strains: [
                num(f, "strain_at_zero_force", 0.0)?,
                num(f, "strain_at_one_norm_force", 0.7)?,
            ],
            fiber_shape: [
                maybe(f, "stiffness_at_low_force")?,
                maybe(f, "stiffness_at_one_norm_force")?,
                maybe(f, "curviness")?,
            ],
            tendon_strain: num(t, "strain_at_one_norm_force", 0.049)?,
            tendon_shape: [
                maybe(t, "stiffness_at_one_norm_force")?,
                maybe(t, "norm_force_at_toe_end")?,
                maybe(t, "curviness")?,
            ],
            fiber_damping: self.opt_scalar(node, "fiber_damping", 0.1)?,
        })
    }

    pub(super) fn path_point(&self, node: Node, names: &Names) -> Result<PathPoint, FormatError> {
        let name = node.attribute("name").unwrap_or("").to_string();
        let (body, pose) = self.attachment(node, names)?;
        let location = self.opt_vec3(node, "location", [0.0; 3])?;
        let coordinate_of = |n: Node| -> Result<usize, FormatError> {
            let cname = self.text(n);
            names
                .coordinate(cname)
                .ok_or_else(|| self.err(n, format!("names a missing coordinate \"{cname}\"")))
        };
        let socket =
            |plain: &str| child(node, plain).or_else(|| child(node, &format!("socket_{plain}")));
        let kind = match node.tag_name().name() {
            "PathPoint" => PathPointKind::Fixed,
            "ConditionalPathPoint" => {
                let r = self.req(node, "range")?;
                let v = self.numbers(r)?;
                if v.len() != 2 || v[0] > v[1] {
                    return Err(self.err(r, "expected two numbers, min <= max"));
                }
                let cnode = socket("coordinate").ok_or_else(|| {
                    self.err(node, "missing <coordinate> (or <socket_coordinate>)")
                })?;
                PathPointKind::Conditional {
                    coordinate: coordinate_of(cnode)?,
                    range: [v[0], v[1]],
                }
            }
            "MovingPathPoint" => {
                let mut components: [Option<(Function, usize)>; 3] = [None, None, None];
                for (k, axis) in ["x", "y", "z"].iter().enumerate() {
                    if let Some(f) = child(node, &format!("{axis}_location")) {
                        if element_children(f).next().is_none() {
                            continue;
                        }
                        let cnode = socket(&format!("{axis}_coordinate")).ok_or_else(|| {
                            self.err(node, format!("missing <{axis}_coordinate>"))
                        })?;
                        components[k] = Some((self.function_in(f)?, coordinate_of(cnode)?));
                    }
                }
                PathPointKind::Moving { components }
            }
            other => return Err(self.err(node, format!("unsupported path point type {other}"))),
        };
        if pose != Frame::IDENTITY {
            if let PathPointKind::Moving { .. } = kind {
                return Err(self.err(
                    node,
                    "a MovingPathPoint on an offset frame is not supported (attach it to the body)",
                ));
            }
        }
        Ok(PathPoint {
            name,
            body,
            location: point_in(&pose, location),
            kind,
        })
    }

    pub(super) fn limit_force(
        &self,
        node: Node,
        names: &Names,
    ) -> Result<CoordinateLimitForce, FormatError> {
        let cnode = self.req(node, "coordinate")?;
        let cname = self.text(cnode);
        let coordinate = names
            .coordinate(cname)
            .ok_or_else(|| self.err(cnode, format!("names a missing coordinate \"{cname}\"")))?;
        let f = CoordinateLimitForce {
            name: self.name(node)?,
            coordinate,
            upper_stiffness: self.req_scalar(node, "upper_stiffness")?,
            upper_limit: self.req_scalar(node, "upper_limit")?,
            lower_stiffness: self.req_scalar(node, "lower_stiffness")?,
            lower_limit: self.req_scalar(node, "lower_limit")?,
            damping: self.opt_scalar(node, "damping", 0.0)?,
            transition: self.req_scalar(node, "transition")?,
        };
        if f.lower_limit > f.upper_limit || f.transition <= 0.0 {
            return Err(self.err(node, "needs lower_limit <= upper_limit and transition > 0"));
        }
        Ok(f)
    }

    pub(super) fn hunt_crossley(&self, node: Node) -> Result<HuntCrossley, FormatError> {
        let name = self.name(node)?;
        let set = element_children(node)
            .find(|n| n.tag_name().name().ends_with("ContactParametersSet"))
            .ok_or_else(|| self.err(node, "missing contact_parameters"))?;
        let params = set_items(set)
            .into_iter()
            .next()
            .ok_or_else(|| self.err(set, "no ContactParameters"))?;
        Ok(HuntCrossley {
            name,
            geometry: self
                .text(self.req(params, "geometry")?)
                .split_whitespace()
                .map(str::to_string)
                .collect(),
            stiffness: self.req_scalar(params, "stiffness")?,
            dissipation: self.opt_scalar(params, "dissipation", 0.0)?,
            static_friction: self.opt_scalar(params, "static_friction", 0.0)?,
            dynamic_friction: self.opt_scalar(params, "dynamic_friction", 0.0)?,
            viscous_friction: self.opt_scalar(params, "viscous_friction", 0.0)?,
            transition_velocity: self.opt_scalar(node, "transition_velocity", 0.01)?,
        })
    }

    /// Orders joints so that every parent body is placed before its children; rejects cycles
    /// and bodies not connected to ground.
    pub(super) fn topological_order(
        &self,
        joints: &[Joint],
        bodies: &[Body],
        raw: &[(usize, Node)],
    ) -> Result<Vec<usize>, FormatError> {
        let mut placed = vec![false; bodies.len()];
        placed[0] = true;
        let mut order = Vec::new();
        let mut done = vec![false; joints.len()];
        loop {
            let mut progress = false;
            for (j, joint) in joints.iter().enumerate() {
                if !done[j] && placed[joint.parent] {
                    placed[joint.child] = true;
                    done[j] = true;
                    order.push(j);
                    progress = true;
                }
            }
            if !progress {
                break;
            }
        }
        if let Some(j) = done.iter().position(|d| !d) {
            return Err(self.err(
                raw[j].1,
                "this joint's body is not connected to ground (a loop?)",
            ));
        }
        Ok(order)
    }
}

fn forcesets<'a, 'i>(model: Node<'a, 'i>) -> Node<'a, 'i> {
    child(model, "ForceSet").unwrap_or(model)
}

fn is_function_tag(tag: &str) -> bool {
    matches!(
        tag,
        "Constant"
            | "LinearFunction"
            | "SimmSpline"
            | "NaturalCubicSpline"
            | "PiecewiseLinearFunction"
            | "MultiplierFunction"
    )
}

fn scale_function(f: Function, scale: f64) -> Function {
    match f {
        Function::Constant(c) => Function::Constant(c * scale),
        Function::Linear { slope, intercept } => Function::Linear {
            slope: slope * scale,
            intercept: intercept * scale,
        },
        Function::Spline(s) => Function::Spline(CubicSpline::simm(
            s.knots_x().to_vec(),
            s.knots_y().iter().map(|y| y * scale).collect(),
        )),
        Function::PiecewiseLinear { x, y } => Function::PiecewiseLinear {
            x,
            y: y.into_iter().map(|v| v * scale).collect(),
        },
    }
}

/// Where a joint sits: its parent body and its frames in the parent and the child (body-fixed
/// X-Y-Z angles, then origin).
pub(super) struct Placement {
    pub(super) parent: usize,
    pub(super) in_parent: (Vec3, Vec3),
    pub(super) in_child: (Vec3, Vec3),
}

/// Name lookups the readers share.
pub(super) struct Names<'m, 'a, 'i> {
    pub(super) bodies: &'m HashMap<String, usize>,
    pub(super) coordinates: HashMap<String, usize>,
    pub(super) frames: &'m HashMap<String, Node<'a, 'i>>,
    pub(super) ground: &'m str,
}

impl Names<'_, '_, '_> {
    /// The coordinate named by a name or a socket path (`/jointset/knee_r/knee_angle_r`).
    pub(super) fn coordinate(&self, path: &str) -> Option<usize> {
        self.coordinates.get(last_component(path)).copied()
    }
}

/// The last component of a socket path (`/bodyset/femur_r` gives `femur_r`).
pub(super) fn last_component(path: &str) -> &str {
    path.trim()
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("")
}

/// One axis of a standard joint: rotation (true) or translation about/along X, Y or Z.
type StandardAxis = (bool, usize);

/// The axes Simbody's mobilizer for a standard joint type moves along, one per coordinate in the
/// file's order (`None` for types that are not standard joints).
fn standard_axes(type_name: &str) -> Option<Vec<StandardAxis>> {
    let (r, t) = (true, false);
    Some(match type_name {
        "PinJoint" => vec![(r, 2)],
        "SliderJoint" => vec![(t, 0)],
        "UniversalJoint" => vec![(r, 0), (r, 1)],
        "BallJoint" | "GimbalJoint" => vec![(r, 0), (r, 1), (r, 2)],
        "PlanarJoint" => vec![(r, 2), (t, 0), (t, 1)],
        "FreeJoint" => vec![(r, 0), (r, 1), (r, 2), (t, 0), (t, 1), (t, 2)],
        _ => return None,
    })
}

/// The `SpatialTransform` of a standard joint: each coordinate drives its axis through the
/// identity; the unused rotations and translations are constant zero.
fn standard_transform(axes: &[StandardAxis], coordinates: &[usize]) -> SpatialTransform {
    let unit = |k: usize| {
        let mut a = [0.0; 3];
        a[k] = 1.0;
        a
    };
    let still = |k: usize| TransformAxis {
        coordinate: None,
        axis: unit(k),
        function: Function::Constant(0.0),
    };
    // The rotation slots take the axes in cyclic order from the first used one (Z, X, Y for a
    // PinJoint), so the three axes stay a right-handed orthonormal triple.
    let first = axes.iter().find(|a| a.0).map_or(0, |a| a.1);
    let mut rotations = [still(first), still((first + 1) % 3), still((first + 2) % 3)];
    let mut translations = [still(0), still(1), still(2)];
    let mut next_rotation = 0;
    for (&(rotation, k), &c) in axes.iter().zip(coordinates) {
        let axis = TransformAxis {
            coordinate: Some(c),
            axis: unit(k),
            function: Function::identity(),
        };
        if rotation {
            // Rotations are applied in order about the successively rotated axes; the unused
            // slots keep zero angles, so they may sit anywhere after the used ones.
            rotations[next_rotation] = axis;
            next_rotation += 1;
        } else {
            translations[k] = axis;
        }
    }
    SpatialTransform {
        rotations,
        translations,
    }
}

/// What the `ForceSet` holds.
#[derive(Default)]
struct Forces {
    muscles: Vec<Muscle>,
    limit_forces: Vec<CoordinateLimitForce>,
    hunt_crossley: Vec<HuntCrossley>,
    ignored: Vec<String>,
}

/// Contact spheres, half spaces, and the contact geometry skipped (type and name).
type ContactGeometry = (Vec<ContactSphere>, Vec<ContactHalfSpace>, Vec<String>);

/// A coordinate's motion type from the axes of its joint that read it.
fn derived_motion_type(joint: &Joint, coordinate: usize) -> MotionType {
    let JointKind::Custom(st) = &joint.kind else {
        return MotionType::Rotational;
    };
    let reads = |axes: &[TransformAxis]| axes.iter().any(|a| a.coordinate == Some(coordinate));
    if !reads(&st.rotations) && reads(&st.translations) {
        MotionType::Translational
    } else {
        MotionType::Rotational
    }
}
