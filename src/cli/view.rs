//! `gaitscope view [MODEL.osim] [--motion FILE.mot]`: any OpenSim model in a window of its own
//! (see [`crate::app::viewer`]).

use std::path::PathBuf;

use anyhow::Result;

use crate::app::viewer::ViewerOptions;
use crate::app::AppOptions;

/// `gaitscope view`'s options.
#[derive(clap::Args, Debug, Clone)]
pub struct ViewArgs {
    /// The model (.osim, OpenSim 3 or 4); without it the window opens on its file picker.
    pub model: Option<PathBuf>,
    /// A motion (.mot or .sto) to play on the timeline.
    #[arg(long)]
    pub motion: Option<PathBuf>,
    /// Colour the muscles by their moment arm about this coordinate (else by length).
    #[arg(long)]
    pub moment_arm: Option<String>,
    /// Save a screenshot of the window to this PNG after `--frames` frames, then exit.
    #[arg(long)]
    pub screenshot: Option<PathBuf>,
    /// Frames before the screenshot.
    #[arg(long, default_value_t = 60)]
    pub frames: u32,
    /// Window width and height in logical pixels.
    #[arg(long, num_args = 2, value_names = ["WIDTH", "HEIGHT"])]
    pub size: Option<Vec<u32>>,
}

impl ViewArgs {
    /// Opens the viewer (a bad screenshot path or window size is refused first).
    pub fn run(&self) -> Result<()> {
        let app = crate::cli::app::AppArgs {
            screenshot: self.screenshot.clone(),
            frames: self.frames,
            lecture: false,
            watch: None,
            train: Vec::new(),
            recording: None,
            sweep: None,
            load: Vec::new(),
            size: self.size.clone(),
        }
        .options()?;
        crate::app::viewer::run(ViewerOptions {
            model: self.model.clone(),
            motion: self.motion.clone(),
            moment_arm: self.moment_arm.clone(),
            app: AppOptions {
                load_shipped: false,
                ..app
            },
        })
    }
}
