//! Agreement with OpenSim 4.6 itself: fixtures made with its Python bindings
//! (`tests/fixtures/opensim/make_fixtures.py`, AnalyzeTool + MuscleAnalysis).

use std::path::{Path, PathBuf};

use crate::common::{median_max, table_errors};
use gaitscope::cli::analyze::muscle_analysis;
use gaitscope::osim::{Model, Table};
use gaitscope::sim::kinematics::{body_frames, center_of_mass};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/opensim")
}

#[test]
fn lengths_and_moment_arms_match_opensim() {
    let model = Model::load(gaitscope::default_model_path()).unwrap();
    for motion in ["normal", "subject01_walk1_ik"] {
        let table =
            Table::load(gaitscope::models_dir().join(format!("motions/{motion}.mot"))).unwrap();
        let coords: Vec<usize> = gaitscope::env::GAIT_COORDINATES
            .iter()
            .map(|c| model.coordinate_index(c).unwrap())
            .collect();
        let ours = muscle_analysis(&model, &table, Some(&coords)).unwrap();
        let theirs =
            Table::load(fixtures().join(format!("{motion}_MuscleAnalysis_Length.sto"))).unwrap();
        let e = table_errors(&ours.length, &theirs);
        let (med, max) = median_max(e);
        assert!(
            med < 0.002 && max < 0.01,
            "{motion} lengths: median {med}, max {max}"
        );
        assert!(
            max < 1e-6,
            "{motion} lengths should agree to the fixture's precision, max {max}"
        );
        for (coord, table) in &ours.moment_arms {
            let theirs = Table::load(
                fixtures().join(format!("{motion}_MuscleAnalysis_MomentArm_{coord}.sto")),
            )
            .unwrap();
            let e = table_errors(table, &theirs);
            let (med, max) = median_max(e);
            assert!(
                med < 0.003 && max < 0.01,
                "{motion} {coord}: median {med}, max {max}"
            );
            assert!(max < 1e-5, "{motion} {coord}: max {max}");
        }
    }
}

fn csv(name: &str) -> Vec<Vec<String>> {
    std::fs::read_to_string(fixtures().join(name))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

#[test]
fn body_frames_and_centre_of_mass_match_opensim() {
    let model = Model::load(gaitscope::default_model_path()).unwrap();
    let header: Vec<String> = std::fs::read_to_string(fixtures().join("poses.csv"))
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .split(',')
        .map(str::to_string)
        .collect();
    let poses = csv("poses.csv");
    let bodies = csv("body_poses.csv");
    let coms = csv("com.csv");
    for pose in &poses {
        let mut q = model.default_coordinates();
        for (k, name) in header.iter().enumerate().skip(1) {
            q[model.coordinate_index(name).unwrap()] = pose[k].parse().unwrap();
        }
        let frames = body_frames(&model, &q);
        for row in bodies.iter().filter(|r| r[0] == pose[0]) {
            let f = &frames[model.body_index(&row[1]).unwrap()];
            let v: Vec<f64> = row[2..].iter().map(|x| x.parse().unwrap()).collect();
            for (k, want) in v.iter().take(3).enumerate() {
                assert!((f.pos[k] - want).abs() < 1e-9, "{} {} pos", pose[0], row[1]);
            }
            for r in 0..3 {
                for c in 0..3 {
                    assert!(
                        (f.rot.col(c)[r] - v[3 + r * 3 + c]).abs() < 1e-9,
                        "{} {} rot",
                        pose[0],
                        row[1]
                    );
                }
            }
        }
        let com = center_of_mass(&model, &frames);
        let row = coms.iter().find(|r| r[0] == pose[0]).unwrap();
        for k in 0..3 {
            assert!((com[k] - row[1 + k].parse::<f64>().unwrap()).abs() < 1e-9);
        }
    }
}
