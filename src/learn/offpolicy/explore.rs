//! The off-policy actor as plain data, for the simulation workers: features in, exploratory
//! actions in [-1, 1] out, as SB3's `OffPolicyAlgorithm._sample_action` makes them (uniform
//! before learning starts; then TD3/DDPG's deterministic action plus clipped Gaussian noise, or
//! a sample of SAC's squashed Gaussian).

use rand::rngs::SmallRng;
use rand::Rng;

use super::sac::LOG_STD_RANGE;
use crate::learn::fast::PlainMlp;
use crate::learn::mlp::normal;
use crate::learn::snapshot::FeatureMap;

/// How the actor explores.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Exploration {
    /// `clip(tanh(mu(s)) + N(0, sigma), -1, 1)` (TD3, DDPG).
    Gaussian(f32),
    /// `tanh(mu(s) + std(s) * N(0, 1))` (SAC).
    Squashed,
}

/// SAC's `log_std` head as plain buffers: `w` is (actions, hidden), row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct LogStdHead {
    /// Weights.
    pub w: Vec<f32>,
    /// Biases.
    pub b: Vec<f32>,
}

/// The acting copy the workers hold (behind an `Arc`) for one learning phase.
#[derive(Debug, Clone)]
pub struct ExplorationPolicy {
    /// Raw observation to features (frozen).
    pub features: FeatureMap,
    /// Features to the pre-tanh mean.
    pub actor: PlainMlp,
    /// SAC's `log_std` head on the actor's last hidden layer.
    pub log_std_head: Option<LogStdHead>,
    /// How it explores.
    pub noise: Exploration,
}

impl ExplorationPolicy {
    /// Action width.
    pub fn action_size(&self) -> usize {
        *self.actor.sizes.last().unwrap_or(&0)
    }

    /// Exploratory actions in [-1, 1] for `n` rows of features; `random` draws them uniformly
    /// (the steps before learning starts).
    pub fn act(&self, features: &[f32], n: usize, rng: &mut SmallRng, random: bool) -> Vec<f32> {
        let k = self.action_size();
        if random {
            return (0..n * k).map(|_| rng.gen_range(-1.0f32..1.0)).collect();
        }
        let mut acts = Vec::new();
        let mean = self.actor.apply(features, n, &mut acts);
        match (self.noise, &self.log_std_head) {
            (Exploration::Squashed, Some(head)) => {
                let hidden = &acts[acts.len() - 2];
                let h = hidden.len() / n.max(1);
                let mut out = Vec::with_capacity(n * k);
                for i in 0..n {
                    let row = &hidden[i * h..(i + 1) * h];
                    for j in 0..k {
                        let w = &head.w[j * h..(j + 1) * h];
                        let log_std = (head.b[j]
                            + w.iter().zip(row).map(|(a, b)| a * b).sum::<f32>())
                        .clamp(LOG_STD_RANGE.0 as f32, LOG_STD_RANGE.1 as f32);
                        let u = mean[i * k + j] + log_std.exp() * normal(rng) as f32;
                        out.push(u.tanh());
                    }
                }
                out
            }
            (Exploration::Gaussian(sigma), _) => mean
                .iter()
                .map(|m| (m.tanh() + sigma * normal(rng) as f32).clamp(-1.0, 1.0))
                .collect(),
            // A squashed policy without its head acts with its mean.
            (Exploration::Squashed, None) => mean.iter().map(|m| m.tanh()).collect(),
        }
    }

    /// The deterministic actions `tanh(mu(s))` (what evaluation acts with).
    pub fn act_deterministic(&self, features: &[f32], n: usize) -> Vec<f32> {
        let mut acts = Vec::new();
        self.actor
            .apply(features, n, &mut acts)
            .iter()
            .map(|m| m.tanh())
            .collect()
    }
}
