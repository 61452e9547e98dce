//! The force-length curves of OpenSim 4.6's `Millard2012EquilibriumMuscle`: active fibre
//! force-length, passive fibre force-length and tendon force-length, all normalised (force / max
//! isometric force, fibre length / optimal fibre length, tendon length / tendon slack length).
//!
//! Each curve is a chain of C2-continuous quintic Bezier "corners" (Millard et al. 2013,
//! J. Biomech. Eng. 135(2)), evaluated by inverting `x(u)` for the Bezier parameter `u` and
//! returning `y(u)`; outside its domain a curve continues as a straight line with its end slope.
//! This is a fresh Rust rendering (no code copied) of these OpenSim (Apache-2.0) sources:
//! - `OpenSim/Common/SegmentedQuinticBezierToolkit.cpp`: control points of a corner
//!   (`calcQuinticBezierCornerControlPoints`), Bezier value and `u`-derivative
//!   (`calcQuinticBezierCurveDerivU`), the section search (`calcIndex`) and the inversion of
//!   `x(u)` (`calcU`);
//! - `OpenSim/Common/SmoothSegmentedFunction.cpp`: evaluation with linear extrapolation outside
//!   the domain (`calcSelectedDerivatives`);
//! - `OpenSim/Common/SmoothSegmentedFunctionFactory.cpp`: the corner points of each curve
//!   (`createFiberActiveForceLengthCurve`, `createFiberForceLengthCurve`,
//!   `createTendonForceLengthCurve`, `scaleCurviness`);
//! - `OpenSim/Actuators/{ActiveForceLengthCurve,FiberForceLengthCurve,TendonForceLengthCurve}.cpp`:
//!   property defaults and the values used when the optional properties are absent
//!   (`constructProperties`, `ensureCurveUpToDate`);
//! - `OpenSim/Actuators/Millard2012EquilibriumMuscle.cpp`: the muscle rewrites the active curve's
//!   `minimum_value` (`extendFinalizeFromProperties`), see [`millard_effective_minimum_value`].
//!
//! Only the curves' values and first derivatives are provided (no integrals, no force-velocity
//! curve). OpenSim inverts `x(u)` by Newton's method from a spline guess to a residual of
//! `100 eps`; here a bracketed Newton iteration runs to machine precision, so the two agree to
//! about `1e-14` (the tests ask for `1e-9`).

/// `SmoothSegmentedFunctionFactory::scaleCurviness`: maps a user curviness in `[0, 1]` to the
/// fraction of the way each inner control point sits towards the corner of the two tangents.
fn scale_curviness(curviness: f64) -> f64 {
    0.1 + 0.8 * curviness
}

/// One quintic Bezier section (`SimTK::Vec6` pairs in OpenSim): six x and six y control points.
#[derive(Debug, Clone, Copy, PartialEq)]
struct QuinticCorner {
    x: [f64; 6],
    y: [f64; 6],
}

impl QuinticCorner {
    /// Follows `SegmentedQuinticBezierToolkit::calcQuinticBezierCornerControlPoints`: a C-shaped
    /// section from `(x0, y0)` with slope `slope0` to `(x1, y1)` with slope `slope1`; the inner
    /// control points lie on the two tangent lines, a fraction `c` of the way to their
    /// intersection. Panics when the tangents do not make a C-shaped corner (as OpenSim throws).
    fn new(x0: f64, y0: f64, slope0: f64, x1: f64, y1: f64, slope1: f64, c: f64) -> Self {
        assert!(
            (0.0..=1.0).contains(&c),
            "Bezier corner: curviness {c} is not in [0, 1]"
        );
        // Intersection of the two tangent lines (the midpoint when they are parallel).
        let xc = if (slope0 - slope1).abs() > f64::EPSILON.sqrt() {
            (y1 - y0 - x1 * slope1 + x0 * slope0) / (slope0 - slope1)
        } else {
            0.5 * (x1 + x0)
        };
        let yc = (xc - x1) * slope1 + y1;
        // The chord must be the longest side of the triangle (end, end, intersection).
        let sq = |dx: f64, dy: f64| dx * dx + dy * dy;
        let side0 = sq(xc - x0, yc - y0);
        let side1 = sq(xc - x1, yc - y1);
        let chord = sq(x1 - x0, y1 - y0);
        assert!(
            chord > side0 && chord > side1,
            "Bezier corner: ({x0}, {y0}, slope {slope0}) -> ({x1}, {y1}, slope {slope1}) \
             does not form a C-shaped corner"
        );
        let (xa, ya) = (x0 + c * (xc - x0), y0 + c * (yc - y0));
        let (xb, yb) = (x1 + c * (xc - x1), y1 + c * (yc - y1));
        QuinticCorner {
            x: [x0, xa, xa, xb, xb, x1],
            y: [y0, ya, ya, yb, yb, y1],
        }
    }

    /// `x(u)` and `dx/du`, then the `u` in `[0, 1]` with `x(u) = x` (the role of
    /// `SegmentedQuinticBezierToolkit::calcU`). The x control points of every corner built here
    /// are non-decreasing, so `x(u)` is monotone and a bisection bracket keeps Newton safe.
    fn solve_u(&self, x: f64) -> f64 {
        let (mut lo, mut hi) = (0.0_f64, 1.0_f64);
        let span = self.x[5] - self.x[0];
        let mut u = if span > 0.0 {
            ((x - self.x[0]) / span).clamp(0.0, 1.0)
        } else {
            0.5
        };
        for _ in 0..100 {
            let f = bezier(&self.x, u) - x;
            if f == 0.0 {
                break;
            }
            if f < 0.0 {
                lo = u;
            } else {
                hi = u;
            }
            let d = bezier_du(&self.x, u);
            let newton = u - f / d;
            let next = if d > 0.0 && newton > lo && newton < hi {
                newton
            } else {
                0.5 * (lo + hi)
            };
            if (next - u).abs() <= 1e-16 || hi - lo <= 1e-16 {
                u = next;
                break;
            }
            u = next;
        }
        u
    }
}

/// Quintic Bezier value (Bernstein form of `calcQuinticBezierCurveDerivU`, order 0).
fn bezier(p: &[f64; 6], u: f64) -> f64 {
    let v = 1.0 - u;
    let (u2, v2) = (u * u, v * v);
    let (u3, v3) = (u2 * u, v2 * v);
    v3 * v2 * p[0]
        + 5.0 * v2 * v2 * u * p[1]
        + 10.0 * v3 * u2 * p[2]
        + 10.0 * v2 * u3 * p[3]
        + 5.0 * v * u2 * u2 * p[4]
        + u3 * u2 * p[5]
}

/// First `u`-derivative of [`bezier`] (`calcQuinticBezierCurveDerivU`, order 1).
fn bezier_du(p: &[f64; 6], u: f64) -> f64 {
    let v = 1.0 - u;
    let (u2, v2) = (u * u, v * v);
    5.0 * (v2 * v2 * (p[1] - p[0])
        + 4.0 * v2 * v * u * (p[2] - p[1])
        + 6.0 * v2 * u2 * (p[3] - p[2])
        + 4.0 * v * u2 * u * (p[4] - p[3])
        + u2 * u2 * (p[5] - p[4]))
}

/// A chain of corners with straight-line extension beyond `[x0, x1]`, as OpenSim's
/// `SmoothSegmentedFunction` (value and first derivative only).
#[derive(Debug, Clone, PartialEq)]
struct SmoothCurve {
    corners: Vec<QuinticCorner>,
    x0: f64,
    x1: f64,
    y0: f64,
    y1: f64,
    slope0: f64,
    slope1: f64,
}

impl SmoothCurve {
    /// Value and `dy/dx` at `x` (`SmoothSegmentedFunction.cpp`, `calcSelectedDerivatives`).
    fn eval(&self, x: f64) -> (f64, f64) {
        if x < self.x0 {
            return (self.y0 + self.slope0 * (x - self.x0), self.slope0);
        }
        if x > self.x1 {
            return (self.y1 + self.slope1 * (x - self.x1), self.slope1);
        }
        if x.is_nan() {
            return (f64::NAN, f64::NAN);
        }
        // Section search as `SegmentedQuinticBezierToolkit::calcIndex`: the first corner with
        // x in [start, end), or the last one when x is exactly its end.
        let last = self.corners.len() - 1;
        let corner = self
            .corners
            .iter()
            .find(|c| x >= c.x[0] && x < c.x[5])
            .unwrap_or(&self.corners[last]);
        let u = corner.solve_u(x);
        let value = bezier(&corner.y, u);
        let slope = bezier_du(&corner.y, u) / bezier_du(&corner.x, u);
        (value, slope)
    }
}

/// Active fibre force-length multiplier, as OpenSim's `ActiveForceLengthCurve`: zero-slope
/// `minimum_value` below `min_norm_active_fiber_length`, a steep then a shallow ascending limb, a
/// peak of 1 at a normalised fibre length of 1, and a descending limb back to `minimum_value`
/// at `max_norm_active_fiber_length`.
#[derive(Debug, Clone, PartialEq)]
pub struct ActiveForceLength {
    min_active: f64,
    transition: f64,
    max_active: f64,
    shallow_slope: f64,
    minimum_value: f64,
    curve: SmoothCurve,
}

impl Default for ActiveForceLength {
    /// OpenSim 4.6's property defaults (`ActiveForceLengthCurve::constructProperties`):
    /// `min_norm_active_fiber_length` 0.4441, `transition_norm_fiber_length` 0.73,
    /// `max_norm_active_fiber_length` 1.8123, `shallow_ascending_slope` 0.8616,
    /// `minimum_value` 0.1.
    fn default() -> Self {
        Self::new(0.47 - 0.0259, 0.73, 1.8123, 0.8616, 0.1)
    }
}

impl ActiveForceLength {
    /// Builds the curve from the `ActiveForceLengthCurve` properties
    /// `min_norm_active_fiber_length`, `transition_norm_fiber_length`,
    /// `max_norm_active_fiber_length`, `shallow_ascending_slope` and `minimum_value`
    /// (`SmoothSegmentedFunctionFactory::createFiberActiveForceLengthCurve` with the peak at 1
    /// and curviness 1, as `ActiveForceLengthCurve::createSimTKFunction` calls it).
    ///
    /// Inside a `Millard2012EquilibriumMuscle`, pass the minimum value the muscle actually uses,
    /// [`millard_effective_minimum_value`].
    ///
    /// # Panics
    /// Where OpenSim throws: unless `0 <= min_active < transition < 1 < max_active` (each gap
    /// above `sqrt(eps)`), `minimum_value >= 0` and
    /// `0 <= shallow_slope < (1 - minimum_value) / (1 - transition)`.
    pub fn new(
        min_active: f64,
        transition: f64,
        max_active: f64,
        shallow_slope: f64,
        minimum_value: f64,
    ) -> Self {
        // Factory arguments: x0, x1, x2 (peak, 1.0), x3, ylow, dydx, curviness (1.0).
        let (x0, x1, x2, x3) = (min_active, transition, 1.0_f64, max_active);
        let (ylow, dydx) = (minimum_value, shallow_slope);
        let root_eps = f64::EPSILON.sqrt();
        assert!(
            x0 >= 0.0 && x1 > x0 + root_eps && x2 > x1 + root_eps && x3 > x2 + root_eps,
            "ActiveForceLength: need 0 <= min_active ({x0}) < transition ({x1}) < 1 < max_active ({x3})"
        );
        assert!(
            ylow >= 0.0,
            "ActiveForceLength: minimum_value ({ylow}) must be >= 0"
        );
        let slope_bound = (1.0 - ylow) / (x2 - x1);
        assert!(
            dydx >= 0.0 && dydx < slope_bound,
            "ActiveForceLength: shallow_slope ({dydx}) must be in [0, {slope_bound})"
        );
        let c = scale_curviness(1.0);

        // Joining points of the five corners (createFiberActiveForceLengthCurve).
        let half_shoulder = 0.05 * x2;
        let shoulder = x2 - half_shoulder;
        // Steep ascending limb: from (x0, ylow) to the transition height y1.
        let y1 = 1.0 - dydx * (shoulder - x1);
        let steep_slope = 1.25 * y1 / (x1 - x0);
        let (x01, y01) = (x0 + 0.5 * (x1 - x0), 0.5 * y1);
        // Shallow ascending limb.
        let (x1s, y1s) = (x1 + 0.5 * (shoulder - x1), y1 + 0.5 * (1.0 - y1));
        // Plateau at (x2, 1), descending limb to (x3, ylow).
        let x23 = (x2 + half_shoulder) + 0.5 * (x3 - (x2 + half_shoulder));
        let y23 = 0.5;
        let desc_slope = -1.0 / ((x3 - half_shoulder) - (x2 + half_shoulder));

        let corners = vec![
            QuinticCorner::new(x0, ylow, 0.0, x01, y01, steep_slope, c),
            QuinticCorner::new(x01, y01, steep_slope, x1s, y1s, dydx, c),
            QuinticCorner::new(x1s, y1s, dydx, x2, 1.0, 0.0, c),
            QuinticCorner::new(x2, 1.0, 0.0, x23, y23, desc_slope, c),
            QuinticCorner::new(x23, y23, desc_slope, x3, ylow, 0.0, c),
        ];
        let curve = SmoothCurve {
            corners,
            x0,
            x1: x3,
            y0: ylow,
            y1: ylow,
            slope0: 0.0,
            slope1: 0.0,
        };
        ActiveForceLength {
            min_active,
            transition,
            max_active,
            shallow_slope,
            minimum_value,
            curve,
        }
    }

    /// Active force-length multiplier at a normalised fibre length (`calcValue`); constant
    /// `minimum_value` outside `[min_active, max_active]`.
    pub fn value(&self, norm_fiber_length: f64) -> f64 {
        self.curve.eval(norm_fiber_length).0
    }

    /// `d value / d norm_fiber_length` (`calcDerivative(x, 1)`).
    pub fn slope(&self, norm_fiber_length: f64) -> f64 {
        self.curve.eval(norm_fiber_length).1
    }

    /// The curve's Bezier domain, `(min_norm_active_fiber_length, max_norm_active_fiber_length)`.
    pub fn domain(&self) -> (f64, f64) {
        (self.curve.x0, self.curve.x1)
    }

    /// The parameters the curve was built from, in [`ActiveForceLength::new`]'s order.
    pub fn parameters(&self) -> (f64, f64, f64, f64, f64) {
        (
            self.min_active,
            self.transition,
            self.max_active,
            self.shallow_slope,
            self.minimum_value,
        )
    }
}

/// `minimum_value` as a `Millard2012EquilibriumMuscle` rewrites it before building its active
/// force-length curve (`extendFinalizeFromProperties`): with a compliant tendon and no fibre
/// damping (`fiber_damping < 0.001`) it is raised to at least 0.1; otherwise (rigid tendon, or
/// damping on) it is set to 0. Checked against OpenSim 4.6 for all combinations.
pub fn millard_effective_minimum_value(
    minimum_value: f64,
    ignore_tendon_compliance: bool,
    fiber_damping: f64,
) -> f64 {
    // MIN_NONZERO_DAMPING_COEFFICIENT in Millard2012EquilibriumMuscle.cpp.
    let damped = fiber_damping >= 0.001;
    if !ignore_tendon_compliance && !damped {
        if minimum_value < 0.1 {
            0.1
        } else {
            minimum_value
        }
    } else if minimum_value > 0.0 {
        0.0
    } else {
        minimum_value
    }
}

/// Passive fibre force-length multiplier, as OpenSim's `FiberForceLengthCurve`: zero below
/// `1 + strain_at_zero_force`, 1 at `1 + strain_at_one_norm_force`, linear (slope
/// `stiffness_at_one_norm_force`) beyond.
#[derive(Debug, Clone, PartialEq)]
pub struct FiberForceLength {
    strain_at_zero_force: f64,
    strain_at_one_norm_force: f64,
    stiffness_at_low_force: f64,
    stiffness_at_one_norm_force: f64,
    curviness: f64,
    curve: SmoothCurve,
}

impl Default for FiberForceLength {
    /// OpenSim 4.6's defaults: `strain_at_zero_force` 0, `strain_at_one_norm_force` 0.7, the
    /// optional properties absent (so stiffness at low force 0.2, stiffness at one norm force
    /// `2 / 0.7`, curviness 0.75).
    fn default() -> Self {
        Self::new(0.0, 0.7, None, None, None)
    }
}

impl FiberForceLength {
    /// Builds the curve from the `FiberForceLengthCurve` properties. As
    /// `FiberForceLengthCurve::ensureCurveUpToDate`, the three optional properties are used when
    /// all are given; when all are `None` they become `0.2`,
    /// `2 / (strain_at_one_norm_force - strain_at_zero_force)` and `0.75`. The corners follow
    /// `SmoothSegmentedFunctionFactory::createFiberForceLengthCurve`.
    ///
    /// # Panics
    /// When only some optional properties are given, or where OpenSim's factory throws:
    /// unless `strain_at_one_norm_force > strain_at_zero_force`,
    /// `stiffness_at_one_norm_force > 1 / (e1 - e0)`, `0 < stiffness_at_low_force < 1 / (e1 - e0)`
    /// and `curviness` is in `[0, 1]`.
    pub fn new(
        strain_at_zero_force: f64,
        strain_at_one_norm_force: f64,
        stiffness_at_low_force: Option<f64>,
        stiffness_at_one_norm_force: Option<f64>,
        curviness: Option<f64>,
    ) -> Self {
        let (e0, e1) = (strain_at_zero_force, strain_at_one_norm_force);
        let (k_low, k_iso, curv) = match (
            stiffness_at_low_force,
            stiffness_at_one_norm_force,
            curviness,
        ) {
            (Some(k_low), Some(k_iso), Some(c)) => (k_low, k_iso, c),
            (None, None, None) => (0.2, 2.0 / (e1 - e0), 0.75),
            _ => panic!(
                "FiberForceLength: stiffness_at_low_force, stiffness_at_one_norm_force and \
                     curviness must either all be set or all be absent"
            ),
        };
        assert!(
            e1 > e0,
            "FiberForceLength: need strain_at_one_norm_force ({e1}) > strain_at_zero_force ({e0})"
        );
        let k_lin = 1.0 / (e1 - e0);
        assert!(
            k_iso > k_lin,
            "FiberForceLength: stiffness_at_one_norm_force ({k_iso}) must exceed {k_lin}"
        );
        assert!(
            k_low > 0.0 && k_low < k_lin,
            "FiberForceLength: stiffness_at_low_force ({k_low}) must be in (0, {k_lin})"
        );
        assert!(
            (0.0..=1.0).contains(&curv),
            "FiberForceLength: curviness ({curv}) must be in [0, 1]"
        );

        let c = scale_curviness(curv);
        let (x_zero, x_iso) = (1.0 + e0, 1.0 + e1);
        let dx = (0.1 / k_iso).min(0.1 * (x_iso - x_zero));
        let x_low = x_zero + dx;
        let x_foot = x_zero + 0.5 * dx;
        let y_low = k_low * (x_low - x_foot);
        let corners = vec![
            QuinticCorner::new(x_zero, 0.0, 0.0, x_low, y_low, k_low, c),
            QuinticCorner::new(x_low, y_low, k_low, x_iso, 1.0, k_iso, c),
        ];
        let curve = SmoothCurve {
            corners,
            x0: x_zero,
            x1: x_iso,
            y0: 0.0,
            y1: 1.0,
            slope0: 0.0,
            slope1: k_iso,
        };
        FiberForceLength {
            strain_at_zero_force: e0,
            strain_at_one_norm_force: e1,
            stiffness_at_low_force: k_low,
            stiffness_at_one_norm_force: k_iso,
            curviness: curv,
            curve,
        }
    }

    /// Passive force multiplier at a normalised fibre length (`calcValue`).
    pub fn value(&self, norm_fiber_length: f64) -> f64 {
        self.curve.eval(norm_fiber_length).0
    }

    /// `d value / d norm_fiber_length` (`calcDerivative(x, 1)`).
    pub fn slope(&self, norm_fiber_length: f64) -> f64 {
        self.curve.eval(norm_fiber_length).1
    }

    /// The curve's Bezier domain, `(1 + strain_at_zero_force, 1 + strain_at_one_norm_force)`.
    pub fn domain(&self) -> (f64, f64) {
        (self.curve.x0, self.curve.x1)
    }

    /// The values in use (OpenSim's `get*InUse`): `(strain_at_zero_force,
    /// strain_at_one_norm_force, stiffness_at_low_force, stiffness_at_one_norm_force, curviness)`.
    pub fn parameters(&self) -> (f64, f64, f64, f64, f64) {
        (
            self.strain_at_zero_force,
            self.strain_at_one_norm_force,
            self.stiffness_at_low_force,
            self.stiffness_at_one_norm_force,
            self.curviness,
        )
    }
}

/// Tendon force-length multiplier, as OpenSim's `TendonForceLengthCurve`: zero below a
/// normalised tendon length of 1, a toe region up to `norm_force_at_toe_end`, then linear with
/// slope `stiffness_at_one_norm_force` (reaching 1 at `1 + strain_at_one_norm_force`).
#[derive(Debug, Clone, PartialEq)]
pub struct TendonForceLength {
    strain_at_one_norm_force: f64,
    stiffness_at_one_norm_force: f64,
    norm_force_at_toe_end: f64,
    curviness: f64,
    curve: SmoothCurve,
}

impl Default for TendonForceLength {
    /// OpenSim 4.6's defaults: `strain_at_one_norm_force` 0.049, optional properties absent
    /// (stiffness `1.375 / 0.049`, toe-end force 2/3, curviness 0.5).
    fn default() -> Self {
        Self::new(0.049, None, None, None)
    }
}

impl TendonForceLength {
    /// Builds the curve from the `TendonForceLengthCurve` properties. As
    /// `TendonForceLengthCurve::ensureCurveUpToDate`, the optional properties are used when all
    /// are given; when all are `None` they become `1.375 / strain_at_one_norm_force`, `2/3` and
    /// `0.5`. The corners follow `SmoothSegmentedFunctionFactory::createTendonForceLengthCurve`.
    ///
    /// # Panics
    /// When only some optional properties are given, or where OpenSim throws: unless
    /// `strain_at_one_norm_force > 0`, `stiffness_at_one_norm_force > 1 / strain_at_one_norm_force`,
    /// `0 < norm_force_at_toe_end < 1` and `curviness` is in `[0, 1]`.
    pub fn new(
        strain_at_one_norm_force: f64,
        stiffness_at_one_norm_force: Option<f64>,
        norm_force_at_toe_end: Option<f64>,
        curviness: Option<f64>,
    ) -> Self {
        let e_iso = strain_at_one_norm_force;
        let (k_iso, f_toe, curv) = match (
            stiffness_at_one_norm_force,
            norm_force_at_toe_end,
            curviness,
        ) {
            (Some(k), Some(f), Some(c)) => (k, f, c),
            (None, None, None) => (1.375 / e_iso, 2.0 / 3.0, 0.5),
            _ => panic!(
                "TendonForceLength: stiffness_at_one_norm_force, norm_force_at_toe_end and \
                 curviness must either all be set or all be absent"
            ),
        };
        assert!(
            e_iso > 0.0,
            "TendonForceLength: strain_at_one_norm_force ({e_iso}) must be > 0"
        );
        assert!(
            f_toe > 0.0 && f_toe < 1.0,
            "TendonForceLength: norm_force_at_toe_end ({f_toe}) must be in (0, 1)"
        );
        assert!(
            k_iso > 1.0 / e_iso,
            "TendonForceLength: stiffness_at_one_norm_force ({k_iso}) must exceed {}",
            1.0 / e_iso
        );
        assert!(
            (0.0..=1.0).contains(&curv),
            "TendonForceLength: curviness ({curv}) must be in [0, 1]"
        );

        let c = scale_curviness(curv);
        let x_iso = 1.0 + e_iso;
        // End of the toe region, on the linear part through (x_iso, 1).
        let x_toe = (f_toe - 1.0) / k_iso + x_iso;
        // The toe's guide line meets the axis right of 1, limiting the curvature.
        let x_foot = 1.0 + (x_toe - 1.0) / 10.0;
        let y_mid = 0.5 * f_toe;
        let x_mid = (y_mid - 1.0) / k_iso + x_iso;
        let slope_mid = y_mid / (x_mid - x_foot);
        let x_ctrl = x_foot + 0.5 * (x_mid - x_foot);
        let y_ctrl = slope_mid * (x_ctrl - x_foot);
        let corners = vec![
            QuinticCorner::new(1.0, 0.0, 0.0, x_ctrl, y_ctrl, slope_mid, c),
            QuinticCorner::new(x_ctrl, y_ctrl, slope_mid, x_toe, f_toe, k_iso, c),
        ];
        let curve = SmoothCurve {
            corners,
            x0: 1.0,
            x1: x_toe,
            y0: 0.0,
            y1: f_toe,
            slope0: 0.0,
            slope1: k_iso,
        };
        TendonForceLength {
            strain_at_one_norm_force: e_iso,
            stiffness_at_one_norm_force: k_iso,
            norm_force_at_toe_end: f_toe,
            curviness: curv,
            curve,
        }
    }

    /// Tendon force multiplier at a normalised tendon length (`calcValue`).
    pub fn value(&self, norm_tendon_length: f64) -> f64 {
        self.curve.eval(norm_tendon_length).0
    }

    /// `d value / d norm_tendon_length` (`calcDerivative(x, 1)`).
    pub fn slope(&self, norm_tendon_length: f64) -> f64 {
        self.curve.eval(norm_tendon_length).1
    }

    /// The curve's Bezier domain, `(1, end of the toe region)`; linear beyond.
    pub fn domain(&self) -> (f64, f64) {
        (self.curve.x0, self.curve.x1)
    }

    /// The values in use (OpenSim's `get*InUse`): `(strain_at_one_norm_force,
    /// stiffness_at_one_norm_force, norm_force_at_toe_end, curviness)`.
    pub fn parameters(&self) -> (f64, f64, f64, f64) {
        (
            self.strain_at_one_norm_force,
            self.stiffness_at_one_norm_force,
            self.norm_force_at_toe_end,
            self.curviness,
        )
    }
}

/// Agreement with OpenSim 4.6. The tables in `reference` were printed by `/tmp/millardref.py`
/// (kept outside the repository), which builds each curve with OpenSim 4.6's Python bindings
/// (`opensim.ActiveForceLengthCurve(...)`, `FiberForceLengthCurve`, `TendonForceLengthCurve`)
/// and writes `(x, calcValue(x), calcDerivative(x, 1))` with Python's `repr` (round-trip exact)
/// for about 50 x across and beyond each curve's domain. Parameter sets: the defaults,
/// Rajagopal2016's (active 0.25 / 0.77 / 1.9 / 0.75 / 0; passive strain 0 / 0.7; tendon all
/// defaults), and a few others, including explicitly set optional properties. The
/// `millard_effective_minimum_value` cases were checked the same way on
/// `Millard2012EquilibriumMuscle::finalizeFromProperties`.
#[cfg(test)]
mod tests {
    use super::*;

    const TOL: f64 = 1e-9;

    /// Largest |value error| and |slope error| over a table; panics on any miss above `TOL`.
    fn check(name: &str, table: &[(f64, f64, f64)], f: impl Fn(f64) -> (f64, f64)) -> (f64, f64) {
        assert!(table.len() >= 45, "{name}: table too short");
        let (mut worst_v, mut worst_s) = (0.0_f64, 0.0_f64);
        for &(x, v_ref, s_ref) in table {
            let (v, s) = f(x);
            let (ev, es) = ((v - v_ref).abs(), (s - s_ref).abs());
            assert!(
                ev <= TOL,
                "{name}: value at x = {x}: {v} vs OpenSim {v_ref} (error {ev:e})"
            );
            // Slopes up to ~40: compare relative to max(1, |slope|).
            let es_rel = es / s_ref.abs().max(1.0);
            assert!(
                es_rel <= TOL,
                "{name}: slope at x = {x}: {s} vs OpenSim {s_ref} (error {es:e})"
            );
            worst_v = worst_v.max(ev);
            worst_s = worst_s.max(es_rel);
        }
        eprintln!("{name}: max |value error| {worst_v:e}, max relative slope error {worst_s:e}");
        (worst_v, worst_s)
    }

    fn active(c: &ActiveForceLength) -> impl Fn(f64) -> (f64, f64) + '_ {
        move |x| (c.value(x), c.slope(x))
    }
    fn fiber(c: &FiberForceLength) -> impl Fn(f64) -> (f64, f64) + '_ {
        move |x| (c.value(x), c.slope(x))
    }
    fn tendon(c: &TendonForceLength) -> impl Fn(f64) -> (f64, f64) + '_ {
        move |x| (c.value(x), c.slope(x))
    }

    #[test]
    fn active_force_length_matches_opensim() {
        use reference::*;
        let d = ActiveForceLength::default();
        assert_eq!(d.parameters(), (0.4441, 0.73, 1.8123, 0.8616, 0.1));
        check("active default", ACTIVE_DEFAULT, active(&d));
        let raj = ActiveForceLength::new(0.25, 0.77, 1.9, 0.75, 0.0);
        check("active Rajagopal2016", ACTIVE_RAJAGOPAL, active(&raj));
        let min0 = ActiveForceLength::new(0.4441, 0.73, 1.8123, 0.8616, 0.0);
        check(
            "active default, minimum 0",
            ACTIVE_DEFAULT_MIN0,
            active(&min0),
        );
        let custom = ActiveForceLength::new(0.5, 0.75, 1.6, 0.5, 0.05);
        check("active custom", ACTIVE_CUSTOM, active(&custom));
    }

    #[test]
    fn fiber_force_length_matches_opensim() {
        use reference::*;
        let d = FiberForceLength::default();
        assert_eq!(d.parameters(), (0.0, 0.7, 0.2, 2.0 / 0.7, 0.75));
        check("fiber default / Rajagopal2016", FIBER_DEFAULT, fiber(&d));
        let e05 = FiberForceLength::new(0.0, 0.5, None, None, None);
        check("fiber e1 = 0.5", FIBER_E05, fiber(&e05));
        let custom = FiberForceLength::new(-0.05, 0.6, Some(0.3), Some(4.0), Some(0.6));
        check("fiber custom", FIBER_CUSTOM, fiber(&custom));
    }

    #[test]
    fn tendon_force_length_matches_opensim() {
        use reference::*;
        let d = TendonForceLength::default();
        assert_eq!(d.parameters(), (0.049, 1.375 / 0.049, 2.0 / 3.0, 0.5));
        check("tendon default / Rajagopal2016", TENDON_DEFAULT, tendon(&d));
        let e033 = TendonForceLength::new(0.033, None, None, None);
        check("tendon e = 0.033", TENDON_E033, tendon(&e033));
        let custom = TendonForceLength::new(0.04, Some(40.0), Some(0.5), Some(0.3));
        check("tendon custom", TENDON_CUSTOM, tendon(&custom));
    }

    #[test]
    fn domains_match_opensim() {
        // OpenSim's getCurveDomain for the default tendon: [1, 1.037121212121212].
        let (a, b) = TendonForceLength::default().domain();
        assert_eq!(a, 1.0);
        assert!((b - 1.037121212121212).abs() < 1e-15);
        assert_eq!(FiberForceLength::default().domain(), (1.0, 1.7));
        assert_eq!(ActiveForceLength::default().domain(), (0.4441, 1.8123));
    }

    #[test]
    fn landmarks() {
        let a = ActiveForceLength::default();
        assert!((a.value(1.0) - 1.0).abs() < 1e-14);
        assert_eq!(a.value(0.0), 0.1);
        assert_eq!(a.value(3.0), 0.1);
        let f = FiberForceLength::default();
        assert!((f.value(1.7) - 1.0).abs() < 1e-14);
        assert_eq!(f.value(0.9), 0.0);
        let t = TendonForceLength::default();
        assert!((t.value(1.049) - 1.0).abs() < 1e-12);
        assert_eq!(t.value(0.99), 0.0);
        assert!(a.value(f64::NAN).is_nan());
    }

    #[test]
    fn muscle_minimum_value_matches_opensim() {
        // (ignore_tendon_compliance, fiber_damping, minimum_value) -> OpenSim 4.6's result.
        let cases: &[(bool, f64, f64, f64)] = &[
            (false, 0.0, 0.0, 0.1),
            (false, 0.0, 0.05, 0.1),
            (false, 0.0, 0.1, 0.1),
            (false, 0.0, 0.2, 0.2),
            (false, 0.0005, 0.0, 0.1),
            (false, 0.0005, 0.2, 0.2),
            (false, 0.1, 0.0, 0.0),
            (false, 0.1, 0.1, 0.0),
            (false, 0.1, 0.2, 0.0),
            (true, 0.0, 0.1, 0.0),
            (true, 0.0005, 0.2, 0.0),
            (true, 0.1, 0.05, 0.0),
        ];
        for &(ignore, damping, min, expected) in cases {
            assert_eq!(
                millard_effective_minimum_value(min, ignore, damping),
                expected
            );
        }
    }

    #[test]
    #[should_panic(expected = "all be set or all be absent")]
    fn partial_optional_properties_panic() {
        let _ = TendonForceLength::new(0.049, Some(30.0), None, None);
    }

    mod reference {
        //! Generated by `/tmp/millardref.py`; `(x, OpenSim calcValue(x), OpenSim calcDerivative(x, 1))`.
        // Generated by /tmp/millardref.py with OpenSim 4.6-2026-06-22-85aaf64
        // ACTIVE_DEFAULT: params (0.4441, 0.73, 1.8123, 0.8616, 0.1)
        pub(super) const ACTIVE_DEFAULT: &[(f64, f64, f64)] = &[
            (-0.1, 0.1, 0.0),
            (-0.04418604651162791, 0.1, 0.0),
            (0.011627906976744179, 0.1, 0.0),
            (0.06744186046511627, 0.1, 0.0),
            (0.12325581395348836, 0.1, 0.0),
            (0.17906976744186046, 0.1, 0.0),
            (0.23488372093023255, 0.1, 0.0),
            (0.2906976744186046, 0.1, 0.0),
            (0.34651162790697676, 0.1, 0.0),
            (0.4023255813953489, 0.1, 0.0),
            (0.4441, 0.1, -1.3028165409788535e-15),
            (0.444100001, 0.10000000000000002, -1.1988811781302295e-15),
            (
                0.45813953488372094,
                0.10006648247074343,
                0.015650490895233342,
            ),
            (0.513953488372093, 0.1523596428995981, 3.030062801114633),
            (0.5697674418604651, 0.34400708426802534, 3.539240671379194),
            (0.58705, 0.40522400000000003, 3.5434067855893714),
            (0.6255813953488373, 0.5414273081766905, 3.5134025181576223),
            (0.6813953488372093, 0.72535572993309, 2.7179815502174622),
            (0.73, 0.8063052463472585, 1.0518678882725254),
            (0.7372093023255814, 0.8136830618401287, 0.998216712333319),
            (0.7930232558139535, 0.864605051560567, 0.8721056551399483),
            (0.8488372093023256, 0.9128378731441089, 0.861506971411965),
            (0.9046511627906978, 0.9607095604812841, 0.8474107889995239),
            (0.95, 0.9950854277615286, 0.46518131941174123),
            (0.9604651162790697, 0.9983932413839077, 0.18694225011123586),
            (1.0, 1.0, 0.0),
            (
                1.0162790697674418,
                0.9999293457761353,
                -0.014081006153949246,
            ),
            (1.05, 0.996440999578492, -0.2731670425084024),
            (1.072093023255814, 0.9854303250815089, -0.7504994560824686),
            (1.1279069767441858, 0.9220467697896835, -1.3187722091221483),
            (1.183720930232558, 0.8462200450498508, -1.3812450207516904),
            (1.2395348837209301, 0.768636194012348, -1.3960522156694994),
            (1.2953488372093023, 0.6905498704242437, -1.4012254630734962),
            (1.3511627906976744, 0.612277472862389, -1.4032143131675523),
            (1.4069767441860463, 0.533936515267782, -1.4038536097865928),
            (1.4627906976744185, 0.4555818158423907, -1.403677695226851),
            (1.5186046511627906, 0.3772833661458773, -1.4015116066054052),
            (1.5744186046511626, 0.2992295422101205, -1.3939734511768331),
            (1.6302325581395347, 0.22200530439787833, -1.3672425837032804),
            (1.6860465116279069, 0.1486423412027998, -1.208914118391065),
            (1.741860465116279, 0.10454344577329806, -0.27270179622907137),
            (
                1.7976744186046512,
                0.10001808838952636,
                -0.003919236562749139,
            ),
            (1.812299999, 0.10000000000000007, 5.255827407726777e-15),
            (1.8123, 0.09999999999999994, -4.999445536779133e-15),
            (1.853488372093023, 0.1, 0.0),
            (1.9093023255813955, 0.1, 0.0),
            (1.9651162790697674, 0.1, 0.0),
            (2.0209302325581393, 0.1, 0.0),
            (2.0767441860465117, 0.1, 0.0),
            (2.1325581395348836, 0.1, 0.0),
            (2.1883720930232555, 0.1, 0.0),
            (2.244186046511628, 0.1, 0.0),
            (2.3, 0.1, 0.0),
        ];
        // ACTIVE_RAJAGOPAL: params (0.25, 0.77, 1.9, 0.75, 0.0)
        pub(super) const ACTIVE_RAJAGOPAL: &[(f64, f64, f64)] = &[
            (-0.1, 0.0, 0.0),
            (-0.04418604651162791, 0.0, 0.0),
            (0.011627906976744179, 0.0, 0.0),
            (0.06744186046511627, 0.0, 0.0),
            (0.12325581395348836, 0.0, 0.0),
            (0.17906976744186046, 0.0, 0.0),
            (0.23488372093023255, 0.0, 0.0),
            (0.25, 3.527742728011703e-56, 1.0428744753449015e-36),
            (0.250000001, 3.3755038545370156e-26, 1.0126511159615873e-16),
            (0.2906976744186046, 0.006033313664847238, 0.6000465085397017),
            (0.34651162790697676, 0.09480814392413765, 1.9993216281220794),
            (0.4023255813953489, 0.20893753957994454, 2.0672781178747845),
            (0.45813953488372094, 0.32468948351305776, 2.077769549804647),
            (0.51, 0.4325, 2.0793269230769225),
            (0.513953488372093, 0.44072056711786767, 2.079305750196714),
            (0.5697674418604651, 0.5566378329830223, 2.071325738192036),
            (0.6255813953488373, 0.671128481288128, 2.0146047658209456),
            (0.6813953488372093, 0.775019322217294, 1.555629124663058),
            (0.7372093023255814, 0.8375918955205823, 0.8584079006107856),
            (0.77, 0.8642512292380663, 0.7826105865810302),
            (0.7930232558139535, 0.8820185007095283, 0.7632774910655804),
            (0.8488372093023256, 0.9241271363673018, 0.750211844405108),
            (0.9046511627906978, 0.9658927009988781, 0.741720516299796),
            (0.95, 0.9961033321733361, 0.39719397551063057),
            (0.9604651162790697, 0.9988077572983983, 0.14396486172037085),
            (1.0, 1.0, 0.0),
            (
                1.0162790697674418,
                0.9999294328812098,
                -0.014051209473057772,
            ),
            (1.05, 0.9965235275914738, -0.26204774940445885),
            (1.072093023255814, 0.9863144089955866, -0.6795636418007851),
            (1.1279069767441858, 0.9300826518969586, -1.1682468009043379),
            (1.183720930232558, 0.8628027932383493, -1.2268998109709006),
            (1.2395348837209301, 0.7938493815462226, -1.2412951610966079),
            (1.2953488372093023, 0.724399105367583, -1.2465631903126875),
            (1.3511627906976744, 0.6547527420989496, -1.2487897979355853),
            (1.4069767441860463, 0.5850229892123885, -1.2497140262603688),
            (1.4627906976744185, 0.5152615977312931, -1.2499925079538703),
            (1.5186046511627906, 0.44549468418078975, -1.2499643535442613),
            (1.5744186046511626, 0.3757337111676497, -1.2497675070426308),
            (1.6302325581395347, 0.305991518897603, -1.2492544454096142),
            (1.6860465116279069, 0.23629454365108912, -1.2480494878517772),
            (1.741860465116279, 0.16670731743207728, -1.24498111681718),
            (1.7976744186046512, 0.09744500469847356, -1.2344454307914647),
            (1.853488372093023, 0.030024233159652296, -1.1424258420651787),
            (
                1.8999999989999998,
                2.664535259100376e-16,
                -2.2105774787417792e-14,
            ),
            (1.9, 0.0, 0.0),
            (1.9093023255813955, 0.0, 0.0),
            (1.9651162790697674, 0.0, 0.0),
            (2.0209302325581393, 0.0, 0.0),
            (2.0767441860465117, 0.0, 0.0),
            (2.1325581395348836, 0.0, 0.0),
            (2.1883720930232555, 0.0, 0.0),
            (2.244186046511628, 0.0, 0.0),
            (2.3, 0.0, 0.0),
        ];
        // ACTIVE_DEFAULT_MIN0: params (0.4441, 0.73, 1.8123, 0.8616, 0.0)
        pub(super) const ACTIVE_DEFAULT_MIN0: &[(f64, f64, f64)] = &[
            (-0.1, 0.0, 0.0),
            (-0.04418604651162791, 0.0, 0.0),
            (0.011627906976744179, 0.0, 0.0),
            (0.06744186046511627, 0.0, 0.0),
            (0.12325581395348836, 0.0, 0.0),
            (0.17906976744186046, 0.0, 0.0),
            (0.23488372093023255, 0.0, 0.0),
            (0.2906976744186046, 0.0, 0.0),
            (0.34651162790697676, 0.0, 0.0),
            (0.4023255813953489, 0.0, 0.0),
            (0.4441, 0.0, -3.883256469482892e-15),
            (0.444100001, -3.692966948948527e-24, -3.312387468694454e-15),
            (
                0.45813953488372094,
                0.0009335392045506014,
                0.24322165996530204,
            ),
            (0.513953488372093, 0.14695785118566862, 3.4975211196153375),
            (0.5697674418604651, 0.34398937699365356, 3.5425784897027186),
            (0.58705, 0.40522400000000003, 3.5434067855893714),
            (0.6255813953488373, 0.5414273081766905, 3.5134025181576223),
            (0.6813953488372093, 0.72535572993309, 2.7179815502174622),
            (0.73, 0.8063052463472585, 1.0518678882725254),
            (0.7372093023255814, 0.8136830618401287, 0.998216712333319),
            (0.7930232558139535, 0.864605051560567, 0.8721056551399483),
            (0.8488372093023256, 0.9128378731441089, 0.861506971411965),
            (0.9046511627906978, 0.9607095604812841, 0.8474107889995239),
            (0.95, 0.9950854277615286, 0.46518131941174123),
            (0.9604651162790697, 0.9983932413839077, 0.18694225011123586),
            (1.0, 1.0, 0.0),
            (
                1.0162790697674418,
                0.9999293457761353,
                -0.014081006153949246,
            ),
            (1.05, 0.996440999578492, -0.2731670425084024),
            (1.072093023255814, 0.9854303250815089, -0.7504994560824686),
            (1.1279069767441858, 0.9220467697896835, -1.3187722091221483),
            (1.183720930232558, 0.8462200450498508, -1.3812450207516904),
            (1.2395348837209301, 0.768636194012348, -1.3960522156694994),
            (1.2953488372093023, 0.6905498704242437, -1.4012254630734962),
            (1.3511627906976744, 0.612277472862389, -1.4032143131675523),
            (1.4069767441860463, 0.533936515267782, -1.4038536097865928),
            (1.4627906976744185, 0.4555798305818348, -1.4038738631983638),
            (1.5186046511627906, 0.3772296827699593, -1.4036181199626159),
            (1.5744186046511626, 0.2989059845209158, -1.4028603219788398),
            (1.6302325581395347, 0.2206532804866355, -1.4008740323303763),
            (1.6860465116279069, 0.14259876054393086, -1.3948668509319064),
            (1.741860465116279, 0.06533664708753914, -1.3636066378959955),
            (
                1.7976744186046512,
                0.0017444676308790536,
                -0.38325944293305797,
            ),
            (1.812299999, 3.996802888650564e-16, -1.421085522047434e-14),
            (1.8123, 0.0, 0.0),
            (1.853488372093023, 0.0, 0.0),
            (1.9093023255813955, 0.0, 0.0),
            (1.9651162790697674, 0.0, 0.0),
            (2.0209302325581393, 0.0, 0.0),
            (2.0767441860465117, 0.0, 0.0),
            (2.1325581395348836, 0.0, 0.0),
            (2.1883720930232555, 0.0, 0.0),
            (2.244186046511628, 0.0, 0.0),
            (2.3, 0.0, 0.0),
        ];
        // ACTIVE_CUSTOM: params (0.5, 0.75, 1.6, 0.5, 0.05)
        pub(super) const ACTIVE_CUSTOM: &[(f64, f64, f64)] = &[
            (-0.1, 0.05, 0.0),
            (-0.04418604651162791, 0.05, 0.0),
            (0.011627906976744179, 0.05, 0.0),
            (0.06744186046511627, 0.05, 0.0),
            (0.12325581395348836, 0.05, 0.0),
            (0.17906976744186046, 0.05, 0.0),
            (0.23488372093023255, 0.05, 0.0),
            (0.2906976744186046, 0.05, 0.0),
            (0.34651162790697676, 0.05, 0.0),
            (0.4023255813953489, 0.05, 0.0),
            (0.45813953488372094, 0.05, 0.0),
            (0.5, 0.05, -1.878838964750269e-15),
            (0.500000001, 0.05000000000000001, -1.5640486686929228e-15),
            (0.513953488372093, 0.05039710760837814, 0.10036753933707478),
            (0.5697674418604651, 0.20249898688827878, 4.417157710441922),
            (0.625, 0.45, 4.499999999999995),
            (0.6255813953488373, 0.45261627784670566, 4.499993676318211),
            (0.6813953488372093, 0.7013613807767839, 4.325179605220036),
            (0.7372093023255814, 0.8790886493587727, 1.3121874914933316),
            (0.75, 0.8927616477620798, 0.8847495426025291),
            (0.7930232558139535, 0.9208603063243539, 0.5423949053488478),
            (0.8488372093023256, 0.9494186014434641, 0.5000083010761124),
            (0.9046511627906978, 0.9772320213725187, 0.49308516235415456),
            (0.95, 0.9972709999827221, 0.2674935076247118),
            (0.9604651162790697, 0.9991351263528576, 0.10245625548547518),
            (1.0, 1.0, 0.0),
            (
                1.0162790697674418,
                0.9999291337005596,
                -0.014153728536552343,
            ),
            (1.05, 0.9962162331061083, -0.3050725785614271),
            (1.072093023255814, 0.9824829685105454, -1.012936003349241),
            (1.1279069767441858, 0.8910286313880729, -1.9073452342656363),
            (1.183720930232558, 0.7819106985348658, -1.9810570965040437),
            (1.2395348837209301, 0.6708316673538364, -1.995980071447503),
            (1.2953488372093023, 0.5592992135884903, -1.9996712988134795),
            (1.3511627906976744, 0.4476763686414244, -1.9997667739404454),
            (1.4069767441860463, 0.3361287267504395, -1.9964551444514738),
            (1.4627906976744185, 0.22502735028895227, -1.9807206485012188),
            (1.5186046511627906, 0.1165413680632224, -1.8604539352254663),
            (
                1.5744186046511626,
                0.05119386611142055,
                -0.17099854621225308,
            ),
            (1.599999999, 0.04999999999999929, -5.0576827576508204e-15),
            (1.6, 0.05, 0.0),
            (1.6302325581395347, 0.05, 0.0),
            (1.6860465116279069, 0.05, 0.0),
            (1.741860465116279, 0.05, 0.0),
            (1.7976744186046512, 0.05, 0.0),
            (1.853488372093023, 0.05, 0.0),
            (1.9093023255813955, 0.05, 0.0),
            (1.9651162790697674, 0.05, 0.0),
            (2.0209302325581393, 0.05, 0.0),
            (2.0767441860465117, 0.05, 0.0),
            (2.1325581395348836, 0.05, 0.0),
            (2.1883720930232555, 0.05, 0.0),
            (2.244186046511628, 0.05, 0.0),
            (2.3, 0.05, 0.0),
        ];
        // FIBER_DEFAULT: e0=0.0 e1=0.7 in use: k_low=0.2 k_iso=2.857142857142857 curviness=0.75
        pub(super) const FIBER_DEFAULT: &[(f64, f64, f64)] = &[
            (0.8, 0.0, 0.0),
            (0.8279069767441861, 0.0, 0.0),
            (0.8558139534883722, 0.0, 0.0),
            (0.8837209302325582, 0.0, 0.0),
            (0.9116279069767442, 0.0, 0.0),
            (0.9395348837209303, 0.0, 0.0),
            (0.9674418604651163, 0.0, 0.0),
            (0.9953488372093023, 0.0, 0.0),
            (1.0, 0.0, 0.0),
            (1.0001, 4.60326387781807e-11, 1.3843698668257565e-06),
            (
                1.0232558139534884,
                0.0013188441474669358,
                0.1505968250300511,
            ),
            (
                1.0511627906976746,
                0.006739460837752539,
                0.20130788049838588,
            ),
            (
                1.0790697674418606,
                0.012470073354276336,
                0.21124925869528074,
            ),
            (1.1069767441860465, 0.01865631935503394, 0.23480235865617274),
            (1.1348837209302327, 0.025754319388707758, 0.2776267346452645),
            (1.1627906976744187, 0.03439066239330419, 0.3461047503762383),
            (1.1906976744186046, 0.045361550533289344, 0.4455966263785462),
            (1.2186046511627908, 0.05956399325773567, 0.5773990171245326),
            (1.2465116279069768, 0.0778395389301061, 0.7359605161862833),
            (1.2744186046511627, 0.10078032428352066, 0.9094718710464814),
            (1.302325581395349, 0.12861756816452682, 1.0849688088840568),
            (1.330232558139535, 0.16127710969674683, 1.254316446012391),
            (1.35, 0.1872183158140339, 1.3698080762608942),
            (1.3581395348837209, 0.1985586621585672, 1.4166288116113914),
            (1.386046511627907, 0.24032321783955363, 1.576701150619732),
            (1.413953488372093, 0.2866057925765019, 1.7415775342657402),
            (1.441860465116279, 0.337623769163775, 1.916603337559623),
            (1.4697674418604652, 0.3936727366294551, 2.1014105528652967),
            (1.4976744186046513, 0.454924523866409, 2.2873467491564283),
            (1.5255813953488373, 0.5212087453498039, 2.459338378732833),
            (1.5534883720930233, 0.5919216701852901, 2.6027603836742066),
            (1.5813953488372094, 0.6661414960772096, 2.7101940465809093),
            (1.6093023255813954, 0.7428618601417508, 2.7827050396042927),
            (1.6372093023255814, 0.8211877565752435, 2.8264929948771305),
            (1.6651162790697676, 0.9004222605825989, 2.8490290180106417),
            (1.6930232558139535, 0.98006708832142, 2.8568637395609158),
            (1.7, 1.0, 2.857142857142859),
            (1.7209302325581395, 1.0598006644518272, 2.857142857142857),
            (1.7488372093023257, 1.1395348837209307, 2.857142857142857),
            (1.7767441860465116, 1.2192691029900333, 2.857142857142857),
            (1.8046511627906978, 1.2990033222591366, 2.857142857142857),
            (1.8325581395348838, 1.3787375415282395, 2.857142857142857),
            (1.8604651162790697, 1.4584717607973423, 2.857142857142857),
            (1.888372093023256, 1.5382059800664456, 2.857142857142857),
            (1.916279069767442, 1.6179401993355484, 2.857142857142857),
            (1.9441860465116279, 1.697674418604651, 2.857142857142857),
            (1.972093023255814, 1.7774086378737546, 2.857142857142857),
            (2.0, 1.8571428571428572, 2.857142857142857),
        ];
        // FIBER_E05: e0=0.0 e1=0.5 in use: k_low=0.2 k_iso=4.0 curviness=0.75
        pub(super) const FIBER_E05: &[(f64, f64, f64)] = &[
            (0.8, 0.0, 0.0),
            (0.8232558139534885, 0.0, 0.0),
            (0.8465116279069768, 0.0, 0.0),
            (0.8697674418604652, 0.0, 0.0),
            (0.8930232558139535, 0.0, 0.0),
            (0.9162790697674419, 0.0, 0.0),
            (0.9395348837209303, 0.0, 0.0),
            (0.9627906976744187, 0.0, 0.0),
            (0.986046511627907, 0.0, 0.0),
            (1.0, 6.117472938748594e-58, 9.672639229623318e-38),
            (1.0001, 9.049033145258958e-11, 2.724051036561222e-06),
            (
                1.0093023255813953,
                0.0001703446441767626,
                0.06130311662797504,
            ),
            (
                1.0325581395348837,
                0.004013748775902801,
                0.20085346447407518,
            ),
            (
                1.0558139534883721,
                0.008826474873441894,
                0.21686677217262826,
            ),
            (
                1.0790697674418606,
                0.014324720814372742,
                0.26192436332853825,
            ),
            (1.1023255813953488, 0.02134490466493365, 0.3503629221859211),
            (1.1255813953488372, 0.03107603741184811, 0.49732614712286843),
            (1.1488372093023256, 0.04499739657839241, 0.7108835339672073),
            (1.172093023255814, 0.06458908206911206, 0.9816162022277923),
            (1.1953488372093024, 0.09088101119543222, 1.2815331335206421),
            (1.2186046511627908, 0.12417835397553684, 1.5798611892402965),
            (1.2418604651162792, 0.16422704745310274, 1.8613537462665344),
            (1.25, 0.17976456059585122, 1.9562021324376428),
            (1.2651162790697674, 0.21065062768636192, 2.1300096362518626),
            (1.2883720930232558, 0.2633116152727319, 2.4004709794211334),
            (1.3116279069767443, 0.32242077290675064, 2.6860036878241744),
            (1.3348837209302324, 0.3883656006490036, 2.9867541006727563),
            (1.3581395348837209, 0.4613086583600321, 3.2830393955807224),
            (1.3813953488372093, 0.5407800014236712, 3.542830094213243),
            (1.4046511627906977, 0.6256116304501195, 3.741469434824558),
            (1.427906976744186, 0.7142862784948054, 3.874136981365789),
            (1.4511627906976745, 0.8053737854995515, 3.951439201956183),
            (1.474418604651163, 0.8977653382065581, 3.9888240581293344),
            (1.4976744186046513, 0.9906977344595812, 3.9999222206688043),
            (1.5, 1.0, 4.000000000000002),
            (1.5209302325581395, 1.083720930232558, 4.0),
            (1.544186046511628, 1.1767441860465118, 4.0),
            (1.5674418604651164, 1.2697674418604654, 4.0),
            (1.5906976744186045, 1.3627906976744182, 4.0),
            (1.613953488372093, 1.4558139534883718, 4.0),
            (1.6372093023255814, 1.5488372093023255, 4.0),
            (1.6604651162790698, 1.6418604651162791, 4.0),
            (1.6837209302325582, 1.7348837209302328, 4.0),
            (1.7069767441860466, 1.8279069767441865, 4.0),
            (1.730232558139535, 1.92093023255814, 4.0),
            (1.7534883720930234, 2.0139534883720938, 4.0),
            (1.7767441860465116, 2.1069767441860465, 4.0),
            (1.8, 2.2, 4.0),
        ];
        // FIBER_CUSTOM: e0=-0.05 e1=0.6 in use: k_low=0.3 k_iso=4.0 curviness=0.6
        pub(super) const FIBER_CUSTOM: &[(f64, f64, f64)] = &[
            (0.75, 0.0, 0.0),
            (0.7767441860465116, 0.0, 0.0),
            (0.8034883720930233, 0.0, 0.0),
            (0.8302325581395349, 0.0, 0.0),
            (0.8569767441860465, 0.0, 0.0),
            (0.8837209302325582, 0.0, 0.0),
            (0.9104651162790698, 0.0, 0.0),
            (0.9372093023255814, 0.0, 0.0),
            (0.95, 0.0, 0.0),
            (0.9501, 3.3477055974572746e-10, 1.0084664676754304e-05),
            (
                0.963953488372093,
                0.0010834025233916046,
                0.16379972814459134,
            ),
            (
                0.9906976744186047,
                0.008467825756180002,
                0.30166177052599563,
            ),
            (1.0174418604651163, 0.016669369846045584, 0.3139274129084386),
            (1.044186046511628, 0.02540261565371142, 0.34229271007684875),
            (1.0709302325581396, 0.03516940317516156, 0.39210128602309113),
            (1.0976744186046512, 0.04660823565568483, 0.46791871010713665),
            (1.1244186046511628, 0.06044470220234278, 0.5712705460306593),
            (1.1511627906976745, 0.0773788710080153, 0.698470349990483),
            (1.177906976744186, 0.09793791733876296, 0.8405251595621318),
            (1.2046511627906977, 0.12236804518581657, 0.9861127404597145),
            (1.2313953488372094, 0.15062968462919762, 1.1258290625968013),
            (1.258139534883721, 0.18248986442589976, 1.2548331883548645),
            (1.2848837209302326, 0.21765104380103012, 1.3730045149582086),
            (1.3, 0.23888585388826022, 1.4362002125583062),
            (1.3116279069767443, 0.25586314091533907, 1.483796930493916),
            (1.3383720930232559, 0.2970037648506997, 1.593183435180445),
            (1.3651162790697675, 0.34113964633461763, 1.709359300515541),
            (1.3918604651162791, 0.3885921107337853, 1.84334165061126),
            (1.4186046511627908, 0.4400298530886513, 2.0103766195088886),
            (1.4453488372093024, 0.49660449402451934, 2.23151511913794),
            (1.472093023255814, 0.5601008422327298, 2.5321718483157527),
            (1.4988372093023257, 0.6329013029065099, 2.9269968590145363),
            (1.5255813953488373, 0.7171799422449903, 3.3765415050457857),
            (1.552325581395349, 0.8128957733042819, 3.7577549210294),
            (1.5790697674418606, 0.9165412308558034, 3.9607445081567887),
            (1.6, 0.9999999999999988, 4.000000000000074),
            (1.6058139534883722, 1.0232558139534884, 4.0),
            (1.6325581395348838, 1.130232558139535, 4.0),
            (1.6593023255813955, 1.2372093023255815, 4.0),
            (1.686046511627907, 1.344186046511628, 4.0),
            (1.7127906976744187, 1.4511627906976745, 4.0),
            (1.7395348837209303, 1.558139534883721, 4.0),
            (1.766279069767442, 1.6651162790697676, 4.0),
            (1.7930232558139536, 1.772093023255814, 4.0),
            (1.8197674418604652, 1.8790697674418606, 4.0),
            (1.8465116279069769, 1.9860465116279071, 4.0),
            (1.8732558139534885, 2.0930232558139537, 4.0),
            (1.9000000000000001, 2.2, 4.0),
        ];
        // TENDON_DEFAULT: e_iso=0.049 in use: k_iso=28.06122448979592 f_toe=0.6666666666666666 curviness=0.5 domain=[1.0, 1.037121212121212]
        pub(super) const TENDON_DEFAULT: &[(f64, f64, f64)] = &[
            (0.97, 0.0, 0.0),
            (0.9725209302325581, 0.0, 0.0),
            (0.9750418604651162, 0.0, 0.0),
            (0.9775627906976744, 0.0, 0.0),
            (0.9800837209302325, 0.0, 0.0),
            (0.9826046511627907, 0.0, 0.0),
            (0.9851255813953488, 0.0, 0.0),
            (0.987646511627907, 0.0, 0.0),
            (0.9901674418604651, 0.0, 0.0),
            (0.9926883720930233, 0.0, 0.0),
            (0.9952093023255814, 0.0, 0.0),
            (0.9977302325581395, 0.0, 0.0),
            (1.0, 5.437753723332103e-55, 2.0266482195400395e-34),
            (1.0001, 1.0923944200358608e-06, 0.033259069026292554),
            (
                1.0002511627906976,
                1.8413984406673094e-05,
                0.22676080242900323,
            ),
            (1.0027720930232558, 0.014118697219209199, 9.500778861099656),
            (1.005293023255814, 0.04092125850302833, 11.38529996331474),
            (1.007813953488372, 0.07098162131448611, 12.492160605542916),
            (1.0103348837209303, 0.10435055952744349, 14.06757542531916),
            (1.0128558139534884, 0.141645142917058, 15.317617544116908),
            (1.0147, 0.17011538194302553, 15.488045732519575),
            (1.0153767441860464, 0.1806245364709515, 15.594286160445327),
            (1.0178976744186046, 0.22185636371790354, 17.48717802040623),
            (1.0204186046511627, 0.2692026365104674, 19.9063143457792),
            (1.022939534883721, 0.3212542492965996, 21.245835758248077),
            (1.025460465116279, 0.3758878326810161, 22.05843934223228),
            (1.0279813953488373, 0.4324472503696261, 22.842564151801817),
            (1.0305023255813954, 0.4913975644118133, 24.03746261582523),
            (1.0330232558139536, 0.554363933559354, 26.044575806653693),
            (1.0355441860465116, 0.622540105695071, 27.804261961920126),
            (1.037121212121212, 0.6666666666666666, 28.061224489796434),
            (1.0380651162790697, 0.6931537731371609, 28.06122448979592),
            (1.040586046511628, 0.7638941623160891, 28.06122448979592),
            (1.043106976744186, 0.8346345514950174, 28.06122448979592),
            (1.0456279069767442, 0.9053749406739457, 28.06122448979592),
            (1.0481488372093024, 0.976115329852874, 28.06122448979592),
            (1.049, 0.9999999999999984, 28.06122448979592),
            (1.0506697674418606, 1.0468557190318022, 28.06122448979592),
            (1.0531906976744185, 1.1175961082107242, 28.06122448979592),
            (1.0557116279069767, 1.1883364973896526, 28.06122448979592),
            (1.0582325581395349, 1.2590768865685809, 28.06122448979592),
            (1.060753488372093, 1.329817275747509, 28.06122448979592),
            (1.0632744186046512, 1.4005576649264375, 28.06122448979592),
            (1.0657953488372094, 1.4712980541053657, 28.06122448979592),
            (1.0683162790697676, 1.542038443284294, 28.06122448979592),
            (1.0708372093023255, 1.6127788324632162, 28.06122448979592),
            (1.0733581395348837, 1.6835192216421446, 28.06122448979592),
            (1.0758790697674419, 1.7542596108210726, 28.06122448979592),
            (1.0784, 1.825000000000001, 28.06122448979592),
        ];
        // TENDON_E033: e_iso=0.033 in use: k_iso=41.666666666666664 f_toe=0.6666666666666666 curviness=0.5 domain=[1.0, 1.025]
        pub(super) const TENDON_E033: &[(f64, f64, f64)] = &[
            (0.97, 0.0, 0.0),
            (0.9719255813953488, 0.0, 0.0),
            (0.9738511627906976, 0.0, 0.0),
            (0.9757767441860464, 0.0, 0.0),
            (0.9777023255813954, 0.0, 0.0),
            (0.9796279069767442, 0.0, 0.0),
            (0.981553488372093, 0.0, 0.0),
            (0.9834790697674418, 0.0, 0.0),
            (0.9854046511627906, 0.0, 0.0),
            (0.9873302325581395, 0.0, 0.0),
            (0.9892558139534884, 0.0, 0.0),
            (0.9911813953488372, 0.0, 0.0),
            (0.993106976744186, 0.0, 0.0),
            (0.9950325581395348, 0.0, 0.0),
            (0.9969581395348837, 0.0, 0.0),
            (0.9988837209302325, 0.0, 0.0),
            (1.0, 0.0, 0.0),
            (1.0001, 3.6524878984106552e-06, 0.1118737424303286),
            (1.0008093023255813, 0.0021092596268284802, 7.042574839495842),
            (1.0027348837209302, 0.027265903035257312, 15.944636504885217),
            (1.004660465116279, 0.06000686635642585, 17.927667991792507),
            (1.0065860465116279, 0.09664125243017142, 20.317885510407127),
            (1.0085116279069768, 0.13832196715474032, 22.661322952647453),
            (1.0099, 0.17011538194303466, 22.997401239195643),
            (1.0104372093023255, 0.18251244748130527, 23.20785288563804),
            (1.0123627906976744, 0.23000185206829044, 26.712168256604123),
            (1.0142883720930231, 0.2852928437469656, 30.33292185823264),
            (1.016213953488372, 0.34561598290157447, 32.13546776769842),
            (1.018139534883721, 0.40871936505925177, 33.40066409062871),
            (1.0200651162790697, 0.4745114273664259, 35.08684883985493),
            (1.0219906976744186, 0.5447789499605418, 38.175913450483634),
            (1.0239162790697673, 0.6216467971250479, 41.26749005696219),
            (1.025, 0.6666666666666666, 41.66666666666458),
            (1.0258418604651163, 0.701744186046515, 41.666666666666664),
            (1.027767441860465, 0.7819767441860446, 41.666666666666664),
            (1.029693023255814, 0.8622093023255832, 41.666666666666664),
            (1.0316186046511628, 0.942441860465122, 41.666666666666664),
            (1.033, 1.0000000000000002, 41.666666666666664),
            (1.0335441860465115, 1.0226744186046515, 41.666666666666664),
            (1.0354697674418605, 1.1029069767441904, 41.666666666666664),
            (1.0373953488372092, 1.1831395348837197, 41.666666666666664),
            (1.0393209302325581, 1.2633720930232584, 41.666666666666664),
            (1.0412465116279068, 1.343604651162788, 41.666666666666664),
            (1.0431720930232558, 1.4238372093023268, 41.666666666666664),
            (1.0450976744186047, 1.5040697674418655, 41.666666666666664),
            (1.0470232558139534, 1.5843023255813948, 41.666666666666664),
            (1.0489488372093023, 1.6645348837209335, 41.666666666666664),
            (1.050874418604651, 1.7447674418604633, 41.666666666666664),
            (1.0528, 1.825000000000002, 41.666666666666664),
        ];
        // TENDON_CUSTOM: e_iso=0.04 in use: k_iso=40.0 f_toe=0.5 curviness=0.3 domain=[1.0, 1.0275]
        pub(super) const TENDON_CUSTOM: &[(f64, f64, f64)] = &[
            (0.97, 0.0, 0.0),
            (0.9721860465116279, 0.0, 0.0),
            (0.9743720930232558, 0.0, 0.0),
            (0.9765581395348837, 0.0, 0.0),
            (0.9787441860465116, 0.0, 0.0),
            (0.9809302325581395, 0.0, 0.0),
            (0.9831162790697674, 0.0, 0.0),
            (0.9853023255813953, 0.0, 0.0),
            (0.9874883720930232, 0.0, 0.0),
            (0.9896744186046511, 0.0, 0.0),
            (0.991860465116279, 0.0, 0.0),
            (0.9940465116279069, 0.0, 0.0),
            (0.9962325581395349, 0.0, 0.0),
            (0.9984186046511628, 0.0, 0.0),
            (1.0, 6.729220232623479e-56, 9.957128618730452e-35),
            (1.0001, 8.697855568782011e-06, 0.26531052203452515),
            (
                1.0006046511627906,
                0.0014443950810446168,
                5.4926212185651915,
            ),
            (1.0027906976744185, 0.02046229383491979, 9.857865477635034),
            (1.0049767441860464, 0.04271024095265949, 10.41904085662784),
            (1.0071627906976743, 0.06595987468778756, 10.885708342269549),
            (1.0093488372093022, 0.09071787592537572, 11.942295780105752),
            (1.0115348837209301, 0.1187218402164215, 13.465311173415822),
            (1.012, 0.125, 13.513513513513525),
            (1.013720930232558, 0.15008770540090693, 16.63706233437435),
            (1.0159069767441862, 0.19260154171351662, 21.51107573430322),
            (1.018093023255814, 0.24184739198906877, 23.280089561545527),
            (1.020279069767442, 0.2938111622434262, 24.213281111719866),
            (1.0224651162790699, 0.34775083071980184, 25.2087048642834),
            (1.0246511627906978, 0.40490719553974625, 27.543094389356344),
            (1.0268372093023257, 0.47395307236200795, 37.87312014428894),
            (1.0275, 0.5, 40.00000000000209),
            (1.0290232558139536, 0.5609302325581407, 40.0),
            (1.0312093023255815, 0.6483720930232568, 40.0),
            (1.0333953488372094, 0.735813953488373, 40.0),
            (1.0355813953488373, 0.8232558139534891, 40.0),
            (1.0377674418604652, 0.9106976744186053, 40.0),
            (1.0399534883720931, 0.9981395348837214, 40.0),
            (1.04, 0.9999999999999982, 40.0),
            (1.042139534883721, 1.0855813953488376, 40.0),
            (1.044325581395349, 1.1730232558139537, 40.0),
            (1.0465116279069768, 1.2604651162790699, 40.0),
            (1.0486976744186047, 1.347906976744186, 40.0),
            (1.0508837209302326, 1.4353488372093022, 40.0),
            (1.0530697674418605, 1.5227906976744183, 40.0),
            (1.0552558139534884, 1.6102325581395345, 40.0),
            (1.0574418604651163, 1.6976744186046506, 40.0),
            (1.0596279069767442, 1.7851162790697668, 40.0),
            (1.0618139534883722, 1.872558139534883, 40.0),
            (1.064, 1.959999999999999, 40.0),
        ];
    }
}
