//! `gaitscope fit-encoder`: prepare the collected observations and fit PCA, AE or VAE; print the
//! reconstruction error on the held-out split in the form of the study's Table 4.1.

use std::path::Path;

use anyhow::Result;
use indicatif::{ProgressBar, ProgressStyle};

use crate::learn::encoder::{Encoder, EncoderKind, FitConfig, Normalizer};
use crate::train::collect::{prepare, Dataset};

/// Fits every kind in `kinds` on `data` and saves them into `out_dir`.
pub fn run(
    data_path: &Path,
    kinds: &[EncoderKind],
    out_dir: &Path,
    config: &FitConfig,
) -> Result<()> {
    let data = Dataset::load(data_path)?;
    let dim = data.obs_dim;
    if data.len() < 20 {
        anyhow::bail!(
            "{}: {} observations; fitting needs at least 20 (collect more with `gaitscope collect --steps N`)",
            data_path.display(),
            data.len()
        );
    }
    if !(1..=dim).contains(&config.latent) {
        anyhow::bail!(
            "--latent must be between 1 and the observation width {dim}, got {}",
            config.latent
        );
    }
    if config.epochs == 0 || config.epochs > 1_000_000 {
        anyhow::bail!(
            "--epochs must be between 1 and 1000000, got {}",
            config.epochs
        );
    }
    let prepared = prepare(&data, 8.0, 0, 0.1);
    let normalizer = Normalizer::fit(&prepared.train, dim);
    let mut train = prepared.train.clone();
    let mut test = prepared.test.clone();
    normalizer.apply(&mut train);
    normalizer.apply(&mut test);
    println!(
        "{} observations: {} outliers removed, thinned every {} steps, {} train / {} test",
        data.len(),
        prepared.outliers,
        prepared.stride,
        train.len() / dim,
        test.len() / dim
    );
    Encoder::none(normalizer.clone()).save(out_dir, None)?;
    let device = crate::learn::device();
    let mut rows = Vec::new();
    for &kind in kinds {
        let started = std::time::Instant::now();
        let encoder = match kind {
            EncoderKind::None => continue,
            EncoderKind::Pca => {
                Encoder::fit_pca(normalizer.clone(), &train, config.latent, &device)?
            }
            EncoderKind::Ae | EncoderKind::Vae => {
                let bar = ProgressBar::new(config.epochs as u64);
                bar.set_style(
                    ProgressStyle::with_template(
                        "{msg} [{bar:30}] {pos}/{len} epochs {elapsed}/{eta}",
                    )
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
                );
                bar.set_message(format!("{kind:?}"));
                let enc = Encoder::fit_network(
                    kind,
                    normalizer.clone(),
                    &train,
                    config,
                    &device,
                    |_, loss| {
                        bar.inc(1);
                        bar.set_message(format!("{kind:?} loss {loss:.4}"));
                    },
                )?;
                bar.finish_and_clear();
                enc
            }
        };
        let (mean, std) = encoder.reconstruction_error(&test, &device)?;
        encoder.save(out_dir, Some((mean, std)))?;
        rows.push((kind, mean, std, started.elapsed().as_secs_f64()));
    }
    println!(
        "reconstruction MSE on the test split (z-scored units), latent {}:",
        config.latent
    );
    println!("  encoder   mean      std       fit time");
    for (kind, mean, std, secs) in rows {
        println!(
            "  {:<8}  {mean:.5}   {std:.5}   {secs:.0} s",
            format!("{kind:?}")
        );
    }
    println!("saved to {}", out_dir.display());
    Ok(())
}

/// Which encoders `fit-encoder` fits.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum FitKinds {
    /// Principal components.
    Pca,
    /// The autoencoder.
    Ae,
    /// The variational autoencoder.
    Vae,
    /// PCA, AE and VAE.
    All,
}

impl FitKinds {
    /// The encoder kinds this stands for.
    pub fn kinds(self) -> Vec<EncoderKind> {
        match self {
            FitKinds::Pca => vec![EncoderKind::Pca],
            FitKinds::Ae => vec![EncoderKind::Ae],
            FitKinds::Vae => vec![EncoderKind::Vae],
            FitKinds::All => vec![EncoderKind::Pca, EncoderKind::Ae, EncoderKind::Vae],
        }
    }
}

/// `gaitscope fit-encoder`'s options.
#[derive(clap::Args, Debug, Clone)]
pub struct FitEncoderArgs {
    /// Which encoders to fit.
    #[arg(long, value_enum, default_value_t = FitKinds::All)]
    pub kind: FitKinds,
    /// The collected observations.
    #[arg(long, default_value = "runs/observations.safetensors")]
    pub data: std::path::PathBuf,
    /// Output folder.
    #[arg(long, default_value = "runs/encoders")]
    pub out: std::path::PathBuf,
    /// Latent width.
    #[arg(long, default_value_t = 66)]
    pub latent: usize,
    /// Epochs (the study: 750).
    #[arg(long, default_value_t = 750)]
    pub epochs: usize,
    /// Seed.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

impl FitEncoderArgs {
    /// Fits and saves the encoders, printing the reconstruction table.
    pub fn run(&self) -> Result<()> {
        let config = FitConfig {
            latent: self.latent,
            epochs: self.epochs,
            seed: self.seed,
            ..FitConfig::default()
        };
        run(&self.data, &self.kind.kinds(), &self.out, &config)
    }
}
