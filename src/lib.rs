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

/// Folder of the shipped data (model, meshes, motions), found at run time.
pub fn models_dir() -> std::path::PathBuf {
    if let Ok(dir) = std::env::var("GAITSCOPE_MODELS") {
        return dir.into();
    }
    let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models");
    if here.is_dir() {
        return here;
    }
    std::path::PathBuf::from("models")
}

/// The shipped OpenSim model file.
pub fn default_model_path() -> std::path::PathBuf {
    models_dir().join("gait14dof22musc.osim")
}
