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
}

impl ViewArgs {
    /// Opens the viewer; `app` carries `--screenshot`, `--frames` and `--size`.
    pub fn run(&self, app: AppOptions) -> Result<()> {
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
