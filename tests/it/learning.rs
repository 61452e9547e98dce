//! Learning: the squashed log-probability, PPO on a small task, AE against PCA, the VAE's KL,
//! checkpoints and reproducibility.

use candle_core::{Device, Tensor};
use gaitscope::learn::checkpoint;
use gaitscope::learn::encoder::{kl_standard_normal, Encoder, EncoderKind, FitConfig, Normalizer};
use gaitscope::learn::gae::gae;
use gaitscope::learn::policy::squashed_log_prob;
use gaitscope::learn::ppo::{EncoderMode, Ppo, PpoConfig};
use gaitscope::learn::rollout::RolloutBuffer;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

fn cpu() -> Device {
    Device::Cpu
}

#[test]
fn the_squashed_log_probability_integrates_to_one() {
    for (mean, log_std) in [(0.3f32, -0.5f32), (-1.2, 0.4), (2.0, -1.5)] {
        let n = 20000;
        let mut total = 0.0;
        for i in 0..n {
            let a = (i as f64 + 0.5) / n as f64;
            let u = (2.0 * a - 1.0).atanh() as f32;
            let lp = squashed_log_prob(
                &Tensor::new(&[[mean]], &cpu()).unwrap(),
                &Tensor::new(&[log_std], &cpu()).unwrap(),
                &Tensor::new(&[[u]], &cpu()).unwrap(),
            )
            .unwrap()
            .to_vec1::<f32>()
            .unwrap()[0];
            total += (lp as f64).exp() / n as f64;
        }
        assert!(
            (total - 1.0).abs() < 2e-3,
            "mean {mean} log_std {log_std}: integral {total}"
        );
    }
}

#[test]
fn the_vae_kl_term_is_correct_for_a_known_gaussian() {
    let mu = Tensor::new(&[[1.0f32, 0.0]], &cpu()).unwrap();
    let logvar = Tensor::new(&[[4f32.ln(), 0.0]], &cpu()).unwrap();
    let kl = kl_standard_normal(&mu, &logvar)
        .unwrap()
        .to_vec1::<f32>()
        .unwrap()[0];
    let want = 0.5 * ((4.0 + 1.0 - 1.0 - 4f64.ln()) + 0.0);
    assert!((kl as f64 - want).abs() < 1e-5, "{kl} vs {want}");
}

/// A one-step task: observe x in [-1, 1]^2, reward -(a - (x0 + 1)/2)^2 - (a1 - 0.2)^2.
fn bandit_batch(ppo: &mut Ppo, rng: &mut SmallRng, n: usize) -> (RolloutBuffer, f64) {
    let mut obs = Vec::new();
    for _ in 0..n {
        obs.push(rng.gen_range(-1.0f32..1.0));
        obs.push(rng.gen_range(-1.0f32..1.0));
    }
    let acts = ppo.act(&obs, false).unwrap();
    let (u, a, log_prob, values) = (acts.u, acts.a, acts.log_prob, acts.value);
    let rewards: Vec<f64> = (0..n)
        .map(|i| {
            let t0 = (obs[2 * i] as f64 + 1.0) / 2.0;
            -((a[2 * i] as f64 - t0).powi(2) + (a[2 * i + 1] as f64 - 0.2).powi(2))
        })
        .collect();
    let v: Vec<f64> = values.iter().map(|v| *v as f64).collect();
    let (adv, ret) = gae(&rewards, &v, &vec![true; n], 0.0, 0.99, 0.95);
    let mean = rewards.iter().sum::<f64>() / n as f64;
    let batch = RolloutBuffer {
        obs,
        u,
        log_prob,
        advantages: adv.iter().map(|x| *x as f32).collect(),
        returns: ret.iter().map(|x| *x as f32).collect(),
        values,
        ..RolloutBuffer::default()
    };
    (batch, mean)
}

fn small_config() -> PpoConfig {
    PpoConfig {
        hidden: vec![32, 32],
        batch_size: 64,
        epochs: 4,
        lr: 3e-3,
        ent_coef: 0.0,
        ..PpoConfig::default()
    }
}

// PPO solving a small task with each distribution and update path: tests/distribution.rs.

/// Adam steps taken so far (the fused update's saved state).
fn adam_steps(ppo: &Ppo) -> f32 {
    let state = ppo.optimizer_state().unwrap();
    let (_, t) = state.iter().find(|(name, _)| name == "adam.t").unwrap();
    t.flatten_all().unwrap().to_vec1::<f32>().unwrap()[0]
}

#[test]
fn target_kl_stops_an_update_once_the_policy_has_moved_too_far() {
    let update = |target_kl: Option<f64>| {
        let config = PpoConfig {
            target_kl,
            ..small_config()
        };
        let encoder = Encoder::none(Normalizer::identity(2));
        let mut ppo = Ppo::new(encoder, 2, EncoderMode::Frozen, config, &cpu()).unwrap();
        let mut rng = SmallRng::seed_from_u64(3);
        let (batch, _) = bandit_batch(&mut ppo, &mut rng, 512);
        let before = params(&ppo);
        let stats = ppo.update(&batch).unwrap();
        (adam_steps(&ppo), stats, before != params(&ppo))
    };
    // 512 samples in minibatches of 64, 4 epochs: 32 steps without a target.
    let (steps, _, moved) = update(None);
    assert_eq!(steps, 32.0);
    assert!(moved);
    // A loose target never triggers.
    assert_eq!(update(Some(10.0)).0, 32.0);
    // A tiny one lets the first minibatch through (the policy is the rollout's: KL ~ 0) and
    // stops at the second, before its step, as SB3 does.
    let (steps, stats, moved) = update(Some(1e-12));
    assert_eq!(steps, 1.0);
    assert!(moved);
    assert!(stats.approx_kl > 0.0 && stats.approx_kl.is_finite());
}

#[test]
fn the_same_seed_gives_the_same_first_update() {
    let run = || {
        let encoder = Encoder::none(Normalizer::identity(2));
        let mut ppo = Ppo::new(encoder, 2, EncoderMode::Frozen, small_config(), &cpu()).unwrap();
        let mut rng = SmallRng::seed_from_u64(9);
        let (batch, _) = bandit_batch(&mut ppo, &mut rng, 256);
        let stats = ppo.update(&batch).unwrap();
        (stats, params(&ppo))
    };
    let (s1, p1) = run();
    let (s2, p2) = run();
    assert_eq!(s1, s2);
    assert!(p1.iter().zip(&p2).all(|(a, b)| a.to_bits() == b.to_bits()));
}

#[test]
fn checkpoints_round_trip_bit_for_bit() {
    let encoder = Encoder::none(Normalizer::identity(3));
    let a = Ppo::new(
        encoder.clone(),
        2,
        EncoderMode::Frozen,
        PpoConfig {
            seed: 1,
            hidden: vec![16],
            ..PpoConfig::default()
        },
        &cpu(),
    )
    .unwrap();
    let b = Ppo::new(
        encoder,
        2,
        EncoderMode::Frozen,
        PpoConfig {
            seed: 2,
            hidden: vec![16],
            ..PpoConfig::default()
        },
        &cpu(),
    )
    .unwrap();
    let dir = std::env::temp_dir().join(format!("gaitscope-ckpt-{}", std::process::id()));
    let path = dir.join("policy.safetensors");
    checkpoint::save(&path, &a.net.named()).unwrap();
    checkpoint::load(&path, &b.net.named(), &cpu()).unwrap();
    for ((_, va), (_, vb)) in a.net.named().iter().zip(&b.net.named()) {
        let x: Vec<f32> = va.as_tensor().flatten_all().unwrap().to_vec1().unwrap();
        let y: Vec<f32> = vb.as_tensor().flatten_all().unwrap().to_vec1().unwrap();
        assert!(x.iter().zip(&y).all(|(p, q)| p.to_bits() == q.to_bits()));
    }
    // A checkpoint of the wrong shape, or garbage, is an error, not a panic.
    let other = Ppo::new(
        Encoder::none(Normalizer::identity(5)),
        2,
        EncoderMode::Frozen,
        PpoConfig {
            hidden: vec![16],
            ..PpoConfig::default()
        },
        &cpu(),
    )
    .unwrap();
    assert!(checkpoint::load(&path, &other.net.named(), &cpu()).is_err());
    std::fs::write(dir.join("bad.safetensors"), b"not a checkpoint").unwrap();
    assert!(checkpoint::load(&dir.join("bad.safetensors"), &b.net.named(), &cpu()).is_err());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn an_autoencoder_beats_pca_on_a_nonlinear_manifold() {
    // A closed curve in 8-D: one intrinsic dimension, not linear.
    let mut rng = SmallRng::seed_from_u64(3);
    let dim = 8;
    let mut data = Vec::new();
    for _ in 0..1200 {
        let t: f32 = rng.gen_range(0.0..std::f32::consts::TAU);
        for k in 0..dim {
            let f = (k / 2 + 1) as f32;
            data.push(if k % 2 == 0 {
                (f * t).sin()
            } else {
                (f * t).cos()
            });
        }
    }
    let normalizer = Normalizer::fit(&data, dim);
    normalizer.apply(&mut data);
    let (train, test) = data.split_at(1000 * dim);
    let pca = Encoder::fit_pca(normalizer.clone(), train, 2, &cpu()).unwrap();
    let config = FitConfig {
        latent: 2,
        epochs: 150,
        batch_size: 64,
        ..FitConfig::default()
    };
    let ae = Encoder::fit_network(
        EncoderKind::Ae,
        normalizer,
        train,
        &config,
        &cpu(),
        |_, _| {},
    )
    .unwrap();
    let (pca_err, _) = pca.reconstruction_error(test, &cpu()).unwrap();
    let (ae_err, _) = ae.reconstruction_error(test, &cpu()).unwrap();
    assert!(ae_err < 0.5 * pca_err, "AE {ae_err} vs PCA {pca_err}");
}

#[test]
fn the_fused_inference_matches_the_candle_networks() {
    let mut rng = SmallRng::seed_from_u64(11);
    let dim = 12;
    for kind in [EncoderKind::Ae, EncoderKind::Vae] {
        let encoder =
            Encoder::new_network(kind, Normalizer::identity(dim), 4, &mut rng, &cpu()).unwrap();
        let mut ppo = Ppo::new(encoder, 3, EncoderMode::Frozen, small_config(), &cpu()).unwrap();
        let obs: Vec<f32> = (0..5 * dim).map(|_| rng.gen_range(-2.0f32..2.0)).collect();
        let fused = ppo.act(&obs, true).unwrap();
        let x = Tensor::from_slice(&obs, (5, dim), &cpu()).unwrap();
        let features = ppo.encoder.encode(&x).unwrap();
        let reference = ppo.net.act(&features, &mut rng, true).unwrap();
        for (p, q) in fused
            .a
            .iter()
            .zip(&reference.a)
            .chain(fused.value.iter().zip(&reference.value))
        {
            assert!((p - q).abs() < 1e-3, "{kind:?}: {p} vs {q}");
        }
        for (p, q) in fused.log_prob.iter().zip(&reference.log_prob) {
            assert!(
                (p - q).abs() < 1e-2 * q.abs().max(1.0),
                "{kind:?}: log_prob {p} vs {q}"
            );
        }
    }
}

#[test]
fn a_fitted_encoder_passes_the_phase_through_beside_its_latent() {
    let mut rng = SmallRng::seed_from_u64(12);
    let dim = 10;
    let dir = std::env::temp_dir().join(format!("gaitscope-passthrough-{}", std::process::id()));
    for kind in [EncoderKind::Ae, EncoderKind::Vae] {
        let fitted =
            Encoder::new_network(kind, Normalizer::identity(dim), 4, &mut rng, &cpu()).unwrap();
        fitted.save(&dir, None).unwrap();
        let with_phase = Encoder::load(&dir, kind, &cpu())
            .unwrap()
            .with_passthrough(&[0.0, 0.0], &[1.0, 1.0]);
        assert_eq!((with_phase.input_size(), with_phase.output_size()), (12, 6));
        // Saved and loaded again, it is the same encoder.
        with_phase.save(&dir, None).unwrap();
        let reloaded = Encoder::load(&dir, kind, &cpu()).unwrap();
        assert_eq!((reloaded.input_size(), reloaded.output_size()), (12, 6));
        let rows: Vec<f32> = (0..3 * 12).map(|_| rng.gen_range(-2.0f32..2.0)).collect();
        let x = Tensor::from_slice(&rows, (3, 12), &cpu()).unwrap();
        let own = x.narrow(1, 0, dim).unwrap();
        let latent = fitted.encode(&own).unwrap().to_vec2::<f32>().unwrap();
        let features = reloaded.encode(&x).unwrap().to_vec2::<f32>().unwrap();
        let plain = gaitscope::learn::fast::PlainEncoder::from_encoder(&reloaded).unwrap();
        let fast = plain.encode(&rows, 3, &mut Vec::new());
        for (r, row) in features.iter().enumerate() {
            assert_eq!(
                row[..4],
                latent[r][..],
                "{kind:?}: the latent of the first {dim} values"
            );
            assert_eq!(
                row[4..],
                rows[r * 12 + 10..r * 12 + 12],
                "{kind:?}: the phase"
            );
            for (a, b) in row.iter().zip(&fast[r * 6..r * 6 + 6]) {
                assert!((a - b).abs() < 1e-5, "{kind:?}: plain {b} vs candle {a}");
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn restoring_the_optimizer_state_resumes_the_update_as_if_uninterrupted() {
    let config = PpoConfig {
        hidden: vec![16],
        batch_size: 128,
        epochs: 1,
        lr: 3e-3,
        ..PpoConfig::default()
    };
    let make = || {
        Ppo::new(
            Encoder::none(Normalizer::identity(2)),
            2,
            EncoderMode::Frozen,
            config.clone(),
            &cpu(),
        )
        .unwrap()
    };
    let mut rng = SmallRng::seed_from_u64(3);
    let mut a = make();
    for _ in 0..3 {
        let (batch, _) = bandit_batch(&mut a, &mut rng, 128);
        a.update(&batch).unwrap();
    }
    let dir = std::env::temp_dir().join(format!("gaitscope-adam-{}", std::process::id()));
    let weights = dir.join("policy.safetensors");
    let moments = dir.join("optimizer.safetensors");
    checkpoint::save(&weights, &a.net.named()).unwrap();
    checkpoint::save_tensors(&moments, a.optimizer_state().unwrap()).unwrap();
    let (batch, _) = bandit_batch(&mut a, &mut rng, 128);
    let resumed = |with_moments: bool| {
        let mut p = make();
        checkpoint::load(&weights, &p.net.named(), &cpu()).unwrap();
        if with_moments {
            let t = candle_core::safetensors::load(&moments, &cpu()).unwrap();
            p.load_optimizer_state(&t).unwrap();
        }
        p.invalidate_cache();
        p.update(&batch).unwrap();
        params(&p)
    };
    a.update(&batch).unwrap();
    let uninterrupted = params(&a);
    let max_diff = |x: &[f32]| {
        x.iter()
            .zip(&uninterrupted)
            .map(|(p, q)| (p - q).abs())
            .fold(0f32, f32::max)
    };
    // One minibatch per update: only the summation order (shuffle) may differ.
    let with = max_diff(&resumed(true));
    let without = max_diff(&resumed(false));
    eprintln!(
        "max parameter difference after resuming: with moments {with:e}, without {without:e}"
    );
    assert!(with < 1e-5, "resumed with moments differs by {with}");
    assert!(
        without > 100.0 * with.max(1e-7),
        "fresh moments should matter: {without}"
    );
    // Moments of another network are refused.
    let mut other = Ppo::new(
        Encoder::none(Normalizer::identity(2)),
        2,
        EncoderMode::Frozen,
        PpoConfig {
            hidden: vec![8],
            ..config.clone()
        },
        &cpu(),
    )
    .unwrap();
    let t = candle_core::safetensors::load(&moments, &cpu()).unwrap();
    assert!(other.load_optimizer_state(&t).is_err());
    let _ = std::fs::remove_dir_all(dir);
}

fn params(p: &Ppo) -> Vec<f32> {
    crate::common::flat_values(&p.net.vars())
}
