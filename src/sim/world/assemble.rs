//! Building the rapier world from the model's multibody [`Plan`]: the ground, one rigid body per
//! link with the merged bodies' mass properties, the feet's contact spheres and the bones'
//! capsules, the root's constraint to the ground, the revolute joints of the multibody, and the
//! integration parameters.

use std::sync::Arc;

use rapier3d::glamx::{DMat3, DVec3, Vec3};
use rapier3d::prelude::*;

use super::convert::{inertia_matrix, pose_of, to_f32};
use super::root::{check_root_axes, constrained_root_joint};
use super::{FootContact, Physics, SimConfig, SimError, Simulation, Sphere};
use crate::osim::model::Model;
use crate::sim::build::{plan, BodyPlacement, LinkPlan, Plan};
use crate::sim::kinematics::{body_frames, joint_transform, Frame};
use crate::sim::muscle::{MuscleState, MIN_ACTIVATION};

impl Simulation {
    /// Builds the world for `model` at its default pose.
    pub fn new(model: Arc<Model>, config: SimConfig) -> Result<Simulation, SimError> {
        check_config(&config)?;
        let plan = plan(&model)?;
        check_root_axes(&model, &plan)?;
        let q0 = model.default_coordinates();
        let frames = body_frames(&model, &q0);
        let mut assembly = Assembly {
            model: &model,
            plan: &plan,
            config: &config,
            physics: Physics::empty(),
            friction: friction(&model, &config),
            links: Vec::new(),
        };
        let ground_height = ground_height(&model, &frames);
        let (ground_body, ground) = assembly.ground(ground_height);
        assembly.links(&frames);
        let spheres = assembly.contact_spheres()?;
        if config.body_contact {
            assembly.bone_capsules(&q0);
        }
        if !config.fixed_root {
            assembly.root_constraint(ground_body, ground_height);
        }
        assembly.revolute_joints()?;
        let (multibody, link_ids) = assembly.multibody()?;
        let Assembly { physics, links, .. } = assembly;
        let descends = descends(&plan);
        let params = integration_parameters(&config);
        let n = plan.links.len();
        let nm = model.muscles.len();
        let mut sim = Simulation {
            plan,
            config,
            params,
            pipeline: PhysicsPipeline::new(),
            ccd: CCDSolver::new(),
            physics,
            ground,
            links,
            multibody,
            link_ids,
            descends,
            spheres,
            excitation: vec![0.0; nm],
            activation: vec![MIN_ACTIVATION; nm],
            muscles: vec![MuscleState::default(); nm],
            grf: [FootContact::default(); 2],
            time: 0.0,
            snapshot: None,
            dof_damping: vec![0.0; n],
            dof_torque: vec![0.0; n],
            dof_limit_damping: vec![0.0; n],
            fiber_guess: vec![f64::NAN; nm],
            push: None,
            model,
        };
        sim.start_at(&q0)?;
        Ok(sim)
    }

    /// Places the freshly built model at coordinates `q0` with the model's default speeds.
    fn start_at(&mut self, q0: &[f64]) -> Result<(), SimError> {
        let speeds = self
            .model
            .coordinates
            .iter()
            .map(|c| c.default_speed)
            .collect::<Vec<_>>();
        // A zero-length step makes rapier compute the links' mass properties (needed to place
        // velocities at their centres of mass).
        self.update_without_time();
        self.set_state(q0, &speeds)
    }
}

impl Physics {
    /// An empty rapier world.
    fn empty() -> Physics {
        Physics {
            islands: IslandManager::new(),
            broad_phase: DefaultBroadPhase::default(),
            narrow_phase: NarrowPhase::new(),
            bodies: RigidBodySet::new(),
            colliders: ColliderSet::new(),
            impulse_joints: ImpulseJointSet::new(),
            multibody_joints: MultibodyJointSet::new(),
            soft_bodies: SoftBodySet::new(),
        }
    }
}

/// Contact spheres (group 1) touch the ground only.
const SPHERE_GROUPS: InteractionGroups =
    InteractionGroups::new(Group::GROUP_1, Group::GROUP_2, InteractionTestMode::And);
/// The ground (group 2) touches contact spheres and bone capsules.
const GROUND_GROUPS: InteractionGroups = InteractionGroups::new(
    Group::GROUP_2,
    Group::GROUP_1.union(Group::GROUP_3),
    InteractionTestMode::And,
);
/// Bone capsules (group 3) touch the ground only.
const BONE_GROUPS: InteractionGroups =
    InteractionGroups::new(Group::GROUP_3, Group::GROUP_2, InteractionTestMode::And);

/// Rejects a configuration with no time step.
fn check_config(config: &SimConfig) -> Result<(), SimError> {
    if config.substeps == 0 || config.control_dt <= 0.0 || !config.control_dt.is_finite() {
        return Err(SimError::Input(
            "control_dt must be > 0 and substeps >= 1".into(),
        ));
    }
    Ok(())
}

/// The ground friction: the configured one, else the model's first HuntCrossley static friction.
fn friction(model: &Model, config: &SimConfig) -> f32 {
    config.friction.unwrap_or_else(|| {
        model
            .hunt_crossley
            .first()
            .map_or(0.8, |h| h.static_friction)
    }) as f32
}

/// Height of the model's contact half space at the default pose (0 without one).
fn ground_height(model: &Model, frames: &[Frame]) -> f64 {
    model.contact_half_spaces.first().map_or(0.0, |h| {
        frames[h.body].point(DVec3::from_array(h.location)).y
    })
}

/// `descends[j][k]`: link `k` is link `j` or one of its descendants.
fn descends(plan: &Plan) -> Vec<Vec<bool>> {
    let n = plan.links.len();
    (0..n)
        .map(|j| {
            (0..n)
                .map(|k| {
                    let mut cur = Some(k);
                    while let Some(c) = cur {
                        if c == j {
                            return true;
                        }
                        cur = plan.links[c].parent;
                    }
                    false
                })
                .collect()
        })
        .collect()
}

/// rapier's step settings: the substep, solver iterations and contact softness.
fn integration_parameters(config: &SimConfig) -> IntegrationParameters {
    let mut params = IntegrationParameters {
        dt: (config.control_dt / config.substeps as f64) as f32,
        num_solver_iterations: config.solver_iterations.max(1),
        ..IntegrationParameters::default()
    };
    for softness in [
        &mut params.contact_softness,
        &mut params.static_contact_softness,
    ] {
        softness.natural_frequency = config.contact_frequency as f32;
        softness.damping_ratio = config.contact_damping_ratio as f32;
    }
    params
}

/// World frame of a link at the default pose: from its first body, or for an intermediate
/// (bodiless) link from its joint frame on the already placed parent.
fn link_world_frame(link: &LinkPlan, frames: &[Frame], link_frames: &[Frame]) -> Frame {
    let (first_body, first_offset) = link
        .bodies
        .first()
        .copied()
        .unwrap_or((usize::MAX, Frame::IDENTITY));
    if first_body != usize::MAX {
        return frames[first_body].mul(&first_offset.inverse());
    }
    // An intermediate link: place it at its joint frame.
    let parent = link.parent.expect("intermediate links have parents");
    match link.joint.dof() {
        Some(d) => link_frames[parent]
            .mul(&d.frame_in_parent)
            .mul(&d.frame_in_link.inverse()),
        None => Frame::IDENTITY,
    }
}

/// Mass properties of a link: the sum of its bodies' in the link frame.
fn link_mass_properties(model: &Model, link: &LinkPlan) -> MassProperties {
    let mut mprops = MassProperties::default();
    for (b, offset) in &link.bodies {
        let body = &model.bodies[*b];
        if body.mass <= 0.0 {
            continue;
        }
        let inertia = inertia_matrix(body.inertia);
        let in_link = offset.rot * inertia * offset.rot.transpose();
        let com = offset.point(DVec3::from_array(body.mass_center));
        let m = Mat3::from_cols(
            to_f32(in_link.col(0)),
            to_f32(in_link.col(1)),
            to_f32(in_link.col(2)),
        );
        mprops += MassProperties::with_inertia_matrix(to_f32(com), body.mass as f32, m);
    }
    if mprops.mass() <= 0.0 {
        // Intermediate (massless in OpenSim) links carry 1 g so rapier's inverses exist.
        mprops = MassProperties::new(Vec3::ZERO, 1.0e-3, Vec3::splat(1.0e-6));
    }
    mprops
}

/// The world under construction.
struct Assembly<'a> {
    model: &'a Model,
    plan: &'a Plan,
    config: &'a SimConfig,
    physics: Physics,
    /// Friction of the ground and of every collider on the model.
    friction: f32,
    /// Rigid body of each plan link, once inserted.
    links: Vec<RigidBodyHandle>,
}

impl Assembly<'_> {
    /// Inserts the ground: a large box whose top face is the contact half space at `height`.
    fn ground(&mut self, height: f64) -> (RigidBodyHandle, ColliderHandle) {
        let physics = &mut self.physics;
        let body = physics
            .bodies
            .insert(RigidBodyBuilder::fixed().translation(Vec3::new(
                0.0,
                height as f32 - 1.0,
                0.0,
            )));
        let collider = physics.colliders.insert_with_parent(
            ColliderBuilder::cuboid(500.0, 1.0, 500.0)
                .friction(self.friction)
                .restitution(0.0)
                .collision_groups(GROUND_GROUPS),
            body,
            &mut physics.bodies,
        );
        (body, collider)
    }

    /// Inserts one rigid body per plan link, at the default pose (body `frames`).
    fn links(&mut self, frames: &[Frame]) {
        let mut link_frames: Vec<Frame> = Vec::new();
        for link in &self.plan.links {
            let world = link_world_frame(link, frames, &link_frames);
            let mprops = link_mass_properties(self.model, link);
            let builder = if self.config.fixed_root && link.parent.is_none() {
                RigidBodyBuilder::fixed()
            } else {
                RigidBodyBuilder::dynamic()
            };
            let rb = builder
                .pose(pose_of(&world))
                .additional_mass_properties(mprops)
                .can_sleep(false);
            self.links.push(self.physics.bodies.insert(rb));
            link_frames.push(world);
        }
    }

    /// Inserts the model's contact spheres on their links.
    fn contact_spheres(&mut self) -> Result<Vec<Sphere>, SimError> {
        let mut spheres = Vec::new();
        for s in &self.model.contact_spheres {
            let BodyPlacement { link, offset } = self.plan.bodies[s.body].ok_or_else(|| {
                SimError::Input(format!("contact sphere {} is on ground", s.name))
            })?;
            let centre = offset.point(DVec3::from_array(s.location));
            let collider = ColliderBuilder::ball(s.radius as f32)
                .translation(to_f32(centre))
                .density(0.0)
                .friction(self.friction)
                .restitution(0.0)
                .collision_groups(SPHERE_GROUPS)
                .build();
            let handle = self.physics.colliders.insert_with_parent(
                collider,
                self.links[link],
                &mut self.physics.bodies,
            );
            let body_name = &self.model.bodies[s.body].name;
            let foot = usize::from(body_name.ends_with("_l") || s.name.starts_with("l_"));
            spheres.push(Sphere {
                collider: handle,
                foot,
                radius: s.radius,
            });
        }
        Ok(spheres)
    }

    /// Bone capsules, so that a fallen model lies on the ground instead of sinking through it:
    /// from each body's origin towards each child's joint (the middle 70%, at coordinates `q0`),
    /// on links without contact spheres.
    fn bone_capsules(&mut self, q0: &[f64]) {
        let (model, plan) = (self.model, self.plan);
        let sphere_links: Vec<usize> = model
            .contact_spheres
            .iter()
            .filter_map(|s| plan.bodies[s.body].map(|p| p.link))
            .collect();
        for joint in &model.joints {
            let Some(BodyPlacement { link, offset }) = plan.bodies[joint.parent] else {
                continue;
            };
            if sphere_links.contains(&link) {
                continue;
            }
            let end = joint_transform(joint, q0).pos;
            let length = end.length();
            if length < 0.05 {
                continue;
            }
            let mass = model.bodies[joint.parent].mass.max(1.0);
            let radius = (0.025 * mass.cbrt()).clamp(0.02, 0.1);
            let a = offset.point(end * 0.15);
            let b = offset.point(end * 0.85);
            let collider =
                ColliderBuilder::capsule_from_endpoints(to_f32(a), to_f32(b), radius as f32)
                    .density(0.0)
                    .friction(self.friction)
                    .restitution(0.0)
                    .collision_groups(BONE_GROUPS)
                    .build();
            self.physics.colliders.insert_with_parent(
                collider,
                self.links[link],
                &mut self.physics.bodies,
            );
        }
    }

    /// A root with locked coordinates stays the multibody's free base and is held to the ground
    /// by an impulse joint with those axes locked (rapier loses contact friction on a
    /// multibody whose base is a fixed body).
    fn root_constraint(&mut self, ground_body: RigidBodyHandle, ground_height: f64) {
        let ground_frame = Frame {
            rot: DMat3::IDENTITY,
            pos: DVec3::new(0.0, ground_height - 1.0, 0.0),
        };
        if let Some(joint) = constrained_root_joint(&self.plan.root_joint, &ground_frame) {
            self.physics
                .impulse_joints
                .insert(ground_body, self.links[0], joint, true);
        }
    }

    /// Inserts the multibody joint of every revolute (and prismatic) link, limited to its
    /// coordinate's range.
    fn revolute_joints(&mut self) -> Result<(), SimError> {
        for (i, link) in self.plan.links.iter().enumerate() {
            let Some(d) = link.joint.dof() else {
                continue;
            };
            let (mask, axis) = if d.sliding {
                (JointAxesMask::LOCKED_PRISMATIC_AXES, JointAxis::LinX)
            } else {
                (JointAxesMask::LOCKED_REVOLUTE_AXES, JointAxis::AngX)
            };
            let parent = link.parent.expect("jointed links have parents");
            let c = &self.model.coordinates[d.coordinate];
            let lo = d.slope * c.range[0] + d.intercept;
            let hi = d.slope * c.range[1] + d.intercept;
            let mut joint = GenericJointBuilder::new(mask)
                .local_frame1(pose_of(&d.frame_in_parent))
                .local_frame2(pose_of(&d.frame_in_link));
            if lo.is_finite() && hi.is_finite() {
                joint = joint.limits(axis, [lo.min(hi) as f32, lo.max(hi) as f32]);
            }
            self.physics
                .multibody_joints
                .insert(self.links[parent], self.links[i], joint.build(), true)
                .ok_or_else(|| {
                    SimError::Input(format!("rapier refused the joint of link {}", link.name))
                })?;
        }
        Ok(())
    }

    /// The multibody and each link's rapier id; clears rapier's damping and sets the armature
    /// of every joint dof.
    fn multibody(&mut self) -> Result<(MultibodyIndex, Vec<usize>), SimError> {
        let joints = &mut self.physics.multibody_joints;
        let root_link = joints
            .rigid_body_link(self.links[0])
            .copied()
            .ok_or_else(|| SimError::Input("the model has no articulated links".into()))?;
        let multibody = root_link.multibody;
        let link_ids: Vec<usize> = self
            .links
            .iter()
            .map(|h| joints.rigid_body_link(*h).map_or(0, |l| l.id))
            .collect();
        if let Some(mb) = joints.get_multibody_mut(multibody) {
            mb.damping_mut().fill(0.0);
            let root_dofs = if self.config.fixed_root { 0 } else { 6 };
            for i in root_dofs..mb.armature().len() {
                mb.armature_mut()[i] = self.config.armature as f32;
            }
        }
        Ok((multibody, link_ids))
    }
}
