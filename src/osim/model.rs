//! The `.osim` reader: an OpenSim model file into a plain [`Model`].
//!
//! Reads the OpenSim 3.x layout used by `gait14dof22musc_20170320.osim` (each `Body` owns the
//! `Joint` that connects it to its parent) and the parts of the model the simulation needs:
//! bodies, joints (`CustomJoint` with its `SpatialTransform`, `PinJoint`, `WeldJoint`),
//! coordinates, `Thelen2003Muscle`s with their paths, `CoordinateLimitForce`s, contact geometry,
//! `HuntCrossleyForce` parameters and display geometry. Everything is parsed, nothing hard-coded;
//! every problem is a [`FormatError`] that names the file, the element and what is wrong.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use roxmltree::{Document, Node};
use serde::{Deserialize, Serialize};

use super::error::FormatError;
use super::function::{CubicSpline, Function};

/// A 3-vector of `f64` (x, y, z).
pub type Vec3 = [f64; 3];

/// A parsed OpenSim model.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Model {
    /// The model's name.
    pub name: String,
    /// The file it came from.
    pub source: PathBuf,
    /// Gravity in the ground frame (m/s^2).
    pub gravity: Vec3,
    /// Bodies; index 0 is always `ground`.
    pub bodies: Vec<Body>,
    /// Joints, one per non-ground body, in topological order (a parent's joint comes first).
    pub joints: Vec<Joint>,
    /// Generalized coordinates in file order.
    pub coordinates: Vec<Coordinate>,
    /// Muscles in file order.
    pub muscles: Vec<Muscle>,
    /// Coordinate limit forces (soft joint limits).
    pub limit_forces: Vec<CoordinateLimitForce>,
    /// Contact spheres.
    pub contact_spheres: Vec<ContactSphere>,
    /// Contact half spaces (the ground platform).
    pub contact_half_spaces: Vec<ContactHalfSpace>,
    /// Hunt-Crossley contact parameter sets.
    pub hunt_crossley: Vec<HuntCrossley>,
    /// Force elements present in the file that this reader does not model (type and name).
    pub ignored_forces: Vec<String>,
}

/// A rigid body.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Body {
    /// Name, unique in the model.
    pub name: String,
    /// Mass (kg).
    pub mass: f64,
    /// Centre of mass in the body frame (m).
    pub mass_center: Vec3,
    /// Inertia about the centre of mass: xx, yy, zz, xy, xz, yz (kg m^2).
    pub inertia: [f64; 6],
    /// Display meshes attached to the body.
    pub geometry: Vec<DisplayGeometry>,
}

/// A display mesh attached to a body.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DisplayGeometry {
    /// File name of the mesh (`.vtp`), relative to the model's `Geometry` folder.
    pub file: String,
    /// Scale factors per axis (the body-level and geometry-level factors multiplied).
    pub scale: Vec3,
    /// Placement in the body: body-fixed X-Y-Z rotations (rad), then translation (m).
    pub rotation: Vec3,
    /// Translation in the body frame (m).
    pub translation: Vec3,
    /// RGB colour in [0, 1].
    pub color: Vec3,
    /// Opacity in [0, 1].
    pub opacity: f64,
}

/// The kind of a joint and its kinematics.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum JointKind {
    /// A `CustomJoint`: three rotations then three translations, each a function of coordinates.
    Custom(SpatialTransform),
    /// A `PinJoint`: rotation about the joint frame's Z axis by its one coordinate.
    Pin,
    /// A `WeldJoint`: no motion.
    Weld,
}

/// A joint connecting `child` to `parent`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Joint {
    /// Name, unique in the model.
    pub name: String,
    /// What kind of joint.
    pub kind: JointKind,
    /// Index of the parent body.
    pub parent: usize,
    /// Index of the child body.
    pub child: usize,
    /// Joint frame origin in the parent body (m).
    pub location_in_parent: Vec3,
    /// Joint frame orientation in the parent body (body-fixed X-Y-Z angles, rad).
    pub orientation_in_parent: Vec3,
    /// Joint frame origin in the child body (m).
    pub location: Vec3,
    /// Joint frame orientation in the child body (body-fixed X-Y-Z angles, rad).
    pub orientation: Vec3,
    /// The coordinates this joint owns (indices into [`Model::coordinates`]).
    pub coordinates: Vec<usize>,
}

/// One axis of a `SpatialTransform`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TransformAxis {
    /// The coordinate the function reads, if any (OpenSim allows at most one here).
    pub coordinate: Option<usize>,
    /// Unit axis in the joint frame.
    pub axis: Vec3,
    /// The amount of rotation (rad) or translation (m) as a function of the coordinate.
    pub function: Function,
}

/// The six axes of a `CustomJoint`: rotations are applied in order about the successively rotated
/// axes (body-fixed), translations along the parent joint frame's axes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SpatialTransform {
    /// `rotation1..3`.
    pub rotations: [TransformAxis; 3],
    /// `translation1..3`.
    pub translations: [TransformAxis; 3],
}

/// Whether a coordinate is an angle or a distance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MotionType {
    /// Radians.
    Rotational,
    /// Metres.
    Translational,
    /// Coupled (treated as unitless).
    Coupled,
}

/// A generalized coordinate.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Coordinate {
    /// Name, unique in the model.
    pub name: String,
    /// The joint that owns it.
    pub joint: usize,
    /// Angle or distance.
    pub motion_type: MotionType,
    /// Default value (rad or m).
    pub default_value: f64,
    /// Default speed.
    pub default_speed: f64,
    /// Allowed range [min, max].
    pub range: [f64; 2],
    /// Whether the value is clamped to the range.
    pub clamped: bool,
    /// Whether the coordinate is locked at its default value.
    pub locked: bool,
}

/// Where a path point sits and when it is active.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum PathPointKind {
    /// A `PathPoint`: fixed in its body, always active.
    Fixed,
    /// A `ConditionalPathPoint`: active only while `coordinate` is inside `range` (inclusive).
    Conditional {
        /// The coordinate that switches it.
        coordinate: usize,
        /// Active range [min, max].
        range: [f64; 2],
    },
    /// A `MovingPathPoint`: each component of its location is a function of a coordinate.
    Moving {
        /// x, y and z: a function and the coordinate it reads; `None` keeps `location`'s component.
        components: [Option<(Function, usize)>; 3],
    },
}

/// A point of a muscle's path.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PathPoint {
    /// Name of the point.
    pub name: String,
    /// The body it is attached to.
    pub body: usize,
    /// Location in the body frame (m).
    pub location: Vec3,
    /// Fixed, conditional or moving.
    pub kind: PathPointKind,
}

/// A `Thelen2003Muscle`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Muscle {
    /// Name, unique in the model.
    pub name: String,
    /// Peak isometric force (N).
    pub max_isometric_force: f64,
    /// Optimal fibre length (m).
    pub optimal_fiber_length: f64,
    /// Tendon slack length (m).
    pub tendon_slack_length: f64,
    /// Pennation angle at optimal fibre length (rad).
    pub pennation_angle_at_optimal: f64,
    /// Maximum contraction velocity (optimal fibre lengths per second).
    pub max_contraction_velocity: f64,
    /// Activation time constant (s).
    pub activation_time_constant: f64,
    /// Deactivation time constant (s).
    pub deactivation_time_constant: f64,
    /// Tendon strain at peak isometric force.
    pub fmax_tendon_strain: f64,
    /// Passive fibre strain at peak isometric force.
    pub fmax_muscle_strain: f64,
    /// Shape factor of the Gaussian active force-length curve.
    pub kshape_active: f64,
    /// Exponential shape factor of the passive force-length curve.
    pub kshape_passive: f64,
    /// Force-velocity shape factor.
    pub af: f64,
    /// Maximum normalised lengthening force.
    pub flen: f64,
    /// The path, origin to insertion.
    pub path: Vec<PathPoint>,
}

/// A `CoordinateLimitForce`: a soft limit spring and damper on one coordinate.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CoordinateLimitForce {
    /// Name of the force.
    pub name: String,
    /// The coordinate it acts on.
    pub coordinate: usize,
    /// Stiffness beyond the upper limit (N m per degree for rotational coordinates).
    pub upper_stiffness: f64,
    /// Upper limit (degrees for rotational coordinates).
    pub upper_limit: f64,
    /// Stiffness beyond the lower limit.
    pub lower_stiffness: f64,
    /// Lower limit (degrees for rotational coordinates).
    pub lower_limit: f64,
    /// Damping beyond the limits (N m s per degree).
    pub damping: f64,
    /// Width of the transition region (degrees).
    pub transition: f64,
}

/// A contact sphere on a body.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ContactSphere {
    /// Name, used by [`HuntCrossley::geometry`].
    pub name: String,
    /// The body it is fixed to.
    pub body: usize,
    /// Centre in the body frame (m).
    pub location: Vec3,
    /// Radius (m).
    pub radius: f64,
}

/// A contact half space (the floor).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ContactHalfSpace {
    /// Name, used by [`HuntCrossley::geometry`].
    pub name: String,
    /// The body it is fixed to.
    pub body: usize,
    /// Origin in the body frame (m).
    pub location: Vec3,
    /// Orientation (body-fixed X-Y-Z angles, rad); the solid side is +X of that frame.
    pub orientation: Vec3,
}

/// Hunt-Crossley contact parameters between a set of geometries.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HuntCrossley {
    /// Name of the force.
    pub name: String,
    /// The contact geometries it couples.
    pub geometry: Vec<String>,
    /// Stiffness (N/m^(3/2) in Hertz contact).
    pub stiffness: f64,
    /// Dissipation (s/m).
    pub dissipation: f64,
    /// Static friction coefficient.
    pub static_friction: f64,
    /// Dynamic friction coefficient.
    pub dynamic_friction: f64,
    /// Viscous friction coefficient.
    pub viscous_friction: f64,
    /// Transition velocity between static and dynamic friction (m/s).
    pub transition_velocity: f64,
}

impl Model {
    /// Reads and parses a `.osim` file.
    pub fn load(path: impl AsRef<Path>) -> Result<Model, FormatError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| {
            FormatError::new(path, "file", None, format!("cannot read the file: {e}"))
        })?;
        Self::parse(&text, path)
    }

    /// Parses the text of a `.osim` file; `path` is used in error messages and to find meshes.
    pub fn parse(text: &str, path: &Path) -> Result<Model, FormatError> {
        // OpenSim writes element names such as `HuntCrossleyForce::ContactParametersSet`, which
        // are not valid namespaced XML names; rename `::` to `__` (same length, so lines and
        // columns in messages stay right).
        let text = text.replace("::", "__");
        super::xml::check_depth(&text, path)?;
        let doc = Document::parse(&text).map_err(|e| {
            let pos = e.pos();
            FormatError::new(
                path,
                "XML",
                Some(pos.row),
                format!("not well-formed XML: {e}"),
            )
        })?;
        Reader { path, doc: &doc }.model()
    }

    /// Index of the body called `name`.
    pub fn body_index(&self, name: &str) -> Option<usize> {
        self.bodies.iter().position(|b| b.name == name)
    }

    /// Index of the coordinate called `name`.
    pub fn coordinate_index(&self, name: &str) -> Option<usize> {
        self.coordinates.iter().position(|c| c.name == name)
    }

    /// Index of the muscle called `name`.
    pub fn muscle_index(&self, name: &str) -> Option<usize> {
        self.muscles.iter().position(|m| m.name == name)
    }

    /// The joint whose child is body `body` (none for ground).
    pub fn joint_of_body(&self, body: usize) -> Option<usize> {
        self.joints.iter().position(|j| j.child == body)
    }

    /// Default values of all coordinates.
    pub fn default_coordinates(&self) -> Vec<f64> {
        self.coordinates.iter().map(|c| c.default_value).collect()
    }

    /// Total mass (kg).
    pub fn total_mass(&self) -> f64 {
        self.bodies.iter().map(|b| b.mass).sum()
    }

    /// The folder where display meshes are looked for: `Geometry/` or `geometry/` beside the
    /// model file, else the model's own folder.
    pub fn geometry_dir(&self) -> PathBuf {
        let dir = self.source.parent().unwrap_or(Path::new(".")).to_path_buf();
        for name in ["Geometry", "geometry"] {
            let candidate = dir.join(name);
            if candidate.is_dir() {
                return candidate;
            }
        }
        dir
    }
}

/// Parsing state: the file (for messages) and the document.
struct Reader<'a, 'input> {
    path: &'a Path,
    doc: &'a Document<'input>,
}

fn element_children<'a, 'i>(node: Node<'a, 'i>) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children().filter(|n| n.is_element())
}

fn child<'a, 'i>(node: Node<'a, 'i>, tag: &str) -> Option<Node<'a, 'i>> {
    element_children(node).find(|n| n.tag_name().name() == tag)
}

/// `<X><objects>...</objects></X>` or the items directly under `<X>`.
fn set_items<'a, 'i>(set: Node<'a, 'i>) -> Vec<Node<'a, 'i>> {
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
    fn err(&self, node: Node, message: impl Into<String>) -> FormatError {
        let line = self.doc.text_pos_at(node.range().start).row;
        FormatError::new(self.path, describe(node), Some(line), message)
    }

    fn req<'a, 'i>(&self, node: Node<'a, 'i>, tag: &str) -> Result<Node<'a, 'i>, FormatError> {
        child(node, tag).ok_or_else(|| self.err(node, format!("missing <{tag}>")))
    }

    fn name(&self, node: Node) -> Result<String, FormatError> {
        match node.attribute("name") {
            Some(n) if !n.trim().is_empty() => Ok(n.trim().to_string()),
            _ => Err(self.err(node, "missing the name attribute")),
        }
    }

    fn text<'a>(&self, node: Node<'a, '_>) -> &'a str {
        node.text().unwrap_or("").trim()
    }

    fn numbers(&self, node: Node) -> Result<Vec<f64>, FormatError> {
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

    fn scalar(&self, node: Node) -> Result<f64, FormatError> {
        let v = self.numbers(node)?;
        if v.len() != 1 {
            return Err(self.err(node, format!("expected one number, found {}", v.len())));
        }
        Ok(v[0])
    }

    fn vec3(&self, node: Node) -> Result<Vec3, FormatError> {
        let v = self.numbers(node)?;
        if v.len() != 3 {
            return Err(self.err(node, format!("expected 3 numbers, found {}", v.len())));
        }
        Ok([v[0], v[1], v[2]])
    }

    fn req_scalar(&self, node: Node, tag: &str) -> Result<f64, FormatError> {
        self.scalar(self.req(node, tag)?)
    }

    fn opt_scalar(&self, node: Node, tag: &str, default: f64) -> Result<f64, FormatError> {
        child(node, tag).map_or(Ok(default), |n| self.scalar(n))
    }

    fn opt_vec3(&self, node: Node, tag: &str, default: Vec3) -> Result<Vec3, FormatError> {
        child(node, tag).map_or(Ok(default), |n| self.vec3(n))
    }

    fn opt_bool(&self, node: Node, tag: &str) -> Result<bool, FormatError> {
        match child(node, tag) {
            None => Ok(false),
            Some(n) => match self.text(n).to_ascii_lowercase().as_str() {
                "true" | "1" => Ok(true),
                "false" | "0" | "" => Ok(false),
                other => Err(self.err(n, format!("\"{other}\" is not true or false"))),
            },
        }
    }

    fn positive(&self, node: Node, tag: &str, v: f64) -> Result<f64, FormatError> {
        if v > 0.0 {
            Ok(v)
        } else {
            let at = child(node, tag).unwrap_or(node);
            Err(self.err(at, format!("{tag} must be positive, got {v}")))
        }
    }

    fn model(&self) -> Result<Model, FormatError> {
        let root = self.doc.root_element();
        let model = if root.tag_name().name() == "Model" {
            root
        } else {
            child(root, "Model").ok_or_else(|| self.err(root, "no <Model> element"))?
        };
        let name = model.attribute("name").unwrap_or("model").to_string();
        let gravity = self.opt_vec3(model, "gravity", [0.0, -9.80665, 0.0])?;
        if child(model, "JointSet").is_some() && child(model, "BodySet").is_some() {
            let bodyset = self.req(model, "BodySet")?;
            let nested = set_items(bodyset)
                .iter()
                .any(|b| child(*b, "Joint").is_some());
            if !nested {
                return Err(self.err(
                    model,
                    "OpenSim 4 layout (joints in a JointSet with frame sockets) is not supported yet; \
                     save the model in the OpenSim 3 layout",
                ));
            }
        }
        let bodyset = self.req(model, "BodySet")?;
        let body_nodes = set_items(bodyset);
        let mut bodies = Vec::new();
        let mut body_index = HashMap::new();
        let mut ground_seen = false;
        // Ground first, then the others in file order.
        let mut ordered: Vec<Node> = Vec::new();
        for b in &body_nodes {
            if b.tag_name().name() != "Body" {
                return Err(self.err(*b, "expected a <Body> in the BodySet"));
            }
            if b.attribute("name") == Some("ground") {
                ground_seen = true;
                ordered.insert(0, *b);
            } else {
                ordered.push(*b);
            }
        }
        if !ground_seen {
            return Err(self.err(bodyset, "no body named \"ground\""));
        }
        for b in &ordered {
            let body = self.body(*b)?;
            if body_index.insert(body.name.clone(), bodies.len()).is_some() {
                return Err(self.err(*b, format!("duplicate body name \"{}\"", body.name)));
            }
            bodies.push(body);
        }

        // Joints and their coordinates.
        let mut coordinates = Vec::new();
        let mut coordinate_nodes = Vec::new();
        let mut raw_joints = Vec::new();
        for (child_index, b) in ordered.iter().enumerate().skip(1) {
            let jnode = self.req(*b, "Joint")?;
            let Some(kind_node) = element_children(jnode).next() else {
                return Err(self.err(jnode, "the body has no joint to a parent"));
            };
            raw_joints.push((child_index, kind_node));
            let coord_set = child(kind_node, "CoordinateSet");
            for c in coord_set.map(set_items).unwrap_or_default() {
                if c.tag_name().name() != "Coordinate" {
                    continue;
                }
                coordinate_nodes.push(c);
                coordinates.push(self.coordinate(c, raw_joints.len() - 1)?);
            }
        }
        let mut coordinate_index = HashMap::new();
        for (i, c) in coordinates.iter().enumerate() {
            if coordinate_index.insert(c.name.clone(), i).is_some() {
                return Err(self.err(
                    coordinate_nodes[i],
                    format!("duplicate coordinate name \"{}\"", c.name),
                ));
            }
        }
        let mut joints = Vec::new();
        for (j, (child_index, node)) in raw_joints.iter().enumerate() {
            let owned: Vec<usize> = coordinates
                .iter()
                .enumerate()
                .filter(|(_, c)| c.joint == j)
                .map(|(i, _)| i)
                .collect();
            joints.push(self.joint(*node, *child_index, &body_index, &coordinate_index, owned)?);
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

        // Forces.
        let mut muscles = Vec::new();
        let mut limit_forces = Vec::new();
        let mut hunt_crossley = Vec::new();
        let mut ignored_forces = Vec::new();
        if let Some(forceset) = child(model, "ForceSet") {
            for f in set_items(forceset) {
                match f.tag_name().name() {
                    "Thelen2003Muscle" => {
                        if self.opt_bool(f, "isDisabled")? {
                            continue;
                        }
                        muscles.push(self.muscle(f, &body_index, &coordinate_index)?)
                    }
                    "CoordinateLimitForce" => {
                        limit_forces.push(self.limit_force(f, &coordinate_index)?)
                    }
                    "HuntCrossleyForce" => hunt_crossley.push(self.hunt_crossley(f)?),
                    other => ignored_forces.push(format!(
                        "{other} \"{}\"",
                        f.attribute("name").unwrap_or("?")
                    )),
                }
            }
        }
        let mut seen = HashMap::new();
        for (i, m) in muscles.iter().enumerate() {
            if let Some(prev) = seen.insert(m.name.clone(), i) {
                let _ = prev;
                return Err(self.err(forcesets(model), format!("duplicate muscle \"{}\"", m.name)));
            }
        }

        // Contact geometry.
        let mut contact_spheres = Vec::new();
        let mut contact_half_spaces = Vec::new();
        if let Some(set) = child(model, "ContactGeometrySet") {
            for g in set_items(set) {
                let name = self.name(g)?;
                let body_node = child(g, "body_name")
                    .or_else(|| child(g, "socket_frame"))
                    .ok_or_else(|| self.err(g, "missing <body_name>"))?;
                let body_name = self.text(body_node).trim_start_matches("/bodyset/");
                let body = *body_index.get(body_name).ok_or_else(|| {
                    self.err(body_node, format!("names a missing body \"{body_name}\""))
                })?;
                let location = self.opt_vec3(g, "location", [0.0; 3])?;
                let orientation = self.opt_vec3(g, "orientation", [0.0; 3])?;
                match g.tag_name().name() {
                    "ContactSphere" => {
                        let radius = self.req_scalar(g, "radius")?;
                        self.positive(g, "radius", radius)?;
                        contact_spheres.push(ContactSphere {
                            name,
                            body,
                            location,
                            radius,
                        });
                    }
                    "ContactHalfSpace" => contact_half_spaces.push(ContactHalfSpace {
                        name,
                        body,
                        location,
                        orientation,
                    }),
                    other => ignored_forces.push(format!("{other} \"{name}\"")),
                }
            }
        }
        for hc in &hunt_crossley {
            for g in &hc.geometry {
                let known = contact_spheres.iter().any(|s| &s.name == g)
                    || contact_half_spaces.iter().any(|s| &s.name == g);
                if !known {
                    let node = forcesets(model);
                    return Err(self.err(
                        node,
                        format!(
                            "HuntCrossleyForce \"{}\" names a missing contact geometry \"{g}\"",
                            hc.name
                        ),
                    ));
                }
            }
        }

        Ok(Model {
            name,
            source: self.path.to_path_buf(),
            gravity,
            bodies,
            joints: sorted,
            coordinates,
            muscles,
            limit_forces,
            contact_spheres,
            contact_half_spaces,
            hunt_crossley,
            ignored_forces,
        })
    }

    fn body(&self, node: Node) -> Result<Body, FormatError> {
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

    fn display_geometry(&self, body: Node) -> Result<Vec<DisplayGeometry>, FormatError> {
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

    fn coordinate(&self, node: Node, joint: usize) -> Result<Coordinate, FormatError> {
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

    fn joint(
        &self,
        node: Node,
        child_body: usize,
        bodies: &HashMap<String, usize>,
        coordinates: &HashMap<String, usize>,
        owned: Vec<usize>,
    ) -> Result<Joint, FormatError> {
        let name = self.name(node)?;
        let parent_node = self.req(node, "parent_body")?;
        let parent_name = self.text(parent_node);
        let parent = *bodies.get(parent_name).ok_or_else(|| {
            self.err(
                parent_node,
                format!("names a missing parent body \"{parent_name}\""),
            )
        })?;
        if parent == child_body {
            return Err(self.err(parent_node, "a body cannot be its own parent"));
        }
        let kind = match node.tag_name().name() {
            "CustomJoint" => JointKind::Custom(self.spatial_transform(node, coordinates)?),
            "PinJoint" => {
                if owned.len() != 1 {
                    return Err(self.err(node, "a PinJoint needs exactly one coordinate"));
                }
                JointKind::Pin
            }
            "WeldJoint" => JointKind::Weld,
            other => return Err(self.err(node, format!("unsupported joint type {other}"))),
        };
        if node.tag_name().name() == "WeldJoint" && !owned.is_empty() {
            return Err(self.err(node, "a WeldJoint cannot have coordinates"));
        }
        if self.opt_bool(node, "reverse")? {
            return Err(self.err(node, "reversed joints are not supported"));
        }
        Ok(Joint {
            name,
            kind,
            parent,
            child: child_body,
            location_in_parent: self.opt_vec3(node, "location_in_parent", [0.0; 3])?,
            orientation_in_parent: self.opt_vec3(node, "orientation_in_parent", [0.0; 3])?,
            location: self.opt_vec3(node, "location", [0.0; 3])?,
            orientation: self.opt_vec3(node, "orientation", [0.0; 3])?,
            coordinates: owned,
        })
    }

    fn spatial_transform(
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

    fn transform_axis(
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
    fn function_in(&self, wrapper: Node) -> Result<Function, FormatError> {
        match element_children(wrapper).next() {
            Some(f) => self.function(f),
            None => Err(self.err(wrapper, "empty function")),
        }
    }

    fn function(&self, node: Node) -> Result<Function, FormatError> {
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

    fn muscle(
        &self,
        node: Node,
        bodies: &HashMap<String, usize>,
        coordinates: &HashMap<String, usize>,
    ) -> Result<Muscle, FormatError> {
        let name = self.name(node)?;
        let path_node = self.req(node, "GeometryPath")?;
        let set = self.req(path_node, "PathPointSet")?;
        let mut path = Vec::new();
        for p in set_items(set) {
            path.push(self.path_point(p, bodies, coordinates)?);
        }
        if path.len() < 2 {
            return Err(self.err(set, "a muscle path needs at least two points"));
        }
        let req_pos = |tag: &str| -> Result<f64, FormatError> {
            let v = self.req_scalar(node, tag)?;
            self.positive(node, tag, v)
        };
        let muscle = Muscle {
            max_isometric_force: req_pos("max_isometric_force")?,
            optimal_fiber_length: req_pos("optimal_fiber_length")?,
            tendon_slack_length: req_pos("tendon_slack_length")?,
            pennation_angle_at_optimal: self.opt_scalar(node, "pennation_angle_at_optimal", 0.0)?,
            max_contraction_velocity: {
                let v = self.opt_scalar(node, "max_contraction_velocity", 10.0)?;
                self.positive(node, "max_contraction_velocity", v)?
            },
            activation_time_constant: {
                let v = self.opt_scalar(node, "activation_time_constant", 0.01)?;
                self.positive(node, "activation_time_constant", v)?
            },
            deactivation_time_constant: {
                let v = self.opt_scalar(node, "deactivation_time_constant", 0.04)?;
                self.positive(node, "deactivation_time_constant", v)?
            },
            fmax_tendon_strain: {
                let v = self.opt_scalar(node, "FmaxTendonStrain", 0.04)?;
                self.positive(node, "FmaxTendonStrain", v)?
            },
            fmax_muscle_strain: {
                let v = self.opt_scalar(node, "FmaxMuscleStrain", 0.6)?;
                self.positive(node, "FmaxMuscleStrain", v)?
            },
            kshape_active: {
                let v = self.opt_scalar(node, "KshapeActive", 0.45)?;
                self.positive(node, "KshapeActive", v)?
            },
            kshape_passive: {
                let v = self.opt_scalar(node, "KshapePassive", 5.0)?;
                self.positive(node, "KshapePassive", v)?
            },
            af: {
                let v = self.opt_scalar(node, "Af", 0.25)?;
                self.positive(node, "Af", v)?
            },
            flen: {
                let v = self.opt_scalar(node, "Flen", 1.4)?;
                if v <= 1.0 {
                    return Err(self.err(node, format!("Flen must exceed 1, got {v}")));
                }
                v
            },
            name,
            path,
        };
        let pen = muscle.pennation_angle_at_optimal;
        if !(0.0..std::f64::consts::FRAC_PI_2).contains(&pen) {
            return Err(self.err(
                child(node, "pennation_angle_at_optimal").unwrap_or(node),
                format!("pennation angle {pen} must be in [0, pi/2)"),
            ));
        }
        Ok(muscle)
    }

    fn path_point(
        &self,
        node: Node,
        bodies: &HashMap<String, usize>,
        coordinates: &HashMap<String, usize>,
    ) -> Result<PathPoint, FormatError> {
        let name = node.attribute("name").unwrap_or("").to_string();
        let body_node = self.req(node, "body")?;
        let body_name = self.text(body_node);
        let body = *bodies
            .get(body_name)
            .ok_or_else(|| self.err(body_node, format!("names a missing body \"{body_name}\"")))?;
        let location = self.opt_vec3(node, "location", [0.0; 3])?;
        let coordinate_of = |n: Node| -> Result<usize, FormatError> {
            let cname = self.text(n);
            coordinates
                .get(cname)
                .copied()
                .ok_or_else(|| self.err(n, format!("names a missing coordinate \"{cname}\"")))
        };
        let kind = match node.tag_name().name() {
            "PathPoint" => PathPointKind::Fixed,
            "ConditionalPathPoint" => {
                let r = self.req(node, "range")?;
                let v = self.numbers(r)?;
                if v.len() != 2 || v[0] > v[1] {
                    return Err(self.err(r, "expected two numbers, min <= max"));
                }
                PathPointKind::Conditional {
                    coordinate: coordinate_of(self.req(node, "coordinate")?)?,
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
                        let cnode = self.req(node, &format!("{axis}_coordinate"))?;
                        components[k] = Some((self.function_in(f)?, coordinate_of(cnode)?));
                    }
                }
                PathPointKind::Moving { components }
            }
            other => return Err(self.err(node, format!("unsupported path point type {other}"))),
        };
        Ok(PathPoint {
            name,
            body,
            location,
            kind,
        })
    }

    fn limit_force(
        &self,
        node: Node,
        coordinates: &HashMap<String, usize>,
    ) -> Result<CoordinateLimitForce, FormatError> {
        let cnode = self.req(node, "coordinate")?;
        let cname = self.text(cnode);
        let coordinate = *coordinates
            .get(cname)
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

    fn hunt_crossley(&self, node: Node) -> Result<HuntCrossley, FormatError> {
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
    fn topological_order(
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
