//! Crossing kinks: where the NLL has a kink at 0 in some parameter
//! (code0 piecewise-linear histosys, code1 piecewise-exponential normsys),
//! each side of the kink is a different smooth function and each can hold
//! its own minimum. A quasi-Newton fit settles in the basin it starts in;
//! the lowest minimum may sit across a kink (pyhf's two-channel coupled
//! histosys validation case under code0: a fit from the suggested init
//! stops at α < 0, the lowest minimum has α > 0).
//!
//! After a fit, every free kinked parameter is probed on the other side of
//! its kink: the one-sided derivative there, just across 0, tells whether
//! the NLL descends into the other branch (a ridge at the kink, so a basin
//! across). Each such parameter gets a restart from its mirrored value;
//! the lowest minimum wins, and the probe is repeated from it. Parameters
//! whose kink is a valley (the NLL rises on the other side) cost one
//! gradient each and no fit. Models without kinks pay nothing.

use ns_core::{FitStatus, Objective};
use ns_optim::{Lbfgsb, MinimizeResult};

use crate::mle::Problem;

/// Half-width around 0 within which a kinked parameter counts as "at" its
/// kink: the near-kink parameters are all mirrored together in one extra
/// fit (tttt with normsys=code1, histosys=code0 stopped 6e-6 in 2·NLL
/// above pyhf's SLSQP without it), and a crossing restart starts at least
/// this far across.
pub(crate) const KINK_WINDOW: f64 = 0.05;

/// Distance across the kink at which the one-sided derivative is probed:
/// small enough to see the branch's slope at 0, large against rounding.
const PROBE: f64 = 1e-6;

/// Distance from a kink below which a parameter is taken to sit on it.
const PIN: f64 = 1e-3;

/// A crossing is tried only where the NLL falls, into the other branch, by
/// more than this slope (per unit of the parameter): rounding in the
/// gradient of a flat direction must not trigger fits.
const SLOPE_TOL: f64 = 1e-7;

/// Rounds of probe-and-restart (each from the best minimum so far), and
/// restarts per round (the steepest descents first): bounds the cost on
/// models with hundreds of kinked parameters.
const MAX_ROUNDS: usize = 4;
const MAX_RESTARTS_PER_ROUND: usize = 8;

/// A restart counts as lower only by more than this (in NLL, relative to
/// max(1, |f|)): re-finding the same minimum is not progress.
const IMPROVE_REL: f64 = 1e-12;

/// Whether `b` is a better result than `a`: clearly lower, or as low and
/// converged where `a` is not.
pub(crate) fn better(b: &MinimizeResult, a: &MinimizeResult) -> bool {
    if !b.fval.is_finite() {
        return false;
    }
    if !a.fval.is_finite() {
        return true;
    }
    let tol = IMPROVE_REL * a.fval.abs().max(1.0);
    b.fval < a.fval - tol
        || (b.fval <= a.fval + tol && b.status.converged() && !a.status.converged())
}

/// From `best`, cross the kinks of `kinks` where the NLL descends across
/// them; returns the lowest minimum found and adds the work to the counts.
pub(crate) fn cross_kinks<O: Objective>(
    minimizer: &mut Lbfgsb,
    obj: &mut O,
    kinks: &[usize],
    p: &Problem,
    mut best: MinimizeResult,
    n_iter: &mut usize,
    n_eval: &mut usize,
) -> MinimizeResult {
    // Near-kink parameters mirrored together: a minimum sitting on a kink
    // with several parameters just off it on the wrong sides.
    let mut mirrored = best.x.clone();
    let mut any = false;
    for &i in kinks {
        let xi = best.x[i];
        if movable(p, i) && xi != 0.0 && xi.abs() < KINK_WINDOW && inside(p, i, -xi) {
            mirrored[i] = -xi;
            any = true;
        }
    }
    if any {
        let r = run(minimizer, obj, &mirrored, p, &p.fixed, n_iter, n_eval);
        if better(&r, &best) {
            best = r;
        }
    }
    let mut grad = vec![0.0; best.x.len()];
    let mut probe = best.x.clone();
    let mut pinned_fixed = p.fixed.clone();
    let mut starts: Vec<(f64, usize, f64)> = Vec::new();
    for _ in 0..MAX_ROUNDS {
        // Parameters left within rounding of their kink: the minimum is on
        // the kink itself (a valley), where quasi-Newton steps bounce
        // between the branches and stop short. A fit with them held at 0
        // exactly is smooth; the probes below then check that neither side
        // descends, i.e. that 0 is a minimum along them.
        pinned_fixed.copy_from_slice(&p.fixed);
        probe.copy_from_slice(&best.x);
        let mut pin = false;
        for &i in kinks {
            if movable(p, i) && best.x[i] != 0.0 && best.x[i].abs() < PIN && inside(p, i, 0.0) {
                pinned_fixed[i] = true;
                probe[i] = 0.0;
                pin = true;
            }
        }
        if pin {
            let r = run(minimizer, obj, &probe, p, &pinned_fixed, n_iter, n_eval);
            if better(&r, &best) {
                best = r;
            }
        }
        starts.clear();
        for &i in kinks {
            if !movable(p, i) {
                continue;
            }
            let xi = best.x[i];
            // The side(s) not yet explored: the other one, or both at 0.
            let sides: &[f64] = if xi > 0.0 {
                &[-1.0]
            } else if xi < 0.0 {
                &[1.0]
            } else {
                &[-1.0, 1.0]
            };
            for &s in sides {
                if !inside(p, i, s * PROBE) {
                    continue;
                }
                probe.copy_from_slice(&best.x);
                probe[i] = s * PROBE;
                let f = obj.value_grad(&probe, &mut grad);
                *n_eval += 1;
                // Slope of the NLL moving away from the kink on side s.
                let slope = s * grad[i];
                if f.is_finite() && slope < -SLOPE_TOL {
                    let target = s * xi.abs().max(KINK_WINDOW);
                    let bound = if s > 0.0 { p.upper[i] } else { p.lower[i] };
                    let start = if inside(p, i, target) {
                        target
                    } else {
                        0.5 * (s * PROBE + bound)
                    };
                    starts.push((slope, i, start));
                }
            }
        }
        if starts.is_empty() {
            break;
        }
        starts.sort_by(|a, b| a.0.total_cmp(&b.0));
        starts.truncate(MAX_RESTARTS_PER_ROUND);
        let mut improved = false;
        let from = best.x.clone();
        for &(_, i, start) in &starts {
            probe.copy_from_slice(&from);
            probe[i] = start;
            let r = run(minimizer, obj, &probe, p, &p.fixed, n_iter, n_eval);
            if better(&r, &best) {
                best = r;
                improved = true;
            }
        }
        if !improved {
            break;
        }
    }
    best
}

fn run<O: Objective>(
    minimizer: &mut Lbfgsb,
    obj: &mut O,
    x0: &[f64],
    p: &Problem,
    fixed: &[bool],
    n_iter: &mut usize,
    n_eval: &mut usize,
) -> MinimizeResult {
    let r = minimizer.minimize(obj, x0, &p.lower, &p.upper, fixed);
    *n_iter += r.n_iter;
    *n_eval += r.n_eval;
    r
}

fn movable(p: &Problem, i: usize) -> bool {
    !p.fixed[i] && p.lower[i] < p.upper[i]
}

fn inside(p: &Problem, i: usize, v: f64) -> bool {
    v >= p.lower[i] && v <= p.upper[i]
}

/// Whether a minimiser status allows a restart from its point.
pub(crate) fn restartable(status: FitStatus) -> bool {
    status != FitStatus::NonFiniteStart && status != FitStatus::Cancelled
}
