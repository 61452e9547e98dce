//! The rapier world of the model: its settings, errors and the [`Simulation`] type with its
//! accessors; the work is done in the submodules.
//!
//! One [`Simulation`] owns one rapier world. A control step holds the 22 excitations for
//! `control_dt` (0.01 s) and advances `substeps` rapier steps; before each, activations advance
//! (Thelen's first-order dynamics), muscle forces are computed from the current path geometry and
//! applied along every path segment to the links they pull on, and the coordinate limit forces are
//! applied as joint torques. Muscle force-velocity damping is stiff on the light feet, so its
//! linearisation `sum_m (dF_m/dv_m) r_mj^2` is made implicit through rapier's per-dof multibody
//! damping (and added back explicitly at the current velocity), which keeps the substep (5 ms with
//! the default two per control interval) stable without changing the force the muscle applies.
//!
//! - `assemble`: building the rapier multibody, colliders and joints from the [`Plan`];
//! - `root`: the root (pelvis) joint, its constraint to the ground and its coordinates;
//! - `state`: coordinates, placing the model, body frames and velocities, energy;
//! - `muscles`: muscle path geometry and states;
//! - `forces`: muscle forces, limit springs and implicit damping for one rapier step;
//! - `contacts`: ground reactions on the feet and contact sphere heights;
//! - `step`: the control step and the rapier pipeline;
//! - `snapshot`: saving and restoring the reset point;
//! - `convert`: conversions between the model's `f64` frames and rapier's `f32` poses.

mod assemble;
mod contacts;
mod convert;
mod forces;
mod muscles;
mod root;
mod snapshot;
mod state;
mod step;

use std::sync::Arc;

use rapier3d::glamx::DVec3;
use rapier3d::prelude::*;

use self::snapshot::Snapshot;
use super::build::{Plan, PlanError};
use super::muscle::{MuscleState, TendonModel, MIN_ACTIVATION};
use crate::osim::model::Model;

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
    /// The ground's box, whose top face is the contact half space.
    ground: ColliderHandle,
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
    /// An external force on the root body (world, N) and the time it stops (a push).
    push: Option<(DVec3, f64)>,
}

impl Simulation {
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

    /// The rapier multibody of the links.
    fn multibody(&self) -> &Multibody {
        self.physics
            .multibody_joints
            .get_multibody(self.multibody)
            .expect("the multibody exists")
    }
}
