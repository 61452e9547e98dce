//! Shared by the integration tests.

use std::path::Path;

use gaitscope::learn::encoder::EncoderKind;
use gaitscope::learn::ppo::{EncoderMode, PpoConfig};
use gaitscope::train::run::RunConfig;

/// A run small enough to update every few hundred milliseconds (2 environments, 16 steps,
/// 16-unit networks, no encoder), long enough to keep training until stopped.
pub fn tiny_endless_run(dir: &Path) -> RunConfig {
    RunConfig {
        ppo: PpoConfig {
            n_envs: 2,
            n_steps: 16,
            batch_size: 16,
            hidden: vec![16, 16],
            ..PpoConfig::default()
        },
        encoder: EncoderKind::None,
        mode: EncoderMode::Frozen,
        encoder_dir: Some(dir.join("no-encoders")),
        total_steps: 1_000_000,
        workers: 1,
        checkpoint_every: 1000,
        ..RunConfig::default()
    }
}

/// Every value of `vars`, flattened in order (to compare networks before and after).
pub fn flat_values(vars: &[candle_core::Var]) -> Vec<f32> {
    vars.iter()
        .flat_map(|v| {
            v.as_tensor()
                .flatten_all()
                .unwrap()
                .to_vec1::<f32>()
                .unwrap()
        })
        .collect()
}

/// A fresh empty folder under the system's temporary folder, unique to this process and `name`.
pub fn temp_dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("gaitscope-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("a temporary folder");
    d
}

/// Absolute differences between our table and OpenSim's, column by column (matched by name,
/// every OpenSim column that ours has), row by row at the same times.
pub fn table_errors(ours: &gaitscope::osim::Table, theirs: &gaitscope::osim::Table) -> Vec<f64> {
    assert_eq!(ours.rows.len(), theirs.rows.len());
    let mut out = Vec::new();
    for (k, label) in ours.labels.iter().enumerate().skip(1) {
        let j = theirs
            .column_index(label)
            .unwrap_or_else(|| panic!("OpenSim's table lacks {label}"));
        for (a, b) in ours.rows.iter().zip(&theirs.rows) {
            assert!(
                (a[0] - b[0]).abs() < 1e-6,
                "times differ: {} {}",
                a[0],
                b[0]
            );
            out.push((a[k] - b[j]).abs());
        }
    }
    out
}

/// Median and largest of `v` (both 0 when empty).
pub fn median_max(mut v: Vec<f64>) -> (f64, f64) {
    v.sort_by(f64::total_cmp);
    match v.last() {
        Some(max) => (v[v.len() / 2], *max),
        None => (0.0, 0.0),
    }
}
