//! The walking environment (seeds/000 section 3): observation, reward, reference, episodes.

pub mod observation;
pub mod reference;
pub mod reward;
pub mod walk_env;

pub use reward::{RewardConfig, RewardTerms};
pub use walk_env::{EnvConfig, InitialState, Step, Tracking, TrackingError, WalkEnv};

/// The coordinates of the study's gait plots (Figures 4.3, 4.4) and of `analyze`'s moment arms:
/// hip flexion, hip adduction, knee and ankle angle, right then left.
pub const GAIT_COORDINATES: [&str; 8] = [
    "hip_flexion_r",
    "hip_adduction_r",
    "knee_angle_r",
    "ankle_angle_r",
    "hip_flexion_l",
    "hip_adduction_l",
    "knee_angle_l",
    "ankle_angle_l",
];
