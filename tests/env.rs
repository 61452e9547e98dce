//! The environment: observation layout, reward, termination versus truncation.

use gaitscope::env::observation::{labels, size};
use gaitscope::env::reward::{reward, RewardConfig};
use gaitscope::env::{EnvConfig, WalkEnv};

#[test]
fn the_observation_has_the_studys_296_values() {
    let env = WalkEnv::new(EnvConfig::default(), 0).unwrap();
    let model = env.sim().model();
    assert_eq!(size(model), 296);
    assert_eq!(env.observation().len(), 296);
    let names = labels(model);
    assert_eq!(names.len(), 296);
    assert_eq!(names[0], "pelvis.pos.x");
    assert_eq!(names[156], "abd_r.force");
    assert_eq!(names[244], "pelvis_tilt.value");
    assert_eq!(names[278], "com.pos.x");
    assert_eq!(names[284], "foot_r.force.x");
    assert!(env.observation().iter().all(|v| v.is_finite()));
    // Standing on the ground at reset: the feet carry weight after one step.
    let mut env = env;
    for _ in 0..10 {
        env.step(&[0.0; 22]).unwrap();
    }
    let obs = env.observation();
    let weight = obs[285] + obs[291];
    let mg = env.sim().model().total_mass() * 9.80665;
    assert!(
        weight > 0.3 * mg && weight < 3.0 * mg,
        "vertical GRF {weight} N vs body weight {mg} N"
    );
}

#[test]
fn the_reward_is_the_studys_formula() {
    let config = RewardConfig::default();
    let idx = [0usize, 1];
    let q = [0.1, 0.2];
    let qd = [1.0, -1.0];
    let perfect = reward(&config, [1.2, 0.0], [1.2, 0.0], &idx, (&q, &qd), (&q, &qd));
    assert!((perfect.total - 1.0).abs() < 1e-12);
    let q_ref = [0.0, 0.0];
    let qd_ref = [0.0, 0.0];
    let r = reward(
        &config,
        [1.2, 0.0],
        [0.2, 0.5],
        &idx,
        (&q, &qd),
        (&q_ref, &qd_ref),
    );
    let d_pos = (0.01 + 0.04) / 2.0;
    let d_vel = (1.0 + 1.0) / 2.0;
    let imitation = 0.75 * (-2.0f64 * d_pos).exp() + 0.25 * (-0.1f64 * d_vel).exp();
    let goal = (-8.0f64 * (1.0 + 0.25)).exp();
    assert!((r.imitation - imitation).abs() < 1e-12);
    assert!((r.goal - goal).abs() < 1e-12);
    assert!((r.total - (0.6 * imitation + 0.4 * goal)).abs() < 1e-12);
}

#[test]
fn a_fall_terminates_and_the_time_limit_truncates() {
    let mut env = WalkEnv::new(
        EnvConfig {
            max_steps: 2000,
            ..EnvConfig::default()
        },
        0,
    )
    .unwrap();
    let zero = vec![0.0; 22];
    let mut ended = None;
    for i in 1..=2000 {
        let s = env.step(&zero).unwrap();
        if s.terminated || s.truncated {
            ended = Some((i, s));
            break;
        }
    }
    let (steps, s) = ended.expect("a passive model falls");
    assert!(
        s.terminated && !s.truncated && steps < 300,
        "fell at step {steps}"
    );

    let mut env = WalkEnv::new(
        EnvConfig {
            max_steps: 5,
            fall_height: -10.0,
            ..EnvConfig::default()
        },
        0,
    )
    .unwrap();
    for i in 1..=5 {
        let s = env.step(&zero).unwrap();
        assert!(!s.terminated);
        assert_eq!(s.truncated, i == 5);
    }
}

#[test]
fn reset_starts_at_the_reference_pose_on_the_ground() {
    let env = WalkEnv::new(EnvConfig::default(), 0).unwrap();
    let (q, _) = env.sim().coordinates();
    let (q_ref, _) = env.reference_now();
    let model = env.sim().model();
    for name in [
        "hip_flexion_r",
        "knee_angle_r",
        "ankle_angle_l",
        "pelvis_tilt",
    ] {
        let c = model.coordinate_index(name).unwrap();
        assert!(
            (q[c] - q_ref[c]).abs() < 1e-5,
            "{name}: {} vs {}",
            q[c],
            q_ref[c]
        );
    }
    let lowest = env
        .sim()
        .contact_sphere_bottoms()
        .into_iter()
        .fold(f64::INFINITY, f64::min);
    assert!((lowest - 0.001).abs() < 2e-4, "lowest sphere at {lowest}");
}
