//! The simulation: exact kinematics, muscle paths, Thelen 2003 muscles and the rapier multibody.

pub mod build;
pub mod kinematics;
pub mod millard;
pub mod muscle;
pub mod path;
pub mod world;
pub mod wrap;

pub use world::{FootContact, SimConfig, SimError, Simulation};
