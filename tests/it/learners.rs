//! The other seeds' learners through the training pipeline on a tiny budget: SAC, TD3 and DDPG
//! with the workers and the replay buffer, BC, DAgger and ridge with the shipped policy as the
//! expert; the run folders, metrics, checkpoints, resume and evaluation they share with PPO.

use gaitscope::learn::encoder::EncoderKind;
use gaitscope::learn::ppo::{EncoderMode, PpoConfig};
use gaitscope::train::collect::{collect_expert, Expert, ExpertData};
use gaitscope::train::metrics::read_metrics;
use gaitscope::train::run::{Algo, ImitationConfig, RunConfig};
use gaitscope::train::trainer::train;

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("gaitscope-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn tiny(dir: &std::path::Path, algo: Algo, steps: u64) -> RunConfig {
    let mut off = algo
        .off_policy()
        .map(gaitscope::learn::offpolicy::OffPolicyConfig::seed004);
    if let Some(o) = &mut off {
        o.hidden = vec![16, 16];
        o.batch_size = 32;
        o.learning_starts = 100;
        o.log_every = 200;
    }
    RunConfig {
        ppo: PpoConfig {
            n_envs: 2,
            ..PpoConfig::default()
        },
        algo,
        off_policy: off,
        encoder: EncoderKind::None,
        mode: EncoderMode::Frozen,
        encoder_dir: Some(dir.join("no-encoders")),
        total_steps: steps,
        workers: 2,
        checkpoint_every: 1,
        ..RunConfig::default()
    }
}

fn eval_one(run: &std::path::Path) -> gaitscope::train::eval::EvalReport {
    gaitscope::train::eval::evaluate(
        run,
        &gaitscope::train::eval::EvalOptions {
            episodes: 1,
            seconds: Some(0.5),
            ..Default::default()
        },
    )
    .unwrap()
}

#[test]
fn off_policy_runs_write_metrics_and_checkpoints_resume_and_evaluate() {
    let dir = scratch("offpolicy");
    for algo in [Algo::Td3, Algo::Sac, Algo::Ddpg] {
        let run = dir.join(algo.name());
        let state = train(tiny(&dir, algo, 400), &run, None, None).unwrap();
        assert_eq!((state.updates, state.env_steps), (2, 400), "{algo:?}");
        for f in ["policy.safetensors", "learner.safetensors", "state.ron"] {
            assert!(run.join("checkpoint").join(f).exists(), "{algo:?}: {f}");
        }
        let rows = read_metrics(&run.join("metrics.csv")).unwrap();
        assert_eq!(rows.len(), 2);
        // The first 100 steps are random; learning starts after them, so both rows learnt.
        for r in &rows {
            assert!(
                r.stats.value_loss.is_finite() && r.stats.value_loss >= 0.0,
                "{r:?}"
            );
            assert!(r.stats.policy_loss.is_finite(), "{algo:?}: {r:?}");
            assert!(r.stats.approx_kl.is_nan() && r.test_mse.is_nan());
        }
        match algo {
            // Seed 004's fixed entropy coefficient, and an entropy estimate.
            Algo::Sac => {
                assert!((rows[1].ent_coef - 0.01).abs() < 1e-9 && rows[1].stats.entropy.is_finite())
            }
            _ => assert!(rows[1].ent_coef.is_nan()),
        }
        // Resume with a larger budget: one more row, nothing repeated.
        let state = train(tiny(&dir, algo, 600), &run, None, None).unwrap();
        assert_eq!((state.updates, state.env_steps), (3, 600), "{algo:?}");
        let rows = read_metrics(&run.join("metrics.csv")).unwrap();
        assert_eq!(
            rows.iter().map(|r| r.env_steps).collect::<Vec<_>>(),
            [200, 400, 600]
        );
        // eval acts with the deployable actor.
        let report = eval_one(&run);
        assert!(report.mean_return.is_finite() && report.mean_duration_s > 0.0);
        assert_eq!(report.std_return, 0.0, "one episode has no spread");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn imitation(dir: &std::path::Path, algo: Algo, iterations: usize) -> RunConfig {
    RunConfig {
        imitation: ImitationConfig {
            expert: Some(gaitscope::models_dir().join("policies/none")),
            expert_steps: 600,
            iterations,
            steps_per_iteration: 200,
            eval_episodes: 1,
            bc: gaitscope::learn::imitation::BcConfig {
                epochs: 2,
                ..Default::default()
            },
            ..ImitationConfig::default()
        },
        ..tiny(dir, algo, 1)
    }
}

#[test]
fn imitation_runs_fit_the_expert_and_dagger_aggregates_its_visits() {
    let dir = scratch("imitation");
    // Ridge: one closed-form fit, scored on the held-out 15 %.
    let ridge = dir.join("ridge");
    let state = train(imitation(&dir, Algo::Ridge, 5), &ridge, None, None).unwrap();
    assert_eq!((state.updates, state.env_steps), (1, 600));
    let row = read_metrics(&ridge.join("metrics.csv")).unwrap()[0];
    assert!(row.test_mse.is_finite() && row.test_mse >= 0.0, "{row:?}");
    assert!(row.test_r2.is_finite() && row.test_r2 <= 1.0, "{row:?}");
    assert!(row.mean_return.is_finite() && row.episodes == 1);
    assert!(ridge.join("expert_data.safetensors").exists());
    assert!(eval_one(&ridge).mean_duration_s > 0.0);
    // BC: two rows on the expert's data alone; the training loss falls.
    let bc = dir.join("bc");
    let state = train(imitation(&dir, Algo::Bc, 2), &bc, None, None).unwrap();
    assert_eq!((state.updates, state.env_steps), (2, 600));
    let rows = read_metrics(&bc.join("metrics.csv")).unwrap();
    assert!(
        rows[1].stats.policy_loss < rows[0].stats.policy_loss,
        "{rows:?}"
    );
    assert!(eval_one(&bc).mean_return.is_finite());
    // DAgger: each iteration after the first adds 200 labelled visits.
    let dagger = dir.join("dagger");
    let state = train(imitation(&dir, Algo::Dagger, 2), &dagger, None, None).unwrap();
    assert_eq!((state.updates, state.env_steps), (2, 800));
    let visits = ExpertData::load(&dagger.join("checkpoint/visits.safetensors")).unwrap();
    assert_eq!(visits.len(), 200);
    // Resumed with one more iteration: the visits grow by 200 more, the data is the same.
    let state = train(imitation(&dir, Algo::Dagger, 3), &dagger, None, None).unwrap();
    assert_eq!((state.updates, state.env_steps), (3, 1000));
    let visits = ExpertData::load(&dagger.join("checkpoint/visits.safetensors")).unwrap();
    assert_eq!(visits.len(), 400);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_expert_dataset_round_trips_and_bad_ones_are_refused() {
    let dir = scratch("expert-data");
    std::fs::create_dir_all(&dir).unwrap();
    let expert = Expert::load(&gaitscope::models_dir().join("policies/none")).unwrap();
    let data = collect_expert(&expert, 50, 3).unwrap();
    assert_eq!((data.len(), data.act_dim), (50, 22));
    assert!(data.actions.iter().all(|a| (0.0..=1.0).contains(a)));
    let path = dir.join("expert.safetensors");
    data.save(&path).unwrap();
    assert_eq!(ExpertData::load(&path).unwrap(), data);
    assert!(collect_expert(&expert, 0, 3).is_err());
    std::fs::write(&path, b"not a safetensors file").unwrap();
    let err = ExpertData::load(&path).unwrap_err().to_string();
    assert!(err.contains("not a readable expert dataset"), "{err}");
    // An observations-only file (from plain `collect`) names what is missing.
    gaitscope::train::collect::Dataset {
        observations: vec![0.0; 10],
        obs_dim: 5,
    }
    .save(&path)
    .unwrap();
    let err = format!("{:#}", ExpertData::load(&path).unwrap_err());
    assert!(err.contains("no \"actions\" tensor"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn method_settings_that_cannot_work_are_refused_before_anything_starts() {
    let dir = scratch("learner-config");
    let refused = |c: RunConfig, needle: &str| {
        let err = format!("{:#}", train(c, &dir.join("run"), None, None).unwrap_err());
        assert!(err.contains(needle), "{err}");
        assert!(!dir.join("run/config.ron").exists());
    };
    let mut c = imitation(&dir, Algo::Dagger, 2);
    c.imitation.expert = None;
    refused(c, "needs an expert run");
    let mut c = tiny(&dir, Algo::Td3, 100);
    c.mode = EncoderMode::Joint;
    refused(c, "frozen encoder only");
    let mut c = tiny(&dir, Algo::Sac, 100);
    c.init_from = Some(dir.join("elsewhere"));
    refused(c, "init_from");
    let mut c = tiny(&dir, Algo::Td3, 100);
    c.off_policy.as_mut().unwrap().batch_size = 0;
    refused(c, "off_policy.batch_size");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_run_from_a_dataset_keeps_its_own_copy_and_resumes_without_the_file() {
    let dir = scratch("bc-dataset");
    std::fs::create_dir_all(&dir).unwrap();
    let expert = Expert::load(&gaitscope::models_dir().join("policies/none")).unwrap();
    let file = dir.join("expert.safetensors");
    collect_expert(&expert, 300, 5)
        .unwrap()
        .save(&file)
        .unwrap();
    let mut c = imitation(&dir, Algo::Bc, 1);
    c.imitation.expert = None;
    c.imitation.dataset = Some(file.clone());
    let run = dir.join("bc");
    train(c.clone(), &run, None, None).unwrap();
    std::fs::remove_file(&file).unwrap();
    c.imitation.iterations = 2;
    let state = train(c, &run, None, None).unwrap();
    assert_eq!((state.updates, state.env_steps), (2, 300));
    let _ = std::fs::remove_dir_all(&dir);
}
