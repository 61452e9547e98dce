//! The `gaitscope` binary: command-line tools over the headless core.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "gaitscope",
    version,
    about = "A musculoskeletal model learns to walk"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
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
    /// Speed benchmarks that print figures.
    Bench {
        #[command(subcommand)]
        what: BenchWhat,
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
    /// Seconds per PPO update at the study's sizes (obs 66 and 296).
    Ppo {
        /// Timed updates per size.
        #[arg(long, default_value_t = 2)]
        updates: usize,
    },
}

fn main() -> ExitCode {
    gaitscope::learn::configure_threads();
    let cli = Cli::parse();
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
        None => {
            eprintln!("The desktop app is not built yet; try `gaitscope --help`.");
            Ok(())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
