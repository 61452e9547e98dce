//! The command line as a user meets it: where the shipped files are looked for, and options that
//! are refused at once instead of doing nothing or something else.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn gaitscope(args: &[&str], exe: &Path, env: Option<&Path>) -> Output {
    let mut c = Command::new(exe);
    c.args(args).env_remove("GAITSCOPE_MODELS");
    if let Some(dir) = env {
        c.env("GAITSCOPE_MODELS", dir);
    }
    c.output().expect("the binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A folder holding a model file that names itself when it fails to parse.
fn broken_models(dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("gait14dof22musc.osim"),
        "<OpenSimDocument> not closed",
    )
    .unwrap();
    dir.to_path_buf()
}

#[test]
fn the_models_folder_is_found_by_option_then_variable_then_beside_the_binary() {
    let root = std::env::temp_dir().join(format!("gaitscope-cli-models-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let bin = root.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let exe = bin.join("gaitscope");
    std::fs::copy(env!("CARGO_BIN_EXE_gaitscope"), &exe).unwrap();
    let beside = broken_models(&bin.join("models"));
    let variable = broken_models(&root.join("variable"));
    let motion = gaitscope::models_dir().join("motions/normal.mot");
    let out = root.join("out");
    let analyze = [
        "analyze",
        "--motion",
        motion.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    // Beside the executable: a copied binary reads the copy's models, not the build machine's.
    let o = gaitscope(&analyze, &exe, None);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains(beside.to_str().unwrap()),
        "{}",
        stderr(&o)
    );
    // The environment variable comes before it.
    let o = gaitscope(&analyze, &exe, Some(&variable));
    assert!(
        stderr(&o).contains(variable.to_str().unwrap()),
        "{}",
        stderr(&o)
    );
    // --models comes first, and must hold the model.
    let shipped = gaitscope::models_dir();
    let mut with_option = vec!["--models", shipped.to_str().unwrap()];
    with_option.extend(analyze);
    let o = gaitscope(&with_option, &exe, Some(&variable));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(out.join("normal_MuscleAnalysis_Length.sto").is_file());
    let empty = root.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let mut in_empty = vec!["--models", empty.to_str().unwrap()];
    in_empty.extend(analyze);
    let o = gaitscope(&in_empty, &exe, None);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("no gait14dof22musc.osim"),
        "{}",
        stderr(&o)
    );
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn options_that_would_do_nothing_are_refused_before_anything_runs() {
    let exe = Path::new(env!("CARGO_BIN_EXE_gaitscope"));
    let policy = gaitscope::models_dir().join("policies/none");
    for sub in ["eval", "record"] {
        let o = gaitscope(
            &[sub, policy.to_str().unwrap(), "--episodes", "0"],
            exe,
            None,
        );
        assert!(!o.status.success(), "{sub} --episodes 0 must fail");
        assert!(stderr(&o).contains("at least 1"), "{sub}: {}", stderr(&o));
    }
    // Enumerated options list their values instead of failing later.
    let o = gaitscope(&["train", "--encoder", "vea", "--out", "unused"], exe, None);
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(e.contains("possible values") && e.contains("vae"), "{e}");
    let o = gaitscope(
        &["collect", "--source", "walking", "--out", "unused"],
        exe,
        None,
    );
    assert!(stderr(&o).contains("reference"), "{}", stderr(&o));
    // A folder as the screenshot, or a place no file can be made, fails before a window opens.
    let dir = std::env::temp_dir();
    for bad in [dir.to_str().unwrap(), "/proc/gaitscope.png"] {
        let started = std::time::Instant::now();
        let o = gaitscope(&["--screenshot", bad], exe, None);
        assert!(!o.status.success(), "--screenshot {bad} must fail");
        assert!(stderr(&o).contains("--screenshot"), "{bad}: {}", stderr(&o));
        assert!(started.elapsed().as_secs() < 60, "{bad}: refused at once");
    }
}

#[test]
fn analyze_any_model_writes_opensims_files_and_refuses_unknown_coordinates() {
    let exe = Path::new(env!("CARGO_BIN_EXE_gaitscope"));
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/opensim4/arm26");
    let model = fixtures.join("arm26.osim");
    let motion = fixtures.join("poses.mot");
    let out = std::env::temp_dir().join(format!("gaitscope-analyze4-{}", std::process::id()));
    let args = |extra: &[&str]| {
        let mut a = vec![
            "analyze",
            "--model",
            model.to_str().unwrap(),
            "--motion",
            motion.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ];
        a.extend_from_slice(extra);
        a.into_iter().map(str::to_string).collect::<Vec<_>>()
    };
    let run = |extra: &[&str]| {
        let a = args(extra);
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        gaitscope(&refs, exe, None)
    };
    let o = run(&[]);
    assert!(o.status.success(), "{}", stderr(&o));
    // Every unlocked coordinate a muscle crosses, and the four length tables.
    for what in [
        "Length",
        "FiberLength",
        "TendonLength",
        "NormalizedFiberLength",
        "MomentArm_r_shoulder_elev",
        "MomentArm_r_elbow_flex",
    ] {
        assert!(
            out.join(format!("poses_MuscleAnalysis_{what}.sto"))
                .is_file(),
            "{what}"
        );
    }
    let o = run(&["--coordinates", "r_elbow_flex,knee_angle_r"]);
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(
        e.contains("no coordinate knee_angle_r") && e.contains("r_shoulder_elev"),
        "{e}"
    );
    let o = gaitscope(
        &[
            "bench",
            "analyze",
            "--model",
            model.to_str().unwrap(),
            "--motion",
            motion.to_str().unwrap(),
            "--repeats",
            "1",
        ],
        exe,
        None,
    );
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("per pose"),
        "{}",
        stderr(&o)
    );
    std::fs::remove_dir_all(&out).unwrap();
}
