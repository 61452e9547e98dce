//! Phase 1 data: observations from the simulation under an exploration policy, and the
//! preparation of the encoders' training set (outliers, z-score, thinning, split).

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::env::{EnvConfig, InitialState, WalkEnv};
use crate::learn::mlp::normal;

/// How observations are generated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
pub enum ExplorationSource {
    /// Excitations drawn uniformly in [0, 1], held for a few steps.
    #[default]
    Random,
    /// The model placed on the reference motion with noise on every coordinate and speed, then
    /// excited randomly for a few steps: observations near walking.
    #[value(name = "reference")]
    PerturbedReference,
    /// A mix, half each.
    Mixed,
}

/// Collection settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CollectConfig {
    /// Environment steps to record.
    pub steps: usize,
    /// Exploration.
    pub source: ExplorationSource,
    /// Seed.
    pub seed: u64,
    /// Steps an excitation pattern is held.
    pub hold: usize,
    /// Standard deviation of the reference perturbation (rad or m for coordinates; x10 for speeds).
    pub noise: f64,
    /// A trained run whose (stochastic) policy chooses the excitations instead of random ones,
    /// as the study collected with an RL agent.
    pub policy: Option<std::path::PathBuf>,
}

impl Default for CollectConfig {
    fn default() -> Self {
        Self {
            steps: 100_000,
            source: ExplorationSource::Mixed,
            seed: 42,
            hold: 5,
            noise: 0.05,
            policy: None,
        }
    }
}

/// Raw observations, row-major.
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    /// `rows x obs_dim`.
    pub observations: Vec<f32>,
    /// Width of a row.
    pub obs_dim: usize,
}

impl Dataset {
    /// Rows.
    pub fn len(&self) -> usize {
        self.observations.len() / self.obs_dim.max(1)
    }

    /// No rows.
    pub fn is_empty(&self) -> bool {
        self.observations.is_empty()
    }

    /// Saves as a safetensors file with one tensor `observations` (atomic).
    pub fn save(&self, path: &std::path::Path) -> anyhow::Result<()> {
        let t = candle_core::Tensor::from_slice(
            &self.observations,
            (self.len(), self.obs_dim),
            &candle_core::Device::Cpu,
        )?;
        crate::learn::checkpoint::save(
            path,
            &[("observations".into(), candle_core::Var::from_tensor(&t)?)],
        )
    }

    /// Loads a file written by [`Dataset::save`].
    pub fn load(path: &std::path::Path) -> anyhow::Result<Dataset> {
        use anyhow::Context;
        let map = candle_core::safetensors::load(path, &candle_core::Device::Cpu)
            .with_context(|| format!("{}: not a readable dataset", path.display()))?;
        let t = map
            .get("observations")
            .with_context(|| format!("{}: no \"observations\" tensor", path.display()))?;
        let (_, dim) = t
            .dims2()
            .with_context(|| format!("{}: observations must be a matrix", path.display()))?;
        Ok(Dataset {
            observations: t
                .to_dtype(candle_core::DType::F32)?
                .flatten_all()?
                .to_vec1()?,
            obs_dim: dim,
        })
    }
}

/// Records observations with the configured exploration.
pub fn collect(env_config: &EnvConfig, config: &CollectConfig) -> anyhow::Result<Dataset> {
    if config.steps == 0 || config.steps > 100_000_000 {
        anyhow::bail!(
            "collect needs between 1 and 100,000,000 steps, got {}",
            config.steps
        );
    }
    let env_config = EnvConfig {
        initial_state: InitialState::RandomPhase,
        ..env_config.clone()
    };
    let mut env = WalkEnv::new(env_config, config.seed)?;
    let mut rng = SmallRng::seed_from_u64(config.seed);
    let dim = env.observation_size();
    let mut out = Vec::with_capacity(config.steps * dim);
    let mut policy = match &config.policy {
        Some(dir) => Some(super::folder::load_policy(dir)?.1),
        None => None,
    };
    let mut u = vec![0.0; env.action_size()];
    let mut t = 0usize;
    while out.len() < config.steps * dim {
        if let Some(ppo) = &mut policy {
            let mut obs: Vec<f32> = env.observation().iter().map(|v| *v as f32).collect();
            ppo.encoder.normalizer.apply(&mut obs);
            let acts = ppo.act(&obs, false)?;
            for (x, a) in u.iter_mut().zip(&acts.a) {
                *x = *a as f64;
            }
        } else if t % config.hold.max(1) == 0 {
            for x in &mut u {
                *x = rng.gen::<f64>();
            }
        }
        let perturb = match config.source {
            ExplorationSource::Random => false,
            ExplorationSource::PerturbedReference => true,
            ExplorationSource::Mixed => (t / 200) % 2 == 1,
        };
        if perturb && t % 20 == 0 {
            let (mut q, mut qd) = env.reference_now();
            let (q_now, _) = env.sim().coordinates();
            for (i, c) in env.sim().model().coordinates.iter().enumerate() {
                if c.locked {
                    continue;
                }
                q[i] += config.noise * normal(&mut rng);
                qd[i] += 10.0 * config.noise * normal(&mut rng);
            }
            // Keep the pelvis where the model is (only its orientation and the joints jump).
            for name in ["pelvis_tx", "pelvis_ty", "pelvis_tz"] {
                if let Some(i) = env.sim().model().coordinate_index(name) {
                    q[i] = q_now[i].max(if name == "pelvis_ty" { 0.8 } else { f64::MIN });
                }
            }
            env.set_state(&q, &qd);
        }
        let step = env.step(&u)?;
        if step.diverged {
            env.reset();
            continue;
        }
        out.extend(env.observation().iter().map(|v| *v as f32));
        if step.terminated || step.truncated {
            env.reset();
        }
        t += 1;
    }
    Ok(Dataset {
        observations: out,
        obs_dim: dim,
    })
}

/// The encoders' data: outliers removed, thinned, split; not yet z-scored.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// Training rows.
    pub train: Vec<f32>,
    /// Held-out rows.
    pub test: Vec<f32>,
    /// Rows removed as outliers.
    pub outliers: usize,
    /// Thinning stride used.
    pub stride: usize,
}

/// Removes rows with any feature more than `max_z` spreads (the larger of the scaled median
/// absolute deviation and the standard deviation) from the median,
/// keeps every `stride`-th row (0: the lag where the mean autocorrelation drops below 0.2), and
/// puts the last `test_fraction` of the rows (a contiguous block, so test rows are not neighbours
/// of training rows) into the test split.
pub fn prepare(data: &Dataset, max_z: f32, stride: usize, test_fraction: f64) -> Prepared {
    let dim = data.obs_dim;
    let rows = data.len();
    let mut median = vec![0f32; dim];
    let mut mad = vec![0f32; dim];
    let mut col = Vec::with_capacity(rows);
    for k in 0..dim {
        col.clear();
        col.extend((0..rows).map(|r| data.observations[r * dim + k]));
        col.sort_by(f32::total_cmp);
        median[k] = col[rows / 2];
        let mut dev: Vec<f32> = col.iter().map(|v| (v - median[k]).abs()).collect();
        dev.sort_by(f32::total_cmp);
        // Features that are mostly constant (a foot's force while it is in the air) have no
        // spread around their median: fall back to the standard deviation.
        let mean = col.iter().map(|v| *v as f64).sum::<f64>() / rows as f64;
        let std = (col.iter().map(|v| (*v as f64 - mean).powi(2)).sum::<f64>() / rows as f64).sqrt()
            as f32;
        mad[k] = (1.4826 * dev[rows / 2]).max(std).max(1e-6);
    }
    let keep: Vec<usize> = (0..rows)
        .filter(|&r| {
            (0..dim).all(|k| ((data.observations[r * dim + k] - median[k]) / mad[k]).abs() <= max_z)
        })
        .collect();
    let outliers = rows - keep.len();
    let stride = if stride > 0 {
        stride
    } else {
        decorrelation_lag(data, &keep, 0.2)
    };
    let thinned: Vec<usize> = keep.iter().copied().step_by(stride.max(1)).collect();
    let n_test = ((thinned.len() as f64) * test_fraction).round() as usize;
    let split = thinned.len() - n_test;
    let gather = |idx: &[usize]| {
        idx.iter()
            .flat_map(|&r| data.observations[r * dim..(r + 1) * dim].iter().copied())
            .collect()
    };
    Prepared {
        train: gather(&thinned[..split]),
        test: gather(&thinned[split..]),
        outliers,
        stride,
    }
}

/// The smallest lag at which the mean (over features) autocorrelation of consecutive rows falls
/// below `threshold` (at most 50).
pub fn decorrelation_lag(data: &Dataset, rows: &[usize], threshold: f64) -> usize {
    let dim = data.obs_dim;
    let n = rows.len();
    if n < 100 {
        return 1;
    }
    let x = |i: usize, k: usize| data.observations[rows[i] * dim + k] as f64;
    let mut mean = vec![0f64; dim];
    let mut var = vec![0f64; dim];
    for i in 0..n {
        for (k, m) in mean.iter_mut().enumerate() {
            *m += x(i, k);
        }
    }
    mean.iter_mut().for_each(|m| *m /= n as f64);
    for i in 0..n {
        for (k, v) in var.iter_mut().enumerate() {
            *v += (x(i, k) - mean[k]).powi(2);
        }
    }
    for lag in 1..=50 {
        let mut sum = 0.0;
        let mut used = 0;
        for k in 0..dim {
            if var[k] <= 1e-12 {
                continue;
            }
            let c: f64 = (0..n - lag)
                .map(|i| (x(i, k) - mean[k]) * (x(i + lag, k) - mean[k]))
                .sum();
            sum += c / var[k];
            used += 1;
        }
        if used > 0 && sum / (used as f64) < threshold {
            return lag;
        }
    }
    50
}

/// Observations labelled with an expert's actions (`collect --expert`, the imitation
/// learners' data), row-major: raw observations, so any encoder can read them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExpertData {
    /// Width of an observation.
    pub obs_dim: usize,
    /// Width of an action.
    pub act_dim: usize,
    /// Raw observations, `rows x obs_dim`.
    pub observations: Vec<f32>,
    /// The expert's deterministic excitations in [0, 1], `rows x act_dim`.
    pub actions: Vec<f32>,
}

impl ExpertData {
    /// An empty set of the given widths.
    pub fn new(obs_dim: usize, act_dim: usize) -> ExpertData {
        ExpertData {
            obs_dim,
            act_dim,
            ..ExpertData::default()
        }
    }

    /// Rows.
    pub fn len(&self) -> usize {
        self.actions.len() / self.act_dim.max(1)
    }

    /// No rows.
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }

    /// Appends one labelled observation.
    pub fn push(&mut self, observation: &[f64], action: &[f64]) {
        self.observations
            .extend(observation.iter().map(|v| *v as f32));
        self.actions.extend(action.iter().map(|v| *v as f32));
    }

    /// Appends every row of `other` (DAgger's aggregation).
    pub fn append(&mut self, other: &ExpertData) {
        self.observations.extend_from_slice(&other.observations);
        self.actions.extend_from_slice(&other.actions);
    }

    /// Saves as safetensors with the tensors `observations` and `actions` (atomic).
    pub fn save(&self, path: &std::path::Path) -> anyhow::Result<()> {
        let cpu = candle_core::Device::Cpu;
        let t = |v: &[f32], w: usize| candle_core::Tensor::from_slice(v, (self.len(), w), &cpu);
        crate::learn::checkpoint::save_tensors(
            path,
            vec![
                ("observations".into(), t(&self.observations, self.obs_dim)?),
                ("actions".into(), t(&self.actions, self.act_dim)?),
            ],
        )
    }

    /// Loads a file written by [`ExpertData::save`], refusing mismatched or non-finite tensors.
    pub fn load(path: &std::path::Path) -> anyhow::Result<ExpertData> {
        use anyhow::Context;
        let map = candle_core::safetensors::load(path, &candle_core::Device::Cpu)
            .with_context(|| format!("{}: not a readable expert dataset", path.display()))?;
        let matrix = |name: &str| -> anyhow::Result<(usize, usize, Vec<f32>)> {
            let t = map
                .get(name)
                .with_context(|| format!("{}: no \"{name}\" tensor", path.display()))?;
            let (rows, width) = t
                .dims2()
                .with_context(|| format!("{}: {name} must be a matrix", path.display()))?;
            let v: Vec<f32> = t
                .to_dtype(candle_core::DType::F32)?
                .flatten_all()?
                .to_vec1()?;
            if v.iter().any(|x| !x.is_finite()) {
                anyhow::bail!("{}: {name} holds non-finite values", path.display());
            }
            Ok((rows, width, v))
        };
        let (rows, obs_dim, observations) = matrix("observations")?;
        let (arows, act_dim, actions) = matrix("actions")?;
        if rows != arows || rows == 0 {
            anyhow::bail!(
                "{}: {rows} observations and {arows} actions (they must match, and not be 0)",
                path.display()
            );
        }
        Ok(ExpertData {
            obs_dim,
            act_dim,
            observations,
            actions,
        })
    }
}

/// An expert: a trained run's encoder and deterministic policy, acting on raw observations.
pub struct Expert {
    /// The run's policy.
    pub policy: crate::learn::snapshot::PolicySnapshot,
    /// The run's environment settings (its observation layout).
    pub env: EnvConfig,
    /// Observation values it reads.
    pub obs_dim: usize,
}

impl Expert {
    /// Loads the run folder `dir` as an expert.
    pub fn load(dir: &std::path::Path) -> anyhow::Result<Expert> {
        use anyhow::Context;
        let (config, ppo) = super::folder::load_policy(dir)
            .with_context(|| format!("the expert {}", dir.display()))?;
        Ok(Expert {
            obs_dim: ppo.encoder.input_size(),
            policy: crate::learn::snapshot::PolicySnapshot::from_networks(&ppo.encoder, &ppo.net)?,
            env: config.env,
        })
    }

    /// The expert's deterministic excitations for one raw observation.
    pub fn act(&self, raw: &[f64]) -> Vec<f64> {
        self.policy.act(raw)
    }
}

/// `steps` steps of the expert acting in its own environment (episodes from its initial
/// states, reset when they end), each observation labelled with the expert's action.
pub fn collect_expert(expert: &Expert, steps: usize, seed: u64) -> anyhow::Result<ExpertData> {
    if steps == 0 || steps > 100_000_000 {
        anyhow::bail!("collect --expert needs between 1 and 100,000,000 steps, got {steps}");
    }
    let mut env = WalkEnv::new(expert.env.clone(), seed)?;
    env.reset();
    let mut data = ExpertData::new(env.observation_size(), env.action_size());
    for _ in 0..steps {
        let action = expert.act(env.observation());
        data.push(env.observation(), &action);
        let step = env.step(&action)?;
        if step.terminated || step.truncated {
            env.reset();
        }
    }
    Ok(data)
}
