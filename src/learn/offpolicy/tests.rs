//! The off-policy learners on the point-mass task, and their formulas on hand-built cases.

use candle_core::{Device, Tensor};
use rand::rngs::SmallRng;
use rand::SeedableRng;

use super::sac::Sac;
use super::td3::Td3;
use super::*;
use crate::learn::encoder::{Encoder, Normalizer};
use crate::learn::replay::ReplayBuffer;
use crate::learn::snapshot::FeatureMap;
use crate::learn::toy::PointMass;

fn small(algo: OffPolicyAlgo) -> OffPolicyConfig {
    OffPolicyConfig {
        hidden: vec![32, 32],
        batch_size: 64,
        buffer_size: 10_000,
        gamma: 0.9,
        learning_starts: 200,
        ..OffPolicyConfig::seed004(algo)
    }
}

/// Trains on the point mass for `steps` transitions (one gradient step each after the random
/// start), as the training loop does; returns the deterministic policy's mean return before
/// and after.
fn train_point_mass(algo: OffPolicyAlgo, config: &OffPolicyConfig, steps: usize) -> (f32, f32) {
    let dev = Device::Cpu;
    let mut learner = new_learner(algo, 2, 2, config, 3, &dev).unwrap();
    let map = FeatureMap::from_encoder(&Encoder::none(Normalizer::identity(2))).unwrap();
    let score = |l: &dyn OffPolicyLearner| {
        let p = l.exploration(map.clone()).unwrap();
        PointMass::evaluate(&mut |s| p.act_deterministic(s, 1), 20)
    };
    let before = score(learner.as_ref());
    let mut env = PointMass::new(1);
    let mut rng = SmallRng::seed_from_u64(2);
    let mut buffer = ReplayBuffer::new(config.buffer_size, 2, 2);
    let mut s = env.reset();
    let mut policy = learner.exploration(map.clone()).unwrap();
    for t in 0..steps {
        let a = policy.act(&s, 1, &mut rng, t < config.learning_starts);
        let (next, r, truncated) = env.step(&a);
        let mut batch = crate::learn::replay::Transitions::new(2, 2);
        batch.push(&s, &a, r, &next, false);
        buffer.add(&batch);
        s = if truncated { env.reset() } else { next };
        if t >= config.learning_starts {
            let stats = learner.train(&buffer, 1).unwrap();
            assert!(stats.critic_loss.is_finite());
            policy = learner.exploration(map.clone()).unwrap();
        }
    }
    (before, score(learner.as_ref()))
}

#[test]
fn td3_ddpg_and_sac_learn_to_bring_the_point_mass_home() {
    let expert = PointMass::evaluate(&mut |s| PointMass::expert(s).to_vec(), 20);
    let random = {
        let mut rng = SmallRng::seed_from_u64(5);
        PointMass::evaluate(
            &mut |_| vec![rand::Rng::gen_range(&mut rng, -1.0..1.0); 2],
            20,
        )
    };
    for algo in [OffPolicyAlgo::Td3, OffPolicyAlgo::Ddpg, OffPolicyAlgo::Sac] {
        let mut config = small(algo);
        if algo == OffPolicyAlgo::Sac {
            config.ent_coef = None;
            config.lr = 1e-3;
        }
        let (before, after) = train_point_mass(algo, &config, 2500);
        // The expert scores about -1.5, a random policy about -6.
        assert!(
            after > 0.5 * expert + 0.5 * random.min(before) && after > before,
            "{algo:?}: before {before}, after {after}, expert {expert}, random {random}"
        );
    }
}

fn batch(n: usize, rng: &mut SmallRng) -> Batch {
    let dev = Device::Cpu;
    let t = |cols: usize, rng: &mut SmallRng| randn((n, cols), 1.0, rng, &dev).unwrap();
    Batch {
        features: t(3, rng),
        actions: t(2, rng).tanh().unwrap(),
        rewards: t(1, rng).squeeze(1).unwrap(),
        next_features: t(3, rng),
        not_done: Tensor::from_vec((0..n).map(|i| (i % 3 != 0) as u8 as f32).collect(), n, &dev)
            .unwrap(),
    }
}

#[test]
fn td3s_target_takes_the_smaller_of_its_two_target_critics() {
    let dev = Device::Cpu;
    let config = OffPolicyConfig {
        target_policy_noise: 0.0,
        ..small(OffPolicyAlgo::Td3)
    };
    let mut td3 = Td3::new(3, 2, &config, true, 7, &dev).unwrap();
    let b = batch(16, &mut SmallRng::seed_from_u64(1));
    let target: Vec<f32> = td3.target(&b).unwrap().to_vec1().unwrap();
    // By hand: a' = tanh(mu_targ(s')), both target critics (copies of the critics at the
    // start), r + gamma (1 - d) min(q1, q2).
    let next = td3.actor.forward(&b.next_features).unwrap().tanh().unwrap();
    let qs = q_values(&td3.critics.nets, &b.next_features, &next).unwrap();
    let q1: Vec<f32> = qs[0].to_vec1().unwrap();
    let q2: Vec<f32> = qs[1].to_vec1().unwrap();
    let r: Vec<f32> = b.rewards.to_vec1().unwrap();
    let nd: Vec<f32> = b.not_done.to_vec1().unwrap();
    let mut differ = 0;
    for i in 0..16 {
        let want = r[i] + config.gamma as f32 * nd[i] * q1[i].min(q2[i]);
        assert!(
            (target[i] - want).abs() < 1e-5,
            "{i}: {} vs {want}",
            target[i]
        );
        differ += usize::from((q1[i] - q2[i]).abs() > 1e-3);
    }
    assert!(differ > 8, "the two critics should differ ({differ} rows)");
}

#[test]
fn sacs_temperature_moves_toward_its_target_entropy() {
    let dev = Device::Cpu;
    let mut buffer = ReplayBuffer::new(1000, 3, 2);
    let mut rng = SmallRng::seed_from_u64(4);
    let b = batch(500, &mut rng);
    let mut t = crate::learn::replay::Transitions::new(3, 2);
    t.features = b.features.flatten_all().unwrap().to_vec1().unwrap();
    t.actions = b.actions.flatten_all().unwrap().to_vec1().unwrap();
    t.rewards = b.rewards.to_vec1().unwrap();
    t.next_features = b.next_features.flatten_all().unwrap().to_vec1().unwrap();
    t.terminated = vec![0.0; 500];
    buffer.add(&t);
    for (target, rises) in [(-50.0, false), (50.0, true)] {
        let config = OffPolicyConfig {
            ent_coef: None,
            target_entropy: Some(target),
            ..small(OffPolicyAlgo::Sac)
        };
        let mut sac = Sac::new(3, 2, &config, 1, &dev).unwrap();
        assert!((sac.ent_coef().unwrap() - 1.0).abs() < 1e-6);
        sac.train(&buffer, 20).unwrap();
        let alpha = sac.ent_coef().unwrap();
        // Adam moves log alpha by about lr per step: 20 steps of 3e-4.
        let moved = alpha.ln();
        if rises {
            assert!(moved > 0.004, "target {target}: log alpha {moved}");
        } else {
            assert!(moved < -0.004, "target {target}: log alpha {moved}");
        }
    }
}

#[test]
fn polyak_mixes_tau_of_the_source_into_the_target() {
    let dev = Device::Cpu;
    let t = Var::from_tensor(&Tensor::new(&[1.0f32, 2.0], &dev).unwrap()).unwrap();
    let s = Var::from_tensor(&Tensor::new(&[3.0f32, -2.0], &dev).unwrap()).unwrap();
    polyak(std::slice::from_ref(&t), &[s], 0.25).unwrap();
    let v: Vec<f32> = t.as_tensor().to_vec1().unwrap();
    assert_eq!(v, vec![1.5, 1.0]);
}

#[test]
fn sacs_log_probability_is_the_squashed_gaussians_density() {
    // One action, mean 0, log_std 0 (zero weights): log pi(a) = log N(u; 0, 1) - log(1 - a^2).
    let dev = Device::Cpu;
    let config = small(OffPolicyAlgo::Sac);
    let mut sac = Sac::new(1, 1, &config, 1, &dev).unwrap();
    let zero = |v: &Var| v.set(&v.as_tensor().zeros_like().unwrap()).unwrap();
    sac.mean.vars().iter().for_each(zero);
    zero(&sac.log_std_head.weight);
    zero(&sac.log_std_head.bias);
    let f = Tensor::zeros((4, 1), candle_core::DType::F32, &dev).unwrap();
    let (a, logp) = sac.sample(&f).unwrap();
    let a: Vec<f32> = a.squeeze(1).unwrap().to_vec1().unwrap();
    let logp: Vec<f32> = logp.to_vec1().unwrap();
    for (a, lp) in a.iter().zip(&logp) {
        let u = a.atanh();
        let want = -0.5 * u * u - 0.918_938_5 - (1.0 - a * a + 1e-6).ln();
        assert!((lp - want).abs() < 1e-3, "a {a}: {lp} vs {want}");
    }
}

/// A replay buffer of `n` random transitions (3 features, 2 actions in [-1, 1], a third of
/// them terminal).
fn random_buffer(n: usize, seed: u64) -> ReplayBuffer {
    let mut rng = SmallRng::seed_from_u64(seed);
    let mut t = crate::learn::replay::Transitions::new(3, 2);
    let mut v = |k: usize| -> Vec<f32> { (0..k).map(|_| normal(&mut rng) as f32).collect() };
    for i in 0..n {
        let (f, a, r, nf) = (v(3), v(2), v(1)[0], v(3));
        let a: Vec<f32> = a.iter().map(|x| x.tanh()).collect();
        t.push(&f, &a, r, &nf, i % 3 == 0);
    }
    let mut buffer = ReplayBuffer::new(n, 3, 2);
    buffer.add(&t);
    buffer
}

#[test]
fn the_plain_td3_step_is_the_candle_step() {
    // Same seed, same batches and target noise: after 6 gradient steps (3 of them policy
    // steps with Polyak updates) both paths hold the same networks, for TD3 and DDPG.
    let dev = Device::Cpu;
    let buffer = random_buffer(500, 3);
    for twin in [true, false] {
        let config = small(if twin {
            OffPolicyAlgo::Td3
        } else {
            OffPolicyAlgo::Ddpg
        });
        let mut candle = Td3::new(3, 2, &config, twin, 11, &dev).unwrap();
        let mut plain = Td3::new(3, 2, &config, twin, 11, &dev).unwrap();
        let (critic, actor) = candle.train_candle(&buffer, 6).unwrap();
        let stats = plain.train(&buffer, 6).unwrap();
        assert_eq!(stats.actor_steps, if twin { 3 } else { 6 });
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-4 * (1.0 + b.abs());
        assert!(
            close(stats.critic_loss * 6.0, critic),
            "{stats:?} vs {critic}"
        );
        let actor_mean = actor / stats.actor_steps as f64;
        assert!(
            close(stats.actor_loss, actor_mean),
            "{stats:?} vs {actor_mean}"
        );
        let (a, b) = (candle.named(), plain.named());
        assert_eq!(a.len(), b.len());
        for ((name, x), (_, y)) in a.iter().zip(&b) {
            let x: Vec<f32> = x.as_tensor().flatten_all().unwrap().to_vec1().unwrap();
            let y: Vec<f32> = y.as_tensor().flatten_all().unwrap().to_vec1().unwrap();
            let worst = x
                .iter()
                .zip(&y)
                .map(|(p, q)| (p - q).abs())
                .fold(0.0f32, f32::max);
            assert!(worst < 2e-5, "twin {twin}: {name} differs by {worst}");
        }
        // The networks moved: the check above is not two untouched copies.
        let fresh = Td3::new(3, 2, &config, twin, 11, &dev).unwrap();
        let moved = |v: &candle_core::Var| -> Vec<f32> {
            v.as_tensor().flatten_all().unwrap().to_vec1().unwrap()
        };
        assert_ne!(moved(&fresh.named()[0].1), moved(&b[0].1));
    }
}

/// The largest difference between the two learners' variables, by name.
fn worst_difference(
    a: &[(String, candle_core::Var)],
    b: &[(String, candle_core::Var)],
) -> (String, f32) {
    assert_eq!(a.len(), b.len());
    let mut worst = (String::new(), 0.0f32);
    for ((name, x), (_, y)) in a.iter().zip(b) {
        let x: Vec<f32> = x.as_tensor().flatten_all().unwrap().to_vec1().unwrap();
        let y: Vec<f32> = y.as_tensor().flatten_all().unwrap().to_vec1().unwrap();
        for (p, q) in x.iter().zip(&y) {
            if (p - q).abs() > worst.1 {
                worst = (name.clone(), (p - q).abs());
            }
        }
    }
    worst
}

#[test]
fn the_plain_sac_step_is_the_candle_step() {
    // Same seed, batches and noise: after 6 gradient steps both paths hold the same actor,
    // critics, targets and temperature, tuned or fixed.
    let dev = Device::Cpu;
    let buffer = random_buffer(500, 5);
    for ent_coef in [None, Some(0.05)] {
        let config = OffPolicyConfig {
            ent_coef,
            lr: 3e-3,
            ..small(OffPolicyAlgo::Sac)
        };
        let mut candle = Sac::new(3, 2, &config, 13, &dev).unwrap();
        let mut plain = Sac::new(3, 2, &config, 13, &dev).unwrap();
        let sums = candle.train_candle(&buffer, 6).unwrap();
        let stats = plain.train(&buffer, 6).unwrap();
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-4 * (1.0 + b.abs());
        assert!(
            close(stats.critic_loss * 6.0, sums[0]),
            "{stats:?} vs {sums:?}"
        );
        assert!(
            close(stats.actor_loss * 6.0, sums[1]),
            "{stats:?} vs {sums:?}"
        );
        assert!(close(stats.entropy * 6.0, sums[2]), "{stats:?} vs {sums:?}");
        assert!(close(stats.ent_coef, candle.ent_coef().unwrap()));
        let (name, worst) = worst_difference(&candle.named(), &plain.named());
        assert!(
            worst < 2e-5,
            "ent_coef {ent_coef:?}: {name} differs by {worst}"
        );
        let fresh = Sac::new(3, 2, &config, 13, &dev).unwrap();
        let (_, moved) = worst_difference(&fresh.named(), &plain.named());
        assert!(moved > 1e-3, "the networks did not move ({moved})");
        if ent_coef.is_none() {
            assert_ne!(
                plain.ent_coef().unwrap(),
                1.0,
                "the temperature did not move"
            );
        }
    }
}
