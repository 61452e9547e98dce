//! One displayed instant of the model as plain data: body poses, muscle paths and states, contacts,
//! centre of mass, the reference ghost and the latent point. Built from a [`WalkEnv`].

use rapier3d::glamx::{DQuat, DVec3};
use serde::{Deserialize, Serialize};

use crate::env::WalkEnv;
use crate::sim::kinematics::{body_frames, Frame as BodyFrame};
use crate::sim::Simulation;

/// A rigid pose: translation (m) and rotation as a unit quaternion `[x, y, z, w]`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Pose {
    /// Origin in the ground frame.
    pub translation: [f32; 3],
    /// Orientation, `[x, y, z, w]`.
    pub rotation: [f32; 4],
}

impl Pose {
    /// Converts an exact body frame.
    pub fn of(frame: &BodyFrame) -> Pose {
        let q = DQuat::from_mat3(&frame.rot).normalize();
        Pose {
            translation: vec3(frame.pos),
            rotation: [q.x as f32, q.y as f32, q.z as f32, q.w as f32],
        }
    }
}

/// One muscle at one instant.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MuscleFrame {
    /// Path through the active points (ground frame, m).
    pub points: Vec<[f32; 3]>,
    /// Activation in [0, 1].
    pub activation: f32,
    /// Tendon force over the maximum isometric force.
    pub force: f32,
    /// Fibre length over the optimal fibre length.
    pub fiber_length: f32,
}

/// The ground's push on one foot.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct GroundForce {
    /// Centre of pressure on the ground (m); meaningless when `force` is near zero.
    pub point: [f32; 3],
    /// Force (N).
    pub force: [f32; 3],
}

/// Everything the 3D view and the live plots need for one control step.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Frame {
    /// Simulated time in the episode (s).
    pub time: f32,
    /// Phase of the reference gait cycle in [0, 1).
    pub phase: f32,
    /// Pose of every model body (index = model body index; ground first).
    pub bodies: Vec<Pose>,
    /// Pose of every body in the reference motion at this phase, placed over the model's pelvis
    /// (in the walking recipe: ahead of it, advancing at the target speed).
    pub ghost: Vec<Pose>,
    /// Every muscle, in model order.
    pub muscles: Vec<MuscleFrame>,
    /// Centres of the contact spheres (m).
    pub contact_spheres: Vec<[f32; 3]>,
    /// Ground reaction per foot (right, left).
    pub ground_forces: Vec<GroundForce>,
    /// Whole-body centre of mass (m).
    pub center_of_mass: [f32; 3],
    /// Coordinate values in model order (rad or m).
    pub coordinates: Vec<f32>,
    /// Reference coordinate values at this phase (rad or m).
    pub reference: Vec<f32>,
    /// Reward of the step that led here.
    pub reward: f32,
    /// Return of the episode so far.
    pub episode_return: f32,
    /// Position in the 2-D latent picture, when a 2-D encoder is loaded.
    pub latent: Option<[f32; 2]>,
}

fn vec3(v: DVec3) -> [f32; 3] {
    [v.x as f32, v.y as f32, v.z as f32]
}

impl Frame {
    /// The name of the first field holding a non-finite number, if any (a loaded recording with
    /// NaN would make bones vanish and export NaN into a `.mot`).
    pub fn non_finite_field(&self) -> Option<&'static str> {
        let bad = |v: &[f32]| v.iter().any(|x| !x.is_finite());
        let poses = |p: &[Pose]| p.iter().any(|p| bad(&p.translation) || bad(&p.rotation));
        let checks: [(&'static str, bool); 11] = [
            ("time", !self.time.is_finite() || !self.phase.is_finite()),
            ("bodies", poses(&self.bodies)),
            ("ghost", poses(&self.ghost)),
            (
                "muscles",
                self.muscles.iter().any(|m| {
                    m.points.iter().any(|p| bad(p)) || bad(&[m.activation, m.force, m.fiber_length])
                }),
            ),
            (
                "contact_spheres",
                self.contact_spheres.iter().any(|p| bad(p)),
            ),
            (
                "ground_forces",
                self.ground_forces
                    .iter()
                    .any(|g| bad(&g.point) || bad(&g.force)),
            ),
            ("center_of_mass", bad(&self.center_of_mass)),
            ("coordinates", bad(&self.coordinates)),
            ("reference", bad(&self.reference)),
            (
                "reward",
                !self.reward.is_finite() || !self.episode_return.is_finite(),
            ),
            ("latent", self.latent.is_some_and(|l| bad(&l))),
        ];
        checks.iter().find(|(_, b)| *b).map(|(name, _)| *name)
    }

    /// Sets [`Frame::latent`] from the first two features of `map` for observation `obs`.
    pub fn place_latent(&mut self, map: &crate::learn::snapshot::FeatureMap, obs: &[f64]) {
        let z = map.features(obs);
        if z.len() >= 2 {
            self.latent = Some([z[0], z[1]]);
        }
    }

    /// Captures the environment's current state, with the reference ghost walking over the model.
    pub fn capture(env: &WalkEnv) -> Frame {
        let sim = env.sim();
        let model = sim.model();
        let (q, _) = sim.coordinates();
        let (mut q_ref, _) = env.reference_now();
        // The ghost walks over the model: same pelvis position on the ground plane. In the
        // walking recipe (episodes start moving) it walks ahead at the target speed instead, as
        // the reference pelvis the early termination measures the lag against.
        for name in ["pelvis_tx", "pelvis_tz"] {
            if let Some(i) = model.coordinate_index(name) {
                q_ref[i] = q[i];
            }
        }
        if env.config().tracking.start_moving {
            if let Some(tx) = model.coordinate_index("pelvis_tx") {
                q_ref[tx] = env.target_velocity()[0] * sim.time();
            }
        }
        let ghost = body_frames(model, &q_ref);
        Frame {
            phase: env.phase() as f32,
            ghost: ghost.iter().map(Pose::of).collect(),
            reference: q_ref.iter().map(|v| *v as f32).collect(),
            ..Frame::of_sim(sim)
        }
    }

    /// Captures a simulation's current state alone (no reference: no ghost, no phase).
    pub fn of_sim(sim: &Simulation) -> Frame {
        let model = sim.model();
        let frames = sim.body_frames();
        let (q, _) = sim.coordinates();
        let muscles = model
            .muscles
            .iter()
            .zip(sim.muscles())
            .zip(sim.muscle_paths())
            .map(|((m, s), path)| MuscleFrame {
                points: path.into_iter().map(vec3).collect(),
                activation: s.activation as f32,
                force: (s.force / m.max_isometric_force) as f32,
                fiber_length: (s.fiber_length / m.optimal_fiber_length) as f32,
            })
            .collect();
        let contact_spheres = model
            .contact_spheres
            .iter()
            .map(|s| vec3(frames[s.body].point(DVec3::from_array(s.location))))
            .collect();
        let ground_forces = sim
            .foot_contacts()
            .iter()
            .map(|c| {
                let f = c.force;
                // Moment about the ground origin of a force at (x, 0, z): (-z fy, ., x fy).
                let point = if f.y.abs() > 1.0 {
                    [(c.torque.z / f.y) as f32, 0.0, (-c.torque.x / f.y) as f32]
                } else {
                    [0.0; 3]
                };
                GroundForce {
                    point,
                    force: vec3(f),
                }
            })
            .collect();
        Frame {
            time: sim.time() as f32,
            bodies: frames.iter().map(Pose::of).collect(),
            muscles,
            contact_spheres,
            ground_forces,
            center_of_mass: vec3(sim.center_of_mass().0),
            coordinates: q.iter().map(|v| *v as f32).collect(),
            ..Frame::default()
        }
    }
}
