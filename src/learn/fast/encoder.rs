//! A frozen encoder as plain buffers for rollouts: identity, PCA or an MLP, with the
//! passed-through columns.

use candle_core::Result;

use super::super::encoder::{Encoder, EncoderMap};
use super::super::mlp::Activation;
use super::kernels::{activate, matmul};
use super::PlainMlp;

/// A frozen encoder as plain buffers, for fast inference during rollouts: the map of the
/// leading columns, the trailing `passthrough` ones appended unchanged.
#[derive(Debug, Clone)]
pub struct PlainEncoder {
    /// The map of the encoded columns.
    pub map: PlainMap,
    /// Input width (encoded and passed-through columns).
    pub input: usize,
    /// Trailing columns appended to the features unchanged.
    pub passthrough: usize,
}

/// An encoder's map as plain buffers.
#[derive(Debug, Clone)]
pub enum PlainMap {
    /// The z-scored observation itself.
    Identity,
    /// PCA: components (input x latent, row-major).
    Linear {
        /// Components.
        components: Vec<f32>,
        /// Input width.
        input: usize,
        /// Latent width.
        latent: usize,
    },
    /// The AE's encoder.
    Ae(PlainMlp),
    /// The VAE's trunk and mean head (ELU between).
    Vae(PlainMlp, PlainMlp),
}

impl PlainEncoder {
    /// Copies a candle encoder.
    pub fn from_encoder(e: &Encoder) -> Result<PlainEncoder> {
        let map = match &e.map {
            EncoderMap::Identity => PlainMap::Identity,
            EncoderMap::Pca { components } => {
                let (input, latent) = components.dims2()?;
                PlainMap::Linear {
                    components: components.flatten_all()?.to_vec1()?,
                    input,
                    latent,
                }
            }
            EncoderMap::Ae { encoder, .. } => {
                PlainMap::Ae(PlainMlp::from_mlp(encoder)?.with_row_layout())
            }
            EncoderMap::Vae { trunk, mu, .. } => PlainMap::Vae(
                PlainMlp::from_mlp(trunk)?.with_row_layout(),
                PlainMlp::from_mlp(mu)?.with_row_layout(),
            ),
        };
        Ok(PlainEncoder {
            map,
            input: e.input_size(),
            passthrough: e.passthrough,
        })
    }

    /// Features of `batch` z-scored rows.
    pub fn encode(&self, x: &[f32], batch: usize, acts: &mut Vec<Vec<f32>>) -> Vec<f32> {
        if self.passthrough == 0 {
            return self.map.encode(x, batch, acts);
        }
        let own = self.input - self.passthrough;
        let mapped: Vec<f32> = x
            .chunks(self.input)
            .flat_map(|row| &row[..own])
            .copied()
            .collect();
        let features = self.map.encode(&mapped, batch, acts);
        let width = features.len() / batch.max(1);
        let mut out = Vec::with_capacity(batch * (width + self.passthrough));
        for (f, row) in features.chunks(width.max(1)).zip(x.chunks(self.input)) {
            out.extend_from_slice(f);
            out.extend_from_slice(&row[own..]);
        }
        out
    }
}

impl PlainMap {
    /// Features of `batch` rows of the map's own columns.
    fn encode(&self, x: &[f32], batch: usize, acts: &mut Vec<Vec<f32>>) -> Vec<f32> {
        match self {
            PlainMap::Identity => x.to_vec(),
            PlainMap::Linear {
                components,
                input,
                latent,
            } => {
                let mut out = vec![0.0; batch * latent];
                matmul(
                    batch, *latent, *input, &mut out, false, x, *input, 1, components, *latent, 1,
                );
                out
            }
            PlainMap::Ae(m) => m.apply(x, batch, acts),
            PlainMap::Vae(trunk, mu) => {
                let mut h = trunk.apply(x, batch, acts);
                h.iter_mut()
                    .for_each(|v| *v = activate(Activation::Elu, *v));
                mu.apply(&h, batch, acts)
            }
        }
    }
}
