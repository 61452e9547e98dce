//! Headless `App` tests (no window, no GPU): the systems that turn a simulation frame into
//! transforms and colours, the channel draining that must never wait on a busy trainer, and
//! playback's choice of frame.

use crate::common;

use std::path::PathBuf;
use std::time::Duration;

use bevy::prelude::*;
use crossbeam_channel::{bounded, Sender};
use gaitscope::app::assets::ModelData;
use gaitscope::app::bridge::{BridgePlugin, LiveFeed, RunView, Runs};
use gaitscope::app::commands::{CommandsPlugin, UiCommand};
use gaitscope::app::playback::{Library, Playback, PlaybackPlugin, Source};
use gaitscope::app::plots::{LivePlots, PlotsPlugin};
use gaitscope::app::scene::{
    scale_color, BodyPose, ColorBy, DisplayedFrame, MuscleMaterials, MuscleSegment, ScenePlugin,
    ViewSettings,
};
use gaitscope::app::AppOptions;
use gaitscope::env::{EnvConfig, WalkEnv};
use gaitscope::learn::encoder::EncoderKind;
use gaitscope::learn::ppo::EncoderMode;
use gaitscope::live::{Frame, Recording};
use gaitscope::train::messages::{Event, UpdateMetrics};

struct Channels {
    frames: Sender<Frame>,
    recordings: Sender<Recording>,
    _errors: Sender<String>,
}

/// An app with the scene, playback, bridge, plots and commands plugins, fed by channels the test holds.
fn headless_app() -> (App, Channels) {
    let data = ModelData::load(&EnvConfig::default()).unwrap();
    let (frames_tx, frames) = bounded(16);
    let (rec_tx, recordings) = bounded(16);
    let (err_tx, errors) = bounded(16);
    let mut app = App::new();
    app.add_plugins((
        MinimalPlugins,
        AssetPlugin::default(),
        bevy::input::InputPlugin,
    ))
    .init_asset::<Mesh>()
    .init_asset::<StandardMaterial>()
    .insert_resource(data)
    .insert_resource(AppOptions {
        load_shipped: false,
        ..AppOptions::default()
    })
    .insert_resource(LiveFeed {
        frames,
        recordings,
        errors,
        evaluator: None,
        latest: None,
        received: 0,
    })
    .add_plugins((
        ScenePlugin,
        PlaybackPlugin,
        BridgePlugin,
        PlotsPlugin,
        CommandsPlugin,
    ));
    (
        app,
        Channels {
            frames: frames_tx,
            recordings: rec_tx,
            _errors: err_tx,
        },
    )
}

fn captured(seed: u64, steps: usize) -> Frame {
    let mut env = WalkEnv::new(EnvConfig::default(), seed).unwrap();
    for _ in 0..steps {
        env.step(&[0.3; 22]).unwrap();
    }
    Frame::capture(&env)
}

#[test]
fn a_frame_poses_bodies_and_muscles_and_colours_them() {
    let (mut app, _channels) = headless_app();
    let mut frame = captured(1, 10);
    frame.muscles[0].activation = 1.0;
    frame.muscles[1].activation = 0.0;
    frame.muscles[2].force = 0.5;
    app.world_mut().resource_mut::<DisplayedFrame>().0 = Some(frame.clone());
    app.update();

    let world = app.world_mut();
    let mut bodies = world.query::<(&BodyPose, &Transform, &Visibility)>();
    let mut seen = 0;
    for (b, t, v) in bodies.iter(world) {
        let pose = if b.ghost {
            &frame.ghost[b.body]
        } else {
            &frame.bodies[b.body]
        };
        assert_eq!(*v, Visibility::Visible);
        assert!(t.translation.distance(Vec3::from_array(pose.translation)) < 1e-6);
        assert!(t.rotation.dot(Quat::from_array(pose.rotation)).abs() > 1.0 - 1e-6);
        seen += 1;
    }
    assert_eq!(
        seen,
        2 * frame.bodies.len(),
        "a pose holder per body, and one per ghost body"
    );

    let mut segments = world.query::<(&MuscleSegment, &Transform, &Visibility)>();
    let mut visible = 0;
    for (s, t, v) in segments.iter(world) {
        let points = &frame.muscles[s.muscle].points;
        if s.index + 1 >= points.len() {
            assert_eq!(*v, Visibility::Hidden, "segments past the active path hide");
            continue;
        }
        visible += 1;
        let a = Vec3::from_array(points[s.index]);
        let b = Vec3::from_array(points[s.index + 1]);
        // The unit cylinder's ends land on the two path points.
        let ends = [
            t.transform_point(Vec3::new(0.0, -0.5, 0.0)),
            t.transform_point(Vec3::new(0.0, 0.5, 0.0)),
        ];
        assert!(ends[0].distance(a) < 1e-4 && ends[1].distance(b) < 1e-4);
        assert!((t.scale.x - s.radius).abs() < 1e-6);
    }
    let expected: usize = frame.muscles.iter().map(|m| m.points.len() - 1).sum();
    assert_eq!(visible, expected);

    let handles = world.resource::<MuscleMaterials>().0.clone();
    let materials = world.resource::<Assets<StandardMaterial>>();
    let color = |i: usize| materials.get(&handles[i]).unwrap().base_color;
    assert_eq!(color(0), scale_color(1.0), "full activation is red");
    assert_eq!(color(1), scale_color(0.0), "no activation is blue");
    let red = color(0).to_linear();
    assert!(red.red > 0.8 && red.blue < 0.1);

    world.resource_mut::<ViewSettings>().color_by = ColorBy::Force;
    world.resource_mut::<ViewSettings>().ghost = false;
    app.update();
    let world = app.world_mut();
    let materials = world.resource::<Assets<StandardMaterial>>();
    assert_eq!(
        materials.get(&handles[2]).unwrap().base_color,
        scale_color(0.5),
        "coloured by force when asked"
    );
    let mut bodies = world.query::<(&BodyPose, &Visibility)>();
    for (b, v) in bodies.iter(world) {
        assert_eq!(*v == Visibility::Hidden, b.ghost, "only the ghost hides");
    }
}

#[test]
fn draining_never_waits_for_a_busy_trainer() {
    // The app lives on its own thread so that a blocking system would fail this test by
    // timeout instead of hanging it.
    let (done_tx, done_rx) = bounded(1);
    let frame_a = captured(2, 3);
    let frame_b = captured(2, 6);
    std::thread::spawn(move || {
        let (mut app, channels) = headless_app();
        // A training run whose learner is busy: its channel is open and silent.
        let (events_tx, events_rx) = bounded::<Event>(16);
        {
            let mut runs = app.world_mut().resource_mut::<Runs>();
            let mut run = RunView::new("busy", EncoderKind::Ae, EncoderMode::Frozen);
            run.events = Some(events_rx);
            runs.runs.push(run);
        }
        for _ in 0..20 {
            app.update();
        }
        assert!(app.world().resource::<DisplayedFrame>().0.is_none());
        // Frames arrive together: the newest is shown, all feed the plots.
        channels.frames.send(frame_a.clone()).unwrap();
        channels.frames.send(frame_b.clone()).unwrap();
        app.update();
        {
            let feed = app.world().resource::<LiveFeed>();
            assert_eq!(feed.received, 2);
            let shown = app.world().resource::<DisplayedFrame>();
            assert_eq!(shown.0.as_ref(), Some(&frame_b));
            let plots = app.world().resource::<LivePlots>();
            assert_eq!(plots.activations.len(), 2);
        }
        // Metrics and a finished episode arrive; both are taken in the same frame.
        events_tx
            .send(Event::Update(UpdateMetrics {
                update: 1,
                env_steps: 20480,
                mean_return: 3.0,
                ..Default::default()
            }))
            .unwrap();
        let mut rec = Recording::new("ep", &app.world().resource::<ModelData>().model, 0.01);
        rec.frames = vec![frame_a.clone(), frame_b.clone()];
        channels.recordings.send(rec).unwrap();
        app.update();
        assert_eq!(app.world().resource::<Runs>().runs[0].metrics.len(), 1);
        assert_eq!(app.world().resource::<Library>().len(), 1);
        // Then silence again, with every sender alive.
        for _ in 0..20 {
            app.update();
        }
        drop(events_tx);
        drop(channels);
        done_tx.send(()).unwrap();
    });
    done_rx
        .recv_timeout(Duration::from_secs(120))
        .expect("app updates blocked on a silent channel");
}

#[test]
fn a_full_library_keeps_the_recording_being_shown() {
    use gaitscope::app::playback::LIBRARY_SIZE;
    let (mut app, channels) = headless_app();
    let model = app.world().resource::<ModelData>().model.clone();
    let frame = captured(1, 2);
    let episode = |k: usize| {
        let mut rec = Recording::new(format!("ep{k}"), &model, 0.01);
        rec.frames = vec![frame.clone()];
        rec
    };
    let first = app
        .world_mut()
        .resource_mut::<Library>()
        .add(episode(0), None);
    app.world_mut().resource_mut::<Playback>().source = Source::Recording(first);
    // The library fills up, then finished live episodes keep arriving through the bridge while
    // the first recording plays.
    for k in 1..LIBRARY_SIZE {
        app.world_mut()
            .resource_mut::<Library>()
            .add(episode(k), Some(first));
    }
    for k in LIBRARY_SIZE..LIBRARY_SIZE + 5 {
        channels.recordings.send(episode(k)).unwrap();
    }
    app.update();
    let library = app.world().resource::<Library>();
    assert_eq!(library.len(), LIBRARY_SIZE);
    assert_eq!(library.get(first).unwrap().label, "#1 ep0");
    assert_eq!(
        app.world().resource::<Playback>().source,
        Source::Recording(first)
    );
    // The others went oldest first: ep1 to ep5 are gone, the newest is kept.
    let labels: Vec<&str> = library.iter().map(|(_, r)| r.label.as_str()).collect();
    assert_eq!(labels[1], "#7 ep6", "{labels:?}");
    let newest = format!("#{} ep{}", LIBRARY_SIZE + 5, LIBRARY_SIZE + 4);
    assert_eq!(library.newest().unwrap().label, newest);
}

#[test]
fn playback_shows_the_chosen_recorded_frame() {
    let (mut app, channels) = headless_app();
    let frames: Vec<Frame> = (1..=4).map(|k| captured(3, k * 2)).collect();
    let mut rec = Recording::new("ep", &app.world().resource::<ModelData>().model, 0.01);
    rec.frames = frames.clone();
    let id = app
        .world_mut()
        .resource_mut::<Library>()
        .add(rec.clone(), None);
    // A live frame arrives too; the recording wins while selected.
    channels.frames.send(captured(9, 1)).unwrap();
    {
        let mut p = app.world_mut().resource_mut::<Playback>();
        p.source = Source::Recording(id);
        p.playing = false;
        p.position = 0.02;
    }
    app.update();
    assert_eq!(
        app.world().resource::<DisplayedFrame>().0.as_ref(),
        Some(&frames[2])
    );
    let mut p = app.world().resource::<Playback>().clone();
    p.step(&rec, 1);
    assert_eq!(p.frame_index(&rec), 3);
    p.step(&rec, 5);
    assert_eq!(p.frame_index(&rec), 3, "stepping stops at the end");
    p.step(&rec, -10);
    assert_eq!(p.frame_index(&rec), 0);
    p.playing = true;
    p.looping = true;
    p.advance(&rec, 0.035);
    assert!(
        (p.position - 0.005).abs() < 1e-5,
        "loops past the end: {}",
        p.position
    );
}

#[test]
fn closing_the_app_stops_training_with_a_checkpoint() {
    let dir = std::env::temp_dir().join(format!("gaitscope-app-close-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let config = common::tiny_endless_run(&dir);
    let run_dir = dir.join("run");
    let (mut app, _channels) = headless_app();
    app.world_mut()
        .resource_mut::<Runs>()
        .start("closing".into(), config, &run_dir, None)
        .unwrap();
    // Update until the first metrics arrive, as the window would.
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while app.world().resource::<Runs>().runs[0].metrics.is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "no update within two minutes"
        );
        app.update();
        std::thread::sleep(Duration::from_millis(10));
    }
    // The window closes: the app and its resources are dropped mid-training.
    drop(app);
    let state = std::fs::read_to_string(run_dir.join("checkpoint").join("state.ron"))
        .expect("a checkpoint was written on close");
    assert!(state.contains("updates:"), "{state}");
    assert!(run_dir
        .join("checkpoint")
        .join("policy.safetensors")
        .exists());
    let _ = std::fs::remove_dir_all(dir);
}

/// Updates the app until `done` holds (file commands finish on helper threads), at most 10 s.
fn update_until(app: &mut App, done: impl Fn(&World) -> bool) -> bool {
    let until = std::time::Instant::now() + Duration::from_secs(10);
    while std::time::Instant::now() < until {
        app.update();
        if done(app.world()) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    false
}

#[test]
fn the_panels_commands_load_show_save_and_export_recordings() {
    let (mut app, _channels) = headless_app();
    let dir = common::temp_dir("ui-commands");
    let model = app.world().resource::<ModelData>().model.clone();
    let mut rec = Recording::new("walked", &model, 0.01);
    rec.frames = (1..=3).map(|k| captured(2, k * 2)).collect();
    let path = dir.join("walked.ron");
    rec.save(&path).unwrap();
    let write = |app: &mut App, c: UiCommand| {
        app.world_mut().write_message(c);
    };
    // Loading and showing: the player switches to it once the helper thread has read it.
    write(
        &mut app,
        UiCommand::LoadRecording {
            path: path.clone(),
            show: true,
        },
    );
    assert!(update_until(&mut app, |w| w.resource::<Library>().len() == 1));
    let Source::Recording(id) = app.world().resource::<Playback>().source else {
        panic!("the loaded recording is not shown");
    };
    let library = app.world().resource::<Library>();
    assert_eq!(library.get(id).unwrap().frames.len(), 3);
    // Saving and exporting the shown recording; a bad path is a message, not a panic.
    let (saved, mot) = (dir.join("copy.ron"), dir.join("copy.mot"));
    write(&mut app, UiCommand::SaveRecording(saved.clone()));
    write(&mut app, UiCommand::ExportMot(mot.clone()));
    write(
        &mut app,
        UiCommand::SaveRecording(PathBuf::from("/proc/gaitscope.ron")),
    );
    assert!(
        update_until(&mut app, |w| {
            let log = &w.resource::<Runs>().log;
            log.iter()
                .filter(|l| l.starts_with("saved") || l.starts_with("exported"))
                .count()
                == 2
                && log.iter().any(|l| l.starts_with("save failed"))
        }),
        "{:?}",
        app.world().resource::<Runs>().log
    );
    assert_eq!(Recording::load(&saved).unwrap().frames.len(), 3);
    let text = std::fs::read_to_string(&mot).unwrap();
    assert!(
        text.contains("endheader") && text.contains("hip_flexion_r"),
        "{text}"
    );
    // A load that fails says why and leaves the library as it was.
    write(
        &mut app,
        UiCommand::LoadRecording {
            path: dir.join("none.ron"),
            show: true,
        },
    );
    assert!(update_until(&mut app, |w| w
        .resource::<Runs>()
        .log
        .iter()
        .any(|l| l.starts_with("load failed"))));
    assert_eq!(app.world().resource::<Library>().len(), 1);
    // Viewing a model file that is not one says why in the log (no viewer window opens).
    let not_a_model = dir.join("not-a-model.osim");
    std::fs::write(&not_a_model, "<OpenSimDocument><Model><BodySet>").unwrap();
    write(&mut app, UiCommand::ViewModel(not_a_model));
    assert!(update_until(&mut app, |w| w
        .resource::<Runs>()
        .log
        .iter()
        .any(
            |l| l.starts_with("cannot view") && l.contains("not-a-model.osim")
        )));
    assert_eq!(
        app.world().resource::<Playback>().source,
        Source::Recording(id)
    );
}

#[test]
fn replay_plots_follow_the_shown_frame_as_a_rebuild_would() {
    use gaitscope::app::plots::ReplayPlots;
    let (mut app, _channels) = headless_app();
    // One episode, frame k after 2k steps of a constant excitation (the gait plot fills).
    let mut env = WalkEnv::new(EnvConfig::default(), 4).unwrap();
    let mut frames = Vec::new();
    for _ in 0..40 {
        env.step(&[0.3; 22]).unwrap();
        env.step(&[0.3; 22]).unwrap();
        frames.push(Frame::capture(&env));
    }
    let mut rec = Recording::new("ep", &app.world().resource::<ModelData>().model, 0.02);
    rec.frames = frames.clone();
    let id = app.world_mut().resource_mut::<Library>().add(rec, None);
    // Forward one frame and several, back, to the end, to the start.
    for shown in [0usize, 1, 2, 9, 25, 7, 39, 0, 30] {
        {
            let mut p = app.world_mut().resource_mut::<Playback>();
            p.source = Source::Recording(id);
            p.playing = false;
            p.position = shown as f32 * 0.02;
        }
        app.update();
        let mut fresh = app.world().resource::<LivePlots>().cleared();
        for f in &frames[..=shown] {
            fresh.push(f);
        }
        let replay = app.world().resource::<ReplayPlots>();
        assert_eq!(replay.key, Some((id, shown)));
        let plots = replay.plots.as_ref().unwrap();
        assert_eq!(plots.activations, fresh.activations, "frame {shown}");
        assert_eq!(plots.latent, fresh.latent);
        assert_eq!(plots.density, fresh.density);
        assert_eq!(format!("{:?}", plots.gait), format!("{:?}", fresh.gait));
    }
}

#[test]
fn loading_a_sweep_folder_adds_its_bands_across_seeds() {
    use gaitscope::app::plots::SweepBands;
    use gaitscope::train::sweep::Sweep;
    let (mut app, _channels) = headless_app();
    let dir = common::temp_dir("app-sweep").join("grid");
    let sweep = Sweep {
        encoders: vec![EncoderKind::Vae],
        seeds: vec![1, 2],
        recipe: "study".into(),
        mode: EncoderMode::Frozen,
        steps: 2048,
        envs: None,
        n_steps: None,
        eval_episodes: 0,
        algo: Default::default(),
        expert: None,
    };
    sweep.save(&dir).unwrap();
    for (seed, durations) in [(1, [1.0, 2.0]), (2, [3.0, 6.0])] {
        let run = dir.join(format!("vae-s{seed}"));
        std::fs::create_dir_all(&run).unwrap();
        let mut csv = format!("{}\n", UpdateMetrics::HEADER);
        for (k, d) in durations.iter().enumerate() {
            let m = UpdateMetrics {
                update: k + 1,
                env_steps: 1024 * (k as u64 + 1),
                mean_duration: *d,
                mean_return: 10.0 * d,
                ..UpdateMetrics::default()
            };
            csv += &format!("{}\n", m.csv());
        }
        std::fs::write(run.join("metrics.csv"), csv).unwrap();
    }
    app.world_mut()
        .write_message(UiCommand::LoadRun(dir.clone()));
    assert!(update_until(&mut app, |w| !w
        .resource::<SweepBands>()
        .0
        .is_empty()));
    let bands = &app.world().resource::<SweepBands>().0;
    assert_eq!(bands.len(), 1);
    assert_eq!(bands[0].steps, vec![1024.0, 2048.0]);
    // Seeds 1 and 2 at update 2: durations 2 and 6, mean 4, sample std 2 sqrt(2).
    let (m, s) = bands[0].duration[1];
    assert_eq!(m, 4.0);
    assert!((s - 8f64.sqrt()).abs() < 1e-12);
    // Loading it again replaces its bands instead of doubling them.
    app.world_mut().write_message(UiCommand::LoadRun(dir));
    for _ in 0..20 {
        app.update();
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(app.world().resource::<SweepBands>().0.len(), 1);
}

#[test]
fn the_follow_camera_jumps_to_a_new_episode_and_eases_along_a_walk() {
    use gaitscope::app::camera::follow_target;
    let target = Vec3::new(14.0, 0.9, 0.3);
    // A reset puts the pelvis back at the start: the camera is there at once, height kept.
    let snapped = follow_target(target, Vec3::new(0.0, 0.95, 0.0), 0.016);
    assert_eq!(snapped, Vec3::new(0.0, 0.9, 0.0));
    // Walking on: a few centimetres ahead, eased by 1 - exp(-4 dt).
    let eased = follow_target(target, Vec3::new(14.1, 0.95, 0.3), 0.25);
    let k = 1.0 - (-1.0f32).exp();
    assert!((eased.x - (14.0 + 0.1 * k)).abs() < 1e-5, "{eased}");
    assert_eq!((eased.y, eased.z), (0.9, 0.3));
}

#[test]
fn the_method_picker_configures_runs_and_loaded_runs_show_their_method() {
    use gaitscope::app::ui::UiState;
    use gaitscope::train::run::{Algo, ImitationConfig, RunConfig};
    // DAgger from the panel: the encoder is frozen whatever the mode radio says, and the
    // expert is the folder typed in.
    let mut state = UiState::default();
    state.algo = Algo::Dagger;
    state.mode = EncoderMode::Joint;
    state.expert_path = " models/policies/walk ".into();
    let c = state
        .run_config()
        .expect("the default configuration parses");
    assert_eq!((c.algo, c.mode), (Algo::Dagger, EncoderMode::Frozen));
    assert_eq!(
        c.imitation.expert.as_deref(),
        Some(std::path::Path::new("models/policies/walk"))
    );
    c.validate().unwrap();
    // PPO keeps the chosen mode and needs no expert.
    state.algo = Algo::Ppo;
    let c = state.run_config().unwrap();
    assert_eq!((c.algo, c.mode), (Algo::Ppo, EncoderMode::Joint));
    assert!(c.imitation.expert.is_none());
    // A ridge run folder loads beside the others with its method named.
    let dir = common::temp_dir("app-ridge");
    let run = dir.join("ridge-run");
    let config = RunConfig {
        algo: Algo::Ridge,
        encoder: EncoderKind::None,
        encoder_dir: Some(dir.join("no-encoders")),
        imitation: ImitationConfig {
            expert: Some(gaitscope::models_dir().join("policies/none")),
            expert_steps: 300,
            eval_episodes: 1,
            ..ImitationConfig::default()
        },
        workers: 1,
        ..RunConfig::default()
    };
    gaitscope::train::trainer::train(config, &run, None, None).unwrap();
    let (mut app, _channels) = headless_app();
    app.world_mut()
        .write_message(UiCommand::LoadRun(run.clone()));
    assert!(
        update_until(&mut app, |w| w
            .resource::<Runs>()
            .runs
            .iter()
            .any(|r| r.label == "ridge-run")),
        "{:?}",
        app.world().resource::<Runs>().log
    );
    let runs = app.world().resource::<Runs>();
    let view = runs.runs.iter().find(|r| r.label == "ridge-run").unwrap();
    assert_eq!(view.algo, Algo::Ridge);
    assert_eq!(view.metrics.len(), 1);
    assert!(view.policy.is_some());
}
