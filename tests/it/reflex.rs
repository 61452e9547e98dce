//! osim-rl's Song-Geyer reflex controller on the planar model: parameters, the observation
//! adapter on hand-computed cases, bounded stimulations, and the walk we measured.

use std::f64::consts::PI;
use std::sync::Arc;

use gaitscope::control::adapter::{sensors, LegObs, ObsDict, FMAX_ABD, FMAX_ADD};
use gaitscope::control::episode::{self, INIT_POSE};
use gaitscope::control::reflex::{load_params, N_PARAMS_PLANAR};
use gaitscope::control::{Adapter, Dimension, LocoCtrl};
use gaitscope::osim::model::Model;
use gaitscope::sim::{SimConfig, Simulation};

fn planar() -> (Arc<Model>, Simulation, Adapter, LocoCtrl) {
    let model = Arc::new(Model::load(gaitscope::control::planar_model_path()).unwrap());
    let params = load_params(&gaitscope::control::planar_params_path()).unwrap();
    let mut sim = Simulation::new(model.clone(), SimConfig::default()).unwrap();
    episode::start(&mut sim, &INIT_POSE).unwrap();
    let adapter = Adapter::new(&model).unwrap();
    let ctrl = LocoCtrl::new(Dimension::Planar, &params).unwrap();
    (model, sim, adapter, ctrl)
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

#[test]
fn parameters_load() {
    let p = load_params(&gaitscope::control::planar_params_path()).unwrap();
    assert_eq!(p.len(), N_PARAMS_PLANAR);
    assert!(close(p[0], 1.119_328_508_677_989, 1e-15));
    assert!(close(p[36], 1.349_898_221_427_009, 1e-15));
    assert!(LocoCtrl::new(Dimension::Planar, &p[..36]).is_err());
    assert!(LocoCtrl::new(Dimension::Spatial, &p).is_err());
    let both: Vec<f64> = p.iter().chain(&p).copied().collect();
    assert!(LocoCtrl::new(Dimension::Planar, &both).is_ok());
}

#[test]
fn sensors_follow_osim_rl_conventions() {
    let mut obs = ObsDict::default();
    obs.pelvis.pitch = 0.2;
    obs.pelvis.roll = -0.05;
    obs.pelvis.vel = [1.3, 0.1, 0.0, 0.4, 0.7, 0.0];
    let mut right = LegObs {
        ground_reaction_forces: [0.1, 0.0, 0.5],
        ..LegObs::default()
    };
    right.joint.hip = -0.5;
    right.joint.knee = -0.3;
    right.joint.ankle = 0.1;
    right.d_joint.hip = 0.2;
    right.d_joint.knee = -1.0;
    right.d_joint.hip_abd = 0.3;
    right.muscles[9].f = 0.8; // SOL
    let mut left = LegObs::default();
    left.ground_reaction_forces[2] = 0.05;
    obs.legs = [right, left];
    let s = sensors(&obs);
    assert_eq!(s.body.theta, [-0.05, 0.2]);
    assert_eq!(s.body.d_pos, [1.3, 0.1]);
    assert_eq!(s.body.dtheta, [0.7, 0.4]);
    let r = &s.legs[0];
    assert!(r.contact_ipsi && !r.contact_contra);
    assert!(!s.legs[1].contact_ipsi && s.legs[1].contact_contra);
    assert_eq!((r.load_ipsi, r.load_contra), (0.5, 0.05));
    assert!(close(r.phi_hip, PI - 0.5, 1e-12));
    assert!(close(r.phi_knee, PI - 0.3, 1e-12));
    assert!(close(r.phi_ankle, PI / 2.0 + 0.1, 1e-12));
    assert!(close(r.alpha, PI / 2.0 - 0.35, 1e-12));
    assert!(close(r.dalpha, 0.7, 1e-12));
    assert!(close(r.alpha_f, PI / 2.0 - 0.3, 1e-12));
    assert_eq!((r.dphi_knee, r.f_sol, r.f_gas), (-1.0, 0.8, 0.0));
}

#[test]
fn adapter_reads_the_start_pose() {
    let (model, sim, adapter, _) = planar();
    let obs = adapter.observe(&sim);
    assert!(close(obs.pelvis.height, INIT_POSE[2], 1e-4));
    assert!(close(obs.pelvis.pitch, INIT_POSE[3], 1e-4));
    assert!(close(obs.pelvis.vel[0], INIT_POSE[0], 1e-3));
    // Planar: the lateral start speed is locked away.
    assert!(close(obs.pelvis.vel[1], 0.0, 1e-6));
    let r = &obs.legs[0];
    assert!(close(r.joint.hip, INIT_POSE[5], 1e-4)); // extension positive: -hip_flexion
    assert!(close(r.joint.knee, INIT_POSE[6], 1e-4));
    assert!(close(r.joint.ankle, INIT_POSE[7], 1e-4)); // plantar flexion positive
    assert!(close(obs.legs[1].joint.knee, INIT_POSE[10], 1e-4));
    // In the air at the start; muscles carry force.
    assert_eq!(r.ground_reaction_forces, [0.0; 3]);
    assert!(r
        .muscles
        .iter()
        .all(|m| m.f.is_finite() && m.l > 0.2 && m.l < 2.0));
    // Planar mode: hip abductors and adductors at osim-rl's constants, by name.
    let exc = adapter.excitations(&[[0.5; 11]; 2], Dimension::Planar);
    let ix = |n: &str| model.muscles.iter().position(|m| m.name == n).unwrap();
    assert_eq!(exc[ix("abd_l")], 0.1);
    assert!(close(exc[ix("add_r")], 0.1 * FMAX_ADD / FMAX_ABD, 1e-15));
    assert_eq!(exc[ix("soleus_l")], 0.5);
}

#[test]
fn stimulations_are_bounded_and_finite() {
    let (_, mut sim, adapter, mut ctrl) = planar();
    let mut bounded = true;
    let ep = episode::run(&mut sim, &mut ctrl, &adapter, 1.0, |_| {}).expect("the episode runs");
    for leg in ctrl.stim() {
        bounded &= leg.iter().all(|s| (0.0..=1.0).contains(s));
    }
    assert!(bounded && ep.finite);
    assert!(ep.excitation_range.0 >= 0.0 && ep.excitation_range.1 <= 1.0);
}

/// Measured: the full 10 s and 10.9 m (1.09 m/s; OpenSim: 10 s, 14.06 m), 2 rapier substeps.
#[test]
fn the_planar_model_walks_ten_seconds() {
    let (_, mut sim, adapter, mut ctrl) = planar();
    let ep = episode::run(&mut sim, &mut ctrl, &adapter, 10.0, |_| {}).unwrap();
    assert!(!ep.fell, "fell at {:.2} s", ep.duration);
    assert!(ep.distance > 8.0, "walked {:.2} m", ep.distance);
    assert!(
        ep.foot_strikes.iter().all(|&n| n >= 6),
        "{:?}",
        ep.foot_strikes
    );
    // The planar root stays in its plane.
    let pelvis = sim.body_frames()[adapter.pelvis_body()];
    assert!(pelvis.pos.z.abs() < 1e-3);
}

#[test]
fn the_apps_reflex_demo_records_a_walk_the_player_accepts() {
    let (ep, rec) = gaitscope::control::episode::record_walk(2.0).unwrap();
    assert!(!ep.fell && ep.distance > 1.0, "{:.2} m", ep.distance);
    assert_eq!(rec.frames.len(), 201);
    rec.validate().unwrap();
}
