//! Physics: the passive model falls and rests on the ground, muscles move joints the right way,
//! activation follows the file's time constants, no energy is created, runs are deterministic.

use std::sync::Arc;

use gaitscope::env::{EnvConfig, InitialState, WalkEnv};
use gaitscope::osim::Model;
use gaitscope::sim::muscle::{activation_derivative, MIN_ACTIVATION};
use gaitscope::sim::{SimConfig, Simulation};

fn model() -> Arc<Model> {
    Arc::new(Model::load(gaitscope::default_model_path()).unwrap())
}

#[test]
fn a_passive_model_falls_and_comes_to_rest_on_the_ground() {
    let config = EnvConfig {
        fall_height: -1.0,
        max_steps: 10_000,
        ..EnvConfig::default()
    };
    let mut env = WalkEnv::new(config, 1).unwrap();
    let zero = vec![0.0; env.action_size()];
    let root = env.sim().plan().root_body;
    let start_height = env.sim().body_frames()[root].pos.y;
    let mut deepest_ever: f64 = 0.0;
    let mut deepest_at_rest: f64 = 0.0;
    let mut late_energy: f64 = 0.0;
    for i in 0..400 {
        let step = env.step(&zero).unwrap();
        assert!(!step.diverged, "diverged at step {i}");
        assert!(env.observation().iter().all(|v| v.is_finite()));
        let lowest = env
            .sim()
            .contact_sphere_bottoms()
            .into_iter()
            .fold(f64::INFINITY, f64::min);
        deepest_ever = deepest_ever.min(lowest);
        if i >= 350 {
            late_energy = late_energy.max(env.sim().kinetic_energy());
            deepest_at_rest = deepest_at_rest.min(lowest);
        }
    }
    let end_height = env.sim().body_frames()[root].pos.y;
    assert!(
        end_height < start_height - 0.3,
        "fell from {start_height} to {end_height}"
    );
    assert!(
        end_height > 0.0,
        "the pelvis lies on the ground, not under it: {end_height}"
    );
    assert!(
        late_energy < 0.5,
        "still moving after 3.5 s: {late_energy} J"
    );
    assert!(
        deepest_at_rest > -0.01,
        "feet sink {:.4} m into the ground at rest",
        -deepest_at_rest
    );
    // The collapse itself (2-3 kN on one foot) compresses rapier's soft contact further.
    assert!(
        deepest_ever > -0.05,
        "feet sank {:.4} m at impact",
        -deepest_ever
    );
}

#[test]
fn no_energy_is_created_in_free_flight() {
    // Bare skeleton (no muscles, no limit springs) in zero gravity: kinetic energy is conserved
    // (joint hard limits may only remove it). With passive muscles it can only be dissipated.
    for with_muscles in [false, true] {
        let mut m = (*model()).clone();
        m.gravity = [0.0; 3];
        m.limit_forces.clear();
        if !with_muscles {
            m.muscles.clear();
        }
        let n = m.muscles.len();
        let mut sim = Simulation::new(Arc::new(m), SimConfig::default()).unwrap();
        let (mut q, mut qd) = sim.coordinates();
        q[4] = 2.0;
        for (i, v) in [
            (0, 0.5),
            (6, 2.0),
            (9, -3.0),
            (10, 4.0),
            (11, -1.0),
            (14, 2.0),
        ] {
            qd[i] = v;
        }
        sim.set_state(&q, &qd).unwrap();
        let e0 = sim.kinetic_energy();
        assert!(e0 > 1.0);
        let zero = vec![0.0; n];
        let mut last = e0;
        for _ in 0..100 {
            sim.step(&zero).unwrap();
            last = sim.kinetic_energy();
            if !with_muscles {
                assert!(last <= e0 * 1.01, "{last} > {e0}");
            }
        }
        if with_muscles {
            assert!(last < e0, "passive muscles dissipate: {last} vs {e0}");
        } else {
            assert!(
                last > 0.9 * e0,
                "no large numerical dissipation either: {last} vs {e0}"
            );
        }
    }
}

/// Coordinate change caused by exciting one muscle, relative to all muscles at rest, with the
/// pelvis held in the air.
fn effect(muscle: &str, coordinate: &str) -> f64 {
    let model = model();
    let m = model.muscle_index(muscle).unwrap();
    let c = model.coordinate_index(coordinate).unwrap();
    let run = |excite: bool| {
        let config = SimConfig {
            fixed_root: true,
            ..SimConfig::default()
        };
        let mut sim = Simulation::new(model.clone(), config).unwrap();
        let (mut q, qd) = sim.coordinates();
        q[4] = 1.5;
        // Mid-range pose so that every muscle can act both ways.
        for (name, v) in [
            ("knee_angle_r", -0.5),
            ("hip_flexion_r", 0.3),
            ("ankle_angle_r", 0.0),
        ] {
            q[model.coordinate_index(name).unwrap()] = v;
        }
        sim.set_state(&q, &qd).unwrap();
        let mut u = vec![0.0; 22];
        if excite {
            u[m] = 1.0;
        }
        for _ in 0..10 {
            sim.step(&u).unwrap();
        }
        sim.coordinates().0[c]
    };
    run(true) - run(false)
}

#[test]
fn muscles_move_the_skeleton_the_right_way_through_their_paths() {
    assert!(
        effect("vasti_r", "knee_angle_r") > 0.05,
        "vasti extends the knee"
    );
    assert!(
        effect("bifemsh_r", "knee_angle_r") < -0.05,
        "bifemsh flexes the knee"
    );
    assert!(
        effect("tib_ant_r", "ankle_angle_r") > 0.05,
        "tib_ant dorsiflexes"
    );
    assert!(
        effect("soleus_r", "ankle_angle_r") < -0.05,
        "soleus plantarflexes"
    );
    assert!(
        effect("iliopsoas_r", "hip_flexion_r") > 0.02,
        "iliopsoas flexes the hip"
    );
    assert!(
        effect("glut_max_r", "hip_flexion_r") < -0.02,
        "glut_max extends the hip"
    );
}

#[test]
fn activation_follows_excitation_with_the_files_time_constants() {
    let model = model();
    let m = model.muscle_index("vasti_r").unwrap();
    let muscle = &model.muscles[m];
    assert_eq!(muscle.activation_time_constant, 0.01);
    assert_eq!(muscle.deactivation_time_constant, 0.04);
    let mut sim = Simulation::new(
        model.clone(),
        SimConfig {
            fixed_root: true,
            ..SimConfig::default()
        },
    )
    .unwrap();
    // Reference: RK4 of Thelen's activation ODE with a 0.1 ms step.
    let reference = |a0: f64, u: f64, t: f64| {
        let h = 1e-4;
        let mut a = a0;
        for _ in 0..(t / h).round() as usize {
            let k1 = activation_derivative(muscle, a, u);
            let k2 = activation_derivative(muscle, a + 0.5 * h * k1, u);
            let k3 = activation_derivative(muscle, a + 0.5 * h * k2, u);
            let k4 = activation_derivative(muscle, a + h * k3, u);
            a += h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4);
        }
        a
    };
    let mut u = vec![0.0; 22];
    u[m] = 1.0;
    let mut t = 0.0;
    for _ in 0..5 {
        sim.step(&u).unwrap();
        t += 0.01;
        let want = reference(MIN_ACTIVATION, 1.0, t);
        let got = sim.activations()[m];
        assert!((got - want).abs() < 0.03, "rise at {t}: {got} vs {want}");
    }
    // After 10 ms of full excitation the activation is well on its way (tau 10 ms), not done.
    let a_on = sim.activations()[m];
    assert!(a_on > 0.95);
    u[m] = 0.0;
    let mut t = 0.0;
    for _ in 0..10 {
        sim.step(&u).unwrap();
        t += 0.01;
        let want = reference(a_on, 0.0, t);
        let got = sim.activations()[m];
        assert!((got - want).abs() < 0.03, "fall at {t}: {got} vs {want}");
    }
    // Deactivation is slower than activation (40 ms vs 10 ms).
    assert!(sim.activations()[m] > 0.05);
}

fn rollout(seed: u64) -> Vec<f64> {
    use rand::{Rng, SeedableRng};
    let config = EnvConfig {
        initial_state: InitialState::RandomPhase,
        ..EnvConfig::default()
    };
    let mut env = WalkEnv::new(config, seed).unwrap();
    let mut rng = rand::rngs::SmallRng::seed_from_u64(seed);
    let mut trace = Vec::new();
    for _ in 0..150 {
        let u: Vec<f64> = (0..22).map(|_| rng.gen::<f64>()).collect();
        let s = env.step(&u).unwrap();
        trace.extend_from_slice(env.observation());
        trace.push(s.reward);
        if s.terminated || s.truncated {
            env.reset();
        }
    }
    trace
}

#[test]
fn the_same_seed_gives_the_same_trajectory_bit_for_bit() {
    let a = rollout(7);
    let b = rollout(7);
    assert_eq!(a.len(), b.len());
    assert!(a.iter().zip(&b).all(|(x, y)| x.to_bits() == y.to_bits()));
    let c = rollout(8);
    assert!(a.iter().zip(&c).any(|(x, y)| x != y));
}

#[test]
fn reset_restores_the_initial_state() {
    let mut env = WalkEnv::new(EnvConfig::default(), 3).unwrap();
    let first = env.observation().to_vec();
    let u = vec![0.3; 22];
    for _ in 0..30 {
        env.step(&u).unwrap();
    }
    assert_ne!(env.observation(), &first[..]);
    env.reset();
    assert!(env
        .observation()
        .iter()
        .zip(&first)
        .all(|(x, y)| x.to_bits() == y.to_bits()));
}

#[test]
fn coordinates_and_speeds_round_trip_through_the_multibody() {
    let mut m = (*model()).clone();
    m.gravity = [0.0; 3];
    m.muscles.clear();
    let model = Arc::new(m);
    let mut sim = Simulation::new(model.clone(), SimConfig::default()).unwrap();
    let q: Vec<f64> = vec![
        0.1, -0.05, 0.2, 0.0, 1.2, 0.0, 0.3, 0.1, 0.0, -0.6, 0.2, -0.2, -0.05, 0.0, -0.3, 0.1,
        -0.0872665,
    ];
    let qd: Vec<f64> = vec![
        0.5, -0.3, 0.8, 1.2, -0.1, 0.2, 2.0, -1.0, 0.0, -3.0, 4.0, -1.0, 0.5, 0.0, 2.0, -2.0, 0.0,
    ];
    sim.set_state(&q, &qd).unwrap();
    let (q2, qd2) = sim.coordinates();
    for i in 0..q.len() {
        assert!(
            (q[i] - q2[i]).abs() < 1e-5,
            "{}: {} vs {}",
            model.coordinates[i].name,
            q[i],
            q2[i]
        );
        assert!(
            (qd[i] - qd2[i]).abs() < 1e-4,
            "{} speed: {} vs {}",
            model.coordinates[i].name,
            qd[i],
            qd2[i]
        );
    }
    // The dynamics moves the model with those speeds: after 10 ms in free flight the pelvis has
    // travelled about qd * dt.
    sim.step(&[]).unwrap();
    let (q3, _) = sim.coordinates();
    for name in ["pelvis_tx", "pelvis_tz"] {
        let i = model.coordinate_index(name).unwrap();
        let moved = q3[i] - q[i];
        assert!(
            (moved - qd[i] * 0.01).abs() < 0.002,
            "{name} moved {moved}, expected {}",
            qd[i] * 0.01
        );
    }
}

/// Whole-body centre of mass (world).
fn centre_of_mass(sim: &Simulation) -> [f64; 3] {
    let frames = sim.body_frames();
    let model = sim.model();
    let (mut sum, mut mass) = ([0.0; 3], 0.0);
    for (body, frame) in model.bodies.iter().zip(&frames) {
        let c = frame.point(rapier3d::glamx::DVec3::from_array(body.mass_center));
        for (s, v) in sum.iter_mut().zip(c.to_array()) {
            *s += body.mass * v;
        }
        mass += body.mass;
    }
    sum.map(|s| s / mass)
}

#[test]
fn a_push_gives_the_body_the_momentum_of_its_impulse() {
    // In free flight without gravity, a 100 N push on the pelvis for 0.1 s adds 10 N s of
    // momentum: afterwards the centre of mass moves at a constant 10 / mass m/s along the push.
    // (Measured for the note: an upward push delivers it to 2 %; a forward or sideways one
    // to +30 % and +37 %, with the momentum constant afterwards. So only the direction and the
    // constancy are asserted sideways; the excess is an open question about rapier's
    // multibody, see the README.)
    let mut m = (*model()).clone();
    m.gravity = [0.0; 3];
    m.limit_forces.clear();
    m.muscles.clear();
    let mass = m.total_mass();
    let mut sim = Simulation::new(Arc::new(m), SimConfig::default()).unwrap();
    let (mut q, qd) = sim.coordinates();
    q[4] = 2.0;
    sim.set_state(&q, &qd).unwrap();
    sim.save_snapshot();
    let expected = 10.0 / mass;
    for axis in [1, 2] {
        sim.restore_snapshot();
        sim.set_time(0.0);
        let before = centre_of_mass(&sim);
        let mut force = [0.0; 3];
        force[axis] = 100.0;
        sim.push(force, 0.1);
        let mut com = Vec::new();
        for _ in 0..3 {
            for _ in 0..10 {
                sim.step(&[]).unwrap();
            }
            com.push(centre_of_mass(&sim));
        }
        let v1 = (com[1][axis] - com[0][axis]) / 0.1;
        let v2 = (com[2][axis] - com[1][axis]) / 0.1;
        assert!(
            (v1 - v2).abs() < 0.01 * v1,
            "axis {axis}: momentum after the push {v1} vs {v2}"
        );
        assert!(
            com[0][axis] > before[axis] && v1 > 0.9 * expected,
            "axis {axis}: {v1} m/s"
        );
        if axis == 1 {
            assert!(
                (v1 - expected).abs() < 0.03 * expected,
                "{v1} m/s, expected {expected}"
            );
        }
    }
    // An invalid push is ignored rather than turned into NaN.
    sim.push([f64::NAN, 0.0, 0.0], 0.1);
    sim.step(&[]).unwrap();
    assert!(centre_of_mass(&sim).iter().all(|v| v.is_finite()));
}
