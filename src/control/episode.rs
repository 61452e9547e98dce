//! A reflex-controlled episode as osim-rl's `examples/sim_L2M2019_controller1.py` runs it: start
//! from its `INIT_POSE`, update the controller and step 0.01 s until the pelvis falls below 0.6 m
//! or the time is up; measure distance, speed and foot strikes, and optionally record frames in
//! the app's format.

use super::adapter::{sensors, Adapter, G, MASS};
use super::reflex::LocoCtrl;
use crate::live::frame::Frame;
use crate::live::recording::Recording;
use crate::osim::model::Model;
use crate::sim::{SimError, Simulation};
use crate::train::eval::StrikeCounter;

/// osim-rl's controller example start: forward and rightward speed (m/s), pelvis height (m),
/// trunk lean, then per leg (right, left) hip adduction, hip flexion, knee extension and ankle
/// flexion (rad). The digits are osim-rl's.
#[allow(clippy::excessive_precision)]
pub const INIT_POSE: [f64; 12] = [
    1.7,
    0.5,
    9.023245653983965608e-01,
    2.012303881285582852e-01,
    0.0,
    -6.952390849304798115e-01,
    -3.231075259785813891e-01,
    1.709011708233401095e-01,
    0.0,
    -5.282323914341899296e-02,
    -8.041966456860847323e-01,
    -1.745329251994329478e-01,
];

/// osim-rl's `done`: the pelvis origin below this height (m).
pub const FALL_HEIGHT: f64 = 0.6;
/// OpenSim's default muscle activation (`default_activation`), the start of every muscle.
pub const DEFAULT_ACTIVATION: f64 = 0.05;

/// Coordinates and speeds (model order) of an `INIT_POSE`-style vector, as `L2M2019Env.reset`
/// sets them (other coordinates at their defaults, other speeds zero; locked coordinates keep
/// their values when the state is set).
pub fn init_state(model: &Model, pose: &[f64; 12]) -> anyhow::Result<(Vec<f64>, Vec<f64>)> {
    let mut q = model.default_coordinates();
    let mut qd = vec![0.0; q.len()];
    let ix = |name: &str| {
        model
            .coordinate_index(name)
            .ok_or_else(|| anyhow::anyhow!("the model has no coordinate {name}"))
    };
    for name in ["pelvis_tx", "pelvis_tz", "pelvis_list", "pelvis_rotation"] {
        q[ix(name)?] = 0.0;
    }
    qd[ix("pelvis_tx")?] = pose[0];
    qd[ix("pelvis_tz")?] = pose[1];
    q[ix("pelvis_ty")?] = pose[2];
    q[ix("pelvis_tilt")?] = -pose[3];
    for (side, base) in [("r", 4), ("l", 8)] {
        q[ix(&format!("hip_adduction_{side}"))?] = -pose[base];
        q[ix(&format!("hip_flexion_{side}"))?] = -pose[base + 1];
        q[ix(&format!("knee_angle_{side}"))?] = pose[base + 2];
        q[ix(&format!("ankle_angle_{side}"))?] = -pose[base + 3];
    }
    for (c, coord) in model.coordinates.iter().enumerate() {
        if coord.locked {
            q[c] = coord.default_value;
            qd[c] = 0.0;
        }
    }
    Ok((q, qd))
}

/// Puts the simulation at `pose` (time 0, activations at [`DEFAULT_ACTIVATION`]).
pub fn start(sim: &mut Simulation, pose: &[f64; 12]) -> anyhow::Result<()> {
    let (q, qd) = init_state(sim.model(), pose)?;
    sim.set_state(&q, &qd)?;
    let n = sim.model().muscles.len();
    sim.set_activations(&vec![DEFAULT_ACTIVATION; n]);
    sim.set_time(0.0);
    Ok(())
}

/// What an episode measured.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Episode {
    /// Simulated time until the fall or the end (s).
    pub duration: f64,
    /// The pelvis fell below [`FALL_HEIGHT`] (or the simulation diverged).
    pub fell: bool,
    /// The simulation diverged (counted as a fall).
    pub diverged: bool,
    /// Forward travel of the pelvis origin (m).
    pub distance: f64,
    /// Foot strikes (right, left): vertical force above 10 % of body weight after below 2 %.
    pub foot_strikes: [usize; 2],
    /// Smallest and largest excitation sent to the muscles.
    pub excitation_range: (f64, f64),
    /// Every excitation was finite.
    pub finite: bool,
}

impl Episode {
    /// Mean forward speed (m/s).
    pub fn speed(&self) -> f64 {
        if self.duration > 0.0 {
            self.distance / self.duration
        } else {
            0.0
        }
    }
}

/// Runs the controller on the simulation from its current state for up to `seconds`, calling
/// `each` after every control step (e.g. to record frames).
pub fn run(
    sim: &mut Simulation,
    ctrl: &mut LocoCtrl,
    adapter: &Adapter,
    seconds: f64,
    mut each: impl FnMut(&Simulation),
) -> anyhow::Result<Episode> {
    let dt = sim.config().control_dt;
    let steps = (seconds / dt).round() as usize;
    let pelvis = adapter.pelvis_body();
    let x0 = sim.body_frames()[pelvis].pos.x;
    let mut obs = adapter.observe(sim);
    // Loads in body weights, so the counter's weight is 1.
    let mut strikes = StrikeCounter::default();
    strikes.start(vertical_loads(sim), 1.0);
    let mut ep = Episode {
        excitation_range: (f64::INFINITY, f64::NEG_INFINITY),
        finite: true,
        ..Episode::default()
    };
    for _ in 0..steps {
        let stim = ctrl.update(&sensors(&obs));
        let excitation = adapter.excitations(&stim, ctrl.dimension());
        for &e in &excitation {
            ep.finite &= e.is_finite();
            ep.excitation_range.0 = ep.excitation_range.0.min(e);
            ep.excitation_range.1 = ep.excitation_range.1.max(e);
        }
        match sim.step(&excitation) {
            Ok(()) => {}
            Err(SimError::Diverged { .. }) => {
                ep.diverged = true;
                ep.fell = true;
                break;
            }
            Err(e) => return Err(e.into()),
        }
        ep.duration += dt;
        obs = adapter.observe(sim);
        strikes.observe(vertical_loads(sim), 1.0);
        each(sim);
        if obs.pelvis.height < FALL_HEIGHT {
            ep.fell = true;
            break;
        }
    }
    ep.distance = sim.body_frames()[pelvis].pos.x - x0;
    ep.foot_strikes = strikes.strikes;
    Ok(ep)
}

fn vertical_loads(sim: &Simulation) -> [f64; 2] {
    let c = sim.foot_contacts();
    [c[0].force.y / (MASS * G), c[1].force.y / (MASS * G)]
}

/// The app's frame of the simulation's current state (no reference: no ghost, no reference
/// coordinates).
pub fn frame(sim: &Simulation) -> Frame {
    Frame::of_sim(sim)
}

/// The controller ready to walk `model` with `params` (planar or 3-D by their count) from
/// [`INIT_POSE`]: the simulation placed there, the sensor adapter and the reflex network.
pub struct Walker {
    /// The simulation at the start pose.
    pub sim: Simulation,
    /// Our state to the controller's sensors, its stimulations to our muscles.
    pub adapter: Adapter,
    /// The reflex network.
    pub ctrl: LocoCtrl,
    /// Planar (37 parameters) or 3-D.
    pub dimension: super::Dimension,
}

impl Walker {
    /// Builds the simulation, adapter and controller and places the model at [`INIT_POSE`].
    pub fn new(model: std::sync::Arc<Model>, params: &[f64]) -> anyhow::Result<Walker> {
        let dimension = if params.len() == super::reflex::N_PARAMS_PLANAR {
            super::Dimension::Planar
        } else {
            super::Dimension::Spatial
        };
        let mut sim = Simulation::new(model.clone(), crate::sim::SimConfig::default())?;
        let adapter = Adapter::new(&model)?;
        let ctrl = LocoCtrl::new(dimension, params)?;
        start(&mut sim, &INIT_POSE)?;
        Ok(Walker {
            sim,
            adapter,
            ctrl,
            dimension,
        })
    }

    /// Walks for `seconds` (see [`run`]), calling `each` after every step.
    pub fn walk(&mut self, seconds: f64, each: impl FnMut(&Simulation)) -> anyhow::Result<Episode> {
        run(&mut self.sim, &mut self.ctrl, &self.adapter, seconds, each)
    }
}

/// Walks the shipped planar model with the shipped 2-D parameters for `seconds` from
/// [`INIT_POSE`] and returns the walk as an app recording (for the app's reflex demo).
pub fn record_walk(seconds: f64) -> anyhow::Result<(Episode, Recording)> {
    let model = std::sync::Arc::new(Model::load(super::planar_model_path())?);
    let params = super::reflex::load_params(&super::planar_params_path())?;
    let mut walker = Walker::new(model.clone(), &params)?;
    let mut rec = Recording::new(
        "reflex walk (osim-rl controller)",
        &model,
        walker.sim.config().control_dt as f32,
    );
    rec.frames.push(frame(&walker.sim));
    let ep = walker.walk(seconds, |s| rec.frames.push(frame(s)))?;
    Ok((ep, rec))
}
