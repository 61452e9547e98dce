//! Wrapping surfaces (`WrapCylinder`, `WrapSphere`, `WrapEllipsoid`, `WrapTorus` in a body's
//! `WrapObjectSet`), the `PathWrap`s of muscle paths that use them, and
//! `CoordinateCouplerConstraint`s. What cannot be honoured is skipped with a warning that names
//! it, never silently.

use std::collections::HashMap;

use roxmltree::Node;

use super::error::FormatError;
use super::model::{CoordinateCoupler, PathWrap, WrapObject, WrapShapeSpec};
use super::read::{child, set_items, Names, Reader};

impl Reader<'_, '_> {
    /// Every body's wrapping surfaces, in body order (`body_nodes[0]` is ground).
    pub(super) fn wrap_objects(&self, body_nodes: &[Node]) -> Result<Vec<WrapObject>, FormatError> {
        let mut out: Vec<WrapObject> = Vec::new();
        for (body, node) in body_nodes.iter().enumerate() {
            let Some(set) = child(*node, "WrapObjectSet") else {
                continue;
            };
            for w in set_items(set) {
                let name = self.name(w)?;
                let positive = |tag: &str| -> Result<f64, FormatError> {
                    let v = self.req_scalar(w, tag)?;
                    self.positive(w, tag, v)
                };
                let shape = match w.tag_name().name() {
                    "WrapCylinder" => WrapShapeSpec::Cylinder {
                        radius: positive("radius")?,
                        length: {
                            let v = self.opt_scalar(w, "length", 1.0)?;
                            self.positive(w, "length", v)?
                        },
                    },
                    "WrapSphere" => WrapShapeSpec::Sphere {
                        radius: positive("radius")?,
                    },
                    "WrapEllipsoid" => {
                        let d = self.vec3(self.req(w, "dimensions")?)?;
                        if !d.iter().all(|v| *v > 0.0) {
                            return Err(self.err(w, "ellipsoid dimensions must be positive"));
                        }
                        WrapShapeSpec::Ellipsoid { radii: d }
                    }
                    "WrapTorus" => {
                        let inner_radius = positive("inner_radius")?;
                        let outer_radius = positive("outer_radius")?;
                        if outer_radius <= inner_radius {
                            return Err(self.err(w, "a torus needs outer_radius > inner_radius"));
                        }
                        WrapShapeSpec::Torus {
                            inner_radius,
                            outer_radius,
                        }
                    }
                    // Unknown wrap types stay out of the list; the paths that name them warn.
                    _ => continue,
                };
                let quadrant = child(w, "quadrant")
                    .map(|q| self.text(q).trim().to_string())
                    .filter(|q| !q.is_empty())
                    .unwrap_or_else(|| "all".into());
                if !valid_quadrant(&quadrant) {
                    return Err(self.err(w, format!("unknown quadrant \"{quadrant}\"")));
                }
                if out.iter().any(|o| o.name == name) {
                    return Err(self.err(w, format!("duplicate wrap object \"{name}\"")));
                }
                out.push(WrapObject {
                    name,
                    body,
                    rotation: self.opt_vec3(w, "xyz_body_rotation", [0.0; 3])?,
                    translation: self.opt_vec3(w, "translation", [0.0; 3])?,
                    shape,
                    quadrant,
                    active: match child(w, "active") {
                        Some(_) => self.opt_bool(w, "active")?,
                        None => true,
                    },
                });
            }
        }
        Ok(out)
    }

    /// A `GeometryPath`'s `PathWrapSet`.
    pub(super) fn path_wraps(
        &self,
        path: Node,
        wraps: &HashMap<String, usize>,
        muscle: &str,
        warnings: &mut Vec<String>,
    ) -> Result<Vec<PathWrap>, FormatError> {
        let Some(set) = child(path, "PathWrapSet") else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for pw in set_items(set) {
            if pw.tag_name().name() != "PathWrap" {
                continue;
            }
            let object_node = self.req(pw, "wrap_object")?;
            let object_name = self.text(object_node).trim();
            let Some(&object) = wraps.get(object_name) else {
                warnings.push(format!(
                    "{muscle}: wraps over \"{object_name}\", which is missing or of a type this \
                     reader does not compute (the path ignores it)"
                ));
                continue;
            };
            let method = child(pw, "method")
                .map(|m| self.text(m).trim().to_lowercase())
                .filter(|m| !m.is_empty())
                .unwrap_or_else(|| "hybrid".into());
            if !matches!(method.as_str(), "hybrid" | "midpoint" | "axial") {
                return Err(self.err(pw, format!("unknown wrap method \"{method}\"")));
            }
            let range = match child(pw, "range") {
                Some(r) => {
                    let v = self.numbers(r)?;
                    if v.len() != 2 || v.iter().any(|x| x.fract() != 0.0) {
                        return Err(self.err(r, "expected two whole numbers"));
                    }
                    [v[0] as i32, v[1] as i32]
                }
                None => [-1, -1],
            };
            out.push(PathWrap {
                object,
                method,
                range,
            });
        }
        Ok(out)
    }

    /// `CoordinateCouplerConstraint`s of one independent coordinate; other constraints (and
    /// couplers of several coordinates) are skipped with a warning.
    pub(super) fn couplers(
        &self,
        model: Node,
        names: &Names,
        warnings: &mut Vec<String>,
    ) -> Result<Vec<CoordinateCoupler>, FormatError> {
        let Some(set) = child(model, "ConstraintSet") else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for c in set_items(set) {
            let name = self.name(c)?;
            let tag = c.tag_name().name();
            let disabled = self.opt_bool(c, "isDisabled")?
                || child(c, "isEnforced").is_some_and(|n| self.text(n).trim() == "false");
            if disabled {
                continue;
            }
            if tag != "CoordinateCouplerConstraint" {
                warnings.push(format!(
                    "{tag} \"{name}\" is not honoured (only CoordinateCouplerConstraint is)"
                ));
                continue;
            }
            let independent: Vec<&str> = self
                .text(self.req(c, "independent_coordinate_names")?)
                .split_whitespace()
                .collect();
            if independent.len() != 1 {
                warnings.push(format!(
                    "CoordinateCouplerConstraint \"{name}\" couples {} coordinates; only one is \
                     supported, so it is not honoured",
                    independent.len()
                ));
                continue;
            }
            let coordinate = |n: Node, cname: &str| {
                names
                    .coordinate(cname)
                    .ok_or_else(|| self.err(n, format!("names a missing coordinate \"{cname}\"")))
            };
            let inode = self.req(c, "independent_coordinate_names")?;
            let dnode = self.req(c, "dependent_coordinate_name")?;
            let dependent = coordinate(dnode, self.text(dnode).trim())?;
            let independent = coordinate(inode, independent[0])?;
            if dependent == independent {
                return Err(self.err(c, "a coordinate cannot be coupled to itself"));
            }
            out.push(CoordinateCoupler {
                name,
                dependent,
                independent,
                function: self.function_in(self.req(c, "coupled_coordinates_function")?)?,
                scale: self.opt_scalar(c, "scale_factor", 1.0)?,
            });
        }
        Ok(out)
    }
}

/// OpenSim's quadrant strings: `all`, or an axis with an optional sign (`x`, `+y`, `-z`).
fn valid_quadrant(q: &str) -> bool {
    let q = q.to_lowercase();
    q == "all" || matches!(q.trim_start_matches(['+', '-']), "x" | "y" | "z")
}
