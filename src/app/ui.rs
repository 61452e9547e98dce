//! The egui panels: view switches on top, training on the left, plots on the right, playback at
//! the bottom; the 3D view gets the area left between them. The panels draw and ask: what a
//! button does beyond its own widgets is a [`UiCommand`] carried out in [`super::commands`].

use std::path::PathBuf;

use bevy::prelude::*;
use bevy_egui::{egui, EguiContexts, EguiPrimaryContextPass};

use super::bridge::Runs;
use super::camera::ViewportRect;
use super::commands::UiCommand;
use super::playback::{Library, Playback, Source};
use super::plots::{self, LatentChoice, LivePlots, ReplayPlots, SweepBands};
use super::scene::{ColorBy, DisplayedFrame, ViewSettings};
use super::AppOptions;
use crate::learn::encoder::EncoderKind;
use crate::learn::ppo::{ActionDistribution, EncoderMode};
use crate::live::evaluator::EvalCommand;
use crate::train::messages::Control;
use crate::train::run::{Algo, RunConfig};

/// The panels.
pub struct UiPlugin;

impl Plugin for UiPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<UiState>()
            .add_systems(Startup, apply_options)
            .add_systems(Update, startup_requests)
            .add_systems(EguiPrimaryContextPass, draw_ui);
    }
}

/// How much larger everything is in lecture mode.
pub const LECTURE_ZOOM: f32 = 1.5;

/// Widget state.
#[derive(Resource)]
pub struct UiState {
    /// Learning method of the next run.
    pub algo: Algo,
    /// The expert run folder that BC, DAgger and ridge imitate.
    pub expert_path: String,
    /// Encoder of the next run.
    pub encoder: EncoderKind,
    /// Encoder mode of the next run.
    pub mode: EncoderMode,
    /// Action distribution of the next run.
    pub distribution: ActionDistribution,
    /// The recipe the configuration text came from (`study` or `walk`).
    pub recipe: &'static str,
    /// Environment steps of the next run.
    pub steps: u64,
    /// The next run's configuration as RON (encoder, mode and steps are set from the widgets).
    pub config_text: String,
    /// Why the configuration did not parse.
    pub config_error: Option<String>,
    /// Run folder to load.
    pub load_path: String,
    /// Where recordings are saved and loaded.
    pub recording_path: String,
    /// Where `.mot` exports go.
    pub mot_path: String,
    /// Any OpenSim model to open in the model viewer.
    pub view_path: String,
    /// Live evaluation paused.
    pub live_paused: bool,
    /// Live evaluation speed.
    pub live_speed: f32,
    lecture_applied: Option<bool>,
    /// Whether the shipped 2-D AE and VAE exist (looked up once, not every frame).
    shipped_2d: [bool; 2],
}

impl Default for UiState {
    fn default() -> Self {
        let defaults = std::fs::read_to_string("assets/configs/train.ron")
            .ok()
            .and_then(|t| ron::from_str::<RunConfig>(&t).ok())
            .unwrap_or_default();
        let config_text = ron::ser::to_string_pretty(&defaults, ron::ser::PrettyConfig::default())
            .unwrap_or_default();
        UiState {
            algo: Algo::Ppo,
            expert_path: "models/policies/walk".into(),
            encoder: EncoderKind::Ae,
            mode: EncoderMode::Frozen,
            distribution: defaults.ppo.distribution,
            recipe: "study",
            steps: 5_000_000,
            config_text,
            config_error: None,
            load_path: "runs/".into(),
            recording_path: "recordings/episode.ron".into(),
            mot_path: "recordings/episode.mot".into(),
            view_path: String::new(),
            live_paused: false,
            live_speed: 1.0,
            lecture_applied: None,
            shipped_2d: [EncoderKind::Ae, EncoderKind::Vae].map(|kind| {
                crate::models_dir()
                    .join("encoders2d")
                    .join(format!("{}.ron", kind.name()))
                    .exists()
            }),
        }
    }
}

impl UiState {
    /// The next run's configuration: the RON text with the widgets' encoder, mode,
    /// distribution and steps over it; `None` (and the reason in `config_error`) when the text
    /// does not parse.
    pub fn run_config(&mut self) -> Option<RunConfig> {
        let mut config: RunConfig = match ron::from_str(&self.config_text) {
            Ok(c) => c,
            Err(e) => {
                self.config_error = Some(format!("configuration: {e}"));
                return None;
            }
        };
        self.config_error = None;
        config.algo = self.algo;
        config.encoder = self.encoder;
        // The other methods learn on a frozen encoder (adapt and joint are PPO's).
        config.mode = match self.algo {
            Algo::Ppo => self.mode,
            _ => EncoderMode::Frozen,
        };
        if self.algo.imitates() {
            config.imitation.expert = Some(PathBuf::from(self.expert_path.trim()));
        }
        config.ppo.distribution = self.distribution;
        config.total_steps = self.steps;
        Some(config)
    }
}

fn apply_options(options: Option<Res<AppOptions>>, mut settings: ResMut<ViewSettings>) {
    if let Some(o) = options {
        settings.lecture = o.lecture;
    }
}

/// Everything the panels read and change.
#[derive(bevy::ecs::system::SystemParam)]
pub struct Panels<'w> {
    state: ResMut<'w, UiState>,
    model: Res<'w, super::assets::ModelData>,
    runs: ResMut<'w, Runs>,
    commands: MessageWriter<'w, UiCommand>,
    plots: Res<'w, LivePlots>,
    replay_plots: Res<'w, ReplayPlots>,
    sweeps: Res<'w, SweepBands>,
    latent: ResMut<'w, LatentChoice>,
    library: Res<'w, Library>,
    playback: ResMut<'w, Playback>,
    settings: ResMut<'w, ViewSettings>,
    shown: Res<'w, DisplayedFrame>,
    viewport: ResMut<'w, ViewportRect>,
    time: Res<'w, Time<Real>>,
}

fn draw_ui(mut contexts: EguiContexts, mut p: Panels) -> Result {
    let ctx = contexts.ctx_mut()?.clone();
    if p.state.lecture_applied != Some(p.settings.lecture) {
        ctx.set_zoom_factor(if p.settings.lecture {
            LECTURE_ZOOM
        } else {
            1.0
        });
        p.state.lecture_applied = Some(p.settings.lecture);
    }
    let mut root = egui::Ui::new(
        ctx.clone(),
        "gaitscope-root".into(),
        egui::UiBuilder::new()
            .layer_id(egui::LayerId::background())
            .max_rect(ctx.viewport_rect()),
    );
    // Panel sizes are a share of the window; the lecture layout keeps its own remembered sizes.
    // (The zoom change takes effect next frame: size for the zoom being applied.)
    let zoom = if p.settings.lecture {
        LECTURE_ZOOM
    } else {
        1.0
    };
    let width = ctx.content_rect().width() * ctx.zoom_factor() / zoom;
    let layout = if p.settings.lecture {
        "lecture"
    } else {
        "normal"
    };
    egui::Panel::top("top").show(&mut root, |ui| top_bar(ui, &mut p));
    egui::Panel::left(egui::Id::new(("training", layout)))
        .resizable(true)
        .default_size((0.2 * width).clamp(200.0, 340.0))
        .show(&mut root, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| training_panel(ui, &mut p));
        });
    egui::Panel::right(egui::Id::new(("plots", layout)))
        .resizable(true)
        .default_size((0.38 * width).clamp(280.0, 620.0))
        .show(&mut root, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| plots_panel(ui, &mut p));
        });
    egui::Panel::bottom("playback").show(&mut root, |ui| playback_panel(ui, &mut p));
    p.viewport
        .set_free(root.available_rect_before_wrap(), ctx.pixels_per_point());
    Ok(())
}

fn top_bar(ui: &mut egui::Ui, p: &mut Panels) {
    ui.horizontal_wrapped(|ui| {
        ui.heading("gaitscope");
        ui.separator();
        ui.checkbox(&mut p.settings.lecture, "lecture (large fonts)");
        ui.separator();
        ui.label("muscle colour:");
        egui::ComboBox::from_id_salt("color-by")
            .selected_text(p.settings.color_by.label())
            .show_ui(ui, |ui| {
                for c in ColorBy::ALL {
                    ui.selectable_value(&mut p.settings.color_by, c, c.label());
                }
            });
        ui.checkbox(&mut p.settings.ghost, "reference ghost");
        ui.checkbox(&mut p.settings.contacts, "contacts");
        ui.checkbox(&mut p.settings.bones, "bones");
        ui.checkbox(&mut p.settings.follow, "follow");
        ui.separator();
        if !p.model.missing.is_empty() {
            ui.colored_label(
                egui::Color32::LIGHT_RED,
                format!("{} bone meshes missing", p.model.missing.len()),
            )
            .on_hover_text(p.model.missing.join("\n"));
            ui.separator();
        }
        if let Some(f) = &p.shown.0 {
            let source = match p.playback.source {
                Source::Live => "live".to_string(),
                Source::Recording(i) => p
                    .library
                    .get(i)
                    .map_or("recording".into(), |r| r.label.clone()),
            };
            let watched = match p.runs.watched.and_then(|i| p.runs.runs.get(i)) {
                Some(r) if r.policy.is_none() => {
                    format!("{} (until its first update: the previous policy)", r.label)
                }
                Some(r) => r.label.clone(),
                None => "none, the model is passive".into(),
            };
            ui.label(format!(
                "{source} | policy: {watched} | t {:.2} s | phase {:.0}% | return {:.1}",
                f.time,
                f.phase * 100.0,
                f.episode_return
            ));
        } else {
            ui.label("waiting for the first frame");
        }
        ui.separator();
        let dt = p.time.delta_secs();
        if dt > 0.0 {
            ui.label(format!("{:.0} fps", 1.0 / dt));
        }
    });
}

fn training_panel(ui: &mut egui::Ui, p: &mut Panels) {
    ui.heading("Training");
    ui.label("recipe");
    ui.horizontal(|ui| {
        for (name, label) in [("study", "study (Table 3.2)"), ("walk", "walk (walk.ron)")] {
            let radio = ui.radio(p.state.recipe == name, label);
            let radio = if name == "walk" {
                radio.on_hover_text(
                    "the walking recipe; the shipped walking policy was trained from it in \
                     three stages, 30M samples (README, Walking)",
                )
            } else {
                radio
            };
            if radio.clicked() && p.state.recipe != name {
                apply_recipe(&mut p.state, name);
            }
        }
    });
    method_picker(ui, &mut p.state);
    ui.label("encoder");
    ui.horizontal(|ui| {
        for k in [
            EncoderKind::None,
            EncoderKind::Pca,
            EncoderKind::Ae,
            EncoderKind::Vae,
        ] {
            ui.radio_value(&mut p.state.encoder, k, k.name());
        }
    });
    ui.label("encoder mode");
    ui.add_enabled_ui(p.state.algo == Algo::Ppo, |ui| {
        ui.horizontal(|ui| {
            for m in [EncoderMode::Frozen, EncoderMode::Adapt, EncoderMode::Joint] {
                ui.radio_value(&mut p.state.mode, m, m.name());
            }
        })
        .response
        .on_disabled_hover_text("the other methods learn on a frozen encoder");
    });
    ui.label("action distribution");
    ui.horizontal(|ui| {
        for (d, name) in [
            (
                ActionDistribution::ClippedGaussian,
                "clipped (SB3 1.x, study)",
            ),
            (ActionDistribution::SquashedGaussian, "tanh-squashed"),
        ] {
            ui.radio_value(&mut p.state.distribution, d, name);
        }
    });
    ui.horizontal(|ui| {
        ui.label("steps");
        ui.add(
            egui::DragValue::new(&mut p.state.steps)
                .speed(20480.0)
                .range(20480..=100_000_000),
        );
    });
    egui::CollapsingHeader::new("configuration (RON)")
        .default_open(false)
        .show(ui, |ui| {
            ui.add(
                egui::TextEdit::multiline(&mut p.state.config_text)
                    .code_editor()
                    .desired_rows(12)
                    .desired_width(f32::INFINITY),
            );
        });
    if let Some(e) = &p.state.config_error {
        ui.colored_label(egui::Color32::LIGHT_RED, e);
    }
    if ui
        .button("Start a new run")
        .on_hover_text("Trains on background threads; runs can be compared side by side")
        .clicked()
    {
        if let Some(config) = p.state.run_config() {
            p.commands.write(UiCommand::StartRun(Box::new(config)));
        }
    }
    ui.separator();
    ui.heading("Runs");
    let watched = p.runs.watched;
    for (i, run) in p.runs.runs.iter().enumerate() {
        let last = run.metrics.last();
        ui.horizontal(|ui| {
            ui.colored_label(plots::run_color(i), "■");
            ui.strong(&run.label);
        });
        ui.label(format!(
            "{} | {} | {} {} | {} steps{}",
            run.status,
            run.algo.name(),
            run.encoder.name(),
            run.mode.name(),
            last.map_or(0, |m| m.env_steps),
            last.map_or(String::new(), |m| format!(
                " | return {:.1} | {:.2} s | {:.0} steps/s",
                m.mean_return, m.mean_duration, m.steps_per_second
            ))
        ));
        ui.horizontal(|ui| {
            let watching = watched == Some(i);
            if ui
                .add_enabled(
                    !watching && run.policy.is_some(),
                    egui::Button::new("watch"),
                )
                .clicked()
            {
                p.commands.write(UiCommand::Watch(i));
            }
            if run.is_training() {
                let (label, c) = if run.paused {
                    ("resume", Control::Resume)
                } else {
                    ("pause", Control::Pause)
                };
                for (label, c) in [
                    (label, c),
                    ("save checkpoint", Control::Checkpoint),
                    ("stop", Control::Stop),
                ] {
                    if ui.button(label).clicked() {
                        p.commands.write(UiCommand::Control(i, c));
                    }
                }
            } else if !run.shipped
                && run.dir.is_some()
                && ui
                    .button("resume training")
                    .on_hover_text("Continue from the run folder's checkpoint")
                    .clicked()
            {
                p.commands.write(UiCommand::ResumeRun(i));
            }
        });
        ui.add_space(4.0);
    }
    ui.separator();
    ui.label("load a run folder (checkpoint) or a sweep folder");
    ui.text_edit_singleline(&mut p.state.load_path);
    if ui.button("load and watch").clicked() {
        let dir = PathBuf::from(p.state.load_path.trim());
        p.commands.write(UiCommand::LoadRun(dir));
    }
    ui.separator();
    ui.heading("Messages");
    for line in p.runs.log.iter().rev().take(8) {
        ui.label(egui::RichText::new(line).small());
    }
}

/// The learning method of the next run (PPO, the other seeds' off-policy and imitation
/// learners) and, for imitation, the expert run folder.
fn method_picker(ui: &mut egui::Ui, state: &mut UiState) {
    ui.label("method");
    ui.horizontal_wrapped(|ui| {
        for a in Algo::ALL {
            let hover = match a {
                Algo::Ppo => "PPO with the imitation reward (the study's)",
                Algo::Sac => "soft actor-critic, seed 004's settings (2 x 64)",
                Algo::Td3 => "TD3, seed 004's settings (2 x 64, batch 100, gamma 0.98)",
                Algo::Ddpg => "DDPG (seed 003's RL baseline), seed 004's sizes",
                Algo::Bc => "behavioural cloning of the expert below (MLP, MSE)",
                Algo::Dagger => "DAgger: the learner's visits labelled by the expert (seed 003)",
                Algo::Ridge => "ridge regression of the expert's actions, lambda 1 (seed 004)",
            };
            ui.radio_value(&mut state.algo, a, a.name())
                .on_hover_text(hover);
        }
    });
    if state.algo.imitates() {
        ui.horizontal(|ui| {
            ui.label("expert run");
            ui.text_edit_singleline(&mut state.expert_path)
                .on_hover_text(
                    "a trained run folder; train with its recipe (walk for the walk policy)",
                );
        });
    }
}

/// Replaces the configuration text and the widgets with a recipe's.
fn apply_recipe(state: &mut UiState, name: &'static str) {
    match crate::train::run::recipe(name) {
        Ok(c) => {
            state.config_text = ron::ser::to_string_pretty(&c, ron::ser::PrettyConfig::default())
                .unwrap_or_default();
            state.encoder = c.encoder;
            state.mode = c.mode;
            state.distribution = c.ppo.distribution;
            state.steps = c.total_steps;
            state.recipe = name;
            state.config_error = None;
        }
        Err(e) => state.config_error = Some(format!("{e:#}")),
    }
}

/// Start-up requests from the command line: runs to train (`--train ae,vae:adapt`), a sweep
/// to show (`--sweep`), run folders to open (`--load`) and a recording to open
/// (`--recording`), as commands. Waits for the live feed so new runs can be watched.
fn startup_requests(
    options: Option<Res<AppOptions>>,
    feed: Option<Res<super::bridge::LiveFeed>>,
    mut state: ResMut<UiState>,
    mut runs: ResMut<Runs>,
    mut commands: MessageWriter<UiCommand>,
    mut frames: Local<u32>,
    mut done: Local<bool>,
) {
    if *done {
        return;
    }
    *frames += 1;
    if feed.is_none() && *frames < 30 {
        return;
    }
    *done = true;
    let Some(options) = options else { return };
    for spec in &options.train {
        let (encoder, mode) = spec.split_once(':').unwrap_or((spec.as_str(), "frozen"));
        match (encoder.parse::<EncoderKind>(), mode.parse::<EncoderMode>()) {
            (Ok(e), Ok(m)) => {
                state.encoder = e;
                state.mode = m;
                if let Some(config) = state.run_config() {
                    commands.write(UiCommand::StartRun(Box::new(config)));
                }
            }
            _ => runs.log(format!(
                "--train {spec}: expected ENCODER[:MODE] with none/pca/ae/vae and frozen/adapt/joint"
            )),
        }
    }
    for dir in options.sweep.iter().chain(&options.load) {
        commands.write(UiCommand::LoadRun(dir.clone()));
    }
    if let Some(path) = &options.recording {
        commands.write(UiCommand::LoadRecording {
            path: path.clone(),
            show: true,
        });
    }
}

fn plots_panel(ui: &mut egui::Ui, p: &mut Panels) {
    let h = if p.settings.lecture { 120.0 } else { 140.0 };
    // While a recording plays, the episode plots show the recording up to the shown frame.
    let replaying = matches!(p.playback.source, Source::Recording(_));
    let episode_plots = match (&p.replay_plots.plots, replaying) {
        (Some(r), true) => r,
        _ => &*p.plots,
    };
    let mut latent_switch = None;
    let episode = if replaying {
        "recording"
    } else {
        "live episode"
    };
    egui::CollapsingHeader::new("Learning curves (all runs)")
        .default_open(true)
        .show(ui, |ui| {
            plots::learning_curves(ui, &p.runs.runs, &p.sweeps, h)
        });
    egui::CollapsingHeader::new("Gait cycle vs reference (right leg, +-10 deg band)")
        .default_open(true)
        .show(ui, |ui| match &episode_plots.gait {
            Some(g) => {
                if let Some(share) = g.within_band() {
                    ui.label(format!(
                        "{:.0}% of the cycle within the band",
                        share * 100.0
                    ));
                }
                plots::gait_cycles(ui, g, h * 0.8);
            }
            None => {
                ui.label("no reference motion");
            }
        });
    egui::CollapsingHeader::new("Latent space: density and current frame")
        .default_open(true)
        .show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.label("2-D encoder:");
                let before = p.latent.0;
                for (k, (kind, name)) in [(EncoderKind::Ae, "AE"), (EncoderKind::Vae, "VAE (mean)")]
                    .into_iter()
                    .enumerate()
                {
                    ui.add_enabled_ui(p.state.shipped_2d[k], |ui| {
                        ui.radio_value(&mut p.latent.0, kind, name);
                    });
                }
                if p.latent.0 != before {
                    latent_switch = Some(before);
                }
            });
            let current = p.shown.0.as_ref().and_then(|f| f.latent);
            if episode_plots.latent.is_empty() {
                ui.label("no latent points (no 2-D encoder loaded, or none recorded)");
            }
            plots::latent_density(ui, episode_plots, current, h * 1.3);
        });
    egui::CollapsingHeader::new(format!("Muscle activations ({episode})"))
        .id_salt("activations")
        .default_open(true)
        .show(ui, |ui| plots::activations(ui, episode_plots, h));
    egui::CollapsingHeader::new("Losses (watched run)")
        .default_open(false)
        .show(ui, |ui| {
            match p.runs.watched.and_then(|i| p.runs.runs.get(i)) {
                Some(run) => plots::losses(ui, run, h),
                None => {
                    ui.label("no run watched");
                }
            }
        });
    if let Some(before) = latent_switch {
        p.commands.write(UiCommand::Latent {
            kind: p.latent.0,
            before,
        });
    }
}

/// The source of the shown frames: the live evaluation or a recording, and recording on/off.
fn source_picker(ui: &mut egui::Ui, p: &mut Panels) {
    ui.strong("View");
    let current = match p.playback.source {
        Source::Live => "live evaluation".to_string(),
        Source::Recording(i) => p.library.get(i).map_or("?".into(), |r| r.label.clone()),
    };
    let mut source = p.playback.source;
    egui::ComboBox::from_id_salt("source")
        .selected_text(current)
        .width(260.0)
        .show_ui(ui, |ui| {
            ui.selectable_value(&mut source, Source::Live, "live evaluation");
            for (i, r) in p.library.iter().rev() {
                ui.selectable_value(
                    &mut source,
                    Source::Recording(i),
                    format!(
                        "{} ({:.2} s, return {:.1})",
                        r.label,
                        r.duration(),
                        r.episode_return()
                    ),
                );
            }
        });
    if source != p.playback.source {
        p.playback.source = source;
        p.playback.position = 0.0;
        p.playback.playing = true;
    }
    ui.checkbox(&mut p.playback.record, "record episodes");
    ui.label(format!("{} recorded", p.library.len()));
}

/// Pause, restart and speed of the live evaluation.
fn live_controls(ui: &mut egui::Ui, p: &mut Panels) {
    let label = if p.state.live_paused {
        "▶ resume"
    } else {
        "⏸ pause"
    };
    if ui.button(label).clicked() {
        p.state.live_paused = !p.state.live_paused;
        p.commands
            .write(UiCommand::Live(EvalCommand::Pause(p.state.live_paused)));
    }
    if ui.button("restart episode").clicked() {
        p.commands.write(UiCommand::Live(EvalCommand::Restart));
    }
    ui.label("speed");
    let before = p.state.live_speed;
    egui::ComboBox::from_id_salt("live-speed")
        .selected_text(format!("{}x", p.state.live_speed))
        .show_ui(ui, |ui| {
            for s in [0.1, 0.25, 0.5, 1.0, 2.0] {
                ui.selectable_value(&mut p.state.live_speed, s, format!("{s}x"));
            }
        });
    if before != p.state.live_speed {
        p.commands
            .write(UiCommand::Live(EvalCommand::Speed(p.state.live_speed)));
    }
}

/// Step, play, speed and loop of the shown recording.
fn recording_controls(ui: &mut egui::Ui, p: &mut Panels, id: super::playback::RecordingId) {
    let Some(rec) = p.library.get(id) else {
        return;
    };
    let playback = &mut *p.playback;
    if ui.button("⏮").clicked() {
        playback.position = 0.0;
    }
    if ui
        .button("◀")
        .on_hover_text("previous frame (left arrow)")
        .clicked()
    {
        playback.step(rec, -1);
    }
    let label = if playback.playing { "⏸" } else { "▶" };
    if ui
        .button(label)
        .on_hover_text("play / pause (space)")
        .clicked()
    {
        playback.playing = !playback.playing;
    }
    if ui
        .button("▶|")
        .on_hover_text("next frame (right arrow)")
        .clicked()
    {
        playback.step(rec, 1);
    }
    egui::ComboBox::from_id_salt("replay-speed")
        .selected_text(format!("{}x", playback.speed))
        .show_ui(ui, |ui| {
            for s in [0.1, 0.25, 0.5, 1.0, 2.0, 4.0] {
                ui.selectable_value(&mut playback.speed, s, format!("{s}x"));
            }
        });
    ui.checkbox(&mut playback.looping, "loop");
    ui.label(format!(
        "frame {} / {}",
        playback.frame_index(rec) + 1,
        rec.frames.len()
    ));
}

fn playback_panel(ui: &mut egui::Ui, p: &mut Panels) {
    ui.horizontal_wrapped(|ui| {
        source_picker(ui, p);
        ui.separator();
        match p.playback.source {
            Source::Live => live_controls(ui, p),
            Source::Recording(id) => recording_controls(ui, p, id),
        }
    });
    // The timeline, as wide as the panel.
    if let Source::Recording(i) = p.playback.source {
        if let Some(rec) = p.library.get(i) {
            let end = (rec.frames.len().saturating_sub(1)) as f32 * rec.dt;
            ui.spacing_mut().slider_width = (ui.available_width() - 140.0).max(80.0);
            ui.add(
                egui::Slider::new(&mut p.playback.position, 0.0..=end.max(0.01))
                    .text("s")
                    .fixed_decimals(2),
            );
        }
    }
    ui.horizontal_wrapped(|ui| {
        ui.label("recording file");
        ui.add(egui::TextEdit::singleline(&mut p.state.recording_path).desired_width(220.0));
        let selected = match p.playback.source {
            Source::Recording(i) => p.library.get(i).is_some(),
            Source::Live => !p.library.is_empty(),
        };
        if ui
            .add_enabled(selected, egui::Button::new("save"))
            .on_hover_text("the shown recording, or the newest one while live")
            .clicked()
        {
            let path = PathBuf::from(p.state.recording_path.trim());
            p.commands.write(UiCommand::SaveRecording(path));
        }
        if ui
            .button("reflex walk")
            .on_hover_text(
                "osim-rl's Song-Geyer reflex controller walking the planar model for 10 s, \
                 simulated now and opened in the player",
            )
            .clicked()
        {
            p.commands.write(UiCommand::ReflexWalk);
        }
        if ui.button("load").clicked() {
            let path = PathBuf::from(p.state.recording_path.trim());
            p.commands
                .write(UiCommand::LoadRecording { path, show: false });
        }
        ui.separator();
        ui.label("OpenSim motion");
        ui.add(egui::TextEdit::singleline(&mut p.state.mot_path).desired_width(220.0));
        if ui
            .add_enabled(selected, egui::Button::new("export .mot"))
            .clicked()
        {
            let path = PathBuf::from(p.state.mot_path.trim());
            p.commands.write(UiCommand::ExportMot(path));
        }
        ui.separator();
        ui.label("any OpenSim model");
        ui.add(
            egui::TextEdit::singleline(&mut p.state.view_path)
                .hint_text("a .osim file")
                .desired_width(220.0),
        );
        if ui
            .button("view")
            .on_hover_text(
                "open it in the model viewer (a window of its own: coordinates, motions, \
                 muscles by length or moment arm)",
            )
            .clicked()
        {
            let path = PathBuf::from(p.state.view_path.trim());
            p.commands.write(UiCommand::ViewModel(path));
        }
    });
}
