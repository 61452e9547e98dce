//! TD3 (Fujimoto et al. 2018) as SB3's `td3/td3.py` `train()` does it, and DDPG as SB3's
//! `DDPG` (TD3 with one critic, `policy_delay = 1`, no target smoothing). Per gradient step:
//!
//! 1. target actions `clip(mu_targ(s') + clip(N(0, sigma), -c, c), -1, 1)`;
//! 2. target `r + gamma (1 - d) min_i Q_targ_i(s', a')` (one critic for DDPG);
//! 3. critic loss `sum_i MSE(Q_i(s, a), target)`, one Adam step;
//! 4. every `policy_delay` steps: actor loss `-mean Q_1(s, mu(s))`, one Adam step, then Polyak
//!    updates of the critic targets and the actor target.

use candle_core::{Device, Result, Tensor, Var};
use candle_nn::{AdamW, Optimizer};
use rand::rngs::SmallRng;
use rand::SeedableRng;

use super::explore::{Exploration, ExplorationPolicy};
use super::plain_td3::PlainTd3;
use super::{
    adam, deep_copy, polyak, q_values, randn, relu_mlp, Batch, Critics, OffPolicyConfig,
    OffPolicyLearner, OffPolicyStats,
};
use crate::learn::distribution::ActionDistribution;
use crate::learn::fast::PlainMlp;
use crate::learn::mlp::Mlp;
use crate::learn::policy::ActorCritic;
use crate::learn::replay::ReplayBuffer;
use crate::learn::snapshot::FeatureMap;

/// The TD3 (or DDPG) learner.
pub struct Td3 {
    /// Features to pre-tanh actions.
    pub actor: Mlp,
    actor_target: Mlp,
    /// Two critics for TD3, one for DDPG, with their targets.
    pub critics: Critics,
    actor_opt: AdamW,
    config: OffPolicyConfig,
    /// Critic steps so far (the delay counts them).
    pub n_updates: usize,
    rng: SmallRng,
    device: Device,
    /// The plain-buffer copy that trains (built at the first training phase, kept for its
    /// Adam moments).
    plain: Option<PlainTd3>,
}

impl Td3 {
    /// New networks; `twin` gives TD3 (two critics, the configured delay and smoothing), without
    /// it DDPG (one critic, no delay, no smoothing, whatever the configuration says).
    pub fn new(
        features: usize,
        actions: usize,
        config: &OffPolicyConfig,
        twin: bool,
        seed: u64,
        device: &Device,
    ) -> Result<Td3> {
        let mut config = config.clone();
        if !twin {
            config.policy_delay = 1;
            config.target_policy_noise = 0.0;
            config.target_noise_clip = 0.0;
        }
        let mut rng = SmallRng::seed_from_u64(seed);
        let sizes = |input: usize, output: usize| {
            let mut s = vec![input];
            s.extend(&config.hidden);
            s.push(output);
            s
        };
        let actor = relu_mlp(&sizes(features, actions), &mut rng, device)?;
        let n_critics = if twin { 2 } else { 1 };
        let critics = Critics::new(
            n_critics,
            &sizes(features + actions, 1),
            config.lr,
            &mut rng,
            device,
        )?;
        Ok(Td3 {
            actor_target: deep_copy(&actor)?,
            actor_opt: adam(actor.vars(), config.lr)?,
            actor,
            critics,
            config,
            n_updates: 0,
            rng,
            device: device.clone(),
            plain: None,
        })
    }

    /// The TD target of a batch (no gradient): smoothed target actions, the minimum of the
    /// target critics.
    pub fn target(&mut self, b: &Batch) -> Result<Tensor> {
        let next = self.actor_target.forward(&b.next_features)?.tanh()?;
        let c = self.config.target_noise_clip;
        let next = if self.config.target_policy_noise > 0.0 {
            let noise = randn(
                next.dims2()?,
                self.config.target_policy_noise,
                &mut self.rng,
                &self.device,
            )?
            .clamp(-c, c)?;
            (next + noise)?.clamp(-1.0, 1.0)?
        } else {
            next
        };
        let q = self.critics.target_min(&b.next_features, &next)?;
        Ok(b.target(&q, self.config.gamma)?.detach())
    }

    /// One gradient step; returns the critic loss and (on delayed steps) the actor loss.
    pub fn step(&mut self, b: &Batch) -> Result<(f64, Option<f64>)> {
        self.n_updates += 1;
        let target = self.target(b)?;
        let critic = self.critics.fit(b, &target, 1.0)?;
        if self.n_updates % self.config.policy_delay != 0 {
            return Ok((critic, None));
        }
        let pi = self.actor.forward(&b.features)?.tanh()?;
        let q1 = &q_values(&self.critics.nets[..1], &b.features, &pi)?[0];
        let actor_loss = q1.mean_all()?.neg()?;
        self.actor_opt.backward_step(&actor_loss)?;
        self.critics.update_targets(self.config.tau)?;
        polyak(
            &self.actor_target.vars(),
            &self.actor.vars(),
            self.config.tau,
        )?;
        Ok((critic, Some(actor_loss.to_scalar::<f32>()? as f64)))
    }
}

impl Td3 {
    /// `gradient_steps` steps of the candle path ([`Td3::step`], the readable reference the
    /// plain one is checked against), batches drawn as [`OffPolicyLearner::train`] draws them;
    /// returns the summed critic and actor losses.
    pub fn train_candle(
        &mut self,
        buffer: &ReplayBuffer,
        gradient_steps: usize,
    ) -> Result<(f64, f64)> {
        let (mut critic, mut actor) = (0.0, 0.0);
        for _ in 0..gradient_steps {
            let sample = buffer.sample(self.config.batch_size, &mut self.rng);
            let (c, a) = self.step(&Batch::from_transitions(&sample, &self.device)?)?;
            critic += c;
            actor += a.unwrap_or(0.0);
        }
        Ok((critic, actor))
    }
}

impl OffPolicyLearner for Td3 {
    fn train(&mut self, buffer: &ReplayBuffer, gradient_steps: usize) -> Result<OffPolicyStats> {
        let (mut critic, mut actor, mut actor_steps) = (0.0, 0.0, 0usize);
        // The gradient steps on plain buffers (the same steps as `step`, see plain_td3.rs),
        // written back into the candle networks at the end.
        let mut plain = match self.plain.take() {
            Some(p) => p,
            None => PlainTd3::from_nets(
                &self.actor,
                &self.actor_target,
                &self.critics.nets,
                self.critics.targets(),
            )?,
        };
        for _ in 0..gradient_steps {
            let sample = buffer.sample(self.config.batch_size, &mut self.rng);
            self.n_updates += 1;
            let (c, a) = plain.step(&sample, self.n_updates, &self.config, &mut self.rng);
            critic += c;
            if let Some(a) = a {
                actor += a;
                actor_steps += 1;
            }
        }
        plain.store(
            &self.actor,
            &self.actor_target,
            &self.critics.nets,
            self.critics.targets(),
        )?;
        self.plain = Some(plain);
        Ok(OffPolicyStats {
            gradient_steps,
            actor_steps,
            critic_loss: critic / gradient_steps.max(1) as f64,
            actor_loss: if actor_steps > 0 {
                actor / actor_steps as f64
            } else {
                f64::NAN
            },
            entropy: f64::NAN,
            ent_coef: f64::NAN,
        })
    }

    fn exploration(&self, features: FeatureMap) -> Result<ExplorationPolicy> {
        Ok(ExplorationPolicy {
            features,
            actor: PlainMlp::from_mlp(&self.actor)?.with_row_layout(),
            log_std_head: None,
            noise: Exploration::Gaussian(self.config.action_noise as f32),
        })
    }

    fn named(&self) -> Vec<(String, Var)> {
        let mut v = self.actor.named("actor");
        v.extend(self.actor_target.named("actor_target"));
        v.extend(self.critics.named());
        v
    }

    fn deployable(&self) -> Result<ActorCritic> {
        ActorCritic::deployable(
            deep_copy(&self.actor)?,
            ActionDistribution::SquashedGaussian,
            &self.device,
        )
    }
}
