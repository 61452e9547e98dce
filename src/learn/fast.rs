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

use candle_core::{Result, Tensor, Var};

use super::distribution::ActionDistribution;
use super::encoder::{Encoder, EncoderKind};
use super::mlp::{fast_tanh, Activation, Mlp};

/// One MLP as plain row-major buffers: `w[l]` is (out, in), `b[l]` is (out).
#[derive(Debug, Clone, PartialEq)]
pub struct PlainMlp {
    /// Hidden activation (the backward pass supports tanh only).
    pub activation: Activation,
    /// Layer widths, input to output.
    pub sizes: Vec<usize>,
    /// Weights.
    pub w: Vec<Vec<f32>>,
    /// Biases.
    pub b: Vec<Vec<f32>>,
    /// The weights in panels for small batches (16 output columns each, `(in, 16)`, the last
    /// padded with zeros); empty unless [`PlainMlp::with_row_layout`] made them (a snapshot:
    /// call it again after changing `w`).
    pub wt: Vec<Vec<f32>>,
}

/// Largest batch the small-batch kernel handles; bigger ones go to gemm.
pub const ROW_KERNEL_MAX_BATCH: usize = 32;

/// Columns per panel of the small-batch layout (two AVX registers).
const PANEL: usize = 16;

/// Up to `R` rows of `x` times one panel (`i x PANEL`, contiguous) plus `bias`, accumulated in
/// registers over the whole input; the first `width` columns are written to `out` at `j0`.
/// Every sum runs over `k` in order, so no reassociation is needed to vectorise.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn panel_tile<const R: usize, const FMA: bool>(
    x: &[f32],
    r0: usize,
    i: usize,
    panel: &[f32],
    bias: &[f32; PANEL],
    out: &mut [f32],
    o: usize,
    j0: usize,
    width: usize,
) {
    let rows: [&[f32]; R] = std::array::from_fn(|r| &x[(r0 + r) * i..(r0 + r + 1) * i]);
    let mut acc = [*bias; R];
    for (k, w) in panel.chunks_exact(PANEL).enumerate() {
        let w: &[f32; PANEL] = w.try_into().expect("a panel row");
        for (a, row) in acc.iter_mut().zip(&rows) {
            let xv = row[k];
            for (acc_j, w_j) in a.iter_mut().zip(w) {
                *acc_j = if FMA {
                    xv.mul_add(*w_j, *acc_j)
                } else {
                    *acc_j + xv * w_j
                };
            }
        }
    }
    for (r, a) in acc.iter().enumerate() {
        let start = (r0 + r) * o + j0;
        out[start..start + width].copy_from_slice(&a[..width]);
    }
}

/// `out (batch x o) = x (batch x i) * W^T + bias` for small batches, `wt` in the panel layout
/// of [`PlainMlp::with_row_layout`]. Panel by panel (a panel, `i x 16` floats, stays in L1 while
/// every row passes over it, so each weight is read from memory once per call), rows in tiles
/// of four (eight accumulators, two weight vectors and a broadcast: all in registers).
#[inline(always)]
fn row_kernel_body<const FMA: bool>(
    x: &[f32],
    batch: usize,
    i: usize,
    o: usize,
    wt: &[f32],
    bias: &[f32],
    out: &mut [f32],
) {
    for (p, panel) in wt.chunks_exact(i * PANEL).enumerate() {
        let j0 = p * PANEL;
        let width = PANEL.min(o - j0);
        let mut b = [0f32; PANEL];
        b[..width].copy_from_slice(&bias[j0..j0 + width]);
        let mut r0 = 0;
        while batch - r0 >= 4 {
            panel_tile::<4, FMA>(x, r0, i, panel, &b, out, o, j0, width);
            r0 += 4;
        }
        match batch - r0 {
            3 => panel_tile::<3, FMA>(x, r0, i, panel, &b, out, o, j0, width),
            2 => panel_tile::<2, FMA>(x, r0, i, panel, &b, out, o, j0, width),
            1 => panel_tile::<1, FMA>(x, r0, i, panel, &b, out, o, j0, width),
            _ => {}
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn row_kernel_avx2(
    x: &[f32],
    batch: usize,
    i: usize,
    o: usize,
    wt: &[f32],
    bias: &[f32],
    out: &mut [f32],
) {
    row_kernel_body::<true>(x, batch, i, o, wt, bias, out)
}

fn row_kernel(
    x: &[f32],
    batch: usize,
    i: usize,
    o: usize,
    wt: &[f32],
    bias: &[f32],
    out: &mut [f32],
) {
    #[cfg(target_arch = "x86_64")]
    {
        if avx2_fma() {
            // SAFETY: the CPU has AVX2 and FMA (checked just above).
            unsafe { row_kernel_avx2(x, batch, i, o, wt, bias, out) };
            return;
        }
    }
    row_kernel_body::<false>(x, batch, i, o, wt, bias, out)
}

/// Whether this CPU has AVX2 and FMA (the hand-vectorised loops' `target_feature` variants).
#[cfg(target_arch = "x86_64")]
fn avx2_fma() -> bool {
    std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
}

thread_local! {
    /// Threads gemm may use from this thread; `None` means all the machine has. The PPO loss
    /// runs its two networks on two threads and gives each half of the machine.
    static GEMM_THREADS: std::cell::Cell<Option<usize>> = const { std::cell::Cell::new(None) };
}

/// Threads for a product of `work` multiply-adds: small products run on one thread (handing
/// them to the pool costs more than it saves).
fn threads(work: usize) -> gemm::Parallelism {
    let n = GEMM_THREADS
        .with(|t| t.get())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    match n {
        n if n > 1 && work >= 8_000_000 => gemm::Parallelism::Rayon(n),
        _ => gemm::Parallelism::None,
    }
}

/// Runs `a` here and `b` on a second thread when the machine has two or more cores, each with
/// half of the cores for its matrix products; in turn otherwise. The results do not depend on
/// which: the two share nothing.
fn in_parallel<A: Send, B: Send>(
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cores < 2 {
        return (a(), b());
    }
    let half = cores / 2;
    std::thread::scope(|s| {
        let second = s.spawn(|| {
            GEMM_THREADS.with(|t| t.set(Some(cores - half)));
            b()
        });
        let before = GEMM_THREADS.with(|t| t.replace(Some(half)));
        let ra = a();
        GEMM_THREADS.with(|t| t.set(before));
        let rb = second
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e));
        (ra, rb)
    })
}

fn activate(a: Activation, x: f32) -> f32 {
    match a {
        Activation::Tanh => fast_tanh(x),
        Activation::Relu => x.max(0.0),
        Activation::Elu => {
            if x > 0.0 {
                x
            } else {
                x.exp_m1()
            }
        }
    }
}

/// `z[r][j] = activation(z[r][j] + bias[j])` over rows of `bias.len()` (no bias: just the
/// activation; no activation: just the bias). The activation is chosen once, outside the loop,
/// so the loop vectorises; with AVX2 and FMA it runs 8 lanes wide.
fn bias_activate(z: &mut [f32], bias: Option<&[f32]>, activation: Option<Activation>) {
    #[cfg(target_arch = "x86_64")]
    {
        if avx2_fma() {
            // SAFETY: the CPU has AVX2 and FMA (checked just above).
            unsafe { bias_activate_avx2(z, bias, activation) };
            return;
        }
    }
    bias_activate_body(z, bias, activation);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn bias_activate_avx2(z: &mut [f32], bias: Option<&[f32]>, activation: Option<Activation>) {
    bias_activate_body(z, bias, activation);
}

#[inline(always)]
fn bias_activate_body(z: &mut [f32], bias: Option<&[f32]>, activation: Option<Activation>) {
    if let Some(bias) = bias {
        for row in z.chunks_exact_mut(bias.len()) {
            for (v, b) in row.iter_mut().zip(bias) {
                *v += b;
            }
        }
    }
    match activation {
        None => {}
        Some(Activation::Tanh) => z.iter_mut().for_each(|v| *v = fast_tanh(*v)),
        Some(Activation::Relu) => z.iter_mut().for_each(|v| *v = v.max(0.0)),
        Some(a @ Activation::Elu) => z.iter_mut().for_each(|v| *v = activate(a, *v)),
    }
}

/// `d *= 1 - y^2`: the gradient through tanh, given tanh's output `y`.
fn tanh_backward(d: &mut [f32], y: &[f32]) {
    #[cfg(target_arch = "x86_64")]
    {
        if avx2_fma() {
            // SAFETY: the CPU has AVX2 and FMA (checked just above).
            unsafe { tanh_backward_avx2(d, y) };
            return;
        }
    }
    tanh_backward_body(d, y);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn tanh_backward_avx2(d: &mut [f32], y: &[f32]) {
    tanh_backward_body(d, y);
}

#[inline(always)]
fn tanh_backward_body(d: &mut [f32], y: &[f32]) {
    for (g, y) in d.iter_mut().zip(y) {
        *g *= 1.0 - y * y;
    }
}

/// `dst (m x n) = [dst +] a * b` with explicit strides (row stride, column stride).
#[allow(clippy::too_many_arguments)]
fn matmul(
    m: usize,
    n: usize,
    k: usize,
    dst: &mut [f32],
    accumulate: bool,
    a: &[f32],
    a_rs: usize,
    a_cs: usize,
    b: &[f32],
    b_rs: usize,
    b_cs: usize,
) {
    debug_assert!(dst.len() >= m * n);
    // SAFETY: the slices cover every index the strides reach (checked by the callers' shapes).
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            n as isize,
            accumulate,
            a.as_ptr(),
            a_cs as isize,
            a_rs as isize,
            b.as_ptr(),
            b_cs as isize,
            b_rs as isize,
            if accumulate { 1.0 } else { 0.0 },
            1.0,
            false,
            false,
            false,
            threads(m * n * k),
        );
    }
}

/// Floating-point operations per second on one thread of the three products of a `width`-wide
/// layer's training step on `batch` rows, best of `reps` runs each: the forward pass
/// `x W^T`, the weight gradient `d^T h` and the input gradient `d W` (see `bench ppo`).
pub fn layer_products_flops_one_thread(batch: usize, width: usize, reps: usize) -> [f64; 3] {
    let (n, w) = (batch, width);
    let x: Vec<f32> = (0..n * w).map(|i| (i % 7) as f32 * 0.1).collect();
    let weights: Vec<f32> = (0..w * w).map(|i| (i % 5) as f32 * 0.1).collect();
    let mut out = vec![0.0; n * w];
    let mut grad = vec![0.0; w * w];
    let before = GEMM_THREADS.with(|t| t.replace(Some(1)));
    let mut best = [f64::INFINITY; 3];
    for _ in 0..reps.max(1) {
        let t = std::time::Instant::now();
        matmul(n, w, w, &mut out, false, &x, w, 1, &weights, 1, w);
        best[0] = best[0].min(t.elapsed().as_secs_f64());
        let t = std::time::Instant::now();
        matmul(w, w, n, &mut grad, false, &out, 1, w, &x, w, 1);
        best[1] = best[1].min(t.elapsed().as_secs_f64());
        let t = std::time::Instant::now();
        matmul(n, w, w, &mut out, false, &x, w, 1, &weights, w, 1);
        best[2] = best[2].min(t.elapsed().as_secs_f64());
        std::hint::black_box((&out, &grad));
    }
    GEMM_THREADS.with(|t| t.set(before));
    best.map(|secs| 2.0 * (n * w * w) as f64 / secs)
}

impl PlainMlp {
    /// Copies a candle MLP.
    pub fn from_mlp(mlp: &Mlp) -> Result<PlainMlp> {
        let mut sizes = vec![mlp.input_size()];
        let mut w = Vec::new();
        let mut b = Vec::new();
        for l in &mlp.layers {
            sizes.push(l.weight.dims()[0]);
            w.push(l.weight.as_tensor().flatten_all()?.to_vec1::<f32>()?);
            b.push(l.bias.as_tensor().to_vec1::<f32>()?);
        }
        Ok(PlainMlp {
            activation: mlp.activation,
            sizes,
            w,
            b,
            wt: Vec::new(),
        })
    }

    /// Adds transposed weights so batches of up to [`ROW_KERNEL_MAX_BATCH`] rows (rollout
    /// inference) skip gemm's packing.
    pub fn with_row_layout(mut self) -> PlainMlp {
        self.wt = self
            .w
            .iter()
            .enumerate()
            .map(|(l, w)| {
                let (i, o) = (self.sizes[l], self.sizes[l + 1]);
                // Panels of 16 output columns, each `i x 16` and contiguous; the last panel is
                // padded with zero columns.
                let panels = o.div_ceil(PANEL);
                let mut t = vec![0.0; panels * i * PANEL];
                for r in 0..o {
                    let (p, c) = (r / PANEL, r % PANEL);
                    for k in 0..i {
                        t[(p * i + k) * PANEL + c] = w[r * i + k];
                    }
                }
                t
            })
            .collect();
        self
    }

    /// Writes the parameters back into the candle MLP.
    pub fn store(&self, mlp: &Mlp) -> Result<()> {
        for (l, layer) in mlp.layers.iter().enumerate() {
            let dev = layer.weight.device();
            layer
                .weight
                .set(&Tensor::from_slice(&self.w[l], layer.weight.dims(), dev)?)?;
            layer
                .bias
                .set(&Tensor::from_slice(&self.b[l], layer.bias.dims(), dev)?)?;
        }
        Ok(())
    }

    /// Forward pass of `batch` rows; `acts[0]` is the input, `acts[l + 1]` the output of layer
    /// `l` (tanh for hidden layers, linear for the last).
    pub fn forward(&self, x: &[f32], batch: usize, acts: &mut Vec<Vec<f32>>) {
        let layers = self.w.len();
        acts.resize(layers + 1, Vec::new());
        acts[0].clear();
        acts[0].extend_from_slice(x);
        for l in 0..layers {
            let (i, o) = (self.sizes[l], self.sizes[l + 1]);
            let (before, after) = acts.split_at_mut(l + 1);
            let h = &before[l];
            let z = &mut after[0];
            z.resize(batch * o, 0.0);
            let hidden = l + 1 < layers;
            let activation = hidden.then_some(self.activation);
            if batch <= ROW_KERNEL_MAX_BATCH && self.wt.len() == layers {
                row_kernel(h, batch, i, o, &self.wt[l], &self.b[l], z);
                bias_activate(z, None, activation);
                continue;
            }
            matmul(batch, o, i, z, false, h, i, 1, &self.w[l], 1, i);
            bias_activate(z, Some(&self.b[l]), activation);
        }
    }

    /// Multiply-adds of one training step per sample: the forward pass, the weight gradients
    /// and the input gradients of every layer but the first.
    pub fn training_macs_per_sample(&self) -> usize {
        let layer = |l: usize| self.sizes[l] * self.sizes[l + 1];
        (0..self.w.len())
            .map(|l| if l == 0 { 2 * layer(l) } else { 3 * layer(l) })
            .sum()
    }

    /// Output of a batch (convenience over [`PlainMlp::forward`]).
    pub fn apply(&self, x: &[f32], batch: usize, acts: &mut Vec<Vec<f32>>) -> Vec<f32> {
        self.forward(x, batch, acts);
        acts[self.w.len()].clone()
    }

    /// Backward pass: `d_out` (batch x out) is dLoss/dOutput; fills `gw`, `gb` (same shapes as
    /// the parameters). `scratch` is reused between calls.
    pub fn backward(
        &self,
        acts: &[Vec<f32>],
        d_out: &[f32],
        batch: usize,
        gw: &mut [Vec<f32>],
        gb: &mut [Vec<f32>],
        scratch: &mut (Vec<f32>, Vec<f32>),
    ) {
        let layers = self.w.len();
        let (d, d_prev) = scratch;
        d.clear();
        d.extend_from_slice(d_out);
        for l in (0..layers).rev() {
            let (i, o) = (self.sizes[l], self.sizes[l + 1]);
            let h = &acts[l];
            // dW (o x i) = d^T (o x batch) h (batch x i)
            gw[l].resize(o * i, 0.0);
            matmul(o, i, batch, &mut gw[l], false, d, 1, o, h, i, 1);
            gb[l].clear();
            gb[l].resize(o, 0.0);
            for row in d.chunks_exact(o) {
                for (g, v) in gb[l].iter_mut().zip(row) {
                    *g += v;
                }
            }
            if l == 0 {
                break;
            }
            // d_prev (batch x i) = d (batch x o) W (o x i), through tanh: * (1 - h^2)
            d_prev.resize(batch * i, 0.0);
            matmul(batch, i, o, d_prev, false, d, o, 1, &self.w[l], i, 1);
            tanh_backward(d_prev, h);
            std::mem::swap(d, d_prev);
        }
    }
}

/// A frozen encoder as plain buffers, for fast inference during rollouts: the map of the
/// leading columns, the trailing `passthrough` ones appended unchanged.
#[derive(Debug, Clone)]
pub struct PlainEncoder {
    /// The map of the encoded columns.
    pub map: PlainMap,
    /// Input width (encoded and passed-through columns).
    pub input: usize,
    /// Trailing columns appended to the features unchanged.
    pub passthrough: usize,
}

/// An encoder's map as plain buffers.
#[derive(Debug, Clone)]
pub enum PlainMap {
    /// The z-scored observation itself.
    Identity,
    /// PCA: components (input x latent, row-major).
    Linear {
        /// Components.
        components: Vec<f32>,
        /// Input width.
        input: usize,
        /// Latent width.
        latent: usize,
    },
    /// The AE's encoder.
    Ae(PlainMlp),
    /// The VAE's trunk and mean head (ELU between).
    Vae(PlainMlp, PlainMlp),
}

impl PlainEncoder {
    /// Copies a candle encoder.
    pub fn from_encoder(e: &Encoder) -> Result<PlainEncoder> {
        let map = match e.kind {
            EncoderKind::None => PlainMap::Identity,
            EncoderKind::Pca => {
                let p = e.pca.as_ref().expect("pca components");
                let (input, latent) = p.dims2()?;
                PlainMap::Linear {
                    components: p.flatten_all()?.to_vec1()?,
                    input,
                    latent,
                }
            }
            EncoderKind::Ae => PlainMap::Ae(
                PlainMlp::from_mlp(e.trunk.as_ref().expect("ae trunk"))?.with_row_layout(),
            ),
            EncoderKind::Vae => {
                let (mu, _) = e.heads.as_ref().expect("vae heads");
                PlainMap::Vae(
                    PlainMlp::from_mlp(e.trunk.as_ref().expect("vae trunk"))?.with_row_layout(),
                    PlainMlp::from_mlp(mu)?.with_row_layout(),
                )
            }
        };
        Ok(PlainEncoder {
            map,
            input: e.input_size(),
            passthrough: e.passthrough,
        })
    }

    /// Features of `batch` z-scored rows.
    pub fn encode(&self, x: &[f32], batch: usize, acts: &mut Vec<Vec<f32>>) -> Vec<f32> {
        if self.passthrough == 0 {
            return self.map.encode(x, batch, acts);
        }
        let own = self.input - self.passthrough;
        let mapped: Vec<f32> = x
            .chunks(self.input)
            .flat_map(|row| &row[..own])
            .copied()
            .collect();
        let features = self.map.encode(&mapped, batch, acts);
        let width = features.len() / batch.max(1);
        let mut out = Vec::with_capacity(batch * (width + self.passthrough));
        for (f, row) in features.chunks(width.max(1)).zip(x.chunks(self.input)) {
            out.extend_from_slice(f);
            out.extend_from_slice(&row[own..]);
        }
        out
    }
}

impl PlainMap {
    /// Features of `batch` rows of the map's own columns.
    fn encode(&self, x: &[f32], batch: usize, acts: &mut Vec<Vec<f32>>) -> Vec<f32> {
        match self {
            PlainMap::Identity => x.to_vec(),
            PlainMap::Linear {
                components,
                input,
                latent,
            } => {
                let mut out = vec![0.0; batch * latent];
                matmul(
                    batch, *latent, *input, &mut out, false, x, *input, 1, components, *latent, 1,
                );
                out
            }
            PlainMap::Ae(m) => m.apply(x, batch, acts),
            PlainMap::Vae(trunk, mu) => {
                let mut h = trunk.apply(x, batch, acts);
                h.iter_mut()
                    .for_each(|v| *v = activate(Activation::Elu, *v));
                mu.apply(&h, batch, acts)
            }
        }
    }
}

/// A minibatch for the loss.
pub struct Minibatch<'a> {
    /// Features, `n x f`.
    pub x: &'a [f32],
    /// Pre-squash actions, `n x a`.
    pub u: &'a [f32],
    /// Old log-probabilities.
    pub old_log_prob: &'a [f32],
    /// Normalised advantages.
    pub advantages: &'a [f32],
    /// Returns.
    pub returns: &'a [f32],
}

/// Coefficients of the loss.
#[derive(Debug, Clone, Copy)]
pub struct LossConfig {
    /// Clip range.
    pub clip: f64,
    /// Entropy coefficient.
    pub ent_coef: f64,
    /// Value coefficient.
    pub vf_coef: f64,
    /// The action distribution whose log-probability and entropy the loss uses.
    pub distribution: ActionDistribution,
}

/// Gradients of every parameter, and what the loss measured.
#[derive(Debug, Clone, Default)]
pub struct Gradients {
    /// Policy weight and bias gradients.
    pub policy: (Vec<Vec<f32>>, Vec<Vec<f32>>),
    /// Value weight and bias gradients.
    pub value: (Vec<Vec<f32>>, Vec<Vec<f32>>),
    /// log_std gradient.
    pub log_std: Vec<f32>,
    /// Global L2 norm of all the gradients above (before any clipping).
    pub grad_norm: f64,
    /// Total loss.
    pub loss: f64,
    /// Policy (surrogate) loss.
    pub policy_loss: f64,
    /// Value loss.
    pub value_loss: f64,
    /// Entropy estimate.
    pub entropy: f64,
    /// Approximate KL.
    pub approx_kl: f64,
    /// Clipped fraction.
    pub clip_fraction: f64,
}

/// Working buffers reused across minibatches.
#[derive(Default)]
pub struct Workspace {
    policy_acts: Vec<Vec<f32>>,
    value_acts: Vec<Vec<f32>>,
    d_mean: Vec<f32>,
    d_value: Vec<f32>,
    policy_scratch: (Vec<f32>, Vec<f32>),
    value_scratch: (Vec<f32>, Vec<f32>),
}

/// Log-density of `a = (tanh(u) + 1) / 2` for one sample, `u ~ N(mu, sigma)`; `inv_var` is
/// `1 / sigma^2` and `log_std_sum` the sum of `log sigma` (the squashed distribution's
/// [`ActionDistribution::log_prob`]).
pub fn squashed_log_prob(mu: &[f32], u: &[f32], inv_var: &[f32], log_std_sum: f32) -> f32 {
    ActionDistribution::SquashedGaussian.log_prob(mu, u, inv_var, log_std_sum)
}

/// The PPO loss of a minibatch and its gradients. The policy and the value network share
/// nothing in the loss, so their passes run on two threads (see `in_parallel`).
pub fn loss_and_gradients(
    policy: &PlainMlp,
    value: &PlainMlp,
    log_std: &[f32],
    mb: &Minibatch,
    cfg: LossConfig,
    ws: &mut Workspace,
    g: &mut Gradients,
) {
    let Workspace {
        policy_acts,
        value_acts,
        d_mean,
        d_value,
        policy_scratch,
        value_scratch,
    } = ws;
    let Gradients {
        policy: policy_grads,
        value: value_grads,
        log_std: log_std_grad,
        ..
    } = g;
    let (p, (value_loss, value_sq_norm)) = in_parallel(
        || {
            policy_half(
                policy,
                log_std,
                mb,
                cfg,
                PolicyBuffers {
                    acts: policy_acts,
                    d_mean,
                    scratch: policy_scratch,
                    grads: policy_grads,
                    log_std_grad,
                },
            )
        },
        || {
            value_half(
                value,
                mb,
                cfg,
                value_acts,
                d_value,
                value_scratch,
                value_grads,
            )
        },
    );
    g.grad_norm = (p.sq_norm + value_sq_norm).sqrt();
    g.policy_loss = p.policy_loss;
    g.value_loss = value_loss;
    g.entropy = p.entropy;
    g.approx_kl = p.approx_kl;
    g.clip_fraction = p.clip_fraction;
    g.loss = g.policy_loss + cfg.vf_coef * g.value_loss - cfg.ent_coef * g.entropy;
}

/// What the policy half of the loss measured (means over the minibatch).
struct PolicyStats {
    policy_loss: f64,
    entropy: f64,
    approx_kl: f64,
    clip_fraction: f64,
    /// Squared L2 norm of the policy's and `log_std`'s gradients.
    sq_norm: f64,
}

/// The policy half's buffers.
struct PolicyBuffers<'a> {
    acts: &'a mut Vec<Vec<f32>>,
    d_mean: &'a mut Vec<f32>,
    scratch: &'a mut (Vec<f32>, Vec<f32>),
    grads: &'a mut (Vec<Vec<f32>>, Vec<Vec<f32>>),
    log_std_grad: &'a mut Vec<f32>,
}

/// Clipped surrogate and entropy bonus: forward, loss, backward through the policy network and
/// `log_std`.
fn policy_half(
    policy: &PlainMlp,
    log_std: &[f32],
    mb: &Minibatch,
    cfg: LossConfig,
    buf: PolicyBuffers,
) -> PolicyStats {
    let n = mb.old_log_prob.len();
    let a = log_std.len();
    policy.forward(mb.x, n, buf.acts);
    let mean = &buf.acts[policy.w.len()];
    let inv_var: Vec<f32> = log_std.iter().map(|s| (-2.0 * s).exp()).collect();
    let log_std_sum: f32 = log_std.iter().sum();
    let nf = n as f32;
    buf.d_mean.clear();
    buf.d_mean.resize(n * a, 0.0);
    buf.log_std_grad.clear();
    buf.log_std_grad.resize(a, 0.0);
    let (mut pl, mut kl, mut clipped) = (0f64, 0f64, 0f64);
    let clip = cfg.clip as f32;
    for i in 0..n {
        let (mu, ui) = (&mean[i * a..(i + 1) * a], &mb.u[i * a..(i + 1) * a]);
        let logp = cfg.distribution.log_prob(mu, ui, &inv_var, log_std_sum);
        let log_ratio = logp - mb.old_log_prob[i];
        let r = log_ratio.exp();
        let adv = mb.advantages[i];
        let unclipped = r * adv;
        let clipped_term = r.clamp(1.0 - clip, 1.0 + clip) * adv;
        pl -= unclipped.min(clipped_term) as f64;
        // d(-min)/dlogp: -adv * r where the unclipped branch is the minimum, else 0.
        let dlogp = if unclipped <= clipped_term {
            -adv * r / nf
        } else {
            0.0
        };
        kl += (r - 1.0 - log_ratio) as f64;
        if (r - 1.0).abs() > clip {
            clipped += 1.0;
        }
        for k in 0..a {
            let z = ui[k] - mu[k];
            buf.d_mean[i * a + k] = dlogp * z * inv_var[k];
            buf.log_std_grad[k] += dlogp * (z * z * inv_var[k] - 1.0);
        }
    }
    // Entropy bonus: loss -= ent_coef * H(log_std), and dH / dlog_std_k = 1; nothing on the mean.
    buf.log_std_grad
        .iter_mut()
        .for_each(|g| *g -= cfg.ent_coef as f32);
    let layers = policy.w.len();
    buf.grads.0.resize(layers, Vec::new());
    buf.grads.1.resize(layers, Vec::new());
    policy.backward(
        buf.acts,
        buf.d_mean,
        n,
        &mut buf.grads.0,
        &mut buf.grads.1,
        buf.scratch,
    );
    let nd = n as f64;
    PolicyStats {
        policy_loss: pl / nd,
        entropy: cfg.distribution.entropy(log_std),
        approx_kl: kl / nd,
        clip_fraction: clipped / nd,
        sq_norm: squared_norms(buf.grads) + squared_norm(buf.log_std_grad),
    }
}

/// Value MSE: forward, loss, backward through the value network; returns the loss and the
/// gradients' squared L2 norm.
fn value_half(
    value: &PlainMlp,
    mb: &Minibatch,
    cfg: LossConfig,
    acts: &mut Vec<Vec<f32>>,
    d_value: &mut Vec<f32>,
    scratch: &mut (Vec<f32>, Vec<f32>),
    grads: &mut (Vec<Vec<f32>>, Vec<Vec<f32>>),
) -> (f64, f64) {
    let n = mb.old_log_prob.len();
    value.forward(mb.x, n, acts);
    let v = &acts[value.w.len()];
    let nf = n as f32;
    d_value.clear();
    d_value.resize(n, 0.0);
    let mut loss = 0f64;
    for i in 0..n {
        let err = v[i] - mb.returns[i];
        loss += (err * err) as f64;
        d_value[i] = cfg.vf_coef as f32 * 2.0 * err / nf;
    }
    let layers = value.w.len();
    grads.0.resize(layers, Vec::new());
    grads.1.resize(layers, Vec::new());
    value.backward(acts, d_value, n, &mut grads.0, &mut grads.1, scratch);
    (loss / n as f64, squared_norms(grads))
}

/// Squared L2 norm of weight and bias gradients.
fn squared_norms(grads: &(Vec<Vec<f32>>, Vec<Vec<f32>>)) -> f64 {
    grads
        .0
        .iter()
        .chain(&grads.1)
        .map(|g| squared_norm(g))
        .sum()
}

/// Sum of squares in f64, over eight independent running sums (so the loop vectorises).
fn squared_norm(x: &[f32]) -> f64 {
    let mut acc = [0f64; 8];
    let chunks = x.chunks_exact(8);
    let rest: f64 = chunks
        .remainder()
        .iter()
        .map(|v| f64::from(*v) * f64::from(*v))
        .sum();
    for c in chunks {
        for (a, v) in acc.iter_mut().zip(c) {
            *a += f64::from(*v) * f64::from(*v);
        }
    }
    acc.iter().sum::<f64>() + rest
}

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
fn adam_update_body(p: &mut [f32], m: &mut [f32], v: &mut [f32], g: &[f32], step: AdamStep) {
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

/// Copies `log_std` out of its candle var.
pub fn read_var(v: &Var) -> Result<Vec<f32>> {
    v.as_tensor().flatten_all()?.to_vec1()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::SmallRng;
    use rand::{Rng, SeedableRng};

    #[test]
    fn the_small_batch_kernel_matches_gemm() {
        let mut rng = SmallRng::seed_from_u64(11);
        for activation in [Activation::Tanh, Activation::Elu] {
            let mut m = random_mlp(&[37, 45, 29, 6], &mut rng);
            m.activation = activation;
            let rows = m.clone().with_row_layout();
            for batch in [1, 2, 3, 5, 7, 10, ROW_KERNEL_MAX_BATCH] {
                let x: Vec<f32> = (0..batch * 37).map(|_| rng.gen_range(-1.0..1.0)).collect();
                let mut acts = Vec::new();
                let want = m.apply(&x, batch, &mut acts);
                let got = rows.apply(&x, batch, &mut acts);
                for (g, w) in got.iter().zip(&want) {
                    assert!((g - w).abs() < 1e-4 * (1.0 + w.abs()), "{g} vs {w}");
                }
            }
        }
    }

    fn random_mlp(sizes: &[usize], rng: &mut SmallRng) -> PlainMlp {
        PlainMlp {
            wt: Vec::new(),
            activation: Activation::Tanh,
            sizes: sizes.to_vec(),
            w: (0..sizes.len() - 1)
                .map(|l| {
                    (0..sizes[l] * sizes[l + 1])
                        .map(|_| rng.gen_range(-0.8..0.8))
                        .collect()
                })
                .collect(),
            b: (0..sizes.len() - 1)
                .map(|l| {
                    (0..sizes[l + 1])
                        .map(|_| rng.gen_range(-0.3..0.3))
                        .collect()
                })
                .collect(),
        }
    }

    #[test]
    fn the_two_thread_adam_step_equals_clipping_then_one_adam_step() {
        let mut rng = SmallRng::seed_from_u64(9);
        let policy = random_mlp(&[7, 9, 3], &mut rng);
        let value = random_mlp(&[7, 9, 1], &mut rng);
        let log_std = vec![-0.5f32; 3];
        let like = |p: &Vec<Vec<f32>>, rng: &mut SmallRng| -> Vec<Vec<f32>> {
            p.iter()
                .map(|b| b.iter().map(|_| rng.gen_range(-3.0..3.0)).collect())
                .collect()
        };
        let mut g = Gradients {
            policy: (like(&policy.w, &mut rng), like(&policy.b, &mut rng)),
            value: (like(&value.w, &mut rng), like(&value.b, &mut rng)),
            log_std: vec![0.7, -0.2, 1.5],
            ..Gradients::default()
        };
        let (mut p1, mut v1, mut s1) = (policy.clone(), value.clone(), log_std.clone());
        let (mut p2, mut v2, mut s2) = (policy, value, log_std);
        let (mut split, mut whole) = (Adam::default(), Adam::default());
        for step in 0..3 {
            // The reference: scale the gradients in place, then one Adam over every buffer.
            let norm = g
                .policy
                .0
                .iter()
                .chain(&g.policy.1)
                .chain(&g.value.0)
                .chain(&g.value.1)
                .chain(std::iter::once(&g.log_std))
                .map(|b| squared_norm(b))
                .sum::<f64>()
                .sqrt();
            let scale = clip_scale(norm, 0.5) as f32;
            assert!(scale < 1.0, "these gradients are clipped");
            adam_step_networks(&mut split, &mut p1, &mut v1, &mut s1, &g, 1e-3, 1e-5, scale);
            let mut clipped = g.clone();
            for b in clipped
                .policy
                .0
                .iter_mut()
                .chain(clipped.policy.1.iter_mut())
                .chain(clipped.value.0.iter_mut())
                .chain(clipped.value.1.iter_mut())
                .chain(std::iter::once(&mut clipped.log_std))
            {
                b.iter_mut().for_each(|x| *x *= scale);
            }
            let mut params: Vec<&mut Vec<f32>> =
                p2.w.iter_mut()
                    .chain(p2.b.iter_mut())
                    .chain(v2.w.iter_mut())
                    .chain(v2.b.iter_mut())
                    .chain(std::iter::once(&mut s2))
                    .collect();
            let grads: Vec<&Vec<f32>> = clipped
                .policy
                .0
                .iter()
                .chain(&clipped.policy.1)
                .chain(&clipped.value.0)
                .chain(&clipped.value.1)
                .chain(std::iter::once(&clipped.log_std))
                .collect();
            whole.step(&mut params, &grads, 1e-3, 1e-5);
            assert_eq!((&p1, &v1, &s1), (&p2, &v2, &s2), "step {step}");
            g.log_std[0] += 0.3;
        }
        assert_eq!(split.state().2, 3);
        assert_eq!(split.state().0, whole.state().0);
    }

    #[test]
    fn gradients_match_finite_differences_for_the_clipped_gaussian() {
        gradients_match_finite_differences(ActionDistribution::ClippedGaussian);
    }

    #[test]
    fn gradients_match_finite_differences_for_the_squashed_gaussian() {
        gradients_match_finite_differences(ActionDistribution::SquashedGaussian);
    }

    fn gradients_match_finite_differences(distribution: ActionDistribution) {
        let mut rng = SmallRng::seed_from_u64(5);
        let (f, a, n) = (3usize, 2usize, 6usize);
        let policy = random_mlp(&[f, 5, 4, a], &mut rng);
        let value = random_mlp(&[f, 5, 4, 1], &mut rng);
        let log_std: Vec<f32> = vec![-0.3, 0.2];
        let x: Vec<f32> = (0..n * f).map(|_| rng.gen_range(-1.0..1.0)).collect();
        let u: Vec<f32> = (0..n * a).map(|_| rng.gen_range(-1.0..1.0)).collect();
        let adv: Vec<f32> = (0..n).map(|_| rng.gen_range(-1.0..1.0)).collect();
        let ret: Vec<f32> = (0..n).map(|_| rng.gen_range(-1.0..1.0)).collect();
        let cfg = LossConfig {
            clip: 0.2,
            ent_coef: 0.01,
            vf_coef: 0.5,
            distribution,
        };
        let mut ws = Workspace::default();
        // Old log-probabilities close to the current ones, so every ratio is inside the clip range.
        let mut g = Gradients::default();
        let zeros = vec![0.0; n];
        let mut old = vec![0f32; n];
        {
            // logp_i = -policy_loss contribution is not separable; recover logp from ratio = exp(logp).
            let mut probe = Gradients::default();
            for i in 0..n {
                let mut onehot = vec![0.0; n];
                onehot[i] = 1.0;
                loss_and_gradients(
                    &policy,
                    &value,
                    &log_std,
                    &Minibatch {
                        x: &x,
                        u: &u,
                        old_log_prob: &zeros,
                        advantages: &onehot,
                        returns: &ret,
                    },
                    LossConfig {
                        clip: 1e6,
                        ent_coef: 0.0,
                        vf_coef: 0.0,
                        distribution,
                    },
                    &mut ws,
                    &mut probe,
                );
                // policy_loss = -ratio_i / n  =>  logp_i = ln(-policy_loss * n)
                old[i] = (-probe.policy_loss * n as f64).ln() as f32 + rng.gen_range(-0.05..0.05);
            }
        }
        let mb = Minibatch {
            x: &x,
            u: &u,
            old_log_prob: &old,
            advantages: &adv,
            returns: &ret,
        };
        loss_and_gradients(&policy, &value, &log_std, &mb, cfg, &mut ws, &mut g);
        let loss_at = |p: &PlainMlp, v: &PlainMlp, s: &[f32]| {
            let mut ws = Workspace::default();
            let mut g = Gradients::default();
            loss_and_gradients(p, v, s, &mb, cfg, &mut ws, &mut g);
            g.loss
        };
        let h = 1e-2f32;
        let check = |analytic: f32, plus: f64, minus: f64, what: &str| {
            let numeric = ((plus - minus) / (2.0 * h as f64)) as f32;
            assert!(
                (analytic - numeric).abs() < 2e-3 + 2e-2 * numeric.abs(),
                "{what}: analytic {analytic} numeric {numeric}"
            );
        };
        for l in 0..policy.w.len() {
            for j in [0usize, policy.w[l].len() - 1] {
                let mut p = policy.clone();
                p.w[l][j] += h;
                let plus = loss_at(&p, &value, &log_std);
                p.w[l][j] -= 2.0 * h;
                let minus = loss_at(&p, &value, &log_std);
                check(
                    g.policy.0[l][j],
                    plus,
                    minus,
                    &format!("policy w[{l}][{j}]"),
                );
            }
            let mut p = policy.clone();
            p.b[l][0] += h;
            let plus = loss_at(&p, &value, &log_std);
            p.b[l][0] -= 2.0 * h;
            let minus = loss_at(&p, &value, &log_std);
            check(g.policy.1[l][0], plus, minus, &format!("policy b[{l}]"));
        }
        for l in 0..value.w.len() {
            let mut v = value.clone();
            v.w[l][1] += h;
            let plus = loss_at(&policy, &v, &log_std);
            v.w[l][1] -= 2.0 * h;
            let minus = loss_at(&policy, &v, &log_std);
            check(g.value.0[l][1], plus, minus, &format!("value w[{l}]"));
        }
        for k in 0..a {
            let mut s = log_std.clone();
            s[k] += h;
            let plus = loss_at(&policy, &value, &s);
            s[k] -= 2.0 * h;
            let minus = loss_at(&policy, &value, &s);
            check(g.log_std[k], plus, minus, &format!("log_std[{k}]"));
        }
    }
}
