//! The study's reward (seeds/000 section 3): goal (pelvis velocity) plus imitation (joint angles
//! and speeds against the reference at the same phase).
//!
//! `goal = exp(-goal_scale * (dvx^2 + dvz^2))`,
//! `imitation = pos_weight exp(-pos_scale d_pos) + vel_weight exp(-vel_scale d_vel)`,
//! `reward = imitation_weight * imitation + goal_weight * goal`, with `d_pos`, `d_vel` the mean
//! squared errors over the imitated coordinates (the study), or their sums (`sum_errors`, the
//! walking recipe: DeepMimic's kernels sum the errors, so a 0.3 rad error everywhere no longer
//! scores 0.84), or one kernel per coordinate (`per_joint`, MyoAssist's imitation env:
//! `pos_weight * sum_j w_j exp(-pos_scale e_j^2) / sum_j w_j`, the same for speeds), so that every
//! joint earns its own share and one far-off joint does not zero the others' signal.

use serde::{Deserialize, Serialize};

/// Reward weights and scales (defaults: the study's values).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RewardConfig {
    /// Weight of the imitation term.
    pub imitation_weight: f64,
    /// Weight of the goal (velocity) term.
    pub goal_weight: f64,
    /// Weight of the position part of the imitation term.
    pub pos_weight: f64,
    /// Weight of the velocity part of the imitation term.
    pub vel_weight: f64,
    /// Scale of the position error.
    pub pos_scale: f64,
    /// Scale of the velocity error.
    pub vel_scale: f64,
    /// Scale of the pelvis velocity error.
    pub goal_scale: f64,
    /// Target pelvis velocity (x forward, z lateral; m/s); `None` takes the reference motion's mean
    /// pelvis velocity, or 1.25 m/s forward when the motion has no `pelvis_tx`.
    pub target_velocity: Option<[f64; 2]>,
    /// The imitated coordinates.
    pub coordinates: Vec<String>,
    /// Sum the squared errors over the coordinates instead of averaging them.
    pub sum_errors: bool,
    /// One kernel per coordinate, averaged with `weights` (MyoAssist's form); overrides
    /// `sum_errors`.
    pub per_joint: bool,
    /// Per-coordinate weights of the `per_joint` kernels, in the order of `coordinates`; empty:
    /// all 1.
    pub weights: Vec<f64>,
}

impl Default for RewardConfig {
    fn default() -> Self {
        Self {
            imitation_weight: 0.6,
            goal_weight: 0.4,
            pos_weight: 0.75,
            vel_weight: 0.25,
            pos_scale: 2.0,
            vel_scale: 0.1,
            goal_scale: 8.0,
            target_velocity: None,
            coordinates: [
                "knee_angle_r",
                "knee_angle_l",
                "hip_adduction_r",
                "hip_adduction_l",
                "hip_flexion_r",
                "hip_flexion_l",
                "ankle_angle_r",
                "ankle_angle_l",
                "pelvis_rotation",
                "pelvis_tilt",
                "pelvis_list",
            ]
            .map(String::from)
            .to_vec(),
            sum_errors: false,
            per_joint: false,
            weights: Vec::new(),
        }
    }
}

/// The reward's parts for one step.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RewardTerms {
    /// Goal term in [0, 1].
    pub goal: f64,
    /// Imitation term in [0, 1].
    pub imitation: f64,
    /// The weighted sum.
    pub total: f64,
}

/// Computes the reward from pelvis velocity (x, z), coordinates and speeds, and the reference's
/// at the same phase; `indices` are the imitated coordinates' indices.
pub fn reward(
    config: &RewardConfig,
    target: [f64; 2],
    pelvis_velocity: [f64; 2],
    indices: &[usize],
    (q, qd): (&[f64], &[f64]),
    (q_ref, qd_ref): (&[f64], &[f64]),
) -> RewardTerms {
    let dvx = (pelvis_velocity[0] - target[0]).powi(2);
    let dvz = (pelvis_velocity[1] - target[1]).powi(2);
    let goal = (-config.goal_scale * (dvx + dvz)).exp();
    let imitation = if config.per_joint {
        let weight = |k: usize| config.weights.get(k).copied().unwrap_or(1.0);
        let total: f64 = (0..indices.len())
            .map(weight)
            .sum::<f64>()
            .max(f64::MIN_POSITIVE);
        let (mut pos, mut vel) = (0.0, 0.0);
        for (k, &i) in indices.iter().enumerate() {
            pos += weight(k) * (-config.pos_scale * (q[i] - q_ref[i]).powi(2)).exp();
            vel += weight(k) * (-config.vel_scale * (qd[i] - qd_ref[i]).powi(2)).exp();
        }
        (config.pos_weight * pos + config.vel_weight * vel) / total
    } else {
        let n = if config.sum_errors {
            1.0
        } else {
            indices.len().max(1) as f64
        };
        let d_pos = indices
            .iter()
            .map(|&i| (q[i] - q_ref[i]).powi(2))
            .sum::<f64>()
            / n;
        let d_vel = indices
            .iter()
            .map(|&i| (qd[i] - qd_ref[i]).powi(2))
            .sum::<f64>()
            / n;
        config.pos_weight * (-config.pos_scale * d_pos).exp()
            + config.vel_weight * (-config.vel_scale * d_vel).exp()
    };
    RewardTerms {
        goal,
        imitation,
        total: config.imitation_weight * imitation + config.goal_weight * goal,
    }
}
