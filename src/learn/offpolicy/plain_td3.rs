//! TD3's (and DDPG's) gradient step on plain buffers, the same step as [`super::td3::Td3::step`]
//! (SB3's `td3/td3.py` `train()`) without candle's per-operation tensors: the networks' forward
//! and backward passes on [`PlainMlp`] (gemm), Adam in place (torch's, eps 1e-8), Polyak
//! averaging over the buffers. The candle networks stay the learner's storage (checkpoints,
//! exploration, deployment); [`PlainTd3::store`] writes the buffers back into them after each
//! training phase. `the_plain_td3_step_is_the_candle_step` checks the two paths against each
//! other.

use candle_core::Result;
use rand::rngs::SmallRng;

use super::plain::{concat_rows, polyak, Pass, PlainCritics};
use super::OffPolicyConfig;
use crate::learn::fast::{Adam, PlainMlp};
use crate::learn::mlp::{normal, Mlp};
use crate::learn::replay::Transitions;

/// The networks, their targets and optimizers, and reused buffers.
pub struct PlainTd3 {
    actor: PlainMlp,
    actor_target: PlainMlp,
    critics: PlainCritics,
    actor_adam: Adam,
    actor_pass: Pass,
    input: Vec<f32>,
    target: Vec<f32>,
    q_min: Vec<f32>,
    pi: Vec<f32>,
    d_input: Vec<f32>,
    d_out: Vec<f32>,
}

impl PlainTd3 {
    /// Copies the candle networks (fresh Adam moments).
    pub fn from_nets(
        actor: &Mlp,
        actor_target: &Mlp,
        critics: &[Mlp],
        targets: &[Mlp],
    ) -> Result<PlainTd3> {
        Ok(PlainTd3 {
            actor: PlainMlp::from_mlp(actor)?,
            actor_target: PlainMlp::from_mlp(actor_target)?,
            critics: PlainCritics::from_nets(critics, targets)?,
            actor_adam: Adam::default(),
            actor_pass: Pass::default(),
            input: Vec::new(),
            target: Vec::new(),
            q_min: Vec::new(),
            pi: Vec::new(),
            d_input: Vec::new(),
            d_out: Vec::new(),
        })
    }

    /// Writes the parameters back into the candle networks.
    pub fn store(
        &self,
        actor: &Mlp,
        actor_target: &Mlp,
        critics: &[Mlp],
        targets: &[Mlp],
    ) -> Result<()> {
        self.actor.store(actor)?;
        self.actor_target.store(actor_target)?;
        self.critics.store(critics, targets)
    }

    /// One gradient step on the batch `b` (the `update`-th of the run, counting from 1):
    /// returns the summed critic loss and, on a policy step, the actor loss. Target noise is
    /// drawn from `rng` as the candle path draws it (row-major, `normal * sigma`).
    pub fn step(
        &mut self,
        b: &Transitions,
        update: usize,
        config: &OffPolicyConfig,
        rng: &mut SmallRng,
    ) -> (f64, Option<f64>) {
        let n = b.len();
        self.td_target(b, config, rng);
        concat_rows(
            &b.features,
            b.feature_dim,
            &b.actions,
            b.action_dim,
            &mut self.input,
        );
        let critic_loss = self
            .critics
            .fit(&self.input, n, &self.target, 1.0, config.lr as f32);
        if update % config.policy_delay.max(1) != 0 {
            return (critic_loss, None);
        }
        (critic_loss, Some(self.actor_step(b, config)))
    }

    /// `y = r + gamma (1 - d) min_i Q_targ_i(s', clip(mu_targ(s') + clip(noise), -1, 1))`
    /// into `target`.
    fn td_target(&mut self, b: &Transitions, config: &OffPolicyConfig, rng: &mut SmallRng) {
        let n = b.len();
        let out = self
            .actor_pass
            .forward(&self.actor_target, &b.next_features, n);
        self.pi.clear();
        self.pi.extend(out.iter().map(|u| u.tanh()));
        if config.target_policy_noise > 0.0 {
            let c = config.target_noise_clip as f32;
            for a in self.pi.iter_mut() {
                let noise = ((normal(rng) * config.target_policy_noise) as f32).clamp(-c, c);
                *a = (*a + noise).clamp(-1.0, 1.0);
            }
        }
        concat_rows(
            &b.next_features,
            b.feature_dim,
            &self.pi,
            b.action_dim,
            &mut self.input,
        );
        self.critics.target_min(&self.input, n, &mut self.q_min);
        let gamma = config.gamma as f32;
        self.target.clear();
        self.target
            .extend((0..n).map(|i| b.rewards[i] + gamma * (1.0 - b.terminated[i]) * self.q_min[i]));
    }

    /// The actor's step, `-mean Q_1(s, tanh(mu(s)))` through the first critic's input, then
    /// the Polyak updates of every target; returns the actor loss.
    fn actor_step(&mut self, b: &Transitions, config: &OffPolicyConfig) -> f64 {
        let n = b.len();
        let (f, k) = (b.feature_dim, b.action_dim);
        let out = self.actor_pass.forward(&self.actor, &b.features, n);
        self.pi.clear();
        self.pi.extend(out.iter().map(|u| u.tanh()));
        concat_rows(&b.features, f, &self.pi, k, &mut self.input);
        let q1 = self
            .critics
            .min_q_input_gradient(1, &self.input, n, &mut self.d_input);
        // The action part of the input gradient, through tanh.
        self.d_out.clear();
        for (row, pi) in self
            .d_input
            .chunks_exact(f + k)
            .zip(self.pi.chunks_exact(k))
        {
            self.d_out
                .extend(row[f..].iter().zip(pi).map(|(g, a)| g * (1.0 - a * a)));
        }
        self.actor_pass.backward(&self.actor, &self.d_out, n);
        self.actor_pass
            .adam_step(&mut self.actor, &mut self.actor_adam, config.lr as f32);
        let tau = config.tau as f32;
        self.critics.update_targets(tau);
        polyak(&mut self.actor_target, &self.actor, tau);
        -q1
    }
}
