//! `gaitscope eval RUN`: the study's evaluation of a trained run.

use std::path::Path;

use anyhow::Result;

use crate::train::eval::evaluate;

/// Prints the report and writes `RUN/eval/gait_cycles.csv`.
pub fn run(run_dir: &Path, episodes: usize) -> Result<()> {
    let r = evaluate(run_dir, episodes, 1234)?;
    println!(
        "{} episodes: mean duration {:.3} s, mean return {:.3}",
        r.episodes, r.mean_duration, r.mean_return
    );
    println!("RMSE against the reference (degrees; pelvis translations in cm):");
    for (name, v) in &r.rmse {
        println!("  {name:<16} {v:8.2}");
    }
    println!("  cumulative       {:8.2}", r.cumulative_rmse);
    println!("per episode: summed activation, summed fibre force (N)");
    for ((m, a), (_, f)) in r.activation_sums.iter().zip(&r.fiber_force_sums) {
        println!("  {m:<10} {a:10.2} {f:14.0}");
    }
    let path = run_dir.join("eval").join("gait_cycles.csv");
    crate::util::write_atomic(&path, r.gait_cycles_csv.as_bytes())?;
    println!("gait cycles: {}", path.display());
    Ok(())
}
