//! The fast path's arithmetic: the small-batch panel kernel (AVX2 + FMA when the CPU has it),
//! gemm products with checked strides, the thread budget of each product, the fused bias +
//! activation and tanh backward passes.

use super::super::mlp::{fast_tanh, Activation};

/// Largest batch the small-batch kernel handles; bigger ones go to gemm.
pub const ROW_KERNEL_MAX_BATCH: usize = 32;

/// Columns per panel of the small-batch layout (two AVX registers).
pub(super) const PANEL: usize = 16;

/// Up to `R` rows of `x` times one panel (`i x PANEL`, contiguous) plus `bias`, accumulated in
/// registers over the whole input; the first `width` columns are written to `out` at `j0`.
/// Every sum runs over `k` in order, so no reassociation is needed to vectorise.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(super) fn panel_tile<const R: usize, const FMA: bool>(
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
pub(super) fn row_kernel_body<const FMA: bool>(
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

pub(super) fn row_kernel(
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
pub(super) fn avx2_fma() -> bool {
    std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
}

thread_local! {
    /// Threads gemm may use from this thread; `None` means all the machine has. The PPO loss
    /// runs its two networks on two threads and gives each half of the machine.
    static GEMM_THREADS: std::cell::Cell<Option<usize>> = const { std::cell::Cell::new(None) };
}

/// Threads for a product of `work` multiply-adds: small products run on one thread (handing
/// them to the pool costs more than it saves).
pub(super) fn threads(work: usize) -> gemm::Parallelism {
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
pub(super) fn in_parallel<A: Send, B: Send>(
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

pub(super) fn activate(a: Activation, x: f32) -> f32 {
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
pub(super) fn bias_activate(z: &mut [f32], bias: Option<&[f32]>, activation: Option<Activation>) {
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
pub(super) fn bias_activate_body(
    z: &mut [f32],
    bias: Option<&[f32]>,
    activation: Option<Activation>,
) {
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

/// `d *= [y > 0]`: the gradient through ReLU, given its output `y`.
pub(super) fn relu_backward(d: &mut [f32], y: &[f32]) {
    for (g, y) in d.iter_mut().zip(y) {
        if *y <= 0.0 {
            *g = 0.0;
        }
    }
}

/// The gradient through ELU given its output `y`: 1 above 0, `exp(x) = y + 1` below.
pub(super) fn elu_backward(d: &mut [f32], y: &[f32]) {
    for (g, y) in d.iter_mut().zip(y) {
        if *y <= 0.0 {
            *g *= y + 1.0;
        }
    }
}

/// `d *= 1 - y^2`: the gradient through tanh, given tanh's output `y`.
pub(super) fn tanh_backward(d: &mut [f32], y: &[f32]) {
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
pub(super) fn tanh_backward_body(d: &mut [f32], y: &[f32]) {
    for (g, y) in d.iter_mut().zip(y) {
        *g *= 1.0 - y * y;
    }
}

/// `dst (m x n) = [dst +] a * b` with explicit strides (row stride, column stride).
#[allow(clippy::too_many_arguments)]
pub(super) fn matmul(
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
    if m == 0 || n == 0 {
        return;
    }
    // The last element each operand's strides reach must be inside its slice: gemm reads and
    // writes through raw pointers. (k = 0 reads nothing and scales or clears `dst`.)
    let reach = |rows: usize, rs: usize, cols: usize, cs: usize| (rows - 1) * rs + (cols - 1) * cs;
    assert!(
        dst.len() >= m * n,
        "matmul: dst has {} < {m} x {n}",
        dst.len()
    );
    if k > 0 {
        assert!(
            a.len() > reach(m, a_rs, k, a_cs),
            "matmul: a ({} values) too short for {m} x {k} with strides ({a_rs}, {a_cs})",
            a.len()
        );
        assert!(
            b.len() > reach(k, b_rs, n, b_cs),
            "matmul: b ({} values) too short for {k} x {n} with strides ({b_rs}, {b_cs})",
            b.len()
        );
    }
    // SAFETY: the asserts above: every index the strides reach is inside its slice, and `dst`
    // (row stride n, column stride 1) is m x n.
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
