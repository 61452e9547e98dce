//! The walking environment (seeds/000 section 3): observation, reward, reference, episodes.

pub mod observation;
pub mod reference;
pub mod reward;
pub mod walk_env;

pub use reward::{RewardConfig, RewardTerms};
pub use walk_env::{EnvConfig, InitialState, Step, WalkEnv};
