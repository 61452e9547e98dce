//! `gaitscope check-image`: is a screenshot more than a blank window? CI runs it on the PNG the
//! app writes under Xvfb, since a render failure can still leave the process exiting 0.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{bail, Context, Result};

/// Colour statistics of an image.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageStats {
    /// Width and height in pixels.
    pub size: (u32, u32),
    /// Distinct colours after dropping the lowest 3 bits of each channel.
    pub colors: usize,
    /// Share of pixels with the most common colour.
    pub dominant_share: f64,
}

/// Computes [`ImageStats`] of RGB pixels.
pub fn stats(width: u32, height: u32, rgb: &[u8]) -> ImageStats {
    let mut counts: HashMap<[u8; 3], usize> = HashMap::new();
    for p in rgb.chunks_exact(3) {
        *counts.entry([p[0] >> 3, p[1] >> 3, p[2] >> 3]).or_default() += 1;
    }
    let total = (rgb.len() / 3).max(1);
    let dominant = counts.values().copied().max().unwrap_or(0);
    ImageStats {
        size: (width, height),
        colors: counts.len(),
        dominant_share: dominant as f64 / total as f64,
    }
}

/// Whether the statistics describe a real frame: many colours, none covering 95 % of it.
pub fn looks_rendered(s: &ImageStats) -> bool {
    s.size.0 >= 64 && s.size.1 >= 64 && s.colors >= 64 && s.dominant_share < 0.95
}

/// Reads `path`, prints its statistics, and fails if it looks blank.
pub fn run(path: &Path) -> Result<()> {
    let img = image::open(path)
        .with_context(|| format!("reading {}", path.display()))?
        .to_rgb8();
    let s = stats(img.width(), img.height(), img.as_raw());
    println!(
        "{}: {}x{}, {} colours, most common colour covers {:.1}%",
        path.display(),
        s.size.0,
        s.size.1,
        s.colors,
        100.0 * s.dominant_share
    );
    if !looks_rendered(&s) {
        bail!("{} looks blank", path.display());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blank_image_is_blank_and_a_gradient_is_not() {
        let blank = vec![30u8; 200 * 100 * 3];
        assert!(!looks_rendered(&stats(200, 100, &blank)));
        let gradient: Vec<u8> = (0..200 * 100)
            .flat_map(|i| [(i % 200) as u8, (i / 200) as u8 * 2, 90])
            .collect();
        assert!(looks_rendered(&stats(200, 100, &gradient)));
    }
}

/// `gaitscope check-image`'s options.
#[derive(clap::Args, Debug, Clone)]
pub struct CheckImageArgs {
    /// The PNG.
    pub path: std::path::PathBuf,
}

impl CheckImageArgs {
    /// Checks the image.
    pub fn run(&self) -> Result<()> {
        run(&self.path)
    }
}
