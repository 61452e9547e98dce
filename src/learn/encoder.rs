//! Observation encoders (seeds/000 section 3.2): none (z-scored raw observation), PCA, an
//! undercomplete autoencoder and a variational autoencoder, with 6 layers whose widths shrink
//! geometrically from the input to the latent (eq. 3.1: `n_i = Z (I/Z)^((N-i)/(N-1))`).

use candle_core::{Device, Result, Tensor, Var, D};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};
use rand::rngs::SmallRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use serde::{Deserialize, Serialize};

use super::mlp::{normal, Activation, Mlp};

/// Which encoder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
pub enum EncoderKind {
    /// The z-scored observation itself.
    None,
    /// Principal component analysis.
    Pca,
    /// Undercomplete autoencoder.
    Ae,
    /// Variational autoencoder (the agent sees the mean).
    Vae,
}

impl EncoderKind {
    /// Its lower-case name, as the command line, file names and folder names spell it.
    pub fn name(self) -> &'static str {
        match self {
            EncoderKind::None => "none",
            EncoderKind::Pca => "pca",
            EncoderKind::Ae => "ae",
            EncoderKind::Vae => "vae",
        }
    }
}

impl std::str::FromStr for EncoderKind {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "none" => Ok(Self::None),
            "pca" => Ok(Self::Pca),
            "ae" => Ok(Self::Ae),
            "vae" => Ok(Self::Vae),
            other => Err(format!("unknown encoder \"{other}\" (none, pca, ae, vae)")),
        }
    }
}

/// Layer widths of eq. 3.1: `layers` widths from `input` down to `latent`.
pub fn geometric_widths(input: usize, latent: usize, layers: usize) -> Vec<usize> {
    let ratio = input as f64 / latent as f64;
    (1..=layers)
        .map(|i| {
            let e = (layers - i) as f64 / (layers - 1).max(1) as f64;
            (latent as f64 * ratio.powf(e)).round() as usize
        })
        .collect()
}

/// Per-feature z-score statistics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Normalizer {
    /// Means.
    pub mean: Vec<f32>,
    /// Standard deviations (at least 1e-6).
    pub std: Vec<f32>,
}

impl Normalizer {
    /// Statistics of rows of width `dim`.
    pub fn fit(data: &[f32], dim: usize) -> Normalizer {
        let n = (data.len() / dim).max(1) as f64;
        let mut mean = vec![0f64; dim];
        let mut sq = vec![0f64; dim];
        for row in data.chunks_exact(dim) {
            for (k, v) in row.iter().enumerate() {
                mean[k] += *v as f64;
                sq[k] += (*v as f64) * (*v as f64);
            }
        }
        let mean: Vec<f64> = mean.iter().map(|m| m / n).collect();
        let std = sq
            .iter()
            .zip(&mean)
            .map(|(s, m)| ((s / n - m * m).max(0.0).sqrt().max(1e-6)) as f32)
            .collect();
        Normalizer {
            mean: mean.into_iter().map(|m| m as f32).collect(),
            std,
        }
    }

    /// Identity statistics.
    pub fn identity(dim: usize) -> Normalizer {
        Normalizer {
            mean: vec![0.0; dim],
            std: vec![1.0; dim],
        }
    }

    /// Z-scores rows in place (clipped to +-10, as SB3's VecNormalize).
    pub fn apply(&self, data: &mut [f32]) {
        let dim = self.mean.len();
        for row in data.chunks_exact_mut(dim) {
            for (k, v) in row.iter_mut().enumerate() {
                *v = ((*v - self.mean[k]) / self.std[k]).clamp(-10.0, 10.0);
            }
        }
    }
}

/// What an encoder maps its z-scored columns through: one arm per [`EncoderKind`], holding just
/// what that kind has.
#[derive(Debug, Clone)]
pub enum EncoderMap {
    /// The z-scored observation itself.
    Identity,
    /// PCA: the components as an (input, latent) matrix.
    Pca {
        /// The principal directions, one per column.
        components: Tensor,
    },
    /// The autoencoder: its encoder (ending at the latent) and decoder.
    Ae {
        /// Input to latent.
        encoder: Mlp,
        /// Latent to input.
        decoder: Mlp,
    },
    /// The variational autoencoder: a trunk, ELU, then the mean and log-variance heads; and the
    /// decoder.
    Vae {
        /// Input to the last hidden width (its last layer linear).
        trunk: Mlp,
        /// The latent mean head.
        mu: Mlp,
        /// The latent log-variance head.
        logvar: Mlp,
        /// Latent to input.
        decoder: Mlp,
    },
}

/// An encoder: z-scoring, then its map to the latent.
#[derive(Debug, Clone)]
pub struct Encoder {
    /// Z-score statistics of the raw observation.
    pub normalizer: Normalizer,
    /// The map of the encoded columns.
    pub map: EncoderMap,
    /// Trailing input values that skip the map and are appended to its features unchanged
    /// (the walking recipe's gait phase beside an encoder fitted on the study's observation).
    pub passthrough: usize,
}

/// Training settings for AE and VAE.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FitConfig {
    /// Latent size.
    pub latent: usize,
    /// Epochs (the study: 750).
    pub epochs: usize,
    /// Minibatch size.
    pub batch_size: usize,
    /// AdamW learning rate.
    pub lr: f64,
    /// Weight of the VAE's KL term.
    pub beta: f64,
    /// Seed.
    pub seed: u64,
}

impl Default for FitConfig {
    fn default() -> Self {
        Self {
            latent: 66,
            epochs: 750,
            batch_size: 256,
            lr: 1e-3,
            beta: 1.0,
            seed: 42,
        }
    }
}

impl Encoder {
    /// The identity encoder (z-scoring only).
    pub fn none(normalizer: Normalizer) -> Encoder {
        Encoder {
            normalizer,
            map: EncoderMap::Identity,
            passthrough: 0,
        }
    }

    /// Which encoder this is.
    pub fn kind(&self) -> EncoderKind {
        match self.map {
            EncoderMap::Identity => EncoderKind::None,
            EncoderMap::Pca { .. } => EncoderKind::Pca,
            EncoderMap::Ae { .. } => EncoderKind::Ae,
            EncoderMap::Vae { .. } => EncoderKind::Vae,
        }
    }

    /// The same encoder taking `mean.len()` more input values, z-scored with `mean` and `std`,
    /// that pass through to the end of its features (identity encoders just grow their input).
    pub fn with_passthrough(mut self, mean: &[f32], std: &[f32]) -> Encoder {
        self.normalizer.mean.extend_from_slice(mean);
        self.normalizer.std.extend_from_slice(std);
        if self.kind() != EncoderKind::None {
            self.passthrough += mean.len();
        }
        self
    }

    /// Width of the raw observation.
    pub fn input_size(&self) -> usize {
        self.normalizer.mean.len()
    }

    /// Width of the features the agent sees.
    pub fn output_size(&self) -> usize {
        self.passthrough
            + match &self.map {
                EncoderMap::Identity => self.input_size(),
                EncoderMap::Pca { components } => components.dims()[1],
                EncoderMap::Ae { encoder, .. } => encoder.output_size(),
                EncoderMap::Vae { mu, .. } => mu.output_size(),
            }
    }

    /// The columns the map encodes (all but the passthrough ones).
    fn mapped(&self, x: &Tensor) -> Result<Tensor> {
        if self.passthrough == 0 {
            return Ok(x.clone());
        }
        x.narrow(D::Minus1, 0, self.input_size() - self.passthrough)
    }

    /// New untrained AE or VAE for inputs of width `input` (used by `fit` and joint training).
    pub fn new_network(
        kind: EncoderKind,
        normalizer: Normalizer,
        latent: usize,
        rng: &mut SmallRng,
        device: &Device,
    ) -> Result<Encoder> {
        let input = normalizer.mean.len();
        let widths = geometric_widths(input, latent, 6);
        let mut enc = vec![input];
        enc.extend(&widths);
        let mut dec: Vec<usize> = widths.iter().rev().copied().collect();
        dec.push(input);
        // The encoder side is drawn before the decoder, as it always was (same seeds, same
        // weights).
        let map = match kind {
            EncoderKind::Ae => {
                let encoder = Mlp::new(&enc, Activation::Elu, 1.0, rng, device)?;
                let decoder = Mlp::new(&dec, Activation::Elu, 1.0, rng, device)?;
                EncoderMap::Ae { encoder, decoder }
            }
            EncoderKind::Vae => {
                let body = &enc[..enc.len() - 1];
                let last = body[body.len() - 1];
                // The trunk's last layer is linear; `vae_stats` applies ELU before the heads.
                let trunk = Mlp::new(body, Activation::Elu, 2f64.sqrt(), rng, device)?;
                let mu = Mlp::new(&[last, latent], Activation::Elu, 1.0, rng, device)?;
                let logvar = Mlp::new(&[last, latent], Activation::Elu, 0.1, rng, device)?;
                let decoder = Mlp::new(&dec, Activation::Elu, 1.0, rng, device)?;
                EncoderMap::Vae {
                    trunk,
                    mu,
                    logvar,
                    decoder,
                }
            }
            _ => return Err(candle_core::Error::Msg("not a network encoder".into())),
        };
        Ok(Encoder {
            normalizer,
            map,
            passthrough: 0,
        })
    }

    /// The networks with their checkpoint names, in the order of [`Encoder::vars`]: trunk (the
    /// AE's encoder), decoder, then the VAE's heads.
    fn networks(&self) -> Vec<(&'static str, &Mlp)> {
        match &self.map {
            EncoderMap::Identity | EncoderMap::Pca { .. } => Vec::new(),
            EncoderMap::Ae { encoder, decoder } => {
                vec![("encoder.trunk", encoder), ("encoder.decoder", decoder)]
            }
            EncoderMap::Vae {
                trunk,
                mu,
                logvar,
                decoder,
            } => vec![
                ("encoder.trunk", trunk),
                ("encoder.decoder", decoder),
                ("encoder.mu", mu),
                ("encoder.logvar", logvar),
            ],
        }
    }

    /// Trainable parameters (AE/VAE).
    pub fn vars(&self) -> Vec<Var> {
        self.networks().iter().flat_map(|(_, m)| m.vars()).collect()
    }

    /// Named parameters for checkpoints.
    pub fn named(&self) -> Vec<(String, Var)> {
        self.networks()
            .iter()
            .flat_map(|(name, m)| m.named(name))
            .collect()
    }

    /// The VAE's latent mean and (clamped) log-variance.
    fn vae_stats(trunk: &Mlp, mu: &Mlp, logvar: &Mlp, x: &Tensor) -> Result<(Tensor, Tensor)> {
        let h = trunk.forward(x)?.elu(1.0)?;
        Ok((mu.forward(&h)?, logvar.forward(&h)?.clamp(-10.0, 10.0)?))
    }

    /// Features of z-scored observations (the agent's input; the VAE gives its mean), the
    /// passthrough columns appended.
    pub fn encode(&self, x: &Tensor) -> Result<Tensor> {
        let features = self.encode_mapped(&self.mapped(x)?)?;
        if self.passthrough == 0 {
            return Ok(features);
        }
        let rest = x.narrow(
            D::Minus1,
            self.input_size() - self.passthrough,
            self.passthrough,
        )?;
        Tensor::cat(&[&features, &rest], D::Minus1)
    }

    /// The map's features of its own columns.
    fn encode_mapped(&self, x: &Tensor) -> Result<Tensor> {
        match &self.map {
            EncoderMap::Identity => Ok(x.clone()),
            EncoderMap::Pca { components } => x.matmul(components),
            EncoderMap::Ae { encoder, .. } => encoder.forward(x),
            EncoderMap::Vae {
                trunk, mu, logvar, ..
            } => Ok(Self::vae_stats(trunk, mu, logvar, x)?.0),
        }
    }

    /// Reconstruction of z-scored observations (of the mapped columns: the passthrough ones
    /// are not reconstructed).
    pub fn reconstruct(&self, x: &Tensor) -> Result<Tensor> {
        let x = &self.mapped(x)?;
        match &self.map {
            EncoderMap::Identity => Ok(x.clone()),
            EncoderMap::Pca { components } => x.matmul(components)?.matmul(&components.t()?),
            EncoderMap::Ae { decoder, .. } | EncoderMap::Vae { decoder, .. } => {
                decoder.forward(&self.encode_mapped(x)?)
            }
        }
    }

    /// The VAE's loss (negative ELBO per sample: half squared error + beta KL) with a
    /// reparameterised sample; the AE's loss is the mean squared error.
    pub fn loss(&self, x: &Tensor, beta: f64, rng: &mut SmallRng) -> Result<Tensor> {
        let x = &self.mapped(x)?;
        match &self.map {
            EncoderMap::Ae { .. } => self.reconstruct(x)?.sub(x)?.sqr()?.mean_all(),
            EncoderMap::Vae {
                trunk,
                mu,
                logvar,
                decoder,
            } => {
                let (mu, logvar) = Self::vae_stats(trunk, mu, logvar, x)?;
                let (n, k) = mu.dims2()?;
                let eps: Vec<f32> = (0..n * k).map(|_| normal(rng) as f32).collect();
                let eps = Tensor::from_vec(eps, (n, k), x.device())?;
                let z = (&mu + (logvar.clone() * 0.5)?.exp()?.mul(&eps)?)?;
                let recon = decoder.forward(&z)?;
                let rec = (recon.sub(x)?.sqr()?.sum(D::Minus1)? * 0.5)?;
                let kl = kl_standard_normal(&mu, &logvar)?;
                (rec + (kl * beta)?)?.mean_all()
            }
            _ => Err(candle_core::Error::Msg(
                "only AE and VAE have a training loss".into(),
            )),
        }
    }

    /// Fits PCA with `latent` components on z-scored rows.
    pub fn fit_pca(
        normalizer: Normalizer,
        data: &[f32],
        latent: usize,
        device: &Device,
    ) -> Result<Encoder> {
        let dim = normalizer.mean.len();
        let n = data.len() / dim;
        let mut cov = rapier3d::na::DMatrix::<f64>::zeros(dim, dim);
        for row in data.chunks_exact(dim) {
            let v = rapier3d::na::DVector::from_iterator(dim, row.iter().map(|x| *x as f64));
            cov.ger(1.0, &v, &v, 1.0);
        }
        cov /= n.max(1) as f64;
        let eig = cov.symmetric_eigen();
        let mut order: Vec<usize> = (0..dim).collect();
        order.sort_by(|a, b| eig.eigenvalues[*b].total_cmp(&eig.eigenvalues[*a]));
        let mut comps = vec![0f32; dim * latent];
        for (j, &c) in order.iter().take(latent).enumerate() {
            for i in 0..dim {
                comps[i * latent + j] = eig.eigenvectors[(i, c)] as f32;
            }
        }
        Ok(Encoder {
            normalizer,
            map: EncoderMap::Pca {
                components: Tensor::from_vec(comps, (dim, latent), device)?,
            },
            passthrough: 0,
        })
    }

    /// Fits an AE or VAE on z-scored rows with AdamW; `progress(epoch, train_loss)` is called
    /// after every epoch.
    pub fn fit_network(
        kind: EncoderKind,
        normalizer: Normalizer,
        data: &[f32],
        config: &FitConfig,
        device: &Device,
        mut progress: impl FnMut(usize, f64),
    ) -> Result<Encoder> {
        let dim = normalizer.mean.len();
        let mut rng = SmallRng::seed_from_u64(config.seed);
        let enc = Encoder::new_network(kind, normalizer, config.latent, &mut rng, device)?;
        let mut opt = AdamW::new(
            enc.vars(),
            ParamsAdamW {
                lr: config.lr,
                ..ParamsAdamW::default()
            },
        )?;
        let n = data.len() / dim;
        let mut order: Vec<usize> = (0..n).collect();
        let mut batch = Vec::with_capacity(config.batch_size * dim);
        for epoch in 0..config.epochs {
            order.shuffle(&mut rng);
            let mut total = 0.0;
            let mut count = 0;
            for chunk in order.chunks(config.batch_size) {
                batch.clear();
                for &i in chunk {
                    batch.extend_from_slice(&data[i * dim..(i + 1) * dim]);
                }
                let x = Tensor::from_slice(&batch, (chunk.len(), dim), device)?;
                let loss = enc.loss(&x, config.beta, &mut rng)?;
                opt.backward_step(&loss)?;
                total += loss.to_scalar::<f32>()? as f64;
                count += 1;
            }
            progress(epoch, total / count.max(1) as f64);
        }
        Ok(enc)
    }

    /// Per-sample reconstruction MSE (mean over features) of z-scored rows: (mean, std) over
    /// samples.
    pub fn reconstruction_error(&self, data: &[f32], device: &Device) -> Result<(f64, f64)> {
        let dim = self.input_size();
        let n = data.len() / dim;
        let mut errors = Vec::with_capacity(n);
        for chunk in data.chunks(4096 * dim) {
            let rows = chunk.len() / dim;
            let x = Tensor::from_slice(chunk, (rows, dim), device)?;
            let e = self
                .reconstruct(&x)?
                .sub(&self.mapped(&x)?)?
                .sqr()?
                .mean(D::Minus1)?
                .to_vec1::<f32>()?;
            errors.extend(e.into_iter().map(f64::from));
        }
        let mean = errors.iter().sum::<f64>() / n.max(1) as f64;
        let var = errors.iter().map(|e| (e - mean).powi(2)).sum::<f64>() / n.max(1) as f64;
        Ok((mean, var.sqrt()))
    }

    /// Encodes raw (not yet z-scored) observation rows into features, as plain numbers.
    pub fn features(&self, raw: &[f32], device: &Device) -> Result<Tensor> {
        let dim = self.input_size();
        let mut x = raw.to_vec();
        self.normalizer.apply(&mut x);
        let t = Tensor::from_vec(x, (raw.len() / dim, dim), device)?;
        self.encode(&t)
    }
}

/// KL divergence of `N(mu, exp(logvar))` from `N(0, 1)`, summed over the latent, per sample.
pub fn kl_standard_normal(mu: &Tensor, logvar: &Tensor) -> Result<Tensor> {
    let inner = ((logvar + 1.0)? - mu.sqr()?)?.sub(&logvar.exp()?)?;
    inner.sum(D::Minus1)? * -0.5
}

/// What is stored beside an encoder's weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EncoderMeta {
    /// Which encoder.
    pub kind: EncoderKind,
    /// Latent width (the observation width for `None`).
    pub latent: usize,
    /// Z-score statistics.
    pub normalizer: Normalizer,
    /// Reconstruction MSE on the test split: mean and standard deviation (if measured).
    pub test_mse: Option<(f64, f64)>,
    /// Trailing inputs passed through unencoded (see [`Encoder::passthrough`]).
    #[serde(default)]
    pub passthrough: usize,
}

impl Encoder {
    /// Named tensors (network weights or PCA components).
    pub fn named_tensors(&self) -> Vec<(String, Var)> {
        match &self.map {
            EncoderMap::Pca { components } => vec![(
                "pca.components".into(),
                Var::from_tensor(components).expect("a tensor makes a var"),
            )],
            _ => self.named(),
        }
    }

    /// Saves `{dir}/{kind}.ron` (metadata) and, for PCA/AE/VAE, `{dir}/{kind}.safetensors`,
    /// atomically.
    pub fn save(&self, dir: &std::path::Path, test_mse: Option<(f64, f64)>) -> anyhow::Result<()> {
        let name = self.kind().name();
        let meta = EncoderMeta {
            kind: self.kind(),
            latent: self.output_size() - self.passthrough,
            normalizer: self.normalizer.clone(),
            test_mse,
            passthrough: self.passthrough,
        };
        let text = ron::ser::to_string_pretty(&meta, ron::ser::PrettyConfig::default())?;
        crate::util::write_atomic(&dir.join(format!("{name}.ron")), text.as_bytes())?;
        if self.kind() != EncoderKind::None {
            super::checkpoint::save(
                &dir.join(format!("{name}.safetensors")),
                &self.named_tensors(),
            )?;
        }
        Ok(())
    }

    /// Loads the encoder of `kind` saved by [`Encoder::save`] in `dir`.
    pub fn load(
        dir: &std::path::Path,
        kind: EncoderKind,
        device: &Device,
    ) -> anyhow::Result<Encoder> {
        use anyhow::Context;
        let name = kind.name();
        let meta_path = dir.join(format!("{name}.ron"));
        let text = std::fs::read_to_string(&meta_path).with_context(|| {
            format!(
                "reading {} (run `gaitscope fit-encoder --kind {name}` first)",
                meta_path.display()
            )
        })?;
        let meta: EncoderMeta = ron::from_str(&text)
            .with_context(|| format!("{}: not an encoder description", meta_path.display()))?;
        if meta.kind != kind {
            anyhow::bail!(
                "{}: describes a {:?} encoder, not {kind:?}",
                meta_path.display(),
                meta.kind
            );
        }
        let n = &meta.normalizer;
        if n.mean.is_empty() || n.mean.len() != n.std.len() {
            anyhow::bail!(
                "{}: normalizer has {} means and {} standard deviations",
                meta_path.display(),
                n.mean.len(),
                n.std.len()
            );
        }
        if n.mean.iter().any(|v| !v.is_finite())
            || n.std.iter().any(|v| !(v.is_finite() && *v > 0.0))
        {
            anyhow::bail!(
                "{}: normalizer statistics must be finite with positive standard deviations",
                meta_path.display()
            );
        }
        let mapped = n.mean.len().saturating_sub(meta.passthrough);
        if kind != EncoderKind::None
            && (meta.passthrough >= n.mean.len() || !(1..=mapped).contains(&meta.latent))
        {
            anyhow::bail!(
                "{}: latent width {} must be between 1 and the encoded input width {} ({} inputs, {} passed through)",
                meta_path.display(),
                meta.latent,
                mapped,
                n.mean.len(),
                meta.passthrough
            );
        }
        let passthrough = if kind == EncoderKind::None {
            0
        } else {
            meta.passthrough
        };
        // The map is built for its own columns' statistics; the passthrough ones rejoin after.
        let mut own = meta.normalizer.clone();
        own.mean.truncate(mapped);
        own.std.truncate(mapped);
        let weights = dir.join(format!("{name}.safetensors"));
        let mut rng = SmallRng::seed_from_u64(0);
        let mut enc = match kind {
            EncoderKind::None => Encoder::none(meta.normalizer.clone()),
            EncoderKind::Pca => {
                let zeros = Tensor::zeros((mapped, meta.latent), candle_core::DType::F32, device)?;
                let var = Var::from_tensor(&zeros)?;
                super::checkpoint::load(
                    &weights,
                    &[("pca.components".into(), var.clone())],
                    device,
                )?;
                Encoder {
                    map: EncoderMap::Pca {
                        components: var.as_tensor().clone(),
                    },
                    ..Encoder::none(own)
                }
            }
            EncoderKind::Ae | EncoderKind::Vae => {
                let enc = Encoder::new_network(kind, own, meta.latent, &mut rng, device)?;
                super::checkpoint::load(&weights, &enc.named(), device)?;
                enc
            }
        };
        enc.normalizer = meta.normalizer;
        enc.passthrough = passthrough;
        Ok(enc)
    }
}
