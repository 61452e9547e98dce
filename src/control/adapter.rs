//! From our [`Simulation`] to what the reflex controller reads, and from its stimulations back to
//! the model's 22 excitations, as osim-rl does it.
//!
//! Two steps, as in osim-rl: [`Adapter::observe`] builds the part of `L2M2019Env`'s projected
//! `obs_dict` the controller needs (pelvis height, pitch, roll and velocities in the pelvis
//! heading frame; per leg the ground reaction force over body weight, the joint angles and speeds
//! with extension positive, and muscle fibre force over maximum isometric force and fibre length
//! over optimal length; osim-rl's fibre velocity is left out, the controller never reads it),
//! then [`sensors`] is `OsimReflexCtrl._obs2reflexobs`. [`Adapter::excitations`] is
//! `_reflexstim2stim` followed by the environment's `act2mus` reordering, done by name.

use std::f64::consts::PI;

use super::reflex::{Dimension, LegSensors, LegStim, SensorData, LEG_MUSCLES};
use crate::osim::model::Model;
use crate::sim::Simulation;

/// Body mass osim-rl normalises ground forces with (kg; `L2M2019Env.MASS`).
pub const MASS: f64 = 75.16460000000001;
/// Gravity osim-rl normalises ground forces with (m/s^2; `L2M2019Env.G`).
pub const G: f64 = 9.80665;
/// Maximum isometric force of `abd_*` that osim-rl's planar mode uses (N).
pub const FMAX_ABD: f64 = 4460.290481;
/// Maximum isometric force of `add_*` that osim-rl's planar mode uses (N).
pub const FMAX_ADD: f64 = 3931.8;
/// Planar mode: constant stimulation of the hip abductors (adductors get `0.1 FMAX_ADD/FMAX_ABD`).
pub const PLANAR_ABD_STIM: f64 = 0.1;

/// The model's muscle name stem of each controller muscle ([`LEG_MUSCLES`] order).
pub const MUSCLE_STEMS: [&str; 11] = [
    "abd",
    "add",
    "iliopsoas",
    "glut_max",
    "hamstrings",
    "rect_fem",
    "vasti",
    "bifemsh",
    "gastroc",
    "soleus",
    "tib_ant",
];

/// Hip abduction, hip extension, knee extension and ankle plantar flexion (rad or rad/s).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct JointObs {
    /// Hip abduction (+).
    pub hip_abd: f64,
    /// Hip extension (+).
    pub hip: f64,
    /// Knee extension (+).
    pub knee: f64,
    /// Ankle extension, plantar flexion (+).
    pub ankle: f64,
}

/// One muscle as osim-rl normalises it.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct MuscleObs {
    /// Fibre force / maximum isometric force.
    pub f: f64,
    /// Fibre length / optimal fibre length.
    pub l: f64,
}

/// The pelvis in its heading frame (`obs_dict['pelvis']`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PelvisObs {
    /// Height of the pelvis origin (m).
    pub height: f64,
    /// Pitch, forward positive (rad): `-pelvis_tilt`.
    pub pitch: f64,
    /// Roll (rad): `pelvis_list`.
    pub roll: f64,
    /// Forward, leftward, upward velocity (m/s), then pitch, roll and yaw rates (rad/s).
    pub vel: [f64; 6],
}

/// One leg (`obs_dict['r_leg']`, `obs_dict['l_leg']`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LegObs {
    /// Ground reaction over body weight: forward, lateral (outward), upward.
    pub ground_reaction_forces: [f64; 3],
    /// Joint angles.
    pub joint: JointObs,
    /// Joint speeds.
    pub d_joint: JointObs,
    /// The 11 muscles in [`LEG_MUSCLES`] order.
    pub muscles: [MuscleObs; 11],
}

/// The projected observation the controller reads; legs are `[right, left]`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ObsDict {
    /// Pelvis.
    pub pelvis: PelvisObs,
    /// Right and left leg.
    pub legs: [LegObs; 2],
}

/// Indices of one leg's coordinates and muscles in the model.
#[derive(Debug, Clone, Copy)]
struct LegIndex {
    hip_flexion: usize,
    hip_adduction: usize,
    knee: usize,
    ankle: usize,
    muscles: [usize; 11],
}

/// Reads a [`Simulation`] of `gait14dof22musc` (3-D or planar) in osim-rl's terms.
#[derive(Debug, Clone)]
pub struct Adapter {
    pelvis: usize,
    tilt: usize,
    list: usize,
    rotation: usize,
    legs: [LegIndex; 2],
    fmax: Vec<f64>,
    lopt: Vec<f64>,
}

/// `rotate_frame` of osim-rl: rotates `(x, y)` by `theta`.
pub fn rotate_frame(x: f64, y: f64, theta: f64) -> (f64, f64) {
    (
        theta.cos() * x - theta.sin() * y,
        theta.sin() * x + theta.cos() * y,
    )
}

impl Adapter {
    /// Finds the pelvis, the coordinates and the 22 muscles by their names in `model`.
    pub fn new(model: &Model) -> anyhow::Result<Adapter> {
        let coord = |name: &str| {
            model
                .coordinate_index(name)
                .ok_or_else(|| anyhow::anyhow!("the model has no coordinate {name}"))
        };
        let muscle = |name: &str| {
            model
                .muscles
                .iter()
                .position(|m| m.name == name)
                .ok_or_else(|| anyhow::anyhow!("the model has no muscle {name}"))
        };
        let leg = |side: &str| -> anyhow::Result<LegIndex> {
            let mut muscles = [0; 11];
            for (slot, stem) in muscles.iter_mut().zip(MUSCLE_STEMS) {
                *slot = muscle(&format!("{stem}_{side}"))?;
            }
            Ok(LegIndex {
                hip_flexion: coord(&format!("hip_flexion_{side}"))?,
                hip_adduction: coord(&format!("hip_adduction_{side}"))?,
                knee: coord(&format!("knee_angle_{side}"))?,
                ankle: coord(&format!("ankle_angle_{side}"))?,
                muscles,
            })
        };
        Ok(Adapter {
            pelvis: model
                .bodies
                .iter()
                .position(|b| b.name == "pelvis")
                .ok_or_else(|| anyhow::anyhow!("the model has no pelvis"))?,
            tilt: coord("pelvis_tilt")?,
            list: coord("pelvis_list")?,
            rotation: coord("pelvis_rotation")?,
            legs: [leg("r")?, leg("l")?],
            fmax: model
                .muscles
                .iter()
                .map(|m| m.max_isometric_force)
                .collect(),
            lopt: model
                .muscles
                .iter()
                .map(|m| m.optimal_fiber_length)
                .collect(),
        })
    }

    /// Index of the pelvis body.
    pub fn pelvis_body(&self) -> usize {
        self.pelvis
    }

    /// The projected observation of the simulation's current state.
    pub fn observe(&self, sim: &Simulation) -> ObsDict {
        let (q, qd) = sim.coordinates();
        let frames = sim.body_frames();
        let v = sim.body_velocities()[self.pelvis].0;
        let yaw = q[self.rotation];
        let (dx, dy) = rotate_frame(v.x, v.z, yaw);
        let pelvis = PelvisObs {
            height: frames[self.pelvis].pos.y,
            pitch: -q[self.tilt],
            roll: q[self.list],
            vel: [
                dx,
                -dy,
                v.y,
                -qd[self.tilt],
                qd[self.list],
                qd[self.rotation],
            ],
        };
        let contacts = sim.foot_contacts();
        let states = sim.muscles();
        let legs = [0, 1].map(|side| {
            let ix = &self.legs[side];
            let joints = |x: &[f64]| JointObs {
                hip_abd: -x[ix.hip_adduction],
                hip: -x[ix.hip_flexion],
                knee: x[ix.knee],
                ankle: -x[ix.ankle],
            };
            // osim-rl's foot force is the foot's push on the ground; ours is the ground's on the foot.
            let f = contacts[side].force / (MASS * G);
            let (fx, fy) = rotate_frame(f.x, f.z, yaw);
            let lateral = if side == 0 { fy } else { -fy };
            LegObs {
                ground_reaction_forces: [fx, lateral, f.y],
                joint: joints(&q),
                d_joint: joints(&qd),
                muscles: ix.muscles.map(|m| MuscleObs {
                    f: states[m].fiber_force / self.fmax[m],
                    l: states[m].fiber_length / self.lopt[m],
                }),
            }
        });
        ObsDict { pelvis, legs }
    }

    /// The model's excitations (model muscle order) for the controller's stimulations; in the
    /// planar mode the hip abductors and adductors get osim-rl's constants.
    pub fn excitations(&self, stim: &[LegStim; 2], dimension: Dimension) -> Vec<f64> {
        let mut out = vec![0.0; self.fmax.len()];
        for (ix, leg_stim) in self.legs.iter().zip(stim) {
            for (k, &m) in ix.muscles.iter().enumerate() {
                out[m] = leg_stim[k];
            }
            if dimension == Dimension::Planar {
                out[ix.muscles[0]] = PLANAR_ABD_STIM;
                out[ix.muscles[1]] = PLANAR_ABD_STIM * FMAX_ADD / FMAX_ABD;
            }
        }
        out
    }
}

/// The controller's sensors from the observation (`_obs2reflexobs`): Song 2015 angles (`phi_hip =
/// hip + pi`, `phi_knee = knee + pi`, `phi_ankle = ankle + pi/2`), contact when the vertical load
/// exceeds 0.1 body weight.
pub fn sensors(obs: &ObsDict) -> SensorData {
    let p = &obs.pelvis;
    let mut s = SensorData::default();
    s.body.theta = [p.roll, p.pitch];
    s.body.d_pos = [p.vel[0], p.vel[1]];
    s.body.dtheta = [p.vel[4], p.vel[3]];
    let load = [0, 1].map(|i| obs.legs[i].ground_reaction_forces[2]);
    for leg in 0..2 {
        s.legs[leg] = leg_sensors(&obs.legs[leg], load[leg], load[1 - leg]);
    }
    s
}

fn leg_sensors(o: &LegObs, load_ipsi: f64, load_contra: f64) -> LegSensors {
    let force = |name: &str| {
        let k = LEG_MUSCLES.iter().position(|m| *m == name).unwrap_or(0);
        o.muscles[k].f
    };
    let phi_hip = o.joint.hip + PI;
    let phi_knee = o.joint.knee + PI;
    let dphi_knee = o.d_joint.knee;
    LegSensors {
        contact_ipsi: load_ipsi > 0.1,
        contact_contra: load_contra > 0.1,
        load_ipsi,
        load_contra,
        alpha: phi_hip - 0.5 * phi_knee,
        // As osim-rl: from the hip abduction speed, not its angle.
        alpha_f: -o.d_joint.hip_abd + 0.5 * PI,
        dalpha: o.d_joint.hip - 0.5 * dphi_knee,
        phi_hip,
        phi_knee,
        phi_ankle: o.joint.ankle + 0.5 * PI,
        dphi_knee,
        f_rf: force("RF"),
        f_vas: force("VAS"),
        f_gas: force("GAS"),
        f_sol: force("SOL"),
    }
}
