//! OpenSim's one-variable functions: `Constant`, `LinearFunction`, `SimmSpline`,
//! `PiecewiseLinearFunction` and `NaturalCubicSpline`.
//!
//! `SimmSpline` is the cubic spline of SIMM (Forsythe, Malcolm and Moler, *Computer Methods for
//! Mathematical Computations*, 1977): its end conditions match the third derivative of the cubic
//! through the first (last) four points, and outside the knots it extends linearly with the end
//! slope. Evaluation must match OpenSim's to machine precision, because muscle lengths and the knee's
//! translations come from these splines.

use serde::{Deserialize, Serialize};

/// A function of one coordinate, as OpenSim stores it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Function {
    /// `Constant`: the same value everywhere.
    Constant(f64),
    /// `LinearFunction`: `slope * x + intercept`.
    Linear {
        /// Slope (first coefficient).
        slope: f64,
        /// Intercept (second coefficient).
        intercept: f64,
    },
    /// A cubic spline (`SimmSpline` or `NaturalCubicSpline`) through knots.
    Spline(CubicSpline),
    /// `PiecewiseLinearFunction`: straight lines between knots, extended with the end slopes.
    PiecewiseLinear {
        /// Knot abscissae, strictly increasing.
        x: Vec<f64>,
        /// Knot values.
        y: Vec<f64>,
    },
}

impl Function {
    /// The identity function `x`.
    pub fn identity() -> Self {
        Function::Linear {
            slope: 1.0,
            intercept: 0.0,
        }
    }

    /// The value at `x`.
    pub fn value(&self, x: f64) -> f64 {
        match self {
            Function::Constant(c) => *c,
            Function::Linear { slope, intercept } => slope * x + intercept,
            Function::Spline(s) => s.value(x),
            Function::PiecewiseLinear { x: xs, y } => piecewise_linear(xs, y, x).0,
        }
    }

    /// The first derivative at `x`.
    pub fn derivative(&self, x: f64) -> f64 {
        match self {
            Function::Constant(_) => 0.0,
            Function::Linear { slope, .. } => *slope,
            Function::Spline(s) => s.derivative(x),
            Function::PiecewiseLinear { x: xs, y } => piecewise_linear(xs, y, x).1,
        }
    }

    /// True when the function does not depend on its argument.
    pub fn is_constant(&self) -> bool {
        match self {
            Function::Constant(_) => true,
            Function::Linear { slope, .. } => *slope == 0.0,
            Function::Spline(s) => s.b.iter().chain(&s.c).chain(&s.d).all(|v| *v == 0.0),
            Function::PiecewiseLinear { y, .. } => y.iter().all(|v| *v == y[0]),
        }
    }
}

fn piecewise_linear(xs: &[f64], ys: &[f64], x: f64) -> (f64, f64) {
    let n = xs.len();
    if n == 1 {
        return (ys[0], 0.0);
    }
    let i = interval(xs, x).min(n - 2);
    let slope = (ys[i + 1] - ys[i]) / (xs[i + 1] - xs[i]);
    (ys[i] + slope * (x - xs[i]), slope)
}

/// The index `i` of the knot interval `[x[i], x[i+1])` that holds `x` (clamped to the ends).
fn interval(xs: &[f64], x: f64) -> usize {
    match xs.partition_point(|k| *k <= x) {
        0 => 0,
        p => (p - 1).min(xs.len() - 1),
    }
}

/// A cubic spline in the SIMM form `y_i + b_i dx + c_i dx^2 + d_i dx^3`, `dx = x - x_i`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CubicSpline {
    x: Vec<f64>,
    y: Vec<f64>,
    b: Vec<f64>,
    c: Vec<f64>,
    d: Vec<f64>,
}

const TINY: f64 = 1.0e-5;

impl CubicSpline {
    /// Fits the SIMM spline through `(x, y)`. Requires at least two knots, equal lengths and
    /// strictly increasing `x` (the caller checks and reports).
    pub fn simm(x: Vec<f64>, y: Vec<f64>) -> Self {
        let n = x.len();
        let mut b = vec![0.0; n];
        let mut c = vec![0.0; n];
        let mut d = vec![0.0; n];
        if n == 2 {
            let slope = (y[1] - y[0]) / (x[1] - x[0]).max(TINY);
            b.fill(slope);
            return Self { x, y, b, c, d };
        }
        if n < 2 {
            return Self { x, y, b, c, d };
        }
        let last = n - 1;
        // Tridiagonal system for the second-derivative-like unknowns: `b` holds the diagonal,
        // `d` the off-diagonal and `c` the right-hand side.
        d[0] = (x[1] - x[0]).max(TINY);
        c[1] = (y[1] - y[0]) / d[0];
        for i in 1..last {
            d[i] = (x[i + 1] - x[i]).max(TINY);
            b[i] = 2.0 * (d[i - 1] + d[i]);
            c[i + 1] = (y[i + 1] - y[i]) / d[i];
            c[i] = c[i + 1] - c[i];
        }
        // End conditions: third derivatives from divided differences of the end four knots.
        b[0] = -d[0];
        b[last] = -d[n - 2];
        c[0] = 0.0;
        c[last] = 0.0;
        if n > 3 {
            let start = c[2] / (x[3] - x[1]).max(TINY) - c[1] / (x[2] - x[0]).max(TINY);
            let end = c[n - 2] / (x[last] - x[n - 3]).max(TINY)
                - c[n - 3] / (x[n - 2] - x[n - 4]).max(TINY);
            c[0] = start * d[0] * d[0] / (x[3] - x[0]).max(TINY);
            c[last] = -end * d[n - 2] * d[n - 2] / (x[last] - x[n - 4]).max(TINY);
        }
        // Forward elimination.
        for i in 1..n {
            let t = d[i - 1] / b[i - 1];
            b[i] -= t * d[i - 1];
            c[i] -= t * c[i - 1];
        }
        // Back substitution.
        c[last] /= b[last];
        for i in (0..last).rev() {
            c[i] = (c[i] - d[i] * c[i + 1]) / b[i];
        }
        // Polynomial coefficients.
        b[last] = (y[last] - y[n - 2]) / d[n - 2] + d[n - 2] * (c[n - 2] + 2.0 * c[last]);
        for i in 0..last {
            b[i] = (y[i + 1] - y[i]) / d[i] - d[i] * (c[i + 1] + 2.0 * c[i]);
            d[i] = (c[i + 1] - c[i]) / d[i];
            c[i] *= 3.0;
        }
        c[last] *= 3.0;
        d[last] = d[n - 2];
        Self { x, y, b, c, d }
    }

    /// The knots' abscissae.
    pub fn knots_x(&self) -> &[f64] {
        &self.x
    }

    /// The knots' values.
    pub fn knots_y(&self) -> &[f64] {
        &self.y
    }

    /// The value at `x` (linear extension outside the knots, as OpenSim).
    pub fn value(&self, x: f64) -> f64 {
        let n = self.x.len();
        if n == 1 {
            return self.y[0];
        }
        if x < self.x[0] {
            return self.y[0] + self.b[0] * (x - self.x[0]);
        }
        if x > self.x[n - 1] {
            return self.y[n - 1] + self.b[n - 1] * (x - self.x[n - 1]);
        }
        let i = interval(&self.x, x);
        let dx = x - self.x[i];
        self.y[i] + dx * (self.b[i] + dx * (self.c[i] + dx * self.d[i]))
    }

    /// The first derivative at `x`.
    pub fn derivative(&self, x: f64) -> f64 {
        let n = self.x.len();
        if n == 1 {
            return 0.0;
        }
        if x < self.x[0] {
            return self.b[0];
        }
        if x > self.x[n - 1] {
            return self.b[n - 1];
        }
        let i = interval(&self.x, x);
        let dx = x - self.x[i];
        self.b[i] + dx * (2.0 * self.c[i] + 3.0 * dx * self.d[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spline_interpolates_its_knots_and_reproduces_a_cubic() {
        // The SIMM end conditions are exact for a cubic: the spline of a cubic is that cubic.
        let f = |x: f64| 0.5 * x * x * x - x * x + 0.25 * x + 2.0;
        let xs: Vec<f64> = vec![-2.0, -1.3, -0.2, 0.4, 1.1, 2.5];
        let ys: Vec<f64> = xs.iter().map(|x| f(*x)).collect();
        let s = CubicSpline::simm(xs.clone(), ys.clone());
        for (x, y) in xs.iter().zip(&ys) {
            assert!((s.value(*x) - y).abs() < 1e-12);
        }
        for k in 0..=40 {
            let x = -2.0 + 4.5 * k as f64 / 40.0;
            assert!((s.value(x) - f(x)).abs() < 1e-9, "x={x}");
            let df = 1.5 * x * x - 2.0 * x + 0.25;
            assert!((s.derivative(x) - df).abs() < 1e-8, "x={x}");
        }
    }

    #[test]
    fn spline_extends_linearly_outside_its_knots() {
        let s = CubicSpline::simm(vec![0.0, 1.0, 2.0, 3.0], vec![0.0, 1.0, 0.0, 1.0]);
        let slope = s.derivative(3.0);
        assert!((s.value(4.0) - (1.0 + slope)).abs() < 1e-12);
        let two = CubicSpline::simm(vec![0.0, 2.0], vec![1.0, 5.0]);
        assert_eq!(two.value(1.0), 3.0);
        assert_eq!(two.value(-1.0), -1.0);
    }

    #[test]
    fn piecewise_linear_and_linear_functions() {
        let f = Function::PiecewiseLinear {
            x: vec![0.0, 1.0, 3.0],
            y: vec![0.0, 2.0, 0.0],
        };
        assert_eq!(f.value(0.5), 1.0);
        assert_eq!(f.value(2.0), 1.0);
        assert_eq!(f.derivative(2.0), -1.0);
        let g = Function::Linear {
            slope: 2.0,
            intercept: 1.0,
        };
        assert_eq!(g.value(3.0), 7.0);
        assert!(Function::Constant(3.0).is_constant());
    }
}
