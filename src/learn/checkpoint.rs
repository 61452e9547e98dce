//! Checkpoints: named tensors in safetensors files, written atomically (temporary file, rename).

use std::collections::HashMap;
use std::path::Path;

use anyhow::{bail, Context, Result};
use candle_core::{Device, Tensor, Var};

/// Saves named variables to `path` atomically.
pub fn save(path: &Path, vars: &[(String, Var)]) -> Result<()> {
    save_tensors(
        path,
        vars.iter()
            .map(|(n, v)| (n.clone(), v.as_tensor().clone()))
            .collect(),
    )
}

/// Saves named tensors to `path` atomically.
pub fn save_tensors(path: &Path, tensors: Vec<(String, Tensor)>) -> Result<()> {
    let map: HashMap<String, Tensor> = tensors.into_iter().collect();
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(
        ".{}.tmp{}",
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        std::process::id()
    ));
    candle_core::safetensors::save(&map, &tmp)
        .with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("renaming to {}", path.display()))?;
    Ok(())
}

/// Loads `path` into the named variables; every name must be present with the same shape, as
/// 32-bit floats, every value finite (a NaN weight would train on as NaN losses).
pub fn load(path: &Path, vars: &[(String, Var)], device: &Device) -> Result<()> {
    let tensors = candle_core::safetensors::load(path, device)
        .with_context(|| format!("{}: not a readable safetensors checkpoint", path.display()))?;
    for (name, var) in vars {
        let Some(t) = tensors.get(name) else {
            bail!("{}: checkpoint has no tensor \"{name}\"", path.display());
        };
        if t.dims() != var.dims() {
            bail!(
                "{}: tensor \"{name}\" has shape {:?}, the network expects {:?}",
                path.display(),
                t.dims(),
                var.dims()
            );
        }
        if t.dtype() != var.dtype() {
            bail!(
                "{}: tensor \"{name}\" is stored as {:?}, the network expects {:?}",
                path.display(),
                t.dtype(),
                var.dtype()
            );
        }
        let values: Vec<f32> = t.flatten_all()?.to_vec1()?;
        if let Some(i) = values.iter().position(|v| !v.is_finite()) {
            bail!(
                "{}: tensor \"{name}\" holds a non-finite value ({}) at index {i}",
                path.display(),
                values[i]
            );
        }
        var.set(t)?;
    }
    Ok(())
}
