//! The PPO update's hot loop without per-operation tensors: the two MLPs' forward and backward
//! passes written out over plain buffers, their matrix products on `gemm` (the kernel candle
//! itself calls), the elementwise work fused, and Adam in place. candle's per-op overhead was
//! more than half of an update (see `bench ppo`). The networks stay candle `Var`s between
//! updates (checkpoints, inference); the update copies them in and out.
//!
//! The loss and its gradients are exactly those of [`super::ppo`]'s candle path: clipped
//! surrogate on the configured [`ActionDistribution`]'s log-probability, value MSE, the
//! Gaussian's analytic entropy (a gradient on `log_std` only), global gradient-norm clipping,
//! Adam (torch's, eps 1e-5). `loss_and_gradients` is checked against finite differences in the
//! tests.
mod adam;
mod encoder;
mod kernels;
mod loss;
mod mlp;
#[cfg(test)]
mod tests;

pub use adam::*;
pub use encoder::*;
pub use kernels::{layer_products_flops_one_thread, ROW_KERNEL_MAX_BATCH};
pub use loss::*;
pub use mlp::*;

use candle_core::{Result, Var};

/// Copies `log_std` out of its candle var.
pub fn read_var(v: &Var) -> Result<Vec<f32>> {
    v.as_tensor().flatten_all()?.to_vec1()
}
