//! OpenSim tables: `.mot` and `.sto` files, read and written.
//!
//! The format: header lines (a name, then `key=value` lines such as `inDegrees=yes`) up to a line
//! `endheader`, then a row of column labels (the first is `time`), then rows of numbers separated
//! by tabs or spaces.

use std::fmt::Write as _;
use std::path::Path;

use super::error::FormatError;

/// A table of numbers with labelled columns, as in an OpenSim `.mot`/`.sto` file.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// The first header line (OpenSim uses it as the table's name).
    pub name: String,
    /// Whether angles are in degrees (`inDegrees=yes`).
    pub in_degrees: bool,
    /// Column labels; the first is normally `time`.
    pub labels: Vec<String>,
    /// Rows of values, each as long as `labels`.
    pub rows: Vec<Vec<f64>>,
}

impl Table {
    /// A new empty table with the given columns.
    pub fn new(name: impl Into<String>, labels: Vec<String>, in_degrees: bool) -> Self {
        Self {
            name: name.into(),
            in_degrees,
            labels,
            rows: Vec::new(),
        }
    }

    /// Reads a `.mot`/`.sto` file.
    pub fn load(path: impl AsRef<Path>) -> Result<Table, FormatError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| {
            FormatError::new(path, "file", None, format!("cannot read the file: {e}"))
        })?;
        Self::parse(&text, path)
    }

    /// Parses the text of a `.mot`/`.sto` file; `path` is only used in error messages.
    pub fn parse(text: &str, path: &Path) -> Result<Table, FormatError> {
        let mut lines = text.lines().enumerate();
        let mut name = String::new();
        let mut in_degrees = false;
        let mut found_end = false;
        for (i, line) in lines.by_ref() {
            let line = line.trim();
            if i == 0 {
                name = line.to_string();
            }
            if line.eq_ignore_ascii_case("endheader") {
                found_end = true;
                break;
            }
            if let Some((key, value)) = line.split_once('=') {
                if key.trim().eq_ignore_ascii_case("inDegrees") {
                    in_degrees = value.trim().eq_ignore_ascii_case("yes");
                }
            }
        }
        if !found_end {
            return Err(FormatError::new(
                path,
                "header",
                None,
                "no \"endheader\" line",
            ));
        }
        let (label_line, labels) = loop {
            match lines.next() {
                Some((i, l)) if !l.trim().is_empty() => {
                    break (
                        i,
                        l.split_whitespace().map(str::to_string).collect::<Vec<_>>(),
                    )
                }
                Some(_) => continue,
                None => {
                    return Err(FormatError::new(
                        path,
                        "column labels",
                        None,
                        "no column labels after endheader",
                    ))
                }
            }
        };
        if labels.is_empty() {
            return Err(FormatError::new(
                path,
                "column labels",
                Some(label_line as u32 + 1),
                "empty label row",
            ));
        }
        let mut rows = Vec::new();
        for (i, line) in lines {
            if line.trim().is_empty() {
                continue;
            }
            let lineno = Some(i as u32 + 1);
            let row_no = rows.len() + 1;
            let mut row = Vec::with_capacity(labels.len());
            for (k, tok) in line.split_whitespace().enumerate() {
                let col = labels.get(k).map(String::as_str).unwrap_or("(extra)");
                match tok.parse::<f64>() {
                    Ok(v) if v.abs() <= super::MAX_MAGNITUDE => row.push(v),
                    _ => {
                        return Err(FormatError::new(
                            path,
                            format!("row {row_no}, column \"{col}\""),
                            lineno,
                            format!(
                                "\"{tok}\" is not a finite number within +-{:e}",
                                super::MAX_MAGNITUDE
                            ),
                        ))
                    }
                }
            }
            if row.len() != labels.len() {
                return Err(FormatError::new(
                    path,
                    format!("row {row_no}"),
                    lineno,
                    format!("expected {} values, found {}", labels.len(), row.len()),
                ));
            }
            if let Some(prev) = rows.last().map(|r: &Vec<f64>| r[0]) {
                if labels[0] == "time" && row[0] < prev {
                    return Err(FormatError::new(
                        path,
                        format!("row {row_no}, column \"time\""),
                        lineno,
                        format!("time goes backwards ({} after {prev})", row[0]),
                    ));
                }
            }
            rows.push(row);
        }
        Ok(Table {
            name,
            in_degrees,
            labels,
            rows,
        })
    }

    /// The index of the column labelled `label`.
    pub fn column_index(&self, label: &str) -> Option<usize> {
        self.labels.iter().position(|l| l == label)
    }

    /// All values of column `label`.
    pub fn column(&self, label: &str) -> Option<Vec<f64>> {
        let k = self.column_index(label)?;
        Some(self.rows.iter().map(|r| r[k]).collect())
    }

    /// The first column (time) of every row.
    pub fn times(&self) -> Vec<f64> {
        self.rows.iter().map(|r| r[0]).collect()
    }

    /// Serialises the table in OpenSim's format.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{}",
            if self.name.is_empty() {
                "table"
            } else {
                &self.name
            }
        );
        let _ = writeln!(s, "version=1");
        let _ = writeln!(s, "nRows={}", self.rows.len());
        let _ = writeln!(s, "nColumns={}", self.labels.len());
        let _ = writeln!(
            s,
            "inDegrees={}",
            if self.in_degrees { "yes" } else { "no" }
        );
        let _ = writeln!(s, "endheader");
        let _ = writeln!(s, "{}", self.labels.join("\t"));
        for row in &self.rows {
            let cells: Vec<String> = row.iter().map(|v| format!("{v:.10e}")).collect();
            let _ = writeln!(s, "{}", cells.join("\t"));
        }
        s
    }

    /// Writes the table atomically (a temporary file, then a rename).
    pub fn save(&self, path: impl AsRef<Path>) -> std::io::Result<()> {
        crate::util::write_atomic(path.as_ref(), self.to_text().as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_is_exact() {
        let mut t = Table::new("test", vec!["time".into(), "a".into(), "b".into()], true);
        t.rows.push(vec![0.0, 1.0 / 3.0, -2.5e-7]);
        t.rows.push(vec![0.01, 12345.678, 0.1]);
        let back = Table::parse(&t.to_text(), Path::new("t.sto")).unwrap();
        assert_eq!(back.labels, t.labels);
        assert!(back.in_degrees);
        for (a, b) in back.rows.iter().flatten().zip(t.rows.iter().flatten()) {
            assert!((a - b).abs() <= 1e-10 * b.abs().max(1e-300));
        }
    }

    #[test]
    fn bad_rows_are_errors_that_name_row_and_column() {
        let text = "x\ninDegrees=no\nendheader\ntime\tq\n0\t1\n0.1\tabc\n";
        let e = Table::parse(text, Path::new("bad.mot")).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("bad.mot:6"), "{msg}");
        assert!(msg.contains("row 2, column \"q\""), "{msg}");
        let short = "x\nendheader\ntime\tq\n0\t1\n0.1\n";
        let e = Table::parse(short, Path::new("s.mot")).unwrap_err();
        assert!(e.to_string().contains("expected 2 values, found 1"), "{e}");
        let nan = "x\nendheader\ntime\tq\n0\tNaN\n";
        assert!(Table::parse(nan, Path::new("n.mot")).is_err());
        assert!(Table::parse("no header\n1 2\n", Path::new("h.mot")).is_err());
    }
}
