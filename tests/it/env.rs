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

fn walking_env(tracking: gaitscope::env::Tracking) -> WalkEnv {
    WalkEnv::new(
        EnvConfig {
            tracking,
            ..EnvConfig::default()
        },
        3,
    )
    .unwrap()
}

#[test]
fn summed_errors_make_the_imitation_kernel_sharp() {
    // Two coordinates 0.3 rad off, speeds exact: the mean scores exp(-2 * 0.09), the sum
    // exp(-2 * 0.18).
    let (q, q_ref, qd) = ([0.3, -0.3], [0.0, 0.0], [0.0, 0.0]);
    let mean = RewardConfig::default();
    let sum = RewardConfig {
        sum_errors: true,
        ..RewardConfig::default()
    };
    let at = |c: &RewardConfig| {
        reward(c, [0.0, 0.0], [0.0, 0.0], &[0, 1], (&q, &qd), (&q_ref, &qd)).imitation
    };
    assert!((at(&mean) - (0.75 * (-0.18f64).exp() + 0.25)).abs() < 1e-12);
    assert!((at(&sum) - (0.75 * (-0.36f64).exp() + 0.25)).abs() < 1e-12);
}

#[test]
fn per_joint_kernels_give_each_coordinate_its_own_share() {
    // Coordinate 0 is 0.3 rad and 1 rad/s off, coordinate 1 exact, weights 3 and 1:
    // pos = (3 exp(-8 * 0.09) + 1) / 4, vel = (3 exp(-0.5 * 1) + 1) / 4.
    let (q, q_ref, qd, qd_ref) = ([0.3, 0.0], [0.0, 0.0], [1.0, 0.0], [0.0, 0.0]);
    let config = RewardConfig {
        per_joint: true,
        pos_scale: 8.0,
        vel_scale: 0.5,
        weights: vec![3.0, 1.0],
        ..RewardConfig::default()
    };
    let r = reward(
        &config,
        [0.0, 0.0],
        [0.0, 0.0],
        &[0, 1],
        (&q, &qd),
        (&q_ref, &qd_ref),
    );
    let pos = (3.0 * (-0.72f64).exp() + 1.0) / 4.0;
    let vel = (3.0 * (-0.5f64).exp() + 1.0) / 4.0;
    assert!((r.imitation - (0.75 * pos + 0.25 * vel)).abs() < 1e-12);
    // One coordinate far off no longer zeroes the signal of the others (the summed kernel's
    // exp(-2 * 4) would).
    let far = reward(
        &config,
        [0.0, 0.0],
        [0.0, 0.0],
        &[0, 1],
        (&[2.0, 0.0], &[0.0, 0.0]),
        (&q_ref, &qd_ref),
    );
    assert!(far.imitation > 0.75 * 0.25 && far.imitation < 0.75 * 0.26 + 0.25);
}

#[test]
fn the_walking_start_moves_at_the_target_speed_and_observes_the_phase() {
    use gaitscope::env::Tracking;
    let env = walking_env(Tracking {
        start_moving: true,
        phase_observation: true,
        ..Tracking::default()
    });
    let model = env.sim().model();
    let tx = model.coordinate_index("pelvis_tx").unwrap();
    let (_, qd) = env.sim().coordinates();
    assert!(
        (qd[tx] - env.target_velocity()[0]).abs() < 1e-6,
        "{}",
        qd[tx]
    );
    assert_eq!(env.observation_size(), 298);
    let obs = env.observation();
    assert_eq!(obs.len(), 298);
    let angle = std::f64::consts::TAU * env.phase();
    assert!((obs[296] - angle.sin()).abs() < 1e-12 && (obs[297] - angle.cos()).abs() < 1e-12);
    // The study's start is at rest.
    let study = WalkEnv::new(EnvConfig::default(), 3).unwrap();
    assert_eq!(study.sim().coordinates().1[tx], 0.0);
}

#[test]
fn lost_tracking_ends_the_episode_as_a_fall() {
    use gaitscope::env::Tracking;
    let steps_to_end = |tracking: Tracking| {
        let mut env = walking_env(tracking);
        for k in 1..=300 {
            let s = env.step(&[0.0; 22]).unwrap();
            if s.terminated {
                return k;
            }
        }
        usize::MAX
    };
    let study = steps_to_end(Tracking::default());
    let joint = steps_to_end(Tracking {
        max_joint_error: Some(0.05),
        ..Tracking::default()
    });
    // At rest, the reference pelvis is 1.25 m/s * t ahead: 2 cm after 0.02 s.
    let lag = steps_to_end(Tracking {
        max_pelvis_lag: Some(0.02),
        ..Tracking::default()
    });
    assert!(joint < study, "joint limit {joint} vs fall {study}");
    assert!((2..=4).contains(&lag), "lag limit ended at step {lag}");
}

#[test]
fn action_repeat_holds_the_action_and_averages_the_reward() {
    use gaitscope::env::Tracking;
    let mut twice = walking_env(Tracking {
        action_repeat: 2,
        ..Tracking::default()
    });
    let mut once = walking_env(Tracking::default());
    let a = [0.3; 22];
    let s2 = twice.step(&a).unwrap();
    let r1 = once.step(&a).unwrap().reward;
    let r2 = once.step(&a).unwrap().reward;
    assert!((twice.sim().time() - 0.02).abs() < 1e-12);
    assert_eq!(twice.sim().coordinates(), once.sim().coordinates());
    assert!((s2.reward - 0.5 * (r1 + r2)).abs() < 1e-12);
    assert_eq!(twice.episode_steps(), 2);
}

#[test]
fn relative_positions_make_the_observation_the_same_anywhere_on_the_floor() {
    // Two walking starts, one carried 7 m forward and 3 m sideways, stepped with the same
    // excitations: with relative positions their observations agree; in the study's ground
    // frame the body positions, the centre of mass and the ground-reaction moments differ by
    // metres (or hundreds of newton metres).
    let run = |relative_positions: bool, shift: [f64; 2]| {
        let mut env = walking_env(gaitscope::env::Tracking {
            start_moving: true,
            relative_positions,
            ..Default::default()
        });
        env.reset();
        let (mut q, qd) = env.sim().coordinates();
        let model = env.sim().model().clone();
        q[model.coordinate_index("pelvis_tx").unwrap()] += shift[0];
        q[model.coordinate_index("pelvis_tz").unwrap()] += shift[1];
        env.set_state(&q, &qd);
        for _ in 0..5 {
            env.step(&[0.2; 22]).unwrap();
        }
        (env.observation().to_vec(), labels(&model))
    };
    let (here, names) = run(true, [0.0, 0.0]);
    let (there, _) = run(true, [7.0, 3.0]);
    for ((a, b), name) in here.iter().zip(&there).zip(&names) {
        // Rounding differs 7 m away, and the contact solve carries it a little.
        assert!((a - b).abs() < 1e-4 * (1.0 + a.abs()), "{name}: {a} vs {b}");
    }
    // Something touches the ground, so the moments are a real check.
    let force_y = names.iter().position(|n| n == "foot_r.force.y").unwrap();
    assert!(
        here[force_y].abs() + here[force_y + 6].abs() > 20.0,
        "{} {}",
        here[force_y],
        here[force_y + 6]
    );
    let (ground_here, _) = run(false, [0.0, 0.0]);
    let (ground_there, _) = run(false, [7.0, 3.0]);
    let moment = |o: &[f64], foot: &str| {
        o[names
            .iter()
            .position(|n| *n == format!("{foot}.torque.z"))
            .unwrap()]
    };
    let moved: f64 = ["foot_r", "foot_l"]
        .iter()
        .map(|f| (moment(&ground_here, f) - moment(&ground_there, f)).abs())
        .sum();
    assert!(moved > 7.0 * 20.0, "{moved}");
    for name in ["pelvis.pos.x", "com.pos.z", "pelvis_tx.value"] {
        let i = names.iter().position(|n| n == name).unwrap();
        assert!(
            (ground_here[i] - ground_there[i]).abs() > 1.0,
            "{name}: {} vs {}",
            ground_here[i],
            ground_there[i]
        );
    }
}
