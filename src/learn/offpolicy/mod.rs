//! Off-policy actor-critics, written as Stable-Baselines3 2.x writes them (`sac/sac.py`,
//! `td3/td3.py`, `ddpg/ddpg.py` `train()`, read at v2.3; CleanRL's `sac_continuous_action.py`,
//! `td3_continuous_action.py` and `ddpg_continuous_action.py` as the one-screen cross-check):
//! a replay buffer, twin critics with Polyak-averaged targets, actions in [-1, 1] inside the
//! learner (the environment gets `(a + 1) / 2`, SB3's `unscale_action` for a [0, 1] box).
//!
//! - [`td3::Td3`]: clipped double Q, delayed policy updates, target policy smoothing. DDPG is
//!   TD3 with one critic, no delay and no smoothing, exactly as SB3's `DDPG` subclasses `TD3`.
//! - [`sac::Sac`]: a tanh-squashed Gaussian actor with a state-dependent `log_std` head, the
//!   entropy term in the target and the actor loss, and automatic entropy tuning toward
//!   `-dim(A)`.
//!
//! The learner owns the networks; the simulation workers act with a plain copy
//! ([`explore::ExplorationPolicy`]) and send transitions back.

pub mod explore;
pub mod plain;
pub mod plain_sac;
pub mod plain_td3;
pub mod sac;
pub mod td3;

use candle_core::{Device, Result, Tensor, Var};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};
use rand::rngs::SmallRng;
use serde::{Deserialize, Serialize};

use super::mlp::{normal, Activation, Dense, Init, Mlp};
use super::policy::ActorCritic;
use super::replay::Transitions;

/// Which off-policy method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OffPolicyAlgo {
    /// Soft actor-critic.
    Sac,
    /// Twin delayed DDPG.
    Td3,
    /// Deep deterministic policy gradient.
    Ddpg,
}

/// Hyperparameters of the off-policy learners (defaults: seed 004's TD3 where it states them,
/// SB3's for the rest; [`OffPolicyConfig::seed004`] and [`OffPolicyConfig::sb3`] give each
/// algorithm's full set).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OffPolicyConfig {
    /// Hidden layers of the actor and of each critic (ReLU).
    pub hidden: Vec<usize>,
    /// Adam learning rate of every network (and of SAC's temperature).
    pub lr: f64,
    /// Transitions the replay buffer holds.
    pub buffer_size: usize,
    /// Transitions per gradient step.
    pub batch_size: usize,
    /// Discount.
    pub gamma: f64,
    /// Polyak coefficient of the target networks.
    pub tau: f64,
    /// Transitions collected with uniform random actions before learning starts.
    pub learning_starts: usize,
    /// Steps of every environment between learning phases.
    pub train_freq: usize,
    /// Gradient steps per learning phase (0: one per transition collected, SB3's `-1`).
    pub gradient_steps: usize,
    /// TD3/DDPG: standard deviation of the Gaussian exploration noise, in [-1, 1] action units.
    pub action_noise: f64,
    /// TD3: delayed policy updates, one actor step per this many critic steps.
    pub policy_delay: usize,
    /// TD3: standard deviation of the target policy smoothing noise.
    pub target_policy_noise: f64,
    /// TD3: the smoothing noise is clipped to +- this.
    pub target_noise_clip: f64,
    /// SAC: a fixed entropy coefficient, or `None` for automatic tuning from 1.0 (SB3's
    /// `"auto"`).
    pub ent_coef: Option<f64>,
    /// SAC: the entropy the temperature steers toward (`None`: `-dim(A)`, SB3's default).
    pub target_entropy: Option<f64>,
    /// Write a metrics row every this many environment steps.
    pub log_every: u64,
}

impl Default for OffPolicyConfig {
    fn default() -> Self {
        Self::seed004(OffPolicyAlgo::Td3)
    }
}

impl OffPolicyConfig {
    /// Seed 004's settings (section 2.3, 2.4: 2 x 64 hidden units; TD3 batch 100, buffer
    /// 200,000, gamma 0.98, Gaussian noise 0.1, lr 1e-3; SAC batch 256, buffer 1e6, gamma 0.90,
    /// entropy coefficient 0.01, lr 3e-4, tau 0.005), SB3's defaults for what it leaves out.
    /// DDPG is not in seed 004 (it is seed 003's RL baseline without settings): TD3's.
    pub fn seed004(algo: OffPolicyAlgo) -> OffPolicyConfig {
        let td3 = OffPolicyConfig {
            hidden: vec![64, 64],
            lr: 1e-3,
            buffer_size: 200_000,
            batch_size: 100,
            gamma: 0.98,
            tau: 0.005,
            learning_starts: 100,
            train_freq: 1,
            gradient_steps: 0,
            action_noise: 0.1,
            policy_delay: 2,
            target_policy_noise: 0.2,
            target_noise_clip: 0.5,
            ent_coef: None,
            target_entropy: None,
            log_every: 10_000,
        };
        match algo {
            OffPolicyAlgo::Td3 => td3,
            OffPolicyAlgo::Ddpg => OffPolicyConfig {
                policy_delay: 1,
                target_policy_noise: 0.0,
                target_noise_clip: 0.0,
                ..td3
            },
            OffPolicyAlgo::Sac => OffPolicyConfig {
                lr: 3e-4,
                buffer_size: 1_000_000,
                batch_size: 256,
                gamma: 0.90,
                ent_coef: Some(0.01),
                ..td3
            },
        }
    }

    /// SB3 2.x's defaults (SAC: 2 x 256, lr 3e-4, auto entropy; TD3 and DDPG: 400 x 300,
    /// lr 1e-3; batch 256, buffer 1e6, gamma 0.99, tau 0.005, 100 random steps).
    pub fn sb3(algo: OffPolicyAlgo) -> OffPolicyConfig {
        let base = OffPolicyConfig {
            hidden: vec![400, 300],
            lr: 1e-3,
            buffer_size: 1_000_000,
            batch_size: 256,
            gamma: 0.99,
            ent_coef: None,
            // SB3 adds no exploration noise unless given; rl-zoo's walkers use 0.1.
            action_noise: 0.1,
            ..Self::seed004(algo)
        };
        match algo {
            OffPolicyAlgo::Sac => OffPolicyConfig {
                hidden: vec![256, 256],
                lr: 3e-4,
                ..base
            },
            _ => base,
        }
    }

    /// Checks every value is usable (a message instead of a panic or NaN losses).
    pub fn validate(&self) -> std::result::Result<(), String> {
        let range = |name: &str, v: f64, lo: f64, hi: f64| {
            if v.is_finite() && v >= lo && v <= hi {
                Ok(())
            } else {
                Err(format!(
                    "off_policy.{name} must be in [{lo}, {hi}], got {v}"
                ))
            }
        };
        if self.hidden.is_empty() || self.hidden.iter().any(|&h| h == 0 || h > 4096) {
            return Err(format!(
                "off_policy.hidden must be 1 or more widths in [1, 4096], got {:?}",
                self.hidden
            ));
        }
        range("lr", self.lr, 1e-9, 1.0)?;
        range("buffer_size", self.buffer_size as f64, 1.0, 1e8)?;
        range("batch_size", self.batch_size as f64, 1.0, 1e5)?;
        range("gamma", self.gamma, 0.0, 1.0)?;
        range("tau", self.tau, 0.0, 1.0)?;
        range("learning_starts", self.learning_starts as f64, 0.0, 1e9)?;
        range("train_freq", self.train_freq as f64, 1.0, 1e6)?;
        range("gradient_steps", self.gradient_steps as f64, 0.0, 1e6)?;
        range("action_noise", self.action_noise, 0.0, 10.0)?;
        range("policy_delay", self.policy_delay as f64, 1.0, 1e3)?;
        range("target_policy_noise", self.target_policy_noise, 0.0, 10.0)?;
        range("target_noise_clip", self.target_noise_clip, 0.0, 10.0)?;
        if let Some(c) = self.ent_coef {
            range("ent_coef", c, 0.0, 1e3)?;
        }
        if let Some(h) = self.target_entropy {
            range("target_entropy", h, -1e4, 1e4)?;
        }
        range("log_every", self.log_every as f64, 1.0, 1e12)?;
        Ok(())
    }
}

/// What one learning phase did (means over its gradient steps).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct OffPolicyStats {
    /// Gradient steps taken.
    pub gradient_steps: usize,
    /// Steps that updated the actor (fewer than `gradient_steps` with TD3's delay).
    pub actor_steps: usize,
    /// Mean actor loss (over the steps that updated the actor; NaN when none did).
    pub actor_loss: f64,
    /// Mean critic loss.
    pub critic_loss: f64,
    /// SAC: mean entropy estimate `-log pi(a|s)`; NaN for TD3 and DDPG.
    pub entropy: f64,
    /// SAC: the entropy coefficient after the phase; NaN for TD3 and DDPG.
    pub ent_coef: f64,
}

/// What every off-policy learner offers the training loop.
pub trait OffPolicyLearner: Send {
    /// `gradient_steps` steps on minibatches drawn from `buffer`.
    fn train(
        &mut self,
        buffer: &super::replay::ReplayBuffer,
        gradient_steps: usize,
    ) -> Result<OffPolicyStats>;
    /// The acting copy for the workers.
    fn exploration(
        &self,
        features: super::snapshot::FeatureMap,
    ) -> Result<explore::ExplorationPolicy>;
    /// Every variable a checkpoint holds (networks, targets, temperature), named.
    fn named(&self) -> Vec<(String, Var)>;
    /// The deterministic policy as an actor-critic of the run-folder layout, for evaluation,
    /// recordings and the app: the actor's mean network, tanh-squashed to [0, 1].
    fn deployable(&self) -> Result<ActorCritic>;
}

/// Builds the learner `algo` asks for.
pub fn new_learner(
    algo: OffPolicyAlgo,
    features: usize,
    actions: usize,
    config: &OffPolicyConfig,
    seed: u64,
    device: &Device,
) -> Result<Box<dyn OffPolicyLearner>> {
    Ok(match algo {
        OffPolicyAlgo::Sac => Box::new(sac::Sac::new(features, actions, config, seed, device)?),
        OffPolicyAlgo::Td3 | OffPolicyAlgo::Ddpg => Box::new(td3::Td3::new(
            features,
            actions,
            config,
            algo == OffPolicyAlgo::Td3,
            seed,
            device,
        )?),
    })
}

/// An MLP as SB3 builds one with PyTorch's default `nn.Linear` initialisation (weights and
/// biases uniform in `+- 1/sqrt(fan_in)`), ReLU between layers.
pub fn relu_mlp(sizes: &[usize], rng: &mut SmallRng, device: &Device) -> Result<Mlp> {
    Mlp::with_init(sizes, Activation::Relu, 1.0, Init::TorchLinear, rng, device)
}

/// A copy of `m` with its own variables (a target network).
pub fn deep_copy(m: &Mlp) -> Result<Mlp> {
    let layers = m
        .layers
        .iter()
        .map(|l| {
            Ok(Dense {
                weight: Var::from_tensor(&l.weight.as_tensor().copy()?)?,
                bias: Var::from_tensor(&l.bias.as_tensor().copy()?)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Mlp {
        layers,
        activation: m.activation,
    })
}

/// `target = tau * source + (1 - tau) * target`, variable by variable (SB3's `polyak_update`).
pub fn polyak(target: &[Var], source: &[Var], tau: f64) -> Result<()> {
    for (t, s) in target.iter().zip(source) {
        let mixed = ((s.as_tensor() * tau)? + (t.as_tensor() * (1.0 - tau))?)?;
        t.set(&mixed)?;
    }
    Ok(())
}

/// Adam as SB3's off-policy algorithms get it from PyTorch (betas 0.9/0.999, eps 1e-8, no
/// weight decay).
pub fn adam(vars: Vec<Var>, lr: f64) -> Result<AdamW> {
    AdamW::new(
        vars,
        ParamsAdamW {
            lr,
            eps: 1e-8,
            weight_decay: 0.0,
            ..ParamsAdamW::default()
        },
    )
}

/// Critics `(features, action) -> Q` with their Polyak-averaged target copies and one Adam
/// over all of them (TD3's and SAC's twin critics, DDPG's single one).
pub struct Critics {
    /// The critics.
    pub nets: Vec<Mlp>,
    targets: Vec<Mlp>,
    opt: AdamW,
}

impl Critics {
    /// `n` critics of widths `sizes` (input `features + actions`, output 1), targets equal to
    /// them.
    pub fn new(
        n: usize,
        sizes: &[usize],
        lr: f64,
        rng: &mut SmallRng,
        device: &Device,
    ) -> Result<Critics> {
        let nets = (0..n)
            .map(|_| relu_mlp(sizes, rng, device))
            .collect::<Result<Vec<_>>>()?;
        Ok(Critics {
            targets: nets.iter().map(deep_copy).collect::<Result<_>>()?,
            opt: adam(nets.iter().flat_map(|c| c.vars()).collect(), lr)?,
            nets,
        })
    }

    /// The element-wise minimum of the target critics' values.
    pub fn target_min(&self, features: &Tensor, actions: &Tensor) -> Result<Tensor> {
        min_q(&q_values(&self.targets, features, actions)?)
    }

    /// One Adam step on `scale * sum_i MSE(Q_i(s, a), target)`; returns that loss.
    pub fn fit(&mut self, b: &Batch, target: &Tensor, scale: f64) -> Result<f64> {
        let current = q_values(&self.nets, &b.features, &b.actions)?;
        let mut loss = mse(&current[0], target)?;
        for q in &current[1..] {
            loss = (loss + mse(q, target)?)?;
        }
        let loss = (loss * scale)?;
        self.opt.backward_step(&loss)?;
        Ok(loss.to_scalar::<f32>()? as f64)
    }

    /// The target critics.
    pub fn targets(&self) -> &[Mlp] {
        &self.targets
    }

    /// Polyak update of the targets toward the critics.
    pub fn update_targets(&self, tau: f64) -> Result<()> {
        let vars = |m: &[Mlp]| -> Vec<Var> { m.iter().flat_map(|c| c.vars()).collect() };
        polyak(&vars(&self.targets), &vars(&self.nets), tau)
    }

    /// Named variables of the critics and their targets.
    pub fn named(&self) -> Vec<(String, Var)> {
        let mut v = Vec::new();
        for (i, (c, t)) in self.nets.iter().zip(&self.targets).enumerate() {
            v.extend(c.named(&format!("critic{i}")));
            v.extend(t.named(&format!("critic{i}_target")));
        }
        v
    }
}

/// Each critic's `Q(s, a)` for a batch, shape (n).
pub fn q_values(critics: &[Mlp], features: &Tensor, actions: &Tensor) -> Result<Vec<Tensor>> {
    let x = Tensor::cat(&[features, actions], 1)?;
    critics.iter().map(|q| q.forward(&x)?.squeeze(1)).collect()
}

/// The element-wise minimum over the critics' values.
pub fn min_q(qs: &[Tensor]) -> Result<Tensor> {
    let mut m = qs[0].clone();
    for q in &qs[1..] {
        m = m.minimum(q)?;
    }
    Ok(m)
}

/// A sampled minibatch as tensors: features, actions, rewards, next features, `1 - terminated`.
pub struct Batch {
    /// `(n, features)`.
    pub features: Tensor,
    /// `(n, actions)`, in [-1, 1].
    pub actions: Tensor,
    /// `(n)`.
    pub rewards: Tensor,
    /// `(n, features)`.
    pub next_features: Tensor,
    /// `(n)`: 0 where the episode really ended.
    pub not_done: Tensor,
}

impl Batch {
    /// Tensors of a sample.
    pub fn from_transitions(t: &Transitions, device: &Device) -> Result<Batch> {
        let n = t.len();
        let not_done: Vec<f32> = t.terminated.iter().map(|d| 1.0 - d).collect();
        Ok(Batch {
            features: Tensor::from_slice(&t.features, (n, t.feature_dim), device)?,
            actions: Tensor::from_slice(&t.actions, (n, t.action_dim), device)?,
            rewards: Tensor::from_slice(&t.rewards, n, device)?,
            next_features: Tensor::from_slice(&t.next_features, (n, t.feature_dim), device)?,
            not_done: Tensor::from_vec(not_done, n, device)?,
        })
    }

    /// The TD target `r + gamma * (1 - terminated) * next`.
    pub fn target(&self, next: &Tensor, gamma: f64) -> Result<Tensor> {
        self.rewards.add(&(next.mul(&self.not_done)? * gamma)?)
    }
}

/// Standard normal draws as a tensor (seeded, unlike candle's CPU `randn`).
pub fn randn(
    shape: (usize, usize),
    std: f64,
    rng: &mut SmallRng,
    device: &Device,
) -> Result<Tensor> {
    let v: Vec<f32> = (0..shape.0 * shape.1)
        .map(|_| (normal(rng) * std) as f32)
        .collect();
    Tensor::from_vec(v, shape, device)
}

/// Mean squared error of two same-shaped tensors.
pub fn mse(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    a.sub(b)?.sqr()?.mean_all()
}

#[cfg(test)]
mod tests;
