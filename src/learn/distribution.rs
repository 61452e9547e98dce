//! The policy's action distribution over the 22 excitations, a setting of the PPO config.
//!
//! Both forms start from the same diagonal Gaussian `u ~ N(mu(s), exp(log_std))` with a
//! state-independent `log_std`; the rollout stores the sample `u` and the environment sees
//! `a = f(u)`:
//!
//! - [`ActionDistribution::ClippedGaussian`] (the default) is what the study's Stable-Baselines3
//!   1.x actually trained with `squash_output=True` and no gSDE (issues DLR-RM/stable-baselines3
//!   #1540 and #1592; read in `policies.py`, `distributions.py`, `on_policy_algorithm.py` and
//!   `ppo.py` at tag v1.6.0): `ActorCriticPolicy` builds a plain `DiagGaussianDistribution`,
//!   `collect_rollouts` clips the sample to the action space (`a = clip(u, 0, 1)`) and stores the
//!   unclipped one, the log-probability is the Gaussian's density of `u`, and the entropy is the
//!   Gaussian's analytic entropy `sum(log_std) + k (1/2 + ln(2 pi)/2)`.
//! - [`ActionDistribution::SquashedGaussian`]: `a = (tanh(u) + 1) / 2` with the exact
//!   log-density of the squashed action, `log N(u) - sum ln(1 - tanh(u)^2) + k ln 2`. Its entropy
//!   bonus is the pre-squash Gaussian's analytic entropy (no gradient on the mean), and `log_std`
//!   is kept above [`SQUASHED_LOG_STD_FLOOR`]. The estimate SB3 uses for squashed policies,
//!   `-log_prob` of the rollout's samples, equals `H(old) + KL(old || new)` and pushed the
//!   policy away from its own rollout without bound (the collapse measured at 1.23M steps).
//!
//! The entropy depends on `log_std` alone, so its gradient is `d H / d log_std_k = 1` and it
//! never moves the mean.

use serde::{Deserialize, Serialize};

/// `ln(sqrt(2 pi))`.
pub const LOG_SQRT_2PI: f32 = 0.918_938_5;

/// The lowest `log_std` a [`ActionDistribution::SquashedGaussian`] policy may reach (a std of
/// about 0.007 before the squash).
pub const SQUASHED_LOG_STD_FLOOR: f32 = -5.0;

/// How the policy's Gaussian sample becomes excitations in [0, 1].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum ActionDistribution {
    /// SB3 1.x as the study ran it: a Gaussian, clipped to [0, 1] after the sample is stored.
    #[default]
    ClippedGaussian,
    /// A tanh-squashed Gaussian, `(tanh(u) + 1) / 2`, with the exact log-density.
    SquashedGaussian,
}

impl std::str::FromStr for ActionDistribution {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().replace(['-', '_'], "").as_str() {
            "clipped" | "clippedgaussian" => Ok(Self::ClippedGaussian),
            "squashed" | "squashedgaussian" | "tanh" => Ok(Self::SquashedGaussian),
            other => Err(format!(
                "unknown distribution \"{other}\" (clipped-gaussian, squashed-gaussian)"
            )),
        }
    }
}

impl ActionDistribution {
    /// The excitation the environment sees for a sample (or, for the deterministic policy, the
    /// mean) `u`.
    #[inline]
    pub fn action(self, u: f32) -> f32 {
        match self {
            Self::ClippedGaussian => u.clamp(0.0, 1.0),
            Self::SquashedGaussian => 0.5 * (u.tanh() + 1.0),
        }
    }

    /// Log-probability of one stored sample `u` under `N(mu, sigma)`, summed over actions;
    /// `inv_var` is `1 / sigma^2` and `log_std_sum` the sum of `log sigma`. For the squashed form
    /// it is the density of the squashed action.
    pub fn log_prob(self, mu: &[f32], u: &[f32], inv_var: &[f32], log_std_sum: f32) -> f32 {
        let k = mu.len() as f32;
        let mut logp = -log_std_sum - k * LOG_SQRT_2PI;
        for i in 0..mu.len() {
            let z = u[i] - mu[i];
            logp -= 0.5 * z * z * inv_var[i];
        }
        if self == Self::SquashedGaussian {
            logp += k * std::f32::consts::LN_2;
            for &ui in u {
                logp -= log_one_minus_tanh_sq(ui);
            }
        }
        logp
    }

    /// The entropy bonus, the analytic entropy of the Gaussian over `u`:
    /// `sum(log_std) + k (1/2 + ln(2 pi) / 2)`. For the clipped form this is exactly SB3's
    /// `DiagGaussianDistribution.entropy()`.
    pub fn entropy(self, log_std: &[f32]) -> f64 {
        let k = log_std.len() as f64;
        log_std.iter().map(|s| *s as f64).sum::<f64>() + k * (0.5 + LOG_SQRT_2PI as f64)
    }

    /// The floor `log_std` is kept above after every optimiser step, if any.
    pub fn log_std_floor(self) -> Option<f32> {
        match self {
            Self::ClippedGaussian => None,
            Self::SquashedGaussian => Some(SQUASHED_LOG_STD_FLOOR),
        }
    }

    /// Applies [`ActionDistribution::log_std_floor`] in place.
    pub fn clamp_log_std(self, log_std: &mut [f32]) {
        if let Some(floor) = self.log_std_floor() {
            log_std.iter_mut().for_each(|s| *s = s.max(floor));
        }
    }

    /// The mean excitation the environment sees, `E[f(u)]` for `u ~ N(mean, std)`: for the
    /// clipped form `mean (Phi(b) - Phi(a)) + std (phi(a) - phi(b)) + 1 - Phi(b)` with
    /// `a = -mean / std`, `b = (1 - mean) / std`; for the squashed form a 512-interval Simpson
    /// rule over `mean +- 6 std`. With a large std this differs a lot from `action(mean)`.
    pub fn expected_action(self, mean: f32, std: f32) -> f32 {
        let (m, s) = (mean as f64, (std as f64).max(1e-12));
        match self {
            Self::ClippedGaussian => {
                let (a, b) = (-m / s, (1.0 - m) / s);
                let e = m * (normal_cdf(b) - normal_cdf(a))
                    + s * (normal_pdf(a) - normal_pdf(b))
                    + (1.0 - normal_cdf(b));
                e.clamp(0.0, 1.0) as f32
            }
            Self::SquashedGaussian => {
                let n = 512;
                let h = 12.0 / n as f64;
                let mut sum = 0.0;
                for i in 0..=n {
                    let z = -6.0 + i as f64 * h;
                    let w = if i == 0 || i == n {
                        1.0
                    } else if i % 2 == 1 {
                        4.0
                    } else {
                        2.0
                    };
                    sum += w * normal_pdf(z) * 0.5 * ((m + s * z).tanh() + 1.0);
                }
                (sum * h / 3.0) as f32
            }
        }
    }

    /// A short label for logs and the GUI.
    pub fn label(self) -> &'static str {
        match self {
            Self::ClippedGaussian => "clipped Gaussian (SB3 1.x)",
            Self::SquashedGaussian => "tanh-squashed Gaussian",
        }
    }
}

/// `ln(1 - tanh(u)^2)`, computed stably as `2 (ln 2 - u - softplus(-2u))`.
#[inline]
pub fn log_one_minus_tanh_sq(u: f32) -> f32 {
    let x = -2.0 * u;
    let softplus = x.max(0.0) + (-x.abs()).exp().ln_1p();
    2.0 * (std::f32::consts::LN_2 - u - softplus)
}

/// The standard normal density.
pub fn normal_pdf(x: f64) -> f64 {
    (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

/// The standard normal distribution function, from `erf` (Abramowitz and Stegun 7.1.26,
/// absolute error below 1.5e-7).
pub fn normal_cdf(x: f64) -> f64 {
    let z = x / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * z.abs());
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erf = 1.0 - poly * (-z * z).exp();
    0.5 * (1.0 + erf.copysign(z))
}
