//! SAC's gradient step on plain buffers, the same step as [`super::sac::Sac::step`] (SB3's
//! `sac/sac.py` `train()`) without candle's per-operation tensors. The actor is one
//! [`PlainMlp`] whose last layer stacks the mean head over the `log_std` head (both read the
//! trunk's last hidden layer), so one backward pass carries both heads' gradients. The
//! reparameterised sample's gradients are written out by hand:
//!
//! `u = mu + exp(s) eps`, `a = tanh(u)`,
//! `log pi = sum_k -eps_k^2 / 2 - s_k - log sqrt(2 pi) - log(1 - a_k^2 + 1e-6)`,
//! actor loss `L = mean(alpha log pi - min_i Q_i(x, a))`, so per row (over the batch size n)
//! `dL/da = (-dQ/da + alpha 2a / (1 - a^2 + 1e-6)) / n`, `dL/du = dL/da (1 - a^2)`,
//! `dL/dmu = dL/du`, `dL/ds = dL/du exp(s) eps - alpha / n` (zero where `s` is clamped).
//!
//! `the_plain_sac_step_is_the_candle_step` checks the two paths against each other.

use candle_core::{Result, Var};
use rand::rngs::SmallRng;

use super::plain::{concat_rows, Pass, PlainCritics, EPS};
use super::sac::LOG_STD_RANGE;
use super::OffPolicyConfig;
use crate::learn::distribution::LOG_SQRT_2PI;
use crate::learn::fast::{read_var, Adam, PlainMlp};
use crate::learn::mlp::{normal, Dense, Mlp};
use crate::learn::replay::Transitions;

/// A reparameterised sample of a batch: pre-clamp heads, `log_std`, noise, action and the
/// rows' log-probabilities.
#[derive(Debug, Default)]
struct Sample {
    /// `log_std` after the clamp, `n x k`.
    log_std: Vec<f32>,
    /// The standard normal noise, `n x k`.
    eps: Vec<f32>,
    /// `tanh(u)`, `n x k`.
    a: Vec<f32>,
    /// Whether the raw `log_std` was inside the clamp's range (its gradient passes).
    inside: Vec<bool>,
    /// `log pi(a|s)` per row.
    log_prob: Vec<f32>,
}

/// The actor, critics, temperature, optimizers and reused buffers.
pub struct PlainSac {
    actor: PlainMlp,
    critics: PlainCritics,
    log_alpha: f32,
    actor_adam: Adam,
    alpha_adam: Option<Adam>,
    actor_pass: Pass,
    next_pass: Pass,
    sample: Sample,
    next: Sample,
    input: Vec<f32>,
    target: Vec<f32>,
    q_min: Vec<f32>,
    d_input: Vec<f32>,
    d_out: Vec<f32>,
}

impl PlainSac {
    /// Copies the candle networks (fresh Adam moments); the temperature is tuned when
    /// `tuned`.
    pub fn from_nets(
        mean: &Mlp,
        log_std_head: &Dense,
        critics: &[Mlp],
        targets: &[Mlp],
        log_ent_coef: &Var,
        tuned: bool,
    ) -> Result<PlainSac> {
        let mut actor = PlainMlp::from_mlp(mean)?;
        let last = actor.w.len() - 1;
        actor.w[last].extend(read_var(&log_std_head.weight)?);
        actor.b[last].extend(read_var(&log_std_head.bias)?);
        actor.sizes[last + 1] *= 2;
        Ok(PlainSac {
            actor,
            critics: PlainCritics::from_nets(critics, targets)?,
            log_alpha: read_var(log_ent_coef)?[0],
            actor_adam: Adam::default(),
            alpha_adam: tuned.then(Adam::default),
            actor_pass: Pass::default(),
            next_pass: Pass::default(),
            sample: Sample::default(),
            next: Sample::default(),
            input: Vec::new(),
            target: Vec::new(),
            q_min: Vec::new(),
            d_input: Vec::new(),
            d_out: Vec::new(),
        })
    }

    /// Writes the parameters back into the candle networks and the temperature.
    pub fn store(
        &self,
        mean: &Mlp,
        log_std_head: &Dense,
        critics: &[Mlp],
        targets: &[Mlp],
        log_ent_coef: &Var,
    ) -> Result<()> {
        let last = self.actor.w.len() - 1;
        let k = self.actor.sizes[last + 1] / 2;
        let width = self.actor.sizes[last];
        let mut trunk = self.actor.clone();
        let (w_mu, w_s) = self.actor.w[last].split_at(k * width);
        let (b_mu, b_s) = self.actor.b[last].split_at(k);
        trunk.w[last] = w_mu.to_vec();
        trunk.b[last] = b_mu.to_vec();
        trunk.sizes[last + 1] = k;
        trunk.store(mean)?;
        let dev = log_std_head.weight.device();
        log_std_head
            .weight
            .set(&candle_core::Tensor::from_slice(w_s, (k, width), dev)?)?;
        log_std_head
            .bias
            .set(&candle_core::Tensor::from_slice(b_s, k, dev)?)?;
        log_ent_coef.set(&candle_core::Tensor::new(&[self.log_alpha], dev)?)?;
        self.critics.store(critics, targets)
    }

    /// The entropy coefficient now.
    pub fn alpha(&self) -> f32 {
        self.log_alpha.exp()
    }

    /// One gradient step: (critic loss, actor loss, mean `-log pi`). The noise is drawn from
    /// `rng` as the candle path draws it: the batch's, then the next states'.
    pub fn step(
        &mut self,
        b: &Transitions,
        config: &OffPolicyConfig,
        target_entropy: f32,
        rng: &mut SmallRng,
    ) -> (f64, f64, f64) {
        let n = b.len();
        let (f, k) = (b.feature_dim, b.action_dim);
        let lr = config.lr as f32;
        sample(
            &self.actor,
            &mut self.actor_pass,
            &b.features,
            n,
            k,
            rng,
            &mut self.sample,
        );
        let alpha = self.alpha();
        if let Some(adam) = &mut self.alpha_adam {
            // d/d(log alpha) of -mean(log alpha (log pi + H)).
            let gap = self.sample.log_prob.iter().map(|l| l + target_entropy);
            let g = -gap.sum::<f32>() / n as f32;
            let mut p = vec![self.log_alpha];
            adam.step(&mut [&mut p], &[&vec![g]], lr, EPS);
            self.log_alpha = p[0];
        }
        // The target: r + gamma (1 - d) (min_i Q_targ_i(s', a') - alpha log pi(a'|s')).
        sample(
            &self.actor,
            &mut self.next_pass,
            &b.next_features,
            n,
            k,
            rng,
            &mut self.next,
        );
        concat_rows(&b.next_features, f, &self.next.a, k, &mut self.input);
        self.critics.target_min(&self.input, n, &mut self.q_min);
        let gamma = config.gamma as f32;
        self.target.clear();
        self.target.extend((0..n).map(|i| {
            let soft = self.q_min[i] - alpha * self.next.log_prob[i];
            b.rewards[i] + gamma * (1.0 - b.terminated[i]) * soft
        }));
        concat_rows(&b.features, f, &b.actions, k, &mut self.input);
        let critic_loss = self.critics.fit(&self.input, n, &self.target, 0.5, lr);
        // The actor, with the updated critics.
        concat_rows(&b.features, f, &self.sample.a, k, &mut self.input);
        let q_pi = self
            .critics
            .min_q_input_gradient(2, &self.input, n, &mut self.d_input);
        let mean_log_prob = self.sample.log_prob.iter().map(|l| *l as f64).sum::<f64>() / n as f64;
        let actor_loss = alpha as f64 * mean_log_prob - q_pi;
        self.actor_gradient(f, k, n, alpha);
        self.actor_pass.backward(&self.actor, &self.d_out, n);
        self.actor_pass
            .adam_step(&mut self.actor, &mut self.actor_adam, lr);
        self.critics.update_targets(config.tau as f32);
        (critic_loss, actor_loss, -mean_log_prob)
    }

    /// The output gradient of the stacked heads, `[dL/dmu | dL/ds]` per row, into `d_out`
    /// (from `d_input`, the gradient of `-mean min Q` with respect to the critics' input).
    fn actor_gradient(&mut self, f: usize, k: usize, n: usize, alpha: f32) {
        let s = &self.sample;
        let inv_n = 1.0 / n as f32;
        self.d_out.clear();
        self.d_out.resize(n * 2 * k, 0.0);
        for r in 0..n {
            let dq = &self.d_input[r * (f + k) + f..(r + 1) * (f + k)];
            let out = &mut self.d_out[r * 2 * k..(r + 1) * 2 * k];
            for j in 0..k {
                let i = r * k + j;
                let a = s.a[i];
                let da = dq[j] + alpha * inv_n * 2.0 * a / (1.0 - a * a + 1e-6);
                let du = da * (1.0 - a * a);
                out[j] = du;
                out[k + j] = if s.inside[i] {
                    du * s.log_std[i].exp() * s.eps[i] - alpha * inv_n
                } else {
                    0.0
                };
            }
        }
    }
}

/// A reparameterised squashed sample of `n` rows of `x` into `out` (noise from `rng`,
/// row-major), with the actor's activations in `pass`.
fn sample(
    actor: &PlainMlp,
    pass: &mut Pass,
    x: &[f32],
    n: usize,
    k: usize,
    rng: &mut SmallRng,
    out: &mut Sample,
) {
    let heads = pass.forward(actor, x, n);
    let (lo, hi) = (LOG_STD_RANGE.0 as f32, LOG_STD_RANGE.1 as f32);
    for v in [&mut out.log_std, &mut out.eps, &mut out.a] {
        v.clear();
    }
    out.inside.clear();
    out.log_prob.clear();
    for row in heads.chunks_exact(2 * k) {
        let (mu, raw) = row.split_at(k);
        let mut log_prob = 0.0f32;
        for j in 0..k {
            let s = raw[j].clamp(lo, hi);
            let e = normal(rng) as f32;
            let a = (mu[j] + s.exp() * e).tanh();
            let gauss = e * e * -0.5 - s - LOG_SQRT_2PI;
            log_prob += gauss - (1.0 - a * a + 1e-6).ln();
            out.log_std.push(s);
            out.eps.push(e);
            out.a.push(a);
            out.inside.push((lo..=hi).contains(&raw[j]));
        }
        out.log_prob.push(log_prob);
    }
}
