//! One MLP as plain buffers: copied from and back to candle, forward (small batches on the
//! panel kernel, bigger ones on gemm) and backward.

use candle_core::{Result, Tensor};

use super::super::mlp::{Activation, Mlp};
use super::kernels::*;

/// One MLP as plain row-major buffers: `w[l]` is (out, in), `b[l]` is (out).
#[derive(Debug, Clone, PartialEq)]
pub struct PlainMlp {
    /// Hidden activation.
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

    /// The backward pass without the parameter gradients (for a gradient that only flows
    /// through this network, as the actor's through a critic): leaves the first layer's
    /// output gradient in `scratch.0` for [`PlainMlp::input_gradient`].
    pub fn backward_data(
        &self,
        acts: &[Vec<f32>],
        d_out: &[f32],
        batch: usize,
        scratch: &mut (Vec<f32>, Vec<f32>),
    ) {
        let (d, d_prev) = scratch;
        d.clear();
        d.extend_from_slice(d_out);
        for l in (1..self.w.len()).rev() {
            let (i, o) = (self.sizes[l], self.sizes[l + 1]);
            d_prev.resize(batch * i, 0.0);
            matmul(batch, i, o, d_prev, false, d, o, 1, &self.w[l], i, 1);
            self.activation_backward(d_prev, &acts[l]);
            std::mem::swap(d, d_prev);
        }
    }

    /// `d *= f'` for the hidden activation, given its output `h`.
    fn activation_backward(&self, d: &mut [f32], h: &[f32]) {
        match self.activation {
            Activation::Tanh => tanh_backward(d, h),
            Activation::Relu => relu_backward(d, h),
            Activation::Elu => elu_backward(d, h),
        }
    }

    /// The gradient with respect to the input (batch x in) after [`PlainMlp::backward`] or
    /// [`PlainMlp::backward_data`] ran with this `scratch`: the first layer's output gradient
    /// times its weights.
    pub fn input_gradient(&self, scratch: &(Vec<f32>, Vec<f32>), batch: usize, out: &mut Vec<f32>) {
        let (i, o) = (self.sizes[0], self.sizes[1]);
        out.resize(batch * i, 0.0);
        matmul(batch, i, o, out, false, &scratch.0, o, 1, &self.w[0], i, 1);
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
            // d_prev (batch x i) = d (batch x o) W (o x i), through the activation: tanh's
            // * (1 - h^2), ReLU's * [h > 0], ELU's * (h + 1 below 0).
            d_prev.resize(batch * i, 0.0);
            matmul(batch, i, o, d_prev, false, d, o, 1, &self.w[l], i, 1);
            self.activation_backward(d_prev, h);
            std::mem::swap(d, d_prev);
        }
    }
}
