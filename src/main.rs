//! The `gaitscope` binary: the desktop app (no subcommand) and command-line tools over the
//! headless core. Each subcommand's options are one `Args` struct in its `gaitscope::cli` module.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use gaitscope::cli;

#[derive(Parser)]
#[command(
    name = "gaitscope",
    version,
    about = "A musculoskeletal model learns to walk"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    app: cli::app::AppArgs,
    /// The folder of the shipped model, motions, encoders and policies (else $GAITSCOPE_MODELS,
    /// else models/ beside the executable, else the source folder's models/).
    #[arg(long, global = true)]
    models: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Muscle-tendon lengths and moment arms of every muscle for every row of a motion, like
    /// OpenSim's MuscleAnalysis.
    Analyze(cli::analyze::AnalyzeArgs),
    /// Record observations for the encoders (phase 1, "learn to see").
    Collect(cli::collect::CollectArgs),
    /// Fit encoders on collected observations and report the reconstruction error (Table 4.1).
    FitEncoder(cli::fit_encoder::FitEncoderArgs),
    /// Train PPO+IL (phase 2, "learn to act"), or with --algo SAC, TD3, DDPG, BC, DAgger or ridge;
    /// resumes if the run folder has a checkpoint.
    Train(cli::train::TrainArgs),
    /// Evaluate a trained run: distance, speed, falls, foot strikes, the study's duration,
    /// return, RMSE table and muscle means, gait cycles.
    Eval(cli::eval::EvalArgs),
    /// A grid of runs (encoders x seeds on one recipe), here `--jobs` at a time or as a Slurm
    /// job array (`--slurm`); a sweep given again resumes its unfinished runs.
    Sweep(cli::sweep::SweepArgs),
    /// A sweep's runs compared across seeds: mean +- std per encoder and % against none (text
    /// and CSV).
    Compare(cli::sweep::CompareArgs),
    /// Speed benchmarks that print figures.
    Bench(cli::bench::BenchArgs),
    /// Record deterministic episodes of a run's policy in the app's recording format (RON).
    Record(cli::record::RecordArgs),
    /// Walk a model with osim-rl's Song-Geyer reflex controller from osim-rl's start pose: time to
    /// fall, distance, speed and foot strikes against OpenSim's.
    Reflex(cli::reflex::ReflexArgs),
    /// Export a recording's motion as an OpenSim .mot (angles in degrees).
    Export(cli::record::ExportArgs),
    /// Any OpenSim model (3 or 4) in a window: bones, muscles, a slider per coordinate, a motion
    /// on a timeline, muscles coloured by length or moment arm.
    View(cli::view::ViewArgs),
    /// Checks that a screenshot is not blank (for CI): prints its size and colour statistics and
    /// fails if one colour covers nearly all of it.
    #[command(hide = true)]
    CheckImage(cli::check_image::CheckImageArgs),
}

/// Points the library at `--models DIR`, refused if the folder has no model file.
fn use_models_dir(dir: &std::path::Path) -> anyhow::Result<()> {
    if !dir.join(gaitscope::MODEL_FILE).is_file() {
        anyhow::bail!(
            "--models {}: no {} in that folder",
            dir.display(),
            gaitscope::MODEL_FILE
        );
    }
    gaitscope::set_models_dir(dir.to_path_buf());
    Ok(())
}

fn run(cli: Cli) -> anyhow::Result<()> {
    if let Some(dir) = &cli.models {
        use_models_dir(dir)?;
    }
    let app = cli.app.options()?;
    match cli.command {
        None => gaitscope::app::run(app),
        Some(Command::Analyze(a)) => a.run(),
        Some(Command::Collect(a)) => a.run(),
        Some(Command::FitEncoder(a)) => a.run(),
        Some(Command::Train(a)) => a.config().and_then(|c| cli::train::run(c, &a.out)),
        Some(Command::Eval(a)) => cli::eval::run(&a.run, &a.options(), a.json.as_deref()),
        Some(Command::Sweep(a)) => a.run(),
        Some(Command::Compare(a)) => a.run(),
        Some(Command::Bench(a)) => a.run(app),
        Some(Command::Record(a)) => a.run(),
        Some(Command::Reflex(a)) => a.run(),
        Some(Command::Export(a)) => a.run(),
        Some(Command::View(a)) => a.run(),
        Some(Command::CheckImage(a)) => a.run(),
    }
}

fn main() -> ExitCode {
    // Piped into `head`: end quietly on a closed pipe instead of panicking in println!.
    #[cfg(unix)]
    // SAFETY: restoring the default action of one signal before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    gaitscope::learn::configure_threads();
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
