//! Learning, with candle and nothing of the window: MLPs, observation encoders (none, PCA, AE,
//! VAE), PPO with a tanh-squashed Gaussian policy, GAE, checkpoints and metrics.

pub mod checkpoint;
pub mod encoder;
pub mod gae;
pub mod mlp;
pub mod policy;
pub mod ppo;

/// The device learning runs on (the CPU; the models are small).
pub fn device() -> candle_core::Device {
    candle_core::Device::Cpu
}
