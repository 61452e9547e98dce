//! The actor-critic: separate policy and value MLPs on the encoder's features, a
//! state-independent log standard deviation, and actions squashed by `tanh` into [0, 1].
//!
//! With `u ~ N(mu, sigma)` and `a = (tanh(u) + 1) / 2`, the log-density of `a` is
//! `log N(u) - sum log(1 - tanh(u)^2) + n log 2`; the rollout stores `u`, so the log-probability
//! is exact (no `atanh` of a clipped action).

use candle_core::{Device, Result, Tensor, Var, D};
use rand::rngs::SmallRng;

use super::mlp::{normal, Activation, Mlp};

const LOG_SQRT_2PI: f64 = 0.918_938_533_204_672_7;

/// What the policy did for a batch of observations (row-major).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Actions {
    /// Pre-squash samples, `n x act`.
    pub u: Vec<f32>,
    /// Actions in [0, 1], `n x act`.
    pub a: Vec<f32>,
    /// Log-probabilities, `n`.
    pub log_prob: Vec<f32>,
    /// State values, `n`.
    pub value: Vec<f32>,
}

/// Policy and value networks.
#[derive(Debug, Clone)]
pub struct ActorCritic {
    /// Maps features to the pre-squash mean.
    pub policy: Mlp,
    /// Maps features to the state value.
    pub value: Mlp,
    /// Log standard deviation of the pre-squash Gaussian, one per action.
    pub log_std: Var,
}

/// `log(1 - tanh(u)^2)`, computed stably as `2 (log 2 - u - softplus(-2u))`.
pub fn log_one_minus_tanh_sq(u: &Tensor) -> Result<Tensor> {
    let x = (u * -2.0)?;
    // softplus(x) = max(x, 0) + log(1 + exp(-|x|))
    let softplus = (x.relu()? + ((x.abs()?.neg()?.exp()? + 1.0)?.log()?))?;
    ((u.neg()? - softplus)? + std::f64::consts::LN_2)? * 2.0
}

impl ActorCritic {
    /// New networks: `features -> hidden... -> actions` and `features -> hidden... -> 1`.
    pub fn new(
        features: usize,
        actions: usize,
        hidden: &[usize],
        rng: &mut SmallRng,
        device: &Device,
    ) -> Result<Self> {
        let mut p = vec![features];
        p.extend_from_slice(hidden);
        p.push(actions);
        let mut v = vec![features];
        v.extend_from_slice(hidden);
        v.push(1);
        Ok(Self {
            policy: Mlp::new(&p, Activation::Tanh, 0.01, rng, device)?,
            value: Mlp::new(&v, Activation::Tanh, 1.0, rng, device)?,
            log_std: Var::from_tensor(&Tensor::zeros(actions, candle_core::DType::F32, device)?)?,
        })
    }

    /// All trainable parameters.
    pub fn vars(&self) -> Vec<Var> {
        let mut v = self.policy.vars();
        v.extend(self.value.vars());
        v.push(self.log_std.clone());
        v
    }

    /// Named parameters for checkpoints.
    pub fn named(&self) -> Vec<(String, Var)> {
        let mut v = self.policy.named("policy");
        v.extend(self.value.named("value"));
        v.push(("log_std".into(), self.log_std.clone()));
        v
    }

    /// State values of a batch of features, shape (n).
    pub fn values(&self, features: &Tensor) -> Result<Tensor> {
        self.value.forward(features)?.squeeze(1)
    }

    /// Log-probabilities (of the squashed action in [0,1]^n) of pre-squash samples `u`, shape (n).
    pub fn log_prob(&self, features: &Tensor, u: &Tensor) -> Result<Tensor> {
        let mean = self.policy.forward(features)?;
        squashed_log_prob(&mean, self.log_std.as_tensor(), u)
    }

    /// Samples actions for a batch of features (`n x features`); `deterministic` takes the mean.
    pub fn act(
        &self,
        features: &Tensor,
        rng: &mut SmallRng,
        deterministic: bool,
    ) -> Result<Actions> {
        let mean = self.policy.forward(features)?;
        let values = self.values(features)?.to_vec1::<f32>()?;
        let (n, k) = mean.dims2()?;
        let std: Vec<f32> = self.log_std.as_tensor().exp()?.to_vec1()?;
        let mean_v: Vec<f32> = mean.flatten_all()?.to_vec1()?;
        let mut u = vec![0f32; n * k];
        for i in 0..n * k {
            let noise = if deterministic {
                0.0
            } else {
                normal(rng) as f32
            };
            u[i] = mean_v[i] + std[i % k] * noise;
        }
        let ut = Tensor::from_vec(u.clone(), (n, k), mean.device())?;
        let logp = squashed_log_prob(&mean, self.log_std.as_tensor(), &ut)?.to_vec1::<f32>()?;
        let a = u.iter().map(|x| 0.5 * (x.tanh() + 1.0)).collect();
        Ok(Actions {
            u,
            a,
            log_prob: logp,
            value: values,
        })
    }
}

/// Log-density of `a = (tanh(u) + 1) / 2` for `u ~ N(mean, exp(log_std))`, summed over actions.
pub fn squashed_log_prob(mean: &Tensor, log_std: &Tensor, u: &Tensor) -> Result<Tensor> {
    let std = log_std.exp()?;
    let z = u.sub(mean)?.broadcast_div(&std)?;
    let gaussian = ((z.sqr()? * -0.5)?.broadcast_sub(log_std)? - LOG_SQRT_2PI)?;
    let correction = log_one_minus_tanh_sq(u)?;
    let per_dim = ((gaussian - correction)? + std::f64::consts::LN_2)?;
    per_dim.sum(D::Minus1)
}
