//! The action distributions: SB3's formulas in a case computed by hand, the entropy bonus that
//! cannot push the mean, clipping after the rollout stores the sample, and PPO still learning a
//! small task with each distribution, in both update paths.

use candle_core::{Device, Tensor};
use gaitscope::learn::distribution::ActionDistribution;
use gaitscope::learn::encoder::{Encoder, Normalizer};
use gaitscope::learn::policy::{gaussian_log_prob, squashed_log_prob};
use gaitscope::learn::ppo::{EncoderMode, Ppo, PpoConfig};
use gaitscope::learn::rollout::RolloutBuffer;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

const BOTH: [ActionDistribution; 2] = [
    ActionDistribution::ClippedGaussian,
    ActionDistribution::SquashedGaussian,
];

// The hand case: mean (0.2, 0.7), log_std (-0.5, 0.3), stored sample u = (0.5, 1.4).
const MEAN: [f32; 2] = [0.2, 0.7];
const LOG_STD: [f32; 2] = [-0.5, 0.3];
const U: [f32; 2] = [0.5, 1.4];
/// SB3 `DiagGaussianDistribution.log_prob`: sum of `-(u-m)^2 / (2 s^2) - ln s - ln sqrt(2 pi)`.
const GAUSSIAN_LOG_PROB: f64 = -1.894_658_599_533_039;
/// SB3 `SquashedDiagGaussianDistribution.log_prob` of `tanh(u)`, `- sum ln(1 - tanh(u)^2)`
/// (without its 1e-6), plus `2 ln 2` for the rescale of [-1, 1] onto [0, 1].
const SQUASHED_LOG_PROB: f64 = 1.263_636_066_959_459;
/// SB3 `DiagGaussianDistribution.entropy`: sum of `1/2 + ln sqrt(2 pi) + ln s`.
const ENTROPY: f64 = 2.637_877_066_409_345;

#[test]
fn log_probabilities_and_entropy_match_sb3_formulas_in_a_hand_computed_case() {
    let inv_var: Vec<f32> = LOG_STD.iter().map(|s| (-2.0 * s).exp()).collect();
    let sum: f32 = LOG_STD.iter().sum();
    let clipped = ActionDistribution::ClippedGaussian.log_prob(&MEAN, &U, &inv_var, sum);
    let squashed = ActionDistribution::SquashedGaussian.log_prob(&MEAN, &U, &inv_var, sum);
    assert!(
        (clipped as f64 - GAUSSIAN_LOG_PROB).abs() < 1e-5,
        "{clipped}"
    );
    assert!(
        (squashed as f64 - SQUASHED_LOG_PROB).abs() < 1e-5,
        "{squashed}"
    );
    for d in BOTH {
        assert!((d.entropy(&LOG_STD) - ENTROPY).abs() < 1e-6);
    }
    // The candle path's tensors give the same numbers.
    let dev = Device::Cpu;
    let mean = Tensor::new(&[MEAN], &dev).unwrap();
    let log_std = Tensor::new(&LOG_STD, &dev).unwrap();
    let u = Tensor::new(&[U], &dev).unwrap();
    let g = gaussian_log_prob(&mean, &log_std, &u)
        .unwrap()
        .to_vec1::<f32>()
        .unwrap()[0];
    let s = squashed_log_prob(&mean, &log_std, &u)
        .unwrap()
        .to_vec1::<f32>()
        .unwrap()[0];
    assert!((g as f64 - GAUSSIAN_LOG_PROB).abs() < 1e-5, "{g}");
    assert!((s as f64 - SQUASHED_LOG_PROB).abs() < 1e-5, "{s}");
}

#[test]
fn actions_are_the_sample_clipped_or_squashed() {
    let c = ActionDistribution::ClippedGaussian;
    assert_eq!(
        [c.action(-0.7), c.action(0.4), c.action(1.8)],
        [0.0, 0.4, 1.0]
    );
    let s = ActionDistribution::SquashedGaussian;
    assert!((s.action(0.0) - 0.5).abs() < 1e-7);
    assert!((s.action(1.0) - (1f32.tanh() + 1.0) / 2.0).abs() < 1e-7);
    assert_eq!("clipped-gaussian".parse::<ActionDistribution>(), Ok(c));
    assert_eq!("SquashedGaussian".parse::<ActionDistribution>(), Ok(s));
    assert!("beta".parse::<ActionDistribution>().is_err());
}

fn ppo(distribution: ActionDistribution, mode: EncoderMode, ent_coef: f64, seed: u64) -> Ppo {
    let config = PpoConfig {
        hidden: vec![32, 32],
        batch_size: 64,
        epochs: 4,
        lr: 3e-3,
        ent_coef,
        distribution,
        seed,
        ..PpoConfig::default()
    };
    let encoder = Encoder::none(Normalizer::identity(2));
    Ppo::new(encoder, 2, mode, config, &Device::Cpu).unwrap()
}

#[test]
fn the_rollout_stores_the_unclipped_sample_and_the_environment_gets_it_clipped() {
    let mut p = ppo(
        ActionDistribution::ClippedGaussian,
        EncoderMode::Frozen,
        0.0,
        1,
    );
    let nets = p.rollout_policy().unwrap();
    let obs = [0.3f32, -0.4];
    let mean = nets.act(&obs, 1, &[0.0, 0.0]).u;
    // log_std starts at 0 (std 1): noise (-3, +3) takes both samples out of [0, 1].
    let acts = nets.act(&obs, 1, &[-3.0, 3.0]);
    assert!(
        (acts.u[0] - (mean[0] - 3.0)).abs() < 1e-6 && (acts.u[1] - (mean[1] + 3.0)).abs() < 1e-6
    );
    assert_eq!(acts.a, vec![0.0, 1.0]);
    // The log-probability is the Gaussian density of the stored (unclipped) sample.
    let want = -2.0 * 0.918_938_5 - 0.5 * (9.0 + 9.0);
    assert!(
        (acts.log_prob[0] - want).abs() < 1e-4,
        "{}",
        acts.log_prob[0]
    );
    // SB3's initialisation: the policy head's gain 0.01 keeps the initial mean near 0.
    assert!(mean.iter().all(|m| m.abs() < 0.05), "{mean:?}");
}

fn policy_params(p: &Ppo) -> Vec<f32> {
    crate::common::flat_values(&p.net.policy.vars())
}

fn log_std(p: &Ppo) -> Vec<f32> {
    p.net.log_std.as_tensor().to_vec1::<f32>().unwrap()
}

/// A rollout of the policy's own samples whose advantages are all zero: only the entropy bonus
/// (and the value loss) has a gradient.
fn zero_advantage_batch(p: &mut Ppo, n: usize, rng: &mut SmallRng) -> RolloutBuffer {
    let obs: Vec<f32> = (0..2 * n).map(|_| rng.gen_range(-1.0..1.0)).collect();
    let acts = p.act(&obs, false).unwrap();
    RolloutBuffer {
        obs,
        u: acts.u,
        log_prob: acts.log_prob,
        advantages: vec![0.0; n],
        returns: acts.value.clone(),
        values: acts.value,
        ..RolloutBuffer::default()
    }
}

#[test]
fn the_entropy_bonus_at_stored_samples_does_not_move_the_mean_and_raises_log_std() {
    for distribution in BOTH {
        for mode in [EncoderMode::Frozen, EncoderMode::Adapt] {
            let mut p = ppo(distribution, mode, 0.01, 4);
            let mut rng = SmallRng::seed_from_u64(9);
            let before = (policy_params(&p), log_std(&p));
            for _ in 0..3 {
                let batch = zero_advantage_batch(&mut p, 256, &mut rng);
                p.update(&batch).unwrap();
            }
            let after = (policy_params(&p), log_std(&p));
            let moved = before
                .0
                .iter()
                .zip(&after.0)
                .map(|(a, b)| (a - b).abs())
                .fold(0f32, f32::max);
            assert!(
                moved < 1e-7,
                "{distribution:?} {mode:?}: the mean network moved {moved}"
            );
            for (b, a) in before.1.iter().zip(&after.1) {
                assert!(a > b, "{distribution:?} {mode:?}: log_std {b} -> {a}");
            }
        }
    }
}

/// A one-step task: observe x in [-1, 1]^2, reward -(a0 - (x0 + 1)/2)^2 - (a1 - 0.2)^2.
fn bandit_round(p: &mut Ppo, rng: &mut SmallRng, n: usize) -> (RolloutBuffer, f64) {
    let obs: Vec<f32> = (0..2 * n).map(|_| rng.gen_range(-1.0..1.0)).collect();
    let acts = p.act(&obs, false).unwrap();
    let rewards: Vec<f32> = (0..n)
        .map(|i| {
            let t0 = (obs[2 * i] + 1.0) / 2.0;
            -((acts.a[2 * i] - t0).powi(2) + (acts.a[2 * i + 1] - 0.2).powi(2))
        })
        .collect();
    let mean = rewards.iter().map(|r| *r as f64).sum::<f64>() / n as f64;
    let advantages = rewards
        .iter()
        .zip(&acts.value)
        .map(|(r, v)| r - v)
        .collect();
    let batch = RolloutBuffer {
        obs,
        u: acts.u,
        log_prob: acts.log_prob,
        advantages,
        returns: rewards,
        values: acts.value,
        ..RolloutBuffer::default()
    };
    (batch, mean)
}

#[test]
fn ppo_learns_a_two_dimensional_control_task_with_each_distribution_and_path() {
    for distribution in BOTH {
        for mode in [EncoderMode::Frozen, EncoderMode::Adapt] {
            let mut p = ppo(distribution, mode, 0.0, 1);
            let mut rng = SmallRng::seed_from_u64(1);
            let (_, first) = bandit_round(&mut p, &mut rng, 512);
            let mut last = first;
            for _ in 0..80 {
                let (batch, mean) = bandit_round(&mut p, &mut rng, 512);
                p.update(&batch).unwrap();
                last = mean;
            }
            assert!(first < -0.1, "{distribution:?} {mode:?}: untrained {first}");
            assert!(last > -0.03, "{distribution:?} {mode:?}: {first} -> {last}");
        }
    }
}

#[test]
fn the_expected_excitation_matches_numerical_integration() {
    // E[f(u)], u ~ N(m, s), by a fine midpoint rule over m +- 8 s.
    let numeric = |d: ActionDistribution, m: f32, s: f32| {
        let n = 200_000;
        let h = 16.0 / n as f64;
        (0..n)
            .map(|i| {
                let z = -8.0 + (i as f64 + 0.5) * h;
                let pdf = (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt();
                pdf * d.action((m as f64 + s as f64 * z) as f32) as f64 * h
            })
            .sum::<f64>()
    };
    for d in BOTH {
        for (m, s) in [
            (0.3f32, 0.1f32),
            (-0.5, 1.0),
            (1.7, 3.0),
            (0.2, 10.0),
            (0.9, 1e-4),
        ] {
            let e = d.expected_action(m, s) as f64;
            let want = numeric(d, m, s);
            assert!((e - want).abs() < 2e-4, "{d:?} m {m} s {s}: {e} vs {want}");
        }
    }
    // A tiny std gives the action of the mean; a huge one gives a fair coin between 0 and 1.
    let c = ActionDistribution::ClippedGaussian;
    assert!((c.expected_action(0.4, 1e-6) - 0.4).abs() < 1e-5);
    assert!((c.expected_action(3.0, 1000.0) - 0.5).abs() < 0.01);
}

#[test]
fn the_live_view_acts_with_the_expected_excitation_of_a_wide_clipped_policy() {
    use gaitscope::learn::snapshot::PolicySnapshot;
    let config = PpoConfig {
        hidden: vec![16],
        log_std_init: 2.0,
        ..PpoConfig::default()
    };
    let p = Ppo::new(
        Encoder::none(Normalizer::identity(2)),
        2,
        EncoderMode::Frozen,
        config,
        &Device::Cpu,
    )
    .unwrap();
    let snap = PolicySnapshot::from_networks(&p.encoder, &p.net).unwrap();
    let raw = [0.4, -0.2];
    let mean_action = snap.act(&raw);
    let expected = snap.act_expected(&raw);
    let std = 2f32.exp();
    for k in 0..2 {
        // Near-zero initial mean: the clipped mean is about 0, the expected excitation about 0.5.
        let want = ActionDistribution::ClippedGaussian
            .expected_action(mean_action[k].max(0.0) as f32, std) as f64;
        assert!(mean_action[k] < 0.05, "{mean_action:?}");
        assert!(
            expected[k] > 0.4 && (expected[k] - want).abs() < 0.01,
            "{expected:?} vs {want}"
        );
    }
}
