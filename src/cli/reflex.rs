//! `gaitscope reflex`: osim-rl's Song-Geyer reflex controller walking a model from osim-rl's
//! start pose, with time to fall, distance, speed and foot strikes against OpenSim's result, and
//! optionally the episode as an app recording.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result};

use crate::control::episode::{self, Episode, Walker};
use crate::control::reflex::load_params;
use crate::live::recording::Recording;
use crate::osim::model::Model;

/// OpenSim 4.6 + osim-rl 3.0.11 on the planar model with `params_2D.txt`: it walked the whole
/// episode (s).
pub const OPENSIM_DURATION_S: f64 = 10.0;
/// ... and this far (m).
pub const OPENSIM_DISTANCE_M: f64 = 14.06;

/// Runs the controller for `seconds` and prints the result; saves a recording to `out` and the
/// vertical ground reaction of each foot (body weights) to `grf` (CSV) if given.
pub fn run(
    model: &Path,
    params: &Path,
    seconds: f64,
    out: Option<&Path>,
    grf: Option<&Path>,
) -> Result<()> {
    let model = Arc::new(Model::load(model).with_context(|| format!("{}", model.display()))?);
    let params = load_params(params)?;
    let mut walker = Walker::new(model.clone(), &params)?;
    let dimension = walker.dimension;
    let lowest = walker
        .sim
        .contact_sphere_bottoms()
        .into_iter()
        .fold(f64::INFINITY, f64::min);
    println!(
        "{}: {dimension:?} controller, {} parameters; start: lowest contact sphere {:+.1} mm",
        model.name,
        params.len(),
        lowest * 1000.0
    );
    let dt = walker.sim.config().control_dt as f32;
    let mut rec = Recording::new("reflex", &model, dt);
    rec.frames.push(episode::frame(&walker.sim));
    let weight = model.total_mass() * 9.81;
    let mut grf_csv = String::from("time,right_vertical_bw,left_vertical_bw\n");
    let ep = walker.walk(seconds, |s| {
        if out.is_some() {
            rec.frames.push(episode::frame(s));
        }
        if grf.is_some() {
            let c = s.foot_contacts();
            grf_csv.push_str(&format!(
                "{:.3},{:.4},{:.4}\n",
                s.time(),
                c[0].force.y / weight,
                c[1].force.y / weight
            ));
        }
    })?;
    report(&ep, seconds);
    if let Some(grf) = grf {
        crate::util::write_atomic(grf, grf_csv.as_bytes())?;
        println!("vertical ground reactions: {}", grf.display());
    }
    if let Some(out) = out {
        rec.save(out)?;
        println!("{}: {} frames", out.display(), rec.frames.len());
    }
    Ok(())
}

fn report(ep: &Episode, seconds: f64) {
    let outcome = if ep.diverged {
        format!("the simulation diverged at {:.2} s", ep.duration)
    } else if ep.fell {
        format!("fell (pelvis below 0.6 m) at {:.2} s", ep.duration)
    } else {
        format!("walked the full {seconds:.2} s")
    };
    println!("ours:    {outcome}");
    println!(
        "         distance {:.2} m, mean speed {:.2} m/s, foot strikes right {} left {}",
        ep.distance,
        ep.speed(),
        ep.foot_strikes[0],
        ep.foot_strikes[1]
    );
    println!(
        "         excitations in [{:.3}, {:.3}]{}",
        ep.excitation_range.0,
        ep.excitation_range.1,
        if ep.finite { "" } else { ", some not finite" }
    );
    println!(
        "OpenSim: walked the full {OPENSIM_DURATION_S:.0} s, {OPENSIM_DISTANCE_M:.2} m ({:.2} m/s; \
         osim-rl 3.0.11 on OpenSim 4.6, planar model, params_2D.txt)",
        OPENSIM_DISTANCE_M / OPENSIM_DURATION_S
    );
    println!(
        "ours / OpenSim: time {:.0} %, distance {:.0} %",
        100.0 * ep.duration / OPENSIM_DURATION_S,
        100.0 * ep.distance / OPENSIM_DISTANCE_M
    );
}

/// `gaitscope reflex`'s options.
#[derive(clap::Args, Debug, Clone)]
pub struct ReflexArgs {
    /// The OpenSim model (default: the shipped planar gait14dof22musc).
    #[arg(long)]
    pub model: Option<std::path::PathBuf>,
    /// The controller's parameters, one per line (default: the shipped params_2D.txt).
    #[arg(long)]
    pub params: Option<std::path::PathBuf>,
    /// Episode length (s).
    #[arg(long, default_value_t = 10.0)]
    pub seconds: f64,
    /// Save the episode as an app recording (RON).
    #[arg(long)]
    pub out: Option<std::path::PathBuf>,
    /// Write each foot's vertical ground reaction (body weights) per step as CSV.
    #[arg(long)]
    pub grf: Option<std::path::PathBuf>,
}

impl ReflexArgs {
    /// Walks the model and prints the comparison.
    pub fn run(&self) -> Result<()> {
        run(
            &self
                .model
                .clone()
                .unwrap_or_else(crate::control::planar_model_path),
            &self
                .params
                .clone()
                .unwrap_or_else(crate::control::planar_params_path),
            self.seconds,
            self.out.as_deref(),
            self.grf.as_deref(),
        )
    }
}
