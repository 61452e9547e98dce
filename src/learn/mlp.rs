//! A multilayer perceptron whose parameters are candle `Var`s initialised from a seeded RNG
//! (candle's own CPU initialisers cannot be seeded), so runs are reproducible.

use candle_core::{DType, Device, Result, Tensor, Var};
use rand::rngs::SmallRng;
use rand::Rng;

/// Hidden-layer activation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Activation {
    /// `tanh`, SB3's default for PPO.
    Tanh,
    /// `max(0, x)`.
    Relu,
    /// `x` for x > 0, `exp(x) - 1` below.
    Elu,
}

/// `tanh` as a vectorisable rational approximation (Lambert's continued fraction to 7th order,
/// clamped at |x| = 4.97; absolute error below 1e-4): libm's scalar `tanhf` was 40 % of a PPO
/// update.
#[derive(Debug, Clone, Copy)]
pub struct FastTanh;

/// The scalar form of [`FastTanh`].
#[inline]
pub fn fast_tanh(x: f32) -> f32 {
    let x = x.clamp(-4.97, 4.97);
    let x2 = x * x;
    let p = x * (135135.0 + x2 * (17325.0 + x2 * (378.0 + x2)));
    let q = 135135.0 + x2 * (62370.0 + x2 * (3150.0 + 28.0 * x2));
    (p / q).clamp(-1.0, 1.0)
}

impl candle_core::CustomOp1 for FastTanh {
    fn name(&self) -> &'static str {
        "fast-tanh"
    }

    fn cpu_fwd(
        &self,
        storage: &candle_core::CpuStorage,
        layout: &candle_core::Layout,
    ) -> Result<(candle_core::CpuStorage, candle_core::Shape)> {
        let candle_core::CpuStorage::F32(data) = storage else {
            candle_core::bail!("fast-tanh: only f32 is supported");
        };
        let Some((a, b)) = layout.contiguous_offsets() else {
            candle_core::bail!("fast-tanh: the input must be contiguous");
        };
        let out: Vec<f32> = data[a..b].iter().map(|x| fast_tanh(*x)).collect();
        Ok((candle_core::CpuStorage::F32(out), layout.shape().clone()))
    }

    fn bwd(&self, _arg: &Tensor, res: &Tensor, grad_res: &Tensor) -> Result<Option<Tensor>> {
        // d tanh / dx = 1 - tanh^2
        let d = (res.sqr()?.neg()? + 1.0)?;
        Ok(Some(grad_res.mul(&d)?))
    }
}

impl Activation {
    fn apply(self, x: &Tensor) -> Result<Tensor> {
        match self {
            Activation::Tanh => x.apply_op1(FastTanh),
            Activation::Relu => x.relu(),
            Activation::Elu => x.elu(1.0),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn fast_tanh_is_accurate() {
        let mut worst = 0f32;
        for i in -20000..=20000 {
            let x = i as f32 * 0.0005;
            worst = worst.max((super::fast_tanh(x) - x.tanh()).abs());
        }
        assert!(worst < 1e-4, "{worst}");
    }

    #[test]
    fn orthogonal_weights_have_orthonormal_rows_or_columns_times_the_gain() {
        use rand::SeedableRng;
        let mut rng = rand::rngs::SmallRng::seed_from_u64(3);
        for (rows, cols) in [(7usize, 4usize), (4, 7), (5, 5), (22, 312)] {
            let gain = 1.7;
            let w = super::orthogonal(rows, cols, gain, &mut rng);
            // W W^T = gain^2 I (rows <= cols) or W^T W = gain^2 I (rows >= cols): the dot
            // products of the shorter side's vectors.
            let wide = rows <= cols;
            let (n, len) = if wide { (rows, cols) } else { (cols, rows) };
            let at = |i: usize, k: usize| -> f64 {
                if wide {
                    w[i * cols + k] as f64
                } else {
                    w[k * cols + i] as f64
                }
            };
            for i in 0..n {
                for j in 0..n {
                    let dot: f64 = (0..len).map(|k| at(i, k) * at(j, k)).sum();
                    let want = if i == j { gain * gain } else { 0.0 };
                    assert!((dot - want).abs() < 1e-5, "{rows}x{cols} ({i},{j}): {dot}");
                }
            }
        }
    }
}

/// How a layer's weights are drawn (biases start at zero either way).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Init {
    /// `N(0, gain^2 / fan_in)`.
    Scaled,
    /// A random orthogonal matrix times `gain`, as `torch.nn.init.orthogonal_` (which SB3's
    /// `ActorCriticPolicy.init_weights` calls): the QR factor of a standard normal matrix, signs
    /// fixed so R's diagonal is positive.
    Orthogonal,
    /// PyTorch's default for `nn.Linear` (what SB3's off-policy networks keep): weights and
    /// biases uniform in `+- 1/sqrt(fan_in)` (the gain is not used).
    TorchLinear,
}

/// One fully connected layer: `y = x W^T + b`.
#[derive(Debug, Clone)]
pub struct Dense {
    /// Weight, shape (out, in).
    pub weight: Var,
    /// Bias, shape (out).
    pub bias: Var,
}

impl Dense {
    /// A layer with weights drawn from `N(0, gain^2 / fan_in)` (a cheap stand-in for SB3's
    /// orthogonal initialisation with the same gain) and zero bias.
    pub fn new(
        inputs: usize,
        outputs: usize,
        gain: f64,
        rng: &mut SmallRng,
        device: &Device,
    ) -> Result<Dense> {
        Self::with_init(inputs, outputs, gain, Init::Scaled, rng, device)
    }

    /// A layer initialised by `init` with `gain`, zero bias.
    pub fn with_init(
        inputs: usize,
        outputs: usize,
        gain: f64,
        init: Init,
        rng: &mut SmallRng,
        device: &Device,
    ) -> Result<Dense> {
        let w: Vec<f32> = match init {
            Init::Scaled => {
                let std = gain / (inputs as f64).sqrt();
                (0..inputs * outputs)
                    .map(|_| (normal(rng) * std) as f32)
                    .collect()
            }
            Init::Orthogonal => orthogonal(outputs, inputs, gain, rng),
            Init::TorchLinear => uniform(inputs * outputs, inputs, rng),
        };
        let bias = match init {
            Init::TorchLinear => Tensor::from_vec(uniform(outputs, inputs, rng), outputs, device)?,
            _ => Tensor::zeros(outputs, DType::F32, device)?,
        };
        Ok(Dense {
            weight: Var::from_tensor(&Tensor::from_vec(w, (outputs, inputs), device)?)?,
            bias: Var::from_tensor(&bias)?,
        })
    }

    /// Applies the layer to a batch `(n, in)`.
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        x.matmul(&self.weight.as_tensor().t()?)?
            .broadcast_add(self.bias.as_tensor())
    }
}

/// `n` draws uniform in `+- 1/sqrt(fan_in)` (PyTorch's `kaiming_uniform_(a=sqrt(5))` bound).
fn uniform(n: usize, fan_in: usize, rng: &mut SmallRng) -> Vec<f32> {
    let bound = 1.0 / (fan_in.max(1) as f64).sqrt();
    (0..n)
        .map(|_| rng.gen_range(-bound..bound) as f32)
        .collect()
}

/// A `rows x cols` row-major matrix with orthonormal rows or columns (whichever are fewer),
/// times `gain`: Gram-Schmidt on the columns of a tall standard normal matrix, which is its QR
/// factor Q with R's diagonal positive (torch's `orthogonal_` fixes the signs the same way).
pub fn orthogonal(rows: usize, cols: usize, gain: f64, rng: &mut SmallRng) -> Vec<f32> {
    let (m, n) = (rows.max(cols), rows.min(cols));
    let mut q: Vec<Vec<f64>> = (0..n)
        .map(|_| (0..m).map(|_| normal(rng)).collect())
        .collect();
    for j in 0..n {
        // Twice for numerical orthogonality ("twice is enough").
        for _ in 0..2 {
            for i in 0..j {
                let (done, rest) = q.split_at_mut(j);
                let dot: f64 = done[i].iter().zip(&rest[0]).map(|(a, b)| a * b).sum();
                rest[0]
                    .iter_mut()
                    .zip(&done[i])
                    .for_each(|(b, a)| *b -= dot * a);
            }
        }
        let norm = q[j].iter().map(|v| v * v).sum::<f64>().sqrt().max(1e-300);
        q[j].iter_mut().for_each(|v| *v /= norm);
    }
    let mut w = vec![0f32; rows * cols];
    for r in 0..rows {
        for c in 0..cols {
            // Q is m x n with column j = q[j]; W = Q if rows >= cols, else Q^T.
            let v = if rows >= cols { q[c][r] } else { q[r][c] };
            w[r * cols + c] = (v * gain) as f32;
        }
    }
    w
}

/// A standard normal sample (Box-Muller).
pub fn normal(rng: &mut SmallRng) -> f64 {
    let u1: f64 = rng.gen::<f64>().max(1e-300);
    let u2: f64 = rng.gen();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// An MLP: hidden layers with an activation, a linear output layer.
#[derive(Debug, Clone)]
pub struct Mlp {
    /// The layers, input to output.
    pub layers: Vec<Dense>,
    /// Hidden activation.
    pub activation: Activation,
}

impl Mlp {
    /// `sizes` = [input, hidden..., output]; hidden gain sqrt(2), output gain `output_gain`,
    /// weights `N(0, gain^2 / fan_in)`.
    pub fn new(
        sizes: &[usize],
        activation: Activation,
        output_gain: f64,
        rng: &mut SmallRng,
        device: &Device,
    ) -> Result<Mlp> {
        Self::with_init(sizes, activation, output_gain, Init::Scaled, rng, device)
    }

    /// As [`Mlp::new`], the weights drawn by `init`.
    pub fn with_init(
        sizes: &[usize],
        activation: Activation,
        output_gain: f64,
        init: Init,
        rng: &mut SmallRng,
        device: &Device,
    ) -> Result<Mlp> {
        let n = sizes.len() - 1;
        let layers = (0..n)
            .map(|i| {
                let gain = if i + 1 == n { output_gain } else { 2f64.sqrt() };
                Dense::with_init(sizes[i], sizes[i + 1], gain, init, rng, device)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Mlp { layers, activation })
    }

    /// Forward pass of a batch.
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let mut h = x.clone();
        for (i, layer) in self.layers.iter().enumerate() {
            h = layer.forward(&h)?;
            if i + 1 < self.layers.len() {
                h = self.activation.apply(&h)?;
            }
        }
        Ok(h)
    }

    /// All parameters, in order.
    pub fn vars(&self) -> Vec<Var> {
        self.layers
            .iter()
            .flat_map(|l| [l.weight.clone(), l.bias.clone()])
            .collect()
    }

    /// Named parameters (`{prefix}.{i}.weight`, `{prefix}.{i}.bias`).
    pub fn named(&self, prefix: &str) -> Vec<(String, Var)> {
        self.layers
            .iter()
            .enumerate()
            .flat_map(|(i, l)| {
                [
                    (format!("{prefix}.{i}.weight"), l.weight.clone()),
                    (format!("{prefix}.{i}.bias"), l.bias.clone()),
                ]
            })
            .collect()
    }

    /// Input width.
    pub fn input_size(&self) -> usize {
        self.layers[0].weight.dims()[1]
    }

    /// Output width.
    pub fn output_size(&self) -> usize {
        self.layers[self.layers.len() - 1].weight.dims()[0]
    }
}
