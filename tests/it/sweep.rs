//! Sweeps: a tiny grid run locally (two encoders x two seeds, two updates each) through the
//! binary as a user runs it, one run already half trained; the folders, the resumption, and
//! `compare`'s numbers against the runs' own `metrics.csv`; the Slurm job array's script.

use std::path::Path;
use std::process::Command;

use gaitscope::learn::encoder::EncoderKind;
use gaitscope::learn::ppo::EncoderMode;
use gaitscope::train::metrics::read_metrics;
use gaitscope::train::run::Algo;
use gaitscope::train::sweep::{bands, mean_std, progress, sbatch_script, SlurmOptions, Sweep};

use crate::common;

const EXE: &str = env!("CARGO_BIN_EXE_gaitscope");

fn run(args: &[&str]) -> String {
    let o = Command::new(EXE)
        .args(args)
        .env_remove("GAITSCOPE_MODELS")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(o.status.success(), "gaitscope {args:?} failed:\n{text}");
    text
}

const GRID: [&str; 14] = [
    "--encoders",
    "none,ae",
    "--seeds",
    "1,2",
    "--steps",
    "1024",
    "--envs",
    "2",
    "--n-steps",
    "256",
    "--eval-episodes",
    "1",
    "--jobs",
    "2",
];

/// The mean over a run's updates of one metrics column (as `compare` defines it).
fn run_mean(dir: &Path, f: fn(&gaitscope::train::messages::UpdateMetrics) -> f64) -> f64 {
    let rows = read_metrics(&dir.join("metrics.csv")).unwrap();
    let v: Vec<f64> = rows.iter().map(f).filter(|x| x.is_finite()).collect();
    v.iter().sum::<f64>() / v.len() as f64
}

#[test]
fn a_tiny_sweep_trains_resumes_and_compares_across_seeds() {
    let dir = common::temp_dir("sweep");
    let out = dir.join("grid");
    let out_s = out.to_str().unwrap();
    // One run trained half-way before the sweep exists: the sweep must resume it, not restart.
    let half = out.join("none-s1");
    run(&[
        "train",
        "--encoder",
        "none",
        "--seed",
        "1",
        "--steps",
        "512",
        "--envs",
        "2",
        "--n-steps",
        "256",
        "--workers",
        "1",
        "--out",
        half.to_str().unwrap(),
    ]);
    let first_row = std::fs::read_to_string(half.join("metrics.csv")).unwrap();
    let mut args = vec!["sweep"];
    args.extend(GRID);
    args.extend(["--out", out_s]);
    let log = run(&args);
    assert!(log.contains("4 runs, 4 to do"), "{log}");
    for name in ["none-s1", "none-s2", "ae-s1", "ae-s2"] {
        let d = out.join(name);
        let rows = read_metrics(&d.join("metrics.csv")).unwrap();
        assert_eq!(rows.len(), 2, "{name}");
        assert_eq!(progress(&d).unwrap().env_steps, 1024, "{name}");
        assert!(d.join("eval/sweep.json").is_file(), "{name}");
    }
    let resumed = std::fs::read_to_string(half.join("metrics.csv")).unwrap();
    assert!(
        resumed.starts_with(first_row.trim_end()),
        "the half-trained run was restarted"
    );
    let sweep = Sweep::load(&out).unwrap();
    assert_eq!(sweep.encoders, vec![EncoderKind::None, EncoderKind::Ae]);

    // Given again, a done sweep does nothing; one run lost and one evaluation lost are redone,
    // and nothing else changes.
    let kept = std::fs::read(out.join("ae-s2/metrics.csv")).unwrap();
    std::fs::remove_dir_all(out.join("none-s2")).unwrap();
    std::fs::remove_file(out.join("ae-s1/eval/sweep.json")).unwrap();
    let log = run(&args);
    assert!(log.contains("4 runs, 2 to do"), "{log}");
    assert!(out.join("none-s2/eval/sweep.json").is_file());
    assert!(out.join("ae-s1/eval/sweep.json").is_file());
    assert_eq!(std::fs::read(out.join("ae-s2/metrics.csv")).unwrap(), kept);
    assert!(run(&args).contains("0 to do"));
    // A different grid in the same folder is refused.
    let mut other = args.clone();
    other[2] = "none,vae";
    let o = Command::new(EXE).args(&other).output().unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("different sweep"));

    // compare: each combination's mean and std across seeds of the runs' own means.
    let text = run(&["compare", out_s]);
    assert!(text.contains("none") && text.contains("ae"), "{text}");
    let csv = std::fs::read_to_string(out.join("compare.csv")).unwrap();
    let mut lines = csv.lines();
    let head: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| head.iter().position(|h| *h == name).unwrap();
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        let enc = cells[0];
        let per_seed = |f| {
            [1, 2]
                .map(|s| run_mean(&out.join(format!("{enc}-s{s}")), f))
                .to_vec()
        };
        let (m, s) = mean_std(&per_seed(|r| r.mean_duration));
        let got = |c: &str| cells[col(c)].parse::<f64>().unwrap();
        assert!(
            (got("mean_duration_s_mean") - m).abs() < 1e-9,
            "{enc}: {line}"
        );
        assert!((got("mean_duration_s_std") - s).abs() < 1e-9, "{enc}");
        let (m, _) = mean_std(&per_seed(|r| r.mean_return));
        assert!((got("mean_return_mean") - m).abs() < 1e-9, "{enc}");
        assert_eq!(cells[col("seeds")], "2");
        if enc == "none" {
            assert_eq!(got("duration_vs_none_pct"), 0.0);
        }
    }
    // The app's bands: per update, the mean and std across seeds.
    let b = bands(&out).unwrap();
    assert_eq!(b.len(), 2);
    assert!(b[1].label.ends_with("ae (2 seeds)"), "{}", b[1].label);
    let first = |name: &str| read_metrics(&out.join(name).join("metrics.csv")).unwrap()[1];
    let (m, s) = mean_std(&[first("ae-s1").mean_return, first("ae-s2").mean_return]);
    assert_eq!(b[1].ret[1], (m, s));
    assert_eq!(b[1].steps, vec![512.0, 1024.0]);
}

#[test]
fn the_slurm_script_has_one_task_per_unfinished_run() {
    let dir = common::temp_dir("sweep-slurm");
    let sweep = Sweep {
        encoders: vec![EncoderKind::None, EncoderKind::Vae],
        seeds: vec![42, 7],
        recipe: "walk".into(),
        mode: EncoderMode::Frozen,
        steps: 1000,
        envs: None,
        n_steps: None,
        eval_episodes: 0,
        algo: Algo::Bc,
        expert: Some("/data/models/policies/walk".into()),
    };
    // One run is finished: its checkpoint holds all its steps.
    let done = dir.join("vae-s42/checkpoint");
    std::fs::create_dir_all(&done).unwrap();
    std::fs::write(
        done.join("state.ron"),
        "(updates: 1, env_steps: 1000, best_return: 0.0, best_update: 0)",
    )
    .unwrap();
    let slurm = SlurmOptions {
        partition: Some("short".into()),
        time: Some("02:00:00".into()),
        cpus_per_task: 8,
    };
    let (script, pending) = sbatch_script(
        &sweep,
        &dir,
        Path::new("/opt/my tools/gaitscope"),
        Path::new("/data/models"),
        &slurm,
    );
    let names: Vec<&str> = pending.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["none-s42", "none-s7", "vae-s7"]);
    for line in [
        "#SBATCH --array=0-2",
        "#SBATCH --cpus-per-task=8",
        "#SBATCH --partition=short",
        "#SBATCH --time=02:00:00",
        "bin='/opt/my tools/gaitscope'",
    ] {
        assert!(script.contains(line), "{line} missing:\n{script}");
    }
    assert!(script.contains("--encoder vae --mode frozen --seed 7 --steps 1000"));
    // Every task trains the sweep's method with its expert.
    assert!(
        script.contains("--algo bc --expert /data/models/policies/walk"),
        "{script}"
    );
    let mut ppo = sweep.clone();
    ppo.algo = Algo::Ppo;
    ppo.expert = None;
    let ppo_args = ppo.train_args(&pending[0], &dir).join(" ");
    assert!(!ppo_args.contains("--algo"), "{ppo_args}");
    let mut no_expert = sweep.clone();
    no_expert.expert = None;
    assert!(no_expert.validate().is_err());
    assert!(!script.contains("vae-s42"), "{script}");
    // The script is valid shell.
    let check = Command::new("bash")
        .arg("-n")
        .arg("-c")
        .arg(&script)
        .status()
        .unwrap();
    assert!(check.success());
}

#[test]
fn a_killed_sweep_takes_its_runs_down_and_resumes_them_when_given_again() {
    let dir = common::temp_dir("sweep-kill");
    let out = dir.join("grid");
    let args: Vec<String> = [
        "sweep",
        "--encoders",
        "none",
        "--seeds",
        "1,2",
        "--steps",
        "6144",
        "--envs",
        "2",
        "--n-steps",
        "256",
        "--eval-episodes",
        "0",
        "--jobs",
        "2",
        "--out",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([out.display().to_string()])
    .collect();
    let mut sweep = Command::new(EXE)
        .args(&args)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Kill it -9 once both runs are a few updates in.
    let rows = |name: &str| {
        std::fs::read_to_string(out.join(name).join("metrics.csv"))
            .map_or(0, |t| t.lines().count().saturating_sub(1))
    };
    let until = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while rows("none-s1") < 3 || rows("none-s2") < 3 {
        assert!(
            std::time::Instant::now() < until,
            "the sweep made no progress"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    sweep.kill().unwrap();
    sweep.wait().unwrap();
    // Its runs went down with it (none keeps its lock), each short of its 12 updates.
    std::thread::sleep(std::time::Duration::from_millis(500));
    let before = [rows("none-s1"), rows("none-s2")];
    assert!(before.iter().all(|&n| n < 12), "{before:?}");
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert_eq!(
        [rows("none-s1"), rows("none-s2")],
        before,
        "a run trained on after the kill"
    );
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let log = run(&args);
    assert!(log.contains("2 to do"), "{log}");
    for name in ["none-s1", "none-s2"] {
        let updates: Vec<usize> = read_metrics(&out.join(name).join("metrics.csv"))
            .unwrap()
            .iter()
            .map(|m| m.update)
            .collect();
        assert_eq!(updates, (1..=12).collect::<Vec<_>>(), "{name}");
        assert_eq!(progress(&out.join(name)).unwrap().env_steps, 6144);
    }
}
