//! OpenSim file formats: models (`.osim`), tables (`.mot`/`.sto`) and meshes (`.vtp`).

pub mod error;
pub mod function;
pub mod mesh;
pub mod model;
pub mod motion;
pub mod xml;

pub use error::FormatError;
pub use function::{CubicSpline, Function};
pub use mesh::Mesh;
pub use model::Model;
pub use motion::Table;
