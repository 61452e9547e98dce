//! Learning, with candle and nothing of the window: MLPs, observation encoders (none, PCA, AE,
//! VAE), PPO with SB3 1.x's clipped Gaussian policy (or a tanh-squashed one), GAE, checkpoints and metrics; the off-policy actor-critics (SAC, TD3, DDPG) with their
//! replay buffer; the imitation learners (ridge, BC, DAgger).

pub mod checkpoint;
pub mod distribution;
pub mod encoder;
pub mod fast;
pub mod gae;
pub mod imitation;
pub mod mlp;
pub mod offpolicy;
pub mod policy;
pub mod ppo;
pub mod replay;
pub mod rollout;
pub mod snapshot;
pub mod toy;

/// The device learning runs on (the CPU; the models are small).
pub fn device() -> candle_core::Device {
    candle_core::Device::Cpu
}

/// Tunes candle's CPU thread pool before first use: its idle workers spin 25,000 times before
/// parking, which on a 2-core machine steals the core that gemm and the simulation workers need
/// (a PPO update went from 7.9 s to 5.4 s with 1,000). An explicit environment setting wins.
pub fn configure_threads() {
    if std::env::var_os("CANDLE_BARRIER_POOL_SPIN_LIMIT").is_none() {
        std::env::set_var("CANDLE_BARRIER_POOL_SPIN_LIMIT", "1000");
    }
}
