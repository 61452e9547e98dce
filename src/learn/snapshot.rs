//! Plain-data copies of trained networks for acting outside the learner: the simulation workers'
//! rollouts, the GUI's live evaluation episode and the latent-space picture. No tensors, so they
//! cross threads as messages.

use candle_core::Result;

use super::distribution::ActionDistribution;
use super::encoder::{Encoder, Normalizer};
use super::fast::{read_var, PlainEncoder, PlainMlp};
use super::policy::{Actions, ActorCritic};

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

    /// Writes the z-scored copy of one raw observation into `out` (the same length).
    pub fn normalize(&self, raw: &[f64], out: &mut [f32]) {
        out.iter_mut().zip(raw).for_each(|(o, v)| *o = *v as f32);
        self.normalizer.apply(out);
    }

    /// Features of one raw observation.
    pub fn features(&self, raw: &[f64]) -> Vec<f32> {
        let mut x = vec![0.0; raw.len()];
        self.normalize(raw, &mut x);
        let mut acts = Vec::new();
        self.encoder.encode(&x, 1, &mut acts)
    }
}

/// A policy's deterministic part: encoder and mean network.
#[derive(Debug, Clone)]
pub struct PolicySnapshot {
    /// Raw observation to features.
    pub features: FeatureMap,
    /// Features to the Gaussian's mean.
    pub policy: PlainMlp,
    /// How the mean becomes excitations.
    pub distribution: ActionDistribution,
    /// Standard deviations of the policy's Gaussian (for [`PolicySnapshot::act_expected`]).
    pub std: Vec<f32>,
}

impl PolicySnapshot {
    /// Copies an encoder and the policy network of `net` (the learner's, or a checkpoint's).
    pub fn from_networks(encoder: &Encoder, net: &ActorCritic) -> Result<PolicySnapshot> {
        Ok(PolicySnapshot {
            features: FeatureMap::from_encoder(encoder)?,
            policy: PlainMlp::from_mlp(&net.policy)?.with_row_layout(),
            distribution: net.distribution,
            std: read_var(&net.log_std)?.iter().map(|s| s.exp()).collect(),
        })
    }

    /// The Gaussian's mean for one raw observation.
    fn mean(&self, raw: &[f64]) -> Vec<f32> {
        let f = self.features.features(raw);
        let mut acts = Vec::new();
        self.policy.apply(&f, 1, &mut acts)
    }

    /// The expected excitations under a clipped-Gaussian policy for one raw observation,
    /// `E[clip(u, 0, 1)]`: what the muscles see on average while the policy trains, which with
    /// a wide distribution differs a lot from the clipped mean (the live view and recordings act
    /// with it). A squashed policy acts with its squashed mean, as [`PolicySnapshot::act`].
    pub fn act_expected(&self, raw: &[f64]) -> Vec<f64> {
        if self.distribution == ActionDistribution::SquashedGaussian {
            return self.act(raw);
        }
        self.mean(raw)
            .iter()
            .zip(&self.std)
            .map(|(m, s)| self.distribution.expected_action(*m, *s) as f64)
            .collect()
    }

    /// The deterministic excitations for one raw observation: the mean, clipped to [0, 1] or
    /// squashed, as the distribution says. (SB3 1.x's own `predict` rescaled a clipped-Gaussian
    /// policy's mean as `(mean + 1) / 2`, issue #1592, which is not what it trained; we act
    /// with the action the training distribution centres on.)
    pub fn act(&self, raw: &[f64]) -> Vec<f64> {
        self.mean(raw)
            .iter()
            .map(|u| self.distribution.action(*u) as f64)
            .collect()
    }
}

/// Everything a rollout needs from the learner, frozen for the length of one rollout: the
/// observation statistics, the encoder, the stochastic policy and the value function. The
/// simulation workers each hold one (behind an `Arc`) and act for their own environments, so
/// inference runs on as many cores as simulation does.
#[derive(Debug, Clone)]
pub struct RolloutPolicy {
    /// Z-score statistics and encoder.
    pub features: FeatureMap,
    /// Features to the Gaussian's mean.
    pub policy: PlainMlp,
    /// Features to the state value.
    pub value: PlainMlp,
    /// Log standard deviations of the Gaussian.
    pub log_std: Vec<f32>,
    /// How samples become excitations.
    pub distribution: ActionDistribution,
}

impl RolloutPolicy {
    /// Copies an encoder and the policy and value networks of `net`.
    pub fn from_networks(encoder: &Encoder, net: &ActorCritic) -> Result<RolloutPolicy> {
        Ok(RolloutPolicy {
            features: FeatureMap::from_encoder(encoder)?,
            policy: PlainMlp::from_mlp(&net.policy)?.with_row_layout(),
            value: PlainMlp::from_mlp(&net.value)?.with_row_layout(),
            log_std: read_var(&net.log_std)?,
            distribution: net.distribution,
        })
    }

    /// Action width.
    pub fn action_size(&self) -> usize {
        self.log_std.len()
    }

    /// The deterministic part alone (encoder and mean network), for the live view.
    pub fn snapshot(&self) -> PolicySnapshot {
        PolicySnapshot {
            features: self.features.clone(),
            policy: self.policy.clone(),
            distribution: self.distribution,
            std: self.log_std.iter().map(|s| s.exp()).collect(),
        }
    }

    /// Acts on `n` z-scored observations: `u = mean + std * noise` (`noise` is `n x act`
    /// standard normal draws, zeros for the deterministic policy), its log-probability, the
    /// excitations (`u` clipped to [0, 1] or squashed) and the state values. `u` is what the
    /// rollout stores: clipping happens after, as in SB3's `collect_rollouts`.
    pub fn act(&self, obs: &[f32], n: usize, noise: &[f32]) -> Actions {
        let mut acts = Vec::new();
        let features = self.features.encoder.encode(obs, n, &mut acts);
        let mean = self.policy.apply(&features, n, &mut acts);
        let value = self.value.apply(&features, n, &mut acts);
        let k = self.log_std.len();
        let std: Vec<f32> = self.log_std.iter().map(|s| s.exp()).collect();
        let inv_var: Vec<f32> = std.iter().map(|s| 1.0 / (s * s)).collect();
        let log_std_sum: f32 = self.log_std.iter().sum();
        let u: Vec<f32> = mean
            .iter()
            .zip(noise)
            .enumerate()
            .map(|(i, (m, z))| m + std[i % k] * z)
            .collect();
        let log_prob = (0..n)
            .map(|i| {
                self.distribution.log_prob(
                    &mean[i * k..(i + 1) * k],
                    &u[i * k..(i + 1) * k],
                    &inv_var,
                    log_std_sum,
                )
            })
            .collect();
        let a = u.iter().map(|x| self.distribution.action(*x)).collect();
        Actions {
            u,
            a,
            log_prob,
            value,
        }
    }

    /// State values of `n` z-scored observations.
    pub fn values(&self, obs: &[f32], n: usize) -> Vec<f32> {
        let mut acts = Vec::new();
        let features = self.features.encoder.encode(obs, n, &mut acts);
        self.value.apply(&features, n, &mut acts)
    }
}
