//! The training bridge: the live evaluation thread and the training runs, seen from the window.
//! Each frame it drains their channels with `try_iter` (never blocking, whatever the trainer is
//! doing), keeps the newest live frame, feeds the plots and the recording library, and passes a
//! watched run's newest policy to the evaluator. Run folders load on a helper thread.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use bevy::prelude::*;
use crossbeam_channel::{unbounded, Receiver, Sender};

use super::assets::ModelData;
use super::{AppOptions, FrameSet};
use crate::env::EnvConfig;
use crate::learn::encoder::EncoderKind;
use crate::learn::ppo::EncoderMode;
use crate::learn::snapshot::PolicySnapshot;
use crate::live::evaluator::{EvalCommand, Evaluator, EvaluatorConfig};
use crate::live::{Frame, Recording};
use crate::train::folder::load_policy;
use crate::train::messages::{Control, Event, UpdateMetrics};
use crate::train::metrics::read_metrics;
use crate::train::run::Algo;
use crate::train::run::RunConfig;
use crate::train::session::TrainingSession;

/// Live evaluation and training runs.
pub struct BridgePlugin;

impl Plugin for BridgePlugin {
    fn build(&self, app: &mut App) {
        super::configure_sets(app);
        app.init_resource::<Runs>()
            .init_resource::<Loader>()
            .add_message::<LiveFrame>()
            .add_message::<RecordingFinished>()
            .add_systems(Startup, start_live)
            .add_systems(
                Update,
                (drain_live, drain_runs, drain_loads).in_set(FrameSet::Drain),
            );
    }
}

/// A frame of the live evaluation, as it arrived (every one, not only the newest).
#[derive(Message, Debug, Clone)]
pub struct LiveFrame(pub Frame);

/// An episode the live evaluation finished, recorded.
#[derive(Message, Debug, Clone)]
pub struct RecordingFinished(pub Recording);

/// The live evaluation's channels (and the thread, when the app started one).
#[derive(Resource)]
pub struct LiveFeed {
    /// Frames from the evaluator.
    pub frames: Receiver<Frame>,
    /// Finished episodes.
    pub recordings: Receiver<Recording>,
    /// Problems the evaluator recovered from.
    pub errors: Receiver<String>,
    /// The thread (absent in tests that feed the channels themselves).
    pub evaluator: Option<Evaluator>,
    /// The newest frame.
    pub latest: Option<Frame>,
    /// Frames received so far.
    pub received: u64,
}

impl LiveFeed {
    /// Wraps a running evaluator.
    pub fn from_evaluator(e: Evaluator) -> LiveFeed {
        LiveFeed {
            frames: e.frames.clone(),
            recordings: e.recordings.clone(),
            errors: e.errors.clone(),
            evaluator: Some(e),
            latest: None,
            received: 0,
        }
    }

    /// Sends a command to the evaluator, if there is one.
    pub fn command(&self, c: EvalCommand) {
        if let Some(e) = &self.evaluator {
            e.send(c);
        }
    }
}

/// One run in the app: trained here, or loaded from a folder.
pub struct RunView {
    /// Shown in legends.
    pub label: String,
    /// Its folder.
    pub dir: Option<PathBuf>,
    /// Encoder.
    pub encoder: EncoderKind,
    /// Encoder mode.
    pub mode: EncoderMode,
    /// Learning method (PPO unless the run's configuration says otherwise).
    pub algo: Algo,
    /// Metrics per update.
    pub metrics: Vec<UpdateMetrics>,
    /// The training threads, while training.
    pub session: Option<TrainingSession>,
    /// Where its events arrive.
    pub events: Option<Receiver<Event>>,
    /// Newest policy.
    pub policy: Option<Box<PolicySnapshot>>,
    /// Training, paused, stopped, done, failed, loaded.
    pub status: String,
    /// Paused by the user.
    pub paused: bool,
    /// Steps the run is asked to reach.
    pub total_steps: u64,
    /// Shipped with the app (not resumed in place).
    pub shipped: bool,
    /// The environment it trains in (the live view switches to it when watching the run).
    pub env: Option<EnvConfig>,
}

impl RunView {
    /// A run with nothing yet.
    pub fn new(label: impl Into<String>, encoder: EncoderKind, mode: EncoderMode) -> RunView {
        RunView {
            label: label.into(),
            dir: None,
            encoder,
            mode,
            algo: Algo::Ppo,
            metrics: Vec::new(),
            session: None,
            events: None,
            policy: None,
            status: String::new(),
            paused: false,
            total_steps: 0,
            shipped: false,
            env: None,
        }
    }

    /// Whether its threads are running.
    pub fn is_training(&self) -> bool {
        self.session.as_ref().is_some_and(|s| !s.is_finished())
    }

    /// Sends a control message to its learner.
    pub fn control(&mut self, c: Control) {
        if let Some(s) = &self.session {
            s.send(c);
            match c {
                Control::Pause => {
                    self.paused = true;
                    self.status = "paused".into();
                }
                Control::Resume => {
                    self.paused = false;
                    self.status = "training".into();
                }
                Control::Stop => self.status = "stopping (writing a checkpoint)".into(),
                Control::Checkpoint => self.status = "checkpoint requested".into(),
            }
        }
    }
}

/// All runs, which one the 3D view evaluates, and a message log.
#[derive(Resource, Default)]
pub struct Runs {
    /// Runs in the order they appeared.
    pub runs: Vec<RunView>,
    /// The run whose policy the live view evaluates.
    pub watched: Option<usize>,
    /// Recent messages, newest last.
    pub log: VecDeque<String>,
}

impl Runs {
    /// Adds a message to the log (keeps the last 200).
    pub fn log(&mut self, msg: impl Into<String>) {
        let msg = msg.into();
        info!("{msg}");
        self.log.push_back(msg);
        while self.log.len() > 200 {
            self.log.pop_front();
        }
    }

    /// Evaluates run `i`'s policy in the live view (from its next policy, if it has none yet).
    pub fn watch(&mut self, i: usize, feed: Option<&LiveFeed>) {
        if i >= self.runs.len() {
            return;
        }
        self.watched = Some(i);
        let run = &self.runs[i];
        if let (Some(feed), Some(p)) = (feed, &run.policy) {
            feed.command(EvalCommand::SetPolicy {
                label: run.label.clone(),
                policy: Some(p.clone()),
                env: run.env.clone().map(Box::new),
            });
        }
    }

    /// Starts training `config` into `dir` (resuming if it holds a checkpoint) and watches it.
    pub fn start(
        &mut self,
        label: String,
        config: RunConfig,
        dir: &Path,
        feed: Option<&LiveFeed>,
    ) -> Result<usize> {
        let mut view = RunView::new(label, config.encoder, config.mode);
        view.algo = config.algo;
        view.total_steps = config.total_steps;
        view.env = Some(config.env.clone());
        if dir.join("metrics.csv").exists() {
            view.metrics = read_metrics(&dir.join("metrics.csv")).unwrap_or_default();
        }
        let session = TrainingSession::start(config, dir, true)?;
        view.events = Some(session.events.clone());
        view.session = Some(session);
        view.dir = Some(dir.to_path_buf());
        view.status = "starting".into();
        self.runs.push(view);
        let i = self.runs.len() - 1;
        self.watch(i, feed);
        Ok(i)
    }
}

/// A run folder read on the helper thread.
pub struct LoadedRun {
    /// Label for the legend.
    pub label: String,
    /// Folder.
    pub dir: PathBuf,
    /// Its configuration.
    pub config: RunConfig,
    /// Its policy.
    pub policy: PolicySnapshot,
    /// Its metrics (empty if the file is missing).
    pub metrics: Vec<UpdateMetrics>,
    /// Watch it once loaded.
    pub watch: bool,
    /// Shipped with the app.
    pub shipped: bool,
}

/// Loads run folders off the window's thread.
#[derive(Resource)]
pub struct Loader {
    tx: Sender<Result<LoadedRun, String>>,
    rx: Receiver<Result<LoadedRun, String>>,
}

impl Default for Loader {
    fn default() -> Self {
        let (tx, rx) = unbounded();
        Loader { tx, rx }
    }
}

impl Loader {
    /// Reads `dir` (config, checkpoint, metrics) on a helper thread.
    pub fn load(&self, dir: PathBuf, label: String, watch: bool, shipped: bool) {
        self.load_all(vec![(dir, label, watch)], shipped);
    }

    /// Reads several run folders, in order, on one helper thread (`(folder, label, watch)`).
    pub fn load_all(&self, runs: Vec<(PathBuf, String, bool)>, shipped: bool) {
        let tx = self.tx.clone();
        let _ = std::thread::Builder::new()
            .name("run-loader".into())
            .spawn(move || {
                for (dir, label, watch) in runs {
                    let result =
                        load_run(&dir, label, watch, shipped).map_err(|e| format!("{e:#}"));
                    let _ = tx.send(result);
                }
            });
    }
}

/// Reads a run folder's configuration, policy and metrics.
pub fn load_run(dir: &Path, label: String, watch: bool, shipped: bool) -> Result<LoadedRun> {
    let (config, ppo) =
        load_policy(dir).with_context(|| format!("loading the run {}", dir.display()))?;
    let policy = PolicySnapshot::from_networks(&ppo.encoder, &ppo.net)?;
    let metrics_path = dir.join("metrics.csv");
    let metrics = if metrics_path.exists() {
        read_metrics(&metrics_path)?
    } else {
        Vec::new()
    };
    Ok(LoadedRun {
        label,
        dir: dir.to_path_buf(),
        config,
        policy,
        metrics,
        watch,
        shipped,
    })
}

fn start_live(
    mut commands: Commands,
    existing: Option<Res<LiveFeed>>,
    data: Res<ModelData>,
    options: Option<Res<AppOptions>>,
    loader: Res<Loader>,
    mut runs: ResMut<Runs>,
) {
    if existing.is_some() {
        return;
    }
    let latent = match crate::live::shipped_latent_map(EncoderKind::Ae) {
        Ok(m) => Some(m),
        Err(e) => {
            runs.log(format!("no latent picture: {e:#}"));
            None
        }
    };
    match Evaluator::spawn(EvaluatorConfig {
        env: data.env.clone(),
        latent,
        ..default()
    }) {
        Ok(e) => {
            commands.insert_resource(LiveFeed::from_evaluator(e));
        }
        Err(e) => runs.log(format!("the live evaluation could not start: {e:#}")),
    }
    let options = options.map(|o| o.clone()).unwrap_or_default();
    if options.load_shipped {
        let shipped = crate::models_dir().join("policies");
        let watch_shipped = options.watch.is_none();
        // The walking policy first (watched at start when it is shipped), then the study's.
        let mut runs: Vec<(PathBuf, String, bool)> = [
            ("walk", "walk"),
            ("none", "study: none"),
            ("ae", "study: AE"),
            ("vae", "study: VAE"),
        ]
        .into_iter()
        .map(|(name, label)| (shipped.join(name), label.to_string(), false))
        .filter(|(dir, _, _)| dir.join("config.ron").exists())
        .collect();
        if let Some(first) = runs.first_mut() {
            first.2 = watch_shipped;
        }
        loader.load_all(runs, true);
    }
    if let Some(dir) = options.watch {
        let label = dir
            .file_name()
            .map_or("run".into(), |n| n.to_string_lossy().into_owned());
        loader.load(dir, label, true, false);
    }
}

/// Newest live frame, recordings and evaluator messages: frames and recordings go out as
/// messages, the evaluator's problems to the log.
pub fn drain_live(
    feed: Option<ResMut<LiveFeed>>,
    mut frames: MessageWriter<LiveFrame>,
    mut finished: MessageWriter<RecordingFinished>,
    mut runs: ResMut<Runs>,
) {
    let Some(mut feed) = feed else { return };
    let feed = &mut *feed;
    let mut latest = None;
    for frame in feed.frames.try_iter() {
        if let Some(previous) = latest.replace(frame) {
            frames.write(LiveFrame(previous));
        }
        feed.received += 1;
    }
    if let Some(frame) = latest {
        feed.latest = Some(frame.clone());
        frames.write(LiveFrame(frame));
    }
    for rec in feed.recordings.try_iter() {
        finished.write(RecordingFinished(rec));
    }
    for e in feed.errors.try_iter() {
        runs.log(e);
    }
}

/// Metrics, policies and ends of every training run.
pub fn drain_runs(mut runs: ResMut<Runs>, feed: Option<Res<LiveFeed>>) {
    let watched = runs.watched;
    let mut messages = Vec::new();
    for (i, run) in runs.runs.iter_mut().enumerate() {
        let Some(rx) = &run.events else { continue };
        let mut newest_policy = None;
        for event in rx.try_iter() {
            match event {
                Event::Update(m) => {
                    if !run.paused {
                        run.status = "training".into();
                    }
                    run.metrics.push(m);
                }
                Event::Policy(p) => newest_policy = Some(p),
                Event::Log(s) => messages.push(format!("{}: {s}", run.label)),
                Event::Finished(s) => {
                    messages.push(format!("{}: training {s}", run.label));
                    run.status = s;
                }
            }
        }
        if let Some(p) = newest_policy {
            let first = run.policy.is_none();
            run.policy = Some(p.clone());
            if watched == Some(i) {
                if let Some(feed) = &feed {
                    feed.command(if first {
                        EvalCommand::SetPolicy {
                            label: run.label.clone(),
                            policy: Some(p),
                            env: run.env.clone().map(Box::new),
                        }
                    } else {
                        EvalCommand::UpdatePolicy(p)
                    });
                }
            }
        }
        if run.status == "starting" && run.is_training() && run.metrics.is_empty() {
            run.status = "collecting the first rollout".into();
        }
    }
    for m in messages {
        runs.log(m);
    }
}

/// Runs loaded by the helper thread.
pub fn drain_loads(loader: Res<Loader>, mut runs: ResMut<Runs>, feed: Option<Res<LiveFeed>>) {
    for result in loader.rx.try_iter() {
        match result {
            Ok(l) => {
                let mut view = RunView::new(&l.label, l.config.encoder, l.config.mode);
                view.algo = l.config.algo;
                view.dir = Some(l.dir);
                view.metrics = l.metrics;
                view.policy = Some(Box::new(l.policy));
                view.status = "loaded".into();
                view.total_steps = l.config.total_steps;
                view.shipped = l.shipped;
                view.env = Some(l.config.env.clone());
                runs.log(format!(
                    "loaded {} ({} updates)",
                    l.label,
                    view.metrics.len()
                ));
                runs.runs.push(view);
                // A shipped policy is only watched when nothing else is (a run started from
                // the command line may have been watched first).
                if l.watch && (!l.shipped || runs.watched.is_none()) {
                    let i = runs.runs.len() - 1;
                    runs.watch(i, feed.as_deref());
                }
            }
            Err(e) => runs.log(e),
        }
    }
}
