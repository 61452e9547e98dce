//! `gaitscope bench`: speed figures printed, never asserted.

use std::path::Path;

/// Prints environment steps per second.
pub fn sim(_model: &Path, _steps: usize) -> anyhow::Result<()> {
    anyhow::bail!("not yet")
}
