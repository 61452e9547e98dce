//! `gaitscope view MODEL.osim [--motion FILE.mot]`: any OpenSim model, OpenSim 3 or 4, with its
//! bones and muscles, a slider per coordinate, a motion on a timeline, and muscles coloured by
//! length or by moment arm about a chosen coordinate. Files that do not open say why in the
//! window; the previous model stays.
//!
//! - [`state`]: what is shown, without rendering (tested headless).
//! - [`scene`]: bodies, sticks and muscle segments.
//! - [`panel`]: the file picker, coordinates, colouring and timeline.

pub mod panel;
pub mod scene;
pub mod state;

use std::path::PathBuf;

use anyhow::{bail, Result};
use bevy::prelude::*;
use bevy::window::WindowResolution;
use bevy_egui::EguiPrimaryContextPass;

use super::scene::{DisplayedFrame, ViewSettings};
use super::AppOptions;
pub use state::{ViewerColor, ViewerState};

/// What the viewer opens at start.
#[derive(Debug, Clone, Default)]
pub struct ViewerOptions {
    /// The model to open (none: the window opens with the file picker only).
    pub model: Option<PathBuf>,
    /// A motion to play.
    pub motion: Option<PathBuf>,
    /// Colour by moment arm about this coordinate (else by length).
    pub moment_arm: Option<String>,
    /// Screenshot, frames and window size, as for the main app.
    pub app: AppOptions,
}

/// The viewer's state, scene and panels.
pub struct ViewerPlugin;

impl Plugin for ViewerPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<ViewerState>()
            .init_resource::<scene::ViewerAssets>()
            .add_systems(
                Update,
                (
                    keys,
                    advance,
                    scene::rebuild,
                    scene::pose,
                    scene::show_wraps,
                )
                    .chain(),
            );
    }
}

/// The recordings' keys on the motion: space plays or pauses, the arrows step a row.
fn keys(
    keys: Option<Res<ButtonInput<KeyCode>>>,
    egui_input: Option<Res<bevy_egui::input::EguiWantsInput>>,
    mut state: ResMut<ViewerState>,
) {
    let Some(keys) = keys else { return };
    if egui_input.is_some_and(|e| e.wants_keyboard_input()) {
        return;
    }
    let Some(m) = &mut state.motion else { return };
    let mut moved = false;
    if keys.just_pressed(KeyCode::Space) {
        m.playing = !m.playing;
    }
    if keys.just_pressed(KeyCode::ArrowRight) {
        m.step(1);
        moved = true;
    }
    if keys.just_pressed(KeyCode::ArrowLeft) {
        m.step(-1);
        moved = true;
    }
    if moved {
        state.apply_motion();
    }
}

fn advance(time: Res<Time>, mut state: ResMut<ViewerState>) {
    if state.motion.as_ref().is_some_and(|m| m.playing) {
        state.advance(time.delta_secs_f64());
    }
}

/// The state at start: the model and motion opened (errors kept for the window).
pub fn initial_state(options: &ViewerOptions) -> ViewerState {
    let mut state = ViewerState::default();
    if let Some(m) = &options.model {
        state.open_model(m);
    }
    if let (Some(motion), true) = (&options.motion, state.open.is_some()) {
        state.open_motion(motion);
    }
    if let (Some(name), Some(open)) = (&options.moment_arm, &state.open) {
        match open.model.coordinate_index(name) {
            Some(c) => {
                state.coordinate = c;
                state.color = ViewerColor::MomentArm;
            }
            None => state.error = Some(format!("the model has no coordinate {name}")),
        }
    }
    state
}

/// Opens the viewer window and runs until it is closed (or the screenshot is taken).
pub fn run(options: ViewerOptions) -> Result<()> {
    let state = initial_state(&options);
    if let Some(e) = &state.error {
        eprintln!("error: {e}");
    }
    let size = options.app.size;
    let mut app = App::new();
    app.insert_resource(ClearColor(Color::srgb(0.11, 0.12, 0.14)))
        .add_plugins(DefaultPlugins.set(WindowPlugin {
            primary_window: Some(Window {
                title: "gaitscope view".into(),
                resolution: WindowResolution::new(size.0, size.1),
                ..default()
            }),
            ..default()
        }))
        .add_plugins(bevy_egui::EguiPlugin::default())
        .insert_resource(DisplayedFrame::default())
        .insert_resource(ViewSettings {
            follow: false,
            ..default()
        })
        .insert_resource(state)
        .insert_resource(options.app.clone())
        .add_plugins((super::camera::CameraPlugin, ViewerPlugin))
        .add_systems(Last, super::capture::screenshot_driver)
        .add_systems(EguiPrimaryContextPass, panel::draw);
    match app.run() {
        AppExit::Success => Ok(()),
        AppExit::Error(code) => bail!("the viewer ended with error code {code}"),
    }
}
