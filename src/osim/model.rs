//! A parsed OpenSim model as plain data: [`Model`] and its parts.
//!
//! The readers (`read.rs` for what both layouts share, `read4.rs` for the OpenSim 4 layout,
//! `read_wrap.rs` for wrapping surfaces and constraints) fill these types from an `.osim` file,
//! OpenSim 3 (`Version` 30000: each `Body` owns its `Joint`) or OpenSim 4 (`Version` 40000: a
//! `JointSet` whose joints name their frames through sockets). Every joint type is stored as the
//! `SpatialTransform` it is equivalent to, so the kinematics have one case.

use std::path::{Path, PathBuf};

use roxmltree::Document;
use serde::{Deserialize, Serialize};

use super::error::FormatError;
use super::function::Function;

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
    /// Wrapping surfaces, each fixed to a body.
    pub wrap_objects: Vec<WrapObject>,
    /// `CoordinateCouplerConstraint`s: coordinates that follow others.
    pub couplers: Vec<CoordinateCoupler>,
    /// What the reader skipped or approximated, one sentence each (unknown forces, constraints
    /// it cannot honour): shown to the user, never silently dropped.
    pub warnings: Vec<String>,
    /// The `Version` of the `OpenSimDocument` (30000, 40000, ...; 0 when absent).
    pub version: u32,
}

/// A wrapping surface fixed to a body (`WrapCylinder`, `WrapSphere`, `WrapEllipsoid`,
/// `WrapTorus`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WrapObject {
    /// Name, unique in the model (paths name it).
    pub name: String,
    /// The body it is fixed to.
    pub body: usize,
    /// Orientation in the body (body-fixed X-Y-Z angles, rad).
    pub rotation: Vec3,
    /// Origin in the body (m).
    pub translation: Vec3,
    /// The surface.
    pub shape: WrapShapeSpec,
    /// `quadrant`: `all`, or one signed axis (`+x`, `-y`, ...).
    pub quadrant: String,
    /// Whether paths wrap over it.
    pub active: bool,
}

/// The geometry of a wrapping surface.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum WrapShapeSpec {
    /// A cylinder along the local Z axis.
    Cylinder {
        /// Radius (m).
        radius: f64,
        /// Length along Z (m).
        length: f64,
    },
    /// A sphere.
    Sphere {
        /// Radius (m).
        radius: f64,
    },
    /// An ellipsoid with semi-axes along local X, Y, Z.
    Ellipsoid {
        /// Semi-axes (m).
        radii: Vec3,
    },
    /// A torus about the local Z axis.
    Torus {
        /// `inner_radius`: the tube's radius (m).
        inner_radius: f64,
        /// `outer_radius`: the radius of the circle through the tube's centres (m).
        outer_radius: f64,
    },
}

/// A muscle's use of a wrapping surface (`PathWrap`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PathWrap {
    /// Index into [`Model::wrap_objects`].
    pub object: usize,
    /// `hybrid`, `midpoint` or `axial` (ellipsoids only).
    pub method: String,
    /// The 1-based first and last path points it may wrap between (-1: the path's ends).
    pub range: [i32; 2],
}

/// A `CoordinateCouplerConstraint`: `dependent = scale * f(independent)`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CoordinateCoupler {
    /// Name of the constraint.
    pub name: String,
    /// The coordinate that follows.
    pub dependent: usize,
    /// The coordinate it follows.
    pub independent: usize,
    /// The coupling function.
    pub function: Function,
    /// `scale_factor`.
    pub scale: f64,
}

/// What kind of actuator a path belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum MuscleKind {
    /// `Thelen2003Muscle`: the simulation's muscle.
    Thelen2003,
    /// `Millard2012EquilibriumMuscle`: its parameters are read; the simulation treats it as a
    /// Thelen muscle with the same parameters.
    Millard2012,
    /// Another `Muscle` type (named): its four standard parameters are read.
    OtherMuscle(String),
    /// A `PathActuator` or `PathSpring` (named): a path without muscle properties; not in
    /// MuscleAnalysis's output and never simulated.
    PathOnly(String),
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
///
/// Every moving joint is held as the `SpatialTransform` Simbody's mobilizer for it amounts to
/// (`PinJoint`: a rotation about Z; `SliderJoint`: a translation along X; `UniversalJoint`: X then
/// Y; `BallJoint` and `GimbalJoint`: body-fixed X, Y, Z; `PlanarJoint`: Z, then X and Y translations;
/// `FreeJoint`: body-fixed X, Y, Z then X, Y, Z translations), and [`Joint::type_name`] keeps the
/// file's name for it.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum JointKind {
    /// Three rotations then three translations, each a function of a coordinate.
    Custom(SpatialTransform),
    /// A `WeldJoint`: no motion.
    Weld,
}

/// A joint connecting `child` to `parent`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Joint {
    /// Name, unique in the model.
    pub name: String,
    /// The element's type in the file (`CustomJoint`, `PinJoint`, `PlanarJoint`, ...).
    pub type_name: String,
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

/// A muscle (or any path actuator) and its path.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Muscle {
    /// Name, unique in the model.
    pub name: String,
    /// Its type in the file.
    pub kind: MuscleKind,
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
    /// OpenSim's smallest fibre length (m): the fibre at the maximum pennation angle
    /// `acos(0.1)`, and for a Millard muscle at least its active force-length curve's
    /// `min_norm_active_fiber_length` (0.4441 by default) times the optimal length.
    pub minimum_fiber_length: f64,
    /// A Millard muscle's curve parameters (`None` for other muscles).
    pub millard: Option<MillardCurves>,
    /// `ignore_tendon_compliance`: the file asks for a rigid tendon.
    pub rigid_tendon: bool,
    /// `default_activation` (Thelen's 0.05 when absent): the activation OpenSim's tools use for
    /// the fibre-length equilibrium.
    pub default_activation: f64,
    /// The path, origin to insertion.
    pub path: Vec<PathPoint>,
    /// The wrapping surfaces it may wrap over, in the file's order.
    pub wraps: Vec<PathWrap>,
}

/// A `Millard2012EquilibriumMuscle`'s curve parameters as the file gives them (OpenSim's
/// defaults where absent; `None`: derived as OpenSim derives them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MillardCurves {
    /// `ActiveForceLengthCurve`: min active, transition, max active (normalised lengths),
    /// shallow ascending slope, minimum value.
    pub active: [f64; 5],
    /// `FiberForceLengthCurve`: strain at zero force, strain at one normalised force.
    pub fiber_strains: [f64; 2],
    /// `FiberForceLengthCurve`: stiffness at low force, stiffness at one, curviness.
    pub fiber_shape: [Option<f64>; 3],
    /// `TendonForceLengthCurve`: strain at one normalised force.
    pub tendon_strain: f64,
    /// `TendonForceLengthCurve`: stiffness at one, normalised force at the toe's end, curviness.
    pub tendon_shape: [Option<f64>; 3],
    /// `fiber_damping`.
    pub fiber_damping: f64,
}

impl Muscle {
    /// Whether it is a muscle (OpenSim's MuscleAnalysis reports it), not a bare path actuator.
    pub fn is_muscle(&self) -> bool {
        !matches!(self.kind, MuscleKind::PathOnly(_))
    }
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
        super::read::Reader { path, doc: &doc }.model()
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
