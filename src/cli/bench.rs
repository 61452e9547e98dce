//! `gaitscope bench`: speed figures printed, never asserted.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Result;
use rand::{Rng, SeedableRng};

use crate::osim::Model;
use crate::sim::{SimConfig, Simulation};

/// Environment steps per second on one thread with random excitations.
pub fn sim(model_path: &Path, steps: usize) -> Result<()> {
    let model = Arc::new(Model::load(model_path)?);
    let config = SimConfig::default();
    let mut sim = Simulation::new(model.clone(), config.clone())?;
    for note in &sim.plan().approximations {
        println!("note: {note}");
    }
    sim.save_snapshot();
    let mut rng = rand::rngs::SmallRng::seed_from_u64(42);
    let n = model.muscles.len();
    let mut u = vec![0.0; n];
    let mut resets = 0usize;
    let mut diverged = 0usize;
    let start = Instant::now();
    let mut episode = 0usize;
    for _ in 0..steps {
        for x in &mut u {
            *x = rng.gen::<f64>();
        }
        let fallen = match sim.step(&u) {
            Ok(()) => sim.body_frames()[sim.plan().root_body].pos.y < 0.6,
            Err(_) => {
                diverged += 1;
                true
            }
        };
        episode += 1;
        if fallen || episode >= 1000 {
            sim.restore_snapshot();
            resets += 1;
            episode = 0;
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "bench sim: {steps} env steps in {secs:.3} s = {:.0} steps/s on one thread \
         (control dt {} s, {} substeps/step = {:.0} rapier steps/s; {resets} resets, {diverged} diverged)",
        steps as f64 / secs,
        config.control_dt,
        config.substeps,
        steps as f64 * config.substeps as f64 / secs
    );
    Ok(())
}
