//! `gaitscope collect`: record observations for the encoders.

use std::path::Path;

use anyhow::Result;

use crate::env::EnvConfig;
use crate::train::collect::{collect, CollectConfig, ExplorationSource};

/// Records `steps` observations with `source` into `out` (safetensors).
pub fn run(out: &Path, steps: usize, source: ExplorationSource, seed: u64) -> Result<()> {
    let started = std::time::Instant::now();
    let data = collect(
        &EnvConfig::default(),
        &CollectConfig {
            steps,
            source,
            seed,
            ..CollectConfig::default()
        },
    )?;
    data.save(out)?;
    println!(
        "collected {} observations of {} values ({source:?}) in {:.1} s -> {}",
        data.len(),
        data.obs_dim,
        started.elapsed().as_secs_f64(),
        out.display()
    );
    Ok(())
}
