//! Without a person: `--screenshot PATH --frames N` saves the window after N frames and exits
//! (non-zero if no image appeared); `bench gui` measures frame times with training idle, then with
//! a training run at full speed, and prints the median and 95th percentile of each; `bench soak`
//! starts a run from the training panel as a user would and reports frame times and memory
//! (RSS) at intervals for as long as asked.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use bevy::prelude::*;
use bevy::render::view::screenshot::{save_to_disk, Screenshot};

use super::AppOptions;
use crate::train::messages::Event;
use crate::train::run::RunConfig;
use crate::train::session::TrainingSession;

/// Screenshot and frame-time benchmark drivers.
pub struct CapturePlugin;

impl Plugin for CapturePlugin {
    fn build(&self, app: &mut App) {
        app.add_systems(Last, (screenshot_driver, bench_driver, soak_driver));
    }
}

#[derive(Default)]
pub(crate) struct ScreenshotState {
    frame: u32,
    requested_at: Option<u32>,
}

pub(crate) fn screenshot_driver(
    options: Option<Res<AppOptions>>,
    mut state: Local<ScreenshotState>,
    mut commands: Commands,
    mut exit: MessageWriter<AppExit>,
) {
    let Some(path) = options.as_ref().and_then(|o| o.screenshot.clone()) else {
        return;
    };
    let frames = options.as_ref().map_or(90, |o| o.frames);
    state.frame += 1;
    match state.requested_at {
        None if state.frame >= frames => {
            let _ = std::fs::remove_file(&path);
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                let _ = std::fs::create_dir_all(dir);
            }
            commands
                .spawn(Screenshot::primary_window())
                .observe(save_to_disk(path.clone()));
            state.requested_at = Some(state.frame);
        }
        Some(at) => {
            let written = std::fs::metadata(&path).is_ok_and(|m| m.is_file() && m.len() > 0);
            if written {
                info!("screenshot written to {}", path.display());
                exit.write(AppExit::Success);
            } else if state.frame > at + 300 {
                error!("no screenshot appeared at {}", path.display());
                exit.write(AppExit::error());
            }
        }
        None => {}
    }
}

#[derive(Default)]
struct BenchState {
    last: Option<Instant>,
    warmup: u32,
    idle: Vec<f64>,
    busy: Vec<f64>,
    session: Option<TrainingSession>,
    training_since: Option<Instant>,
    dir: Option<PathBuf>,
    steps_per_second: Vec<f64>,
    done: bool,
}

/// Median and 95th percentile of frame times (ms).
pub fn frame_stats(times: &[f64]) -> (f64, f64) {
    if times.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let mut t = times.to_vec();
    t.sort_by(|a, b| a.total_cmp(b));
    let at = |q: f64| t[((q * (t.len() - 1) as f64).round() as usize).min(t.len() - 1)];
    (at(0.5), at(0.95))
}

fn bench_driver(
    options: Option<Res<AppOptions>>,
    mut state: Local<BenchState>,
    mut exit: MessageWriter<AppExit>,
) {
    let Some(n) = options.as_ref().and_then(|o| o.bench_frames) else {
        return;
    };
    if state.done {
        return;
    }
    let now = Instant::now();
    let dt_ms = state.last.map(|l| (now - l).as_secs_f64() * 1000.0);
    state.last = Some(now);
    let Some(dt_ms) = dt_ms else { return };
    if state.warmup < 40 {
        state.warmup += 1;
        return;
    }
    if (state.idle.len() as u32) < n {
        state.idle.push(dt_ms);
        return;
    }
    if state.session.is_none() {
        let dir = std::env::temp_dir().join(format!("gaitscope-bench-gui-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let config = RunConfig {
            total_steps: 1_000_000_000,
            ..RunConfig::default()
        };
        match TrainingSession::start(config, &dir, true) {
            Ok(s) => {
                info!("bench gui: training started ({} frames idle measured)", n);
                state.session = Some(s);
                state.training_since = Some(now);
                state.dir = Some(dir);
            }
            Err(e) => {
                error!("bench gui: training could not start: {e:#}");
                state.done = true;
                exit.write(AppExit::error());
            }
        }
        return;
    }
    if let Some(s) = &state.session {
        let sps: Vec<f64> = s
            .events
            .try_iter()
            .filter_map(|e| match e {
                Event::Update(m) => Some(m.steps_per_second),
                _ => None,
            })
            .collect();
        state.steps_per_second.extend(sps);
    }
    // Let the learner build its encoder and workers before measuring.
    if state
        .training_since
        .is_some_and(|t| now - t < Duration::from_secs(10))
    {
        return;
    }
    if (state.busy.len() as u32) < n {
        state.busy.push(dt_ms);
        return;
    }
    let (idle_median, idle_p95) = frame_stats(&state.idle);
    let (busy_median, busy_p95) = frame_stats(&state.busy);
    println!("bench gui: {n} frames each, frame time in ms");
    println!("  training idle: median {idle_median:.1}, p95 {idle_p95:.1}");
    println!("  training busy: median {busy_median:.1}, p95 {busy_p95:.1}");
    println!(
        "  busy/idle: median {:.2}, p95 {:.2}",
        busy_median / idle_median,
        busy_p95 / idle_p95
    );
    match state.steps_per_second.last() {
        Some(s) => println!(
            "  training during the busy frames: {} updates, last {s:.0} steps/s",
            state.steps_per_second.len()
        ),
        None => println!("  training during the busy frames: no update finished yet"),
    }
    if let Some(mut s) = state.session.take() {
        let _ = s.stop_and_join();
    }
    if let Some(dir) = state.dir.take() {
        let _ = std::fs::remove_dir_all(dir);
    }
    state.done = true;
    exit.write(AppExit::Success);
}

/// A soak: how long, and how often to report.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Soak {
    /// Total length (s).
    pub seconds: f64,
    /// Seconds between reports.
    pub every: f64,
}

#[derive(Default)]
struct SoakState {
    started: Option<Instant>,
    last: Option<Instant>,
    report_at: f64,
    frames: Vec<f64>,
    asked: bool,
    done: bool,
}

/// The process's resident memory in MiB (Linux's `/proc/self/status`; NaN elsewhere).
pub fn resident_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// `bench soak`: asks the training panel for a run (its default configuration, as the Start
/// button would), then prints one line per interval: minutes, frame-time median and 95th
/// percentile over the interval, RSS, recordings kept, and the run's updates and steps.
fn soak_driver(
    options: Option<Res<AppOptions>>,
    mut state: Local<SoakState>,
    mut ui: Option<ResMut<super::ui::UiState>>,
    mut commands: MessageWriter<super::commands::UiCommand>,
    runs: Res<super::bridge::Runs>,
    library: Res<super::playback::Library>,
    mut exit: MessageWriter<AppExit>,
) {
    let Some(soak) = options.as_ref().and_then(|o| o.soak) else {
        return;
    };
    if state.done {
        return;
    }
    let now = Instant::now();
    let started = *state.started.get_or_insert(now);
    if let Some(last) = state.last.replace(now) {
        state.frames.push((now - last).as_secs_f64() * 1000.0);
    }
    if !state.asked {
        if let Some(config) = ui.as_deref_mut().and_then(|u| {
            u.steps = 100_000_000;
            u.run_config()
        }) {
            commands.write(super::commands::UiCommand::StartRun(Box::new(config)));
        }
        state.asked = true;
        println!(
            "bench soak: minutes, frames, frame ms median, p95, RSS MiB, recordings (their frames), \
             run updates, steps"
        );
    }
    let elapsed = (now - started).as_secs_f64();
    if elapsed < state.report_at && elapsed < soak.seconds {
        return;
    }
    let (median, p95) = frame_stats(&state.frames);
    let (updates, steps) = runs
        .runs
        .iter()
        .filter(|r| !r.shipped)
        .filter_map(|r| r.metrics.last())
        .fold((0, 0), |(u, s), m| (u + m.update, s + m.env_steps));
    let kept: usize = library.iter().map(|(_, r)| r.frames.len()).sum();
    println!(
        "soak {:6.1} min {:6} frames {median:7.1} {p95:7.1} ms {:8.1} MiB {:3} recordings ({kept:6} frames) {updates:5} updates {steps:10} steps",
        elapsed / 60.0,
        state.frames.len(),
        resident_mib(),
        library.len()
    );
    state.frames.clear();
    state.report_at += soak.every;
    if elapsed >= soak.seconds {
        state.done = true;
        exit.write(AppExit::Success);
    }
}
