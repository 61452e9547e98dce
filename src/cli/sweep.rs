//! `gaitscope sweep` and `gaitscope compare`: a grid of runs on this machine (`--jobs K` at
//! once, each a `gaitscope train` process) or as a Slurm job array (`--slurm`), and their
//! comparison across seeds as text and CSV.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{bail, Context, Result};

use crate::learn::encoder::EncoderKind;
use crate::learn::ppo::EncoderMode;
use crate::train::sweep::{compare, sbatch_script, SlurmOptions, Sweep, SweepRun};

/// `gaitscope sweep`'s options (each default written here once).
#[derive(clap::Args, Debug, Clone)]
pub struct SweepArgs {
    /// Encoders, one combination each.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "none,ae,vae")]
    pub encoders: Vec<EncoderKind>,
    /// Seeds, one run per combination each.
    #[arg(long, value_delimiter = ',', default_value = "42,1,2")]
    pub seeds: Vec<u64>,
    /// The learning method of every run (see `train --algo`).
    #[arg(long, value_enum, default_value_t = crate::train::run::Algo::Ppo)]
    pub algo: crate::train::run::Algo,
    /// BC / DAgger / ridge: the trained run folder to imitate.
    #[arg(long)]
    pub expert: Option<PathBuf>,
    /// The recipe every run trains.
    #[arg(long, default_value = "study", value_parser = ["study", "walk"])]
    pub recipe: String,
    /// The encoders' mode.
    #[arg(long, value_enum, default_value_t = EncoderMode::Frozen)]
    pub mode: EncoderMode,
    /// Environment steps per run.
    #[arg(long)]
    pub steps: u64,
    /// Parallel environments per run (default: the recipe's).
    #[arg(long)]
    pub envs: Option<usize>,
    /// Steps per environment per update (default: the recipe's).
    #[arg(long)]
    pub n_steps: Option<usize>,
    /// Evaluation episodes once a run finishes (`eval --random-phase --json`; 0: none).
    #[arg(long, default_value_t = 5)]
    pub eval_episodes: usize,
    /// The sweep's folder: `sweep.ron` and one run folder per combination and seed.
    #[arg(long)]
    pub out: PathBuf,
    /// Runs at once on this machine (each gets an equal share of the cores).
    #[arg(long, default_value_t = 1, value_parser = super::at_least_one)]
    pub jobs: usize,
    /// Write a Slurm job array (`sweep.sbatch`, one task per unfinished run) and submit it with
    /// sbatch, instead of running here.
    #[arg(long)]
    pub slurm: bool,
    /// With --slurm: write the script, do not submit it.
    #[arg(long)]
    pub dry_run: bool,
    /// With --slurm: the partition.
    #[arg(long)]
    pub partition: Option<String>,
    /// With --slurm: each task's time limit (Slurm's format, e.g. 24:00:00).
    #[arg(long)]
    pub time: Option<String>,
    /// With --slurm: cores per task (its simulation workers).
    #[arg(long, default_value_t = 4, value_parser = super::at_least_one)]
    pub cpus_per_task: usize,
}

impl SweepArgs {
    /// The grid these options describe.
    pub fn sweep(&self) -> Sweep {
        Sweep {
            encoders: self.encoders.clone(),
            seeds: self.seeds.clone(),
            recipe: self.recipe.clone(),
            mode: self.mode,
            steps: self.steps,
            envs: self.envs,
            n_steps: self.n_steps,
            eval_episodes: self.eval_episodes,
            algo: self.algo,
            expert: self.expert.as_ref().map(|e| {
                // The runs' train processes may start elsewhere (Slurm): name it absolutely.
                std::path::absolute(e).unwrap_or_else(|_| e.clone())
            }),
        }
    }

    /// Writes `sweep.ron`, then runs the sweep here or hands it to Slurm.
    pub fn run(&self) -> Result<()> {
        let sweep = self.sweep();
        sweep.validate()?;
        sweep.save(&self.out)?;
        let dir = std::path::absolute(&self.out).with_context(|| self.out.display().to_string())?;
        let binary = std::env::current_exe().context("finding the gaitscope binary")?;
        if self.slurm {
            return self.submit(&sweep, &dir, &binary);
        }
        run_here(&sweep, &dir, &binary, self.jobs)
    }

    /// Writes `sweep.sbatch` and submits it (unless `--dry-run`).
    fn submit(&self, sweep: &Sweep, dir: &Path, binary: &Path) -> Result<()> {
        let models = std::path::absolute(crate::models_dir())?;
        let slurm = SlurmOptions {
            partition: self.partition.clone(),
            time: self.time.clone(),
            cpus_per_task: self.cpus_per_task,
        };
        let (script, pending) = sbatch_script(sweep, dir, binary, &models, &slurm);
        if pending.is_empty() {
            println!("every run of {} is done; nothing to submit", dir.display());
            return Ok(());
        }
        std::fs::create_dir_all(dir.join("slurm"))?;
        let path = dir.join("sweep.sbatch");
        crate::util::write_atomic(&path, script.as_bytes())?;
        let names: Vec<&str> = pending.iter().map(|r| r.name.as_str()).collect();
        println!(
            "wrote {} ({} tasks: {})",
            path.display(),
            pending.len(),
            names.join(", ")
        );
        if self.dry_run {
            return Ok(());
        }
        let out = Command::new("sbatch").arg(&path).output().context(
            "running sbatch (is Slurm installed here? --dry-run writes the script only)",
        )?;
        if !out.status.success() {
            bail!(
                "sbatch {} failed: {}",
                path.display(),
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        print!("{}", String::from_utf8_lossy(&out.stdout));
        Ok(())
    }
}

/// Runs every run not yet done, `jobs` at a time, each a `train` (then `eval`) process whose
/// output goes to its folder's `sweep.log`; fails at the end if any run failed.
fn run_here(sweep: &Sweep, dir: &Path, binary: &Path, jobs: usize) -> Result<()> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let workers = (cores / jobs).max(1);
    let mut queue: Vec<SweepRun> = sweep.runs();
    let done = queue.len();
    queue.retain(|r| !sweep.is_done(r, dir));
    println!(
        "sweep {}: {} runs, {} to do, {jobs} at a time, {workers} workers each",
        dir.display(),
        done,
        queue.len()
    );
    queue.reverse();
    let mut running: Vec<(SweepRun, Child, bool)> = Vec::new();
    let mut failed = Vec::new();
    while !queue.is_empty() || !running.is_empty() {
        while running.len() < jobs {
            let Some(run) = queue.pop() else { break };
            let (child, evaluating) = start(sweep, &run, dir, binary, workers)?;
            running.push((run, child, evaluating));
        }
        std::thread::sleep(Duration::from_millis(200));
        let mut k = 0;
        while k < running.len() {
            let Some(status) = running[k].1.try_wait()? else {
                k += 1;
                continue;
            };
            let (run, _, evaluating) = running.swap_remove(k);
            if !status.success() {
                println!(
                    "{}: failed ({status}); see {}",
                    run.name,
                    log_path(dir, &run).display()
                );
                failed.push(run.name);
            } else if !evaluating && !sweep.is_done(&run, dir) {
                // Trained: evaluate it next (a second process, so a kill leaves the run resumable).
                queue.push(run);
            } else {
                println!("{}: done", run.name);
            }
        }
    }
    if !failed.is_empty() {
        bail!(
            "{} of the sweep's runs failed: {}",
            failed.len(),
            failed.join(", ")
        );
    }
    println!(
        "sweep done; compare with `gaitscope compare {}`",
        dir.display()
    );
    Ok(())
}

/// The log a run's processes append to.
fn log_path(dir: &Path, run: &SweepRun) -> PathBuf {
    dir.join(&run.name).join("sweep.log")
}

/// Starts `run`'s next process: `train` until finished, then `eval` (the bool says which).
fn start(
    sweep: &Sweep,
    run: &SweepRun,
    dir: &Path,
    binary: &Path,
    workers: usize,
) -> Result<(Child, bool)> {
    let evaluating = sweep.is_finished(run, dir);
    let mut args = if evaluating {
        sweep.eval_args(run, dir).unwrap_or_default()
    } else {
        let mut a = sweep.train_args(run, dir);
        a.extend(["--workers".into(), workers.to_string()]);
        a
    };
    // The children read the models this process reads.
    let models = std::path::absolute(crate::models_dir())?;
    args.splice(0..0, ["--models".to_string(), models.display().to_string()]);
    std::fs::create_dir_all(dir.join(&run.name))?;
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log_path(dir, run))
        .with_context(|| log_path(dir, run).display().to_string())?;
    let mut command = Command::new(binary);
    command
        .args(&args)
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log);
    die_with_parent(&mut command);
    let child = command
        .spawn()
        .with_context(|| format!("starting {}", binary.display()))?;
    println!(
        "{}: {} (pid {})",
        run.name,
        if evaluating { "evaluating" } else { "training" },
        child.id()
    );
    Ok((child, evaluating))
}

/// Has the child killed when the sweep dies (Linux's parent-death signal), so a killed sweep
/// leaves no run training on behind it: each run folder survives a kill, and the sweep given
/// again resumes them.
#[cfg(target_os = "linux")]
fn die_with_parent(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    let parent = std::process::id() as libc::pid_t;
    // SAFETY: the closure runs in the forked child before exec and calls only prctl and
    // getppid, which are async-signal-safe.
    unsafe {
        command.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) == -1 {
                return Err(std::io::Error::last_os_error());
            }
            // The sweep died between fork and prctl: do not start.
            if libc::getppid() != parent {
                return Err(std::io::Error::other("the sweep ended"));
            }
            Ok(())
        });
    }
}

/// Elsewhere a killed sweep's runs train on to their end (a run given again waits for its
/// lock to be free).
#[cfg(not(target_os = "linux"))]
fn die_with_parent(_command: &mut Command) {}

/// `gaitscope compare`'s options.
#[derive(clap::Args, Debug, Clone)]
pub struct CompareArgs {
    /// The sweep's folder.
    pub dir: PathBuf,
    /// Where the CSV goes (default: the sweep folder's compare.csv).
    #[arg(long)]
    pub csv: Option<PathBuf>,
}

impl CompareArgs {
    /// Prints the table and writes the CSV.
    pub fn run(&self) -> Result<()> {
        let c = compare(&self.dir)?;
        if c.combinations.is_empty() {
            bail!(
                "{}: no run of the sweep has metrics yet",
                self.dir.display()
            );
        }
        print!("{}", c.table());
        let csv = self
            .csv
            .clone()
            .unwrap_or_else(|| self.dir.join("compare.csv"));
        crate::util::write_atomic(&csv, c.csv().as_bytes())?;
        println!("wrote {}", csv.display());
        Ok(())
    }
}
