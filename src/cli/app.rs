//! The app's command-line options (no subcommand): what to show, train or capture at start.

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};

use crate::app::AppOptions;

/// The app's options (each default written here once).
#[derive(clap::Args, Debug, Clone)]
pub struct AppArgs {
    /// App: save a screenshot of the window to this PNG after `--frames` frames, then exit.
    #[arg(long)]
    pub screenshot: Option<PathBuf>,
    /// App: frames before the screenshot.
    #[arg(long, default_value_t = 90)]
    pub frames: u32,
    /// App: start with large fonts (lecture mode).
    #[arg(long)]
    pub lecture: bool,
    /// App: a run folder whose policy to watch at start (default: the shipped walk policy, else the study's none policy).
    #[arg(long)]
    pub watch: Option<PathBuf>,
    /// App: start training runs at once, e.g. `--train ae,vae` or `--train vae:adapt`.
    #[arg(long, value_delimiter = ',')]
    pub train: Vec<String>,
    /// App: open a saved recording in the player.
    #[arg(long)]
    pub recording: Option<PathBuf>,
    /// App: show a sweep folder's curves (each encoder's mean across seeds in a band).
    #[arg(long)]
    pub sweep: Option<PathBuf>,
    /// App: open run folders at start, e.g. `--load runs/td3,runs/sac` (each run's curves
    /// overlay the others', its policy can be watched).
    #[arg(long, value_delimiter = ',')]
    pub load: Vec<PathBuf>,
    /// App: window width and height in logical pixels.
    #[arg(long, num_args = 2, value_names = ["WIDTH", "HEIGHT"])]
    pub size: Option<Vec<u32>>,
}

impl AppArgs {
    /// The app's options, refused before any window opens when they cannot work (a window
    /// size out of range, a screenshot path that cannot be written).
    pub fn options(&self) -> Result<AppOptions> {
        if let Some(s) = self.size.as_deref() {
            if s.iter().any(|v| !(320..=16384).contains(v)) {
                bail!("--size takes a width and a height between 320 and 16384, got {s:?}");
            }
        }
        if let Some(path) = &self.screenshot {
            if let Err(e) = writable_file(path) {
                bail!("--screenshot {}: {e}", path.display());
            }
        }
        Ok(AppOptions {
            screenshot: self.screenshot.clone(),
            frames: self.frames,
            lecture: self.lecture,
            watch: self.watch.clone(),
            train: self.train.clone(),
            recording: self.recording.clone(),
            sweep: self.sweep.clone(),
            load: self.load.clone(),
            size: self.size.as_deref().map_or((1600, 900), |s| (s[0], s[1])),
            ..AppOptions::default()
        })
    }
}

/// Checks before the window opens that `path` can be written as a file (not a folder, in a
/// folder that exists or can be made and takes new files), so a bad `--screenshot` fails at once.
fn writable_file(path: &Path) -> std::io::Result<()> {
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
