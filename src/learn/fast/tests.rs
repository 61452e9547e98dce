//! The fast path against candle's and finite differences.

use super::adam::*;
use super::kernels::*;
use super::loss::*;
use super::mlp::*;
use crate::learn::distribution::ActionDistribution;
use crate::learn::mlp::Activation;
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
