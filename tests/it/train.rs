//! The training pipeline end to end on a tiny budget: workers, learner, metrics, checkpoints,
//! resume and evaluation.

use gaitscope::learn::encoder::EncoderKind;
use gaitscope::learn::ppo::{EncoderMode, PpoConfig};
use gaitscope::train::run::RunConfig;
use gaitscope::train::trainer::train;

fn tiny(dir: &std::path::Path, steps: u64, mode: EncoderMode, encoder: EncoderKind) -> RunConfig {
    RunConfig {
        ppo: PpoConfig {
            n_envs: 4,
            n_steps: 32,
            batch_size: 64,
            hidden: vec![32, 32],
            ..PpoConfig::default()
        },
        encoder,
        mode,
        encoder_dir: Some(dir.join("no-encoders")),
        total_steps: steps,
        workers: 2,
        checkpoint_every: 1,
        ..RunConfig::default()
    }
}

#[test]
fn a_run_writes_metrics_and_checkpoints_and_resumes() {
    let dir = std::env::temp_dir().join(format!("gaitscope-train-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let run = dir.join("run");
    let state = train(
        tiny(&dir, 256, EncoderMode::Frozen, EncoderKind::None),
        &run,
        None,
        None,
    )
    .unwrap();
    assert_eq!(state.updates, 2);
    assert_eq!(state.env_steps, 256);
    let metrics = std::fs::read_to_string(run.join("metrics.csv")).unwrap();
    assert_eq!(metrics.lines().count(), 3, "{metrics}");
    assert!(run.join("checkpoint/policy.safetensors").exists());
    // Resume: asks for more steps, continues from update 2.
    let state = train(
        tiny(&dir, 384, EncoderMode::Frozen, EncoderKind::None),
        &run,
        None,
        None,
    )
    .unwrap();
    assert_eq!(state.updates, 3);
    let metrics = std::fs::read_to_string(run.join("metrics.csv")).unwrap();
    assert_eq!(metrics.lines().count(), 4);
    assert!(metrics.lines().last().unwrap().starts_with("3,384,"));
    let report = gaitscope::train::eval::evaluate(&run, &eval_options(1, 0)).unwrap();
    assert_eq!(report.rmse_deg.len(), 14);
    assert!(report.mean_duration_s > 0.0);
    // The JSON report has the documented keys, per-DOF and per-muscle-pair objects, and
    // activations in the study's form (mean over steps, right + left: at most 2).
    let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    for key in [
        "episodes",
        "falls",
        "mean_duration_s",
        "mean_return",
        "mean_distance_m",
        "mean_speed_m_s",
        "foot_strikes",
        "rmse_deg",
        "cumulative_rmse",
        "activation",
        "fiber_force_n",
    ] {
        assert!(json.get(key).is_some(), "no {key} in {json}");
    }
    assert_eq!(json["rmse_deg"].as_object().unwrap().len(), 14);
    assert_eq!(json["activation"].as_object().unwrap().len(), 11);
    let soleus = json["activation"]["soleus"].as_f64().unwrap();
    assert!((0.0..=2.0).contains(&soleus), "{soleus}");
    // A time limit in seconds and random starts: short, different episodes.
    let short = gaitscope::train::eval::evaluate(
        &run,
        &gaitscope::train::eval::EvalOptions {
            episodes: 2,
            seconds: Some(0.05),
            random_phase: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(
        short.mean_duration_s <= 0.05 + 1e-9,
        "{}",
        short.mean_duration_s
    );
    assert!(!short.identical_episodes);
    assert!(short.gait_cycles_csv.lines().count() <= 1 + 2 * 5);
    // Joint training builds and trains a VAE with the policy.
    let joint = dir.join("joint");
    let state = train(
        tiny(&dir, 128, EncoderMode::Joint, EncoderKind::Vae),
        &joint,
        None,
        None,
    )
    .unwrap();
    assert_eq!(state.updates, 1);
    let line = std::fs::read_to_string(joint.join("metrics.csv"))
        .unwrap()
        .lines()
        .nth(1)
        .unwrap()
        .to_string();
    let encoder_loss: f64 = line.split(',').nth(11).unwrap().parse().unwrap();
    assert!(encoder_loss > 0.0, "{line}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_new_run_can_start_from_another_runs_checkpoint() {
    let root = std::env::temp_dir().join(format!("gaitscope-init-from-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let (first, second) = (root.join("first"), root.join("second"));
    let steps = 4 * 32;
    train(
        tiny(&root, steps, EncoderMode::Frozen, EncoderKind::None),
        &first,
        None,
        None,
    )
    .unwrap();
    // The second stage: a different seed and a learning rate too small to move the weights.
    let mut stage = tiny(&root, steps, EncoderMode::Frozen, EncoderKind::None);
    stage.ppo.seed = 7;
    stage.ppo.lr = 1e-12;
    stage.init_from = Some(first.clone());
    let state = train(stage.clone(), &second, None, None).unwrap();
    assert_eq!(
        (state.updates, state.env_steps),
        (1, steps),
        "it counts its own updates"
    );
    let weights = |dir: &std::path::Path| {
        let path = dir.join("checkpoint/policy.safetensors");
        let t = candle_core::safetensors::load(path, &candle_core::Device::Cpu).unwrap();
        let mut names: Vec<_> = t.keys().cloned().collect();
        names.sort();
        names
            .iter()
            .flat_map(|n| t[n].flatten_all().unwrap().to_vec1::<f32>().unwrap())
            .collect::<Vec<f32>>()
    };
    let (a, b) = (weights(&first), weights(&second));
    assert_eq!(a.len(), b.len());
    let moved = a
        .iter()
        .zip(&b)
        .map(|(x, y)| (x - y).abs())
        .fold(0f32, f32::max);
    assert!(
        moved < 1e-6,
        "the second stage starts from the first's weights (moved {moved})"
    );
    // Without the first stage's weights the same seed starts elsewhere.
    let fresh = root.join("fresh");
    train(
        RunConfig {
            init_from: None,
            ..stage.clone()
        },
        &fresh,
        None,
        None,
    )
    .unwrap();
    let c = weights(&fresh);
    assert!(a.iter().zip(&c).any(|(x, y)| (x - y).abs() > 1e-3));
    // A folder without a checkpoint is refused by name.
    let empty = root.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let err = train(
        RunConfig {
            init_from: Some(empty.clone()),
            ..stage
        },
        &root.join("third"),
        None,
        None,
    )
    .unwrap_err();
    assert!(format!("{err:#}").contains("empty"), "{err:#}");
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn a_malformed_run_folder_is_an_error() {
    let dir = std::env::temp_dir().join(format!("gaitscope-bad-run-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("checkpoint")).unwrap();
    std::fs::write(dir.join("config.ron"), "(this is not a config").unwrap();
    std::fs::write(
        dir.join("checkpoint/state.ron"),
        "(updates: 1, env_steps: 10)",
    )
    .unwrap();
    let err = train(RunConfig::default(), &dir, None, None).unwrap_err();
    assert!(format!("{err:#}").contains("config.ron"), "{err:#}");
    assert!(gaitscope::train::eval::evaluate(&dir, &eval_options(1, 0)).is_err());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_shipped_policies_load_and_act() {
    for kind in ["none", "ae", "vae"] {
        let run = gaitscope::models_dir().join("policies").join(kind);
        let report = gaitscope::train::eval::evaluate(&run, &eval_options(1, 0)).unwrap();
        assert!(
            report.mean_duration_s > 0.2,
            "{kind}: {}",
            report.mean_duration_s
        );
        assert!(report.mean_return.is_finite());
    }
    // The none policy (faithful PPO, 5M steps, the best of seed 42) balances the whole 10 s
    // episode acting with its expected excitation (its clipped mean falls at 1.87 s).
    let run = gaitscope::models_dir().join("policies/none");
    let expected = gaitscope::train::eval::evaluate(
        &run,
        &gaitscope::train::eval::EvalOptions {
            episodes: 1,
            expected: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(expected.falls, 0, "{}", expected.mean_duration_s);
    assert!(
        expected.mean_duration_s > 9.99,
        "{}",
        expected.mean_duration_s
    );
}

#[test]
fn the_shipped_walking_policy_walks_forward_without_falling() {
    // From a random phase, acting with its expected excitation (as the app does): 6 s without a
    // fall, at least 1 m/s forward.
    let run = gaitscope::models_dir().join("policies/walk");
    let report = gaitscope::train::eval::evaluate(
        &run,
        &gaitscope::train::eval::EvalOptions {
            episodes: 2,
            seconds: Some(6.0),
            random_phase: true,
            expected: true,
            seed: 3,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(report.falls, 0, "{}", report.mean_duration_s);
    assert!(report.mean_speed_m_s > 1.0, "{}", report.mean_speed_m_s);
    assert!(report.mean_distance_m > 6.0, "{}", report.mean_distance_m);
}

#[test]
fn eval_counts_lost_tracking_apart_from_falls_unless_asked_to_end_on_it() {
    // The shipped walking policy with a joint-error limit it cannot meet (0.001 rad): ending on
    // it, as training does, every episode "falls" at once; by default the episodes run their
    // full time without a fall and report the loss of tracking instead.
    let source = gaitscope::models_dir().join("policies/walk");
    let run = std::env::temp_dir().join(format!("gaitscope-eval-tracking-{}", std::process::id()));
    std::fs::create_dir_all(run.join("checkpoint")).unwrap();
    for f in ["none.ron", "policy.safetensors", "state.ron"] {
        std::fs::copy(
            source.join("checkpoint").join(f),
            run.join("checkpoint").join(f),
        )
        .unwrap();
    }
    let config = std::fs::read_to_string(source.join("config.ron")).unwrap();
    assert!(config.contains("max_joint_error: Some(0.55)"));
    let config = config.replace(
        "max_joint_error: Some(0.55)",
        "max_joint_error: Some(0.001)",
    );
    std::fs::write(run.join("config.ron"), config).unwrap();
    let eval = |end_on_tracking_loss| {
        gaitscope::train::eval::evaluate(
            &run,
            &gaitscope::train::eval::EvalOptions {
                episodes: 2,
                seconds: Some(0.5),
                random_phase: true,
                expected: true,
                end_on_tracking_loss,
                ..Default::default()
            },
        )
        .unwrap()
    };
    let ended = eval(true);
    assert_eq!(ended.falls, 2);
    assert!(ended.mean_duration_s < 0.1, "{}", ended.mean_duration_s);
    let kept = eval(false);
    let _ = std::fs::remove_dir_all(&run);
    assert_eq!(kept.falls, 0);
    assert!(kept.mean_duration_s > 0.49, "{}", kept.mean_duration_s);
    assert_eq!(kept.tracking_losses, 2);
    let first = kept.mean_time_to_tracking_loss_s.unwrap();
    assert!(first < 0.1, "{first}");
}

#[test]
fn a_trained_policy_can_drive_the_collection() {
    use gaitscope::train::collect::{collect, CollectConfig, ExplorationSource};
    let config = CollectConfig {
        steps: 60,
        source: ExplorationSource::Random,
        policy: Some(gaitscope::models_dir().join("policies/vae")),
        ..CollectConfig::default()
    };
    let data = collect(&gaitscope::env::EnvConfig::default(), &config).unwrap();
    assert_eq!(data.len(), 60);
    assert!(data.observations.iter().all(|v| v.is_finite()));
}

#[test]
fn a_rollout_does_not_depend_on_how_environments_are_spread_over_workers() {
    use gaitscope::env::EnvConfig;
    use gaitscope::learn::encoder::{Encoder, Normalizer};
    use gaitscope::learn::ppo::Ppo;
    use gaitscope::train::messages::Control;
    use gaitscope::train::workers::WorkerPool;

    let config = EnvConfig::default();
    let probe = WorkerPool::spawn(&config, 1, 1, 0).unwrap();
    let (obs_dim, act_dim) = (probe.obs_dim, probe.act_dim);
    drop(probe);
    let mut ppo = Ppo::new(
        Encoder::none(Normalizer::identity(obs_dim)),
        act_dim,
        EncoderMode::Frozen,
        PpoConfig {
            hidden: vec![16, 16],
            ..PpoConfig::default()
        },
        &candle_core::Device::Cpu,
    )
    .unwrap();
    let policy = ppo.rollout_policy().unwrap();
    let collect = |workers: usize| {
        let pool = WorkerPool::spawn(&config, 5, workers, 7).unwrap();
        pool.reset().unwrap();
        let mut deferred = Vec::new();
        // Two rollouts: the second starts where the first left the environments.
        pool.rollout(policy.clone(), 40, 0.99, None, &mut deferred)
            .unwrap()
            .unwrap();
        pool.rollout(policy.clone(), 40, 0.99, None, &mut deferred)
            .unwrap()
            .unwrap()
    };
    let (one, one_episodes) = collect(1);
    assert_eq!(one.obs.len(), 40 * 5 * obs_dim);
    assert_eq!(one.last_values.len(), 5);
    assert!(one.u.iter().all(|u| u.is_finite()));
    for workers in [2, 3] {
        let (other, other_episodes) = collect(workers);
        assert_eq!(one.obs, other.obs, "{workers} workers");
        assert_eq!(one.u, other.u);
        assert_eq!(one.log_prob, other.log_prob);
        assert_eq!(one.rewards, other.rewards);
        assert_eq!(one.dones, other.dones);
        assert_eq!(one.last_values, other.last_values);
        assert_eq!(one.values, other.values);
        assert_eq!(one_episodes, other_episodes);
    }
    // Environments differ from one another (their own seeds and noise).
    assert_ne!(one.u[..act_dim], one.u[act_dim..2 * act_dim]);

    // A stop during a rollout cancels it; checkpoint requests are passed on.
    let pool = WorkerPool::spawn(&config, 2, 2, 7).unwrap();
    pool.reset().unwrap();
    let (tx, rx) = crossbeam_channel::unbounded();
    tx.send(Control::Checkpoint).unwrap();
    tx.send(Control::Stop).unwrap();
    let mut deferred = Vec::new();
    let cancelled = pool
        .rollout(policy, 100_000, 0.99, Some(&rx), &mut deferred)
        .unwrap();
    assert!(cancelled.is_none());
    assert_eq!(deferred, vec![Control::Checkpoint]);
}

/// `n` deterministic episodes from phase 0 with start seed `seed`.
fn eval_options(n: usize, seed: u64) -> gaitscope::train::eval::EvalOptions {
    gaitscope::train::eval::EvalOptions {
        episodes: n,
        seed,
        ..Default::default()
    }
}

#[test]
fn run_folders_from_before_the_distribution_setting_read_as_the_squashed_gaussian() {
    use gaitscope::learn::ppo::ActionDistribution;
    use gaitscope::train::run::parse_run_folder_config;
    let shipped =
        std::fs::read_to_string(gaitscope::models_dir().join("policies/ae/config.ron")).unwrap();
    let legacy: String = shipped
        .lines()
        .filter(|l| !l.contains("distribution:"))
        .collect::<Vec<_>>()
        .join("\n");
    assert_eq!(
        parse_run_folder_config(&legacy).unwrap().ppo.distribution,
        ActionDistribution::SquashedGaussian
    );
    let today = ron::ser::to_string(&RunConfig::default()).unwrap();
    assert_eq!(
        parse_run_folder_config(&today).unwrap().ppo.distribution,
        ActionDistribution::ClippedGaussian
    );
}

/// A copy of the shipped VAE policy's folder to spoil.
fn spoilable_copy(name: &str) -> std::path::PathBuf {
    let src = gaitscope::models_dir().join("policies/vae");
    let dir = std::env::temp_dir().join(format!("gaitscope-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("checkpoint")).unwrap();
    std::fs::copy(src.join("config.ron"), dir.join("config.ron")).unwrap();
    for f in std::fs::read_dir(src.join("checkpoint")).unwrap() {
        let f = f.unwrap().path();
        std::fs::copy(&f, dir.join("checkpoint").join(f.file_name().unwrap())).unwrap();
    }
    dir
}

#[test]
fn spoiled_checkpoints_are_refused_by_name() {
    use candle_core::{DType, Device, Tensor};
    let read = |dir: &std::path::Path| {
        candle_core::safetensors::load(dir.join("checkpoint/policy.safetensors"), &Device::Cpu)
            .unwrap()
    };
    let write = |dir: &std::path::Path, t: std::collections::HashMap<String, Tensor>| {
        candle_core::safetensors::save(&t, dir.join("checkpoint/policy.safetensors")).unwrap()
    };
    // One NaN weight.
    let dir = spoilable_copy("nan-weight");
    let mut t = read(&dir);
    let w = t["policy.0.weight"].clone();
    let mut v: Vec<f32> = w.flatten_all().unwrap().to_vec1().unwrap();
    v[7] = f32::NAN;
    t.insert(
        "policy.0.weight".into(),
        Tensor::from_vec(v, w.dims(), &Device::Cpu).unwrap(),
    );
    write(&dir, t);
    let err = format!(
        "{:#}",
        gaitscope::train::eval::evaluate(&dir, &eval_options(1, 0)).unwrap_err()
    );
    assert!(
        err.contains("non-finite") && err.contains("policy.0.weight"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
    // A tensor stored as I64 instead of F32.
    let dir = spoilable_copy("i64-tensor");
    let mut t = read(&dir);
    t.insert(
        "log_std".into(),
        Tensor::zeros(22, DType::I64, &Device::Cpu).unwrap(),
    );
    write(&dir, t);
    let err = format!(
        "{:#}",
        gaitscope::train::eval::evaluate(&dir, &eval_options(1, 0)).unwrap_err()
    );
    assert!(err.contains("log_std") && err.contains("I64"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
    // Observation statistics one value short.
    let dir = spoilable_copy("short-normalizer");
    let meta = dir.join("checkpoint/vae.ron");
    let text = std::fs::read_to_string(&meta).unwrap();
    let start = text.find("std: [").unwrap() + "std: [".len();
    let comma = start + text[start..].find(',').unwrap();
    let spoiled = format!("{}{}", &text[..start], &text[comma + 1..]);
    std::fs::write(&meta, spoiled).unwrap();
    let err = format!(
        "{:#}",
        gaitscope::train::eval::evaluate(&dir, &eval_options(1, 0)).unwrap_err()
    );
    assert!(err.contains("normalizer"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_run_folder_trains_in_one_process_at_a_time() {
    let dir = std::env::temp_dir().join(format!("gaitscope-locked-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    // A live owner (this very process) holds the lock: training refuses.
    std::fs::write(dir.join("train.lock"), format!("{}\n", std::process::id())).unwrap();
    let err = train(RunConfig::default(), &dir, None, None).unwrap_err();
    assert!(
        format!("{err:#}").contains("being trained by process"),
        "{err:#}"
    );
    // A stale lock (no such process) is taken over, and released at the end.
    std::fs::write(dir.join("train.lock"), "999999999\n").unwrap();
    let run = dir.join("run");
    std::fs::create_dir_all(&run).unwrap();
    std::fs::write(run.join("train.lock"), "999999999\n").unwrap();
    let state = train(
        tiny(&dir, 128, EncoderMode::Frozen, EncoderKind::None),
        &run,
        None,
        None,
    )
    .unwrap();
    assert_eq!(state.updates, 1);
    assert!(!run.join("train.lock").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_interrupted_checkpoint_swap_is_finished_or_undone_on_opening() {
    use gaitscope::train::folder::RunFolder;
    let dir = std::env::temp_dir().join(format!("gaitscope-swap-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let write = |d: &std::path::Path, update: &str| {
        std::fs::create_dir_all(d).unwrap();
        std::fs::write(d.join("policy.safetensors"), update).unwrap();
        std::fs::write(d.join("state.ron"), update).unwrap();
    };
    // Killed between the two renames: only checkpoint.old is complete. A half-written
    // checkpoint.new (no state.ron) and a temporary file are also left.
    write(&dir.join("checkpoint.old"), "10");
    std::fs::create_dir_all(dir.join("checkpoint.new")).unwrap();
    std::fs::write(dir.join("checkpoint.new/policy.safetensors"), "20").unwrap();
    std::fs::write(dir.join(".metrics.csv.tmp123"), "x").unwrap();
    {
        let (folder, recovery) = RunFolder::open(&dir).unwrap();
        assert!(folder.has_checkpoint());
        assert_eq!(recovery.repairs.len(), 3, "{:?}", recovery.repairs);
        let policy = std::fs::read_to_string(dir.join("checkpoint/policy.safetensors")).unwrap();
        assert_eq!(policy, "10");
        assert!(!dir.join("checkpoint.old").exists() && !dir.join("checkpoint.new").exists());
        assert!(!dir.join(".metrics.csv.tmp123").exists());
        // A failing write keeps the previous checkpoint whole.
        let err = folder
            .write_checkpoint(|d| {
                std::fs::write(d.join("policy.safetensors"), "30")?;
                anyhow::bail!("disk full")
            })
            .unwrap_err();
        assert!(format!("{err:#}").contains("disk full"), "{err:#}");
        let policy = std::fs::read_to_string(dir.join("checkpoint/policy.safetensors")).unwrap();
        assert_eq!(policy, "10");
        // A complete write replaces every file at once.
        folder
            .write_checkpoint(|d| {
                write(d, "40");
                Ok(())
            })
            .unwrap();
        let policy = std::fs::read_to_string(dir.join("checkpoint/policy.safetensors")).unwrap();
        assert_eq!(policy, "40");
        assert!(!dir.join("checkpoint.new").exists() && !dir.join("checkpoint.old").exists());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn metrics_are_cut_back_to_the_checkpoint_and_half_lines_dropped() {
    use gaitscope::train::folder::RunFolder;
    use gaitscope::train::messages::UpdateMetrics;
    let dir = std::env::temp_dir().join(format!("gaitscope-rows-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let row = |u: u64| {
        UpdateMetrics {
            update: u as usize,
            env_steps: 128 * u,
            ..UpdateMetrics::default()
        }
        .csv()
    };
    // Rows 1-3, then 2-3 again (a resume without truncation), then half of row 4.
    let mut text = format!("{}\n", UpdateMetrics::HEADER);
    for u in [1, 2, 3, 2, 3] {
        text.push_str(&row(u));
        text.push('\n');
    }
    text.push_str(&row(4)[..10]);
    std::fs::write(dir.join("metrics.csv"), &text).unwrap();
    let (folder, _) = RunFolder::open(&dir).unwrap();
    // The checkpoint holds update 1: rows after it go (the duplicates and the half line too).
    let dropped = folder
        .prepare_metrics(1, |_| unreachable!("the header is today's"))
        .unwrap();
    assert_eq!(dropped, 4);
    let kept = std::fs::read_to_string(dir.join("metrics.csv")).unwrap();
    assert_eq!(kept, format!("{}\n{}\n", UpdateMetrics::HEADER, row(1)));
    folder
        .append_metrics(&UpdateMetrics {
            update: 2,
            ..UpdateMetrics::default()
        })
        .unwrap();
    let rows = std::fs::read_to_string(dir.join("metrics.csv")).unwrap();
    assert_eq!(rows.lines().count(), 3);
    assert!(rows.ends_with('\n'));
    drop(folder);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_run_killed_at_random_instants_resumes_without_lost_or_repeated_updates() {
    use rand::{Rng, SeedableRng};
    let dir = std::env::temp_dir().join(format!("gaitscope-kill-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let run = dir.join("run");
    let updates = 60u64;
    let config = tiny(&dir, 128 * updates, EncoderMode::Frozen, EncoderKind::None);
    let path = dir.join("tiny.ron");
    std::fs::write(&path, ron::ser::to_string(&config).unwrap()).unwrap();
    let command = || {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_gaitscope"));
        c.args(["train", "--config"])
            .arg(&path)
            .arg("--out")
            .arg(&run)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        c
    };
    // Checkpoints every update, so kills land inside checkpoint writes as well. Each kill waits
    // for a new metrics row (so it lands after real progress, however fast the machine), then a
    // seeded random few milliseconds more.
    let mut rng = rand::rngs::SmallRng::seed_from_u64(13);
    let rows = || {
        std::fs::read_to_string(run.join("metrics.csv"))
            .map(|t| t.lines().count())
            .unwrap_or(0)
    };
    let mut kills = 0;
    for _ in 0..6 {
        let before = rows();
        let mut child = command().spawn().unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
        while child.try_wait().unwrap().is_none()
            && rows() <= before
            && std::time::Instant::now() < deadline
        {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        std::thread::sleep(std::time::Duration::from_millis(rng.gen_range(0..30)));
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL
            kills += 1;
        }
        child.wait().unwrap();
    }
    let status = command().status().unwrap();
    assert!(status.success(), "the final resume failed: {status}");
    assert!(kills > 0, "no run was killed: make the run longer");
    let metrics = std::fs::read_to_string(run.join("metrics.csv")).unwrap();
    let numbers: Vec<u64> = metrics
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(numbers, (1..=updates).collect::<Vec<_>>(), "{metrics}");
    let state = std::fs::read_to_string(run.join("checkpoint/state.ron")).unwrap();
    assert!(state.contains(&format!("updates: {updates}")), "{state}");
    // The best checkpoint so far is kept whole beside the last one.
    let best: gaitscope::train::run::RunState =
        ron::from_str(&std::fs::read_to_string(run.join("best/state.ron")).unwrap()).unwrap();
    assert!(
        best.best_update >= 1 && best.best_update as u64 <= updates,
        "{best:?}"
    );
    assert!(best.best_return.is_finite());
    assert!(run.join("best/policy.safetensors").exists());
    for leftover in [
        "checkpoint.new",
        "checkpoint.old",
        "best.new",
        "best.old",
        "train.lock",
    ] {
        assert!(!run.join(leftover).exists(), "{leftover} left behind");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
