//! `gaitscope analyze`: OpenSim's MuscleAnalysis for a motion on any model: muscle-tendon,
//! fibre, tendon and normalised fibre lengths, and moment arms about every unlocked coordinate a
//! muscle crosses (or the ones asked for), written as `.sto` files named as OpenSim names them.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::osim::model::{Muscle, MuscleKind};
use crate::osim::{Model, Table};
use crate::sim::kinematics::{coordinates_from_row, is_dependent};
use crate::sim::muscle::{equilibrium_fiber_length, millard_equilibrium_fiber_length};
use crate::sim::path::{moment_arm, muscle_length};

/// Lengths and moment arms of every muscle for every row of a motion.
#[derive(Debug, Clone)]
pub struct MuscleAnalysis {
    /// `time` then one column per muscle: muscle-tendon length (m).
    pub length: Table,
    /// Fibre length (m) at static equilibrium with the muscle's default activation.
    pub fiber_length: Table,
    /// Tendon length (m).
    pub tendon_length: Table,
    /// Fibre length over optimal fibre length.
    pub normalized_fiber_length: Table,
    /// Per coordinate name: `time` then one column per muscle, moment arm (m).
    pub moment_arms: Vec<(String, Table)>,
}

/// The bodies whose motion moves a muscle's path: its points' bodies and its wrap surfaces'.
fn path_bodies(model: &Model, m: &Muscle) -> Vec<usize> {
    let mut b: Vec<usize> = m.path.iter().map(|p| p.body).collect();
    b.extend(m.wraps.iter().map(|w| model.wrap_objects[w.object].body));
    b.sort_unstable();
    b.dedup();
    b
}

/// Whether `body` lies at or below `root` in the model's tree.
fn in_subtree(model: &Model, mut body: usize, root: usize) -> bool {
    loop {
        if body == root {
            return true;
        }
        match model.joint_of_body(body) {
            Some(j) => body = model.joints[j].parent,
            None => return false,
        }
    }
}

/// Whether `muscle` crosses `coordinate`: its joint separates the path's bodies, or a coordinate
/// coupled to it does, or it moves one of the path's points.
pub fn crosses(model: &Model, muscle: &Muscle, coordinate: usize) -> bool {
    let bodies = path_bodies(model, muscle);
    let separates = |c: usize| {
        let child = model.joints[model.coordinates[c].joint].child;
        let below = bodies
            .iter()
            .filter(|&&b| in_subtree(model, b, child))
            .count();
        below > 0 && below < bodies.len()
    };
    let moves_point = |c: usize| {
        muscle.path.iter().any(|p| match &p.kind {
            crate::osim::model::PathPointKind::Conditional { coordinate, .. } => *coordinate == c,
            crate::osim::model::PathPointKind::Moving { components } => {
                components.iter().flatten().any(|(_, k)| *k == c)
            }
            crate::osim::model::PathPointKind::Fixed => false,
        })
    };
    let direct = |c: usize| separates(c) || moves_point(c);
    direct(coordinate)
        || model
            .couplers
            .iter()
            .any(|k| k.independent == coordinate && direct(k.dependent))
}

/// The coordinates MuscleAnalysis reports by default: unlocked, not driven by a constraint, and
/// crossed by at least one muscle.
pub fn default_coordinates(model: &Model) -> Vec<usize> {
    (0..model.coordinates.len())
        .filter(|&c| !model.coordinates[c].locked && !is_dependent(model, c))
        .filter(|&c| {
            model
                .muscles
                .iter()
                .any(|m| m.is_muscle() && crosses(model, m, c))
        })
        .collect()
}

/// Fibre length (m) and pennation cosine of a muscle at path length `length`: the static
/// equilibrium of a compliant tendon at the muscle's default activation, or the rigid tendon's
/// geometry when the file asks for one.
pub fn fiber_length(m: &Muscle, length: f64) -> (f64, f64) {
    let height = m.optimal_fiber_length * m.pennation_angle_at_optimal.sin();
    let lf = if m.rigid_tendon {
        let along = length - m.tendon_slack_length;
        (height * height + along * along)
            .sqrt()
            .max(m.minimum_fiber_length)
    } else {
        let a = m.default_activation.max(0.0);
        match m.kind {
            MuscleKind::Millard2012 => millard_equilibrium_fiber_length(m, length, a)
                .unwrap_or_else(|| equilibrium_fiber_length(m, length, a)),
            _ => equilibrium_fiber_length(m, length, a),
        }
    };
    let cos_pen = if lf > 0.0 {
        (1.0 - (height / lf).powi(2)).max(0.0).sqrt()
    } else {
        1.0
    };
    (lf, cos_pen)
}

/// Runs the analysis of `motion` on `model` for `coordinates` (indices; `None`: the defaults).
pub fn muscle_analysis(
    model: &Model,
    motion: &Table,
    coordinates: Option<&[usize]>,
) -> Result<MuscleAnalysis> {
    let columns: Vec<Option<usize>> = model
        .coordinates
        .iter()
        .map(|c| motion.column_index(&c.name))
        .collect();
    let muscles: Vec<&Muscle> = model.muscles.iter().filter(|m| m.is_muscle()).collect();
    let mut labels = vec!["time".to_string()];
    labels.extend(muscles.iter().map(|m| m.name.clone()));
    let table = |what: &str| Table::new(format!("MuscleAnalysis_{what}"), labels.clone(), false);
    let (mut length, mut fiber, mut tendon, mut normalized) = (
        table("Length"),
        table("FiberLength"),
        table("TendonLength"),
        table("NormalizedFiberLength"),
    );
    let chosen = coordinates.map_or_else(|| default_coordinates(model), <[usize]>::to_vec);
    let mut arms: Vec<(usize, Vec<bool>, Table)> = chosen
        .iter()
        .map(|&c| {
            let name = &model.coordinates[c].name;
            let crossing = muscles.iter().map(|m| crosses(model, m, c)).collect();
            (c, crossing, table(&format!("MomentArm_{name}")))
        })
        .collect();
    for row in &motion.rows {
        let q = coordinates_from_row(model, &columns, row, motion.in_degrees);
        let mut rows = [vec![row[0]], vec![row[0]], vec![row[0]], vec![row[0]]];
        for m in &muscles {
            let l = muscle_length(model, m, &q);
            let (lf, cos_pen) = fiber_length(m, l);
            rows[0].push(l);
            rows[1].push(lf);
            rows[2].push(l - lf * cos_pen);
            rows[3].push(lf / m.optimal_fiber_length);
        }
        for (t, r) in [&mut length, &mut fiber, &mut tendon, &mut normalized]
            .into_iter()
            .zip(rows)
        {
            t.rows.push(r);
        }
        for (c, crossing, t) in &mut arms {
            let mut r = vec![row[0]];
            for (m, crosses) in muscles.iter().zip(crossing.iter()) {
                // A wrapped path's moment arm is computed even about coordinates it does not
                // cross: OpenSim's is not exactly 0 there when two surfaces share a path.
                let compute = *crosses || !m.wraps.is_empty();
                r.push(if compute {
                    moment_arm(model, m, *c, &q)
                } else {
                    0.0
                });
            }
            t.rows.push(r);
        }
    }
    Ok(MuscleAnalysis {
        length,
        fiber_length: fiber,
        tendon_length: tendon,
        normalized_fiber_length: normalized,
        moment_arms: arms
            .into_iter()
            .map(|(c, _, t)| (model.coordinates[c].name.clone(), t))
            .collect(),
    })
}

/// The indices of the coordinates named in `names`, with an error naming the model's
/// coordinates when one is missing.
pub fn coordinate_indices(model: &Model, names: &[String]) -> Result<Vec<usize>> {
    names
        .iter()
        .map(|n| {
            model.coordinate_index(n).with_context(|| {
                let all: Vec<&str> = model.coordinates.iter().map(|c| c.name.as_str()).collect();
                format!(
                    "the model has no coordinate {n}; it has: {}",
                    all.join(", ")
                )
            })
        })
        .collect()
}

/// `gaitscope analyze --motion FILE --out DIR [--model FILE] [--coordinates a,b]`: writes
/// `DIR/<motion>_MuscleAnalysis_<what>.sto` for the lengths and
/// `DIR/<motion>_MuscleAnalysis_MomentArm_<coord>.sto` for each coordinate.
pub fn run(
    model_path: &Path,
    motion_path: &Path,
    out: &Path,
    coordinates: Option<&[String]>,
) -> Result<Vec<PathBuf>> {
    let model = Model::load(model_path)?;
    for w in &model.warnings {
        eprintln!("warning: {w}");
    }
    if !model.muscles.iter().any(|m| m.is_muscle()) {
        bail!("{} has no muscles to analyse", model_path.display());
    }
    if model
        .muscles
        .iter()
        .any(|m| m.kind == MuscleKind::Millard2012 && !m.rigid_tendon)
    {
        eprintln!(
            "note: compliant Millard2012 muscles' fibre lengths use Thelen's curves at \
             equilibrium (lengths and moment arms are exact)"
        );
    }
    let motion = Table::load(motion_path)?;
    let chosen = coordinates
        .map(|c| coordinate_indices(&model, c))
        .transpose()?;
    let stem = motion_path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "motion".into());
    let analysis = muscle_analysis(&model, &motion, chosen.as_deref())?;
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let mut tables: Vec<(String, &Table)> = vec![
        ("Length".into(), &analysis.length),
        ("FiberLength".into(), &analysis.fiber_length),
        ("TendonLength".into(), &analysis.tendon_length),
        (
            "NormalizedFiberLength".into(),
            &analysis.normalized_fiber_length,
        ),
    ];
    for (name, t) in &analysis.moment_arms {
        tables.push((format!("MomentArm_{name}"), t));
    }
    let mut written = Vec::new();
    for (what, table) in tables {
        let path = out.join(format!("{stem}_MuscleAnalysis_{what}.sto"));
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
    /// The OpenSim model, OpenSim 3 or 4 (default: the shipped gait14dof22musc).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Coordinates for the moment arms, comma separated (default: every unlocked coordinate a
    /// muscle crosses).
    #[arg(long, value_delimiter = ',')]
    pub coordinates: Option<Vec<String>>,
}

impl AnalyzeArgs {
    /// Runs the analysis and lists the files written.
    pub fn run(&self) -> Result<()> {
        let model = self.model.clone().unwrap_or_else(crate::default_model_path);
        for f in run(&model, &self.motion, &self.out, self.coordinates.as_deref())? {
            println!("wrote {}", f.display());
        }
        Ok(())
    }
}
