//! The one error type of every OpenSim reader: it names the file, the element and the problem.

use std::fmt;
use std::path::{Path, PathBuf};

/// A problem found while reading an OpenSim file (`.osim`, `.mot`/`.sto`, `.vtp`).
///
/// The message always says which file, which element (or row) and what is wrong, so a user can
/// open the file and fix it.
#[derive(Debug, Clone, PartialEq)]
pub struct FormatError {
    /// The file being read.
    pub file: PathBuf,
    /// The element, column or row where the problem is (for example `Body "femur_r" > mass`).
    pub element: String,
    /// The 1-based line in the file, when known.
    pub line: Option<u32>,
    /// What is wrong.
    pub message: String,
}

impl FormatError {
    /// Creates an error for `file` at `element`.
    pub fn new(
        file: &Path,
        element: impl Into<String>,
        line: Option<u32>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            file: file.to_path_buf(),
            element: element.into(),
            line,
            message: message.into(),
        }
    }
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        write!(f, ": {}: {}", self.element, self.message)
    }
}

impl std::error::Error for FormatError {}
