//! Plain-data copies of trained networks for acting outside the learner: the GUI's live
//! evaluation episode and the latent-space picture. No tensors, so they cross threads as messages.

use candle_core::Result;

use super::encoder::{Encoder, Normalizer};
use super::fast::{PlainEncoder, PlainMlp};
use super::ppo::Ppo;

/// An encoder with its observation statistics: raw observation in, features out.
#[derive(Debug, Clone)]
pub struct FeatureMap {
    /// Z-score statistics applied first.
    pub normalizer: Normalizer,
    /// The encoder (identity for `none`).
    pub encoder: PlainEncoder,
}

impl FeatureMap {
    /// Copies a candle encoder (statistics included).
    pub fn from_encoder(e: &Encoder) -> Result<FeatureMap> {
        Ok(FeatureMap {
            normalizer: e.normalizer.clone(),
            encoder: PlainEncoder::from_encoder(e)?,
        })
    }

    /// Features of one raw observation.
    pub fn features(&self, raw: &[f64]) -> Vec<f32> {
        let mut x: Vec<f32> = raw.iter().map(|v| *v as f32).collect();
        self.normalizer.apply(&mut x);
        let mut acts = Vec::new();
        self.encoder.encode(&x, 1, &mut acts)
    }
}

/// A policy's deterministic part: encoder and mean network.
#[derive(Debug, Clone)]
pub struct PolicySnapshot {
    /// Raw observation to features.
    pub features: FeatureMap,
    /// Features to the pre-squash mean excitation.
    pub policy: PlainMlp,
}

impl PolicySnapshot {
    /// Copies the learner's current encoder and policy network.
    pub fn of(ppo: &Ppo) -> Result<PolicySnapshot> {
        Ok(PolicySnapshot {
            features: FeatureMap::from_encoder(&ppo.encoder)?,
            policy: PlainMlp::from_mlp(&ppo.net.policy)?.with_row_layout(),
        })
    }

    /// The deterministic excitations (the squashed mean, in [0, 1]) for one raw observation.
    pub fn act(&self, raw: &[f64]) -> Vec<f64> {
        let f = self.features.features(raw);
        let mut acts = Vec::new();
        self.policy
            .apply(&f, 1, &mut acts)
            .iter()
            .map(|u| 0.5 * ((*u as f64).tanh() + 1.0))
            .collect()
    }
}
