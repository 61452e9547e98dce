//! PPO (Schulman et al. 2017) as Stable-Baselines3 implements it (`ppo/ppo.py` `train()` at
//! v1.6.0), reading top to bottom: clipped surrogate, value MSE, the Gaussian's analytic entropy
//! bonus, per-minibatch advantage normalisation, global gradient clipping, Adam; the action
//! distribution is a setting ([`ActionDistribution`], SB3 1.x's clipped Gaussian by default). The encoder sits in front of both networks: frozen (features detached),
//! `adapt` (RL gradients flow into the pretrained encoder) or `joint` (a VAE trained from scratch
//! with `kappa * L_PPO + L_VAE`, seeds/002).

use candle_core::{backprop::GradStore, Device, Result, Tensor, Var};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};
use rand::rngs::SmallRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use serde::{Deserialize, Serialize};

pub use super::distribution::ActionDistribution;
use super::encoder::Encoder;
use super::policy::{Actions, ActorCritic};
use super::rollout::RolloutBuffer;
use super::snapshot::RolloutPolicy;

/// How the encoder takes part in RL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
pub enum EncoderMode {
    /// Pretrained and fixed.
    #[default]
    Frozen,
    /// Pretrained, and RL gradients flow into it (PPO_adapt).
    Adapt,
    /// A VAE trained with the policy from scratch: `kappa * L_PPO + L_VAE` (PPO_VAE).
    Joint,
}

impl EncoderMode {
    /// Its lower-case name, as the command line spells it.
    pub fn name(self) -> &'static str {
        match self {
            EncoderMode::Frozen => "frozen",
            EncoderMode::Adapt => "adapt",
            EncoderMode::Joint => "joint",
        }
    }
}

impl std::str::FromStr for EncoderMode {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "frozen" => Ok(Self::Frozen),
            "adapt" => Ok(Self::Adapt),
            "joint" => Ok(Self::Joint),
            other => Err(format!("unknown mode \"{other}\" (frozen, adapt, joint)")),
        }
    }
}

/// Hyperparameters (defaults: the study's Table 3.2 and SB3's defaults for the rest).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PpoConfig {
    /// Seed of everything random.
    pub seed: u64,
    /// Parallel environments.
    pub n_envs: usize,
    /// Steps per environment per update.
    pub n_steps: usize,
    /// Epochs over each rollout.
    pub epochs: usize,
    /// Minibatch size.
    pub batch_size: usize,
    /// Discount.
    pub gamma: f64,
    /// GAE lambda.
    pub gae_lambda: f64,
    /// PPO clip range.
    pub clip: f64,
    /// Entropy coefficient.
    pub ent_coef: f64,
    /// Value loss coefficient.
    pub vf_coef: f64,
    /// Global gradient norm limit.
    pub max_grad_norm: f64,
    /// Adam learning rate.
    pub lr: f64,
    /// Hidden layers of both networks.
    pub hidden: Vec<usize>,
    /// Weight of the PPO loss against the VAE loss in joint mode.
    pub kappa: f64,
    /// SB3's `target_kl`: an update stops (that minibatch's step and every later one) once a
    /// minibatch's approximate KL to the rollout's policy exceeds 1.5 x this. `None`, SB3's
    /// default and the study's, never stops.
    pub target_kl: Option<f64>,
    /// How the Gaussian sample becomes excitations (SB3 1.x's clipped Gaussian by default).
    pub distribution: ActionDistribution,
    /// Initial `log_std` of every action (SB3's `log_std_init`; 0 in the study, -1 to -2 in
    /// rl-zoo's walkers).
    pub log_std_init: f64,
}

impl Default for PpoConfig {
    fn default() -> Self {
        Self {
            seed: 42,
            n_envs: 20,
            n_steps: 1024,
            epochs: 4,
            batch_size: 512,
            gamma: 0.999,
            gae_lambda: 0.9,
            clip: 0.2,
            ent_coef: 0.01,
            vf_coef: 0.5,
            max_grad_norm: 0.5,
            lr: 1e-3,
            hidden: vec![312, 312, 312],
            kappa: 20.0,
            target_kl: None,
            distribution: ActionDistribution::ClippedGaussian,
            log_std_init: 0.0,
        }
    }
}

impl PpoConfig {
    /// Checks every value is usable before any thread starts or any buffer is allocated: a
    /// clear message instead of a panic, an allocation abort, an endless loop or NaN losses.
    pub fn validate(&self) -> std::result::Result<(), String> {
        let finite = |name: &str, v: f64, lo: f64, hi: f64| {
            if v.is_finite() && v >= lo && v <= hi {
                Ok(())
            } else {
                Err(format!("ppo.{name} must be in [{lo}, {hi}], got {v}"))
            }
        };
        let count = |name: &str, v: usize, lo: usize, hi: usize| {
            if (lo..=hi).contains(&v) {
                Ok(())
            } else {
                Err(format!("ppo.{name} must be in [{lo}, {hi}], got {v}"))
            }
        };
        count("n_envs", self.n_envs, 1, 4096)?;
        count("n_steps", self.n_steps, 1, 1 << 20)?;
        count("epochs", self.epochs, 1, 1000)?;
        count("batch_size", self.batch_size, 2, 1 << 20)?;
        if self.n_envs * self.n_steps > 1 << 24 {
            return Err(format!(
                "ppo.n_envs x ppo.n_steps = {} samples per rollout, more than {}",
                self.n_envs * self.n_steps,
                1 << 24
            ));
        }
        if self.hidden.is_empty() || self.hidden.len() > 16 {
            return Err(format!(
                "ppo.hidden needs 1 to 16 layers, got {}",
                self.hidden.len()
            ));
        }
        for &h in &self.hidden {
            count("hidden", h, 1, 8192)?;
        }
        finite("gamma", self.gamma, 0.0, 1.0)?;
        finite("gae_lambda", self.gae_lambda, 0.0, 1.0)?;
        finite("clip", self.clip, 1e-6, 1e6)?;
        finite("ent_coef", self.ent_coef, 0.0, 1e3)?;
        finite("vf_coef", self.vf_coef, 0.0, 1e3)?;
        finite("max_grad_norm", self.max_grad_norm, 1e-9, 1e9)?;
        finite("lr", self.lr, 1e-12, 1.0)?;
        finite("kappa", self.kappa, 0.0, 1e6)?;
        finite("log_std_init", self.log_std_init, -20.0, 5.0)?;
        if let Some(t) = self.target_kl {
            finite("target_kl", t, 1e-12, 1e9)?;
        }
        Ok(())
    }
}

/// What an update measured.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct UpdateStats {
    /// Mean clipped surrogate loss.
    pub policy_loss: f64,
    /// Mean value loss.
    pub value_loss: f64,
    /// Mean entropy of the policy's Gaussian (analytic).
    pub entropy: f64,
    /// Mean approximate KL `(r - 1) - log r` over every minibatch of the update.
    pub approx_kl: f64,
    /// The same, over the last epoch's minibatches only: what SB3 logs as `train/approx_kl`.
    #[serde(default)]
    pub approx_kl_last_epoch: f64,
    /// Fraction of samples whose ratio was clipped.
    pub clip_fraction: f64,
    /// Explained variance of the values on the returns.
    pub explained_variance: f64,
    /// Mean VAE loss (joint mode).
    pub encoder_loss: f64,
}

/// The learner's networks and optimiser.
pub struct Ppo {
    /// Policy and value networks.
    pub net: ActorCritic,
    /// The encoder in front of them.
    pub encoder: Encoder,
    /// Frozen, adapt or joint.
    pub mode: EncoderMode,
    /// Hyperparameters.
    pub config: PpoConfig,
    opt: AdamW,
    /// Adam state of the fused update path (frozen encoders).
    fast_adam: super::fast::Adam,
    /// Plain-buffer copies of the encoder and the networks for rollouts (rebuilt after every
    /// update).
    fast: Option<std::sync::Arc<RolloutPolicy>>,
    rng: SmallRng,
    device: Device,
}

impl Ppo {
    /// New networks for `encoder`'s features and `actions` outputs.
    pub fn new(
        encoder: Encoder,
        actions: usize,
        mode: EncoderMode,
        config: PpoConfig,
        device: &Device,
    ) -> Result<Ppo> {
        let mut rng = SmallRng::seed_from_u64(config.seed);
        let net = ActorCritic::new(
            encoder.output_size(),
            actions,
            &config.hidden,
            config.distribution,
            config.log_std_init,
            &mut rng,
            device,
        )?;
        let mut vars = net.vars();
        if mode != EncoderMode::Frozen {
            vars.extend(encoder.vars());
        }
        let opt = AdamW::new(
            vars,
            ParamsAdamW {
                lr: config.lr,
                eps: 1e-5,
                weight_decay: 0.0,
                ..ParamsAdamW::default()
            },
        )?;
        Ok(Ppo {
            net,
            encoder,
            mode,
            config,
            opt,
            fast_adam: super::fast::Adam::default(),
            fast: None,
            rng,
            device: device.clone(),
        })
    }

    /// The device.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// All trainable variables (networks, and the encoder unless frozen).
    pub fn vars(&self) -> Vec<Var> {
        let mut v = self.net.vars();
        if self.mode != EncoderMode::Frozen {
            v.extend(self.encoder.vars());
        }
        v
    }

    fn features(&self, x: &Tensor) -> Result<Tensor> {
        let f = self.encoder.encode(x)?;
        Ok(if self.mode == EncoderMode::Frozen {
            f.detach()
        } else {
            f
        })
    }

    /// Acts on z-scored observations (`n x obs`).
    pub fn act(&mut self, obs: &[f32], deterministic: bool) -> Result<Actions> {
        let dim = self.encoder.input_size();
        if self.mode == EncoderMode::Frozen {
            return self.act_fast(obs, deterministic);
        }
        let x = Tensor::from_slice(obs, (obs.len() / dim, dim), &self.device)?;
        let f = self.features(&x)?;
        self.net.act(&f, &mut self.rng, deterministic)
    }

    /// Plain copies of the current encoder and networks for acting off this thread (the
    /// simulation workers' rollouts); the same copy until the next update.
    pub fn rollout_policy(&mut self) -> Result<std::sync::Arc<RolloutPolicy>> {
        if self.fast.is_none() {
            self.fast = Some(std::sync::Arc::new(RolloutPolicy::from_networks(
                &self.encoder,
                &self.net,
            )?));
        }
        Ok(self.fast.clone().expect("built above"))
    }

    /// Forgets the plain copies (call after changing the networks' variables directly, e.g. by
    /// loading a checkpoint after acting).
    pub fn invalidate_cache(&mut self) {
        self.fast = None;
    }

    fn act_fast(&mut self, obs: &[f32], deterministic: bool) -> Result<Actions> {
        let nets = self.rollout_policy()?;
        let n = obs.len() / self.encoder.input_size();
        let noise: Vec<f32> = (0..n * nets.action_size())
            .map(|_| {
                if deterministic {
                    0.0
                } else {
                    super::mlp::normal(&mut self.rng) as f32
                }
            })
            .collect();
        Ok(nets.act(obs, n, &noise))
    }

    /// The fused update's Adam state as named tensors (`adam.m.K`, `adam.v.K`, `adam.t`), in the
    /// parameter order of the update; empty before the first update or in the candle paths
    /// (adapt, joint), whose optimiser state candle keeps private.
    pub fn optimizer_state(&self) -> Result<Vec<(String, Tensor)>> {
        let (m, v, t) = self.fast_adam.state();
        if m.is_empty() {
            return Ok(Vec::new());
        }
        let mut out = Vec::with_capacity(2 * m.len() + 1);
        for (k, (m, v)) in m.iter().zip(v).enumerate() {
            out.push((
                format!("adam.m.{k}"),
                Tensor::from_slice(m, m.len(), &self.device)?,
            ));
            out.push((
                format!("adam.v.{k}"),
                Tensor::from_slice(v, v.len(), &self.device)?,
            ));
        }
        out.push(("adam.t".into(), Tensor::new(&[t as f32], &self.device)?));
        Ok(out)
    }

    /// Restores what [`Ppo::optimizer_state`] saved. Buffers whose sizes do not match this
    /// network are an error.
    pub fn load_optimizer_state(
        &mut self,
        tensors: &std::collections::HashMap<String, Tensor>,
    ) -> Result<()> {
        let sizes: Vec<usize> = {
            let n = &self.net;
            let mlp = |m: &super::mlp::Mlp| -> Vec<usize> {
                let (w, b): (Vec<usize>, Vec<usize>) = m
                    .layers
                    .iter()
                    .map(|l| (l.weight.elem_count(), l.bias.elem_count()))
                    .unzip();
                w.into_iter().chain(b).collect()
            };
            let mut s = mlp(&n.policy);
            s.extend(mlp(&n.value));
            s.push(n.log_std.elem_count());
            s
        };
        let get = |name: String, len: usize| -> Result<Vec<f32>> {
            let t = tensors.get(&name).ok_or_else(|| {
                candle_core::Error::Msg(format!("optimizer state has no \"{name}\""))
            })?;
            let v: Vec<f32> = t.flatten_all()?.to_vec1()?;
            if v.len() != len {
                return Err(candle_core::Error::Msg(format!(
                    "optimizer state \"{name}\" has {} values, the network needs {len}",
                    v.len()
                )));
            }
            Ok(v)
        };
        let mut m = Vec::new();
        let mut v = Vec::new();
        for (k, len) in sizes.iter().enumerate() {
            m.push(get(format!("adam.m.{k}"), *len)?);
            v.push(get(format!("adam.v.{k}"), *len)?);
        }
        let t = get("adam.t".into(), 1)?[0] as i32;
        self.fast_adam.restore(m, v, t);
        Ok(())
    }

    /// Values of z-scored observations.
    pub fn values(&self, obs: &[f32]) -> Result<Vec<f32>> {
        let dim = self.encoder.input_size();
        if let (EncoderMode::Frozen, Some(nets)) = (self.mode, &self.fast) {
            return Ok(nets.values(obs, obs.len() / dim));
        }
        let x = Tensor::from_slice(obs, (obs.len() / dim, dim), &self.device)?;
        self.net.values(&self.features(&x)?)?.to_vec1()
    }

    /// Latent features of z-scored observations (for the GUI's latent plot).
    pub fn latent(&self, obs: &[f32]) -> Result<Vec<f32>> {
        let dim = self.encoder.input_size();
        let x = Tensor::from_slice(obs, (obs.len() / dim, dim), &self.device)?;
        self.encoder.encode(&x)?.flatten_all()?.to_vec1()
    }

    /// `epochs` passes of minibatch updates over `batch`.
    pub fn update(&mut self, batch: &RolloutBuffer) -> Result<UpdateStats> {
        // Whatever path runs, the networks change: the rollout copies are stale.
        self.fast = None;
        let act = self.net.log_std.dims()[0];
        if self.mode == EncoderMode::Frozen {
            // A frozen encoder gives the same features every epoch: encode the rollout once.
            if self.encoder.kind() == super::encoder::EncoderKind::None {
                return self.update_fused(&batch.obs, self.encoder.input_size(), batch);
            }
            let in_dim = self.encoder.input_size();
            let plain = super::fast::PlainEncoder::from_encoder(&self.encoder)?;
            let mut features =
                Vec::with_capacity(batch.log_prob.len() * self.encoder.output_size());
            let mut acts = Vec::new();
            for rows in batch.obs.chunks(4096 * in_dim) {
                features.extend(plain.encode(rows, rows.len() / in_dim, &mut acts));
            }
            return self.update_fused(&features, self.encoder.output_size(), batch);
        }
        // Adapt and joint: the encoder trains, so features are computed in the graph.
        let dim = self.encoder.input_size();
        let n = batch.log_prob.len();
        let mut order: Vec<usize> = (0..n).collect();
        let mut stats = UpdateStats::default();
        let mut count = 0.0;
        let mut epoch_kl = EpochKl::default();
        let mut mb = Gathered::default();
        'epochs: for _ in 0..self.config.epochs {
            epoch_kl.next_epoch();
            order.shuffle(&mut self.rng);
            for chunk in order.chunks(self.config.batch_size) {
                if chunk.len() < 2 {
                    continue;
                }
                mb.fill(chunk, &batch.obs, dim, batch, act);
                let (obs, u, logp, adv, ret) =
                    (&mb.x, &mb.u, &mb.log_prob, &mb.advantages, &mb.returns);
                let k = chunk.len();
                let x = Tensor::from_slice(obs, (k, dim), &self.device)?;
                let ut = Tensor::from_slice(u, (k, act), &self.device)?;
                let old = Tensor::from_slice(logp, k, &self.device)?;
                let advt = Tensor::from_slice(adv, k, &self.device)?;
                let rett = Tensor::from_slice(ret, k, &self.device)?;

                let features = self.features(&x)?;
                let new_logp = self.net.log_prob(&features, &ut)?;
                let log_ratio = (&new_logp - &old)?;
                let ratio = log_ratio.exp()?;
                let surrogate1 = (&ratio * &advt)?;
                let surrogate2 =
                    (ratio.clamp(1.0 - self.config.clip, 1.0 + self.config.clip)? * &advt)?;
                let policy_loss = surrogate1.minimum(&surrogate2)?.mean_all()?.neg()?;
                let values = self.net.values(&features)?;
                let value_loss = (values - &rett)?.sqr()?.mean_all()?;
                let entropy = self.net.entropy()?;
                let mut loss = ((&policy_loss + (&value_loss * self.config.vf_coef)?)?
                    - (&entropy * self.config.ent_coef)?)?;
                let mut encoder_loss = 0.0;
                if self.mode == EncoderMode::Joint {
                    let l_vae = self.encoder.loss(&x, 1.0, &mut self.rng)?;
                    encoder_loss = l_vae.to_scalar::<f32>()? as f64;
                    loss = ((loss * self.config.kappa)? + l_vae)?;
                }
                let r: Vec<f32> = ratio.to_vec1()?;
                let lr: Vec<f32> = log_ratio.to_vec1()?;
                let approx_kl = r
                    .iter()
                    .zip(&lr)
                    .map(|(r, l)| (r - 1.0 - l) as f64)
                    .sum::<f64>()
                    / k as f64;
                stats.policy_loss += policy_loss.to_scalar::<f32>()? as f64;
                stats.value_loss += value_loss.to_scalar::<f32>()? as f64;
                stats.entropy += entropy.to_scalar::<f32>()? as f64;
                stats.approx_kl += approx_kl;
                stats.clip_fraction += r
                    .iter()
                    .filter(|r| (**r - 1.0).abs() as f64 > self.config.clip)
                    .count() as f64
                    / k as f64;
                stats.encoder_loss += encoder_loss;
                count += 1.0;
                epoch_kl.add(approx_kl);
                if self.too_far(approx_kl) {
                    break 'epochs;
                }
                let mut grads = loss.backward()?;
                clip_gradients(&mut grads, &self.vars(), self.config.max_grad_norm)?;
                self.opt.step(&grads)?;
                if self.config.distribution.log_std_floor().is_some() {
                    let mut s = super::fast::read_var(&self.net.log_std)?;
                    self.config.distribution.clamp_log_std(&mut s);
                    let t = Tensor::from_slice(&s, s.len(), &self.device)?;
                    self.net.log_std.set(&t)?;
                }
            }
        }
        stats.approx_kl_last_epoch = epoch_kl.mean();
        if count > 0.0 {
            stats.policy_loss /= count;
            stats.value_loss /= count;
            stats.entropy /= count;
            stats.approx_kl /= count;
            stats.clip_fraction /= count;
            stats.encoder_loss /= count;
        }
        stats.explained_variance = explained_variance(&batch.values, &batch.returns);
        Ok(stats)
    }
}

impl Ppo {
    /// Whether a minibatch's approximate KL ends the update (SB3's `target_kl` rule).
    fn too_far(&self, approx_kl: f64) -> bool {
        self.config
            .target_kl
            .is_some_and(|target| approx_kl > 1.5 * target)
    }

    /// The same update on plain buffers (see [`super::fast`]): used when the encoder is frozen,
    /// `features` being the encoder's output for every sample (`n x dim`).
    fn update_fused(
        &mut self,
        features: &[f32],
        dim: usize,
        batch: &RolloutBuffer,
    ) -> Result<UpdateStats> {
        use super::fast::{
            adam_step_networks, clip_scale, loss_and_gradients, read_var, Gradients, LossConfig,
            Minibatch, PlainMlp, Workspace,
        };
        let act = self.net.log_std.dims()[0];
        let n = batch.log_prob.len();
        let mut policy = PlainMlp::from_mlp(&self.net.policy)?;
        let mut value = PlainMlp::from_mlp(&self.net.value)?;
        let mut log_std = read_var(&self.net.log_std)?;
        let cfg = LossConfig {
            clip: self.config.clip,
            ent_coef: self.config.ent_coef,
            vf_coef: self.config.vf_coef,
            distribution: self.config.distribution,
        };
        let mut order: Vec<usize> = (0..n).collect();
        let mut ws = Workspace::default();
        let mut g = Gradients::default();
        let mut stats = UpdateStats::default();
        let mut count = 0.0;
        let mut epoch_kl = EpochKl::default();
        let mut gathered = Gathered::default();
        'epochs: for _ in 0..self.config.epochs {
            epoch_kl.next_epoch();
            order.shuffle(&mut self.rng);
            for chunk in order.chunks(self.config.batch_size) {
                if chunk.len() < 2 {
                    continue;
                }
                gathered.fill(chunk, features, dim, batch, act);
                let mb = Minibatch {
                    x: &gathered.x,
                    u: &gathered.u,
                    old_log_prob: &gathered.log_prob,
                    advantages: &gathered.advantages,
                    returns: &gathered.returns,
                };
                loss_and_gradients(&policy, &value, &log_std, &mb, cfg, &mut ws, &mut g);
                stats.policy_loss += g.policy_loss;
                stats.value_loss += g.value_loss;
                stats.entropy += g.entropy;
                stats.approx_kl += g.approx_kl;
                stats.clip_fraction += g.clip_fraction;
                count += 1.0;
                epoch_kl.add(g.approx_kl);
                if self.too_far(g.approx_kl) {
                    break 'epochs;
                }
                // Global-norm clipping folded into Adam; each network's step on its own thread.
                let scale = clip_scale(g.grad_norm, self.config.max_grad_norm) as f32;
                adam_step_networks(
                    &mut self.fast_adam,
                    &mut policy,
                    &mut value,
                    &mut log_std,
                    &g,
                    self.config.lr as f32,
                    1e-5,
                    scale,
                );
                self.config.distribution.clamp_log_std(&mut log_std);
            }
        }
        stats.approx_kl_last_epoch = epoch_kl.mean();
        policy.store(&self.net.policy)?;
        value.store(&self.net.value)?;
        self.fast = None;
        let dev = self.net.log_std.device().clone();
        self.net
            .log_std
            .set(&Tensor::from_slice(&log_std, act, &dev)?)?;
        if count > 0.0 {
            stats.policy_loss /= count;
            stats.value_loss /= count;
            stats.entropy /= count;
            stats.approx_kl /= count;
            stats.clip_fraction /= count;
        }
        stats.explained_variance = explained_variance(&batch.values, &batch.returns);
        Ok(stats)
    }
}

/// The mean approximate KL of the current epoch's minibatches: SB3 resets its list at every
/// epoch and logs the mean of the last one.
#[derive(Default)]
struct EpochKl {
    sum: f64,
    count: f64,
}

impl EpochKl {
    fn next_epoch(&mut self) {
        *self = Self::default();
    }

    fn add(&mut self, kl: f64) {
        self.sum += kl;
        self.count += 1.0;
    }

    fn mean(&self) -> f64 {
        if self.count > 0.0 {
            self.sum / self.count
        } else {
            0.0
        }
    }
}

/// One minibatch gathered from a rollout, its advantages normalised (SB3).
#[derive(Default)]
struct Gathered {
    x: Vec<f32>,
    u: Vec<f32>,
    log_prob: Vec<f32>,
    advantages: Vec<f32>,
    returns: Vec<f32>,
}

impl Gathered {
    /// Gathers the samples `chunk`; `x` holds `dim` inputs per sample.
    fn fill(&mut self, chunk: &[usize], x: &[f32], dim: usize, batch: &RolloutBuffer, act: usize) {
        self.x.clear();
        self.u.clear();
        self.log_prob.clear();
        self.advantages.clear();
        self.returns.clear();
        for &i in chunk {
            self.x.extend_from_slice(&x[i * dim..(i + 1) * dim]);
            self.u.extend_from_slice(&batch.u[i * act..(i + 1) * act]);
            self.log_prob.push(batch.log_prob[i]);
            self.advantages.push(batch.advantages[i]);
            self.returns.push(batch.returns[i]);
        }
        let n = self.advantages.len() as f32;
        let m = self.advantages.iter().sum::<f32>() / n;
        let s = (self
            .advantages
            .iter()
            .map(|a| (a - m) * (a - m))
            .sum::<f32>()
            / n)
            .sqrt();
        for a in &mut self.advantages {
            *a = (*a - m) / (s + 1e-8);
        }
    }
}

/// Scales all gradients so their global L2 norm is at most `max_norm`; returns the norm before.
pub fn clip_gradients(grads: &mut GradStore, vars: &[Var], max_norm: f64) -> Result<f64> {
    let mut total = 0.0f64;
    for v in vars {
        if let Some(g) = grads.get(v.as_tensor()) {
            total += g.sqr()?.sum_all()?.to_scalar::<f32>()? as f64;
        }
    }
    let norm = total.sqrt();
    let scale = super::fast::clip_scale(norm, max_norm);
    if scale != 1.0 {
        for v in vars {
            if let Some(g) = grads.get(v.as_tensor()) {
                let scaled = (g * scale)?;
                grads.insert(v.as_tensor(), scaled);
            }
        }
    }
    Ok(norm)
}

/// `1 - Var(returns - values) / Var(returns)` (SB3's explained variance).
pub fn explained_variance(values: &[f32], returns: &[f32]) -> f64 {
    let n = returns.len().max(1) as f64;
    let mean = |v: &[f64]| v.iter().sum::<f64>() / n;
    let r: Vec<f64> = returns.iter().map(|x| *x as f64).collect();
    let d: Vec<f64> = returns
        .iter()
        .zip(values)
        .map(|(r, v)| (*r - *v) as f64)
        .collect();
    let var = |v: &[f64]| {
        let m = mean(v);
        v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / n
    };
    let vr = var(&r);
    if vr == 0.0 {
        f64::NAN
    } else {
        1.0 - var(&d) / vr
    }
}
