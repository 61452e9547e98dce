//! A 2-D Gaussian kernel density estimate on a regular grid, for the latent-space picture
//! (the study's Figure 4.1).

/// A density on a `size x size` grid over `[x0, x1] x [y0, y1]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Density {
    /// Lower-left corner.
    pub min: [f64; 2],
    /// Upper-right corner.
    pub max: [f64; 2],
    /// Cells per side.
    pub size: usize,
    /// Densities, row-major from the bottom row (`values[j * size + i]` at column `i`, row `j`).
    pub values: Vec<f64>,
}

impl Density {
    /// Width and height of one cell.
    pub fn cell(&self) -> [f64; 2] {
        [
            (self.max[0] - self.min[0]) / self.size as f64,
            (self.max[1] - self.min[1]) / self.size as f64,
        ]
    }
}

/// Scott's rule bandwidth for one axis: `sigma * n^(-1/6)` in two dimensions.
pub fn scott_bandwidth(values: impl Iterator<Item = f64> + Clone) -> f64 {
    let n = values.clone().count().max(1) as f64;
    let mean = values.clone().sum::<f64>() / n;
    let var = values.map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    (var.sqrt() * n.powf(-1.0 / 6.0)).max(1e-6)
}

/// Estimates the density of `points` on a `size x size` grid spanning the points plus three
/// bandwidths, with a product Gaussian kernel and Scott's bandwidths. `None` without points.
pub fn estimate(points: &[[f32; 2]], size: usize) -> Option<Density> {
    let finite: Vec<[f64; 2]> = points
        .iter()
        .filter(|p| p[0].is_finite() && p[1].is_finite())
        .map(|p| [p[0] as f64, p[1] as f64])
        .collect();
    if finite.is_empty() || size == 0 {
        return None;
    }
    let h = [
        scott_bandwidth(finite.iter().map(|p| p[0])),
        scott_bandwidth(finite.iter().map(|p| p[1])),
    ];
    let mut min = [f64::INFINITY; 2];
    let mut max = [f64::NEG_INFINITY; 2];
    for p in &finite {
        for k in 0..2 {
            min[k] = min[k].min(p[k] - 3.0 * h[k]);
            max[k] = max[k].max(p[k] + 3.0 * h[k]);
        }
    }
    let mut density = Density {
        min,
        max,
        size,
        values: vec![0.0; size * size],
    };
    let cell = density.cell();
    let norm = 1.0 / (finite.len() as f64 * 2.0 * std::f64::consts::PI * h[0] * h[1]);
    // The kernel is separable: per point, one row of x weights and one column of y weights.
    let mut wx = vec![0.0; size];
    let mut wy = vec![0.0; size];
    for p in &finite {
        for i in 0..size {
            let x = min[0] + (i as f64 + 0.5) * cell[0];
            wx[i] = (-0.5 * ((x - p[0]) / h[0]).powi(2)).exp();
            let y = min[1] + (i as f64 + 0.5) * cell[1];
            wy[i] = (-0.5 * ((y - p[1]) / h[1]).powi(2)).exp();
        }
        for (row, y) in density.values.chunks_exact_mut(size).zip(&wy) {
            if *y < 1e-12 {
                continue;
            }
            for (v, x) in row.iter_mut().zip(&wx) {
                *v += norm * y * x;
            }
        }
    }
    Some(density)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn density_integrates_to_one_and_peaks_at_the_cluster() {
        let mut points = Vec::new();
        for i in 0..200 {
            let t = i as f32 * 0.1;
            points.push([2.0 + 0.3 * t.sin(), -1.0 + 0.2 * (1.7 * t).cos()]);
        }
        let d = estimate(&points, 64).expect("points");
        let c = d.cell();
        let integral: f64 = d.values.iter().sum::<f64>() * c[0] * c[1];
        assert!((integral - 1.0).abs() < 0.01, "integral {integral}");
        let (best, _) =
            d.values.iter().enumerate().fold(
                (0, f64::MIN),
                |acc, (i, v)| if *v > acc.1 { (i, *v) } else { acc },
            );
        let x = d.min[0] + ((best % 64) as f64 + 0.5) * c[0];
        let y = d.min[1] + ((best / 64) as f64 + 0.5) * c[1];
        assert!(
            (x - 2.0).abs() < 0.3 && (y + 1.0).abs() < 0.3,
            "peak at {x}, {y}"
        );
        assert!(estimate(&[], 10).is_none());
    }
}
