//! The live view's headless side: what the desktop app shows, computed without a window.
//!
//! A live evaluation thread ([`evaluator`]) runs the current policy in real time and sends plain
//! [`frame::Frame`]s and finished [`recording::Recording`]s over crossbeam channels; [`gait`] bins
//! joint angles by gait phase against the reference; [`kde`] estimates the latent-space density.
//! The Bevy app only draws these.

pub mod evaluator;
pub mod frame;
pub mod gait;
pub mod kde;
pub mod recording;

pub use evaluator::{EvalCommand, Evaluator};
pub use frame::Frame;
pub use recording::Recording;

/// A shipped 2-D encoder (`models/encoders2d`, `kind` AE or VAE) as a plain feature map, for the
/// latent picture (the study's Figure 4.1).
pub fn shipped_latent_map(
    kind: crate::learn::encoder::EncoderKind,
) -> anyhow::Result<crate::learn::snapshot::FeatureMap> {
    use anyhow::Context;
    let dir = crate::models_dir().join("encoders2d");
    let e = crate::learn::encoder::Encoder::load(&dir, kind, &crate::learn::device())
        .with_context(|| format!("loading the 2-D {kind:?} from {}", dir.display()))?;
    Ok(crate::learn::snapshot::FeatureMap::from_encoder(&e)?)
}
