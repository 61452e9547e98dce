//! The actor-critic: separate policy and value MLPs on the encoder's features, a
//! state-independent log standard deviation, and excitations in [0, 1] made from the Gaussian
//! sample `u` by the configured [`ActionDistribution`] (clipped, as SB3 1.x trained, or squashed
//! by `tanh`). The rollout stores `u`, so the log-probability is exact either way. Weights are
//! initialised as SB3's `ActorCriticPolicy` does (orthogonal; gain sqrt(2) for hidden layers,
//! 0.01 for the policy head, 1 for the value head; zero biases; `log_std` 0).

use candle_core::{DType, Device, Result, Tensor, Var, D};
use rand::rngs::SmallRng;

use super::distribution::{ActionDistribution, LOG_SQRT_2PI};
use super::mlp::{normal, Activation, Init, Mlp};

/// What the policy did for a batch of observations (row-major).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Actions {
    /// Gaussian samples as stored in the rollout (before clipping or squashing), `n x act`.
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
    /// Log standard deviation of the Gaussian, one per action.
    pub log_std: Var,
    /// How samples become excitations.
    pub distribution: ActionDistribution,
}

/// `log(1 - tanh(u)^2)`, computed stably as `2 (log 2 - u - softplus(-2u))`.
pub fn log_one_minus_tanh_sq(u: &Tensor) -> Result<Tensor> {
    let x = (u * -2.0)?;
    // softplus(x) = max(x, 0) + log(1 + exp(-|x|))
    let softplus = (x.relu()? + ((x.abs()?.neg()?.exp()? + 1.0)?.log()?))?;
    ((u.neg()? - softplus)? + std::f64::consts::LN_2)? * 2.0
}

impl ActorCritic {
    /// New networks: `features -> hidden... -> actions` and `features -> hidden... -> 1`, with
    /// SB3's orthogonal initialisation, and every `log_std` at `log_std_init`.
    pub fn new(
        features: usize,
        actions: usize,
        hidden: &[usize],
        distribution: ActionDistribution,
        log_std_init: f64,
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
            policy: Mlp::with_init(&p, Activation::Tanh, 0.01, Init::Orthogonal, rng, device)?,
            value: Mlp::with_init(&v, Activation::Tanh, 1.0, Init::Orthogonal, rng, device)?,
            log_std: Var::from_tensor(&Tensor::full(log_std_init as f32, actions, device)?)?,
            distribution,
        })
    }

    /// A policy learnt by another method (an off-policy actor, behavioural cloning, ridge
    /// regression) in the run-folder layout, so evaluation, recordings and the app act with it
    /// as with PPO's: `policy` gives the pre-squash (or, clipped, the plain) action, the value
    /// network is a zero placeholder, and `log_std` sits at the squashed floor (a stochastic
    /// evaluation is then all but deterministic).
    pub fn deployable(
        policy: Mlp,
        distribution: ActionDistribution,
        device: &Device,
    ) -> Result<Self> {
        let features = policy.input_size();
        let actions = policy.output_size();
        let zero = super::mlp::Dense {
            weight: Var::from_tensor(&Tensor::zeros((1, features), DType::F32, device)?)?,
            bias: Var::from_tensor(&Tensor::zeros(1, DType::F32, device)?)?,
        };
        let floor = super::distribution::SQUASHED_LOG_STD_FLOOR;
        Ok(Self {
            value: Mlp {
                layers: vec![zero],
                activation: policy.activation,
            },
            policy,
            log_std: Var::from_tensor(&Tensor::full(floor, actions, device)?)?,
            distribution,
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

    /// Log-probabilities of stored samples `u` under the configured distribution, shape (n).
    pub fn log_prob(&self, features: &Tensor, u: &Tensor) -> Result<Tensor> {
        let mean = self.policy.forward(features)?;
        self.log_prob_at(&mean, u)
    }

    /// Log-probabilities of `u` given the policy's mean, under the configured distribution.
    fn log_prob_at(&self, mean: &Tensor, u: &Tensor) -> Result<Tensor> {
        match self.distribution {
            ActionDistribution::ClippedGaussian => {
                gaussian_log_prob(mean, self.log_std.as_tensor(), u)
            }
            ActionDistribution::SquashedGaussian => {
                squashed_log_prob(mean, self.log_std.as_tensor(), u)
            }
        }
    }

    /// The analytic entropy of the Gaussian, a scalar: `sum(log_std) + k (1/2 + ln sqrt(2 pi))`
    /// (its gradient reaches `log_std` only).
    pub fn entropy(&self) -> Result<Tensor> {
        let k = self.log_std.dims()[0] as f64;
        self.log_std.as_tensor().sum_all()? + k * (0.5 + LOG_SQRT_2PI as f64)
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
        let logp = self.log_prob_at(&mean, &ut)?.to_vec1::<f32>()?;
        let a = u.iter().map(|x| self.distribution.action(*x)).collect();
        Ok(Actions {
            u,
            a,
            log_prob: logp,
            value: values,
        })
    }
}

/// Per-action Gaussian log-density of `u ~ N(mean, exp(log_std))`, shape (n, k).
fn gaussian_per_dim(mean: &Tensor, log_std: &Tensor, u: &Tensor) -> Result<Tensor> {
    let std = log_std.exp()?;
    let z = u.sub(mean)?.broadcast_div(&std)?;
    (z.sqr()? * -0.5)?.broadcast_sub(log_std)? - LOG_SQRT_2PI as f64
}

/// Log-density of `u ~ N(mean, exp(log_std))`, summed over actions (SB3's
/// `DiagGaussianDistribution.log_prob`; the clipped distribution's log-probability).
pub fn gaussian_log_prob(mean: &Tensor, log_std: &Tensor, u: &Tensor) -> Result<Tensor> {
    gaussian_per_dim(mean, log_std, u)?.sum(D::Minus1)
}

/// Log-density of `a = (tanh(u) + 1) / 2` for `u ~ N(mean, exp(log_std))`, summed over actions.
pub fn squashed_log_prob(mean: &Tensor, log_std: &Tensor, u: &Tensor) -> Result<Tensor> {
    let gaussian = gaussian_per_dim(mean, log_std, u)?;
    let correction = log_one_minus_tanh_sq(u)?;
    let per_dim = ((gaussian - correction)? + std::f64::consts::LN_2)?;
    per_dim.sum(D::Minus1)
}
