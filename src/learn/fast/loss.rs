//! The PPO loss and its gradients over plain buffers: the clipped surrogate on the action
//! distribution's log-probability, the value MSE and the entropy, the two networks' halves run
//! side by side.

use super::super::distribution::ActionDistribution;
use super::kernels::*;
use super::PlainMlp;

/// A minibatch for the loss.
pub struct Minibatch<'a> {
    /// Features, `n x f`.
    pub x: &'a [f32],
    /// Pre-squash actions, `n x a`.
    pub u: &'a [f32],
    /// Old log-probabilities.
    pub old_log_prob: &'a [f32],
    /// Normalised advantages.
    pub advantages: &'a [f32],
    /// Returns.
    pub returns: &'a [f32],
}

/// Coefficients of the loss.
#[derive(Debug, Clone, Copy)]
pub struct LossConfig {
    /// Clip range.
    pub clip: f64,
    /// Entropy coefficient.
    pub ent_coef: f64,
    /// Value coefficient.
    pub vf_coef: f64,
    /// The action distribution whose log-probability and entropy the loss uses.
    pub distribution: ActionDistribution,
}

/// Gradients of every parameter, and what the loss measured.
#[derive(Debug, Clone, Default)]
pub struct Gradients {
    /// Policy weight and bias gradients.
    pub policy: (Vec<Vec<f32>>, Vec<Vec<f32>>),
    /// Value weight and bias gradients.
    pub value: (Vec<Vec<f32>>, Vec<Vec<f32>>),
    /// log_std gradient.
    pub log_std: Vec<f32>,
    /// Global L2 norm of all the gradients above (before any clipping).
    pub grad_norm: f64,
    /// Total loss.
    pub loss: f64,
    /// Policy (surrogate) loss.
    pub policy_loss: f64,
    /// Value loss.
    pub value_loss: f64,
    /// Entropy estimate.
    pub entropy: f64,
    /// Approximate KL.
    pub approx_kl: f64,
    /// Clipped fraction.
    pub clip_fraction: f64,
}

/// Working buffers reused across minibatches.
#[derive(Default)]
pub struct Workspace {
    policy_acts: Vec<Vec<f32>>,
    value_acts: Vec<Vec<f32>>,
    d_mean: Vec<f32>,
    d_value: Vec<f32>,
    policy_scratch: (Vec<f32>, Vec<f32>),
    value_scratch: (Vec<f32>, Vec<f32>),
}

/// Log-density of `a = (tanh(u) + 1) / 2` for one sample, `u ~ N(mu, sigma)`; `inv_var` is
/// `1 / sigma^2` and `log_std_sum` the sum of `log sigma` (the squashed distribution's
/// [`ActionDistribution::log_prob`]).
pub fn squashed_log_prob(mu: &[f32], u: &[f32], inv_var: &[f32], log_std_sum: f32) -> f32 {
    ActionDistribution::SquashedGaussian.log_prob(mu, u, inv_var, log_std_sum)
}

/// The PPO loss of a minibatch and its gradients. The policy and the value network share
/// nothing in the loss, so their passes run on two threads (see `in_parallel`).
pub fn loss_and_gradients(
    policy: &PlainMlp,
    value: &PlainMlp,
    log_std: &[f32],
    mb: &Minibatch,
    cfg: LossConfig,
    ws: &mut Workspace,
    g: &mut Gradients,
) {
    let Workspace {
        policy_acts,
        value_acts,
        d_mean,
        d_value,
        policy_scratch,
        value_scratch,
    } = ws;
    let Gradients {
        policy: policy_grads,
        value: value_grads,
        log_std: log_std_grad,
        ..
    } = g;
    let (p, (value_loss, value_sq_norm)) = in_parallel(
        || {
            policy_half(
                policy,
                log_std,
                mb,
                cfg,
                PolicyBuffers {
                    acts: policy_acts,
                    d_mean,
                    scratch: policy_scratch,
                    grads: policy_grads,
                    log_std_grad,
                },
            )
        },
        || {
            value_half(
                value,
                mb,
                cfg,
                value_acts,
                d_value,
                value_scratch,
                value_grads,
            )
        },
    );
    g.grad_norm = (p.sq_norm + value_sq_norm).sqrt();
    g.policy_loss = p.policy_loss;
    g.value_loss = value_loss;
    g.entropy = p.entropy;
    g.approx_kl = p.approx_kl;
    g.clip_fraction = p.clip_fraction;
    g.loss = g.policy_loss + cfg.vf_coef * g.value_loss - cfg.ent_coef * g.entropy;
}

/// What the policy half of the loss measured (means over the minibatch).
pub(super) struct PolicyStats {
    policy_loss: f64,
    entropy: f64,
    approx_kl: f64,
    clip_fraction: f64,
    /// Squared L2 norm of the policy's and `log_std`'s gradients.
    sq_norm: f64,
}

/// The policy half's buffers.
pub(super) struct PolicyBuffers<'a> {
    acts: &'a mut Vec<Vec<f32>>,
    d_mean: &'a mut Vec<f32>,
    scratch: &'a mut (Vec<f32>, Vec<f32>),
    grads: &'a mut (Vec<Vec<f32>>, Vec<Vec<f32>>),
    log_std_grad: &'a mut Vec<f32>,
}

/// Clipped surrogate and entropy bonus: forward, loss, backward through the policy network and
/// `log_std`.
pub(super) fn policy_half(
    policy: &PlainMlp,
    log_std: &[f32],
    mb: &Minibatch,
    cfg: LossConfig,
    buf: PolicyBuffers,
) -> PolicyStats {
    let n = mb.old_log_prob.len();
    let a = log_std.len();
    policy.forward(mb.x, n, buf.acts);
    let mean = &buf.acts[policy.w.len()];
    let inv_var: Vec<f32> = log_std.iter().map(|s| (-2.0 * s).exp()).collect();
    let log_std_sum: f32 = log_std.iter().sum();
    let nf = n as f32;
    buf.d_mean.clear();
    buf.d_mean.resize(n * a, 0.0);
    buf.log_std_grad.clear();
    buf.log_std_grad.resize(a, 0.0);
    let (mut pl, mut kl, mut clipped) = (0f64, 0f64, 0f64);
    let clip = cfg.clip as f32;
    for i in 0..n {
        let (mu, ui) = (&mean[i * a..(i + 1) * a], &mb.u[i * a..(i + 1) * a]);
        let logp = cfg.distribution.log_prob(mu, ui, &inv_var, log_std_sum);
        let log_ratio = logp - mb.old_log_prob[i];
        let r = log_ratio.exp();
        let adv = mb.advantages[i];
        let unclipped = r * adv;
        let clipped_term = r.clamp(1.0 - clip, 1.0 + clip) * adv;
        pl -= unclipped.min(clipped_term) as f64;
        // d(-min)/dlogp: -adv * r where the unclipped branch is the minimum, else 0.
        let dlogp = if unclipped <= clipped_term {
            -adv * r / nf
        } else {
            0.0
        };
        kl += (r - 1.0 - log_ratio) as f64;
        if (r - 1.0).abs() > clip {
            clipped += 1.0;
        }
        for k in 0..a {
            let z = ui[k] - mu[k];
            buf.d_mean[i * a + k] = dlogp * z * inv_var[k];
            buf.log_std_grad[k] += dlogp * (z * z * inv_var[k] - 1.0);
        }
    }
    // Entropy bonus: loss -= ent_coef * H(log_std), and dH / dlog_std_k = 1; nothing on the mean.
    buf.log_std_grad
        .iter_mut()
        .for_each(|g| *g -= cfg.ent_coef as f32);
    let layers = policy.w.len();
    buf.grads.0.resize(layers, Vec::new());
    buf.grads.1.resize(layers, Vec::new());
    policy.backward(
        buf.acts,
        buf.d_mean,
        n,
        &mut buf.grads.0,
        &mut buf.grads.1,
        buf.scratch,
    );
    let nd = n as f64;
    PolicyStats {
        policy_loss: pl / nd,
        entropy: cfg.distribution.entropy(log_std),
        approx_kl: kl / nd,
        clip_fraction: clipped / nd,
        sq_norm: squared_norms(buf.grads) + squared_norm(buf.log_std_grad),
    }
}

/// Value MSE: forward, loss, backward through the value network; returns the loss and the
/// gradients' squared L2 norm.
pub(super) fn value_half(
    value: &PlainMlp,
    mb: &Minibatch,
    cfg: LossConfig,
    acts: &mut Vec<Vec<f32>>,
    d_value: &mut Vec<f32>,
    scratch: &mut (Vec<f32>, Vec<f32>),
    grads: &mut (Vec<Vec<f32>>, Vec<Vec<f32>>),
) -> (f64, f64) {
    let n = mb.old_log_prob.len();
    value.forward(mb.x, n, acts);
    let v = &acts[value.w.len()];
    let nf = n as f32;
    d_value.clear();
    d_value.resize(n, 0.0);
    let mut loss = 0f64;
    for i in 0..n {
        let err = v[i] - mb.returns[i];
        loss += (err * err) as f64;
        d_value[i] = cfg.vf_coef as f32 * 2.0 * err / nf;
    }
    let layers = value.w.len();
    grads.0.resize(layers, Vec::new());
    grads.1.resize(layers, Vec::new());
    value.backward(acts, d_value, n, &mut grads.0, &mut grads.1, scratch);
    (loss / n as f64, squared_norms(grads))
}

/// Squared L2 norm of weight and bias gradients.
pub(super) fn squared_norms(grads: &(Vec<Vec<f32>>, Vec<Vec<f32>>)) -> f64 {
    grads
        .0
        .iter()
        .chain(&grads.1)
        .map(|g| squared_norm(g))
        .sum()
}

/// Sum of squares in f64, over eight independent running sums (so the loop vectorises).
pub(super) fn squared_norm(x: &[f32]) -> f64 {
    let mut acc = [0f64; 8];
    let chunks = x.chunks_exact(8);
    let rest: f64 = chunks
        .remainder()
        .iter()
        .map(|v| f64::from(*v) * f64::from(*v))
        .sum();
    for c in chunks {
        for (a, v) in acc.iter_mut().zip(c) {
            *a += f64::from(*v) * f64::from(*v);
        }
    }
    acc.iter().sum::<f64>() + rest
}
