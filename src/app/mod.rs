//! The desktop app: Bevy plugins over the headless core, one per concern.
//!
//! - [`scene`]: bones, muscles, contacts, centre of mass and the reference ghost, posed from the
//!   displayed [`Frame`](crate::live::Frame) every frame.
//! - [`camera`]: ground, lights, and a camera that orbits with the mouse and follows the pelvis.
//! - [`bridge`]: the live evaluation thread and the training runs; drains their channels each frame
//!   with `try_iter`, never blocking.
//! - [`playback`]: recorded episodes, a timeline, and which frame the scene shows.
//! - [`plots`]: what the live frames feed the plots, and the plots drawn from it.
//! - [`ui`]: the egui panels.
//! - [`capture`]: screenshots and the frame-time benchmark, without a person.
//!
//! The bridge writes what arrives as messages ([`bridge::LiveFrame`],
//! [`bridge::RecordingFinished`]); the plots and the player each take them into their own
//! resources. [`FrameSet`] orders the work within a frame.

pub mod assets;
pub mod bridge;
pub mod camera;
pub mod capture;
pub mod commands;
pub mod playback;
pub mod plots;
pub mod scene;
pub mod ui;
pub mod viewer;

use std::path::PathBuf;

use anyhow::{bail, Result};
use bevy::prelude::*;
use bevy::window::WindowResolution;

/// What the app should do beyond showing itself.
#[derive(Debug, Clone, Resource)]
pub struct AppOptions {
    /// Save a screenshot here after `frames` frames, then exit.
    pub screenshot: Option<PathBuf>,
    /// Frames before the screenshot.
    pub frames: u32,
    /// Measure frame times over this many frames idle and as many with training, print, exit.
    pub bench_frames: Option<u32>,
    /// Run a soak (`bench soak`): train from the panel and report frame times and memory.
    pub soak: Option<capture::Soak>,
    /// Start with large fonts.
    pub lecture: bool,
    /// A run folder whose policy to watch at start (default: the shipped walk policy, else the study's none policy).
    pub watch: Option<PathBuf>,
    /// Window size in logical pixels.
    pub size: (u32, u32),
    /// Load the shipped policies and their curves at start.
    pub load_shipped: bool,
    /// Runs to start training at once, as `ENCODER[:MODE]` (e.g. `ae`, `vae:adapt`).
    pub train: Vec<String>,
    /// A recording to open in the player.
    pub recording: Option<PathBuf>,
    /// A sweep folder whose curves (bands across seeds) to show at start.
    pub sweep: Option<PathBuf>,
    /// Run folders to open at start.
    pub load: Vec<PathBuf>,
}

impl Default for AppOptions {
    fn default() -> Self {
        AppOptions {
            screenshot: None,
            frames: 90,
            bench_frames: None,
            soak: None,
            lecture: false,
            watch: None,
            size: (1600, 900),
            load_shipped: true,
            train: Vec::new(),
            recording: None,
            sweep: None,
            load: Vec::new(),
        }
    }
}

/// Ordering of the per-frame work: drain channels, receive their messages, choose the displayed
/// frame, pose the scene.
#[derive(SystemSet, Debug, Clone, PartialEq, Eq, Hash)]
pub enum FrameSet {
    /// Read what the threads sent and write it as messages ([`bridge::LiveFrame`],
    /// [`bridge::RecordingFinished`]).
    Drain,
    /// Each plugin takes the messages it needs into its own resources.
    Receive,
    /// Pick the frame to show (live or a recording).
    Select,
    /// Move entities and recolour muscles.
    Pose,
}

/// Opens the window and runs until it is closed (or the screenshot or benchmark is done).
pub fn run(options: AppOptions) -> Result<()> {
    crate::learn::configure_threads();
    let model = assets::ModelData::load(&crate::env::EnvConfig::default())?;
    let mut app = App::new();
    app.insert_resource(ClearColor(Color::srgb(0.11, 0.12, 0.14)))
        .add_plugins(DefaultPlugins.set(WindowPlugin {
            primary_window: Some(Window {
                title: "gaitscope: a musculoskeletal model learns to walk".into(),
                resolution: WindowResolution::new(options.size.0, options.size.1),
                ..default()
            }),
            ..default()
        }))
        .add_plugins(bevy_egui::EguiPlugin::default())
        .insert_resource(update_rate(&options))
        .insert_resource(model)
        .add_systems(Startup, assets::report_missing_meshes)
        .add_plugins((
            scene::ScenePlugin,
            camera::CameraPlugin,
            bridge::BridgePlugin,
            plots::PlotsPlugin,
            playback::PlaybackPlugin,
            ui::UiPlugin,
            commands::CommandsPlugin,
            capture::CapturePlugin,
        ))
        .insert_resource(options);
    match app.run() {
        AppExit::Success => Ok(()),
        AppExit::Error(code) => bail!("the app ended with error code {code}"),
    }
}

/// Full rate with focus; 10 frames a second without it (a lecturer's slides in front), leaving
/// the CPU to training. Screenshots and the benchmark always run at full rate.
fn update_rate(options: &AppOptions) -> bevy::winit::WinitSettings {
    use bevy::winit::{UpdateMode, WinitSettings};
    let unattended =
        options.screenshot.is_some() || options.bench_frames.is_some() || options.soak.is_some();
    WinitSettings {
        focused_mode: UpdateMode::Continuous,
        unfocused_mode: if unattended {
            UpdateMode::Continuous
        } else {
            UpdateMode::reactive_low_power(std::time::Duration::from_millis(100))
        },
    }
}

/// Orders the [`FrameSet`]s, once, for every plugin that uses them.
pub struct FrameSetPlugin;

impl Plugin for FrameSetPlugin {
    fn build(&self, app: &mut App) {
        app.configure_sets(
            Update,
            (
                FrameSet::Drain,
                FrameSet::Receive,
                FrameSet::Select,
                FrameSet::Pose,
            )
                .chain(),
        );
    }
}

/// Adds [`FrameSetPlugin`] unless another plugin already did, so that each plugin works alone
/// (in the headless tests) and the sets are still configured once.
pub(crate) fn configure_sets(app: &mut App) {
    if !app.is_plugin_added::<FrameSetPlugin>() {
        app.add_plugins(FrameSetPlugin);
    }
}
