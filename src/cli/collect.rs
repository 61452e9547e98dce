//! `gaitscope collect`: record observations for the encoders.

use std::path::Path;

use anyhow::Result;

use crate::env::EnvConfig;
use crate::train::collect::{collect, CollectConfig, ExplorationSource};

/// Records `steps` observations with `source` (and a trained run's policy, if given) into `out`.
pub fn run(
    out: &Path,
    steps: usize,
    source: ExplorationSource,
    seed: u64,
    policy: Option<&Path>,
) -> Result<()> {
    let started = std::time::Instant::now();
    let config = CollectConfig {
        steps,
        source,
        seed,
        policy: policy.map(Path::to_path_buf),
        ..CollectConfig::default()
    };
    let data = collect(&EnvConfig::default(), &config)?;
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
