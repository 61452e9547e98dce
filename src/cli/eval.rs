//! `gaitscope eval RUN`: whether a trained run walks, and the study's evaluation of it.

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::train::eval::{evaluate, EvalOptions, Push};

/// `gaitscope eval`'s options (each default written here once).
#[derive(clap::Args, Debug, Clone)]
pub struct EvalArgs {
    /// The run folder.
    pub run: PathBuf,
    /// Episodes (at least 1).
    #[arg(long, default_value_t = 5, value_parser = super::at_least_one)]
    pub episodes: usize,
    /// Episode time limit in seconds (default: the run's own, 10 s in the study).
    #[arg(long)]
    pub seconds: Option<f64>,
    /// Start each episode at a random phase of the reference (else phase 0).
    #[arg(long)]
    pub random_phase: bool,
    /// Sample actions from the policy's distribution instead of taking its mean.
    #[arg(long)]
    pub stochastic: bool,
    /// Act with the expected excitation under the policy's distribution (E[clip(u, 0, 1)])
    /// instead of the clipped mean.
    #[arg(long)]
    pub expected: bool,
    /// Seed of the start phases.
    #[arg(long, default_value_t = 1234)]
    pub seed: u64,
    /// Also write the report as JSON here.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Push the pelvis sideways in every episode with this force (N, + to the right).
    #[arg(long, allow_hyphen_values = true)]
    pub push: Option<f64>,
    /// When the push starts (s into the episode).
    #[arg(long, default_value_t = 5.0)]
    pub push_at: f64,
    /// How long the push lasts (s).
    #[arg(long, default_value_t = 0.2)]
    pub push_seconds: f64,
    /// End an episode once the run's tracking limits are exceeded, as training does (by
    /// default only a fall ends it, and lost tracking is reported apart).
    #[arg(long)]
    pub end_on_tracking_loss: bool,
}

impl EvalArgs {
    /// The evaluation these options ask for.
    pub fn options(&self) -> EvalOptions {
        EvalOptions {
            episodes: self.episodes,
            seconds: self.seconds,
            random_phase: self.random_phase,
            stochastic: self.stochastic,
            expected: self.expected,
            seed: self.seed,
            push: self.push.map(|newtons| Push {
                newtons,
                at_s: self.push_at,
                seconds: self.push_seconds,
            }),
            end_on_tracking_loss: self.end_on_tracking_loss,
        }
    }
}

/// Prints the report, writes `RUN/eval/gait_cycles.csv` and, if asked, the JSON report.
pub fn run(run_dir: &Path, options: &EvalOptions, json: Option<&Path>) -> Result<()> {
    let r = evaluate(run_dir, options)?;
    let path = run_dir.join("eval").join("gait_cycles.csv");
    crate::util::write_atomic(&path, r.gait_cycles_csv.as_bytes())?;
    if let Some(json) = json {
        crate::util::write_atomic(json, r.to_json().as_bytes())?;
    }
    let start = if options.random_phase {
        format!("random phases (seed {})", options.seed)
    } else {
        "phase 0".to_string()
    };
    let policy = if options.stochastic {
        "stochastic"
    } else if options.expected {
        "expected-excitation"
    } else {
        "deterministic"
    };
    println!("{} {policy} episodes from {start}", r.episodes);
    if r.identical_episodes {
        println!("  (a deterministic policy from phase 0: every episode is the same one)");
    }
    println!(
        "  mean duration {:.3} s, mean return {:.3} (std {:.3}), falls {} of {}{}",
        r.mean_duration_s,
        r.mean_return,
        r.std_return,
        r.falls,
        r.episodes,
        r.mean_time_to_fall_s
            .map(|t| format!(" (mean time to fall {t:.3} s)"))
            .unwrap_or_default()
    );
    let limits = if options.end_on_tracking_loss {
        "ended the episode, as in training"
    } else {
        "did not end the episode"
    };
    match r.mean_time_to_tracking_loss_s {
        Some(t) => println!(
            "  tracking lost (the run's limits exceeded) in {} of {} (first at {t:.3} s on average; it {limits})",
            r.tracking_losses, r.episodes
        ),
        None => println!("  tracking never lost (beyond the run's limits, if it has any)"),
    }
    println!(
        "  forward distance {:.3} m per episode, mean speed {:.3} m/s, foot strikes per episode: right {:.1}, left {:.1}",
        r.mean_distance_m, r.mean_speed_m_s, r.foot_strikes.right, r.foot_strikes.left
    );
    println!(
        "  step time: right {:.3} s, left {:.3} s (asymmetry {:.1} %)",
        r.step_time_s.right,
        r.step_time_s.left,
        100.0 * r.step_time_asymmetry
    );
    if let Some(p) = options.push {
        println!(
            "  pushed sideways with {:.0} N for {:.2} s at {:.2} s in every episode",
            p.newtons, p.seconds, p.at_s
        );
    }
    println!("RMSE against the reference (degrees; pelvis translations in cm):");
    for (name, v) in &r.rmse_deg {
        println!("  {name:<16} {v:8.2}");
    }
    println!("  cumulative       {:8.2}", r.cumulative_rmse);
    println!("mean over the evaluation, right + left: activation, fibre force (N)");
    for ((m, a), (_, f)) in r.activation.iter().zip(&r.fiber_force_n) {
        println!("  {m:<12} {a:8.3} {f:10.1}");
    }
    println!("gait cycles: {}", path.display());
    if let Some(json) = json {
        println!("report: {}", json.display());
    }
    Ok(())
}
