//! `gaitscope analyze`: OpenSim's MuscleAnalysis for a motion: muscle-tendon lengths and moment
//! arms for every row, written as `.sto` files named as OpenSim names them.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::osim::{Model, Table};
use crate::sim::kinematics::coordinates_from_row;
use crate::sim::path::{moment_arm, muscle_length};

/// The coordinates whose moment arms are written.
pub const MOMENT_ARM_COORDINATES: [&str; 8] = crate::env::GAIT_COORDINATES;

/// Lengths and moment arms of every muscle for every row of a motion.
#[derive(Debug, Clone)]
pub struct MuscleAnalysis {
    /// `time` then one column per muscle: muscle-tendon length (m).
    pub length: Table,
    /// Per coordinate name: `time` then one column per muscle, moment arm (m).
    pub moment_arms: Vec<(String, Table)>,
}

/// Runs the analysis of `motion` on `model`.
pub fn muscle_analysis(model: &Model, motion: &Table) -> Result<MuscleAnalysis> {
    let columns: Vec<Option<usize>> = model
        .coordinates
        .iter()
        .map(|c| motion.column_index(&c.name))
        .collect();
    let mut labels = vec!["time".to_string()];
    labels.extend(model.muscles.iter().map(|m| m.name.clone()));
    let mut length = Table::new("MuscleAnalysis_Length", labels.clone(), false);
    let mut arm_coords = Vec::new();
    for name in MOMENT_ARM_COORDINATES {
        let c = model
            .coordinate_index(name)
            .with_context(|| format!("the model has no coordinate {name}"))?;
        arm_coords.push((
            name.to_string(),
            c,
            Table::new(
                format!("MuscleAnalysis_MomentArm_{name}"),
                labels.clone(),
                false,
            ),
        ));
    }
    for row in &motion.rows {
        let q = coordinates_from_row(model, &columns, row, motion.in_degrees);
        let mut lrow = vec![row[0]];
        lrow.extend(model.muscles.iter().map(|m| muscle_length(model, m, &q)));
        length.rows.push(lrow);
        for (_, c, table) in &mut arm_coords {
            let mut arow = vec![row[0]];
            arow.extend(model.muscles.iter().map(|m| moment_arm(model, m, *c, &q)));
            table.rows.push(arow);
        }
    }
    Ok(MuscleAnalysis {
        length,
        moment_arms: arm_coords.into_iter().map(|(n, _, t)| (n, t)).collect(),
    })
}

/// `gaitscope analyze --motion FILE --out DIR [--model FILE]`: writes
/// `DIR/<motion>_MuscleAnalysis_Length.sto` and `DIR/<motion>_MuscleAnalysis_MomentArm_<coord>.sto`.
pub fn run(model_path: &Path, motion_path: &Path, out: &Path) -> Result<Vec<PathBuf>> {
    let model = Model::load(model_path)?;
    let motion = Table::load(motion_path)?;
    let stem = motion_path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "motion".into());
    let analysis = muscle_analysis(&model, &motion)?;
    let mut written = Vec::new();
    let path = out.join(format!("{stem}_MuscleAnalysis_Length.sto"));
    analysis
        .length
        .save(&path)
        .with_context(|| format!("writing {}", path.display()))?;
    written.push(path);
    for (name, table) in &analysis.moment_arms {
        let path = out.join(format!("{stem}_MuscleAnalysis_MomentArm_{name}.sto"));
        table
            .save(&path)
            .with_context(|| format!("writing {}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

/// `gaitscope analyze`'s options.
#[derive(clap::Args, Debug, Clone)]
pub struct AnalyzeArgs {
    /// The motion (.mot or .sto), coordinates in the model's names.
    #[arg(long)]
    pub motion: PathBuf,
    /// Output folder.
    #[arg(long)]
    pub out: PathBuf,
    /// The OpenSim model (default: the shipped gait14dof22musc).
    #[arg(long)]
    pub model: Option<PathBuf>,
}

impl AnalyzeArgs {
    /// Runs the analysis and lists the files written.
    pub fn run(&self) -> Result<()> {
        let model = self.model.clone().unwrap_or_else(crate::default_model_path);
        for f in run(&model, &self.motion, &self.out)? {
            println!("wrote {}", f.display());
        }
        Ok(())
    }
}
