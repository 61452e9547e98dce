//! The command-line tools, one file per subcommand. They call the same library code as the app.

pub mod analyze;
pub mod app;
pub mod bench;
pub mod check_image;
pub mod collect;
pub mod eval;
pub mod fit_encoder;
pub mod record;
pub mod reflex;
pub mod sweep;
pub mod train;
pub mod view;

/// Parses a count that must be at least 1 (`--episodes`).
pub fn at_least_one(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(e) => Err(e.to_string()),
    }
}
