//! Hand-tuned controllers that need no learning: osim-rl's port of the Song-Geyer reflex
//! controller (Song and Geyer 2015; osim-rl `LocoCtrl` and `OsimReflexCtrl` by Seungmoon Song),
//! used to check that our physics can walk with a controller someone else tuned.
//!
//! - [`reflex`]: the reflex network ([`reflex::LocoCtrl`]) and its parameters;
//! - [`adapter`]: our simulation state as osim-rl's observation, and stimulations as excitations;
//! - [`episode`]: osim-rl's start pose and the episode loop (fall at pelvis < 0.6 m), with frames
//!   for the app's recordings.

pub mod adapter;
pub mod episode;
pub mod reflex;

pub use adapter::Adapter;
pub use episode::{Episode, INIT_POSE};
pub use reflex::{Dimension, LocoCtrl};

/// The shipped planar model of osim-rl's reflex example.
pub fn planar_model_path() -> std::path::PathBuf {
    crate::models_dir().join("gait14dof22musc_planar_20170320.osim")
}

/// The shipped parameters of the planar reflex controller.
pub fn planar_params_path() -> std::path::PathBuf {
    crate::models_dir().join("control").join("params_2D.txt")
}
