//! The live plots (egui_plot): learning curves of every run overlaid, losses, the latent-space
//! density with the current frame marked, gait cycles against the reference band, and muscle
//! activations over time. [`LivePlots`] holds what the live frames feed them.

use std::collections::VecDeque;

use bevy::prelude::*;
use bevy_egui::egui;
use egui::Color32;
use egui_plot::{
    FilledArea, Heatmap, Legend, Line, MarkerShape, Plot, PlotPoint, PlotPoints, Points,
};

use super::assets::ModelData;
use super::bridge::{LiveFrame, RunView};
use super::playback::{Library, Playback, Source};
use super::FrameSet;
use crate::live::gait::{GaitCycles, BAND_DEGREES};
use crate::live::kde::{estimate, Density};
use crate::live::Frame;

/// The plots' data: [`LivePlots`] fed by every [`LiveFrame`], [`ReplayPlots`] rebuilt when the
/// shown recording or its frame changes. The panels draw them ([`super::ui`]).
pub struct PlotsPlugin;

impl Plugin for PlotsPlugin {
    fn build(&self, app: &mut App) {
        super::configure_sets(app);
        app.init_resource::<LivePlots>()
            .init_resource::<ReplayPlots>()
            .init_resource::<SweepBands>()
            .init_resource::<LatentChoice>()
            .add_message::<LiveFrame>()
            .add_systems(Update, plot_live_frames.in_set(FrameSet::Receive))
            .add_systems(
                Update,
                update_replay_plots
                    .in_set(FrameSet::Select)
                    .after(super::playback::select_displayed_frame),
            );
    }
}

/// Feeds every live frame to the plots.
fn plot_live_frames(mut frames: MessageReader<LiveFrame>, mut plots: ResMut<LivePlots>) {
    for LiveFrame(frame) in frames.read() {
        plots.push(frame);
    }
}

/// Latent points kept for the density.
pub const LATENT_POINTS: usize = 3000;
/// Seconds of activation history shown.
pub const ACTIVATION_SECONDS: f32 = 3.0;
/// Muscles drawn in the activation plot (the study's Tables 4.3 and 4.4).
pub const ACTIVATION_MUSCLES: [&str; 8] = crate::train::eval::MUSCLES;

/// Data the live frames feed to the plots.
#[derive(Resource, Clone)]
pub struct LivePlots {
    /// Phase-binned angles against the reference.
    pub gait: Option<GaitCycles>,
    /// Recent latent points (2-D encoder).
    pub latent: VecDeque<[f32; 2]>,
    /// Their density, recomputed every [`LivePlots::DENSITY_EVERY`] points.
    pub density: Option<Density>,
    since_density: usize,
    /// `(time, activations of ACTIVATION_MUSCLES)` over the current episode's last seconds.
    pub activations: VecDeque<(f32, Vec<f32>)>,
    muscle_indices: Vec<usize>,
    last_time: f32,
}

impl FromWorld for LivePlots {
    fn from_world(world: &mut World) -> Self {
        let data = world.get_resource::<ModelData>();
        let gait = data.and_then(|d| GaitCycles::new(&d.model, &d.motion, 50).ok());
        let muscle_indices = data.map_or_else(Vec::new, |d| {
            ACTIVATION_MUSCLES
                .iter()
                .filter_map(|n| d.model.muscle_index(n))
                .collect()
        });
        LivePlots {
            gait,
            latent: VecDeque::new(),
            density: None,
            since_density: 0,
            activations: VecDeque::new(),
            muscle_indices,
            last_time: f32::INFINITY,
        }
    }
}

impl LivePlots {
    /// Points between density updates.
    pub const DENSITY_EVERY: usize = 50;

    /// Forgets the latent points (after the 2-D encoder changed).
    pub fn clear_latent(&mut self) {
        self.latent.clear();
        self.density = None;
        self.since_density = 0;
    }

    /// The same plots with no data.
    pub fn cleared(&self) -> LivePlots {
        let mut p = self.clone();
        if let Some(g) = &mut p.gait {
            g.clear();
        }
        p.latent.clear();
        p.density = None;
        p.since_density = 0;
        p.activations.clear();
        p.last_time = f32::INFINITY;
        p
    }

    /// Feeds one live frame.
    pub fn push(&mut self, frame: &Frame) {
        if let Some(g) = &mut self.gait {
            g.push(frame);
        }
        if let Some(z) = frame.latent {
            self.latent.push_back(z);
            while self.latent.len() > LATENT_POINTS {
                self.latent.pop_front();
            }
            self.since_density += 1;
            if self.density.is_none() || self.since_density >= Self::DENSITY_EVERY {
                let points: Vec<[f32; 2]> = self.latent.iter().copied().collect();
                self.density = estimate(&points, 40);
                self.since_density = 0;
            }
        }
        if frame.time < self.last_time {
            self.activations.clear();
        }
        self.last_time = frame.time;
        let a = self
            .muscle_indices
            .iter()
            .map(|&i| frame.muscles.get(i).map_or(0.0, |m| m.activation))
            .collect();
        self.activations.push_back((frame.time, a));
        while self
            .activations
            .front()
            .is_some_and(|(t, _)| frame.time - t > ACTIVATION_SECONDS)
        {
            self.activations.pop_front();
        }
    }
}

/// A distinct colour per run.
pub fn run_color(i: usize) -> Color32 {
    const PALETTE: [Color32; 8] = [
        Color32::from_rgb(80, 160, 255),
        Color32::from_rgb(255, 140, 60),
        Color32::from_rgb(90, 210, 120),
        Color32::from_rgb(230, 80, 160),
        Color32::from_rgb(240, 220, 80),
        Color32::from_rgb(160, 120, 255),
        Color32::from_rgb(90, 220, 220),
        Color32::from_rgb(200, 200, 200),
    ];
    PALETTE[i % PALETTE.len()]
}

/// Points of a series with non-finite values left out.
fn finite_points(xy: impl Iterator<Item = (f64, f64)>) -> PlotPoints<'static> {
    PlotPoints::from(
        xy.filter(|(x, y)| x.is_finite() && y.is_finite())
            .map(|(x, y)| [x, y])
            .collect::<Vec<_>>(),
    )
}

/// A plot against environment steps, with a legend.
fn steps_plot<'a>(id: impl std::hash::Hash + std::fmt::Debug, width: f32, height: f32) -> Plot<'a> {
    Plot::new(id)
        .width(width)
        .height(height)
        .legend(Legend::default())
        .x_axis_label("environment steps")
}

/// The shipped 2-D encoder (AE or VAE) whose latent picture the live frames are placed in.
#[derive(Resource, Debug, Clone, Copy, PartialEq)]
pub struct LatentChoice(pub crate::learn::encoder::EncoderKind);

impl Default for LatentChoice {
    fn default() -> Self {
        LatentChoice(crate::learn::encoder::EncoderKind::Ae)
    }
}

/// Loaded sweeps' curves: each combination's mean across seeds with a band of one standard
/// deviation (from [`crate::train::sweep::bands`]).
#[derive(Resource, Default)]
pub struct SweepBands(pub Vec<crate::train::sweep::Band>);

impl SweepBands {
    /// Adds a sweep's bands, replacing any already loaded under the same labels.
    pub fn add(&mut self, bands: Vec<crate::train::sweep::Band>) {
        self.0.retain(|b| !bands.iter().any(|n| n.label == b.label));
        self.0.extend(bands);
    }
}

/// Mean episode return and duration against environment steps, every run overlaid, and each
/// loaded sweep's combinations as a mean line in a band of one standard deviation.
pub fn learning_curves(ui: &mut egui::Ui, runs: &[RunView], bands: &SweepBands, height: f32) {
    let half = (ui.available_width() - 8.0) / 2.0;
    ui.horizontal(|ui| {
        for (title, pick) in [
            ("mean episode return", 0usize),
            ("mean episode duration (s)", 1usize),
        ] {
            ui.vertical(|ui| {
                ui.label(title);
                steps_plot(("curve", pick), half, height).show(ui, |plot| {
                    for (i, run) in runs.iter().enumerate() {
                        let pts = finite_points(run.metrics.iter().map(|m| {
                            let y = if pick == 0 {
                                m.mean_return
                            } else {
                                m.mean_duration
                            };
                            (m.env_steps as f64, y)
                        }));
                        plot.line(Line::new(run.label.clone(), pts).color(run_color(i)));
                    }
                    for (j, band) in bands.0.iter().enumerate() {
                        let color = run_color(runs.len() + j);
                        let series = if pick == 0 { &band.ret } else { &band.duration };
                        let kept: Vec<(f64, (f64, f64))> = band
                            .steps
                            .iter()
                            .copied()
                            .zip(series.iter().copied())
                            .filter(|(x, (m, s))| x.is_finite() && m.is_finite() && s.is_finite())
                            .collect();
                        let xs: Vec<f64> = kept.iter().map(|(x, _)| *x).collect();
                        let lo: Vec<f64> = kept.iter().map(|(_, (m, s))| m - s).collect();
                        let hi: Vec<f64> = kept.iter().map(|(_, (m, s))| m + s).collect();
                        // The band has no name, so the legend shows the line's colour alone.
                        let mean = kept.iter().map(|(x, (m, _))| [*x, *m]).collect::<Vec<_>>();
                        plot.line(
                            Line::new(band.label.clone(), PlotPoints::from(mean)).color(color),
                        );
                        plot.add(
                            FilledArea::new("", &xs, &lo, &hi)
                                .fill_color(color.gamma_multiply(0.3)),
                        );
                    }
                });
            });
        }
    });
}

/// One run's losses per update.
pub fn losses(ui: &mut egui::Ui, run: &RunView, height: f32) {
    let m = &run.metrics;
    let x = |u: &crate::train::messages::UpdateMetrics| u.env_steps as f64;
    let half = (ui.available_width() - 8.0) / 2.0;
    ui.horizontal(|ui| {
        steps_plot("losses", half, height).show(ui, |plot| {
            plot.line(Line::new(
                "policy loss",
                finite_points(m.iter().map(|u| (x(u), u.stats.policy_loss))),
            ));
            plot.line(Line::new(
                "approx KL x 10",
                finite_points(m.iter().map(|u| (x(u), 10.0 * u.stats.approx_kl))),
            ));
            plot.line(Line::new(
                "clip fraction",
                finite_points(m.iter().map(|u| (x(u), u.stats.clip_fraction))),
            ));
            plot.line(Line::new(
                "explained variance",
                finite_points(m.iter().map(|u| (x(u), u.stats.explained_variance))),
            ));
        });
        steps_plot("value loss", half, height).show(ui, |plot| {
            plot.line(Line::new(
                "value loss",
                finite_points(m.iter().map(|u| (x(u), u.stats.value_loss))),
            ));
            plot.line(Line::new(
                "encoder loss",
                finite_points(m.iter().map(|u| (x(u), u.stats.encoder_loss))),
            ));
        });
    });
}

/// The latent density as a heat map with recent points and the current frame marked.
pub fn latent_density(
    ui: &mut egui::Ui,
    plots: &LivePlots,
    current: Option<[f32; 2]>,
    height: f32,
) {
    Plot::new("latent")
        .height(height)
        .data_aspect(1.0)
        .legend(Legend::default())
        .x_axis_label("z1")
        .y_axis_label("z2")
        .show(ui, |plot| {
            if let Some(d) = &plots.density {
                let cell = d.cell();
                plot.heatmap(
                    Heatmap::new(d.values.clone(), d.size)
                        .at(PlotPoint::new(d.min[0], d.min[1]))
                        .tile_size(cell[0] as f32, cell[1] as f32)
                        .palette(&[
                            Color32::from_rgb(10, 12, 30),
                            Color32::from_rgb(40, 40, 120),
                            Color32::from_rgb(150, 50, 140),
                            Color32::from_rgb(240, 120, 60),
                            Color32::from_rgb(255, 240, 160),
                        ])
                        .show_labels(false)
                        .name("density"),
                );
            }
            let recent: Vec<[f64; 2]> = plots
                .latent
                .iter()
                .rev()
                .take(200)
                .map(|p| [p[0] as f64, p[1] as f64])
                .collect();
            plot.points(
                Points::new("last 2 s", recent)
                    .radius(1.5)
                    .color(Color32::from_rgba_unmultiplied(200, 220, 255, 120)),
            );
            if let Some(z) = current {
                plot.points(
                    Points::new("now", vec![[z[0] as f64, z[1] as f64]])
                        .shape(MarkerShape::Diamond)
                        .radius(7.0)
                        .color(Color32::from_rgb(80, 255, 120)),
                );
            }
        });
}

/// Hip flexion, hip adduction, knee and ankle over the gait cycle with the reference band.
pub fn gait_cycles(ui: &mut egui::Ui, gait: &GaitCycles, height: f32) {
    let width = (ui.available_width() - 8.0) / 2.0;
    for row in gait.names.chunks(2).enumerate() {
        ui.horizontal(|ui| {
            for (j, name) in row.1.iter().enumerate() {
                let k = row.0 * 2 + j;
                ui.vertical(|ui| {
                    ui.label(format!("{name} (deg)"));
                    Plot::new(("gait", k))
                        .width(width)
                        .height(height)
                        .include_x(0.0)
                        .include_x(100.0)
                        .x_axis_label("% gait cycle")
                        .show(ui, |plot| {
                            let xs: Vec<f64> = (0..gait.bins).map(|b| gait.percent(b)).collect();
                            let r = &gait.reference[k];
                            let lo: Vec<f64> = r.iter().map(|v| v - BAND_DEGREES).collect();
                            let hi: Vec<f64> = r.iter().map(|v| v + BAND_DEGREES).collect();
                            plot.add(
                                FilledArea::new("reference +-10 deg", &xs, &lo, &hi)
                                    .fill_color(Color32::from_rgba_unmultiplied(120, 120, 120, 60)),
                            );
                            plot.line(
                                Line::new(
                                    "reference",
                                    PlotPoints::from(
                                        xs.iter().zip(r).map(|(x, y)| [*x, *y]).collect::<Vec<_>>(),
                                    ),
                                )
                                .color(Color32::from_gray(200)),
                            );
                            // The model's curve, broken where a bin has no sample yet.
                            let mut segment: Vec<[f64; 2]> = Vec::new();
                            let mut segments = Vec::new();
                            for (b, v) in gait.latest[k].iter().enumerate() {
                                match v {
                                    Some(v) => segment.push([gait.percent(b), *v]),
                                    None => {
                                        if !segment.is_empty() {
                                            segments.push(std::mem::take(&mut segment));
                                        }
                                    }
                                }
                            }
                            if !segment.is_empty() {
                                segments.push(segment);
                            }
                            for s in segments {
                                plot.line(
                                    Line::new("model", PlotPoints::from(s))
                                        .color(Color32::from_rgb(255, 120, 60))
                                        .width(2.0),
                                );
                            }
                        });
                });
            }
        });
    }
}

/// Activations of the table muscles over the last seconds of the live episode.
pub fn activations(ui: &mut egui::Ui, plots: &LivePlots, height: f32) {
    Plot::new("activations")
        .height(height)
        .legend(Legend::default())
        .include_y(0.0)
        .include_y(1.0)
        .x_axis_label("time in episode (s)")
        .show(ui, |plot| {
            for (k, name) in ACTIVATION_MUSCLES.iter().enumerate() {
                let pts: Vec<[f64; 2]> = plots
                    .activations
                    .iter()
                    .filter_map(|(t, a)| a.get(k).map(|v| [*t as f64, *v as f64]))
                    .collect();
                plot.line(Line::new(*name, PlotPoints::from(pts)).color(run_color(k)));
            }
        });
}

/// The episode plots of the recording being played, up to the shown frame.
#[derive(Resource, Default)]
pub struct ReplayPlots {
    /// Recording and frame the plots were built for.
    pub key: Option<(super::playback::RecordingId, usize)>,
    /// The plots.
    pub plots: Option<LivePlots>,
}

/// Brings [`ReplayPlots`] to the shown recording and frame: while it plays forward only the new
/// frames are added (the same plots as a rebuild, since frames are added in order); a jump back,
/// a loop or another recording rebuilds them.
pub fn update_replay_plots(
    playback: Res<Playback>,
    library: Res<Library>,
    live: Res<LivePlots>,
    mut replay: ResMut<ReplayPlots>,
) {
    let Source::Recording(i) = playback.source else {
        return;
    };
    let Some(rec) = library.get(i) else {
        return;
    };
    let shown = playback.frame_index(rec);
    let key = (i, shown);
    if replay.key == Some(key) {
        return;
    }
    let replay = &mut *replay;
    match (replay.key, replay.plots.as_mut()) {
        (Some((id, last)), Some(plots)) if id == i && last < shown => {
            for f in &rec.frames[last + 1..=shown] {
                plots.push(f);
            }
        }
        _ => {
            let mut plots = live.cleared();
            for f in rec.frames.iter().take(shown + 1) {
                plots.push(f);
            }
            replay.plots = Some(plots);
        }
    }
    replay.key = Some(key);
}
