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
