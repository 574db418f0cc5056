//! Pieces shared by the trust-region solvers: the exact subproblem on an
//! SVD (Moré's 1978 iteration on the Levenberg–Marquardt parameter), the
//! radius update, the ftol/xtol termination test, 1-D quadratic models and
//! the bound geometry of Coleman & Li (1996) used by TRF.

use crate::linalg::{Svd, dot, norm};

/// Solve `min ‖J p + f‖` subject to `‖p‖ ≤ Δ` given the SVD of J and `uf = Uᵀ f`.
/// Returns the step, the Levenberg–Marquardt parameter α and the iterations.
/// `rtol` is the relative tolerance on `‖p‖ = Δ` (0.01 for TRF, 0.1 for MINPACK).
#[allow(clippy::too_many_arguments)]
pub fn solve_trust_region(
    m: usize,
    n: usize,
    uf: &[f64],
    svd: &Svd,
    delta: f64,
    initial_alpha: f64,
    rtol: f64,
    p: &mut [f64],
) -> f64 {
    let k = svd.k;
    let s = &svd.s;
    let suf: Vec<f64> = (0..k).map(|i| s[i] * uf[i]).collect();
    let full_rank = m >= n && k > 0 && s[k - 1] > f64::EPSILON * m as f64 * s[0];
    let step = |alpha: f64, p: &mut [f64], gauss_newton: bool| {
        p.fill(0.0);
        for i in 0..k {
            let c = if gauss_newton {
                uf[i] / s[i]
            } else {
                suf[i] / (s[i] * s[i] + alpha)
            };
            for (a, pa) in p.iter_mut().enumerate() {
                *pa -= svd.v[a * k + i] * c;
            }
        }
    };
    if full_rank {
        step(0.0, p, true);
        if norm(p) <= delta {
            return 0.0;
        }
    }
    let phi = |alpha: f64| {
        let mut pn2 = 0.0;
        let mut d3 = 0.0;
        for i in 0..k {
            let den = s[i] * s[i] + alpha;
            pn2 += (suf[i] / den).powi(2);
            d3 += suf[i] * suf[i] / (den * den * den);
        }
        let pn = pn2.sqrt();
        (pn - delta, -d3 / pn)
    };
    let mut alpha_upper = norm(&suf) / delta;
    let mut alpha_lower = if full_rank {
        let (f0, d0) = phi(0.0);
        -f0 / d0
    } else {
        0.0
    };
    let mut alpha = if !full_rank && initial_alpha == 0.0 || initial_alpha.is_nan() {
        (0.001 * alpha_upper).max((alpha_lower * alpha_upper).sqrt())
    } else {
        initial_alpha
    };
    for _ in 0..10 {
        if alpha < alpha_lower || alpha > alpha_upper {
            alpha = (0.001 * alpha_upper).max((alpha_lower * alpha_upper).sqrt());
        }
        let (ph, dph) = phi(alpha);
        if ph < 0.0 {
            alpha_upper = alpha;
        }
        let ratio = ph / dph;
        alpha_lower = alpha_lower.max(alpha - ratio);
        alpha -= (ph + delta) * ratio / delta;
        if ph.abs() < rtol * delta {
            break;
        }
    }
    step(alpha, p, false);
    let pn = norm(p);
    if pn > 0.0 {
        for v in p.iter_mut() {
            *v *= delta / pn;
        }
    }
    alpha
}

/// Radius update from the step quality; returns (new Δ, ratio).
pub fn update_radius(
    delta: f64,
    actual: f64,
    predicted: f64,
    step_norm: f64,
    bound_hit: bool,
) -> (f64, f64) {
    let ratio = if predicted > 0.0 {
        actual / predicted
    } else if predicted == actual && actual == 0.0 {
        1.0
    } else {
        0.0
    };
    if ratio < 0.25 {
        (0.25 * step_norm, ratio)
    } else if ratio > 0.75 && bound_hit {
        (2.0 * delta, ratio)
    } else {
        (delta, ratio)
    }
}

/// scipy's status codes: 2 ftol, 3 xtol, 4 both.
pub fn check_termination(
    df: f64,
    f: f64,
    dx_norm: f64,
    x_norm: f64,
    ratio: f64,
    ftol: f64,
    xtol: f64,
) -> Option<i32> {
    let ftol_ok = df < ftol * f && ratio > 0.25;
    let xtol_ok = dx_norm < xtol * (xtol + x_norm);
    match (ftol_ok, xtol_ok) {
        (true, true) => Some(4),
        (true, false) => Some(2),
        (false, true) => Some(3),
        _ => None,
    }
}

/// `½‖J s‖² + gᵀs + ½ sᵀ diag(d) s` for row-major `m × n` J.
pub fn quadratic(j: &[f64], m: usize, n: usize, g: &[f64], s: &[f64], diag: Option<&[f64]>) -> f64 {
    let mut q = 0.0;
    for i in 0..m {
        let r = dot(&j[i * n..(i + 1) * n], s);
        q += r * r;
    }
    let mut v = 0.5 * q + dot(g, s);
    if let Some(d) = diag {
        v += 0.5 * s.iter().zip(d).map(|(si, di)| si * si * di).sum::<f64>();
    }
    v
}

/// Coefficients (a, b, c) of the quadratic model along `s0 + t s` as `a t² + b t + c`.
pub fn quadratic_1d(
    j: &[f64],
    m: usize,
    n: usize,
    g: &[f64],
    s: &[f64],
    diag: Option<&[f64]>,
    s0: Option<&[f64]>,
) -> (f64, f64, f64) {
    let mut a = 0.0;
    let mut b = dot(g, s);
    let mut c = 0.0;
    for i in 0..m {
        let row = &j[i * n..(i + 1) * n];
        let v = dot(row, s);
        a += v * v;
        if let Some(s0) = s0 {
            let u = dot(row, s0);
            b += u * v;
            c += 0.5 * u * u;
        }
    }
    if let Some(d) = diag {
        a += s.iter().zip(d).map(|(si, di)| si * si * di).sum::<f64>();
    }
    if let Some(s0) = s0 {
        c += dot(g, s0);
        if let Some(d) = diag {
            for i in 0..n {
                b += s0[i] * d[i] * s[i];
                c += 0.5 * s0[i] * d[i] * s0[i];
            }
        }
    }
    (0.5 * a, b, c)
}

/// Minimise `a t² + b t + c` on `[lb, ub]`; returns (t, value).
pub fn minimize_1d(a: f64, b: f64, c: f64, lb: f64, ub: f64) -> (f64, f64) {
    let mut best = (lb, lb * (a * lb + b) + c);
    let mut consider = |t: f64| {
        let y = t * (a * t + b) + c;
        if y < best.1 {
            best = (t, y);
        }
    };
    consider(ub);
    if a != 0.0 {
        let ext = -0.5 * b / a;
        if lb < ext && ext < ub {
            consider(ext);
        }
    }
    best
}

/// Coleman–Li scaling vector v and its derivative sign dv.
pub fn cl_scaling(x: &[f64], g: &[f64], lb: &[f64], ub: &[f64], v: &mut [f64], dv: &mut [f64]) {
    for i in 0..x.len() {
        v[i] = 1.0;
        dv[i] = 0.0;
        if g[i] < 0.0 && ub[i].is_finite() {
            v[i] = ub[i] - x[i];
            dv[i] = -1.0;
        }
        if g[i] > 0.0 && lb[i].is_finite() {
            v[i] = x[i] - lb[i];
            dv[i] = 1.0;
        }
    }
}

/// Whether lb ≤ x ≤ ub componentwise.
pub fn in_bounds(x: &[f64], lb: &[f64], ub: &[f64]) -> bool {
    x.iter()
        .zip(lb.iter().zip(ub))
        .all(|(v, (l, u))| v >= l && v <= u)
}

/// Smallest t ≥ 0 with x + t s on a bound, and which components hit (sign of s).
pub fn step_to_bound(x: &[f64], s: &[f64], lb: &[f64], ub: &[f64], hits: Option<&mut [i8]>) -> f64 {
    let mut min_step = f64::INFINITY;
    let steps: Vec<f64> = (0..x.len())
        .map(|i| {
            if s[i] != 0.0 {
                ((lb[i] - x[i]) / s[i]).max((ub[i] - x[i]) / s[i])
            } else {
                f64::INFINITY
            }
        })
        .collect();
    for &t in &steps {
        min_step = min_step.min(t);
    }
    if let Some(h) = hits {
        for i in 0..x.len() {
            h[i] = if steps[i] == min_step {
                s[i].signum() as i8
            } else {
                0
            };
        }
    }
    min_step
}

/// The two t with ‖x + t s‖ = Δ (x inside the region), smaller first.
pub fn intersect_region(x: &[f64], s: &[f64], delta: f64) -> (f64, f64) {
    let a = dot(s, s);
    let b = dot(x, s);
    let c = dot(x, x) - delta * delta;
    let d = (b * b - a * c).max(0.0).sqrt();
    let q = -(b + d.copysign(b));
    let (t1, t2) = (q / a, c / q);
    if t1 < t2 { (t1, t2) } else { (t2, t1) }
}

/// Move x strictly inside the bounds: components on or past a bound go to the
/// next representable number inside (TRF's `rstep = 0`) or `rstep·max(1,|b|)` inside.
pub fn make_strictly_feasible(x: &mut [f64], lb: &[f64], ub: &[f64], rstep: f64) {
    for i in 0..x.len() {
        let (l, u) = (lb[i], ub[i]);
        let lower_active;
        let upper_active;
        if rstep == 0.0 {
            lower_active = x[i] <= l;
            upper_active = x[i] >= u;
        } else {
            let (ld, ud) = (x[i] - l, u - x[i]);
            lower_active = l.is_finite() && ld <= ud.min(rstep * l.abs().max(1.0));
            upper_active = u.is_finite() && ud <= ld.min(rstep * u.abs().max(1.0));
        }
        if lower_active {
            x[i] = if rstep == 0.0 {
                next_toward(l, u)
            } else {
                l + rstep * l.abs().max(1.0)
            };
        } else if upper_active {
            x[i] = if rstep == 0.0 {
                next_toward(u, l)
            } else {
                u - rstep * u.abs().max(1.0)
            };
        }
        if x[i] < l || x[i] > u {
            x[i] = 0.5 * (l + u);
        }
    }
}

/// `nextafter(a, b)`.
fn next_toward(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        return f64::NAN;
    }
    if a == b {
        return b;
    }
    if a == 0.0 {
        let tiny = f64::from_bits(1);
        return if b > 0.0 { tiny } else { -tiny };
    }
    let bits = a.to_bits();
    let up = (b > a) == (a > 0.0);
    f64::from_bits(if up { bits + 1 } else { bits - 1 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nextafter_matches_definition() {
        assert!(next_toward(1.0, 2.0) > 1.0 && next_toward(1.0, 2.0) - 1.0 == f64::EPSILON);
        assert!(next_toward(-1.0, 0.0) > -1.0);
        assert!(next_toward(0.0, -1.0) < 0.0);
        assert!(next_toward(2.0, 1.0) < 2.0);
    }

    #[test]
    fn intersect_region_roots() {
        let (t1, t2) = intersect_region(&[0.0, 0.0], &[1.0, 0.0], 2.0);
        assert_eq!((t1, t2), (-2.0, 2.0));
    }
}
