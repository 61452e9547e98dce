//! What the panels ask for, carried out in one place. Every button that acts beyond its own
//! widgets (start, resume, load or watch a run, pause or stop it, save, load or export a
//! recording, the reflex walk, the live view's controls) writes a [`UiCommand`] message, and
//! [`carry_out`] does the work, as rerun's viewer command queue: the panels only draw and ask.
//! File work runs on helper threads ([`FileJobs`]) so the window never waits for a disk.

use std::path::PathBuf;

use bevy::prelude::*;
use crossbeam_channel::{unbounded, Receiver, Sender};

use super::bridge::{LiveFeed, Loader, Runs};
use super::playback::{Library, Playback, Source};
use super::plots::{LatentChoice, LivePlots, SweepBands};
use super::FrameSet;
use crate::learn::encoder::EncoderKind;
use crate::live::evaluator::EvalCommand;
use crate::live::Recording;
use crate::train::messages::Control;
use crate::train::run::RunConfig;

/// The command queue and the system that carries it out.
pub struct CommandsPlugin;

impl Plugin for CommandsPlugin {
    fn build(&self, app: &mut App) {
        super::configure_sets(app);
        app.init_resource::<FileJobs>()
            .add_message::<UiCommand>()
            .add_systems(
                Update,
                (file_results, carry_out).chain().in_set(FrameSet::Receive),
            );
    }
}

/// Something the user asked for.
#[derive(Message, Debug, Clone)]
pub enum UiCommand {
    /// Train this configuration in a new folder `runs/app-<encoder>-<mode>-<n>`, and watch it.
    StartRun(Box<RunConfig>),
    /// Train run `i` on from its folder's checkpoint.
    ResumeRun(usize),
    /// Read a run folder (configuration, checkpoint, metrics) and watch its policy; a sweep
    /// folder (`sweep.ron`) adds its combinations' curves with bands across seeds.
    LoadRun(PathBuf),
    /// Evaluate run `i`'s policy in the live view.
    Watch(usize),
    /// Pause, resume, checkpoint or stop run `i`.
    Control(usize, Control),
    /// Save the shown recording (the newest one while live) to this file.
    SaveRecording(PathBuf),
    /// Export the shown recording (the newest one while live) as an OpenSim `.mot`.
    ExportMot(PathBuf),
    /// Read a recording into the library, and show it if `show`.
    LoadRecording {
        /// The recording file.
        path: PathBuf,
        /// Switch the player to it once read.
        show: bool,
    },
    /// Simulate osim-rl's reflex controller walking the planar model for 10 s and open it.
    ReflexWalk,
    /// Open any OpenSim model in the model viewer (`gaitscope view`, its own window), once the
    /// file has been read without error.
    ViewModel(PathBuf),
    /// Pass a command to the live evaluation (pause, restart, speed).
    Live(EvalCommand),
    /// Place the live frames in this shipped 2-D encoder's latent picture (`before` is chosen
    /// again when it cannot be read).
    Latent {
        /// The encoder to use.
        kind: EncoderKind,
        /// The one in use until now.
        before: EncoderKind,
    },
}

/// What file work on a helper thread came back with.
pub enum FileResult {
    /// A message for the log.
    Done(String),
    /// A recording read (or simulated), and whether to show it.
    Loaded(Recording, bool),
    /// A sweep's curves, and its folder.
    Sweep(Vec<crate::train::sweep::Band>, PathBuf),
}

/// The helper threads' results channel.
#[derive(Resource)]
pub struct FileJobs {
    tx: Sender<FileResult>,
    rx: Receiver<FileResult>,
}

impl Default for FileJobs {
    fn default() -> Self {
        let (tx, rx) = unbounded();
        FileJobs { tx, rx }
    }
}

impl FileJobs {
    /// Runs `job` on a helper thread; its result comes back in [`file_results`].
    fn spawn(&self, job: impl FnOnce() -> FileResult + Send + 'static) {
        let tx = self.tx.clone();
        std::thread::spawn(move || {
            let _ = tx.send(job());
        });
    }
}

/// Takes finished file work into the log and the library.
fn file_results(
    jobs: Res<FileJobs>,
    mut runs: ResMut<Runs>,
    mut library: ResMut<Library>,
    mut playback: ResMut<Playback>,
    mut sweeps: ResMut<SweepBands>,
) {
    for r in jobs.rx.try_iter() {
        match r {
            FileResult::Done(msg) => runs.log(msg),
            FileResult::Sweep(bands, dir) => {
                runs.log(format!(
                    "loaded the sweep {}: {} combinations",
                    dir.display(),
                    bands.len()
                ));
                sweeps.add(bands);
            }
            FileResult::Loaded(rec, show) => {
                runs.log(format!(
                    "loaded recording {} ({} frames)",
                    rec.label,
                    rec.frames.len()
                ));
                let id = library.add(rec, playback.source.recording());
                if show {
                    playback.source = Source::Recording(id);
                    playback.position = 0.0;
                }
            }
        }
    }
}

/// Everything the commands change.
#[derive(bevy::ecs::system::SystemParam)]
pub struct Targets<'w> {
    runs: ResMut<'w, Runs>,
    feed: Option<Res<'w, LiveFeed>>,
    library: Res<'w, Library>,
    playback: Res<'w, Playback>,
    loader: Res<'w, Loader>,
    jobs: Res<'w, FileJobs>,
    plots: ResMut<'w, LivePlots>,
    latent: ResMut<'w, LatentChoice>,
}

/// Carries out the frame's commands, in the order they were asked for.
pub fn carry_out(
    mut commands: MessageReader<UiCommand>,
    mut t: Targets,
    mut started: Local<usize>,
) {
    for c in commands.read() {
        match c {
            UiCommand::StartRun(config) => start_run(&mut t, (**config).clone(), &mut started),
            UiCommand::ResumeRun(i) => resume_run(&mut t, *i),
            UiCommand::LoadRun(dir) if dir.join(crate::train::sweep::SWEEP_FILE).is_file() => {
                let dir = dir.clone();
                t.jobs
                    .spawn(move || match crate::train::sweep::bands(&dir) {
                        Ok(b) => FileResult::Sweep(b, dir),
                        Err(e) => FileResult::Done(format!("loading the sweep failed: {e:#}")),
                    });
            }
            UiCommand::LoadRun(dir) => {
                let label = dir
                    .file_name()
                    .map_or("run".into(), |n| n.to_string_lossy().into_owned());
                t.loader.load(dir.clone(), label, true, false);
            }
            UiCommand::Watch(i) => {
                let feed = t.feed.as_deref();
                t.runs.watch(*i, feed);
            }
            UiCommand::Control(i, c) => {
                if let Some(run) = t.runs.runs.get_mut(*i) {
                    run.control(*c);
                }
            }
            UiCommand::SaveRecording(path) => with_selected(&t, path, "save", |rec, path| {
                rec.save(path)
                    .map(|()| format!("saved {} to {}", rec.label, path.display()))
            }),
            UiCommand::ExportMot(path) => with_selected(&t, path, "export", |rec, path| {
                rec.export_mot(path)
                    .map(|()| format!("exported {} to {}", rec.label, path.display()))
            }),
            UiCommand::LoadRecording { path, show } => {
                let (path, show) = (path.clone(), *show);
                t.jobs.spawn(move || match Recording::load(&path) {
                    Ok(r) => FileResult::Loaded(r, show),
                    Err(e) => FileResult::Done(format!("load failed: {e:#}")),
                });
            }
            UiCommand::ReflexWalk => {
                t.jobs
                    .spawn(|| match crate::control::episode::record_walk(10.0) {
                        Ok((_, rec)) => FileResult::Loaded(rec, false),
                        Err(e) => FileResult::Done(format!("reflex walk failed: {e:#}")),
                    })
            }
            UiCommand::ViewModel(path) => {
                let path = path.clone();
                t.jobs.spawn(move || match open_viewer(&path) {
                    Ok(()) => FileResult::Done(format!("opened {} in the viewer", path.display())),
                    Err(e) => FileResult::Done(format!("cannot view {}: {e:#}", path.display())),
                })
            }
            UiCommand::Live(c) => {
                if let Some(f) = &t.feed {
                    f.command(c.clone());
                }
            }
            UiCommand::Latent { kind, before } => set_latent(&mut t, *kind, *before),
        }
    }
}

/// Hands the shown recording (the newest one while live) to a file job doing `job` with `path`.
fn with_selected(
    t: &Targets,
    path: &std::path::Path,
    what: &'static str,
    job: impl FnOnce(&Recording, &std::path::Path) -> anyhow::Result<String> + Send + 'static,
) {
    let selected = match t.playback.source {
        Source::Recording(id) => t.library.get(id),
        Source::Live => t.library.newest(),
    };
    let Some(rec) = selected.cloned() else {
        return t
            .jobs
            .spawn(move || FileResult::Done(format!("{what}: no recording yet")));
    };
    let path = path.to_path_buf();
    t.jobs.spawn(move || {
        FileResult::Done(job(&rec, &path).unwrap_or_else(|e| format!("{what} failed: {e:#}")))
    });
}

/// Starts `config` in the first free folder `runs/app-<encoder>-<mode>-<n>`.
fn start_run(t: &mut Targets, config: RunConfig, started: &mut usize) {
    let name = match config.algo {
        crate::train::run::Algo::Ppo => format!("{}-{}", config.encoder.name(), config.mode.name()),
        a => format!("{}-{}", a.name(), config.encoder.name()),
    };
    let mut n = *started + 1;
    let dir = loop {
        let d = PathBuf::from("runs").join(format!("app-{name}-{n}"));
        if !d.exists() {
            break d;
        }
        n += 1;
    };
    *started = n;
    let label = format!("{name} #{n}");
    let feed = t.feed.as_deref();
    match t.runs.start(label.clone(), config, &dir, feed) {
        Ok(_) => t.runs.log(format!("started {label} in {}", dir.display())),
        Err(e) => t.runs.log(format!("could not start {label}: {e:#}")),
    }
}

/// Trains run `i` on with its folder's own configuration.
fn resume_run(t: &mut Targets, i: usize) {
    let Some(dir) = t.runs.runs.get(i).and_then(|r| r.dir.clone()) else {
        return;
    };
    let config = match std::fs::read_to_string(dir.join("config.ron"))
        .map_err(anyhow::Error::from)
        .and_then(|text| crate::train::run::parse_run_folder_config(&text))
    {
        Ok(c) => c,
        Err(e) => {
            t.runs.log(format!("cannot resume {}: {e}", dir.display()));
            return;
        }
    };
    let label = format!("{} (resumed)", t.runs.runs[i].label);
    let feed = t.feed.as_deref();
    match t.runs.start(label.clone(), config, &dir, feed) {
        Ok(_) => t.runs.log(format!("resumed {label}")),
        Err(e) => t.runs.log(format!("could not resume {label}: {e:#}")),
    }
}

/// Points the live view's latent picture at a shipped 2-D encoder.
fn set_latent(t: &mut Targets, kind: EncoderKind, before: EncoderKind) {
    match crate::live::shipped_latent_map(kind) {
        Ok(map) => {
            if let Some(f) = &t.feed {
                f.command(EvalCommand::SetLatent(Some(Box::new(map))));
            }
            t.plots.clear_latent();
        }
        Err(e) => {
            t.runs.log(format!("{e:#}"));
            t.latent.0 = before;
        }
    }
}

/// Reads the model (so a bad file is reported here, with its line) and starts the viewer on it
/// as a process of its own.
fn open_viewer(path: &std::path::Path) -> anyhow::Result<()> {
    crate::osim::Model::load(path)?;
    let exe = std::env::current_exe()?;
    let mut child = std::process::Command::new(exe)
        .arg("view")
        .arg(path)
        .spawn()?;
    // Reaped when it closes, whenever that is.
    std::thread::spawn(move || child.wait());
    Ok(())
}
