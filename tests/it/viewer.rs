//! The model viewer (`gaitscope view`) without a window: opening models that are not ours, bad
//! files that keep the previous model and say why, sliders that clamp and drag coupled
//! coordinates along, a motion on the timeline, and the scene's entities and colours.

use std::path::{Path, PathBuf};

use bevy::input::keyboard::{Key, KeyboardInput, NativeKey};
use bevy::input::ButtonState;
use bevy::prelude::*;
use gaitscope::app::camera::OrbitCamera;
use gaitscope::app::viewer::scene::{ViewerBody, ViewerSegment, ViewerWrap};
use gaitscope::app::viewer::state::MusclePath;
use gaitscope::app::viewer::{ViewerColor, ViewerPlugin, ViewerState};

fn fixture(model: &str, file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/opensim4")
        .join(model)
        .join(file)
}

#[test]
fn a_bad_file_keeps_the_open_model_and_says_why() {
    let mut state = ViewerState::default();
    state.open_model(&fixture("arm26", "arm26.osim"));
    assert!(state.error.is_none(), "{:?}", state.error);
    let generation = state.generation;
    let dir = std::env::temp_dir().join(format!("gaitscope-view-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("cut.osim");
    let text = std::fs::read_to_string(fixture("arm26", "arm26.osim")).unwrap();
    std::fs::write(&bad, &text[..text.len() / 2]).unwrap();
    state.open_model(&bad);
    let e = state.error.clone().unwrap();
    assert!(e.contains("cut.osim") && e.contains("XML"), "{e}");
    assert_eq!(state.generation, generation, "the arm stays open");
    assert_eq!(state.open.as_ref().unwrap().model.name, "arm26");
    state.open_motion(&dir.join("missing.mot"));
    assert!(state.error.as_ref().unwrap().contains("missing.mot"));
    // A motion whose columns name none of the model's coordinates is refused, not played.
    let other = fixture("Tug_of_War", "poses.mot");
    state.open_motion(&other);
    assert!(state
        .error
        .as_ref()
        .unwrap()
        .contains("none of its columns"));
    assert!(state.motion.is_none());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn sliders_clamp_and_coupled_coordinates_follow() {
    let mut state = ViewerState::default();
    state.open_model(&fixture("leg6dof9musc", "leg6dof9musc.osim"));
    let model = state.open.as_ref().unwrap().model.clone();
    let knee = model.coordinate_index("knee_angle_r").unwrap();
    let patella = model.coordinate_index("knee_angle_pat_r").unwrap();
    state.set_coordinate(knee, -1.0);
    assert_eq!(state.q[knee], -1.0);
    assert_eq!(state.q[patella], -1.0, "the coupler is the identity here");
    state.set_coordinate(knee, -50.0);
    assert_eq!(state.q[knee], model.coordinates[knee].range[0]);
    // The dependent coordinate cannot be set by hand: it follows its constraint.
    state.set_coordinate(patella, 0.3);
    assert_eq!(state.q[patella], state.q[knee]);
}

#[test]
fn a_motion_poses_the_model_row_by_row() {
    let mut state = ViewerState::default();
    state.open_model(&fixture("arm26", "arm26.osim"));
    state.open_motion(&fixture("arm26", "poses.mot"));
    assert!(state.error.is_none(), "{:?}", state.error);
    let m = state.motion.as_ref().unwrap();
    assert_eq!(m.row_index(), 0);
    let row3 = m.table.rows[3].clone();
    let elbow = state
        .open
        .as_ref()
        .unwrap()
        .model
        .coordinate_index("r_elbow_flex")
        .unwrap();
    let column = m.table.column_index("r_elbow_flex").unwrap();
    let t3 = row3[0] - m.table.rows[0][0];
    state.motion.as_mut().unwrap().playing = true;
    state.advance(t3);
    assert_eq!(state.motion.as_ref().unwrap().row_index(), 3);
    assert!((state.q[elbow] - row3[column]).abs() < 1e-12);
    state.motion.as_mut().unwrap().step(-1);
    state.apply_motion();
    assert_eq!(state.motion.as_ref().unwrap().row_index(), 2);
}

/// Colour values of the arm's muscles by moment arm about the elbow.
fn elbow_values(state: &mut ViewerState) -> Vec<Option<f32>> {
    let model = state.open.as_ref().unwrap().model.clone();
    state.color = ViewerColor::MomentArm;
    state.coordinate = model.coordinate_index("r_elbow_flex").unwrap();
    let (_, muscles) = state.pose().unwrap();
    muscles.iter().map(|m: &MusclePath| m.value).collect()
}

#[test]
fn muscles_are_coloured_by_moment_arm_and_wrap_over_their_surfaces() {
    let mut state = ViewerState::default();
    state.open_model(&fixture("arm26", "arm26.osim"));
    let values = elbow_values(&mut state);
    let model = state.open.as_ref().unwrap().model.clone();
    let bic = model.muscle_index("BIClong").unwrap();
    let tri = model.muscle_index("TRIlong").unwrap();
    assert!(
        values[bic].unwrap() > 0.5,
        "biceps flex the elbow: {values:?}"
    );
    assert!(values[tri].unwrap() < 0.5, "triceps extend it: {values:?}");
    // Every muscle crosses the elbow or not; none is NaN.
    assert!(values.iter().flatten().all(|v| v.is_finite()));
    // The brachialis wraps over its cylinder: its drawn path has more than its 2 points.
    let (_, muscles) = state.pose().unwrap();
    let bra = model.muscle_index("BRA").unwrap();
    assert!(muscles[bra].points.len() > model.muscles[bra].path.len());
}

#[test]
fn the_scene_builds_a_holder_per_body_and_segments_per_muscle() {
    let mut state = ViewerState::default();
    state.open_model(&fixture("Rajagopal2016", "Rajagopal2016.osim"));
    let bodies = state.open.as_ref().unwrap().model.bodies.len();
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, AssetPlugin::default()))
        .init_asset::<Mesh>()
        .init_asset::<StandardMaterial>()
        .init_resource::<OrbitCamera>()
        .insert_resource(state)
        .add_plugins(ViewerPlugin);
    for _ in 0..3 {
        app.update();
    }
    let world = app.world_mut();
    let holders = world.query::<&ViewerBody>().iter(world).count();
    assert_eq!(holders, bodies);
    let segments = world.query::<&ViewerSegment>().iter(world).count();
    assert!(segments >= 80, "{segments} muscle segments for 80 muscles");
    // Its 40 wrapping cylinders are drawn, and the checkbox hides them.
    let wraps = world.query::<&ViewerWrap>().iter(world).count();
    assert_eq!(wraps, 40);
    world.resource_mut::<ViewerState>().show_wraps = false;
    app.update();
    let world = app.world_mut();
    let hidden = world
        .query_filtered::<&Visibility, With<ViewerWrap>>()
        .iter(world)
        .all(|v| *v == Visibility::Hidden);
    assert!(hidden);
    // The camera looks at the model, not at the default spot.
    let orbit = world.resource::<OrbitCamera>();
    assert!(orbit.target.y > 0.3 && orbit.distance < 6.0, "{orbit:?}");
    // Opening another model rebuilds the scene with its bodies.
    world
        .resource_mut::<ViewerState>()
        .open_model(&fixture("Tug_of_War", "Tug_of_War.osim"));
    let tug_bodies = world
        .resource::<ViewerState>()
        .open
        .as_ref()
        .unwrap()
        .model
        .bodies
        .len();
    app.update();
    app.update();
    let world = app.world_mut();
    assert_eq!(world.query::<&ViewerBody>().iter(world).count(), tug_bodies);
}

#[test]
fn the_recordings_keys_play_and_step_the_motion() {
    let mut state = ViewerState::default();
    state.open_model(&fixture("arm26", "arm26.osim"));
    state.open_motion(&fixture("arm26", "poses.mot"));
    state.motion.as_mut().unwrap().playing = false;
    let mut app = App::new();
    app.add_plugins((
        MinimalPlugins,
        AssetPlugin::default(),
        bevy::input::InputPlugin,
    ))
    .init_asset::<Mesh>()
    .init_asset::<StandardMaterial>()
    .init_resource::<OrbitCamera>()
    .insert_resource(state)
    .add_plugins(ViewerPlugin);
    app.update();
    // A key press as the window sends it, then its release.
    let press = |app: &mut App, key: KeyCode| {
        for state in [ButtonState::Pressed, ButtonState::Released] {
            app.world_mut().write_message(KeyboardInput {
                key_code: key,
                logical_key: Key::Unidentified(NativeKey::Unidentified),
                state,
                text: None,
                repeat: false,
                window: Entity::PLACEHOLDER,
            });
            app.update();
        }
    };
    press(&mut app, KeyCode::ArrowRight);
    press(&mut app, KeyCode::ArrowRight);
    let m = app
        .world()
        .resource::<ViewerState>()
        .motion
        .clone()
        .unwrap();
    assert_eq!(m.row_index(), 2);
    assert!(!m.playing);
    press(&mut app, KeyCode::ArrowLeft);
    assert_eq!(
        app.world()
            .resource::<ViewerState>()
            .motion
            .as_ref()
            .unwrap()
            .row_index(),
        1
    );
    press(&mut app, KeyCode::Space);
    assert!(
        app.world()
            .resource::<ViewerState>()
            .motion
            .as_ref()
            .unwrap()
            .playing
    );
}
