//! The command-line tools, one file per subcommand. They call the same library code as the app.

pub mod analyze;
pub mod bench;
pub mod check_image;
pub mod collect;
pub mod eval;
pub mod fit_encoder;
pub mod record;
pub mod reflex;
pub mod train;
