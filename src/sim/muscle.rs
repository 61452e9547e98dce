//! The Thelen 2003 Hill-type muscle (as OpenSim's `Thelen2003Muscle`), with a rigid tendon.
//!
//! Curves, in normalised units (force / max isometric force, length / optimal fibre length,
//! velocity / (max contraction velocity x optimal fibre length)):
//! - active force-length: `exp(-(l - 1)^2 / KshapeActive)`;
//! - passive force-length: `(exp(KshapePassive (l - 1) / FmaxMuscleStrain) - 1) / (exp(KshapePassive) - 1)`
//!   for `l > 1`, zero below;
//! - force-velocity: Thelen's curve solved for force, hyperbolic when shortening (zero at the
//!   activation-dependent maximum speed `(0.25 + 0.75 a) vmax`) and rising to `Flen` when lengthening;
//! - activation: `da/dt = (u - a) / tau`, `tau = tau_act (0.5 + 1.5 a)` when `u > a`, else
//!   `tau_deact / (0.5 + 1.5 a)`; activation never falls below 0.01.
//!
//! The tendon is compliant by default ([`TendonModel::Compliant`]: Thelen's force-strain curve,
//! `tendon_force_strain`, solved in quasi-static equilibrium with the fibre, see
//! [`compliant_isometric_force`]) or rigid ([`TendonModel::Rigid`]: the fibre length follows from
//! the path length and the constant-thickness pennation model), chosen by `sim.tendon`.

use crate::osim::model::Muscle;

/// Thelen's minimum activation.
pub const MIN_ACTIVATION: f64 = 0.01;

/// One activation step of length `dt` towards excitation `u`, exact for the time constant frozen
/// at the start of the step.
pub fn activation_step(m: &Muscle, a: f64, u: f64, dt: f64) -> f64 {
    let u = u.clamp(MIN_ACTIVATION, 1.0);
    let a = a.clamp(MIN_ACTIVATION, 1.0);
    let tau = if u > a {
        m.activation_time_constant * (0.5 + 1.5 * a)
    } else {
        m.deactivation_time_constant / (0.5 + 1.5 * a)
    };
    (a + (u - a) * (1.0 - (-dt / tau).exp())).clamp(MIN_ACTIVATION, 1.0)
}

/// The time derivative of activation (for reference integrators in tests).
pub fn activation_derivative(m: &Muscle, a: f64, u: f64) -> f64 {
    let tau = if u > a {
        m.activation_time_constant * (0.5 + 1.5 * a)
    } else {
        m.deactivation_time_constant / (0.5 + 1.5 * a)
    };
    (u - a) / tau
}

/// Active force-length multiplier.
pub fn active_force_length(m: &Muscle, l_norm: f64) -> f64 {
    (-(l_norm - 1.0).powi(2) / m.kshape_active).exp()
}

/// Passive force-length multiplier.
pub fn passive_force_length(m: &Muscle, l_norm: f64) -> f64 {
    if l_norm <= 1.0 {
        return 0.0;
    }
    let k = m.kshape_passive;
    ((k * (l_norm - 1.0) / m.fmax_muscle_strain).exp() - 1.0) / (k.exp() - 1.0)
}

/// Force-velocity multiplier and its derivative with respect to the normalised fibre velocity
/// `v_norm` (lengthening positive, in units of `vmax` optimal fibre lengths per second).
pub fn force_velocity(m: &Muscle, a: f64, v_norm: f64) -> (f64, f64) {
    // Thelen's velocity scale grows with activation.
    let k = 0.25 + 0.75 * a;
    let af = m.af;
    if v_norm <= 0.0 {
        let v = v_norm.max(-k);
        let den = k - v / af;
        let f = (k + v) / den;
        let df = if v_norm <= -k {
            0.0
        } else {
            (den + (k + v) / af) / (den * den)
        };
        (f, df)
    } else {
        let c = (2.0 + 2.0 / af) / (m.flen - 1.0);
        let flen = m.flen;
        let f = (k + v_norm * c * flen) / (k + v_norm * c);
        let df =
            (c * flen * (k + v_norm * c) - c * (k + v_norm * c * flen)) / (k + v_norm * c).powi(2);
        (f, df)
    }
}

/// Thelen's tendon force-strain curve (normalised force from tendon strain).
pub fn tendon_force_strain(m: &Muscle, strain: f64) -> f64 {
    let e0 = m.fmax_tendon_strain;
    let (f_toe, k_toe) = (0.33f64, 3.0f64);
    let e_toe = 99.0 * e0 * k_toe.exp() / (166.0 * k_toe.exp() - 67.0);
    let k_lin = 0.67 / (e0 - e_toe);
    if strain <= 0.0 {
        0.0
    } else if strain <= e_toe {
        f_toe / (k_toe.exp() - 1.0) * ((k_toe * strain / e_toe).exp() - 1.0)
    } else {
        k_lin * (strain - e_toe) + f_toe
    }
}

/// Everything the rigid-tendon model computes for one muscle at one instant.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct MuscleState {
    /// Tendon (path) force (N).
    pub force: f64,
    /// Muscle-tendon length (m).
    pub length: f64,
    /// Muscle-tendon lengthening velocity (m/s).
    pub velocity: f64,
    /// Activation in [0.01, 1].
    pub activation: f64,
    /// Fibre length (m).
    pub fiber_length: f64,
    /// Fibre force along the fibre (N).
    pub fiber_force: f64,
    /// Pennation angle (rad).
    pub pennation: f64,
    /// d(tendon force)/d(path lengthening velocity), N s/m: the muscle's instantaneous damping.
    pub damping: f64,
}

/// Tendon force of a rigid-tendon Thelen muscle at path length `length`, lengthening velocity
/// `velocity` and activation `a`.
pub fn rigid_tendon_state(m: &Muscle, length: f64, velocity: f64, a: f64) -> MuscleState {
    let lopt = m.optimal_fiber_length;
    let height = lopt * m.pennation_angle_at_optimal.sin();
    // The fibre's projection on the tendon line; kept positive (a fully shortened fibre).
    let along = (length - m.tendon_slack_length).max(0.01 * lopt);
    let fiber_length = (height * height + along * along).sqrt();
    let cos_pen = along / fiber_length;
    let l_norm = fiber_length / lopt;
    let vmax = m.max_contraction_velocity * lopt;
    let fiber_velocity = velocity * cos_pen;
    let v_norm = fiber_velocity / vmax;
    let fl = active_force_length(m, l_norm);
    let (fv, dfv) = force_velocity(m, a, v_norm);
    let fpe = passive_force_length(m, l_norm);
    let fmax = m.max_isometric_force;
    let fiber_force = fmax * (a * fl * fv + fpe);
    let force = fiber_force * cos_pen;
    let damping = fmax * a * fl * dfv * cos_pen * cos_pen / vmax;
    MuscleState {
        force,
        length,
        velocity,
        activation: a,
        fiber_length,
        fiber_force,
        pennation: cos_pen.acos(),
        damping,
    }
}

/// Isometric tendon force with a compliant Thelen tendon at static equilibrium (fibre velocity
/// zero), found by bisection on the fibre length. Used only to measure the rigid-tendon error.
pub fn compliant_isometric_force(m: &Muscle, length: f64, a: f64) -> f64 {
    let lopt = m.optimal_fiber_length;
    let height = lopt * m.pennation_angle_at_optimal.sin();
    let lts = m.tendon_slack_length;
    // residual(along) = tendon force - fibre force along the tendon, increasing in `along`'s
    // complement; bisection over the fibre's projection.
    let residual = |along: f64| {
        let tendon = length - along;
        let ft = tendon_force_strain(m, tendon / lts - 1.0);
        let lf = (height * height + along * along).sqrt();
        let cos_pen = along / lf;
        let l_norm = lf / lopt;
        let fm = a * active_force_length(m, l_norm) + passive_force_length(m, l_norm);
        ft - fm * cos_pen
    };
    let (mut lo, mut hi) = (0.01 * lopt, (length - 0.5 * lts).max(0.02 * lopt));
    if residual(lo) < 0.0 {
        return 0.0;
    }
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if residual(mid) > 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let along = 0.5 * (lo + hi);
    m.max_isometric_force * tendon_force_strain(m, (length - along) / lts - 1.0)
}

/// The tendon model of the simulation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum TendonModel {
    /// Thelen's compliant tendon in quasi-static equilibrium: the fibre length balances tendon and
    /// fibre force each substep; the path velocity is shared between tendon and fibre in
    /// proportion to their stiffness (series springs), and the fibre's share drives the
    /// force-velocity curve.
    #[default]
    Compliant,
    /// Rigid tendon: the fibre takes every change of path length.
    Rigid,
}

/// Fibre force along the tendon line and its derivative with respect to the fibre projection
/// `along`, for activation `a` with isometric force-velocity (used by the equilibrium).
fn fiber_along(m: &Muscle, a: f64, along: f64) -> (f64, f64, f64, f64) {
    let lopt = m.optimal_fiber_length;
    let height = lopt * m.pennation_angle_at_optimal.sin();
    let lf = (height * height + along * along).sqrt();
    let cos_pen = along / lf;
    let l_norm = lf / lopt;
    let fl = active_force_length(m, l_norm);
    let fpe = passive_force_length(m, l_norm);
    let f = (a * fl + fpe) * cos_pen;
    // Numerical derivative in `along` (cheap and robust for the curve mix).
    let h = 1e-7 * lopt;
    let lf2 = (height * height + (along + h) * (along + h)).sqrt();
    let l2 = lf2 / lopt;
    let f2 = (a * active_force_length(m, l2) + passive_force_length(m, l2)) * (along + h) / lf2;
    (f, (f2 - f) / h, fl, fpe)
}

/// Compliant-tendon muscle state (see [`TendonModel::Compliant`]). `guess` holds the fibre
/// projection of the previous call and is updated (a warm start: usually 2-3 Newton steps).
pub fn compliant_tendon_state(
    m: &Muscle,
    length: f64,
    velocity: f64,
    a: f64,
    guess: &mut f64,
) -> MuscleState {
    let lopt = m.optimal_fiber_length;
    let lts = m.tendon_slack_length;
    let fmax = m.max_isometric_force;
    let height = lopt * m.pennation_angle_at_optimal.sin();
    let min_along = 0.05 * lopt;
    // residual(along) = tendon force - fibre force along the tendon (normalised); decreasing.
    let residual = |along: f64| {
        let strain = (length - along) / lts - 1.0;
        let (f, df, _, _) = fiber_along(m, a, along);
        let ft = tendon_force_strain(m, strain);
        let dft = (tendon_force_strain(m, strain + 1e-7) - ft) / 1e-7;
        (ft - f, -dft / lts - df)
    };
    let mut lo = min_along;
    let mut hi = (length - lts * 0.5).max(min_along * 1.0001);
    let mut x = if guess.is_finite() && *guess > lo && *guess < hi {
        *guess
    } else {
        (length - lts).clamp(lo, hi)
    };
    if residual(lo).0 <= 0.0 {
        x = lo;
    } else {
        for _ in 0..40 {
            let (r, dr) = residual(x);
            if r.abs() < 1e-9 {
                break;
            }
            if r > 0.0 {
                lo = x;
            } else {
                hi = x;
            }
            let newton = if dr < 0.0 { x - r / dr } else { f64::NAN };
            x = if newton.is_finite() && newton > lo && newton < hi {
                newton
            } else {
                0.5 * (lo + hi)
            };
            if hi - lo < 1e-12 {
                break;
            }
        }
    }
    *guess = x;
    let along = x;
    let lf = (height * height + along * along).sqrt();
    let cos_pen = along / lf;
    let strain = (length - along) / lts - 1.0;
    // Series stiffnesses (per metre of path): tendon and fibre along the tendon line.
    let kt =
        ((tendon_force_strain(m, strain + 1e-6) - tendon_force_strain(m, strain)) / 1e-6 / lts)
            .max(0.0);
    let (_, dfa, fl, fpe) = fiber_along(m, a, along);
    let km = dfa.max(0.0);
    let share = if kt + km > 1e-12 { kt / (kt + km) } else { 1.0 };
    let vmax = m.max_contraction_velocity * lopt;
    let fiber_velocity = velocity * share * cos_pen;
    let (fv, dfv) = force_velocity(m, a, fiber_velocity / vmax);
    let fiber_force = fmax * (a * fl * fv + fpe);
    MuscleState {
        force: fiber_force * cos_pen,
        length,
        velocity,
        activation: a,
        fiber_length: lf,
        fiber_force,
        pennation: cos_pen.acos(),
        damping: fmax * a * fl * dfv * cos_pen * cos_pen * share / vmax,
    }
}

/// The fibre length (m) of a compliant-tendon Thelen muscle in static equilibrium at path length
/// `length` and activation `a`, as OpenSim's `Thelen2003Muscle::computeInitialFiberEquilibrium`
/// finds it with zero speeds: tendon force equals fibre force along the tendon, or, for a
/// muscle too short for any fibre force (slack), the fibre at its `minimum_fiber_length`.
pub fn equilibrium_fiber_length(m: &Muscle, length: f64, a: f64) -> f64 {
    static_equilibrium(
        m,
        length,
        |l_norm| a * active_force_length(m, l_norm) + passive_force_length(m, l_norm),
        |tendon_norm| tendon_force_strain(m, tendon_norm - 1.0),
    )
}

/// The same equilibrium for a compliant `Millard2012EquilibriumMuscle` with its own curves
/// (`millard.rs`, OpenSim's quintic Bezier curves) at zero fibre velocity, where its damping
/// adds nothing. `None` when the file's curve parameters are ones OpenSim would refuse.
pub fn millard_equilibrium_fiber_length(m: &Muscle, length: f64, a: f64) -> Option<f64> {
    use super::millard::{
        millard_effective_minimum_value, ActiveForceLength, FiberForceLength, TendonForceLength,
    };
    let c = m.millard.as_ref()?;
    // OpenSim's curve builders throw on parameters they refuse; ours panic the same way, so
    // a refused file is caught here rather than taking the program down.
    let curves = std::panic::catch_unwind(|| {
        let minimum = millard_effective_minimum_value(c.active[4], m.rigid_tendon, c.fiber_damping);
        (
            ActiveForceLength::new(c.active[0], c.active[1], c.active[2], c.active[3], minimum),
            FiberForceLength::new(
                c.fiber_strains[0],
                c.fiber_strains[1],
                c.fiber_shape[0],
                c.fiber_shape[1],
                c.fiber_shape[2],
            ),
            TendonForceLength::new(
                c.tendon_strain,
                c.tendon_shape[0],
                c.tendon_shape[1],
                c.tendon_shape[2],
            ),
        )
    })
    .ok()?;
    let (active, passive, tendon) = curves;
    Some(static_equilibrium(
        m,
        length,
        |l_norm| a * active.value(l_norm) + passive.value(l_norm),
        |tendon_norm| tendon.value(tendon_norm),
    ))
}

/// Bisection on the fibre's projection along the tendon for `tendon(l_t / l_ts)` = `fibre(l_m /
/// l_opt) cos(pennation)` (normalised forces) at constant thickness; the minimum fibre length
/// when even the shortest fibre outpulls a slack tendon.
fn static_equilibrium(
    m: &Muscle,
    length: f64,
    fiber: impl Fn(f64) -> f64,
    tendon: impl Fn(f64) -> f64,
) -> f64 {
    let lopt = m.optimal_fiber_length;
    let lts = m.tendon_slack_length;
    let height = lopt * m.pennation_angle_at_optimal.sin();
    let min_fiber = m.minimum_fiber_length;
    let min_along = (min_fiber * min_fiber - height * height).max(0.0).sqrt();
    let residual = |along: f64| {
        let lf = (height * height + along * along).sqrt();
        tendon((length - along) / lts) - fiber(lf / lopt) * along / lf
    };
    let (mut lo, mut hi) = (min_along.max(1e-12 * lopt), length.max(min_along));
    // Slack (or a NaN residual from bad parameters): the fibre at its minimum.
    if residual(lo).is_nan() || residual(lo) <= 0.0 {
        return min_fiber;
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if residual(mid) > 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo < 1e-15 {
            break;
        }
    }
    let along = 0.5 * (lo + hi);
    (height * height + along * along).sqrt()
}
