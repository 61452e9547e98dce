//! The imitation loop (BC, DAgger, ridge), as seed 003's DAgger pseudocode and seed 004's
//! regression: the expert run's deterministic policy labels observations with its actions; the
//! learner (an MLP trained by MSE, or ridge regression in closed form) fits them through the
//! run's frozen encoder; each iteration is one metrics row with the training MSE, the MSE and
//! R^2 on a held-out share of the expert's data, and the learner's return over evaluation
//! episodes (the same initial states every iteration).
//!
//! - ridge: one fit.
//! - BC: `iterations` rows of `bc.epochs` epochs each on the expert's data.
//! - DAgger: BC's first fit, then per iteration: roll the learner out for
//!   `steps_per_iteration` steps, label the visited observations with the expert, add them to
//!   the data (D <- D u D_i) and train on the whole of it.
//!
//! The expert's data is kept in the run folder (`expert_data.safetensors`), DAgger's labelled
//! visits in each checkpoint (`visits.safetensors`), so a resumed run goes on with the same
//! data; its Adam moments restart.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result};
use rand::SeedableRng;

use super::collect::{collect_expert, Expert, ExpertData};
use super::folder::{deployable_network, save_state};
use super::messages::{EpisodeInfo, UpdateMetrics};
use super::run::{Algo, ImitationConfig, RunState};
use super::runner::{mean_of, Run};
use crate::env::WalkEnv;
use crate::learn::checkpoint;
use crate::learn::encoder::Encoder;
use crate::learn::imitation::{regression_scores, ridge, Bc, Dataset, Linear};
use crate::learn::policy::ActorCritic;
use crate::learn::ppo::UpdateStats;
use crate::learn::snapshot::{FeatureMap, PolicySnapshot};

/// The expert's labelled data inside the run folder.
pub const EXPERT_DATA_FILE: &str = "expert_data.safetensors";
/// DAgger's labelled visits inside a checkpoint.
pub const VISITS_FILE: &str = "visits.safetensors";
/// Seeds the evaluation environment apart from the training one.
const EVAL_SEED: u64 = 0xE7A1_5EED;

/// Trains an opened BC / DAgger / ridge run to its last iteration (or a stop).
pub(super) fn train(mut run: Run) -> Result<RunState> {
    let device = crate::learn::device();
    let (algo, im, seed) = (
        run.config.algo,
        run.config.imitation.clone(),
        run.config.ppo.seed,
    );
    let ckpt = run.folder.checkpoint_dir();
    let resumed = run.state.updates > 0 && run.folder.has_checkpoint();
    let encoder = run.encoder(resumed, &device)?;
    let map = FeatureMap::from_encoder(&encoder)?;
    let mut env = WalkEnv::new(run.config.env.clone(), seed)?;
    let (obs_dim, act_dim) = (env.observation_size(), env.action_size());
    if encoder.input_size() != obs_dim {
        anyhow::bail!(
            "the encoder takes {} observation values, the environment gives {obs_dim}",
            encoder.input_size()
        );
    }
    let expert = im.expert.as_deref().map(Expert::load).transpose()?;
    if let Some(e) = &expert {
        let theirs = e.obs_dim;
        if theirs != obs_dim {
            anyhow::bail!(
                "the expert observes {theirs} values, this run's environment {obs_dim}: train \
                 with the expert's recipe (--recipe walk for the walk policy)"
            );
        }
    }
    let data = expert_data(&run, expert.as_ref(), &im, seed)?;
    if (data.obs_dim, data.act_dim) != (obs_dim, act_dim) {
        anyhow::bail!(
            "the expert data has {} observation and {} action values per row, the environment \
             {obs_dim} and {act_dim}",
            data.obs_dim,
            data.act_dim
        );
    }
    if run.state.env_steps == 0 {
        run.state.env_steps = data.len() as u64;
    }
    let (mut training, test) = features(&data, &map).split(im.test_fraction, seed);
    let mut visits = ExpertData::new(obs_dim, act_dim);
    if resumed && ckpt.join(VISITS_FILE).exists() {
        visits = ExpertData::load(&ckpt.join(VISITS_FILE))?;
        training.aggregate(&features(&visits, &map));
    }
    let mut learner = Learner::new(&run, encoder.output_size(), act_dim, resumed, &device)?;
    let iterations = if algo == Algo::Ridge {
        1
    } else {
        im.iterations
    };
    let mut stopped = false;
    while run.state.updates < iterations && !stopped {
        let started = Instant::now();
        let mut steps = 0;
        // 1. DAgger after its first fit: roll the learner out, label its visits, aggregate.
        if let (Algo::Dagger, true, Some(e)) = (algo, run.state.updates > 0, &expert) {
            let mut act = |x: &[f32]| learner.act(x);
            let limit = Limit::Steps(im.steps_per_iteration);
            let (visited, _) = roll_out(&mut env, &map, &mut act, limit, Some(e))?;
            steps = visited.len();
            run.state.env_steps += steps as u64;
            training.aggregate(&features(&visited, &map));
            visits.append(&visited);
        }
        let rollout_seconds = started.elapsed().as_secs_f64();
        // 2. The fit, and its scores on the held-out expert data.
        let fitting = Instant::now();
        let loss = learner.fit(&training)?;
        let (mse, r2) = if test.is_empty() {
            (f64::NAN, f64::NAN)
        } else {
            regression_scores(&learner.predict(&test.x)?, &test.y, test.y_dim)
        };
        let update_seconds = fitting.elapsed().as_secs_f64();
        // 3. The learner on its own: evaluation episodes from fixed initial states.
        let episodes = evaluate(&run, &map, &learner, im.eval_episodes)?;
        run.state.updates += 1;
        let metrics = UpdateMetrics {
            update: run.state.updates,
            env_steps: run.state.env_steps,
            mean_return: mean_of(&episodes, |e| e.ret),
            mean_duration: mean_of(&episodes, |e| e.duration),
            episodes: episodes.len(),
            stats: UpdateStats {
                policy_loss: loss,
                value_loss: f64::NAN,
                entropy: f64::NAN,
                approx_kl: f64::NAN,
                approx_kl_last_epoch: f64::NAN,
                clip_fraction: f64::NAN,
                explained_variance: f64::NAN,
                encoder_loss: f64::NAN,
            },
            steps_per_second: steps as f64 / started.elapsed().as_secs_f64(),
            rollout_seconds,
            update_seconds,
            test_mse: mse,
            test_r2: r2,
            ..UpdateMetrics::blank()
        };
        let deployed = learner.deployable(&device)?;
        run.log(&metrics, || {
            PolicySnapshot::from_networks(&encoder, &deployed).map_err(anyhow::Error::from)
        })?;
        stopped = run.poll_stop();
        let last = run.state.updates >= iterations;
        run.checkpoint_if_due(stopped || last, |d, s| {
            save_checkpoint(d, &deployed, &encoder, &visits, s)
        })?;
    }
    Ok(run.finish(stopped))
}

/// The expert's labelled data: the run folder's copy, else the configured dataset, else
/// `expert_steps` collected with the expert now (either kept in the run folder).
fn expert_data(
    run: &Run,
    expert: Option<&Expert>,
    im: &ImitationConfig,
    seed: u64,
) -> Result<ExpertData> {
    let kept = run.folder.metrics_path().with_file_name(EXPERT_DATA_FILE);
    if kept.exists() {
        return ExpertData::load(&kept);
    }
    let data = match &im.dataset {
        Some(path) => ExpertData::load(path)?,
        None => {
            let expert = expert.context("no expert and no dataset to imitate")?;
            collect_expert(expert, im.expert_steps, seed)?
        }
    };
    // The run keeps its own copy, so it resumes even if a given file goes.
    data.save(&kept)
        .with_context(|| format!("writing {}", kept.display()))?;
    Ok(data)
}

/// The features of every labelled observation through `map`, with the expert's actions.
fn features(data: &ExpertData, map: &FeatureMap) -> Dataset {
    let mut out = Dataset::new(0, data.act_dim);
    let mut raw = vec![0f64; data.obs_dim];
    for (obs, act) in data
        .observations
        .chunks_exact(data.obs_dim.max(1))
        .zip(data.actions.chunks_exact(data.act_dim.max(1)))
    {
        raw.iter_mut().zip(obs).for_each(|(r, o)| *r = *o as f64);
        let f = map.features(&raw);
        out.x_dim = f.len();
        out.push(&f, act);
    }
    out
}

/// How long a roll-out lasts.
#[derive(Debug, Clone, Copy)]
enum Limit {
    /// This many environment steps.
    Steps(usize),
    /// This many whole episodes.
    Episodes(usize),
}

/// Acts with `act` (features to excitations in [0, 1]) in `env` until `limit`; with an
/// `expert`, every visited observation is labelled with the expert's action. Returns the
/// labelled visits and the episodes that ended.
fn roll_out(
    env: &mut WalkEnv,
    map: &FeatureMap,
    act: &mut dyn FnMut(&[f32]) -> Result<Vec<f32>>,
    limit: Limit,
    expert: Option<&Expert>,
) -> Result<(ExpertData, Vec<EpisodeInfo>)> {
    let mut visits = ExpertData::new(env.observation_size(), env.action_size());
    let mut episodes = Vec::new();
    let (mut steps, mut ret) = (0usize, 0.0);
    env.reset();
    loop {
        match limit {
            Limit::Steps(n) if steps >= n => break,
            Limit::Episodes(n) if episodes.len() >= n => break,
            _ => {}
        }
        if let Some(e) = expert {
            visits.push(env.observation(), &e.act(env.observation()));
        }
        let a: Vec<f64> = act(&map.features(env.observation()))?
            .iter()
            .map(|v| *v as f64)
            .collect();
        let step = env.step(&a)?;
        ret += step.reward;
        steps += 1;
        if step.terminated || step.truncated {
            episodes.push(EpisodeInfo {
                ret,
                length: env.episode_steps(),
                duration: env.sim().time(),
            });
            ret = 0.0;
            env.reset();
        }
    }
    Ok((visits, episodes))
}

/// `n` episodes of the learner from the evaluation environment's initial states (the same
/// ones every call).
fn evaluate(run: &Run, map: &FeatureMap, learner: &Learner, n: usize) -> Result<Vec<EpisodeInfo>> {
    if n == 0 {
        return Ok(Vec::new());
    }
    let mut env = WalkEnv::new(run.config.env.clone(), run.config.ppo.seed ^ EVAL_SEED)?;
    let mut act = |x: &[f32]| learner.act(x);
    Ok(roll_out(&mut env, map, &mut act, Limit::Episodes(n), None)?.1)
}

/// The imitation learner.
enum Learner {
    /// Ridge regression (fitted after the first call of [`Learner::fit`]).
    Ridge { lambda: f64, fit: Option<Linear> },
    /// An MLP (BC and DAgger).
    Bc(Bc),
}

impl Learner {
    /// A new learner, or a resumed run's from its checkpoint.
    fn new(
        run: &Run,
        features: usize,
        actions: usize,
        resumed: bool,
        device: &candle_core::Device,
    ) -> Result<Learner> {
        let im = &run.config.imitation;
        let seed = run.config.ppo.seed;
        if run.config.algo == Algo::Ridge {
            return Ok(Learner::Ridge {
                lambda: im.lambda,
                fit: None,
            });
        }
        if !resumed {
            return Ok(Learner::Bc(Bc::new(
                features, actions, &im.bc, seed, device,
            )?));
        }
        let net = deployable_network(&run.config, features, actions, device)?
            .context("an imitation run deploys a network")?;
        let path = run.folder.checkpoint_dir().join("policy.safetensors");
        checkpoint::load(&path, &net.named(), device)
            .with_context(|| format!("resuming from {}", path.display()))?;
        let rng = rand::rngs::SmallRng::seed_from_u64(seed ^ run.state.updates as u64);
        Ok(Learner::Bc(Bc::from_net(net.policy, &im.bc, rng, device)?))
    }

    /// Fits `data`; returns the training MSE.
    fn fit(&mut self, data: &Dataset) -> Result<f64> {
        match self {
            Learner::Ridge { lambda, fit } => {
                let f = ridge(data, *lambda).map_err(anyhow::Error::msg)?;
                let (mse, _) = regression_scores(&f.predict(&data.x), &data.y, data.y_dim);
                *fit = Some(f);
                Ok(mse)
            }
            Learner::Bc(bc) => Ok(bc.fit(data)?),
        }
    }

    /// The regression's predictions for rows of features (ridge's unclipped).
    fn predict(&self, x: &[f32]) -> Result<Vec<f32>> {
        match self {
            Learner::Ridge { fit: Some(f), .. } => Ok(f.predict(x)),
            Learner::Ridge { fit: None, .. } => anyhow::bail!("ridge has not been fitted"),
            Learner::Bc(bc) => Ok(bc.predict(x)?),
        }
    }

    /// The excitations for one row of features, in [0, 1].
    fn act(&self, x: &[f32]) -> Result<Vec<f32>> {
        Ok(self
            .predict(x)?
            .into_iter()
            .map(|v| v.clamp(0.0, 1.0))
            .collect())
    }

    /// The policy in the run-folder layout.
    fn deployable(&self, device: &candle_core::Device) -> Result<ActorCritic> {
        match self {
            Learner::Ridge { fit: Some(f), .. } => Ok(f.deployable(device)?),
            Learner::Ridge { fit: None, .. } => anyhow::bail!("ridge has not been fitted"),
            Learner::Bc(bc) => Ok(bc.deployable()?),
        }
    }
}

/// Writes an imitation checkpoint: the deployable policy, the encoder, DAgger's visits, then
/// the state.
fn save_checkpoint(
    dir: &Path,
    net: &ActorCritic,
    encoder: &Encoder,
    visits: &ExpertData,
    state: RunState,
) -> Result<()> {
    checkpoint::save(&dir.join("policy.safetensors"), &net.named())?;
    encoder.save(dir, None)?;
    if !visits.is_empty() {
        visits.save(&dir.join(VISITS_FILE))?;
    }
    save_state(dir, state)
}
