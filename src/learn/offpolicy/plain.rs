//! What the plain-buffer gradient steps of TD3 ([`super::plain_td3`]) and SAC
//! ([`super::plain_sac`]) share: the critics with their targets and Adam moments (the plain
//! counterpart of [`super::Critics`]), gradient buffers, row concatenation, Adam and Polyak
//! steps over [`PlainMlp`] buffers.

use candle_core::Result;

use crate::learn::fast::{Adam, PlainMlp};
use crate::learn::mlp::Mlp;

/// Adam's epsilon in torch (and candle's AdamW default, which the candle paths use).
pub const EPS: f32 = 1e-8;

/// A network's activations and gradients, reused between steps.
#[derive(Debug, Default)]
pub struct Pass {
    /// `acts[0]` the input, `acts[l + 1]` layer `l`'s output.
    pub acts: Vec<Vec<f32>>,
    /// Weight gradients, one buffer per layer.
    pub gw: Vec<Vec<f32>>,
    /// Bias gradients, one buffer per layer.
    pub gb: Vec<Vec<f32>>,
    /// The backward pass's scratch (after it, `.0` holds the first layer's output gradient).
    pub scratch: (Vec<f32>, Vec<f32>),
}

impl Pass {
    /// `net`'s forward pass of `n` rows; returns its output.
    pub fn forward(&mut self, net: &PlainMlp, x: &[f32], n: usize) -> &[f32] {
        net.forward(x, n, &mut self.acts);
        &self.acts[net.w.len()]
    }

    /// `net`'s backward pass from the output gradient `d_out` of the last forward pass.
    pub fn backward(&mut self, net: &PlainMlp, d_out: &[f32], n: usize) {
        self.gw.resize(net.w.len(), Vec::new());
        self.gb.resize(net.w.len(), Vec::new());
        net.backward(
            &self.acts,
            d_out,
            n,
            &mut self.gw,
            &mut self.gb,
            &mut self.scratch,
        );
    }

    /// One Adam step of `net` with this pass's gradients.
    pub fn adam_step(&self, net: &mut PlainMlp, adam: &mut Adam, lr: f32) {
        let mut params: Vec<&mut Vec<f32>> = net.w.iter_mut().chain(net.b.iter_mut()).collect();
        let grads: Vec<&Vec<f32>> = self.gw.iter().chain(&self.gb).collect();
        adam.step(&mut params, &grads, lr, EPS);
    }
}

/// One critic `(features, action) -> Q` with its target, Adam moments and buffers.
struct Critic {
    net: PlainMlp,
    target: PlainMlp,
    adam: Adam,
    pass: Pass,
    d_out: Vec<f32>,
    d_input: Vec<f32>,
}

/// The critics with their targets and Adam moments, one after the other (the two on two
/// threads measured no faster at seed 004's sizes: `bench sac` 2.8 to 3.8 ms against 3.0 to
/// 4.0 ms, TD3 unchanged).
pub struct PlainCritics {
    critics: Vec<Critic>,
    q_min: Vec<f32>,
    arg: Vec<usize>,
}

impl PlainCritics {
    /// Copies candle critics and targets (fresh Adam moments).
    pub fn from_nets(nets: &[Mlp], targets: &[Mlp]) -> Result<PlainCritics> {
        let critics = nets
            .iter()
            .zip(targets)
            .map(|(n, t)| {
                Ok(Critic {
                    net: PlainMlp::from_mlp(n)?,
                    target: PlainMlp::from_mlp(t)?,
                    adam: Adam::default(),
                    pass: Pass::default(),
                    d_out: Vec::new(),
                    d_input: Vec::new(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(PlainCritics {
            critics,
            q_min: Vec::new(),
            arg: Vec::new(),
        })
    }

    /// Writes the parameters back into the candle critics and targets.
    pub fn store(&self, nets: &[Mlp], targets: &[Mlp]) -> Result<()> {
        for ((c, n), t) in self.critics.iter().zip(nets).zip(targets) {
            c.net.store(n)?;
            c.target.store(t)?;
        }
        Ok(())
    }

    /// `min_i Q_targ_i(input)` of `n` rows into `out`.
    pub fn target_min(&mut self, input: &[f32], n: usize, out: &mut Vec<f32>) {
        for c in &mut self.critics {
            c.pass.forward(&c.target, input, n);
        }
        out.clear();
        out.resize(n, f32::INFINITY);
        for c in &self.critics {
            for (m, q) in out.iter_mut().zip(&c.pass.acts[c.target.w.len()]) {
                *m = m.min(*q);
            }
        }
    }

    /// `scale * sum_i MSE(Q_i(input), y)`, then one Adam step of each critic (Adam is per
    /// parameter: the same as one optimizer over all of them). Returns the loss.
    pub fn fit(&mut self, input: &[f32], n: usize, y: &[f32], scale: f32, lr: f32) -> f64 {
        let mut total = 0.0;
        for c in &mut self.critics {
            let q = c.pass.forward(&c.net, input, n);
            c.d_out.clear();
            let mut loss = 0.0;
            for (q, y) in q.iter().zip(y) {
                let e = q - y;
                loss += (e * e) as f64;
                c.d_out.push(scale * 2.0 * e / n as f32);
            }
            c.pass.backward(&c.net, &c.d_out, n);
            c.pass.adam_step(&mut c.net, &mut c.adam, lr);
            total += scale as f64 * loss / n as f64;
        }
        total
    }

    /// The first `k` critics' Q at `input` and the gradient of `mean(-min_i Q_i)` with respect
    /// to `input` (into `d_input`, summed over the critics each row's minimum came from).
    /// Returns `mean(min_i Q_i)`.
    pub fn min_q_input_gradient(
        &mut self,
        k: usize,
        input: &[f32],
        n: usize,
        d_input: &mut Vec<f32>,
    ) -> f64 {
        let critics = &mut self.critics[..k];
        for c in critics.iter_mut() {
            c.pass.forward(&c.net, input, n);
        }
        self.q_min.clear();
        self.q_min.resize(n, f32::INFINITY);
        self.arg.clear();
        self.arg.resize(n, 0);
        for (i, c) in critics.iter().enumerate() {
            for (r, q) in c.pass.acts[c.net.w.len()].iter().enumerate() {
                if *q < self.q_min[r] {
                    self.q_min[r] = *q;
                    self.arg[r] = i;
                }
            }
        }
        for (i, c) in critics.iter_mut().enumerate() {
            c.d_out.clear();
            c.d_out.extend(
                self.arg
                    .iter()
                    .map(|a| if *a == i { -1.0 / n as f32 } else { 0.0 }),
            );
            c.net
                .backward_data(&c.pass.acts, &c.d_out, n, &mut c.pass.scratch);
            c.net.input_gradient(&c.pass.scratch, n, &mut c.d_input);
        }
        d_input.clear();
        d_input.resize(input.len(), 0.0);
        for c in &self.critics[..k] {
            d_input
                .iter_mut()
                .zip(&c.d_input)
                .for_each(|(d, p)| *d += p);
        }
        self.q_min.iter().map(|q| *q as f64).sum::<f64>() / n as f64
    }

    /// Polyak updates of every target.
    pub fn update_targets(&mut self, tau: f32) {
        for c in &mut self.critics {
            polyak(&mut c.target, &c.net, tau);
        }
    }
}

/// Rows of `a` (width `wa`) followed by rows of `b` (width `wb`), into `out`.
pub fn concat_rows(a: &[f32], wa: usize, b: &[f32], wb: usize, out: &mut Vec<f32>) {
    out.clear();
    for (ra, rb) in a.chunks_exact(wa).zip(b.chunks_exact(wb)) {
        out.extend_from_slice(ra);
        out.extend_from_slice(rb);
    }
}

/// `target = tau * source + (1 - tau) * target`, every buffer.
pub fn polyak(target: &mut PlainMlp, source: &PlainMlp, tau: f32) {
    let pairs = target
        .w
        .iter_mut()
        .zip(&source.w)
        .chain(target.b.iter_mut().zip(&source.b));
    for (t, s) in pairs {
        for (t, s) in t.iter_mut().zip(s) {
            *t = s * tau + *t * (1.0 - tau);
        }
    }
}
