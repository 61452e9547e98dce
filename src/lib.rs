//! gaitscope: a musculoskeletal model learns to walk.
//!
//! The headless core: OpenSim file readers ([`osim`]), the rapier simulation of the model with
//! Thelen 2003 muscles ([`sim`]), the walking environment with its imitation reward ([`env`]), the
//! learners ([`learn`]), training threads ([`train`]), the live view's data ([`live`]), a
//! hand-tuned reflex controller ([`control`]) and the command-line tools ([`cli`]): none of these
//! know about a window. The desktop app ([`app`]) is a set of Bevy plugins over them.

pub mod app;
pub mod cli;
pub mod control;
pub mod env;
pub mod learn;
pub mod live;
pub mod osim;
pub mod sim;
pub mod train;
pub mod util;

/// The shipped OpenSim model's file name in [`models_dir`].
pub const MODEL_FILE: &str = "gait14dof22musc.osim";

static MODELS_OVERRIDE: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();

/// Sets the folder [`models_dir`] returns (the `--models` option); the first call wins.
pub fn set_models_dir(dir: std::path::PathBuf) {
    let _ = MODELS_OVERRIDE.set(dir);
}

/// Folder of the shipped data (model, meshes, motions, policies), found at run time, first of:
/// the `--models` option ([`set_models_dir`]), the `GAITSCOPE_MODELS` environment variable,
/// `models/` beside the executable (an installed or copied binary), `models/` in the source
/// folder the binary was built from, and `models` relative to the working directory.
pub fn models_dir() -> std::path::PathBuf {
    if let Some(dir) = MODELS_OVERRIDE.get() {
        return dir.clone();
    }
    if let Some(dir) = std::env::var_os("GAITSCOPE_MODELS").filter(|d| !d.is_empty()) {
        return dir.into();
    }
    let beside = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|d| d.join("models")));
    let built = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models");
    beside
        .into_iter()
        .chain([built])
        .find(|d| d.join(MODEL_FILE).is_file())
        .unwrap_or_else(|| std::path::PathBuf::from("models"))
}

/// The shipped OpenSim model file.
pub fn default_model_path() -> std::path::PathBuf {
    models_dir().join(MODEL_FILE)
}
