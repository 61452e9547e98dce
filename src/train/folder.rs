//! A run folder that survives a kill at any instant: `config.ron`, `metrics.csv`, `checkpoint/`
//! and `train.lock`.
//!
//! - A checkpoint is written as a unit: every file goes into `checkpoint.new/`, which then
//!   replaces `checkpoint/` by two renames (the previous one is `checkpoint.old/` in between).
//!   Opening the folder finishes or undoes whatever a kill interrupted, so the run resumes from
//!   the last complete checkpoint.
//! - `metrics.csv` rows are written whole, one `write` each, and on opening the file is cut back
//!   to the rows of updates the checkpoint holds (no duplicates after a resume, no half lines).
//! - `best/` holds the checkpoint with the highest mean training return so far (a run that
//!   later collapses keeps its best policy), written the same way.
//! - One writer at a time (`train.lock`, see [`RunLock`]); temporary files a killed writer left
//!   are removed.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::messages::UpdateMetrics;
use super::run::{encoder_kind, parse_run_folder_config, RunConfig, RunState};
use crate::learn::checkpoint;
use crate::learn::encoder::Encoder;
use crate::learn::ppo::{EncoderMode, Ppo};

/// The checkpoint folder's name inside a run folder.
pub const CHECKPOINT: &str = "checkpoint";
/// The best checkpoint so far (highest mean training return at a checkpoint), same layout.
pub const BEST: &str = "best";

/// The three places of a folder written as a unit: `NAME/`, `NAME.new/` (being written) and
/// `NAME.old/` (the previous one, between the two renames of a swap).
fn places(dir: &Path, name: &str) -> [PathBuf; 3] {
    [
        dir.join(name),
        dir.join(format!("{name}.new")),
        dir.join(format!("{name}.old")),
    ]
}

/// Whether a checkpoint folder is complete (`state.ron` is written last).
fn complete(d: &Path) -> bool {
    d.join("state.ron").exists()
}

/// Whether `dir` holds a checkpoint to resume from, complete in any of the swap's places.
pub fn holds_checkpoint(dir: &Path) -> bool {
    places(dir, CHECKPOINT).iter().any(|d| complete(d))
}

/// An opened run folder, held by this process until dropped.
pub struct RunFolder {
    dir: PathBuf,
    _lock: RunLock,
}

/// What opening a folder had to repair (for the log).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Recovery {
    /// Lines of repair, empty when the folder was clean.
    pub repairs: Vec<String>,
}

impl RunFolder {
    /// Creates (or opens) `dir`, takes its lock and repairs what a killed writer left: an
    /// interrupted checkpoint swap and temporary files.
    pub fn open(dir: &Path) -> Result<(RunFolder, Recovery)> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let lock = RunLock::take(dir)?;
        let folder = RunFolder {
            dir: dir.to_path_buf(),
            _lock: lock,
        };
        let mut recovery = Recovery::default();
        for name in [CHECKPOINT, BEST] {
            folder.recover_unit(name, &mut recovery)?;
        }
        for d in [folder.dir.clone(), folder.checkpoint_dir()] {
            remove_temporaries(&d, &mut recovery);
        }
        Ok((folder, recovery))
    }

    /// The last complete checkpoint's folder.
    pub fn checkpoint_dir(&self) -> PathBuf {
        self.dir.join(CHECKPOINT)
    }

    /// The `metrics.csv` path.
    pub fn metrics_path(&self) -> PathBuf {
        self.dir.join("metrics.csv")
    }

    /// Whether the folder holds a checkpoint to resume from.
    pub fn has_checkpoint(&self) -> bool {
        complete(&self.checkpoint_dir())
    }

    /// Writes a checkpoint as a unit: `write` fills a fresh `checkpoint.new/`, which then takes
    /// the place of `checkpoint/`.
    pub fn write_checkpoint(&self, write: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
        self.write_unit(CHECKPOINT, write)
    }

    /// Keeps the last complete checkpoint as `best/`, as a unit. Its files are hard links
    /// (checkpoint files are never changed in place, only replaced by a swap), so this writes
    /// no data; where links are refused it copies them.
    pub fn keep_as_best(&self) -> Result<()> {
        let source = self.checkpoint_dir();
        self.write_unit(BEST, |d| {
            for entry in std::fs::read_dir(&source)? {
                let entry = entry?;
                if entry.path().is_file() {
                    let target = d.join(entry.file_name());
                    if std::fs::hard_link(entry.path(), &target).is_err() {
                        std::fs::copy(entry.path(), &target)?;
                        std::fs::File::open(&target)?.sync_all()?;
                    }
                }
            }
            Ok(())
        })
    }

    /// Fills `NAME.new/` with `write`, then swaps it in for `NAME/` by two renames (`NAME.old/`
    /// in between).
    fn write_unit(&self, name: &str, write: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
        let [current, new, old] = places(&self.dir, name);
        if new.exists() {
            std::fs::remove_dir_all(&new).with_context(|| format!("removing {}", new.display()))?;
        }
        std::fs::create_dir_all(&new).with_context(|| format!("creating {}", new.display()))?;
        if let Err(e) = write(&new) {
            let _ = std::fs::remove_dir_all(&new);
            return Err(e.context(format!(
                "writing {} (the previous {name}/ is kept)",
                new.display()
            )));
        }
        sync_dir(&new);
        if current.exists() {
            if old.exists() {
                std::fs::remove_dir_all(&old)
                    .with_context(|| format!("removing {}", old.display()))?;
            }
            std::fs::rename(&current, &old)
                .with_context(|| format!("renaming {}", current.display()))?;
        }
        std::fs::rename(&new, &current)
            .with_context(|| format!("renaming {} to {}", new.display(), current.display()))?;
        sync_dir(&self.dir);
        if old.exists() {
            let _ = std::fs::remove_dir_all(&old);
        }
        Ok(())
    }

    /// Finishes or undoes an interrupted swap of `NAME/`: a complete `NAME/` wins; without one,
    /// the complete one of `NAME.new/` and `NAME.old/` is put in its place; the rest is removed.
    fn recover_unit(&self, name: &str, recovery: &mut Recovery) -> Result<()> {
        let [current, new, old] = places(&self.dir, name);
        if !complete(&current) {
            let source = if complete(&new) {
                Some(&new)
            } else if complete(&old) {
                Some(&old)
            } else {
                None
            };
            if let Some(source) = source {
                if current.exists() {
                    std::fs::remove_dir_all(&current)
                        .with_context(|| format!("removing {}", current.display()))?;
                }
                std::fs::rename(source, &current)
                    .with_context(|| format!("restoring {}", source.display()))?;
                recovery.repairs.push(format!(
                    "restored {name}/ from {} (a checkpoint write was interrupted)",
                    source.display()
                ));
            }
        }
        for d in [new, old] {
            if d.exists() {
                std::fs::remove_dir_all(&d).with_context(|| format!("removing {}", d.display()))?;
                recovery.repairs.push(format!(
                    "removed {} (left by an interrupted checkpoint)",
                    d.display()
                ));
            }
        }
        Ok(())
    }

    /// Prepares `metrics.csv` for a run at `updates` completed updates: creates it with the
    /// header, or keeps only whole rows of updates 1..=`updates` (rows written after the last
    /// checkpoint would be repeated by the resumed run); older column sets are upgraded by
    /// `upgrade` first. Returns the number of rows dropped.
    pub fn prepare_metrics(
        &self,
        updates: u64,
        upgrade: impl FnOnce(&str) -> Result<String>,
    ) -> Result<usize> {
        let path = self.metrics_path();
        if !path.exists() {
            crate::util::write_atomic(&path, format!("{}\n", UpdateMetrics::HEADER).as_bytes())
                .with_context(|| format!("writing {}", path.display()))?;
            return Ok(0);
        }
        let raw = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        // A line without its newline is a row cut by a kill: drop it before anything parses it.
        let whole = match raw.rfind('\n') {
            Some(end) => &raw[..=end],
            None => "",
        };
        let text = if whole.lines().next().map(str::trim) == Some(UpdateMetrics::HEADER) {
            whole.to_string()
        } else if whole.trim().is_empty() {
            format!("{}\n", UpdateMetrics::HEADER)
        } else {
            upgrade(whole).with_context(|| format!("{}", path.display()))?
        };
        let (kept, dropped) = keep_rows_through(&text, updates);
        if dropped > 0 || kept.len() != raw.len() {
            crate::util::write_atomic(&path, kept.as_bytes())
                .with_context(|| format!("writing {}", path.display()))?;
        }
        Ok(dropped)
    }

    /// Appends one metrics row in a single write, then syncs it.
    pub fn append_metrics(&self, metrics: &UpdateMetrics) -> Result<()> {
        let path = self.metrics_path();
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .with_context(|| format!("opening {}", path.display()))?;
        f.write_all(format!("{}\n", metrics.csv()).as_bytes())
            .and_then(|()| f.sync_data())
            .with_context(|| format!("appending to {}", path.display()))
    }
}

/// The header and the rows whose update number (first column) is in 1..=`updates`, and how many
/// rows were dropped.
pub fn keep_rows_through(text: &str, updates: u64) -> (String, usize) {
    let mut lines = text.lines();
    let mut out = String::new();
    if let Some(header) = lines.next() {
        out.push_str(header);
        out.push('\n');
    }
    let mut dropped = 0;
    for line in lines {
        let update = line
            .split(',')
            .next()
            .and_then(|u| u.trim().parse::<u64>().ok());
        match update {
            Some(u) if u >= 1 && u <= updates => {
                out.push_str(line);
                out.push('\n');
            }
            _ => dropped += 1,
        }
    }
    (out, dropped)
}

/// Removes `.NAME.tmpPID` files (from [`crate::util::write_atomic`] and checkpoint writes) that
/// a killed writer left in `dir`.
fn remove_temporaries(dir: &Path, recovery: &mut Recovery) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.')
            && name.contains(".tmp")
            && entry.path().is_file()
            && std::fs::remove_file(entry.path()).is_ok()
        {
            recovery.repairs.push(format!(
                "removed the temporary file {}",
                entry.path().display()
            ));
        }
    }
}

/// Makes a folder's entries (new files, renames) durable; best effort.
fn sync_dir(dir: &Path) {
    if let Ok(f) = std::fs::File::open(dir) {
        let _ = f.sync_all();
    }
}

/// One training process per run folder: `train.lock` holds the owner's process id, is taken
/// with `create_new`, and is removed when the run ends. A lock left by a process that no longer
/// exists (killed with -9) is taken over.
struct RunLock {
    path: PathBuf,
}

impl RunLock {
    fn take(dir: &Path) -> Result<RunLock> {
        let path = dir.join("train.lock");
        for _ in 0..2 {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(mut f) => {
                    writeln!(f, "{}", std::process::id())?;
                    f.sync_all()?;
                    return Ok(RunLock { path });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let owner = std::fs::read_to_string(&path)
                        .ok()
                        .and_then(|t| t.trim().parse::<i32>().ok());
                    if let Some(pid) = owner.filter(|p| process_alive(*p)) {
                        anyhow::bail!(
                            "{} is being trained by process {pid} (remove {} if that is wrong)",
                            dir.display(),
                            path.display()
                        );
                    }
                    // Stale: its owner is gone.
                    let _ = std::fs::remove_file(&path);
                }
                Err(e) => return Err(e).with_context(|| format!("creating {}", path.display())),
            }
        }
        anyhow::bail!("{}: could not take the run lock", path.display())
    }
}

impl Drop for RunLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Whether a process with this id exists (signal 0 checks without sending anything).
fn process_alive(pid: i32) -> bool {
    if pid <= 0 {
        return false;
    }
    // SAFETY: kill with signal 0 only checks for the process; it has no other effect.
    let r = unsafe { libc::kill(pid, 0) };
    let exists = r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM);
    // A killed process nobody has reaped yet (a zombie) holds nothing any more.
    exists && !is_zombie(pid)
}

/// Whether `pid` has exited but not been reaped (Linux's `/proc/PID/stat` state `Z`).
fn is_zombie(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            s.rsplit_once(')')
                .map(|(_, rest)| rest.trim_start().starts_with('Z'))
        })
        .unwrap_or(false)
}

/// Loads a trained run's configuration, encoder and policy from its folder (for evaluation or as
/// an exploration policy). The encoder is frozen.
pub fn load_policy(run_dir: &Path) -> Result<(RunConfig, Ppo)> {
    let text = std::fs::read_to_string(run_dir.join("config.ron"))
        .with_context(|| format!("{}: not a run folder (no config.ron)", run_dir.display()))?;
    let config = parse_run_folder_config(&text).context("config.ron is malformed")?;
    config.validate().context("config.ron")?;
    let device = crate::learn::device();
    let ckpt = run_dir.join(CHECKPOINT);
    let encoder = Encoder::load(&ckpt, encoder_kind(&config), &device)?;
    let model = crate::osim::Model::load(
        config
            .env
            .model
            .clone()
            .unwrap_or_else(crate::default_model_path),
    )?;
    let actions = model.muscles.len();
    let observed = crate::env::walk_env::observation_size(&model, &config.env);
    if encoder.input_size() != observed {
        anyhow::bail!(
            "{}: the encoder takes {} observation values, the environment gives {observed}",
            run_dir.display(),
            encoder.input_size()
        );
    }
    let learnt = deployable_network(&config, encoder.output_size(), actions, &device)?;
    let mut ppo = Ppo::new(
        encoder,
        actions,
        EncoderMode::Frozen,
        config.ppo.clone(),
        &device,
    )?;
    if let Some(net) = learnt {
        ppo.net = net;
        ppo.invalidate_cache();
    }
    checkpoint::load(&ckpt.join("policy.safetensors"), &ppo.net.named(), &device)?;
    ppo.mode = EncoderMode::Frozen;
    Ok((config, ppo))
}

/// The shape of the network a non-PPO run deploys (its checkpoint's `policy.safetensors`;
/// `None` for PPO, whose networks `Ppo::new` builds): SAC/TD3/DDPG's actor and BC's MLP with
/// their ReLU layers squashed to [0, 1], ridge's one linear layer clipped to it. The weights
/// are placeholders for the checkpoint's.
pub fn deployable_network(
    config: &RunConfig,
    features: usize,
    actions: usize,
    device: &candle_core::Device,
) -> Result<Option<crate::learn::policy::ActorCritic>> {
    use crate::learn::distribution::ActionDistribution;
    use crate::train::run::Algo;
    let (hidden, distribution) = match config.algo {
        Algo::Ppo => return Ok(None),
        Algo::Sac | Algo::Td3 | Algo::Ddpg => (
            config.off_policy_config().hidden,
            ActionDistribution::SquashedGaussian,
        ),
        Algo::Bc | Algo::Dagger => (
            config.imitation.bc.hidden.clone(),
            ActionDistribution::SquashedGaussian,
        ),
        Algo::Ridge => (Vec::new(), ActionDistribution::ClippedGaussian),
    };
    let mut sizes = vec![features];
    sizes.extend(hidden);
    sizes.push(actions);
    let mut rng = rand::SeedableRng::seed_from_u64(0);
    let mlp = crate::learn::offpolicy::relu_mlp(&sizes, &mut rng, device)?;
    Ok(Some(crate::learn::policy::ActorCritic::deployable(
        mlp,
        distribution,
        device,
    )?))
}

/// Reads the run state a checkpoint folder holds (`state.ron`, written last).
pub fn load_state(checkpoint_dir: &Path) -> Result<RunState> {
    let path = checkpoint_dir.join("state.ron");
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    ron::from_str(&text).with_context(|| format!("{} is malformed", path.display()))
}

/// Writes the policy, the encoder (as trained, with its statistics) and the run state, each
/// atomically, so that the folder alone can resume or be evaluated.
pub fn save_checkpoint(dir: &Path, ppo: &Ppo, state: RunState) -> Result<()> {
    checkpoint::save(&dir.join("policy.safetensors"), &ppo.net.named())?;
    let optimizer = ppo.optimizer_state()?;
    if !optimizer.is_empty() {
        checkpoint::save_tensors(&dir.join("optimizer.safetensors"), optimizer)?;
    }
    ppo.encoder.save(dir, None)?;
    save_state(dir, state)
}

/// Writes a checkpoint's `state.ron` (atomically; last, since it marks the folder complete).
pub fn save_state(dir: &Path, state: RunState) -> Result<()> {
    let text = ron::ser::to_string_pretty(&state, ron::ser::PrettyConfig::default())?;
    crate::util::write_atomic(&dir.join("state.ron"), text.as_bytes())?;
    Ok(())
}
