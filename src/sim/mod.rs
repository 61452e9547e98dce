//! The simulation: exact kinematics, muscle paths, Thelen 2003 muscles and the rapier multibody.

pub mod build;
pub mod kinematics;
pub mod muscle;
pub mod path;
pub mod world;

pub use world::{FootContact, SimConfig, SimError, Simulation};
