//! From a parsed [`Model`] to the plan of a reduced-coordinate multibody: which bodies share a
//! rigid link, and how each link hangs from its parent through one revolute degree of freedom.
//!
//! - Welded bodies and joints whose coordinates are all locked are merged into their parent's link
//!   (talus + calcn + toes form one foot link; torso + head ride on the pelvis, lumbar extension
//!   being locked).
//! - The root `CustomJoint` to ground with six coordinates becomes the multibody's free root. When
//!   some of them are locked (the planar model locks pelvis list, rotation and tz), the root stays
//!   free in the multibody and the simulation holds it to the ground with a joint whose locked
//!   axes are those ([`RootJoint::Constrained`]).
//! - A `CustomJoint` with several free rotations becomes a chain of revolutes through massless
//!   (1 g) intermediate links, which reproduces OpenSim's body-fixed rotation sequence exactly
//!   (rapier has no two-axis multibody joint).
//! - A `CustomJoint` whose translations are functions of its one free rotation (the knee) becomes a
//!   revolute about the fixed pivot that best fits the spline-driven path of the child origin in the
//!   least-squares sense over the walking range; the largest distance between the fitted and the
//!   exact child origin is recorded in [`Plan::approximations`].

use rapier3d::glamx::{DMat3, DVec3};

use super::kinematics::{joint_transform, Frame};
use crate::osim::function::Function;
use crate::osim::model::{JointKind, Model};

/// How a link is connected to its parent link.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum LinkJoint {
    /// The free-floating root (pelvis).
    Root,
    /// One degree of freedom of the joint frames' X axis.
    Dof(LinkDof),
}

/// A link's one degree of freedom: about the X axis of the joint frames (rapier's revolute,
/// `link_in_parent = frame_in_parent * Rx(angle) * frame_in_link^-1`) or, when `sliding`, along
/// it (rapier's prismatic, `Tx(distance)` in place of `Rx(angle)`).
#[derive(Debug, Clone)]
pub struct LinkDof {
    /// Joint frame in the parent link's frame.
    pub frame_in_parent: Frame,
    /// Joint frame in this link's frame.
    pub frame_in_link: Frame,
    /// The coordinate it realises; `angle (or distance) = slope * q + intercept`.
    pub coordinate: usize,
    /// Slope of the coordinate-to-angle (or distance) map.
    pub slope: f64,
    /// Intercept of that map.
    pub intercept: f64,
    /// A sliding (prismatic) dof, else a turning (revolute) one.
    pub sliding: bool,
}

/// Where a link's degree of freedom sits in rapier's joint coordinates (`coords()`): the linear
/// X axis first, the angular X axis fourth.
pub fn rapier_coordinate(sliding: bool) -> usize {
    if sliding {
        0
    } else {
        3
    }
}

impl LinkJoint {
    /// The link's degree of freedom (none for the root).
    pub fn dof(&self) -> Option<&LinkDof> {
        match self {
            LinkJoint::Root => None,
            LinkJoint::Dof(d) => Some(d),
        }
    }
}

/// One rigid link of the multibody.
#[derive(Debug, Clone)]
pub struct LinkPlan {
    /// Parent link index (none for the root).
    pub parent: Option<usize>,
    /// The connection to the parent.
    pub joint: LinkJoint,
    /// Bodies carried by this link, with each body's frame in the link frame.
    pub bodies: Vec<(usize, Frame)>,
    /// A display name.
    pub name: String,
}

/// Where a model body lives in the multibody.
#[derive(Debug, Clone, Copy)]
pub struct BodyPlacement {
    /// The link carrying the body.
    pub link: usize,
    /// The body's frame in the link's frame.
    pub offset: Frame,
}

/// How to read one model coordinate back from the multibody.
#[derive(Debug, Clone, Copy)]
pub enum CoordinateSource {
    /// Locked or not simulated: always this value.
    Fixed(f64),
    /// One of the root's rotations (index into the root joint's three rotation axes).
    RootRotation(usize),
    /// One of the root's translations.
    RootTranslation(usize),
    /// A link's degree of freedom: `q = (angle (or distance) - intercept) / slope`.
    Link {
        /// The link.
        link: usize,
        /// Slope of the coordinate-to-angle (or distance) map.
        slope: f64,
        /// Intercept.
        intercept: f64,
        /// A prismatic link (else revolute).
        sliding: bool,
    },
}

/// How the root body hangs from the ground.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum RootJoint {
    /// All six root coordinates are free: the root is the multibody's free-floating base.
    Free,
    /// Some root coordinates are locked: a joint from the ground whose free axes are the
    /// unlocked translations (along the parent frame's X, Y, Z) and at most one rotation.
    /// `body = frame_in_parent * T(t) * R_axis(angle) * frame_in_child^-1`.
    Constrained {
        /// Joint frame on the ground (the root joint's frame in its parent).
        frame_in_parent: Frame,
        /// Joint frame on the root body (locked rotations after the free one folded in).
        frame_in_child: Frame,
        /// The coordinate driving each translation axis, where it is free.
        translations: [Option<usize>; 3],
        /// The free rotation: its frame axis (0 = X, 1 = Y, 2 = Z) and coordinate.
        rotation: Option<(usize, usize)>,
    },
}

/// The whole plan.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Links, parents first; link 0 is the root.
    pub links: Vec<LinkPlan>,
    /// Per model body (ground: `None`).
    pub bodies: Vec<Option<BodyPlacement>>,
    /// Per model coordinate.
    pub coordinates: Vec<CoordinateSource>,
    /// The root body (pelvis) index.
    pub root_body: usize,
    /// How the root body is jointed to the ground.
    pub root_joint: RootJoint,
    /// Human-readable notes on where the multibody differs from OpenSim, with measured errors.
    pub approximations: Vec<String>,
}

/// Why a model cannot be turned into a multibody.
#[derive(Debug, Clone, thiserror::Error)]
#[error("joint \"{joint}\": {message}")]
pub struct PlanError {
    /// The joint.
    pub joint: String,
    /// What is unsupported.
    pub message: String,
}

/// Whether a coordinate is a degree of freedom of the multibody: not locked, and not driven by a
/// `CoordinateCouplerConstraint` (those are held at their coupled default; see `plan`).
fn held(model: &Model, c: usize) -> bool {
    model.coordinates[c].locked || crate::sim::kinematics::is_dependent(model, c)
}

fn is_free(model: &Model, c: Option<usize>, f: &Function) -> bool {
    c.is_some_and(|c| !held(model, c)) && !f.is_constant()
}

/// A rotation taking the X axis (rapier's revolute axis) onto `axis`.
fn align_x(axis: DVec3) -> DMat3 {
    let x = axis.normalize();
    let helper = if x.y.abs() < 0.9 { DVec3::Y } else { DVec3::Z };
    let z = x.cross(helper).normalize();
    let y = z.cross(x);
    DMat3::from_cols(x, y, z)
}

fn rot(m: DMat3) -> Frame {
    Frame {
        rot: m,
        pos: DVec3::ZERO,
    }
}

fn trans(v: DVec3) -> Frame {
    Frame {
        rot: DMat3::IDENTITY,
        pos: v,
    }
}

/// Plans the multibody for `model`.
pub fn plan(model: &Model) -> Result<Plan, PlanError> {
    let mut q0 = model.default_coordinates();
    crate::sim::kinematics::enforce_couplers(model, &mut q0);
    let mut links: Vec<LinkPlan> = Vec::new();
    let mut bodies: Vec<Option<BodyPlacement>> = vec![None; model.bodies.len()];
    let mut coordinates: Vec<CoordinateSource> =
        q0.iter().map(|&v| CoordinateSource::Fixed(v)).collect();
    let mut approximations = Vec::new();
    if !model.couplers.is_empty() {
        let names: Vec<&str> = model
            .couplers
            .iter()
            .map(|c| model.coordinates[c.dependent].name.as_str())
            .collect();
        approximations.push(format!(
            "coupled coordinates are held at their value in the default pose, not driven by \
             their constraints: {}",
            names.join(", ")
        ));
    }
    let mut root_body = None;
    let mut root_joint = RootJoint::Free;

    for joint in &model.joints {
        let err = |message: String| PlanError {
            joint: joint.name.clone(),
            message,
        };
        let in_parent = Frame::from_xyz(joint.orientation_in_parent, joint.location_in_parent);
        let in_child = Frame::from_xyz(joint.orientation, joint.location);
        let free: Vec<usize> = joint
            .coordinates
            .iter()
            .copied()
            .filter(|c| !held(model, *c))
            .collect();

        if joint.parent == 0 {
            // The root: a joint whose axes are each driven by their own coordinate (or fixed);
            // a WeldJoint to ground is a root with nothing free.
            let welded;
            let st = match &joint.kind {
                JointKind::Custom(st) => st,
                JointKind::Weld => {
                    welded = weld_transform();
                    &welded
                }
            };
            if root_body.is_some() {
                return Err(err("only one body may be jointed to ground".into()));
            }
            for (k, axis) in st.rotations.iter().chain(&st.translations).enumerate() {
                // An axis without a coordinate (a PlanarJoint's or a PinJoint's unused ones) is
                // planned as a locked coordinate: any constant rotation, a zero translation.
                if axis.coordinate.is_none() {
                    match axis.function {
                        Function::Constant(c) if k < 3 || c == 0.0 => continue,
                        _ => {}
                    }
                }
                let ok = matches!(axis.function, Function::Linear { slope, intercept } if slope == 1.0 && intercept == 0.0)
                    && axis.coordinate.is_some();
                if !ok {
                    return Err(err(format!(
                        "root axis {} must be the identity function of its own coordinate",
                        k + 1
                    )));
                }
                let c = axis.coordinate.unwrap_or(0);
                coordinates[c] = if held(model, c) {
                    CoordinateSource::Fixed(q0[c])
                } else if k < 3 {
                    CoordinateSource::RootRotation(k)
                } else {
                    CoordinateSource::RootTranslation(k - 3)
                };
            }
            root_joint = plan_root_joint(model, st, &in_parent, &in_child).map_err(err)?;
            root_body = Some(joint.child);
            bodies[joint.child] = Some(BodyPlacement {
                link: links.len(),
                offset: Frame::IDENTITY,
            });
            links.push(LinkPlan {
                parent: None,
                joint: LinkJoint::Root,
                bodies: vec![(joint.child, Frame::IDENTITY)],
                name: model.bodies[joint.child].name.clone(),
            });
            continue;
        }

        let parent = bodies[joint.parent]
            .ok_or_else(|| err("its parent body is not placed (is ground its root?)".into()))?;
        let merge = matches!(joint.kind, JointKind::Weld) || free.is_empty();
        if merge {
            let offset = parent.offset.mul(&joint_transform(joint, &q0));
            bodies[joint.child] = Some(BodyPlacement {
                link: parent.link,
                offset,
            });
            links[parent.link].bodies.push((joint.child, offset));
            continue;
        }

        // A chain of steps: `prefix`, then for each free translation of its own coordinate a
        // prismatic link, for each free rotation a revolute link, `rest` last.
        struct Step {
            axis: DVec3,
            coordinate: usize,
            slope: f64,
            intercept: f64,
            sliding: bool,
        }
        let mut steps: Vec<(Frame, Step)> = Vec::new(); // (constant transform before the step, step)
        let mut pending = parent.offset.mul(&in_parent);
        match &joint.kind {
            JointKind::Custom(st) => {
                let free_rotations: Vec<usize> = (0..3)
                    .filter(|&k| {
                        is_free(model, st.rotations[k].coordinate, &st.rotations[k].function)
                    })
                    .collect();
                let rotation_coordinates: Vec<Option<usize>> = free_rotations
                    .iter()
                    .map(|&k| st.rotations[k].coordinate)
                    .collect();
                // Free translations of a coordinate no rotation reads (a slider's, a planar
                // joint's) become prismatic steps before the rotations, as the transform
                // translates along the parent frame's axes first.
                let sliding: Vec<usize> = (0..3)
                    .filter(|&k| {
                        let a = &st.translations[k];
                        is_free(model, a.coordinate, &a.function)
                            && !rotation_coordinates.contains(&a.coordinate)
                    })
                    .collect();
                for &k in &sliding {
                    let a = &st.translations[k];
                    let Function::Linear { slope, intercept } = a.function else {
                        return Err(err(format!(
                            "translation{} must be a linear function of its coordinate",
                            k + 1
                        )));
                    };
                    steps.push((
                        pending,
                        Step {
                            axis: DVec3::from_array(a.axis),
                            coordinate: a.coordinate.unwrap_or(0),
                            slope,
                            intercept,
                            sliding: true,
                        },
                    ));
                    pending = Frame::IDENTITY;
                }
                let coupled: Vec<usize> = (0..3)
                    .filter(|&k| {
                        !sliding.contains(&k)
                            && is_free(
                                model,
                                st.translations[k].coordinate,
                                &st.translations[k].function,
                            )
                    })
                    .collect();
                let translation_at = |q: &[f64]| -> DVec3 {
                    st.translations
                        .iter()
                        .enumerate()
                        .filter(|(k, _)| !sliding.contains(k))
                        .fold(DVec3::ZERO, |acc, (_, a)| {
                            acc + DVec3::from_array(a.axis)
                                * a.function.value(a.coordinate.map_or(0.0, |c| q[c]))
                        })
                };
                let rotation_const = |k: usize| -> DMat3 {
                    let a = &st.rotations[k];
                    let angle = a.function.value(a.coordinate.map_or(0.0, |c| q0[c]));
                    DMat3::from_axis_angle(DVec3::from_array(a.axis), angle)
                };
                let linear = |k: usize| -> Result<(f64, f64), PlanError> {
                    match st.rotations[k].function {
                        Function::Linear { slope, intercept } if slope != 0.0 => {
                            Ok((slope, intercept))
                        }
                        _ => Err(err(format!(
                            "rotation{} must be a linear function of its coordinate",
                            k + 1
                        ))),
                    }
                };
                if coupled.is_empty() {
                    pending = pending.mul(&trans(translation_at(&q0)));
                    for k in 0..3 {
                        if free_rotations.contains(&k) {
                            let (slope, intercept) = linear(k)?;
                            steps.push((
                                pending,
                                Step {
                                    axis: DVec3::from_array(st.rotations[k].axis),
                                    coordinate: st.rotations[k].coordinate.unwrap_or(0),
                                    slope,
                                    intercept,
                                    sliding: false,
                                },
                            ));
                            pending = Frame::IDENTITY;
                        } else {
                            pending = pending.mul(&rot(rotation_const(k)));
                        }
                    }
                } else {
                    // Coupled translations: one free rotation, and the translations read only its
                    // coordinate. Fit t(q) ~ c + M(q) d with M(q) the rotation up to the free axis.
                    if free_rotations.len() != 1 {
                        let first = st.rotations[free_rotations[0]].coordinate;
                        let one_coordinate = free_rotations
                            .iter()
                            .all(|&k| st.rotations[k].coordinate == first);
                        return Err(err(if one_coordinate {
                            "its rotations about several axes all follow one coordinate (a \
                             knee turning on splines): not simulated, only one free rotation \
                             with coupled translations is"
                                .into()
                        } else {
                            "coupled translations need exactly one free rotation".into()
                        }));
                    }
                    let k = free_rotations[0];
                    let coord = st.rotations[k].coordinate.unwrap_or(0);
                    if coupled
                        .iter()
                        .any(|&t| st.translations[t].coordinate != Some(coord))
                    {
                        return Err(err(
                            "translations must depend on the rotation's coordinate".into()
                        ));
                    }
                    let (slope, intercept) = linear(k)?;
                    let pre = (0..k).fold(DMat3::IDENTITY, |m, j| m * rotation_const(j));
                    let post = (k + 1..3).fold(DMat3::IDENTITY, |m, j| m * rotation_const(j));
                    let axis = DVec3::from_array(st.rotations[k].axis);
                    let c = &model.coordinates[coord];
                    let lo = c.range[0].max(-1.75);
                    let hi = c.range[1].min(0.2).max(lo + 1e-3);
                    let samples: Vec<f64> =
                        (0..=60).map(|i| lo + (hi - lo) * i as f64 / 60.0).collect();
                    let m_of = |q: f64| pre * DMat3::from_axis_angle(axis, slope * q + intercept);
                    let mut qv = q0.clone();
                    let targets: Vec<DVec3> = samples
                        .iter()
                        .map(|&q| {
                            qv[coord] = q;
                            translation_at(&qv)
                        })
                        .collect();
                    let (center, d) = fit_pivot(&samples, &targets, m_of);
                    let worst = samples
                        .iter()
                        .zip(&targets)
                        .map(|(&q, t)| (center + m_of(q) * d - *t).length())
                        .fold(0.0, f64::max);
                    approximations.push(format!(
                        "{}: coupled translations replaced by a fixed pivot fitted over {}..{} rad of {}; \
                         child origin off by at most {:.2} mm",
                        joint.name, lo, hi, c.name, worst * 1000.0
                    ));
                    pending = pending.mul(&trans(center)).mul(&rot(pre));
                    steps.push((
                        pending,
                        Step {
                            axis,
                            coordinate: coord,
                            slope,
                            intercept,
                            sliding: false,
                        },
                    ));
                    pending = trans(d).mul(&rot(post));
                }
            }
            JointKind::Weld => unreachable!("merged above"),
        }
        // `pending` now holds the constant transform after the last step; the child body frame
        // is `... * pending * in_child^-1`.
        let rest = pending.mul(&in_child.inverse());
        let n = steps.len();
        let mut parent_link = parent.link;
        for (i, (before, step)) in steps.into_iter().enumerate() {
            let align = rot(align_x(step.axis));
            let last = i + 1 == n;
            let frame_in_link = if last {
                rest.inverse().mul(&align)
            } else {
                align
            };
            let link_index = links.len();
            let name = if last {
                model.bodies[joint.child].name.clone()
            } else {
                format!("{}_{}", joint.name, model.coordinates[step.coordinate].name)
            };
            links.push(LinkPlan {
                parent: Some(parent_link),
                joint: LinkJoint::Dof(LinkDof {
                    frame_in_parent: before.mul(&align),
                    frame_in_link,
                    coordinate: step.coordinate,
                    slope: step.slope,
                    intercept: step.intercept,
                    sliding: step.sliding,
                }),
                bodies: if last {
                    vec![(joint.child, Frame::IDENTITY)]
                } else {
                    Vec::new()
                },
                name,
            });
            coordinates[step.coordinate] = CoordinateSource::Link {
                link: link_index,
                slope: step.slope,
                intercept: step.intercept,
                sliding: step.sliding,
            };
            parent_link = link_index;
        }
        bodies[joint.child] = Some(BodyPlacement {
            link: parent_link,
            offset: Frame::IDENTITY,
        });
    }
    let root_body = root_body.ok_or_else(|| PlanError {
        joint: "ground".into(),
        message: "no body is jointed to ground".into(),
    })?;
    let wrapped = model.muscles.iter().filter(|m| !m.wraps.is_empty()).count();
    if wrapped > 0 {
        approximations.push(format!(
            "{wrapped} muscle path(s) wrap over surfaces: the simulation pulls along their straight \
             segments between path points (analyze and view wrap them exactly)"
        ));
    }
    let inert: Vec<&str> = model
        .muscles
        .iter()
        .filter(|m| !m.is_muscle())
        .map(|m| m.name.as_str())
        .collect();
    if !inert.is_empty() {
        approximations.push(format!(
            "path actuators without muscle properties are inert: {}",
            inert.join(", ")
        ));
    }
    Ok(Plan {
        links,
        bodies,
        coordinates,
        root_body,
        root_joint,
        approximations,
    })
}

/// The root joint for a root `CustomJoint` whose axes are identity functions of their own
/// coordinates: [`RootJoint::Free`] when none is locked, else the constrained joint (translation
/// axes must be X, Y, Z; at most one free rotation, about a unit axis, with the locked rotations
/// before it at zero).
fn plan_root_joint(
    model: &Model,
    st: &crate::osim::model::SpatialTransform,
    in_parent: &Frame,
    in_child: &Frame,
) -> Result<RootJoint, String> {
    let locked = |c: Option<usize>| c.is_none_or(|c| held(model, c));
    let all = st.rotations.iter().chain(&st.translations);
    if !all.clone().any(|a| locked(a.coordinate)) {
        return Ok(RootJoint::Free);
    }
    let mut translations = [None; 3];
    for (k, a) in st.translations.iter().enumerate() {
        if DVec3::from_array(a.axis) != DVec3::AXES[k] {
            return Err("a root with locked coordinates needs translation axes X, Y, Z".into());
        }
        translations[k] = a.coordinate.filter(|_| !locked(a.coordinate));
    }
    let free: Vec<usize> = (0..3)
        .filter(|&k| !locked(st.rotations[k].coordinate))
        .collect();
    let angle = |k: usize| {
        let a = &st.rotations[k];
        a.function.value(
            a.coordinate
                .map_or(0.0, |c| model.coordinates[c].default_value),
        )
    };
    let rotation_of =
        |k: usize| DMat3::from_axis_angle(DVec3::from_array(st.rotations[k].axis), angle(k));
    let (rotation, after) = match free.as_slice() {
        [] => (None, 0),
        [k] => {
            let axis = DVec3::from_array(st.rotations[*k].axis);
            let index = (0..3).find(|&i| axis == DVec3::AXES[i]);
            let Some(index) = index else {
                return Err("the free root rotation must be about X, Y or Z".into());
            };
            if (0..*k).any(|j| angle(j) != 0.0) {
                return Err("locked root rotations before the free one must be zero".into());
            }
            (
                Some((index, st.rotations[*k].coordinate.unwrap_or(0))),
                k + 1,
            )
        }
        _ => return Err("a root with locked coordinates may keep at most one rotation".into()),
    };
    // Locked rotations (all of them without a free one) become constant: body =
    // in_parent * T * R(free) * R_const * in_child^-1, so frame_in_child = in_child * R_const^-1.
    let fixed = (after..3).fold(DMat3::IDENTITY, |m, j| m * rotation_of(j));
    Ok(RootJoint::Constrained {
        frame_in_parent: *in_parent,
        frame_in_child: in_child.mul(&rot(fixed.transpose())),
        translations,
        rotation,
    })
}

/// Least-squares `c, d` minimising `sum |t_k - c - M(q_k) d|^2` (a tiny ridge keeps the
/// component of `d` along the rotation axis, which `c` can absorb, at zero).
fn fit_pivot(qs: &[f64], targets: &[DVec3], m_of: impl Fn(f64) -> DMat3) -> (DVec3, DVec3) {
    let mut ata = [[0.0f64; 6]; 6];
    let mut atb = [0.0f64; 6];
    for (&q, t) in qs.iter().zip(targets) {
        let m = m_of(q);
        for r in 0..3 {
            // Row r of [I | M].
            let mut row = [0.0; 6];
            row[r] = 1.0;
            for c in 0..3 {
                row[3 + c] = m.col(c)[r];
            }
            for i in 0..6 {
                atb[i] += row[i] * t[r];
                for j in 0..6 {
                    ata[i][j] += row[i] * row[j];
                }
            }
        }
    }
    for (i, row) in ata.iter_mut().enumerate() {
        row[i] += 1e-9;
    }
    let x = solve6(ata, atb);
    (DVec3::new(x[0], x[1], x[2]), DVec3::new(x[3], x[4], x[5]))
}

/// Gaussian elimination with partial pivoting for a 6x6 system.
fn solve6(mut a: [[f64; 6]; 6], mut b: [f64; 6]) -> [f64; 6] {
    for col in 0..6 {
        let pivot = (col..6)
            .max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))
            .unwrap_or(col);
        a.swap(col, pivot);
        b.swap(col, pivot);
        let p = a[col][col];
        if p.abs() < 1e-300 {
            continue;
        }
        for row in col + 1..6 {
            let f = a[row][col] / p;
            let pivot_row = a[col];
            for (x, pv) in a[row].iter_mut().zip(pivot_row).skip(col) {
                *x -= f * pv;
            }
            b[row] -= f * b[col];
        }
    }
    let mut x = [0.0; 6];
    for row in (0..6).rev() {
        let s: f64 = (row + 1..6).map(|k| a[row][k] * x[k]).sum();
        x[row] = if a[row][row].abs() < 1e-300 {
            0.0
        } else {
            (b[row] - s) / a[row][row]
        };
    }
    x
}

/// The root joint's transform: its own, or for a welded root one that does not move.
pub fn root_transform(joint: &crate::osim::model::Joint) -> crate::osim::model::SpatialTransform {
    match &joint.kind {
        JointKind::Custom(st) => st.clone(),
        JointKind::Weld => weld_transform(),
    }
}

/// A `SpatialTransform` that does not move: a welded root, planned as a root with every axis
/// locked.
fn weld_transform() -> crate::osim::model::SpatialTransform {
    let still = |k: usize| {
        let mut axis = [0.0; 3];
        axis[k] = 1.0;
        crate::osim::model::TransformAxis {
            coordinate: None,
            axis,
            function: Function::Constant(0.0),
        }
    };
    crate::osim::model::SpatialTransform {
        rotations: [still(0), still(1), still(2)],
        translations: [still(0), still(1), still(2)],
    }
}
