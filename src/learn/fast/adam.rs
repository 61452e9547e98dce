//! Adam in place (torch's, eps 1e-5, no weight decay) over the networks' plain buffers, and
//! the global gradient-norm clip.

use super::kernels::{avx2_fma, in_parallel};
use super::{Gradients, PlainMlp};

/// Adam (torch's, no weight decay) over a flat list of parameter buffers.
#[derive(Debug, Clone, Default)]
pub struct Adam {
    m: Vec<Vec<f32>>,
    v: Vec<Vec<f32>>,
    t: i32,
}

/// The constants of one Adam step (see [`Adam::begin`]).
#[derive(Debug, Clone, Copy)]
pub struct AdamStep {
    /// Learning rate over the first moment's bias correction.
    step: f32,
    /// One over the second moment's bias correction.
    inv_c2: f32,
    /// Added to the root of the second moment.
    eps: f32,
    /// Multiplies every gradient (global-norm clipping; 1 when not clipping).
    grad_scale: f32,
}

impl Adam {
    /// One step over every buffer: `params[i] -= lr * m_hat / (sqrt(v_hat) + eps)`.
    pub fn step(&mut self, params: &mut [&mut Vec<f32>], grads: &[&Vec<f32>], lr: f32, eps: f32) {
        let (step, m, v) = self.begin(params.iter().map(|p| p.len()), lr, eps, 1.0);
        for (k, p) in params.iter_mut().enumerate() {
            adam_update(p, &mut m[k], &mut v[k], grads[k], step);
        }
    }

    /// Starts the next step for buffers of these sizes (creating the moments at the first step
    /// or when the sizes change) and returns its constants and the moments, in buffer order, so
    /// that disjoint buffers can be updated on different threads with [`adam_update`].
    pub fn begin(
        &mut self,
        sizes: impl ExactSizeIterator<Item = usize> + Clone,
        lr: f32,
        eps: f32,
        grad_scale: f32,
    ) -> (AdamStep, &mut [Vec<f32>], &mut [Vec<f32>]) {
        let (b1, b2) = (0.9f32, 0.999f32);
        let matches = self.m.len() == sizes.len()
            && self.m.iter().zip(sizes.clone()).all(|(m, n)| m.len() == n);
        if !matches {
            self.m = sizes.clone().map(|n| vec![0.0; n]).collect();
            self.v = sizes.map(|n| vec![0.0; n]).collect();
            self.t = 0;
        }
        self.t += 1;
        let c1 = 1.0 - b1.powi(self.t);
        let c2 = 1.0 - b2.powi(self.t);
        let step = AdamStep {
            step: lr / c1,
            inv_c2: 1.0 / c2,
            eps,
            grad_scale,
        };
        (step, &mut self.m, &mut self.v)
    }
}

/// One Adam step of both networks and `log_std` from `g`, every gradient times `grad_scale`:
/// the policy's buffers on this thread, the value network's on a second. The moments are kept
/// in the order policy weights, policy biases, value weights, value biases, `log_std`.
#[allow(clippy::too_many_arguments)]
pub fn adam_step_networks(
    adam: &mut Adam,
    policy: &mut PlainMlp,
    value: &mut PlainMlp,
    log_std: &mut [f32],
    g: &Gradients,
    lr: f32,
    eps: f32,
    grad_scale: f32,
) {
    let sizes = policy
        .w
        .iter()
        .chain(&policy.b)
        .chain(&value.w)
        .chain(&value.b)
        .map(|p| p.len())
        .chain(std::iter::once(log_std.len()))
        .collect::<Vec<_>>();
    let (step, m, v) = adam.begin(sizes.into_iter(), lr, eps, grad_scale);
    let split = 2 * policy.w.len();
    let (m_policy, m_rest) = m.split_at_mut(split);
    let (v_policy, v_rest) = v.split_at_mut(split);
    let (m_value, m_log_std) = m_rest.split_at_mut(2 * value.w.len());
    let (v_value, v_log_std) = v_rest.split_at_mut(2 * value.w.len());
    in_parallel(
        || {
            let params = policy.w.iter_mut().chain(policy.b.iter_mut());
            let grads = g.policy.0.iter().chain(&g.policy.1);
            for (((p, g), m), v) in params.zip(grads).zip(m_policy).zip(v_policy) {
                adam_update(p, m, v, g, step);
            }
            adam_update(
                log_std,
                &mut m_log_std[0],
                &mut v_log_std[0],
                &g.log_std,
                step,
            );
        },
        || {
            let params = value.w.iter_mut().chain(value.b.iter_mut());
            let grads = g.value.0.iter().chain(&g.value.1);
            for (((p, g), m), v) in params.zip(grads).zip(m_value).zip(v_value) {
                adam_update(p, m, v, g, step);
            }
        },
    );
}

/// One Adam step of one buffer with its moments (vectorised with AVX2 where the CPU has it).
pub fn adam_update(p: &mut [f32], m: &mut [f32], v: &mut [f32], g: &[f32], step: AdamStep) {
    #[cfg(target_arch = "x86_64")]
    {
        if avx2_fma() {
            // SAFETY: the CPU has AVX2 and FMA (checked just above).
            unsafe { adam_update_avx2(p, m, v, g, step) };
            return;
        }
    }
    adam_update_body(p, m, v, g, step);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn adam_update_avx2(p: &mut [f32], m: &mut [f32], v: &mut [f32], g: &[f32], step: AdamStep) {
    adam_update_body(p, m, v, g, step);
}

#[inline(always)]
pub(super) fn adam_update_body(
    p: &mut [f32],
    m: &mut [f32],
    v: &mut [f32],
    g: &[f32],
    step: AdamStep,
) {
    let (b1, b2) = (0.9f32, 0.999f32);
    let AdamStep {
        step,
        inv_c2,
        eps,
        grad_scale,
    } = step;
    for (((p, m), v), g) in p.iter_mut().zip(m.iter_mut()).zip(v.iter_mut()).zip(g) {
        let g = g * grad_scale;
        *m = b1 * *m + (1.0 - b1) * g;
        *v = b2 * *v + (1.0 - b2) * g * g;
        *p -= step * *m / ((*v * inv_c2).sqrt() + eps);
    }
}

impl Adam {
    /// The moments and step count as flat buffers: `(m, v, t)`.
    pub fn state(&self) -> (&[Vec<f32>], &[Vec<f32>], i32) {
        (&self.m, &self.v, self.t)
    }

    /// Restores moments and step count saved with [`Adam::state`]; the caller checks the shapes
    /// against the parameters (a mismatch would reset the state at the next step anyway).
    pub fn restore(&mut self, m: Vec<Vec<f32>>, v: Vec<Vec<f32>>, t: i32) {
        self.m = m;
        self.v = v;
        self.t = t;
    }
}

/// The factor that brings gradients of global L2 norm `norm` down to `max_norm` (torch's
/// `clip_grad_norm_`); 1 when they are within it or the norm is not finite.
pub fn clip_scale(norm: f64, max_norm: f64) -> f64 {
    if norm > max_norm && norm.is_finite() {
        max_norm / (norm + 1e-6)
    } else {
        1.0
    }
}
