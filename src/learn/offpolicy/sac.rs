//! SAC (Haarnoja et al. 2018, with the learned temperature of the 2018 follow-up) as SB3's
//! `sac/sac.py` `train()` does it. The actor is a ReLU trunk with two linear heads, the mean
//! and `log_std` (clamped to [-20, 2]) of a Gaussian whose sample is squashed by `tanh`; its
//! log-density is `log N(u) - sum log(1 - tanh(u)^2 + 1e-6)`. Per gradient step:
//!
//! 1. sample `a ~ pi(s)` with its log-probability (reparameterised);
//! 2. temperature (automatic tuning): loss `-mean(log alpha * (log pi(a|s) + H_target))`, one
//!    Adam step; the step's coefficient is `alpha` from before it;
//! 3. target `r + gamma (1 - d) (min_i Q_targ_i(s', a') - alpha log pi(a'|s'))`, `a' ~ pi(s')`;
//! 4. critic loss `1/2 sum_i MSE(Q_i(s, a), target)`, one Adam step;
//! 5. actor loss `mean(alpha log pi(a|s) - min_i Q_i(s, a))` with the updated critics, one
//!    Adam step;
//! 6. Polyak update of the critic targets.

use candle_core::{Device, Result, Tensor, Var};
use candle_nn::{AdamW, Optimizer};
use rand::rngs::SmallRng;
use rand::SeedableRng;

use super::explore::{Exploration, ExplorationPolicy, LogStdHead};
use super::plain_sac::PlainSac;
use super::{
    adam, deep_copy, min_q, q_values, randn, relu_mlp, Batch, Critics, OffPolicyConfig,
    OffPolicyLearner, OffPolicyStats,
};
use crate::learn::distribution::{ActionDistribution, LOG_SQRT_2PI};
use crate::learn::fast::{read_var, PlainMlp};
use crate::learn::mlp::{Dense, Init, Mlp};
use crate::learn::policy::ActorCritic;
use crate::learn::replay::ReplayBuffer;
use crate::learn::snapshot::FeatureMap;

/// SB3's `LOG_STD_MIN` and `LOG_STD_MAX`.
pub const LOG_STD_RANGE: (f64, f64) = (-20.0, 2.0);

/// The SAC learner.
pub struct Sac {
    /// The trunk and the mean head: features to the pre-tanh mean.
    pub mean: Mlp,
    /// The `log_std` head on the trunk's last hidden layer.
    pub log_std_head: Dense,
    /// Two critics `(features, action) -> Q` with their targets.
    pub critics: Critics,
    /// `log alpha` (automatic tuning) or the fixed coefficient's log.
    pub log_ent_coef: Var,
    /// The entropy the temperature steers toward.
    pub target_entropy: f64,
    actor_opt: AdamW,
    ent_opt: Option<AdamW>,
    config: OffPolicyConfig,
    rng: SmallRng,
    device: Device,
    /// The plain-buffer copy that trains (built at the first training phase, kept for its
    /// Adam moments).
    plain: Option<PlainSac>,
}

impl Sac {
    /// New networks (PyTorch's default initialisation) and the temperature at 1.0 (or the fixed
    /// coefficient).
    pub fn new(
        features: usize,
        actions: usize,
        config: &OffPolicyConfig,
        seed: u64,
        device: &Device,
    ) -> Result<Sac> {
        let mut rng = SmallRng::seed_from_u64(seed);
        let mut sizes = vec![features];
        sizes.extend(&config.hidden);
        sizes.push(actions);
        let mean = relu_mlp(&sizes, &mut rng, device)?;
        let last_hidden = sizes[sizes.len() - 2];
        let log_std_head = Dense::with_init(
            last_hidden,
            actions,
            1.0,
            Init::TorchLinear,
            &mut rng,
            device,
        )?;
        let mut critic_sizes = sizes.clone();
        critic_sizes[0] = features + actions;
        *critic_sizes.last_mut().expect("sizes has an output") = 1;
        let critics = Critics::new(2, &critic_sizes, config.lr, &mut rng, device)?;
        let coef = config.ent_coef.unwrap_or(1.0).max(1e-12);
        let log_ent_coef = Var::from_tensor(&Tensor::new(&[coef.ln() as f32], device)?)?;
        let mut actor_vars = mean.vars();
        actor_vars.extend([log_std_head.weight.clone(), log_std_head.bias.clone()]);
        let ent_opt = match config.ent_coef {
            None => Some(adam(vec![log_ent_coef.clone()], config.lr)?),
            Some(_) => None,
        };
        Ok(Sac {
            actor_opt: adam(actor_vars, config.lr)?,
            ent_opt,
            target_entropy: config.target_entropy.unwrap_or(-(actions as f64)),
            mean,
            log_std_head,
            critics,
            log_ent_coef,
            config: config.clone(),
            rng,
            device: device.clone(),
            plain: None,
        })
    }

    /// The Gaussian's mean and clamped `log_std` for a batch of features.
    pub fn actor(&self, features: &Tensor) -> Result<(Tensor, Tensor)> {
        let n = self.mean.layers.len();
        let mut h = features.clone();
        for l in &self.mean.layers[..n - 1] {
            h = l.forward(&h)?.relu()?;
        }
        let mu = self.mean.layers[n - 1].forward(&h)?;
        let log_std = self
            .log_std_head
            .forward(&h)?
            .clamp(LOG_STD_RANGE.0 as f32, LOG_STD_RANGE.1 as f32)?;
        Ok((mu, log_std))
    }

    /// Reparameterised squashed samples `tanh(mu + std * eps)` and their log-probabilities.
    pub fn sample(&mut self, features: &Tensor) -> Result<(Tensor, Tensor)> {
        let (mu, log_std) = self.actor(features)?;
        let eps = randn(mu.dims2()?, 1.0, &mut self.rng, &self.device)?;
        let u = (&mu + log_std.exp()?.mul(&eps)?)?;
        let a = u.tanh()?;
        let gauss = ((eps.sqr()? * -0.5)? - &log_std)? - LOG_SQRT_2PI as f64;
        let squash = ((a.sqr()?.neg()? + 1.0)? + 1e-6)?.log()?;
        let log_prob = (gauss - squash)?.sum(1)?;
        Ok((a, log_prob))
    }

    /// The entropy coefficient now.
    pub fn ent_coef(&self) -> Result<f64> {
        Ok(read_var(&self.log_ent_coef)?[0].exp() as f64)
    }

    /// One gradient step: (critic loss, actor loss, mean `-log pi`).
    pub fn step(&mut self, b: &Batch) -> Result<(f64, f64, f64)> {
        let (a_pi, log_prob) = self.sample(&b.features)?;
        let alpha = self.ent_coef()?;
        if let Some(opt) = &mut self.ent_opt {
            let gap = (log_prob.detach() + self.target_entropy)?;
            let loss = self
                .log_ent_coef
                .as_tensor()
                .broadcast_mul(&gap)?
                .mean_all()?
                .neg()?;
            opt.backward_step(&loss)?;
        }
        let (next_a, next_log_prob) = self.sample(&b.next_features)?;
        let next_q = self.critics.target_min(&b.next_features, &next_a)?;
        let next = (next_q - (next_log_prob * alpha)?)?;
        let target = b.target(&next, self.config.gamma)?.detach();
        let critic_loss = self.critics.fit(b, &target, 0.5)?;
        let q_pi = min_q(&q_values(&self.critics.nets, &b.features, &a_pi)?)?;
        let actor_loss = ((&log_prob * alpha)? - q_pi)?.mean_all()?;
        self.actor_opt.backward_step(&actor_loss)?;
        self.critics.update_targets(self.config.tau)?;
        Ok((
            critic_loss,
            actor_loss.to_scalar::<f32>()? as f64,
            -(log_prob.mean_all()?.to_scalar::<f32>()? as f64),
        ))
    }
}

impl Sac {
    /// `gradient_steps` steps of the candle path ([`Sac::step`], the readable reference the
    /// plain one is checked against), batches drawn as [`OffPolicyLearner::train`] draws them;
    /// returns the summed (critic loss, actor loss, `-log pi`).
    pub fn train_candle(
        &mut self,
        buffer: &ReplayBuffer,
        gradient_steps: usize,
    ) -> Result<[f64; 3]> {
        let mut sums = [0.0; 3];
        for _ in 0..gradient_steps {
            let sample = buffer.sample(self.config.batch_size, &mut self.rng);
            let (c, a, h) = self.step(&Batch::from_transitions(&sample, &self.device)?)?;
            sums[0] += c;
            sums[1] += a;
            sums[2] += h;
        }
        Ok(sums)
    }
}

impl OffPolicyLearner for Sac {
    fn train(&mut self, buffer: &ReplayBuffer, gradient_steps: usize) -> Result<OffPolicyStats> {
        // The gradient steps on plain buffers (the same steps as `step`, see plain_sac.rs),
        // written back into the candle networks at the end.
        let mut plain = match self.plain.take() {
            Some(p) => p,
            None => PlainSac::from_nets(
                &self.mean,
                &self.log_std_head,
                &self.critics.nets,
                self.critics.targets(),
                &self.log_ent_coef,
                self.ent_opt.is_some(),
            )?,
        };
        let mut sums = [0.0; 3];
        let target_entropy = self.target_entropy as f32;
        for _ in 0..gradient_steps {
            let sample = buffer.sample(self.config.batch_size, &mut self.rng);
            let (c, a, h) = plain.step(&sample, &self.config, target_entropy, &mut self.rng);
            sums[0] += c;
            sums[1] += a;
            sums[2] += h;
        }
        plain.store(
            &self.mean,
            &self.log_std_head,
            &self.critics.nets,
            self.critics.targets(),
            &self.log_ent_coef,
        )?;
        self.plain = Some(plain);
        let n = gradient_steps.max(1) as f64;
        Ok(OffPolicyStats {
            gradient_steps,
            actor_steps: gradient_steps,
            critic_loss: sums[0] / n,
            actor_loss: sums[1] / n,
            entropy: sums[2] / n,
            ent_coef: self.ent_coef()?,
        })
    }

    fn exploration(&self, features: FeatureMap) -> Result<ExplorationPolicy> {
        Ok(ExplorationPolicy {
            features,
            actor: PlainMlp::from_mlp(&self.mean)?.with_row_layout(),
            log_std_head: Some(LogStdHead {
                w: read_var(&self.log_std_head.weight)?,
                b: read_var(&self.log_std_head.bias)?,
            }),
            noise: Exploration::Squashed,
        })
    }

    fn named(&self) -> Vec<(String, Var)> {
        let mut v = self.mean.named("actor");
        v.push((
            "log_std_head.weight".into(),
            self.log_std_head.weight.clone(),
        ));
        v.push(("log_std_head.bias".into(), self.log_std_head.bias.clone()));
        v.extend(self.critics.named());
        v.push(("log_ent_coef".into(), self.log_ent_coef.clone()));
        v
    }

    fn deployable(&self) -> Result<ActorCritic> {
        ActorCritic::deployable(
            deep_copy(&self.mean)?,
            ActionDistribution::SquashedGaussian,
            &self.device,
        )
    }
}
