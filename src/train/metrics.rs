//! `metrics.csv`, one row per update: [`COLUMNS`] is the one list of its columns, which the
//! writer ([`UpdateMetrics::csv`]) and the reader ([`parse_metrics`]) both go through, so they
//! cannot disagree. The reader finds columns by name: files written before a column existed
//! read it as NaN, and a resumed run rewrites them with today's columns ([`upgrade_metrics`]).

use std::path::Path;

use anyhow::{Context, Result};

use super::messages::UpdateMetrics;

/// A column: its name, how a row gives its value, and how a value goes back into a row.
pub type Column = (
    &'static str,
    fn(&UpdateMetrics) -> f64,
    fn(&mut UpdateMetrics, f64),
);

/// The columns of `metrics.csv`, in file order.
pub const COLUMNS: [Column; 19] = [
    ("update", |m| m.update as f64, |m, v| m.update = v as usize),
    (
        "env_steps",
        |m| m.env_steps as f64,
        |m, v| m.env_steps = v as u64,
    ),
    ("mean_return", |m| m.mean_return, |m, v| m.mean_return = v),
    (
        "mean_duration",
        |m| m.mean_duration,
        |m, v| m.mean_duration = v,
    ),
    (
        "episodes",
        |m| m.episodes as f64,
        |m, v| m.episodes = v as usize,
    ),
    (
        "policy_loss",
        |m| m.stats.policy_loss,
        |m, v| m.stats.policy_loss = v,
    ),
    (
        "value_loss",
        |m| m.stats.value_loss,
        |m, v| m.stats.value_loss = v,
    ),
    ("entropy", |m| m.stats.entropy, |m, v| m.stats.entropy = v),
    (
        "approx_kl",
        |m| m.stats.approx_kl,
        |m, v| m.stats.approx_kl = v,
    ),
    (
        "clip_fraction",
        |m| m.stats.clip_fraction,
        |m, v| m.stats.clip_fraction = v,
    ),
    (
        "explained_variance",
        |m| m.stats.explained_variance,
        |m, v| m.stats.explained_variance = v,
    ),
    (
        "encoder_loss",
        |m| m.stats.encoder_loss,
        |m, v| m.stats.encoder_loss = v,
    ),
    (
        "steps_per_second",
        |m| m.steps_per_second,
        |m, v| m.steps_per_second = v,
    ),
    (
        "rollout_seconds",
        |m| m.rollout_seconds,
        |m, v| m.rollout_seconds = v,
    ),
    (
        "update_seconds",
        |m| m.update_seconds,
        |m, v| m.update_seconds = v,
    ),
    (
        "approx_kl_last_epoch",
        |m| m.stats.approx_kl_last_epoch,
        |m, v| m.stats.approx_kl_last_epoch = v,
    ),
    ("ent_coef", |m| m.ent_coef, |m, v| m.ent_coef = v),
    ("test_mse", |m| m.test_mse, |m, v| m.test_mse = v),
    ("test_r2", |m| m.test_r2, |m, v| m.test_r2 = v),
];

impl UpdateMetrics {
    /// The CSV header: the names of [`COLUMNS`].
    pub const HEADER: &'static str = "update,env_steps,mean_return,mean_duration,episodes,policy_loss,value_loss,entropy,approx_kl,clip_fraction,explained_variance,encoder_loss,steps_per_second,rollout_seconds,update_seconds,approx_kl_last_epoch,ent_coef,test_mse,test_r2";

    /// One CSV line, the values of [`COLUMNS`] in order (counts print as integers, since an f64
    /// holding a whole number prints without a fraction).
    pub fn csv(&self) -> String {
        COLUMNS
            .iter()
            .map(|(_, get, _)| get(self).to_string())
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// Reads a run's `metrics.csv`.
pub fn read_metrics(path: &Path) -> Result<Vec<UpdateMetrics>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    parse_metrics(&text).with_context(|| format!("{}", path.display()))
}

/// Parses the text of a `metrics.csv`: columns found by name (unknown ones are skipped, missing
/// ones are NaN; a missing update counts rows, missing episodes are 0).
pub fn parse_metrics(text: &str) -> Result<Vec<UpdateMetrics>> {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header: Vec<&str> = lines
        .next()
        .context("empty metrics file")?
        .split(',')
        .map(str::trim)
        .collect();
    if !header.contains(&"env_steps") {
        anyhow::bail!("metrics file has no env_steps column");
    }
    let found: Vec<Option<&Column>> = header
        .iter()
        .map(|h| COLUMNS.iter().find(|(name, _, _)| name == h))
        .collect();
    let mut out = Vec::new();
    for (n, line) in lines.enumerate() {
        let cells: Vec<&str> = line.split(',').map(str::trim).collect();
        if cells.len() != header.len() {
            anyhow::bail!(
                "line {}: {} cells, the header has {}",
                n + 2,
                cells.len(),
                header.len()
            );
        }
        let mut m = UpdateMetrics::default();
        for (_, _, set) in COLUMNS.iter().skip(2) {
            set(&mut m, f64::NAN);
        }
        m.update = n + 1;
        m.episodes = 0;
        for (cell, column) in cells.iter().zip(&found) {
            let Some((_, _, set)) = column else { continue };
            let v = cell
                .parse::<f64>()
                .with_context(|| format!("line {}: {cell:?} is not a number", n + 2))?;
            if v.is_finite() || !matches!(column.map(|c| c.0), Some("update" | "episodes")) {
                set(&mut m, v);
            }
        }
        out.push(m);
    }
    Ok(out)
}

/// Rewrites a `metrics.csv` text written with older columns in today's (missing values NaN),
/// so a resumed run appends rows that match its header.
pub fn upgrade_metrics(text: &str) -> Result<String> {
    let rows = parse_metrics(text)?;
    let mut out = format!("{}\n", UpdateMetrics::HEADER);
    for row in rows {
        out.push_str(&row.csv());
        out.push('\n');
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_names_the_columns_in_order() {
        let names: Vec<&str> = COLUMNS.iter().map(|c| c.0).collect();
        assert_eq!(UpdateMetrics::HEADER, names.join(","));
    }

    #[test]
    fn metrics_round_trip_through_csv() {
        let mut m = UpdateMetrics {
            update: 3,
            env_steps: 61440,
            mean_return: 12.5,
            mean_duration: 0.75,
            episodes: 40,
            steps_per_second: 2100.0,
            ..Default::default()
        };
        m.stats.approx_kl = 0.0125;
        let line = m.csv();
        assert!(line.starts_with("3,61440,12.5,0.75,40,0,"), "{line}");
        let text = format!("{}\n{line}\n", UpdateMetrics::HEADER);
        let back = parse_metrics(&text).expect("parses");
        assert_eq!(back, vec![m]);
        assert!(parse_metrics("update,env_steps\n1,x\n").is_err());
        assert!(parse_metrics("update,env_steps\n1,2,3\n").is_err());
        assert!(parse_metrics("").is_err());
    }

    #[test]
    fn an_older_file_reads_its_missing_columns_as_nan() {
        let rows = parse_metrics("env_steps,mean_return,extra\n2048,1.5,9\n4096,NaN,9\n").unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(
            (rows[1].update, rows[1].env_steps, rows[1].episodes),
            (2, 4096, 0)
        );
        assert_eq!(rows[0].mean_return, 1.5);
        assert!(rows[1].mean_return.is_nan() && rows[0].stats.policy_loss.is_nan());
        let upgraded = upgrade_metrics("env_steps,mean_return\n2048,1.5\n").unwrap();
        assert!(upgraded.starts_with(UpdateMetrics::HEADER));
        assert_eq!(parse_metrics(&upgraded).unwrap()[0].env_steps, 2048);
    }
}
