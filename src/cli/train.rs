//! `gaitscope train`: PPO+IL (or SAC, TD3, DDPG, BC, DAgger, ridge: `--algo`) on worker threads
//! with a progress bar; the same `train::run` code the app uses.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};

use crate::learn::encoder::EncoderKind;
use crate::learn::ppo::EncoderMode;
use crate::train::messages::Event;
use crate::train::run::RunConfig;
use crate::train::trainer::train;

/// `gaitscope train`'s options: a recipe or a RON file, and the settings the command line
/// overrides (each default written here once).
#[derive(clap::Args, Debug, Clone)]
pub struct TrainArgs {
    /// study (Table 3.2 and section 3, the default) or walk (assets/configs/walk.ron);
    /// ignored with --config.
    #[arg(long, default_value = "study", value_parser = ["study", "walk"])]
    pub recipe: String,
    /// The encoder (default: the recipe's; the study's is ae).
    #[arg(long, value_enum)]
    pub encoder: Option<EncoderKind>,
    /// How the encoder takes part (default: the recipe's, frozen).
    #[arg(long, value_enum)]
    pub mode: Option<EncoderMode>,
    /// Environment steps (default: the recipe's; the study's 5,000,000).
    #[arg(long)]
    pub steps: Option<u64>,
    /// Run folder.
    #[arg(long)]
    pub out: PathBuf,
    /// A RON run configuration (defaults: assets/configs/train.ron values).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Folder of fitted encoders (default: models/encoders).
    #[arg(long)]
    pub encoders: Option<PathBuf>,
    /// Simulation worker threads (0: one per core).
    #[arg(long, default_value_t = 0)]
    pub workers: usize,
    /// Seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Parallel environments (the study: 20).
    #[arg(long)]
    pub envs: Option<usize>,
    /// Steps per environment per update (the study: 1024).
    #[arg(long)]
    pub n_steps: Option<usize>,
    /// Stop an update once a minibatch's approximate KL exceeds 1.5 x this (SB3's
    /// target_kl; the study sets none).
    #[arg(long)]
    pub target_kl: Option<f64>,
    /// The action distribution: clipped-gaussian (SB3 1.x as the study trained, the
    /// default) or squashed-gaussian (tanh).
    #[arg(long)]
    pub distribution: Option<crate::learn::distribution::ActionDistribution>,
    /// Start a new run from this run folder's checkpoint (policy, value and encoder; fresh
    /// optimizer), with the recipe's or --config's settings: a curriculum stage.
    #[arg(long)]
    pub init_from: Option<PathBuf>,
    /// The learning method: ppo (the study's, the default), sac, td3, ddpg (seeds 003/004's
    /// off-policy learners), bc, dagger or ridge (imitation of --expert).
    #[arg(long, value_enum)]
    pub algo: Option<crate::train::run::Algo>,
    /// SAC/TD3/DDPG settings: seed004 (2 x 64, seed 004's values, the default) or sb3 (SB3
    /// 2.x's defaults: SAC 2 x 256, TD3/DDPG 400 x 300).
    #[arg(long, value_parser = ["seed004", "sb3"])]
    pub preset: Option<String>,
    /// BC / DAgger / ridge: the trained run folder to imitate.
    #[arg(long)]
    pub expert: Option<PathBuf>,
    /// BC / ridge: a dataset from `collect --expert` instead of collecting.
    #[arg(long)]
    pub dataset: Option<PathBuf>,
    /// BC / DAgger: iterations (metrics rows).
    #[arg(long)]
    pub iterations: Option<usize>,
}

impl TrainArgs {
    /// The run's configuration: `--config`'s file or the recipe, with the options given.
    pub fn config(&self) -> Result<RunConfig> {
        let mut c: RunConfig = match &self.config {
            Some(p) => {
                let text = std::fs::read_to_string(p).with_context(|| p.display().to_string())?;
                ron::from_str(&text).with_context(|| p.display().to_string())?
            }
            None => crate::train::run::recipe(&self.recipe)?,
        };
        if let Some(e) = self.encoder {
            c.encoder = e;
        }
        if let Some(m) = self.mode {
            c.mode = m;
        }
        if let Some(s) = self.steps {
            c.total_steps = s;
        }
        c.workers = self.workers;
        if self.encoders.is_some() {
            c.encoder_dir = self.encoders.clone();
        }
        if let Some(s) = self.seed {
            c.ppo.seed = s;
        }
        if let Some(n) = self.envs {
            c.ppo.n_envs = n;
        }
        if let Some(n) = self.n_steps {
            c.ppo.n_steps = n;
        }
        if self.target_kl.is_some() {
            c.ppo.target_kl = self.target_kl;
        }
        if let Some(d) = self.distribution {
            c.ppo.distribution = d;
        }
        if self.init_from.is_some() {
            c.init_from = self.init_from.clone();
        }
        if let Some(a) = self.algo {
            c.algo = a;
        }
        if let Some(p) = &self.preset {
            let algo = c
                .algo
                .off_policy()
                .context("--preset applies to sac, td3 and ddpg")?;
            c.off_policy = Some(match p.as_str() {
                "sb3" => crate::learn::offpolicy::OffPolicyConfig::sb3(algo),
                _ => crate::learn::offpolicy::OffPolicyConfig::seed004(algo),
            });
        }
        if self.expert.is_some() {
            c.imitation.expert = self.expert.clone();
        }
        if self.dataset.is_some() {
            c.imitation.dataset = self.dataset.clone();
        }
        if let Some(n) = self.iterations {
            c.imitation.iterations = n;
        }
        Ok(c)
    }
}

/// Trains (or resumes) `config` into `out`.
pub fn run(config: RunConfig, out: &Path) -> Result<()> {
    let total = config.total_steps;
    let (tx, rx) = crossbeam_channel::bounded(256);
    let out_owned = out.to_path_buf();
    let learner = std::thread::Builder::new()
        .name("learner".into())
        .spawn(move || train(config, &out_owned, Some(tx), None))?;
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} steps {elapsed}/{eta} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    for event in rx.iter() {
        match event {
            Event::Update(m) => {
                bar.set_position(m.env_steps);
                bar.set_message(format!(
                    "return {:.2} duration {:.2} s | {:.0} steps/s",
                    m.mean_return, m.mean_duration, m.steps_per_second
                ));
                if !bar.is_hidden() {
                    continue;
                }
                println!(
                    "update {} steps {} return {:.3} duration {:.3} s kl {:.4} (last epoch {:.4}) entropy {:.2} ev {:.3} {:.0} steps/s",
                    m.update, m.env_steps, m.mean_return, m.mean_duration, m.stats.approx_kl, m.stats.approx_kl_last_epoch, m.stats.entropy, m.stats.explained_variance, m.steps_per_second
                );
            }
            Event::Log(s) => bar.println(s),
            Event::Policy(_) => {}
            Event::Finished(s) => bar.println(format!("training {s}")),
        }
    }
    bar.finish();
    let state = learner
        .join()
        .map_err(|_| anyhow::anyhow!("the learner thread panicked"))??;
    println!(
        "{} updates, {} environment steps; run folder {}",
        state.updates,
        state.env_steps,
        out.display()
    );
    Ok(())
}
