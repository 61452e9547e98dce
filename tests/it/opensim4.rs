//! Models that are not ours, against OpenSim 4.6 itself: each folder of
//! `tests/fixtures/opensim4/` holds a model from opensim-models or osim-rl, a motion of random
//! poses, and what OpenSim's AnalyzeTool + MuscleAnalysis wrote for it (`make_fixtures4.py`).
//! Lengths and moment arms must agree within 1 mm median and 5 mm max.

use std::path::{Path, PathBuf};

use crate::common::{median_max, table_errors};
use gaitscope::cli::analyze::{coordinate_indices, muscle_analysis, MuscleAnalysis};
use gaitscope::osim::{Model, Table};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/opensim4")
}

/// Our analysis of a fixture folder, for the coordinates OpenSim wrote moment arms for.
fn analyse(dir: &Path) -> (Model, MuscleAnalysis, Vec<String>) {
    let osim = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "osim"))
        .unwrap();
    let model = Model::load(&osim).unwrap_or_else(|e| panic!("{e}"));
    let motion = Table::load(dir.join("poses.mot")).unwrap();
    let prefix = "poses_MuscleAnalysis_MomentArm_";
    let mut coords: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            Some(name.strip_prefix(prefix)?.strip_suffix(".sto")?.to_string())
        })
        .collect();
    coords.sort();
    let chosen = coordinate_indices(&model, &coords).unwrap();
    let ours = muscle_analysis(&model, &motion, Some(&chosen)).unwrap();
    (model, ours, coords)
}

/// One line per model: worst median and max of the lengths and moment arms (mm).
fn agreement(name: &str) -> (f64, f64, f64, f64) {
    let dir = fixtures().join(name);
    let (_, ours, _) = analyse(&dir);
    let theirs = Table::load(dir.join("poses_MuscleAnalysis_Length.sto")).unwrap();
    let (lmed, lmax) = median_max(table_errors(&ours.length, &theirs));
    let (mut amed, mut amax) = (0.0f64, 0.0f64);
    for (coord, table) in &ours.moment_arms {
        let theirs =
            Table::load(dir.join(format!("poses_MuscleAnalysis_MomentArm_{coord}.sto"))).unwrap();
        let (m, x) = median_max(table_errors(table, &theirs));
        if x > 5e-3 {
            println!(
                "{name} {coord}: moment arm median {:.3} mm max {:.3} mm",
                m * 1e3,
                x * 1e3
            );
        }
        amed = amed.max(m);
        amax = amax.max(x);
    }
    // Fibre and tendon lengths: OpenSim's static equilibrium at each muscle's default
    // activation (Thelen's curves, Millard's own), within 0.01 mm.
    let mut fmax = 0.0f64;
    for (what, table) in [
        ("FiberLength", &ours.fiber_length),
        ("TendonLength", &ours.tendon_length),
    ] {
        let theirs = Table::load(dir.join(format!("poses_MuscleAnalysis_{what}.sto"))).unwrap();
        fmax = fmax.max(median_max(table_errors(table, &theirs)).1);
    }
    assert!(
        fmax < 1e-5,
        "{name}: fibre or tendon length off by {fmax} m"
    );
    println!(
        "{name}: length median {:.4} mm max {:.4} mm; moment arm median {:.4} mm max {:.4} mm; \
         fibre/tendon max {:.4} mm",
        lmed * 1e3,
        lmax * 1e3,
        amed * 1e3,
        amax * 1e3,
        fmax * 1e3
    );
    (lmed, lmax, amed, amax)
}

#[test]
fn models_from_opensim_models_and_osim_rl_agree_with_opensim() {
    let mut dirs: Vec<String> = std::fs::read_dir(fixtures())
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.path().join("poses_MuscleAnalysis_Length.sto").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 6, "fixtures: {dirs:?}");
    let mut failed = Vec::new();
    for name in &dirs {
        let (lmed, lmax, amed, amax) = agreement(name);
        if !(lmed < 1e-3 && lmax < 5e-3 && amed < 1e-3 && amax < 5e-3) {
            failed.push(name.clone());
        }
    }
    assert!(
        failed.is_empty(),
        "outside 1 mm median / 5 mm max: {failed:?}"
    );
}

/// Which of the fixture models the simulation builds and steps (printed for the README; the
/// assertion is that each either simulates finitely or is refused with a message, never a
/// panic or a NaN).
#[test]
fn each_model_simulates_or_is_refused_with_a_reason() {
    use gaitscope::sim::{SimConfig, Simulation};
    use std::sync::Arc;
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(fixtures())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("poses.mot").is_file())
        .collect();
    dirs.sort();
    let mut simulated = 0;
    for dir in dirs {
        let osim = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|e| e == "osim"))
            .unwrap();
        let model = Arc::new(Model::load(&osim).unwrap());
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        match Simulation::new(model.clone(), SimConfig::default()) {
            Ok(mut sim) => {
                let u = vec![0.05; model.muscles.len()];
                let mut outcome = Ok(());
                for _ in 0..100 {
                    outcome = sim.step(&u);
                    if outcome.is_err() {
                        break;
                    }
                }
                match outcome {
                    Ok(()) => {
                        simulated += 1;
                        println!("{name}: simulates (0.1 s stepped)");
                    }
                    Err(e) => println!("{name}: builds, stopped while stepping: {e}"),
                }
            }
            Err(e) => {
                let msg = e.to_string();
                assert!(!msg.is_empty());
                println!("{name}: refused: {msg}");
            }
        }
    }
    println!("{simulated} simulate");
}

/// The joint zoo's bodies, posed by our kinematics from the coordinates OpenSim used, against
/// the ground transforms OpenSim reported: every joint type, nested offset frames and a frame
/// declared in a body's components.
#[test]
fn every_joint_type_places_its_bodies_as_opensim_does() {
    use gaitscope::sim::kinematics::body_frames;
    let dir = fixtures().join("joint_zoo");
    let model = Model::load(dir.join("joint_zoo.osim")).unwrap();
    let lines = |name: &str| -> Vec<Vec<String>> {
        std::fs::read_to_string(dir.join(name))
            .unwrap()
            .lines()
            .map(|l| l.split(',').map(str::to_string).collect())
            .collect()
    };
    let coords = lines("coordinates_used.csv");
    let poses = lines("body_poses.csv");
    let mut types: Vec<&str> = model.joints.iter().map(|j| j.type_name.as_str()).collect();
    types.sort();
    types.dedup();
    assert_eq!(types.len(), 9, "{types:?}");
    let mut worst = 0.0f64;
    for (row, values) in coords.iter().skip(1).enumerate() {
        let mut q = model.default_coordinates();
        for (name, v) in coords[0].iter().zip(values).skip(1) {
            q[model.coordinate_index(name).unwrap()] = v.parse().unwrap();
        }
        let frames = body_frames(&model, &q);
        for p in poses.iter().skip(1).filter(|p| p[0] == row.to_string()) {
            let f = &frames[model.body_index(&p[1]).unwrap()];
            let v: Vec<f64> = p[2..].iter().map(|x| x.parse().unwrap()).collect();
            for (k, want) in v.iter().take(3).enumerate() {
                worst = worst.max((f.pos[k] - want).abs());
            }
            for r in 0..3 {
                for c in 0..3 {
                    worst = worst.max((f.rot.col(c)[r] - v[3 + 3 * r + c]).abs());
                }
            }
        }
    }
    assert!(worst < 1e-9, "largest difference {worst}");
    // OpenSim 4 files leave motion types to the joints: translations are distances.
    use gaitscope::osim::model::MotionType;
    let kind = |n: &str| model.coordinates[model.coordinate_index(n).unwrap()].motion_type;
    assert_eq!(kind("free_tx"), MotionType::Translational);
    assert_eq!(kind("slider_tx"), MotionType::Translational);
    assert_eq!(kind("planar_tx"), MotionType::Translational);
    assert_eq!(kind("planar_rz"), MotionType::Rotational);
    assert_eq!(kind("custom_flex"), MotionType::Rotational);
    // The three forces the reader does not model are skipped, each named.
    let w = model.warnings.join("\n");
    for name in ["strap_actuator", "pin_spring", "foot_push"] {
        let skipped = model
            .muscle_index(name)
            .is_some_and(|m| !model.muscles[m].is_muscle());
        assert!(skipped || w.contains(name), "{name}: {w}");
    }
}

/// The simulation of the joint zoo (a free root, ball and gimbal as revolute chains, a slider
/// and a planar joint as prismatic links, a welded hand, a coupled custom joint) poses its bodies
/// where the exact kinematics put them, and reads the coordinates back.
#[test]
fn the_simulated_joint_zoo_matches_the_kinematics() {
    use gaitscope::sim::kinematics::{body_frames, enforce_couplers};
    use gaitscope::sim::{SimConfig, Simulation};
    use std::sync::Arc;
    let dir = fixtures().join("joint_zoo");
    let model = Arc::new(Model::load(dir.join("joint_zoo.osim")).unwrap());
    let mut sim = Simulation::new(model.clone(), SimConfig::default()).unwrap();
    let mut q = model.default_coordinates();
    let set = |q: &mut Vec<f64>, n: &str, v: f64| q[model.coordinate_index(n).unwrap()] = v;
    set(&mut q, "slider_tx", 0.03);
    set(&mut q, "planar_rz", 0.4);
    set(&mut q, "planar_tx", -0.02);
    set(&mut q, "pin_rz", 1.1);
    set(&mut q, "custom_flex", 0.5);
    set(&mut q, "gimbal_ry", -0.3);
    set(&mut q, "universal_rx", 0.2);
    enforce_couplers(&model, &mut q);
    sim.set_state(&q, &vec![0.0; q.len()]).unwrap();
    let ours = sim.body_frames();
    let exact = body_frames(&model, &q);
    let finger = model.body_index("finger").unwrap();
    for (b, (a, e)) in ours.iter().zip(&exact).enumerate() {
        let off = (a.pos - e.pos).length();
        // rapier keeps f32 poses; the finger's coupled translations are a fitted pivot and its
        // coupled beta angle is held (both noted in the plan's approximations).
        let limit = if b == finger { 5e-3 } else { 1e-4 };
        assert!(off < limit, "{} off by {off} m", model.bodies[b].name);
    }
    let (back, _) = sim.coordinates();
    for n in ["slider_tx", "planar_tx", "planar_rz", "pin_rz", "gimbal_ry"] {
        let i = model.coordinate_index(n).unwrap();
        assert!(
            (back[i] - q[i]).abs() < 1e-4,
            "{n}: {} vs {}",
            back[i],
            q[i]
        );
    }
    assert!(sim
        .plan()
        .approximations
        .iter()
        .any(|a| a.contains("custom_beta")));
}

/// Models that are not ours, set to a pose OpenSim assembled and read back from the simulation:
/// the free coordinates come back, and the bodies sit where the exact kinematics put them (the
/// knees' fitted pivots and held couplers aside, within 3 mm).
#[test]
fn simulated_models_read_back_the_poses_opensim_assembled() {
    use gaitscope::sim::kinematics::{body_frames, is_dependent};
    use gaitscope::sim::{SimConfig, Simulation};
    use std::sync::Arc;
    for name in [
        "leg6dof9musc",
        "gait9dof18musc",
        "arm26",
        "gait2392_thelen2003muscle",
    ] {
        let dir = fixtures().join(name);
        let model = Arc::new(Model::load(dir.join(format!("{name}.osim"))).unwrap());
        let text = std::fs::read_to_string(dir.join("coordinates_used.csv")).unwrap();
        let mut lines = text.lines().map(|l| l.split(',').collect::<Vec<_>>());
        let header = lines.next().unwrap();
        let row = lines.nth(5).unwrap();
        let mut q = model.default_coordinates();
        for (n, v) in header.iter().zip(&row).skip(1) {
            q[model.coordinate_index(n).unwrap()] = v.parse().unwrap();
        }
        let mut sim = Simulation::new(model.clone(), SimConfig::default()).unwrap();
        sim.set_state(&q, &vec![0.0; q.len()]).unwrap();
        let (back, _) = sim.coordinates();
        for (i, c) in model.coordinates.iter().enumerate() {
            if !c.locked && !is_dependent(&model, i) {
                assert!(
                    (back[i] - q[i]).abs() < 1e-4,
                    "{name} {}: {} vs {}",
                    c.name,
                    back[i],
                    q[i]
                );
            }
        }
        // Coupled coordinates are held in the simulation (a noted approximation): compare
        // with the kinematics at the held values.
        let mut held = q.clone();
        for (i, h) in held.iter_mut().enumerate() {
            if is_dependent(&model, i) {
                *h = back[i];
            }
        }
        let exact = body_frames(&model, &held);
        let worst = sim
            .body_frames()
            .iter()
            .zip(&exact)
            .map(|(a, b)| (a.pos - b.pos).length())
            .fold(0.0, f64::max);
        assert!(
            worst < 3e-3,
            "{name}: a body is {worst} m from the kinematics"
        );
    }
}
