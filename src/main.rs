//! The `gaitscope` binary: the desktop app (no subcommand) and command-line tools over the
//! headless core.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use gaitscope::learn::encoder::{EncoderKind, FitConfig};
use gaitscope::train::collect::ExplorationSource;

#[derive(Parser)]
#[command(
    name = "gaitscope",
    version,
    about = "A musculoskeletal model learns to walk"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// App: save a screenshot of the window to this PNG after `--frames` frames, then exit.
    #[arg(long)]
    screenshot: Option<PathBuf>,
    /// App: frames before the screenshot.
    #[arg(long, default_value_t = 90)]
    frames: u32,
    /// App: start with large fonts (lecture mode).
    #[arg(long)]
    lecture: bool,
    /// App: a run folder whose policy to watch at start (default: the shipped walk policy, else the study's none policy).
    #[arg(long)]
    watch: Option<PathBuf>,
    /// App: start training runs at once, e.g. `--train ae,vae` or `--train vae:adapt`.
    #[arg(long, value_delimiter = ',')]
    train: Vec<String>,
    /// App: open a saved recording in the player.
    #[arg(long)]
    recording: Option<PathBuf>,
    /// App: window width and height in logical pixels.
    #[arg(long, num_args = 2, value_names = ["WIDTH", "HEIGHT"])]
    size: Option<Vec<u32>>,
    /// The folder of the shipped model, motions, encoders and policies (else $GAITSCOPE_MODELS,
    /// else models/ beside the executable, else the source folder's models/).
    #[arg(long, global = true)]
    models: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Muscle-tendon lengths and moment arms of every muscle for every row of a motion, like
    /// OpenSim's MuscleAnalysis.
    Analyze {
        /// The motion (.mot or .sto), coordinates in the model's names.
        #[arg(long)]
        motion: PathBuf,
        /// Output folder.
        #[arg(long)]
        out: PathBuf,
        /// The OpenSim model (default: the shipped gait14dof22musc).
        #[arg(long)]
        model: Option<PathBuf>,
    },
    /// Record observations for the encoders (phase 1, "learn to see").
    Collect {
        /// Output file (safetensors).
        #[arg(long, default_value = "runs/observations.safetensors")]
        out: PathBuf,
        /// Environment steps to record.
        #[arg(long, default_value_t = 100_000)]
        steps: usize,
        /// Exploration: random, reference (perturbed reference playback) or mixed.
        #[arg(long, value_enum, default_value_t = ExplorationSource::Mixed)]
        source: ExplorationSource,
        /// Seed.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// A trained run folder whose policy chooses the excitations.
        #[arg(long)]
        policy: Option<PathBuf>,
    },
    /// Fit encoders on collected observations and report the reconstruction error (Table 4.1).
    FitEncoder {
        /// pca, ae, vae or all.
        #[arg(long, default_value = "all")]
        kind: String,
        /// The collected observations.
        #[arg(long, default_value = "runs/observations.safetensors")]
        data: PathBuf,
        /// Output folder.
        #[arg(long, default_value = "runs/encoders")]
        out: PathBuf,
        /// Latent width.
        #[arg(long, default_value_t = 66)]
        latent: usize,
        /// Epochs (the study: 750).
        #[arg(long, default_value_t = 750)]
        epochs: usize,
        /// Seed.
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// Train PPO+IL (phase 2, "learn to act"); resumes if the run folder has a checkpoint.
    Train(gaitscope::cli::train::TrainArgs),
    /// Evaluate a trained run: distance, speed, falls, foot strikes, the study's duration,
    /// return, RMSE table and muscle means, gait cycles.
    Eval(gaitscope::cli::eval::EvalArgs),
    /// Speed benchmarks that print figures.
    Bench {
        #[command(subcommand)]
        what: BenchWhat,
    },
    /// Record deterministic episodes of a run's policy in the app's recording format (RON).
    Record {
        /// The run folder.
        run: PathBuf,
        /// Output file (further episodes get -2, -3, ... suffixes).
        #[arg(long, default_value = "recordings/episode.ron")]
        out: PathBuf,
        /// Episodes (at least 1).
        #[arg(long, default_value_t = 1, value_parser = gaitscope::cli::at_least_one)]
        episodes: usize,
        /// Seed of the initial states.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Also export each episode as an OpenSim .mot next to it.
        #[arg(long)]
        mot: bool,
    },
    /// Walk a model with osim-rl's Song-Geyer reflex controller from osim-rl's start pose: time to
    /// fall, distance, speed and foot strikes against OpenSim's.
    Reflex {
        /// The OpenSim model (default: the shipped planar gait14dof22musc).
        #[arg(long)]
        model: Option<PathBuf>,
        /// The controller's parameters, one per line (default: the shipped params_2D.txt).
        #[arg(long)]
        params: Option<PathBuf>,
        /// Episode length (s).
        #[arg(long, default_value_t = 10.0)]
        seconds: f64,
        /// Save the episode as an app recording (RON).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Write each foot's vertical ground reaction (body weights) per step as CSV.
        #[arg(long)]
        grf: Option<PathBuf>,
    },
    /// Export a recording's motion as an OpenSim .mot (angles in degrees).
    Export {
        /// The recording (.ron).
        recording: PathBuf,
        /// The motion file to write.
        #[arg(long)]
        mot: PathBuf,
    },
    /// Checks that a screenshot is not blank (for CI): prints its size and colour statistics and
    /// fails if one colour covers nearly all of it.
    #[command(hide = true)]
    CheckImage {
        /// The PNG.
        path: PathBuf,
    },
}

#[derive(Subcommand)]
enum BenchWhat {
    /// Environment steps per second on one thread, random excitations.
    Sim {
        /// Environment steps to time.
        #[arg(long, default_value_t = 5000)]
        steps: usize,
        /// The OpenSim model (default: the shipped one).
        #[arg(long)]
        model: Option<PathBuf>,
        /// Rapier substeps per 0.01 s control step.
        #[arg(long)]
        substeps: Option<usize>,
    },
    /// Frame times of the app (median, 95th percentile) with training idle and at full speed.
    Gui {
        /// Frames measured in each state.
        #[arg(long, default_value_t = 300)]
        frames: u32,
    },
    /// Seconds per PPO update at the study's sizes (obs 66 and 296).
    Ppo {
        /// Timed updates per size.
        #[arg(long, default_value_t = 2)]
        updates: usize,
    },
}

/// Checks before the window opens that `path` can be written as a file (not a folder, in a
/// folder that exists or can be made and takes new files), so a bad `--screenshot` fails at once.
fn writable_file(path: &std::path::Path) -> std::io::Result<()> {
    if path.is_dir() {
        return Err(std::io::Error::other("is a folder, not a PNG file name"));
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let existed = path.exists();
    std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)?;
    if !existed {
        std::fs::remove_file(path)?;
    }
    Ok(())
}

fn main() -> ExitCode {
    // Piped into `head`: end quietly on a closed pipe instead of panicking in println!.
    #[cfg(unix)]
    // SAFETY: restoring the default action of one signal before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    gaitscope::learn::configure_threads();
    let cli = Cli::parse();
    if let Some(dir) = &cli.models {
        if !dir.join(gaitscope::MODEL_FILE).is_file() {
            eprintln!(
                "error: --models {}: no {} in that folder",
                dir.display(),
                gaitscope::MODEL_FILE
            );
            return ExitCode::FAILURE;
        }
        gaitscope::set_models_dir(dir.clone());
    }
    if let Some(s) = cli.size.as_deref() {
        if s.iter().any(|v| !(320..=16384).contains(v)) {
            eprintln!("error: --size takes a width and a height between 320 and 16384, got {s:?}");
            return ExitCode::FAILURE;
        }
    }
    if let Some(path) = &cli.screenshot {
        if let Err(e) = writable_file(path) {
            eprintln!("error: --screenshot {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    }
    let app_options = gaitscope::app::AppOptions {
        screenshot: cli.screenshot.clone(),
        frames: cli.frames,
        lecture: cli.lecture,
        watch: cli.watch.clone(),
        train: cli.train.clone(),
        recording: cli.recording.clone(),
        size: cli
            .size
            .as_deref()
            .map_or((1600, 900), |s| (s[0].max(320), s[1].max(240))),
        ..Default::default()
    };
    let result = match cli.command {
        Some(Command::Analyze { motion, out, model }) => {
            let model = model.unwrap_or_else(gaitscope::default_model_path);
            gaitscope::cli::analyze::run(&model, &motion, &out).map(|files| {
                for f in files {
                    println!("wrote {}", f.display());
                }
            })
        }
        Some(Command::Bench {
            what:
                BenchWhat::Sim {
                    steps,
                    model,
                    substeps,
                },
        }) => {
            let model = model.unwrap_or_else(gaitscope::default_model_path);
            gaitscope::cli::bench::sim(&model, steps, substeps)
        }
        Some(Command::Bench {
            what: BenchWhat::Ppo { updates },
        }) => gaitscope::cli::bench::ppo(updates),
        Some(Command::Collect {
            out,
            steps,
            source,
            seed,
            policy,
        }) => gaitscope::cli::collect::run(&out, steps, source, seed, policy.as_deref()),
        Some(Command::FitEncoder {
            kind,
            data,
            out,
            latent,
            epochs,
            seed,
        }) => {
            let kinds = if kind == "all" {
                Ok(vec![EncoderKind::Pca, EncoderKind::Ae, EncoderKind::Vae])
            } else {
                kind.parse::<EncoderKind>()
                    .map(|k| vec![k])
                    .map_err(anyhow::Error::msg)
            };
            kinds.and_then(|kinds| {
                let config = FitConfig {
                    latent,
                    epochs,
                    seed,
                    ..FitConfig::default()
                };
                gaitscope::cli::fit_encoder::run(&data, &kinds, &out, &config)
            })
        }
        Some(Command::Train(args)) => args
            .config()
            .and_then(|c| gaitscope::cli::train::run(c, &args.out)),
        Some(Command::Eval(args)) => {
            gaitscope::cli::eval::run(&args.run, &args.options(), args.json.as_deref())
        }
        Some(Command::Bench {
            what: BenchWhat::Gui { frames },
        }) => gaitscope::app::run(gaitscope::app::AppOptions {
            bench_frames: Some(frames),
            size: (1024, 640),
            ..app_options
        }),
        Some(Command::Record {
            run,
            out,
            episodes,
            seed,
            mot,
        }) => gaitscope::cli::record::record(&run, episodes, seed, &out, mot),
        Some(Command::Reflex {
            model,
            params,
            seconds,
            out,
            grf,
        }) => gaitscope::cli::reflex::run(
            &model.unwrap_or_else(gaitscope::control::planar_model_path),
            &params.unwrap_or_else(gaitscope::control::planar_params_path),
            seconds,
            out.as_deref(),
            grf.as_deref(),
        ),
        Some(Command::Export { recording, mot }) => {
            gaitscope::cli::record::export(&recording, &mot)
        }
        Some(Command::CheckImage { path }) => gaitscope::cli::check_image::run(&path),
        None => gaitscope::app::run(app_options),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
