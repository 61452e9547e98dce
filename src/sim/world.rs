//! The rapier world of the model: build, step with muscles, read state, snapshot and restore.
//!
//! One [`Simulation`] owns one rapier world. A control step holds the 22 excitations for
//! `control_dt` (0.01 s) and advances `substeps` rapier steps; before each, activations advance
//! (Thelen's first-order dynamics), muscle forces are computed from the current path geometry and
//! applied along every path segment to the links they pull on, and the coordinate limit forces are
//! applied as joint torques. Muscle force-velocity damping is stiff on the light feet, so its
//! linearisation `sum_m (dF_m/dv_m) r_mj^2` is made implicit through rapier's per-dof multibody
//! damping (and added back explicitly at the current velocity), which keeps the 2.5 ms substep
//! stable without changing the force the muscle applies.

use std::sync::Arc;

use rapier3d::glamx::{DMat3, DQuat, DVec3, Quat, Vec3};
use rapier3d::prelude::*;

use super::build::{plan, BodyPlacement, CoordinateSource, LinkJoint, Plan, PlanError, RootJoint};
use super::kinematics::{body_frames, Frame};
use super::muscle::{
    activation_step, compliant_tendon_state, rigid_tendon_state, MuscleState, TendonModel,
    MIN_ACTIVATION,
};
use super::path::{is_active, local_location, local_velocity};
use crate::osim::model::{JointKind, Model, MotionType};

/// Settings of the simulation.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SimConfig {
    /// Control interval: excitations are held this long (s).
    pub control_dt: f64,
    /// Rapier steps per control interval.
    pub substeps: usize,
    /// Rapier solver iterations per step.
    pub solver_iterations: usize,
    /// Ground friction coefficient; `None` takes the model's HuntCrossley static friction.
    pub friction: Option<f64>,
    /// Compliant (default) or rigid tendons.
    pub tendon: TendonModel,
    /// Reflected inertia added to every revolute joint (kg m^2), as MuJoCo's `armature`
    /// (0 by default: the model's own inertia).
    pub armature: f64,
    /// Hold the root body (pelvis) fixed in space, e.g. to test muscles on a suspended model.
    pub fixed_root: bool,
    /// Give the bones (pelvis, torso, thighs, shanks) capsules that collide with the ground, so a
    /// fallen model lies on it; the OpenSim model itself has contact only at the feet.
    pub body_contact: bool,
    /// Natural frequency of rapier's soft contact constraint (Hz).
    pub contact_frequency: f64,
    /// Damping ratio of rapier's soft contact constraint (rapier's default, 10, lets a collapsing
    /// model's feet sink 8 cm; 1 keeps it to about 3 cm at impact and 2 mm at rest).
    pub contact_damping_ratio: f64,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            control_dt: 0.01,
            substeps: 2,
            solver_iterations: 1,
            friction: None,
            tendon: TendonModel::Compliant,
            armature: 0.0,
            fixed_root: false,
            body_contact: true,
            contact_frequency: 60.0,
            contact_damping_ratio: 1.0,
        }
    }
}

/// Why a simulation could not be built or stepped.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The model's joints cannot be expressed as a multibody.
    #[error("cannot build the multibody: {0}")]
    Plan(#[from] PlanError),
    /// Bad arguments (wrong number of excitations or coordinates).
    #[error("{0}")]
    Input(String),
    /// The state became non-finite (an exploding simulation); reset before stepping again.
    #[error("the simulation diverged at t = {time:.3} s ({what})")]
    Diverged {
        /// Simulated time of the failure.
        time: f64,
        /// What was non-finite.
        what: String,
    },
}

/// Ground reaction on one foot.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct FootContact {
    /// Force of the ground on the foot, averaged over the last control interval (N, ground frame).
    pub force: DVec3,
    /// Its moment about the ground origin (N m).
    pub torque: DVec3,
}

/// Every rapier structure that holds state: cloned for snapshots.
#[derive(Clone)]
struct Physics {
    islands: IslandManager,
    broad_phase: DefaultBroadPhase,
    narrow_phase: NarrowPhase,
    bodies: RigidBodySet,
    colliders: ColliderSet,
    impulse_joints: ImpulseJointSet,
    multibody_joints: MultibodyJointSet,
    soft_bodies: SoftBodySet,
}

#[derive(Clone)]
struct Snapshot {
    physics: Physics,
    activation: Vec<f64>,
    excitation: Vec<f64>,
    time: f64,
}

/// A contact sphere in the rapier world.
#[derive(Debug, Clone)]
struct Sphere {
    collider: ColliderHandle,
    /// 0 for the right foot, 1 for the left (by the sphere's body name suffix).
    foot: usize,
    radius: f64,
}

/// The simulated model.
pub struct Simulation {
    model: Arc<Model>,
    plan: Plan,
    config: SimConfig,
    params: IntegrationParameters,
    pipeline: PhysicsPipeline,
    ccd: CCDSolver,
    physics: Physics,
    links: Vec<RigidBodyHandle>,
    multibody: MultibodyIndex,
    /// rapier link id of each plan link.
    link_ids: Vec<usize>,
    /// `descends[j][k]`: link `k` is link `j` or below it.
    descends: Vec<Vec<bool>>,
    spheres: Vec<Sphere>,
    excitation: Vec<f64>,
    activation: Vec<f64>,
    muscles: Vec<MuscleState>,
    grf: [FootContact; 2],
    time: f64,
    snapshot: Option<Snapshot>,
    /// Scratch: per-link generalized damping and torque for the current substep.
    dof_damping: Vec<f64>,
    dof_torque: Vec<f64>,
    dof_limit_damping: Vec<f64>,
    /// Warm starts of the compliant-tendon equilibrium (fibre projection, m).
    fiber_guess: Vec<f64>,
}

fn to_f32(v: DVec3) -> Vec3 {
    Vec3::new(v.x as f32, v.y as f32, v.z as f32)
}

fn to_f64(v: Vec3) -> DVec3 {
    DVec3::new(v.x as f64, v.y as f64, v.z as f64)
}

fn pose_of(frame: &Frame) -> Pose {
    let q = DQuat::from_mat3(&frame.rot).normalize();
    Pose::from_parts(
        to_f32(frame.pos),
        Quat::from_xyzw(q.x as f32, q.y as f32, q.z as f32, q.w as f32),
    )
}

fn frame_of(pose: &Pose) -> Frame {
    let r = pose.rotation;
    let q = DQuat::from_xyzw(r.x as f64, r.y as f64, r.z as f64, r.w as f64).normalize();
    Frame {
        rot: DMat3::from_quat(q),
        pos: to_f64(pose.translation),
    }
}

impl Simulation {
    /// Builds the world for `model` at its default pose.
    pub fn new(model: Arc<Model>, config: SimConfig) -> Result<Simulation, SimError> {
        if config.substeps == 0 || config.control_dt <= 0.0 || !config.control_dt.is_finite() {
            return Err(SimError::Input(
                "control_dt must be > 0 and substeps >= 1".into(),
            ));
        }
        let plan = plan(&model)?;
        check_root_axes(&model, &plan)?;
        let q0 = model.default_coordinates();
        let frames = body_frames(&model, &q0);

        let mut physics = Physics {
            islands: IslandManager::new(),
            broad_phase: DefaultBroadPhase::default(),
            narrow_phase: NarrowPhase::new(),
            bodies: RigidBodySet::new(),
            colliders: ColliderSet::new(),
            impulse_joints: ImpulseJointSet::new(),
            multibody_joints: MultibodyJointSet::new(),
            soft_bodies: SoftBodySet::new(),
        };
        let friction = config.friction.unwrap_or_else(|| {
            model
                .hunt_crossley
                .first()
                .map_or(0.8, |h| h.static_friction)
        }) as f32;
        let contact_group =
            InteractionGroups::new(Group::GROUP_1, Group::GROUP_2, InteractionTestMode::And);
        let ground_group = InteractionGroups::new(
            Group::GROUP_2,
            Group::GROUP_1 | Group::GROUP_3,
            InteractionTestMode::And,
        );
        let bone_group =
            InteractionGroups::new(Group::GROUP_3, Group::GROUP_2, InteractionTestMode::And);

        // Ground: a large box whose top face is the contact half space.
        let ground_height = model.contact_half_spaces.first().map_or(0.0, |h| {
            frames[h.body].point(DVec3::from_array(h.location)).y
        });
        let ground = physics
            .bodies
            .insert(RigidBodyBuilder::fixed().translation(Vec3::new(
                0.0,
                ground_height as f32 - 1.0,
                0.0,
            )));
        physics.colliders.insert_with_parent(
            ColliderBuilder::cuboid(500.0, 1.0, 500.0)
                .friction(friction)
                .restitution(0.0)
                .collision_groups(ground_group),
            ground,
            &mut physics.bodies,
        );

        // Links, at the default pose.
        let mut link_frames: Vec<Frame> = Vec::new();
        let mut links = Vec::new();
        for link in &plan.links {
            let (first_body, first_offset) = link
                .bodies
                .first()
                .copied()
                .unwrap_or((usize::MAX, Frame::IDENTITY));
            let world = if first_body != usize::MAX {
                frames[first_body].mul(&first_offset.inverse())
            } else {
                // An intermediate link: place it at its joint frame.
                let parent = link.parent.expect("intermediate links have parents");
                match &link.joint {
                    LinkJoint::Revolute {
                        frame_in_parent,
                        frame_in_link,
                        ..
                    } => link_frames[parent]
                        .mul(frame_in_parent)
                        .mul(&frame_in_link.inverse()),
                    LinkJoint::Root => Frame::IDENTITY,
                }
            };
            let mut mprops = MassProperties::default();
            for (b, offset) in &link.bodies {
                let body = &model.bodies[*b];
                if body.mass <= 0.0 {
                    continue;
                }
                let i = body.inertia;
                let inertia = DMat3::from_cols(
                    DVec3::new(i[0], i[3], i[4]),
                    DVec3::new(i[3], i[1], i[5]),
                    DVec3::new(i[4], i[5], i[2]),
                );
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
            let builder = if config.fixed_root && link.parent.is_none() {
                RigidBodyBuilder::fixed()
            } else {
                RigidBodyBuilder::dynamic()
            };
            let rb = builder
                .pose(pose_of(&world))
                .additional_mass_properties(mprops)
                .can_sleep(false);
            links.push(physics.bodies.insert(rb));
            link_frames.push(world);
        }
        // Contact spheres.
        let mut spheres = Vec::new();
        for s in &model.contact_spheres {
            let BodyPlacement { link, offset } = plan.bodies[s.body].ok_or_else(|| {
                SimError::Input(format!("contact sphere {} is on ground", s.name))
            })?;
            let centre = offset.point(DVec3::from_array(s.location));
            let collider = ColliderBuilder::ball(s.radius as f32)
                .translation(to_f32(centre))
                .density(0.0)
                .friction(friction)
                .restitution(0.0)
                .collision_groups(contact_group)
                .build();
            let handle =
                physics
                    .colliders
                    .insert_with_parent(collider, links[link], &mut physics.bodies);
            let body_name = &model.bodies[s.body].name;
            let foot = usize::from(body_name.ends_with("_l") || s.name.starts_with("l_"));
            spheres.push(Sphere {
                collider: handle,
                foot,
                radius: s.radius,
            });
        }
        // Bone capsules, so that a fallen model lies on the ground instead of sinking through it:
        // from each body's origin towards each child's joint (the middle 70%), on links without
        // contact spheres.
        if config.body_contact {
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
                let end = super::kinematics::joint_transform(joint, &q0).pos;
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
                        .friction(friction)
                        .restitution(0.0)
                        .collision_groups(bone_group)
                        .build();
                physics
                    .colliders
                    .insert_with_parent(collider, links[link], &mut physics.bodies);
            }
        }
        // A root with locked coordinates stays the multibody's free base and is held to the ground
        // by an impulse joint with those axes locked (rapier loses contact friction on a
        // multibody whose base is a fixed body).
        if !config.fixed_root {
            let ground_frame = Frame {
                rot: DMat3::IDENTITY,
                pos: DVec3::new(0.0, ground_height - 1.0, 0.0),
            };
            if let Some(joint) = constrained_root_joint(&plan.root_joint, &ground_frame) {
                physics.impulse_joints.insert(ground, links[0], joint, true);
            }
        }
        // Joints.
        for (i, link) in plan.links.iter().enumerate() {
            if let LinkJoint::Revolute {
                frame_in_parent,
                frame_in_link,
                coordinate,
                slope,
                intercept,
            } = &link.joint
            {
                let parent = link.parent.expect("revolute links have parents");
                let c = &model.coordinates[*coordinate];
                let a = slope * c.range[0] + intercept;
                let b = slope * c.range[1] + intercept;
                let mut joint = GenericJointBuilder::new(JointAxesMask::LOCKED_REVOLUTE_AXES)
                    .local_frame1(pose_of(frame_in_parent))
                    .local_frame2(pose_of(frame_in_link));
                if a.is_finite() && b.is_finite() {
                    joint = joint.limits(JointAxis::AngX, [a.min(b) as f32, a.max(b) as f32]);
                }
                physics
                    .multibody_joints
                    .insert(links[parent], links[i], joint.build(), true)
                    .ok_or_else(|| {
                        SimError::Input(format!("rapier refused the joint of link {}", link.name))
                    })?;
            }
        }
        let root_link = physics
            .multibody_joints
            .rigid_body_link(links[0])
            .copied()
            .ok_or_else(|| SimError::Input("the model has no articulated links".into()))?;
        let multibody = root_link.multibody;
        let link_ids: Vec<usize> = links
            .iter()
            .map(|h| {
                physics
                    .multibody_joints
                    .rigid_body_link(*h)
                    .map_or(0, |l| l.id)
            })
            .collect();
        if let Some(mb) = physics.multibody_joints.get_multibody_mut(multibody) {
            mb.damping_mut().fill(0.0);
            let root_dofs = if config.fixed_root { 0 } else { 6 };
            for i in root_dofs..mb.armature().len() {
                mb.armature_mut()[i] = config.armature as f32;
            }
        }
        let n = plan.links.len();
        // descends[j][k]: link k is link j or one of its descendants.
        let descends: Vec<Vec<bool>> = (0..n)
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
            .collect();
        let params = IntegrationParameters {
            dt: (config.control_dt / config.substeps as f64) as f32,
            num_solver_iterations: config.solver_iterations.max(1),
            ..IntegrationParameters::default()
        };
        let mut params = params;
        for softness in [
            &mut params.contact_softness,
            &mut params.static_contact_softness,
        ] {
            softness.natural_frequency = config.contact_frequency as f32;
            softness.damping_ratio = config.contact_damping_ratio as f32;
        }
        let nm = model.muscles.len();
        let mut sim = Simulation {
            plan,
            config,
            params,
            pipeline: PhysicsPipeline::new(),
            ccd: CCDSolver::new(),
            physics,
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
            model,
        };
        let speeds = sim
            .model
            .coordinates
            .iter()
            .map(|c| c.default_speed)
            .collect::<Vec<_>>();
        // A zero-length step makes rapier compute the links' mass properties (needed to place
        // velocities at their centres of mass).
        sim.update_without_time();
        sim.set_state(&q0, &speeds)?;
        Ok(sim)
    }

    /// The model.
    pub fn model(&self) -> &Arc<Model> {
        &self.model
    }

    /// The multibody plan (links, merged bodies, approximations).
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// The configuration.
    pub fn config(&self) -> &SimConfig {
        &self.config
    }

    /// Simulated time (s).
    pub fn time(&self) -> f64 {
        self.time
    }

    /// Muscle states after the last step (or state change).
    pub fn muscles(&self) -> &[MuscleState] {
        &self.muscles
    }

    /// Current activations.
    pub fn activations(&self) -> &[f64] {
        &self.activation
    }

    /// Ground reactions on the right (0) and left (1) foot over the last control interval.
    pub fn foot_contacts(&self) -> &[FootContact; 2] {
        &self.grf
    }

    /// Sets all activations (clamped to [0.01, 1]), e.g. at reset.
    pub fn set_activations(&mut self, a: &[f64]) {
        for (dst, src) in self.activation.iter_mut().zip(a) {
            *dst = src.clamp(MIN_ACTIVATION, 1.0);
        }
        self.refresh_muscles();
    }

    fn multibody(&self) -> &Multibody {
        self.physics
            .multibody_joints
            .get_multibody(self.multibody)
            .expect("the multibody exists")
    }

    /// World frame of each plan link.
    fn link_frames(&self) -> Vec<Frame> {
        self.links
            .iter()
            .map(|h| frame_of(self.physics.bodies[*h].position()))
            .collect()
    }

    /// Ground-frame transforms of all model bodies (ground: identity).
    pub fn body_frames(&self) -> Vec<Frame> {
        let links = self.link_frames();
        self.plan
            .bodies
            .iter()
            .map(|p| p.map_or(Frame::IDENTITY, |p| links[p.link].mul(&p.offset)))
            .collect()
    }

    /// Linear velocity of each body's origin and its angular velocity (ground frame).
    pub fn body_velocities(&self) -> Vec<(DVec3, DVec3)> {
        let frames = self.body_frames();
        self.plan
            .bodies
            .iter()
            .zip(&frames)
            .map(|(p, f)| match p {
                None => (DVec3::ZERO, DVec3::ZERO),
                Some(p) => {
                    let rb = &self.physics.bodies[self.links[p.link]];
                    (
                        to_f64(rb.velocity_at_point(to_f32(f.pos))),
                        to_f64(rb.angvel()),
                    )
                }
            })
            .collect()
    }

    /// Whole-model centre of mass position and velocity (ground frame).
    pub fn center_of_mass(&self) -> (DVec3, DVec3) {
        let frames = self.body_frames();
        let mut p = DVec3::ZERO;
        let mut v = DVec3::ZERO;
        let mut mass = 0.0;
        for (b, body) in self.model.bodies.iter().enumerate() {
            let Some(pl) = self.plan.bodies[b] else {
                continue;
            };
            let com = frames[b].point(DVec3::from_array(body.mass_center));
            let rb = &self.physics.bodies[self.links[pl.link]];
            p += com * body.mass;
            v += to_f64(rb.velocity_at_point(to_f32(com))) * body.mass;
            mass += body.mass;
        }
        if mass > 0.0 {
            (p / mass, v / mass)
        } else {
            (p, v)
        }
    }

    /// Coordinate values and speeds, in model order (rad, m, rad/s, m/s).
    pub fn coordinates(&self) -> (Vec<f64>, Vec<f64>) {
        let mb = self.multibody();
        let root_rb = &self.physics.bodies[self.links[0]];
        let root_joint = self
            .model
            .joint_of_body(self.plan.root_body)
            .map(|j| &self.model.joints[j]);
        let mut q = vec![0.0; self.model.coordinates.len()];
        let mut qd = vec![0.0; self.model.coordinates.len()];
        let mut root = None;
        for (c, src) in self.plan.coordinates.iter().enumerate() {
            match *src {
                CoordinateSource::Fixed(v) => q[c] = v,
                CoordinateSource::Revolute {
                    link,
                    slope,
                    intercept,
                } => {
                    let l = mb.link(self.link_ids[link]).expect("link exists");
                    let angle = l.joint().coords()[3] as f64;
                    let rate = mb.joint_velocity(l)[0] as f64;
                    q[c] = (angle - intercept) / slope;
                    qd[c] = rate / slope;
                }
                CoordinateSource::RootRotation(k) | CoordinateSource::RootTranslation(k) => {
                    let (rq, rqd) = root.get_or_insert_with(|| {
                        root_coordinates(root_joint.expect("root joint"), root_rb)
                    });
                    let offset = if matches!(src, CoordinateSource::RootTranslation(_)) {
                        3
                    } else {
                        0
                    };
                    q[c] = rq[offset + k];
                    qd[c] = rqd[offset + k];
                }
            }
        }
        (q, qd)
    }

    /// Places the model at coordinates `q` with speeds `qdot` (model order). Locked coordinates
    /// keep their locked values. Contacts and the muscle states are refreshed.
    pub fn set_state(&mut self, q: &[f64], qdot: &[f64]) -> Result<(), SimError> {
        let n = self.model.coordinates.len();
        if q.len() != n || qdot.len() != n {
            return Err(SimError::Input(format!(
                "expected {n} coordinates and speeds"
            )));
        }
        if q.iter().chain(qdot).any(|v| !v.is_finite()) {
            return Err(SimError::Input("non-finite coordinates".into()));
        }
        let frames = body_frames(&self.model, q);
        let root_joint = &self.model.joints[self
            .model
            .joint_of_body(self.plan.root_body)
            .expect("root joint")];
        let (omega, v_origin) = root_velocity(root_joint, q, qdot);
        let root_frame = frames[self.plan.root_body];
        {
            let rb = &mut self.physics.bodies[self.links[0]];
            rb.set_position(pose_of(&root_frame), true);
        }
        let com = to_f64(self.physics.bodies[self.links[0]].center_of_mass());
        let v_com = v_origin + omega.cross(com - root_frame.pos);
        let plan = &self.plan;
        let link_ids = &self.link_ids;
        let mb = self
            .physics
            .multibody_joints
            .get_multibody_mut(self.multibody)
            .expect("the multibody exists");
        mb.forward_kinematics(&self.physics.bodies, true);
        let ndofs = mb.ndofs();
        let mut disp = vec![0.0f32; ndofs];
        let mut vel = vec![0.0f32; ndofs];
        for (li, link) in plan.links.iter().enumerate() {
            if let LinkJoint::Revolute {
                coordinate,
                slope,
                intercept,
                ..
            } = link.joint
            {
                let l = mb.link(link_ids[li]).expect("link exists");
                let target = slope * q[coordinate] + intercept;
                let dof = l.assembly_id();
                disp[dof] = (target - l.joint().coords()[3] as f64) as f32;
                vel[dof] = (slope * qdot[coordinate]) as f32;
            }
        }
        if !self.config.fixed_root {
            for k in 0..3 {
                vel[k] = v_com[k] as f32;
                vel[3 + k] = omega[k] as f32;
            }
        }
        mb.apply_displacements(&disp);
        mb.forward_kinematics(&self.physics.bodies, true);
        mb.update_rigid_bodies(&mut self.physics.bodies, true);
        mb.generalized_velocity_mut().copy_from_slice(&vel);
        let link_vels: Vec<(Vec3, Vec3)> = (0..self.links.len())
            .map(|li| {
                let j = mb.body_jacobian(link_ids[li]);
                let v = j * mb.generalized_velocity();
                (Vec3::new(v[0], v[1], v[2]), Vec3::new(v[3], v[4], v[5]))
            })
            .collect();
        for (h, (lin, ang)) in self.links.iter().zip(link_vels) {
            let rb = &mut self.physics.bodies[*h];
            rb.set_linvel(lin, true);
            rb.set_angvel(ang, true);
        }
        self.grf = [FootContact::default(); 2];
        self.fiber_guess.fill(f64::NAN);
        self.refresh_muscles();
        Ok(())
    }

    /// Recomputes the muscle outputs for the current state and activations without stepping.
    pub fn refresh_muscles(&mut self) {
        let (q, qd) = self.coordinates();
        let frames = self.body_frames();
        for m in 0..self.model.muscles.len() {
            let (state, _) = self.muscle_geometry(m, &q, &qd, &frames);
            self.muscles[m] = state;
        }
    }

    /// Height of the lowest point of every contact sphere (m), in model order.
    pub fn contact_sphere_bottoms(&self) -> Vec<f64> {
        let frames = self.body_frames();
        self.model
            .contact_spheres
            .iter()
            .map(|s| frames[s.body].point(DVec3::from_array(s.location)).y - s.radius)
            .collect()
    }

    /// Path of muscle `m` through its active points (world positions).
    pub fn muscle_path(&self, m: usize) -> Vec<DVec3> {
        let (q, _) = self.coordinates();
        active_path(&self.model.muscles[m], &q, &self.body_frames())
    }

    /// Paths of all muscles through their active points (world positions), with the coordinates
    /// and body frames computed once.
    pub fn muscle_paths(&self) -> Vec<Vec<DVec3>> {
        let (q, _) = self.coordinates();
        let frames = self.body_frames();
        self.model
            .muscles
            .iter()
            .map(|muscle| active_path(muscle, &q, &frames))
            .collect()
    }

    /// The muscle's state and its active points (body, world position) for the current physics
    /// state.
    fn muscle_geometry(
        &mut self,
        m: usize,
        q: &[f64],
        qd: &[f64],
        frames: &[Frame],
    ) -> (MuscleState, Vec<(usize, DVec3)>) {
        let model = self.model.clone();
        let muscle = &model.muscles[m];
        let mut points: Vec<(usize, DVec3)> = Vec::with_capacity(muscle.path.len());
        let mut velocities: Vec<DVec3> = Vec::with_capacity(muscle.path.len());
        for p in muscle.path.iter().filter(|p| is_active(p, q)) {
            let frame = &frames[p.body];
            let world = frame.point(local_location(p, q));
            let placement = self.plan.bodies[p.body];
            let v = match placement {
                None => DVec3::ZERO,
                Some(pl) => {
                    let rb = &self.physics.bodies[self.links[pl.link]];
                    to_f64(rb.velocity_at_point(to_f32(world)))
                        + frame.rot * local_velocity(p, q, qd)
                }
            };
            points.push((p.body, world));
            velocities.push(v);
        }
        let mut length = 0.0;
        let mut speed = 0.0;
        for i in 1..points.len() {
            let d = points[i].1 - points[i - 1].1;
            let l = d.length();
            length += l;
            if l > 1e-12 {
                speed += (d / l).dot(velocities[i] - velocities[i - 1]);
            }
        }
        let a = self.activation[m];
        let state = match self.config.tendon {
            TendonModel::Rigid => rigid_tendon_state(muscle, length, speed, a),
            TendonModel::Compliant => {
                compliant_tendon_state(muscle, length, speed, a, &mut self.fiber_guess[m])
            }
        };
        (state, points)
    }

    /// Advances one control interval with `excitations` (one per muscle, clamped to [0, 1]).
    pub fn step(&mut self, excitations: &[f64]) -> Result<(), SimError> {
        if excitations.len() != self.excitation.len() {
            return Err(SimError::Input(format!(
                "expected {} excitations, got {}",
                self.excitation.len(),
                excitations.len()
            )));
        }
        for (e, x) in self.excitation.iter_mut().zip(excitations) {
            *e = if x.is_finite() {
                x.clamp(0.0, 1.0)
            } else {
                0.0
            };
        }
        let dt = self.config.control_dt / self.config.substeps as f64;
        let mut grf = [FootContact::default(); 2];
        for _ in 0..self.config.substeps {
            // Activation in sub-steps of at most 0.5 ms (its time constant can be 5 ms).
            let pieces = (dt / 5.0e-4).ceil().max(1.0) as usize;
            let h = dt / pieces as f64;
            for m in 0..self.activation.len() {
                let muscle = &self.model.muscles[m];
                for _ in 0..pieces {
                    self.activation[m] =
                        activation_step(muscle, self.activation[m], self.excitation[m], h);
                }
            }
            self.apply_forces();
            let gravity = Vec3::new(
                self.model.gravity[0] as f32,
                self.model.gravity[1] as f32,
                self.model.gravity[2] as f32,
            );
            self.pipeline_step(gravity, self.params);
            for h in &self.links {
                let rb = &mut self.physics.bodies[*h];
                rb.reset_forces(false);
                rb.reset_torques(false);
            }
            self.accumulate_contacts(&mut grf, dt);
            self.time += dt;
        }
        let n = self.config.substeps as f64;
        for foot in &mut grf {
            foot.force /= n;
            foot.torque /= n;
        }
        self.grf = grf;
        self.check_finite()?;
        self.refresh_muscles();
        Ok(())
    }

    fn check_finite(&self) -> Result<(), SimError> {
        for (h, link) in self.links.iter().zip(&self.plan.links) {
            let rb = &self.physics.bodies[*h];
            let p = rb.position();
            let ok = p.translation.is_finite()
                && p.rotation.is_finite()
                && rb.linvel().is_finite()
                && rb.angvel().is_finite()
                && rb.linvel().length() < 1.0e3
                && rb.angvel().length() < 1.0e4;
            if !ok {
                return Err(SimError::Diverged {
                    time: self.time,
                    what: format!("link {}", link.name),
                });
            }
        }
        Ok(())
    }

    fn accumulate_contacts(&self, grf: &mut [FootContact; 2], dt: f64) {
        for s in &self.spheres {
            let collider = &self.physics.colliders[s.collider];
            let centre = to_f64(collider.position().translation);
            let mut force = DVec3::ZERO;
            for (c1, c2) in [(s.collider, self.ground_collider())] {
                let Some(pair) = self.physics.narrow_phase.contact_pair(c1, c2) else {
                    continue;
                };
                for m in pair.solver_manifolds() {
                    let normal = to_f64(m.data.normal);
                    for p in &m.points {
                        let f =
                            normal * p.data.impulse as f64 + to_f64(p.data.warmstart_tangent_world);
                        force += f;
                    }
                }
            }
            // The ground pushes the foot up: fix the sign from the normal component.
            if force.y < 0.0 {
                force = -force;
            }
            let force = force / dt;
            let point = centre - DVec3::Y * s.radius;
            grf[s.foot].force += force;
            grf[s.foot].torque += point.cross(force);
        }
    }

    fn ground_collider(&self) -> ColliderHandle {
        // The ground's box is the first collider inserted.
        self.physics
            .colliders
            .iter()
            .next()
            .map(|(h, _)| h)
            .expect("the ground collider exists")
    }

    /// Applies muscle forces along their paths, coordinate limit torques and the implicit
    /// muscle damping for the coming rapier step.
    fn apply_forces(&mut self) {
        let (q, qd) = self.coordinates();
        let frames = self.body_frames();
        let link_frames = self.link_frames();
        self.dof_damping.fill(0.0);
        self.dof_limit_damping.fill(0.0);
        self.dof_torque.fill(0.0);
        // Joint axes (world) and origins of revolute links.
        let axes: Vec<Option<(DVec3, DVec3)>> = self
            .plan
            .links
            .iter()
            .zip(&link_frames)
            .map(|(l, f)| match &l.joint {
                LinkJoint::Revolute { frame_in_link, .. } => {
                    let j = f.mul(frame_in_link);
                    Some((j.pos, j.rot.col(0)))
                }
                LinkJoint::Root => None,
            })
            .collect();
        let mut forces: Vec<(usize, DVec3, DVec3)> = Vec::new();
        for m in 0..self.model.muscles.len() {
            let (state, points) = self.muscle_geometry(m, &q, &qd, &frames);
            self.muscles[m] = state;
            let tension = state.force;
            let n = points.len();
            // Unit force directions at each point (unit tension).
            let mut unit = vec![DVec3::ZERO; n];
            for i in 0..n.saturating_sub(1) {
                let d = points[i + 1].1 - points[i].1;
                let l = d.length();
                if l > 1e-12 {
                    unit[i] += d / l;
                    unit[i + 1] -= d / l;
                }
            }
            for i in 0..n {
                let Some(pl) = self.plan.bodies[points[i].0] else {
                    continue;
                };
                forces.push((pl.link, points[i].1, unit[i] * tension));
            }
            // Moment arms about every revolute dof, for the implicit damping.
            if state.damping > 0.0 {
                for (j, axis) in axes.iter().enumerate() {
                    let Some((origin, a)) = axis else { continue };
                    let mut r = 0.0;
                    for i in 0..n {
                        let Some(pl) = self.plan.bodies[points[i].0] else {
                            continue;
                        };
                        if self.descends[j][pl.link] {
                            r += (points[i].1 - *origin).cross(unit[i]).dot(*a);
                        }
                    }
                    self.dof_damping[j] += state.damping * r * r;
                }
            }
        }
        // Coordinate limit forces: beyond a limit, an implicit rapier joint spring (stiffness
        // ramped over the transition region) and implicit damping; inside, nothing.
        let mut springs: Vec<(usize, f64, f64)> = Vec::new(); // (link, stiffness, rest angle)
        for f in &self.model.limit_forces {
            let c = &self.model.coordinates[f.coordinate];
            let CoordinateSource::Revolute {
                link,
                slope,
                intercept,
            } = self.plan.coordinates[f.coordinate]
            else {
                continue;
            };
            let scale = if c.motion_type == MotionType::Rotational {
                180.0 / std::f64::consts::PI
            } else {
                1.0
            };
            let x = q[f.coordinate] * scale;
            let smooth = |d: f64| {
                let t = (d / f.transition).clamp(0.0, 1.0);
                t * t * (3.0 - 2.0 * t)
            };
            let (stiffness, limit, depth) = if x > f.upper_limit {
                (f.upper_stiffness, f.upper_limit, x - f.upper_limit)
            } else if x < f.lower_limit {
                (f.lower_stiffness, f.lower_limit, f.lower_limit - x)
            } else {
                springs.push((link, 0.0, 0.0));
                continue;
            };
            let s = smooth(depth);
            // Per degree -> per radian of the coordinate -> per radian of the joint angle.
            let k = stiffness * s * scale / (slope * slope);
            springs.push((link, k, slope * limit / scale + intercept));
            self.dof_limit_damping[link] += f.damping * s * scale / (slope * slope);
        }
        // Implicit damping through rapier's per-dof damping; the same damping applied explicitly
        // at the current speed, so the muscle force is unchanged to first order.
        let link_ids = self.link_ids.clone();
        let mut rates = vec![0.0f64; self.links.len()];
        {
            let mb = self
                .physics
                .multibody_joints
                .get_multibody_mut(self.multibody)
                .expect("the multibody exists");
            for (li, axis) in axes.iter().enumerate() {
                if axis.is_none() {
                    continue;
                }
                let (dof, rate) = {
                    let l = mb.link(link_ids[li]).expect("link exists");
                    (l.assembly_id(), mb.joint_velocity(l)[0] as f64)
                };
                rates[li] = rate;
                mb.damping_mut()[dof] = (self.dof_damping[li] + self.dof_limit_damping[li]) as f32;
            }
            for (li, k, rest) in springs {
                if let Some(l) = mb.link_mut(link_ids[li]) {
                    l.joint.set_spring(3, k as f32, rest as f32);
                }
            }
        }
        for (li, axis) in axes.iter().enumerate() {
            if axis.is_some() {
                self.dof_torque[li] += self.dof_damping[li] * rates[li];
            }
        }
        for (link, point, force) in forces {
            let rb = &mut self.physics.bodies[self.links[link]];
            rb.add_force_at_point(to_f32(force), to_f32(point), false);
        }
        for (li, axis) in axes.iter().enumerate() {
            let Some((_, a)) = axis else { continue };
            let tau = self.dof_torque[li];
            if tau == 0.0 {
                continue;
            }
            let t = to_f32(*a * tau);
            self.physics.bodies[self.links[li]].add_torque(t, false);
            if let Some(p) = self.plan.links[li].parent {
                self.physics.bodies[self.links[p]].add_torque(-t, false);
            }
        }
    }

    /// Runs the pipeline with a zero time step: user changes and mass properties are applied,
    /// nothing moves.
    fn update_without_time(&mut self) {
        let params = IntegrationParameters {
            dt: 0.0,
            ..self.params
        };
        self.pipeline_step(Vec3::ZERO, params);
    }

    /// One rapier step of the whole world.
    fn pipeline_step(&mut self, gravity: Vec3, params: IntegrationParameters) {
        self.pipeline.step(
            gravity,
            &params,
            &mut self.physics.islands,
            &mut self.physics.broad_phase,
            &mut self.physics.narrow_phase,
            &mut self.physics.bodies,
            &mut self.physics.colliders,
            &mut self.physics.impulse_joints,
            &mut self.physics.multibody_joints,
            &mut self.physics.soft_bodies,
            &mut self.ccd,
            &(),
            &(),
        );
    }

    /// Saves the current state as the reset point.
    pub fn save_snapshot(&mut self) {
        self.snapshot = Some(Snapshot {
            physics: self.physics.clone(),
            activation: self.activation.clone(),
            excitation: self.excitation.clone(),
            time: self.time,
        });
    }

    /// Restores the state saved by [`Self::save_snapshot`]; returns false if there is none.
    pub fn restore_snapshot(&mut self) -> bool {
        let Some(s) = &self.snapshot else {
            return false;
        };
        self.physics = s.physics.clone();
        self.activation = s.activation.clone();
        self.excitation = s.excitation.clone();
        self.time = s.time;
        self.fiber_guess.fill(f64::NAN);
        self.pipeline = PhysicsPipeline::new();
        self.ccd = CCDSolver::new();
        self.grf = [FootContact::default(); 2];
        self.refresh_muscles();
        true
    }

    /// Sets the simulated time (e.g. 0 at an episode start).
    pub fn set_time(&mut self, t: f64) {
        self.time = t;
    }
}

/// The rapier joint from the ground body (placed at `ground` in the world) to the root body for a
/// constrained root (`None` for a free root): its free axes are the root's unlocked translations
/// and rotation.
fn constrained_root_joint(root: &RootJoint, ground: &Frame) -> Option<GenericJoint> {
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

/// Checks that the root joint's rotation axes form a right-handed orthonormal triple (needed to
/// read its coordinates back from a rotation).
fn check_root_axes(model: &Model, plan: &Plan) -> Result<(), SimError> {
    let j = &model.joints[model.joint_of_body(plan.root_body).expect("root joint")];
    if let JointKind::Custom(st) = &j.kind {
        let b = DMat3::from_cols(
            DVec3::from_array(st.rotations[0].axis),
            DVec3::from_array(st.rotations[1].axis),
            DVec3::from_array(st.rotations[2].axis),
        );
        if (b.transpose() * b - DMat3::IDENTITY).abs_diff_eq(DMat3::ZERO, 1e-9)
            && b.determinant() > 0.0
        {
            return Ok(());
        }
    }
    Err(SimError::Input(format!(
        "root joint {}: rotation axes must be orthonormal and right-handed",
        j.name
    )))
}

fn root_axes(joint: &crate::osim::model::Joint) -> ([DVec3; 3], [DVec3; 3]) {
    let JointKind::Custom(st) = &joint.kind else {
        unreachable!("checked at build")
    };
    (
        st.rotations.clone().map(|a| DVec3::from_array(a.axis)),
        st.translations.clone().map(|a| DVec3::from_array(a.axis)),
    )
}

/// The root joint's six coordinates and speeds from the root body's pose and velocity.
fn root_coordinates(joint: &crate::osim::model::Joint, rb: &RigidBody) -> ([f64; 6], [f64; 6]) {
    let (ra, ta) = root_axes(joint);
    let in_parent = Frame::from_xyz(joint.orientation_in_parent, joint.location_in_parent);
    let in_child = Frame::from_xyz(joint.orientation, joint.location);
    let body = frame_of(rb.position());
    let x_fm = in_parent.inverse().mul(&body).mul(&in_child);
    // In the basis of the three axes, the rotation is body-fixed X-Y-Z.
    let basis = DMat3::from_cols(ra[0], ra[1], ra[2]);
    let r = basis.transpose() * x_fm.rot * basis;
    let q2 = r.col(2).x.clamp(-1.0, 1.0).asin();
    let q1 = (-r.col(2).y).atan2(r.col(2).z);
    let q3 = (-r.col(1).x).atan2(r.col(0).x);
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
fn root_velocity(joint: &crate::osim::model::Joint, q: &[f64], qdot: &[f64]) -> (DVec3, DVec3) {
    let JointKind::Custom(st) = &joint.kind else {
        unreachable!("checked at build")
    };
    let (ra, ta) = root_axes(joint);
    let c = |k: usize| st.rotations[k].coordinate.unwrap_or(0);
    let t = |k: usize| st.translations[k].coordinate.unwrap_or(0);
    let r1 = DMat3::from_axis_angle(ra[0], q[c(0)]);
    let r2 = DMat3::from_axis_angle(ra[1], q[c(1)]);
    let in_parent = Frame::from_xyz(joint.orientation_in_parent, joint.location_in_parent);
    let omega = ra[0] * qdot[c(0)] + r1 * ra[1] * qdot[c(1)] + r1 * r2 * ra[2] * qdot[c(2)];
    let v = ta[0] * qdot[t(0)] + ta[1] * qdot[t(1)] + ta[2] * qdot[t(2)];
    (in_parent.rot * omega, in_parent.rot * v)
}

impl Simulation {
    /// Kinetic energy of all bodies (J), from the model's masses and inertias.
    pub fn kinetic_energy(&self) -> f64 {
        let frames = self.body_frames();
        let mut energy = 0.0;
        for (b, body) in self.model.bodies.iter().enumerate() {
            let Some(pl) = self.plan.bodies[b] else {
                continue;
            };
            let rb = &self.physics.bodies[self.links[pl.link]];
            let com = frames[b].point(DVec3::from_array(body.mass_center));
            let v = to_f64(rb.velocity_at_point(to_f32(com)));
            let w = frames[b].rot.transpose() * to_f64(rb.angvel());
            let i = body.inertia;
            let inertia = DMat3::from_cols(
                DVec3::new(i[0], i[3], i[4]),
                DVec3::new(i[3], i[1], i[5]),
                DVec3::new(i[4], i[5], i[2]),
            );
            energy += 0.5 * body.mass * v.length_squared() + 0.5 * w.dot(inertia * w);
        }
        energy
    }
}

/// World positions of a muscle's active path points at coordinates `q` and body frames `frames`.
fn active_path(muscle: &crate::osim::model::Muscle, q: &[f64], frames: &[Frame]) -> Vec<DVec3> {
    muscle
        .path
        .iter()
        .filter(|p| is_active(p, q))
        .map(|p| frames[p.body].point(local_location(p, q)))
        .collect()
}
