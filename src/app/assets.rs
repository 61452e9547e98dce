//! The model's data for drawing: the parsed `.osim`, its bone meshes (`.vtp`) and the reference
//! motion, loaded once at start (a missing mesh is skipped with a warning, not fatal).

use std::sync::Arc;

use anyhow::{Context, Result};
use bevy::asset::RenderAssetUsages;
use bevy::mesh::{Indices, PrimitiveTopology};
use bevy::prelude::*;

use crate::env::EnvConfig;
use crate::osim::model::DisplayGeometry;
use crate::osim::{Model, Table};

/// One bone mesh placed on a body.
#[derive(Debug, Clone)]
pub struct BoneMesh {
    /// Model body index.
    pub body: usize,
    /// Placement and colour from the model file.
    pub geometry: DisplayGeometry,
    /// The triangles.
    pub mesh: crate::osim::Mesh,
}

/// The model, its meshes and the reference motion.
#[derive(Resource, Clone)]
pub struct ModelData {
    /// The parsed model.
    pub model: Arc<Model>,
    /// Bone meshes that loaded.
    pub bones: Vec<BoneMesh>,
    /// The reference motion of the environment.
    pub motion: Table,
    /// The environment configuration the app evaluates and trains with.
    pub env: EnvConfig,
    /// Meshes that failed to load (file and reason).
    pub missing: Vec<String>,
}

impl ModelData {
    /// Loads the model named by `env` (default: the shipped one), its meshes and its reference.
    pub fn load(env: &EnvConfig) -> Result<ModelData> {
        let model_path = env.model.clone().unwrap_or_else(crate::default_model_path);
        let model = Model::load(&model_path)?;
        // Missing meshes are said once the logger exists (`report_missing_meshes`) and in the
        // top bar.
        let (bones, missing) = load_bones(&model);
        let motion_path = env
            .reference
            .clone()
            .unwrap_or_else(|| crate::models_dir().join("motions").join("normal.mot"));
        let motion = Table::load(&motion_path)
            .with_context(|| format!("loading the reference {}", motion_path.display()))?;
        Ok(ModelData {
            model: Arc::new(model),
            bones,
            motion,
            env: env.clone(),
            missing,
        })
    }
}

/// A model's bone meshes from its geometry folder ([`Model::geometry_dir`]), and the ones that
/// did not load (file and reason).
pub fn load_bones(model: &Model) -> (Vec<BoneMesh>, Vec<String>) {
    let dir = model.geometry_dir();
    let mut bones = Vec::new();
    let mut missing = Vec::new();
    for (b, body) in model.bodies.iter().enumerate() {
        for g in &body.geometry {
            match crate::osim::Mesh::load(dir.join(&g.file)) {
                Ok(mesh) => bones.push(BoneMesh {
                    body: b,
                    geometry: g.clone(),
                    mesh,
                }),
                Err(e) => missing.push(format!("{}: {e}", g.file)),
            }
        }
    }
    (bones, missing)
}

/// A rotation of body-fixed X-Y-Z angles (OpenSim's `orientation`, `xyz_body_rotation`).
pub fn xyz_quat(angles: [f64; 3]) -> Quat {
    Quat::from_rotation_x(angles[0] as f32)
        * Quat::from_rotation_y(angles[1] as f32)
        * Quat::from_rotation_z(angles[2] as f32)
}

/// Where a display mesh sits in its body: the file's rotation, translation and scale.
pub fn geometry_transform(g: &DisplayGeometry) -> Transform {
    Transform {
        translation: Vec3::from_array(g.translation.map(|v| v as f32)),
        rotation: xyz_quat(g.rotation),
        scale: Vec3::from_array(g.scale.map(|v| v as f32)),
    }
}

/// Converts a `.vtp` triangle mesh into a Bevy mesh (normals from the file or computed).
pub fn bevy_mesh(mesh: &crate::osim::Mesh) -> Mesh {
    let indices: Vec<u32> = mesh.triangles.iter().flatten().copied().collect();
    let mut out = Mesh::new(
        PrimitiveTopology::TriangleList,
        RenderAssetUsages::default(),
    )
    .with_inserted_attribute(Mesh::ATTRIBUTE_POSITION, mesh.positions.clone())
    .with_inserted_indices(Indices::U32(indices));
    match &mesh.normals {
        Some(n) if n.len() == mesh.positions.len() => {
            out.insert_attribute(Mesh::ATTRIBUTE_NORMAL, n.clone());
        }
        _ => out.compute_smooth_normals(),
    }
    out
}

/// Logs the bone meshes that failed to load (a startup system: the logger exists by then).
pub fn report_missing_meshes(data: Res<ModelData>) {
    for m in &data.missing {
        warn!("bone mesh skipped: {m}");
    }
}
