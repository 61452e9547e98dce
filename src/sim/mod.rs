//! The simulation: exact kinematics, muscle paths, Thelen 2003 muscles and the rapier multibody.

pub mod kinematics;
pub mod path;
