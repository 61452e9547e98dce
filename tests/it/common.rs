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
