//! OpenSim file formats: models (`.osim`), tables (`.mot`/`.sto`) and meshes (`.vtp`).

pub mod error;
pub mod function;
pub mod mesh;
pub mod model;
pub mod motion;
mod read;
mod read4;
mod read_wrap;
pub mod xml;

pub use error::FormatError;

/// The largest magnitude a number in a model or motion file may have: beyond it (1e308, say)
/// the kinematics overflow to inf and NaN; the shipped files stay below 1e6.
pub const MAX_MAGNITUDE: f64 = 1e12;
pub use function::{CubicSpline, Function};
pub use mesh::Mesh;
pub use model::Model;
pub use motion::Table;
