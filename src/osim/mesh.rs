//! The `.vtp` reader: VTK XML PolyData meshes in ASCII, as OpenSim ships its bone geometry.

use std::path::Path;

use roxmltree::{Document, Node};

use super::error::FormatError;

/// A triangle mesh.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Mesh {
    /// Vertex positions (m, in the body frame).
    pub positions: Vec<[f32; 3]>,
    /// Per-vertex normals, when the file has them.
    pub normals: Option<Vec<[f32; 3]>>,
    /// Triangles as vertex indices (polygons are split into fans).
    pub triangles: Vec<[u32; 3]>,
}

impl Mesh {
    /// Reads a `.vtp` file.
    pub fn load(path: impl AsRef<Path>) -> Result<Mesh, FormatError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| {
            FormatError::new(path, "file", None, format!("cannot read the file: {e}"))
        })?;
        Self::parse(&text, path)
    }

    /// Parses the text of a `.vtp` file; `path` is only used in error messages.
    pub fn parse(text: &str, path: &Path) -> Result<Mesh, FormatError> {
        super::xml::check_depth(text, path)?;
        let doc = Document::parse(text).map_err(|e| {
            FormatError::new(
                path,
                "XML",
                Some(e.pos().row),
                format!("not well-formed XML: {e}"),
            )
        })?;
        let err = |node: Node, msg: String| {
            let line = doc.text_pos_at(node.range().start).row;
            FormatError::new(path, node.tag_name().name(), Some(line), msg)
        };
        let root = doc.root_element();
        if root.attribute("type") != Some("PolyData") {
            return Err(err(root, "not a VTK PolyData file".into()));
        }
        let piece = root
            .descendants()
            .find(|n| n.has_tag_name("Piece"))
            .ok_or_else(|| err(root, "no <Piece>".into()))?;
        let section = |name: &str| piece.children().find(|n| n.has_tag_name(name));
        let numbers = |node: Node| -> Result<Vec<f64>, FormatError> {
            if node.attribute("format").unwrap_or("ascii") != "ascii" {
                return Err(err(node, "only ASCII data arrays are supported".into()));
            }
            node.text()
                .unwrap_or("")
                .split_whitespace()
                .map(|t| {
                    t.parse::<f64>()
                        .ok()
                        .filter(|v| v.abs() <= super::MAX_MAGNITUDE)
                        .ok_or_else(|| {
                            err(
                                node,
                                format!(
                                    "\"{t}\" is not a finite number within +-{:e}",
                                    super::MAX_MAGNITUDE
                                ),
                            )
                        })
                })
                .collect()
        };
        let triples = |values: Vec<f64>, node: Node| -> Result<Vec<[f32; 3]>, FormatError> {
            if values.len() % 3 != 0 {
                return Err(err(node, "value count is not a multiple of 3".into()));
            }
            Ok(values
                .chunks_exact(3)
                .map(|c| [c[0] as f32, c[1] as f32, c[2] as f32])
                .collect())
        };
        let points_node = section("Points").ok_or_else(|| err(piece, "no <Points>".into()))?;
        let points_array =
            array(points_node, None).ok_or_else(|| err(points_node, "no DataArray".into()))?;
        let positions = triples(numbers(points_array)?, points_array)?;
        let normals = match section("PointData").and_then(|pd| array(pd, Some("Normals"))) {
            Some(n) => {
                let normals = triples(numbers(n)?, n)?;
                if normals.len() != positions.len() {
                    return Err(err(n, "normal count differs from point count".into()));
                }
                Some(normals)
            }
            None => None,
        };
        let mut triangles = Vec::new();
        if let Some(polys) = section("Polys") {
            let conn = array(polys, Some("connectivity"))
                .ok_or_else(|| err(polys, "no connectivity array".into()))?;
            let offs = array(polys, Some("offsets"))
                .ok_or_else(|| err(polys, "no offsets array".into()))?;
            let connectivity = numbers(conn)?;
            let offsets = numbers(offs)?;
            let mut start = 0usize;
            for end in offsets {
                let end = end as usize;
                if end < start || end > connectivity.len() {
                    return Err(err(offs, format!("offset {end} out of range")));
                }
                let poly = &connectivity[start..end];
                for k in 1..poly.len().saturating_sub(1) {
                    let tri = [poly[0], poly[k], poly[k + 1]];
                    if tri
                        .iter()
                        .any(|i| *i < 0.0 || *i as usize >= positions.len())
                    {
                        return Err(err(conn, format!("vertex index out of range in {tri:?}")));
                    }
                    triangles.push(tri.map(|i| i as u32));
                }
                start = end;
            }
        }
        Ok(Mesh {
            positions,
            normals,
            triangles,
        })
    }
}

fn array<'a, 'i>(parent: Node<'a, 'i>, name: Option<&str>) -> Option<Node<'a, 'i>> {
    parent
        .children()
        .filter(|n| n.has_tag_name("DataArray"))
        .find(|n| name.is_none_or(|want| n.attribute("Name") == Some(want)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_quad_as_two_triangles_and_rejects_bad_indices() {
        let text = r#"<?xml version="1.0"?><VTKFile type="PolyData"><PolyData>
        <Piece NumberOfPoints="4" NumberOfPolys="1"><Points>
        <DataArray type="Float32" NumberOfComponents="3" format="ascii">0 0 0 1 0 0 1 1 0 0 1 0</DataArray>
        </Points><Polys><DataArray type="Int32" Name="connectivity" format="ascii">0 1 2 3</DataArray>
        <DataArray type="Int32" Name="offsets" format="ascii">4</DataArray></Polys></Piece></PolyData></VTKFile>"#;
        let m = Mesh::parse(text, Path::new("q.vtp")).unwrap();
        assert_eq!(m.positions.len(), 4);
        assert_eq!(m.triangles, vec![[0, 1, 2], [0, 2, 3]]);
        let bad = text.replace("0 1 2 3</DataArray>", "0 1 2 9</DataArray>");
        assert!(Mesh::parse(&bad, Path::new("q.vtp")).is_err());
    }
}
