//! `gaitscope record` and `gaitscope export`: record a run's policy walking (the app's recording
//! format) and turn a recording into an OpenSim `.mot`, without a window.

use std::path::Path;

use anyhow::Result;

use crate::env::WalkEnv;
use crate::learn::encoder::EncoderKind;
use crate::learn::snapshot::PolicySnapshot;
use crate::live::recording::{record_episode, Recording};
use crate::train::folder::load_policy;

/// Records `episodes` deterministic episodes of the run's policy into `out` (one file per episode
/// beyond the first: `name-2.ron`, ...), optionally exporting each as `.mot` too.
pub fn record(run: &Path, episodes: usize, seed: u64, out: &Path, mot: bool) -> Result<()> {
    let (config, ppo) = load_policy(run)?;
    let policy = PolicySnapshot::from_networks(&ppo.encoder, &ppo.net)?;
    let mut env = WalkEnv::new(config.env.clone(), seed)?;
    let latent = crate::live::shipped_latent_map(EncoderKind::Ae).ok();
    let label = run
        .file_name()
        .map_or("run".into(), |n| n.to_string_lossy().into_owned());
    for e in 0..episodes.max(1) {
        let rec = record_episode(&mut env, Some(&policy), latent.as_ref(), &label)?;
        let path = if e == 0 {
            out.to_path_buf()
        } else {
            let stem = out
                .file_stem()
                .map_or("episode".into(), |s| s.to_string_lossy());
            out.with_file_name(format!("{stem}-{}.ron", e + 1))
        };
        rec.save(&path)?;
        println!(
            "{}: {} frames, {:.2} s, return {:.2}",
            path.display(),
            rec.frames.len(),
            rec.duration(),
            rec.episode_return()
        );
        if mot {
            let mot_path = path.with_extension("mot");
            rec.export_mot(&mot_path)?;
            println!("{}", mot_path.display());
        }
    }
    Ok(())
}

/// Exports a recording's motion as an OpenSim `.mot`.
pub fn export(recording: &Path, mot: &Path) -> Result<()> {
    let rec = Recording::load(recording)?;
    rec.export_mot(mot)?;
    println!("{}: {} rows", mot.display(), rec.frames.len());
    Ok(())
}

/// `gaitscope record`'s options.
#[derive(clap::Args, Debug, Clone)]
pub struct RecordArgs {
    /// The run folder.
    pub run: std::path::PathBuf,
    /// Output file (further episodes get -2, -3, ... suffixes).
    #[arg(long, default_value = "recordings/episode.ron")]
    pub out: std::path::PathBuf,
    /// Episodes (at least 1).
    #[arg(long, default_value_t = 1, value_parser = super::at_least_one)]
    pub episodes: usize,
    /// Seed of the initial states.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Also export each episode as an OpenSim .mot next to it.
    #[arg(long)]
    pub mot: bool,
}

impl RecordArgs {
    /// Records the episodes.
    pub fn run(&self) -> Result<()> {
        record(&self.run, self.episodes, self.seed, &self.out, self.mot)
    }
}

/// `gaitscope export`'s options.
#[derive(clap::Args, Debug, Clone)]
pub struct ExportArgs {
    /// The recording (.ron).
    pub recording: std::path::PathBuf,
    /// The motion file to write.
    #[arg(long)]
    pub mot: std::path::PathBuf,
}

impl ExportArgs {
    /// Writes the `.mot`.
    pub fn run(&self) -> Result<()> {
        export(&self.recording, &self.mot)
    }
}
