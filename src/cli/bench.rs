//! `gaitscope bench`: speed figures printed, never asserted.

use std::path::Path;
use std::time::Instant;

use anyhow::Result;
use rand::{Rng, SeedableRng};

use crate::env::{EnvConfig, InitialState, WalkEnv};

/// Environment steps per second on one thread with random excitations, and where the time goes.
pub fn sim(model_path: &Path, steps: usize, substeps: Option<usize>) -> Result<()> {
    let mut config = EnvConfig {
        model: Some(model_path.to_path_buf()),
        initial_state: InitialState::RandomPhase,
        ..EnvConfig::default()
    };
    if let Some(n) = substeps {
        config.sim.substeps = n;
    }
    let mut env = WalkEnv::new(config.clone(), 42)?;
    for note in &env.sim().plan().approximations {
        println!("note: {note}");
    }
    let mut rng = rand::rngs::SmallRng::seed_from_u64(42);
    let mut u = vec![0.0; env.action_size()];
    let (mut episodes, mut diverged, mut falls) = (0usize, 0usize, 0usize);
    let mut reset_time = 0.0;
    let start = Instant::now();
    for _ in 0..steps {
        for x in &mut u {
            *x = rng.gen::<f64>();
        }
        let step = env.step(&u)?;
        diverged += usize::from(step.diverged);
        falls += usize::from(step.terminated);
        if step.terminated || step.truncated {
            let t = Instant::now();
            env.reset();
            reset_time += t.elapsed().as_secs_f64();
            episodes += 1;
        }
    }
    let secs = start.elapsed().as_secs_f64();
    // Split: physics and muscles alone, without observation and reward.
    let mut sim = crate::sim::Simulation::new(env.sim().model().clone(), config.sim.clone())?;
    sim.save_snapshot();
    let sim_steps = steps.min(2000);
    let t = Instant::now();
    for i in 0..sim_steps {
        for x in &mut u {
            *x = rng.gen::<f64>();
        }
        if sim.step(&u).is_err() || i % 100 == 99 {
            sim.restore_snapshot();
        }
    }
    let sim_secs = t.elapsed().as_secs_f64() / sim_steps as f64;
    let per_step = secs / steps as f64;
    println!(
        "bench sim: {steps} env steps in {secs:.3} s = {:.0} env steps/s on one thread",
        1.0 / per_step
    );
    println!(
        "  control dt {} s, {} rapier substeps of {:.2} ms per step = {:.0} substeps/s; tendon {:?}",
        config.sim.control_dt,
        config.sim.substeps,
        1000.0 * config.sim.control_dt / config.sim.substeps as f64,
        config.sim.substeps as f64 / per_step,
        config.sim.tendon
    );
    let mut obs = Vec::new();
    let t = Instant::now();
    for _ in 0..1000 {
        crate::env::observation::observe(env.sim(), &mut obs);
    }
    let observe_secs = t.elapsed().as_secs_f64() / 1000.0;
    println!(
        "  per env step: {:.1} us physics+muscles (Simulation::step alone), {:.1} us building the observation, \
         {:.2} us resets (amortised)",
        sim_secs * 1e6,
        observe_secs * 1e6,
        reset_time / steps as f64 * 1e6
    );
    println!("  {episodes} episodes ({falls} falls, {diverged} diverged and recovered)");
    Ok(())
}

/// Seconds per PPO update at the study's sizes (20 x 1024 samples, 4 epochs, minibatch 512,
/// 3 x 312 networks, 22 actions) for observation widths 66 and 296, on synthetic data.
pub fn ppo(updates: usize) -> Result<()> {
    use crate::learn::encoder::{Encoder, Normalizer};
    use crate::learn::fast::PlainMlp;
    use crate::learn::ppo::{EncoderMode, Ppo, PpoConfig};
    use crate::learn::rollout::RolloutBuffer;
    let device = crate::learn::device();
    let config = PpoConfig::default();
    let n = config.n_envs * config.n_steps;
    println!(
        "bench ppo: {} samples per update, {} epochs, minibatch {}, hidden {:?}, {} threads",
        n,
        config.epochs,
        config.batch_size,
        config.hidden,
        std::thread::available_parallelism().map_or(1, |p| p.get())
    );
    let h = config.hidden[0];
    let [forward, weight_grad, input_grad] =
        crate::learn::fast::layer_products_flops_one_thread(config.batch_size, h, 30)
            .map(|f| f / 1e9);
    println!(
        "  one thread's gemm on a {}-row {h}x{h} layer, GFLOP/s: forward {forward:.1}, weight \
         gradient {weight_grad:.1}, input gradient {input_grad:.1} (x{} threads = the bound)",
        config.batch_size,
        std::thread::available_parallelism().map_or(1, |p| p.get())
    );
    for obs_dim in [66usize, 296] {
        let mut rng = rand::rngs::SmallRng::seed_from_u64(1);
        let mut ppo = Ppo::new(
            Encoder::none(Normalizer::identity(obs_dim)),
            22,
            EncoderMode::Frozen,
            config.clone(),
            &device,
        )?;
        let obs: Vec<f32> = (0..n * obs_dim)
            .map(|_| rng.gen_range(-1.0f32..1.0))
            .collect();
        let acts = ppo.act(&obs, false)?;
        let batch = RolloutBuffer {
            obs,
            u: acts.u,
            log_prob: acts.log_prob,
            advantages: (0..n).map(|_| rng.gen_range(-1.0f32..1.0)).collect(),
            returns: (0..n).map(|_| rng.gen_range(0.0f32..10.0)).collect(),
            values: acts.value,
            ..RolloutBuffer::default()
        };
        ppo.update(&batch)?; // warm-up
        let t = Instant::now();
        for _ in 0..updates {
            ppo.update(&batch)?;
        }
        let secs = t.elapsed().as_secs_f64() / updates as f64;
        let macs = PlainMlp::from_mlp(&ppo.net.policy)?.training_macs_per_sample()
            + PlainMlp::from_mlp(&ppo.net.value)?.training_macs_per_sample();
        let flops = 2.0 * (macs * n * config.epochs) as f64;
        println!(
            "  obs {obs_dim:>3}: {secs:.2} s per update ({:.0} minibatch steps/s; {:.0} GFLOP in \
             matrix products, {:.1} GFLOP/s)",
            (config.epochs * n.div_ceil(config.batch_size)) as f64 / secs,
            flops / 1e9,
            flops / 1e9 / secs
        );
        rollout_inference(&mut ppo, obs_dim, config.n_envs, config.n_steps)?;
    }
    Ok(())
}

/// Time of the policy and value passes for one rollout (`n_steps` calls on `n_envs` rows), with
/// gemm and with the small-batch kernel, and of the whole `act` call.
fn rollout_inference(
    ppo: &mut crate::learn::ppo::Ppo,
    obs_dim: usize,
    n_envs: usize,
    n_steps: usize,
) -> Result<()> {
    use crate::learn::fast::PlainMlp;
    let mut rng = rand::rngs::SmallRng::seed_from_u64(2);
    let x: Vec<f32> = (0..n_envs * obs_dim)
        .map(|_| rng.gen_range(-1.0f32..1.0))
        .collect();
    let gemm_nets = [
        PlainMlp::from_mlp(&ppo.net.policy)?,
        PlainMlp::from_mlp(&ppo.net.value)?,
    ];
    let row_nets = gemm_nets.clone().map(|m| m.with_row_layout());
    let mut acts = Vec::new();
    let mut time = |nets: &[PlainMlp; 2]| {
        let t = Instant::now();
        for _ in 0..n_steps {
            for m in nets {
                std::hint::black_box(m.apply(&x, n_envs, &mut acts));
            }
        }
        t.elapsed().as_secs_f64()
    };
    time(&gemm_nets); // warm-up
    let gemm_secs = time(&gemm_nets);
    let row_secs = time(&row_nets);
    let t = Instant::now();
    for _ in 0..n_steps {
        std::hint::black_box(ppo.act(&x, false)?);
    }
    let act_secs = t.elapsed().as_secs_f64();
    println!(
        "    rollout inference, {n_steps} calls x {n_envs} rows: policy+value {:.3} s with gemm, \
         {:.3} s with the small-batch kernel ({:.1}x); whole act() {:.3} s",
        gemm_secs,
        row_secs,
        gemm_secs / row_secs,
        act_secs
    );
    Ok(())
}

/// Seconds per gradient step of SAC or TD3 at seed 004's sizes (2 x 64, TD3 batch 100, SAC
/// batch 256, 22 actions) on features of widths 66 and 296, from a replay buffer of random
/// transitions; compare with `tools/sb3_offpolicy_bench.py` run on the same machine.
pub fn off_policy(algo: crate::learn::offpolicy::OffPolicyAlgo, steps: usize) -> Result<()> {
    use crate::learn::offpolicy::{new_learner, OffPolicyConfig};
    use crate::learn::replay::{ReplayBuffer, Transitions};
    if steps == 0 {
        anyhow::bail!("bench: --steps must be at least 1");
    }
    let config = OffPolicyConfig::seed004(algo);
    let device = crate::learn::device();
    let mut rng = rand::rngs::SmallRng::seed_from_u64(7);
    for features in [66usize, 296] {
        let actions = 22;
        let mut t = Transitions::new(features, actions);
        let mut row =
            |n: usize| -> Vec<f32> { (0..n).map(|_| rng.gen_range(-1.0..1.0f32)).collect() };
        for _ in 0..10_000 {
            let (f, a, nf) = (row(features), row(actions), row(features));
            t.push(&f, &a, row(1)[0], &nf, false);
        }
        let mut buffer = ReplayBuffer::new(config.buffer_size, features, actions);
        buffer.add(&t);
        let mut learner = new_learner(algo, features, actions, &config, 7, &device)?;
        learner.train(&buffer, 20)?;
        let started = Instant::now();
        learner.train(&buffer, steps)?;
        let secs = started.elapsed().as_secs_f64() / steps as f64;
        println!(
            "bench {algo:?}: features {features}, hidden {:?}, batch {}: {:.3} ms per gradient step \
             ({steps} steps, one thread)",
            config.hidden,
            config.batch_size,
            secs * 1e3
        );
    }
    Ok(())
}

/// MuscleAnalysis of a motion on any model, repeated `repeats` times after one untimed run:
/// seconds to read the model, per analysis, and per pose, with the muscle, wrap and
/// moment-arm counts that set the cost.
pub fn analyze(model_path: &Path, motion_path: &Path, repeats: usize) -> Result<()> {
    let t = Instant::now();
    let model = crate::osim::Model::load(model_path)?;
    let load = t.elapsed().as_secs_f64();
    let motion = crate::osim::Table::load(motion_path)?;
    let coordinates = crate::cli::analyze::default_coordinates(&model);
    let run = || crate::cli::analyze::muscle_analysis(&model, &motion, Some(&coordinates));
    run()?;
    let t = Instant::now();
    for _ in 0..repeats.max(1) {
        std::hint::black_box(run()?);
    }
    let per = t.elapsed().as_secs_f64() / repeats.max(1) as f64;
    let wrapped = model.muscles.iter().filter(|m| !m.wraps.is_empty()).count();
    println!(
        "bench analyze: {}: read in {:.1} ms; {} poses x {} muscles ({} wrapped) x {} moment-arm \
         coordinates in {:.1} ms ({:.2} ms per pose)",
        model.name,
        load * 1e3,
        motion.rows.len(),
        model.muscles.iter().filter(|m| m.is_muscle()).count(),
        wrapped,
        coordinates.len(),
        per * 1e3,
        per * 1e3 / motion.rows.len().max(1) as f64
    );
    Ok(())
}

/// `gaitscope bench`'s options: which benchmark.
#[derive(clap::Args, Debug, Clone)]
pub struct BenchArgs {
    /// The benchmark.
    #[command(subcommand)]
    pub what: BenchWhat,
}

/// The benchmarks.
#[derive(clap::Subcommand, Debug, Clone)]
pub enum BenchWhat {
    /// Environment steps per second on one thread, random excitations.
    Sim {
        /// Environment steps to time.
        #[arg(long, default_value_t = 5000)]
        steps: usize,
        /// The OpenSim model (default: the shipped one).
        #[arg(long)]
        model: Option<std::path::PathBuf>,
        /// Rapier substeps per 0.01 s control step.
        #[arg(long)]
        substeps: Option<usize>,
    },
    /// MuscleAnalysis of a motion on any model: time to read it and per pose.
    Analyze {
        /// The OpenSim model.
        #[arg(long)]
        model: std::path::PathBuf,
        /// The motion.
        #[arg(long)]
        motion: std::path::PathBuf,
        /// Timed repetitions.
        #[arg(long, default_value_t = 5)]
        repeats: usize,
    },
    /// Frame times of the app (median, 95th percentile) with training idle and at full speed.
    Gui {
        /// Frames measured in each state.
        #[arg(long, default_value_t = 300)]
        frames: u32,
    },
    /// The app open for a long time while it trains a run started from its panel: frame times
    /// and memory (RSS) reported at intervals.
    Soak {
        /// Length of the soak (minutes).
        #[arg(long, default_value_t = 60.0)]
        minutes: f64,
        /// Minutes between reports.
        #[arg(long, default_value_t = 5.0)]
        every: f64,
    },
    /// Seconds per PPO update at the study's sizes (obs 66 and 296).
    Ppo {
        /// Timed updates per size.
        #[arg(long, default_value_t = 2)]
        updates: usize,
    },
    /// Seconds per SAC gradient step at seed 004's sizes.
    Sac {
        /// Timed gradient steps per size.
        #[arg(long, default_value_t = 500)]
        steps: usize,
    },
    /// Seconds per TD3 gradient step at seed 004's sizes.
    Td3 {
        /// Timed gradient steps per size.
        #[arg(long, default_value_t = 500)]
        steps: usize,
    },
}

impl BenchArgs {
    /// Runs the benchmark; the GUI one opens the app with `app`'s options.
    pub fn run(&self, app: crate::app::AppOptions) -> Result<()> {
        match &self.what {
            BenchWhat::Sim {
                steps,
                model,
                substeps,
            } => sim(
                &model.clone().unwrap_or_else(crate::default_model_path),
                *steps,
                *substeps,
            ),
            BenchWhat::Analyze {
                model,
                motion,
                repeats,
            } => analyze(model, motion, *repeats),
            BenchWhat::Gui { frames } => crate::app::run(crate::app::AppOptions {
                bench_frames: Some(*frames),
                size: (1024, 640),
                ..app
            }),
            BenchWhat::Soak { minutes, every } => {
                if !(minutes.is_finite() && *minutes > 0.0 && every.is_finite() && *every > 0.0) {
                    anyhow::bail!("bench soak: --minutes and --every must be positive");
                }
                crate::app::run(crate::app::AppOptions {
                    soak: Some(crate::app::capture::Soak {
                        seconds: minutes * 60.0,
                        every: every * 60.0,
                    }),
                    ..app
                })
            }
            BenchWhat::Ppo { updates } => ppo(*updates),
            BenchWhat::Sac { steps } => {
                off_policy(crate::learn::offpolicy::OffPolicyAlgo::Sac, *steps)
            }
            BenchWhat::Td3 { steps } => {
                off_policy(crate::learn::offpolicy::OffPolicyAlgo::Td3, *steps)
            }
        }
    }
}
