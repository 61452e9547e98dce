//! The live view's headless side: frames captured from the environment, the evaluation thread,
//! recordings (round trip, bad files, `.mot` export), policy snapshots, and a training session's
//! pause, resume and stop.

use crate::common;

use std::time::{Duration, Instant};

use gaitscope::env::{EnvConfig, WalkEnv};
use gaitscope::learn::encoder::EncoderKind;
use gaitscope::learn::snapshot::PolicySnapshot;
use gaitscope::live::evaluator::{EvalCommand, Evaluator, EvaluatorConfig};
use gaitscope::live::{Frame, Recording};
use gaitscope::osim::Table;
use gaitscope::train::folder::load_policy;
use gaitscope::train::messages::{Control, Event};
use gaitscope::train::session::TrainingSession;

fn temp(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("gaitscope-live-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn a_frame_shows_the_simulated_pose_and_the_reference_ghost() {
    let env = WalkEnv::new(EnvConfig::default(), 1).unwrap();
    let frame = Frame::capture(&env);
    let model = env.sim().model();
    assert_eq!(frame.bodies.len(), model.bodies.len());
    assert_eq!(frame.ghost.len(), model.bodies.len());
    assert_eq!(frame.muscles.len(), 22);
    assert_eq!(frame.contact_spheres.len(), model.contact_spheres.len());
    let frames = env.sim().body_frames();
    let pelvis = model.body_index("pelvis").unwrap();
    for k in 0..3 {
        assert!((frame.bodies[pelvis].translation[k] as f64 - frames[pelvis].pos[k]).abs() < 1e-5);
    }
    for m in &frame.muscles {
        assert!(m.points.len() >= 2, "a muscle path has at least two points");
        assert!((0.0..=1.0).contains(&m.activation));
        assert!(
            m.fiber_length > 0.3 && m.fiber_length < 1.8,
            "{}",
            m.fiber_length
        );
    }
    // The episode starts on the reference at phase 0, so the ghost overlaps the model: same
    // orientation of every body, origins within the 2 mm knee approximation and the height fix.
    for (b, g) in frame.bodies.iter().zip(&frame.ghost).skip(1) {
        let dot: f32 = (0..4).map(|k| b.rotation[k] * g.rotation[k]).sum();
        assert!(dot.abs() > 0.999, "ghost orientation differs: {dot}");
        for k in [0, 2] {
            assert!((b.translation[k] - g.translation[k]).abs() < 0.01);
        }
    }
    // Standing on the ground: the feet carry nothing yet, the centre of mass is about 1 m up.
    assert!(frame.center_of_mass[1] > 0.8 && frame.center_of_mass[1] < 1.2);
}

#[test]
fn the_evaluator_streams_frames_and_records_whole_episodes() {
    let eval = Evaluator::spawn(EvaluatorConfig {
        speed: f32::INFINITY,
        frame_buffer: 4,
        ..EvaluatorConfig::default()
    })
    .unwrap();
    // Nobody drains frames for a while: the thread must go on (frames are dropped, not queued).
    let deadline = Instant::now() + Duration::from_secs(60);
    let rec = loop {
        match eval.recordings.recv_timeout(Duration::from_millis(100)) {
            Ok(r) => break r,
            Err(_) => assert!(
                Instant::now() < deadline,
                "no episode ended within a minute"
            ),
        }
    };
    assert!(eval.frames.len() <= 4);
    // A passive model falls: the episode ends early, its frames are consecutive steps.
    assert!(
        rec.frames.len() > 10 && rec.frames.len() < 1000,
        "{}",
        rec.frames.len()
    );
    rec.validate().unwrap();
    for w in rec.frames.windows(2) {
        assert!((w[1].time - w[0].time - rec.dt).abs() < 1e-4);
    }
    let last = rec.frames.last().unwrap();
    assert!(last.bodies[1].translation[1] < 0.7, "the pelvis came down");
    // Pausing stops the stream; resuming restarts it.
    assert!(eval.send(EvalCommand::Pause(true)));
    std::thread::sleep(Duration::from_millis(200));
    while eval.frames.try_recv().is_ok() {}
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        eval.frames.try_recv().is_err(),
        "frames arrived while paused"
    );
    assert!(eval.send(EvalCommand::Pause(false)));
    assert!(eval.frames.recv_timeout(Duration::from_secs(10)).is_ok());
    drop(eval); // joins the thread
}

#[test]
fn recordings_round_trip_reject_bad_files_and_export_motion() {
    let dir = temp("rec");
    let mut env = WalkEnv::new(EnvConfig::default(), 3).unwrap();
    let model = env.sim().model().clone();
    let mut rec = Recording::new("test", &model, 0.01);
    for _ in 0..5 {
        rec.frames.push(Frame::capture(&env));
        env.step(&[0.1; 22]).unwrap();
    }
    let path = dir.join("episode.ron");
    rec.save(&path).unwrap();
    let back = Recording::load(&path).unwrap();
    assert_eq!(back, rec, "a recording reads back exactly");

    std::fs::write(dir.join("garbage.ron"), "(version: 1, label: ").unwrap();
    let err = Recording::load(&dir.join("garbage.ron")).unwrap_err();
    assert!(
        format!("{err:#}").contains("not a gaitscope recording"),
        "{err:#}"
    );
    let mut wrong = rec.clone();
    wrong.version = 99;
    wrong.save(&dir.join("v99.ron")).unwrap();
    assert!(
        format!("{:#}", Recording::load(&dir.join("v99.ron")).unwrap_err()).contains("version")
    );
    let mut short = rec.clone();
    short.frames[2].coordinates.pop();
    short.save(&dir.join("short.ron")).unwrap();
    assert!(Recording::load(&dir.join("short.ron")).is_err());
    let mut nan = rec.clone();
    nan.frames[1].bodies[2].translation[0] = f32::NAN;
    let err = format!("{:#}", nan.validate().unwrap_err());
    assert!(err.contains("frame 1") && err.contains("bodies"), "{err}");
    nan.save(&dir.join("nan.ron")).unwrap();
    assert!(Recording::load(&dir.join("nan.ron")).is_err());

    let mot = dir.join("episode.mot");
    rec.export_mot(&mot).unwrap();
    let table = Table::load(&mot).unwrap();
    assert!(table.in_degrees);
    assert_eq!(table.rows.len(), 5);
    assert_eq!(table.labels[0], "time");
    let knee = model.coordinate_index("knee_angle_r").unwrap();
    let col = table.column_index("knee_angle_r").unwrap();
    for (row, f) in table.rows.iter().zip(&rec.frames) {
        assert!((row[col] - (f.coordinates[knee] as f64).to_degrees()).abs() < 1e-4);
    }
    let tx = table.column_index("pelvis_tx").unwrap();
    let ci = model.coordinate_index("pelvis_tx").unwrap();
    assert!(
        (table.rows[4][tx] - rec.frames[4].coordinates[ci] as f64).abs() < 1e-6,
        "metres stay metres"
    );
    assert!((table.rows[4][0] - 0.04).abs() < 1e-9);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_policy_snapshot_acts_like_the_learner() {
    let dir = gaitscope::models_dir().join("policies").join("vae");
    let (config, mut ppo) = load_policy(&dir).unwrap();
    let snapshot = PolicySnapshot::from_networks(&ppo.encoder, &ppo.net).unwrap();
    let mut env = WalkEnv::new(config.env.clone(), 5).unwrap();
    for _ in 0..5 {
        let raw = env.observation().to_vec();
        let mut obs: Vec<f32> = raw.iter().map(|v| *v as f32).collect();
        ppo.encoder.normalizer.apply(&mut obs);
        let expected = ppo.act(&obs, true).unwrap().a;
        let got = snapshot.act(&raw);
        assert_eq!(got.len(), expected.len());
        for (g, e) in got.iter().zip(&expected) {
            assert!((g - *e as f64).abs() < 1e-4, "{g} vs {e}");
        }
        env.step(&got).unwrap();
    }
}

#[test]
fn a_training_session_pauses_resumes_and_stops_with_a_checkpoint() {
    let dir = temp("session");
    let config = common::tiny_endless_run(&dir);
    let run = dir.join("run");
    let mut session = TrainingSession::start(config, &run, false).unwrap();
    let next_update = |s: &TrainingSession, within: Duration| {
        let deadline = Instant::now() + within;
        let mut policy = false;
        while Instant::now() < deadline {
            match s.events.recv_timeout(Duration::from_millis(50)) {
                Ok(Event::Update(m)) => return Some((m, policy)),
                Ok(Event::Policy(_)) => policy = true,
                Ok(Event::Finished(s)) => panic!("training ended: {s}"),
                _ => {}
            }
        }
        None
    };
    let (first, _) = next_update(&session, Duration::from_secs(120)).expect("a first update");
    assert_eq!(first.env_steps, 32);
    // After each update the learner publishes its policy for the live view.
    let (_, policy_seen) = next_update(&session, Duration::from_secs(60)).unwrap();
    assert!(policy_seen);
    session.send(Control::Pause);
    // An update in flight may still finish; then nothing.
    std::thread::sleep(Duration::from_millis(800));
    while session.events.try_recv().is_ok() {}
    assert!(
        next_update(&session, Duration::from_millis(1500)).is_none(),
        "an update arrived while paused"
    );
    session.send(Control::Resume);
    assert!(next_update(&session, Duration::from_secs(60)).is_some());
    let state = session.stop_and_join().unwrap().unwrap();
    assert!(state.updates >= 3);
    let saved = std::fs::read_to_string(run.join("checkpoint").join("state.ron")).unwrap();
    assert!(
        saved.contains(&format!("updates: {}", state.updates)),
        "{saved}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn record_episode_runs_to_the_end_with_latent_points() {
    use gaitscope::live::recording::record_episode;
    let mut env = WalkEnv::new(EnvConfig::default(), 4).unwrap();
    let latent = gaitscope::live::shipped_latent_map(EncoderKind::Ae).unwrap();
    let rec = record_episode(&mut env, None, Some(&latent), "passive").unwrap();
    rec.validate().unwrap();
    // A passive model falls well before the time limit; every frame is placed in the picture.
    assert!(rec.frames.len() > 10 && rec.frames.len() < 1001);
    assert!(rec.frames.iter().all(|f| f.latent.is_some()));
    let sum: f32 = rec.frames.iter().map(|f| f.reward).sum();
    assert!((sum - rec.episode_return()).abs() < 1e-3);
}

#[test]
fn the_evaluator_takes_a_new_latent_map() {
    let eval = Evaluator::spawn(EvaluatorConfig {
        speed: f32::INFINITY,
        ..EvaluatorConfig::default()
    })
    .unwrap();
    let first = eval.frames.recv_timeout(Duration::from_secs(30)).unwrap();
    assert!(first.latent.is_none(), "no 2-D encoder yet");
    let map = gaitscope::live::shipped_latent_map(EncoderKind::Vae).unwrap();
    assert!(eval.send(EvalCommand::SetLatent(Some(Box::new(map)))));
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let f = eval.frames.recv_timeout(Duration::from_secs(10)).unwrap();
        if let Some(z) = f.latent {
            assert!(z.iter().all(|v| v.is_finite()));
            break;
        }
        assert!(Instant::now() < deadline, "frames never got a latent point");
    }
}

#[test]
fn the_evaluator_switches_to_the_watched_runs_environment() {
    let eval = Evaluator::spawn(EvaluatorConfig {
        speed: f32::INFINITY,
        ..EvaluatorConfig::default()
    })
    .unwrap();
    // The walking recipe's environment: the phase observation, 50 Hz control.
    let walk = gaitscope::train::run::recipe("walk").unwrap().env;
    assert_eq!(walk.step_seconds(), 0.02);
    assert!(eval.send(EvalCommand::SetPolicy {
        label: "walk env".into(),
        policy: None,
        env: Some(Box::new(walk)),
    }));
    let deadline = Instant::now() + Duration::from_secs(60);
    let rec = loop {
        match eval.recordings.recv_timeout(Duration::from_millis(100)) {
            Ok(r) if r.label == "walk env" => break r,
            Ok(_) => {}
            Err(_) => assert!(Instant::now() < deadline, "no walk-env episode ended"),
        }
    };
    assert!((rec.dt - 0.02).abs() < 1e-6, "{}", rec.dt);
    rec.validate().unwrap();
    // Every step holds its action for two 0.01 s intervals; the last one may end after one
    // (the episode ended inside the repeat).
    let gaps: Vec<f32> = rec
        .frames
        .windows(2)
        .map(|w| w[1].time - w[0].time)
        .collect();
    let (last, steps) = gaps.split_last().unwrap();
    for g in steps {
        assert!((g - 0.02).abs() < 1e-4, "{gaps:?}");
    }
    assert!(*last > 0.005 && *last < 0.0201, "{gaps:?}");
    drop(eval);
}
