//! Sweeps: a grid of encoders x seeds on one recipe, one ordinary run folder per combination,
//! described by `sweep.ron` in the sweep's folder. Each run is a `gaitscope train` process (so
//! a killed sweep resumes where each run stopped), run here a few at a time or as the tasks of
//! a Slurm job array; [`compare`] summarises the runs across seeds, as the study's comparison of
//! encoders does.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use super::messages::UpdateMetrics;
use super::run::RunState;
use crate::learn::encoder::EncoderKind;
use crate::learn::ppo::EncoderMode;

/// The file describing a sweep's grid.
pub const SWEEP_FILE: &str = "sweep.ron";

/// A sweep's grid and the settings every run shares.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sweep {
    /// Encoders, one combination each.
    pub encoders: Vec<EncoderKind>,
    /// Seeds, one run of each combination each.
    pub seeds: Vec<u64>,
    /// The recipe (`study` or `walk`).
    pub recipe: String,
    /// The encoders' mode.
    pub mode: EncoderMode,
    /// Environment steps per run.
    pub steps: u64,
    /// Parallel environments per run (the recipe's when absent).
    pub envs: Option<usize>,
    /// Steps per environment per update (the recipe's when absent).
    pub n_steps: Option<usize>,
    /// Evaluation episodes after a run finishes (`eval --json`; 0: none).
    pub eval_episodes: usize,
    /// The learning method of every run (PPO in sweeps from before this setting).
    #[serde(default)]
    pub algo: super::run::Algo,
    /// The expert run folder that BC, DAgger and ridge imitate.
    #[serde(default)]
    pub expert: Option<PathBuf>,
}

/// One run of a sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepRun {
    /// Its encoder.
    pub encoder: EncoderKind,
    /// Its seed.
    pub seed: u64,
    /// Its folder's name inside the sweep folder (`ae-s42`).
    pub name: String,
}

impl Sweep {
    /// Refuses an empty or repeated grid, no steps or an unknown recipe.
    pub fn validate(&self) -> Result<()> {
        if self.encoders.is_empty() || self.seeds.is_empty() {
            bail!("a sweep needs at least one encoder and one seed");
        }
        for (i, e) in self.encoders.iter().enumerate() {
            if self.encoders[..i].contains(e) {
                bail!("encoder {} is listed twice", e.name());
            }
        }
        for (i, s) in self.seeds.iter().enumerate() {
            if self.seeds[..i].contains(s) {
                bail!("seed {s} is listed twice");
            }
        }
        if self.steps == 0 {
            bail!("--steps must be at least 1");
        }
        super::run::recipe(&self.recipe)?;
        if self.algo.imitates() && self.expert.is_none() {
            bail!("--algo {} needs --expert RUN", self.algo.name());
        }
        Ok(())
    }

    /// The runs, encoder by encoder, seeds in the order given.
    pub fn runs(&self) -> Vec<SweepRun> {
        self.encoders
            .iter()
            .flat_map(|&encoder| {
                self.seeds.iter().map(move |&seed| SweepRun {
                    encoder,
                    seed,
                    name: format!("{}-s{seed}", encoder.name()),
                })
            })
            .collect()
    }

    /// The `gaitscope train` arguments of `run` (after the binary), into `dir/run.name`.
    pub fn train_args(&self, run: &SweepRun, dir: &Path) -> Vec<String> {
        let mut a: Vec<String> = [
            "train",
            "--recipe",
            &self.recipe,
            "--encoder",
            run.encoder.name(),
            "--mode",
            self.mode.name(),
            "--seed",
            &run.seed.to_string(),
            "--steps",
            &self.steps.to_string(),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        if self.algo != super::run::Algo::Ppo {
            a.extend(["--algo".into(), self.algo.name().into()]);
        }
        if let Some(e) = &self.expert {
            a.extend(["--expert".into(), e.display().to_string()]);
        }
        if let Some(n) = self.envs {
            a.extend(["--envs".into(), n.to_string()]);
        }
        if let Some(n) = self.n_steps {
            a.extend(["--n-steps".into(), n.to_string()]);
        }
        a.extend(["--out".into(), dir.join(&run.name).display().to_string()]);
        a
    }

    /// The `gaitscope eval` arguments that evaluate a finished `run` into its
    /// `eval/sweep.json` (none when `eval_episodes` is 0).
    pub fn eval_args(&self, run: &SweepRun, dir: &Path) -> Option<Vec<String>> {
        if self.eval_episodes == 0 {
            return None;
        }
        let run_dir = dir.join(&run.name);
        Some(vec![
            "eval".into(),
            run_dir.display().to_string(),
            "--episodes".into(),
            self.eval_episodes.to_string(),
            "--random-phase".into(),
            "--json".into(),
            eval_path(&run_dir).display().to_string(),
        ])
    }

    /// Writes `dir/sweep.ron` atomically; a folder that holds a different sweep is refused.
    pub fn save(&self, dir: &Path) -> Result<()> {
        if let Ok(existing) = Sweep::load(dir) {
            if existing != *self {
                bail!(
                    "{} already describes a different sweep ({} encoders x {} seeds, {} steps); \
                     choose another --out or give the same grid to resume it",
                    dir.join(SWEEP_FILE).display(),
                    existing.encoders.len(),
                    existing.seeds.len(),
                    existing.steps
                );
            }
        }
        std::fs::create_dir_all(dir).with_context(|| dir.display().to_string())?;
        let text = ron::ser::to_string_pretty(self, ron::ser::PrettyConfig::default())?;
        crate::util::write_atomic(&dir.join(SWEEP_FILE), text.as_bytes())?;
        Ok(())
    }

    /// Reads `dir/sweep.ron`.
    pub fn load(dir: &Path) -> Result<Sweep> {
        let path = dir.join(SWEEP_FILE);
        let text = std::fs::read_to_string(&path).with_context(|| path.display().to_string())?;
        let sweep: Sweep = ron::from_str(&text).with_context(|| path.display().to_string())?;
        sweep
            .validate()
            .with_context(|| path.display().to_string())?;
        Ok(sweep)
    }

    /// Whether `run`'s last checkpoint holds all its steps.
    pub fn is_finished(&self, run: &SweepRun, dir: &Path) -> bool {
        progress(&dir.join(&run.name)).is_some_and(|s| s.env_steps >= self.steps)
    }

    /// Whether `run` is finished and, when the sweep evaluates, evaluated.
    pub fn is_done(&self, run: &SweepRun, dir: &Path) -> bool {
        self.is_finished(run, dir)
            && (self.eval_episodes == 0 || eval_path(&dir.join(&run.name)).is_file())
    }
}

/// A run folder's last checkpointed state, if it has one.
pub fn progress(run_dir: &Path) -> Option<RunState> {
    super::folder::load_state(&run_dir.join(super::folder::CHECKPOINT)).ok()
}

/// Where a sweep run's evaluation report goes.
pub fn eval_path(run_dir: &Path) -> PathBuf {
    run_dir.join("eval").join("sweep.json")
}

/// Quotes `s` for a POSIX shell.
pub fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-=:,+".contains(c))
    {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Where a Slurm job array runs: passed through to `#SBATCH` lines.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SlurmOptions {
    /// `--partition`.
    pub partition: Option<String>,
    /// `--time` (Slurm's formats, e.g. `24:00:00`).
    pub time: Option<String>,
    /// `--cpus-per-task` (each task's simulation workers).
    pub cpus_per_task: usize,
}

/// The job-array script for the runs of `sweep` that are not done: one task per run, each
/// calling `binary train` (and `eval`), with the models folder given explicitly. Returns the
/// script and the runs it covers (none: nothing to submit).
pub fn sbatch_script(
    sweep: &Sweep,
    dir: &Path,
    binary: &Path,
    models: &Path,
    slurm: &SlurmOptions,
) -> (String, Vec<SweepRun>) {
    let pending: Vec<SweepRun> = sweep
        .runs()
        .into_iter()
        .filter(|r| !sweep.is_done(r, dir))
        .collect();
    let q = |p: &Path| shell_quote(&p.display().to_string());
    let name = dir
        .file_name()
        .map_or("sweep".into(), |n| n.to_string_lossy().into_owned());
    let mut s = String::from("#!/bin/bash\n");
    s += &format!(
        "#SBATCH --job-name={}\n",
        shell_quote(&format!("gaitscope-{name}"))
    );
    s += &format!("#SBATCH --array=0-{}\n", pending.len().saturating_sub(1));
    s += &format!("#SBATCH --cpus-per-task={}\n", slurm.cpus_per_task.max(1));
    s += "#SBATCH --ntasks=1\n";
    if let Some(p) = &slurm.partition {
        s += &format!("#SBATCH --partition={}\n", shell_quote(p));
    }
    if let Some(t) = &slurm.time {
        s += &format!("#SBATCH --time={}\n", shell_quote(t));
    }
    s += &format!(
        "#SBATCH --output={}\n",
        q(&dir.join("slurm").join("%A_%a.out"))
    );
    s += "# Written by `gaitscope sweep --slurm`: one task per run not yet done. A task resumes its\n";
    s += "# run from its last checkpoint; submitting the sweep again skips finished runs.\n";
    s += "set -euo pipefail\n";
    s += &format!("bin={}\nmodels={}\n", q(binary), q(models));
    s += "workers=\"${SLURM_CPUS_PER_TASK:-1}\"\n";
    s += "case \"$SLURM_ARRAY_TASK_ID\" in\n";
    for (i, run) in pending.iter().enumerate() {
        let train: Vec<String> = sweep
            .train_args(run, dir)
            .iter()
            .map(|a| shell_quote(a))
            .collect();
        s += &format!(
            "  {i})\n    \"$bin\" --models \"$models\" {} --workers \"$workers\"\n",
            train.join(" ")
        );
        if let Some(eval) = sweep.eval_args(run, dir) {
            let eval: Vec<String> = eval.iter().map(|a| shell_quote(a)).collect();
            s += &format!("    \"$bin\" --models \"$models\" {}\n", eval.join(" "));
        }
        s += "    ;;\n";
    }
    s += "  *) echo \"no run for task $SLURM_ARRAY_TASK_ID\" >&2; exit 1 ;;\nesac\n";
    (s, pending)
}

/// One run's figures for the comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunSummary {
    /// Folder name.
    pub name: String,
    /// Seed.
    pub seed: u64,
    /// Updates in `metrics.csv`.
    pub updates: usize,
    /// Environment steps reached.
    pub env_steps: u64,
    /// Mean over the run's updates of the mean episode duration (s).
    pub mean_duration: f64,
    /// Mean over the run's updates of the mean episode return.
    pub mean_return: f64,
    /// `(steps, mean duration, mean return)` of the first update at or past each checkpoint
    /// fraction of the sweep's steps (NaN where the run has not got there).
    pub at_steps: Vec<(u64, f64, f64)>,
    /// `eval --json`'s mean duration, return, distance and falls, when evaluated.
    pub eval: Option<EvalFigures>,
}

/// The figures of a run's `eval --json` report the comparison shows.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct EvalFigures {
    /// Mean episode duration (s).
    pub duration: f64,
    /// Mean return.
    pub ret: f64,
    /// Mean forward distance (m).
    pub distance: f64,
    /// Falls, as a share of episodes.
    pub fall_share: f64,
}

/// Fractions of the sweep's steps at which runs are compared.
pub const COMPARE_AT: [f64; 4] = [0.25, 0.5, 0.75, 1.0];

/// The mean of the finite values (NaN when there are none).
fn finite_mean(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = values
        .filter(|v| v.is_finite())
        .fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    if n == 0 {
        f64::NAN
    } else {
        sum / n as f64
    }
}

/// Mean and sample standard deviation of the finite values (std 0 for one value; NaN for none).
pub fn mean_std(values: &[f64]) -> (f64, f64) {
    let v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    if v.len() == 1 {
        return (mean, 0.0);
    }
    let var = v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (v.len() - 1) as f64;
    (mean, var.sqrt())
}

/// Summarises one run from its metrics rows and evaluation report.
pub fn summarize(
    sweep: &Sweep,
    run: &SweepRun,
    rows: &[UpdateMetrics],
    eval: Option<EvalFigures>,
) -> RunSummary {
    let at_steps = COMPARE_AT
        .iter()
        .map(|f| {
            let target = (f * sweep.steps as f64).ceil() as u64;
            match rows.iter().find(|m| m.env_steps >= target) {
                Some(m) => (target, m.mean_duration, m.mean_return),
                None => (target, f64::NAN, f64::NAN),
            }
        })
        .collect();
    RunSummary {
        name: run.name.clone(),
        seed: run.seed,
        updates: rows.len(),
        env_steps: rows.last().map_or(0, |m| m.env_steps),
        mean_duration: finite_mean(rows.iter().map(|m| m.mean_duration)),
        mean_return: finite_mean(rows.iter().map(|m| m.mean_return)),
        at_steps,
        eval,
    }
}

/// Reads the figures of an `eval --json` report.
pub fn read_eval(path: &Path) -> Result<EvalFigures> {
    let text = std::fs::read_to_string(path).with_context(|| path.display().to_string())?;
    let v: serde_json::Value =
        serde_json::from_str(&text).with_context(|| path.display().to_string())?;
    let num = |k: &str| v.get(k).and_then(|x| x.as_f64()).unwrap_or(f64::NAN);
    let episodes = num("episodes");
    Ok(EvalFigures {
        duration: num("mean_duration_s"),
        ret: num("mean_return"),
        distance: num("mean_distance_m"),
        fall_share: num("falls") / episodes,
    })
}

/// A sweep's runs summarised, encoder by encoder.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// `(encoder, its runs)` in the sweep's order; runs without metrics are left out.
    pub combinations: Vec<(EncoderKind, Vec<RunSummary>)>,
    /// The step counts of [`RunSummary::at_steps`].
    pub at_steps: Vec<u64>,
}

/// Reads every run of the sweep in `dir` (a run without `metrics.csv` yet is left out).
pub fn compare(dir: &Path) -> Result<Comparison> {
    let sweep = Sweep::load(dir)?;
    let mut combinations: Vec<(EncoderKind, Vec<RunSummary>)> = Vec::new();
    for run in sweep.runs() {
        let run_dir = dir.join(&run.name);
        let metrics = run_dir.join("metrics.csv");
        if !metrics.is_file() {
            continue;
        }
        let rows = super::metrics::read_metrics(&metrics)?;
        let eval = match eval_path(&run_dir) {
            p if p.is_file() => Some(read_eval(&p)?),
            _ => None,
        };
        let summary = summarize(&sweep, &run, &rows, eval);
        match combinations.iter_mut().find(|(e, _)| *e == run.encoder) {
            Some((_, runs)) => runs.push(summary),
            None => combinations.push((run.encoder, vec![summary])),
        }
    }
    Ok(Comparison {
        combinations,
        at_steps: COMPARE_AT
            .iter()
            .map(|f| (f * sweep.steps as f64).ceil() as u64)
            .collect(),
    })
}

/// One combination's figures across its seeds: `(mean, std)` of each column of [`Comparison::csv`].
pub fn combination_stats(runs: &[RunSummary]) -> Vec<(f64, f64)> {
    let col = |f: &dyn Fn(&RunSummary) -> f64| mean_std(&runs.iter().map(f).collect::<Vec<_>>());
    let mut out = vec![col(&|r| r.mean_duration), col(&|r| r.mean_return)];
    let n = runs.first().map_or(0, |r| r.at_steps.len());
    for k in 0..n {
        out.push(col(&|r| r.at_steps[k].1));
        out.push(col(&|r| r.at_steps[k].2));
    }
    for f in [
        (|e: &EvalFigures| e.duration) as fn(&EvalFigures) -> f64,
        |e| e.ret,
        |e| e.distance,
        |e| e.fall_share,
    ] {
        out.push(col(&|r| r.eval.as_ref().map_or(f64::NAN, f)));
    }
    out
}

impl Comparison {
    /// The column names of [`combination_stats`].
    pub fn columns(&self) -> Vec<String> {
        let mut c = vec!["mean_duration_s".to_string(), "mean_return".to_string()];
        for s in &self.at_steps {
            c.push(format!("duration_at_{s}"));
            c.push(format!("return_at_{s}"));
        }
        for e in [
            "eval_duration_s",
            "eval_return",
            "eval_distance_m",
            "eval_fall_share",
        ] {
            c.push(e.into());
        }
        c
    }

    /// CSV: one row per combination, each column's mean and std across seeds, then the
    /// study's form (the mean duration and return as % of the `none` combination's).
    pub fn csv(&self) -> String {
        let mut head = vec!["encoder".to_string(), "seeds".to_string()];
        for c in self.columns() {
            head.push(format!("{c}_mean"));
            head.push(format!("{c}_std"));
        }
        head.extend(["duration_vs_none_pct".into(), "return_vs_none_pct".into()]);
        let mut out = head.join(",") + "\n";
        let base = self.baseline();
        for (enc, runs) in &self.combinations {
            let stats = combination_stats(runs);
            let mut row = vec![enc.name().to_string(), runs.len().to_string()];
            for (m, s) in &stats {
                row.push(m.to_string());
                row.push(s.to_string());
            }
            let (d, r) = vs_baseline(&stats, base);
            row.push(d.to_string());
            row.push(r.to_string());
            out += &(row.join(",") + "\n");
        }
        out
    }

    /// The `none` combination's mean duration and return, when the sweep has one.
    fn baseline(&self) -> Option<(f64, f64)> {
        self.combinations
            .iter()
            .find(|(e, _)| *e == EncoderKind::None)
            .map(|(_, runs)| {
                let s = combination_stats(runs);
                (s[0].0, s[1].0)
            })
    }

    /// A text table: mean +- std across seeds per combination, and % of `none`.
    pub fn table(&self) -> String {
        let base = self.baseline();
        let mut t = format!(
            "{:8} {:>5} {:>17} {:>17}",
            "encoder", "seeds", "duration (s)", "return"
        );
        for s in &self.at_steps {
            t += &format!(" {:>17}", format!("dur. @ {s}"));
        }
        t += &format!(
            " {:>17} {:>17} {:>9} {:>9}\n",
            "eval dur. (s)", "eval dist. (m)", "dur. %", "ret. %"
        );
        let pm = |(m, s): (f64, f64)| format!("{m:.2} +- {s:.2}");
        for (enc, runs) in &self.combinations {
            let stats = combination_stats(runs);
            t += &format!(
                "{:8} {:>5} {:>17} {:>17}",
                enc.name(),
                runs.len(),
                pm(stats[0]),
                pm(stats[1])
            );
            for k in 0..self.at_steps.len() {
                t += &format!(" {:>17}", pm(stats[2 + 2 * k]));
            }
            let e = 2 + 2 * self.at_steps.len();
            let (d, r) = vs_baseline(&stats, base);
            t += &format!(
                " {:>17} {:>17} {:>8.1}% {:>8.1}%\n",
                pm(stats[e]),
                pm(stats[e + 2]),
                d,
                r
            );
        }
        t
    }
}

/// The mean duration and return of `stats` as % change against the baseline's (the study's
/// "% against no encoder" form); NaN without a baseline.
fn vs_baseline(stats: &[(f64, f64)], base: Option<(f64, f64)>) -> (f64, f64) {
    match base {
        Some((d0, r0)) => (
            100.0 * (stats[0].0 - d0) / d0,
            100.0 * (stats[1].0 - r0) / r0,
        ),
        None => (f64::NAN, f64::NAN),
    }
}

/// One combination's learning curves across its seeds: at each update, the mean and standard
/// deviation over the seeds that reached it, for the app's band plot.
#[derive(Debug, Clone, PartialEq)]
pub struct Band {
    /// `"<sweep> <encoder> (n seeds)"`.
    pub label: String,
    /// Environment steps of each update.
    pub steps: Vec<f64>,
    /// Mean and std of the mean episode return.
    pub ret: Vec<(f64, f64)>,
    /// Mean and std of the mean episode duration (s).
    pub duration: Vec<(f64, f64)>,
}

/// The bands of the sweep in `dir`, one per combination with metrics. Runs of one sweep take
/// the same steps per update, so update `k` is the same step count in every seed.
pub fn bands(dir: &Path) -> Result<Vec<Band>> {
    let sweep = Sweep::load(dir)?;
    let name = dir
        .file_name()
        .map_or("sweep".into(), |n| n.to_string_lossy().into_owned());
    let mut out = Vec::new();
    for enc in &sweep.encoders {
        let mut seeds = Vec::new();
        for run in sweep.runs().iter().filter(|r| r.encoder == *enc) {
            let path = dir.join(&run.name).join("metrics.csv");
            if path.is_file() {
                seeds.push(super::metrics::read_metrics(&path)?);
            }
        }
        let updates = seeds.iter().map(Vec::len).max().unwrap_or(0);
        if updates == 0 {
            continue;
        }
        let at = |k: usize, f: fn(&UpdateMetrics) -> f64| {
            mean_std(
                &seeds
                    .iter()
                    .filter_map(|s| s.get(k).map(f))
                    .collect::<Vec<_>>(),
            )
        };
        let longest = seeds
            .iter()
            .max_by_key(|s| s.len())
            .expect("one seed at least");
        out.push(Band {
            label: format!("{name} {} ({} seeds)", enc.name(), seeds.len()),
            steps: longest.iter().map(|m| m.env_steps as f64).collect(),
            ret: (0..updates).map(|k| at(k, |m| m.mean_return)).collect(),
            duration: (0..updates).map(|k| at(k, |m| m.mean_duration)).collect(),
        });
    }
    Ok(out)
}
