//! `gaitscope collect`: record observations for the encoders, or (with `--expert`) an expert
//! run's labelled observations for the imitation learners.

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

/// `gaitscope collect`'s options.
#[derive(clap::Args, Debug, Clone)]
pub struct CollectArgs {
    /// Output file (safetensors).
    #[arg(long, default_value = "runs/observations.safetensors")]
    pub out: std::path::PathBuf,
    /// Environment steps to record.
    #[arg(long, default_value_t = 100_000)]
    pub steps: usize,
    /// Exploration: random, reference (perturbed reference playback) or mixed.
    #[arg(long, value_enum, default_value_t = ExplorationSource::Mixed)]
    pub source: ExplorationSource,
    /// Seed.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// A trained run folder whose policy chooses the excitations.
    #[arg(long)]
    pub policy: Option<std::path::PathBuf>,
    /// A trained run folder to imitate: its deterministic policy acts in its own environment
    /// and every observation is saved with its action (tensors `observations`, `actions`),
    /// the dataset `train --algo bc|dagger|ridge --dataset` reads.
    #[arg(long, conflicts_with = "policy")]
    pub expert: Option<std::path::PathBuf>,
}

impl CollectArgs {
    /// Records and saves the observations.
    pub fn run(&self) -> Result<()> {
        if let Some(dir) = &self.expert {
            let started = std::time::Instant::now();
            let expert = crate::train::collect::Expert::load(dir)?;
            let data = crate::train::collect::collect_expert(&expert, self.steps, self.seed)?;
            data.save(&self.out)?;
            println!(
                "collected {} expert steps ({} observation, {} action values) from {} in {:.1} s -> {}",
                data.len(),
                data.obs_dim,
                data.act_dim,
                dir.display(),
                started.elapsed().as_secs_f64(),
                self.out.display()
            );
            return Ok(());
        }
        run(
            &self.out,
            self.steps,
            self.source,
            self.seed,
            self.policy.as_deref(),
        )
    }
}
