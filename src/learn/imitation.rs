//! Imitation learners on (features, expert action) pairs: ridge regression in closed form
//! (seed 004: scikit-learn's `Ridge` with lambda 1 and an unpenalised intercept, a 15 % test
//! split), behavioural cloning as an MLP trained by mean squared error with Adam (seeds 003
//! and 004), and the dataset that DAgger (Ross et al. 2011; seed 003's loop) aggregates.
//! Actions are excitations in [0, 1]; the BC network's output is squashed to that range as the
//! other learners' policies are.

use candle_core::{Device, Result, Tensor};
use candle_nn::Optimizer;
use rand::rngs::SmallRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;

use super::distribution::ActionDistribution;
use super::mlp::{Dense, Mlp};
use super::offpolicy::{adam, relu_mlp};
use super::policy::ActorCritic;

/// Observation-action pairs, row-major.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dataset {
    /// Input width.
    pub x_dim: usize,
    /// Action width.
    pub y_dim: usize,
    /// Inputs (features or raw observations), `n x x_dim`.
    pub x: Vec<f32>,
    /// Expert actions, `n x y_dim`.
    pub y: Vec<f32>,
}

impl Dataset {
    /// An empty dataset of the given widths.
    pub fn new(x_dim: usize, y_dim: usize) -> Dataset {
        Dataset {
            x_dim,
            y_dim,
            ..Dataset::default()
        }
    }

    /// Pairs held.
    pub fn len(&self) -> usize {
        self.x.len() / self.x_dim.max(1)
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends one pair.
    pub fn push(&mut self, x: &[f32], y: &[f32]) {
        self.x.extend_from_slice(x);
        self.y.extend_from_slice(y);
    }

    /// DAgger's aggregation: `D <- D u D_i`.
    pub fn aggregate(&mut self, other: &Dataset) {
        self.x.extend_from_slice(&other.x);
        self.y.extend_from_slice(&other.y);
    }

    /// The rows at `idx`.
    pub fn rows(&self, idx: &[usize]) -> Dataset {
        let mut d = Dataset::new(self.x_dim, self.y_dim);
        for &i in idx {
            d.push(
                &self.x[i * self.x_dim..(i + 1) * self.x_dim],
                &self.y[i * self.y_dim..(i + 1) * self.y_dim],
            );
        }
        d
    }

    /// A shuffled split as scikit-learn's `train_test_split`: (train, test) with
    /// `ceil(test_fraction * n)` test rows.
    pub fn split(&self, test_fraction: f64, seed: u64) -> (Dataset, Dataset) {
        let mut idx: Vec<usize> = (0..self.len()).collect();
        idx.shuffle(&mut SmallRng::seed_from_u64(seed));
        let n_test = ((test_fraction * self.len() as f64).ceil() as usize).min(self.len());
        (self.rows(&idx[n_test..]), self.rows(&idx[..n_test]))
    }
}

/// A linear map `y = x W + b` (`w` is `x_dim x y_dim`, row-major).
#[derive(Debug, Clone, PartialEq)]
pub struct Linear {
    /// Weights.
    pub w: Vec<f64>,
    /// Intercepts.
    pub b: Vec<f64>,
    /// Input width.
    pub x_dim: usize,
    /// Output width.
    pub y_dim: usize,
}

impl Linear {
    /// Predictions for every row of `x`.
    pub fn predict(&self, x: &[f32]) -> Vec<f32> {
        let n = x.len() / self.x_dim.max(1);
        let mut out = Vec::with_capacity(n * self.y_dim);
        for r in 0..n {
            let row = &x[r * self.x_dim..(r + 1) * self.x_dim];
            for j in 0..self.y_dim {
                let mut v = self.b[j];
                for (i, xi) in row.iter().enumerate() {
                    v += *xi as f64 * self.w[i * self.y_dim + j];
                }
                out.push(v as f32);
            }
        }
        out
    }

    /// As a one-layer network of the run-folder layout, clipped to [0, 1] when acting.
    pub fn deployable(&self, device: &Device) -> Result<ActorCritic> {
        let mut wt = vec![0f32; self.x_dim * self.y_dim];
        for i in 0..self.x_dim {
            for j in 0..self.y_dim {
                wt[j * self.x_dim + i] = self.w[i * self.y_dim + j] as f32;
            }
        }
        let b: Vec<f32> = self.b.iter().map(|v| *v as f32).collect();
        let layer = Dense {
            weight: candle_core::Var::from_tensor(&Tensor::from_vec(
                wt,
                (self.y_dim, self.x_dim),
                device,
            )?)?,
            bias: candle_core::Var::from_tensor(&Tensor::from_vec(b, self.y_dim, device)?)?,
        };
        let mlp = Mlp {
            layers: vec![layer],
            activation: super::mlp::Activation::Relu,
        };
        ActorCritic::deployable(mlp, ActionDistribution::ClippedGaussian, device)
    }
}

/// Ridge regression with an unpenalised intercept (scikit-learn's `Ridge(alpha=lambda)`):
/// centre `x` and `y`, solve `(Xc^T Xc + lambda I) W = Xc^T Yc` by Cholesky, `b = mean(y) -
/// mean(x) W`. Fails on an empty dataset or a singular system (lambda 0 with collinear inputs).
pub fn ridge(data: &Dataset, lambda: f64) -> std::result::Result<Linear, String> {
    let (n, p, k) = (data.len(), data.x_dim, data.y_dim);
    if n == 0 {
        return Err("ridge regression needs at least one pair".into());
    }
    let mean = |v: &[f32], w: usize| -> Vec<f64> {
        let mut m = vec![0.0; w];
        for row in v.chunks_exact(w) {
            m.iter_mut().zip(row).for_each(|(a, b)| *a += *b as f64);
        }
        m.iter_mut().for_each(|a| *a /= n as f64);
        m
    };
    let (mx, my) = (mean(&data.x, p), mean(&data.y, k));
    let mut a = vec![0.0; p * p];
    let mut rhs = vec![0.0; p * k];
    for r in 0..n {
        let x: Vec<f64> = (0..p).map(|i| data.x[r * p + i] as f64 - mx[i]).collect();
        let y: Vec<f64> = (0..k).map(|j| data.y[r * k + j] as f64 - my[j]).collect();
        for i in 0..p {
            for j in 0..p {
                a[i * p + j] += x[i] * x[j];
            }
            for j in 0..k {
                rhs[i * k + j] += x[i] * y[j];
            }
        }
    }
    for i in 0..p {
        a[i * p + i] += lambda;
    }
    let l = cholesky(&a, p).ok_or("ridge regression: the normal equations are singular")?;
    let w = cholesky_solve(&l, p, &rhs, k);
    let b = (0..k)
        .map(|j| my[j] - (0..p).map(|i| mx[i] * w[i * k + j]).sum::<f64>())
        .collect();
    Ok(Linear {
        w,
        b,
        x_dim: p,
        y_dim: k,
    })
}

/// The lower Cholesky factor of a symmetric positive definite `p x p` matrix.
fn cholesky(a: &[f64], p: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; p * p];
    for i in 0..p {
        for j in 0..=i {
            let s: f64 = (0..j).map(|m| l[i * p + m] * l[j * p + m]).sum();
            if i == j {
                let d = a[i * p + i] - s;
                if d <= 1e-12 * a[i * p + i].abs().max(1e-300) || !d.is_finite() {
                    return None;
                }
                l[i * p + i] = d.sqrt();
            } else {
                l[i * p + j] = (a[i * p + j] - s) / l[j * p + j];
            }
        }
    }
    Some(l)
}

/// Solves `L L^T X = B` for `k` right-hand sides (`B` is `p x k`).
fn cholesky_solve(l: &[f64], p: usize, b: &[f64], k: usize) -> Vec<f64> {
    let mut x = b.to_vec();
    for c in 0..k {
        for i in 0..p {
            let s: f64 = (0..i).map(|m| l[i * p + m] * x[m * k + c]).sum();
            x[i * k + c] = (x[i * k + c] - s) / l[i * p + i];
        }
        for i in (0..p).rev() {
            let s: f64 = (i + 1..p).map(|m| l[m * p + i] * x[m * k + c]).sum();
            x[i * k + c] = (x[i * k + c] - s) / l[i * p + i];
        }
    }
    x
}

/// Mean squared error and R^2 (scikit-learn's `r2_score`, the uniform average over outputs;
/// an output constant in `truth` scores 1 if predicted exactly, else 0).
pub fn regression_scores(pred: &[f32], truth: &[f32], k: usize) -> (f64, f64) {
    let n = truth.len() / k.max(1);
    if n == 0 {
        return (f64::NAN, f64::NAN);
    }
    let mse = pred
        .iter()
        .zip(truth)
        .map(|(p, t)| ((p - t) as f64).powi(2))
        .sum::<f64>()
        / truth.len() as f64;
    let mut r2 = 0.0;
    for j in 0..k {
        let col = |v: &[f32], r: usize| v[r * k + j] as f64;
        let m = (0..n).map(|r| col(truth, r)).sum::<f64>() / n as f64;
        let tot: f64 = (0..n).map(|r| (col(truth, r) - m).powi(2)).sum();
        let res: f64 = (0..n).map(|r| (col(truth, r) - col(pred, r)).powi(2)).sum();
        r2 += if tot > 0.0 {
            1.0 - res / tot
        } else if res == 0.0 {
            1.0
        } else {
            0.0
        };
    }
    (mse, r2 / k as f64)
}

/// Behavioural-cloning settings.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct BcConfig {
    /// Hidden layers (ReLU).
    pub hidden: Vec<usize>,
    /// Adam learning rate.
    pub lr: f64,
    /// Pairs per gradient step.
    pub batch_size: usize,
    /// Passes over the dataset per training call.
    pub epochs: usize,
}

impl Default for BcConfig {
    /// Seed 004's network (2 x 128 ReLU, lr 3e-4) with minibatches of 64.
    fn default() -> Self {
        BcConfig {
            hidden: vec![128, 128],
            lr: 3e-4,
            batch_size: 64,
            epochs: 10,
        }
    }
}

/// A behavioural-cloning policy: an MLP whose output is squashed to `(tanh(u) + 1) / 2`.
pub struct Bc {
    /// Inputs to pre-squash actions.
    pub net: Mlp,
    opt: candle_nn::AdamW,
    config: BcConfig,
    rng: SmallRng,
    device: Device,
}

impl Bc {
    /// A new network for `inputs` and `actions`.
    pub fn new(
        inputs: usize,
        actions: usize,
        config: &BcConfig,
        seed: u64,
        device: &Device,
    ) -> Result<Bc> {
        let mut rng = SmallRng::seed_from_u64(seed);
        let mut sizes = vec![inputs];
        sizes.extend(&config.hidden);
        sizes.push(actions);
        let net = relu_mlp(&sizes, &mut rng, device)?;
        Self::from_net(net, config, rng, device)
    }

    /// Goes on training `net` (a resumed run's), with fresh Adam moments.
    pub fn from_net(net: Mlp, config: &BcConfig, rng: SmallRng, device: &Device) -> Result<Bc> {
        Ok(Bc {
            opt: adam(net.vars(), config.lr)?,
            net,
            config: config.clone(),
            rng,
            device: device.clone(),
        })
    }

    /// Actions in [0, 1] for rows of `x`.
    pub fn predict(&self, x: &[f32]) -> Result<Vec<f32>> {
        let n = x.len() / self.net.input_size();
        let t = Tensor::from_slice(x, (n, self.net.input_size()), &self.device)?;
        let a = ((self.net.forward(&t)?.tanh()? + 1.0)? * 0.5)?;
        a.flatten_all()?.to_vec1()
    }

    /// `epochs` passes of shuffled minibatches over `data`; returns the mean training loss of
    /// the last pass.
    pub fn fit(&mut self, data: &Dataset) -> Result<f64> {
        let mut last = f64::NAN;
        let bs = self.config.batch_size.max(1);
        for _ in 0..self.config.epochs {
            let mut idx: Vec<usize> = (0..data.len()).collect();
            idx.shuffle(&mut self.rng);
            let (mut sum, mut batches) = (0.0, 0usize);
            for chunk in idx.chunks(bs) {
                let b = data.rows(chunk);
                let x = Tensor::from_slice(&b.x, (chunk.len(), data.x_dim), &self.device)?;
                let y = Tensor::from_slice(&b.y, (chunk.len(), data.y_dim), &self.device)?;
                let a = ((self.net.forward(&x)?.tanh()? + 1.0)? * 0.5)?;
                let loss = a.sub(&y)?.sqr()?.mean_all()?;
                self.opt.backward_step(&loss)?;
                sum += loss.to_scalar::<f32>()? as f64;
                batches += 1;
            }
            last = sum / batches.max(1) as f64;
        }
        Ok(last)
    }

    /// The policy in the run-folder layout.
    pub fn deployable(&self) -> Result<ActorCritic> {
        ActorCritic::deployable(
            super::offpolicy::deep_copy(&self.net)?,
            ActionDistribution::SquashedGaussian,
            &self.device,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::learn::toy::PointMass;
    use rand::Rng;

    #[test]
    fn ridge_equals_the_normal_equations_solved_by_hand() {
        // y = 2 x1 - x2 + 3 + 0.1 x1 x2 on the four corners of the square, lambda 1. Solved on
        // paper: the inputs are centred, X^T X = 4 I, so W = X^T y / (4 + 1) = [8/5, -4/5]
        // (the x1 x2 term is orthogonal to both inputs) and b = mean(y) = 3.
        let x = [-1.0f32, -1.0, -1.0, 1.0, 1.0, -1.0, 1.0, 1.0];
        let mut d = Dataset::new(2, 1);
        for r in x.chunks(2) {
            d.push(r, &[2.0 * r[0] - r[1] + 3.0 + 0.1 * r[0] * r[1]]);
        }
        let fit = ridge(&d, 1.0).unwrap();
        assert!((fit.w[0] - 1.6).abs() < 1e-6, "{:?}", fit.w);
        assert!((fit.w[1] + 0.8).abs() < 1e-6, "{:?}", fit.w);
        assert!((fit.b[0] - 3.0).abs() < 1e-6, "{:?}", fit.b);
        // Without the penalty it recovers an exact linear map.
        let mut rng = SmallRng::seed_from_u64(1);
        let mut e = Dataset::new(3, 2);
        for _ in 0..50 {
            let r: [f32; 3] = [rng.gen(), rng.gen(), rng.gen()];
            e.push(&r, &[r[0] - 2.0 * r[2] + 0.5, 3.0 * r[1]]);
        }
        let exact = ridge(&e, 0.0).unwrap();
        let (mse, r2) = regression_scores(&exact.predict(&e.x), &e.y, 2);
        assert!(mse < 1e-9 && (r2 - 1.0).abs() < 1e-6, "{mse} {r2}");
        assert!(ridge(&Dataset::new(3, 2), 1.0).is_err());
    }

    #[test]
    fn behavioural_cloning_imitates_the_point_mass_expert() {
        let mut rng = SmallRng::seed_from_u64(2);
        let mut d = Dataset::new(2, 2);
        for _ in 0..2000 {
            let s = [rng.gen_range(-1.0..1.0), rng.gen_range(-1.0..1.0)];
            // Actions in [0, 1], as excitations are.
            let a = PointMass::expert(&s).map(|v| (v + 1.0) / 2.0);
            d.push(&s, &a);
        }
        let config = BcConfig {
            hidden: vec![32, 32],
            lr: 3e-3,
            epochs: 30,
            ..BcConfig::default()
        };
        let mut bc = Bc::new(2, 2, &config, 1, &Device::Cpu).unwrap();
        let first = bc.predict(&d.x).unwrap();
        let (before, _) = regression_scores(&first, &d.y, 2);
        bc.fit(&d).unwrap();
        let (after, r2) = regression_scores(&bc.predict(&d.x).unwrap(), &d.y, 2);
        assert!(
            after < 0.1 * before && r2 > 0.9,
            "{before} -> {after}, R2 {r2}"
        );
        let score = PointMass::evaluate(
            &mut |s| {
                bc.predict(s)
                    .unwrap()
                    .iter()
                    .map(|a| 2.0 * a - 1.0)
                    .collect()
            },
            20,
        );
        let expert = PointMass::evaluate(&mut |s| PointMass::expert(s).to_vec(), 20);
        assert!(score > 1.3 * expert, "BC {score}, expert {expert}");
    }

    #[test]
    fn dagger_aggregation_keeps_every_labelled_visit_and_splits_as_asked() {
        let mut d = Dataset::new(2, 1);
        d.push(&[1.0, 2.0], &[0.5]);
        let mut visits = Dataset::new(2, 1);
        for i in 0..19 {
            visits.push(&[i as f32, 0.0], &[PointMass::expert(&[i as f32, 0.0])[0]]);
        }
        d.aggregate(&visits);
        assert_eq!(d.len(), 20);
        assert_eq!(&d.x[2..4], &[0.0, 0.0]);
        assert_eq!(d.y[20 - 1], -1.0);
        let (train, test) = d.split(0.15, 3);
        assert_eq!((train.len(), test.len()), (17, 3));
        let mut all: Vec<f32> = train.x.iter().chain(&test.x).copied().collect();
        let mut want = d.x.clone();
        all.sort_by(f32::total_cmp);
        want.sort_by(f32::total_cmp);
        assert_eq!(all, want);
    }
}
