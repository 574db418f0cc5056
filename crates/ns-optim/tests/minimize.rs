//! Integration tests of the bounded quasi-Newton minimiser.

use std::sync::atomic::AtomicBool;

use ns_core::{FitStatus, Objective};
use ns_optim::{Lbfgsb, LbfgsbOptions, MinimizeResult, brent_root};

/// Extended (chained) Rosenbrock function, counting evaluations.
struct Rosenbrock {
    n: usize,
    evals: usize,
}

impl Rosenbrock {
    fn new(n: usize) -> Self {
        Self { n, evals: 0 }
    }
}

impl Objective for Rosenbrock {
    fn dim(&self) -> usize {
        self.n
    }
    fn value(&mut self, x: &[f64]) -> f64 {
        self.evals += 1;
        (0..self.n - 1)
            .map(|i| 100.0 * (x[i + 1] - x[i] * x[i]).powi(2) + (1.0 - x[i]).powi(2))
            .sum()
    }
    fn value_grad(&mut self, x: &[f64], g: &mut [f64]) -> f64 {
        self.evals += 1;
        g.fill(0.0);
        let mut f = 0.0;
        for i in 0..self.n - 1 {
            let t = x[i + 1] - x[i] * x[i];
            let u = 1.0 - x[i];
            f += 100.0 * t * t + u * u;
            g[i] += -400.0 * t * x[i] - 2.0 * u;
            g[i + 1] += 200.0 * t;
        }
        f
    }
}

/// `0.5 (x - c)ᵀ A (x - c)`, row-major `A`.
struct Quadratic {
    a: Vec<f64>,
    c: Vec<f64>,
}

impl Objective for Quadratic {
    fn dim(&self) -> usize {
        self.c.len()
    }
    fn value(&mut self, x: &[f64]) -> f64 {
        let mut g = vec![0.0; x.len()];
        self.value_grad(x, &mut g)
    }
    fn value_grad(&mut self, x: &[f64], g: &mut [f64]) -> f64 {
        let n = self.c.len();
        let mut f = 0.0;
        for i in 0..n {
            g[i] = (0..n).map(|j| self.a[i * n + j] * (x[j] - self.c[j])).sum();
            f += 0.5 * (x[i] - self.c[i]) * g[i];
        }
        f
    }
}

fn free(n: usize) -> Vec<bool> {
    vec![false; n]
}

/// Projected-gradient infinity norm over the non-fixed parameters.
fn kkt(r: &MinimizeResult, lower: &[f64], upper: &[f64], fixed: &[bool]) -> f64 {
    (0..r.x.len())
        .filter(|&i| !fixed[i])
        .map(|i| ((r.x[i] - r.grad[i]).clamp(lower[i], upper[i]) - r.x[i]).abs())
        .fold(0.0, f64::max)
}

#[test]
fn rosenbrock_2d_unbounded() {
    let mut f = Rosenbrock::new(2);
    let inf = f64::INFINITY;
    let r = Lbfgsb::default().minimize(&mut f, &[-1.2, 1.0], &[-inf; 2], &[inf; 2], &free(2));
    assert!(r.status.converged(), "{r:?}");
    assert!(
        (r.x[0] - 1.0).abs() < 1e-7 && (r.x[1] - 1.0).abs() < 1e-7,
        "{r:?}"
    );
    assert!(r.fval < 1e-14, "{r:?}");
    assert_eq!(r.n_eval, f.evals);
}

#[test]
fn rosenbrock_2d_bounded_face() {
    // x <= 0.5 cuts off the valley: the minimum is (0.5, 0.25), f = 0.25.
    let mut f = Rosenbrock::new(2);
    let (lo, hi) = ([-2.0, -2.0], [0.5, 2.0]);
    let r = Lbfgsb::default().minimize(&mut f, &[-1.2, 1.0], &lo, &hi, &free(2));
    assert!(r.status.converged(), "{r:?}");
    assert_eq!(r.x[0], 0.5);
    assert!((r.x[1] - 0.25).abs() < 1e-9, "{r:?}");
    assert!((r.fval - 0.25).abs() < 1e-14, "{r:?}");
    assert!(kkt(&r, &lo, &hi, &free(2)) <= 1e-7);
}

#[test]
fn rosenbrock_20d_unbounded_and_loosely_bounded() {
    let n = 20;
    let x0: Vec<f64> = (0..n)
        .map(|i| if i % 2 == 0 { -1.2 } else { 1.0 })
        .collect();
    for (lo, hi) in [(f64::NEG_INFINITY, f64::INFINITY), (-5.0, 5.0)] {
        let mut f = Rosenbrock::new(n);
        // From the classic start the chained function has a local minimum
        // near (-1, 1, ..., 1); start from the origin for the global one.
        let r =
            Lbfgsb::default().minimize(&mut f, &vec![0.0; n], &vec![lo; n], &vec![hi; n], &free(n));
        assert!(r.status.converged(), "{r:?}");
        for &xi in &r.x {
            assert!((xi - 1.0).abs() < 1e-6, "{r:?}");
        }
        assert!(r.fval < 1e-12);
        // From the classic start we still reach a stationary point.
        let mut f = Rosenbrock::new(n);
        let r = Lbfgsb::default().minimize(&mut f, &x0, &vec![lo; n], &vec![hi; n], &free(n));
        assert!(r.status.converged(), "{r:?}");
        assert!(r.grad.iter().all(|g| g.abs() < 1e-5), "{r:?}");
    }
}

/// The test problem of the L-BFGS-B distribution (`driver1`): a chained
/// Rosenbrock-like function in 25-D with odd variables in [1, 100] and even
/// ones in [-100, 100], from x = 3. The minimum is x = 1 (f = 0) with half
/// the variables on their lower bound.
struct Driver1;

impl Objective for Driver1 {
    fn dim(&self) -> usize {
        25
    }
    fn value(&mut self, x: &[f64]) -> f64 {
        let mut g = vec![0.0; 25];
        self.value_grad(x, &mut g)
    }
    fn value_grad(&mut self, x: &[f64], g: &mut [f64]) -> f64 {
        let n = x.len();
        let mut f = 0.25 * (x[0] - 1.0).powi(2);
        let mut t1 = x[1] - x[0] * x[0];
        g[0] = 2.0 * (x[0] - 1.0) - 16.0 * x[0] * t1;
        for i in 1..n - 1 {
            let t2 = t1;
            t1 = x[i + 1] - x[i] * x[i];
            g[i] = 8.0 * t2 - 16.0 * x[i] * t1;
            f += t2 * t2;
        }
        f += t1 * t1;
        f *= 4.0;
        g[n - 1] = 8.0 * t1;
        f
    }
}

#[test]
fn lbfgsb_driver1_problem() {
    let n = 25;
    let lo: Vec<f64> = (0..n)
        .map(|i| if i % 2 == 0 { 1.0 } else { -100.0 })
        .collect();
    let hi = vec![100.0; n];
    let r = Lbfgsb::default().minimize(&mut Driver1, &vec![3.0; n], &lo, &hi, &free(n));
    assert!(r.status.converged(), "{r:?}");
    // The valley is extremely flat (x_{i+1} = x_i² amplifies a deviation
    // of x_1 along the chain), so only the value is checked tightly.
    assert!(r.fval < 1e-12, "{r:?}");
    assert!((r.x[0] - 1.0).abs() < 1e-5, "{r:?}");
    assert!(kkt(&r, &lo, &hi, &free(n)) <= 1e-5, "{r:?}");
}

#[test]
fn rosenbrock_20d_with_active_bounds() {
    // Upper bound 0.8 on the even parameters and lower 1.2 on x_19: bounds
    // with non-zero multipliers are active at the solution, and the problem
    // has several local minima. Check the KKT conditions from several starts
    // (the relative-decrease stop may fire with a projected gradient of a
    // few 1e-6 on this ill-conditioned chain, when f has converged to
    // ~1e-16 relative).
    let n = 20;
    let lo: Vec<f64> = (0..n)
        .map(|i| if i == n - 1 { 1.2 } else { -3.0 })
        .collect();
    let hi: Vec<f64> = (0..n).map(|i| if i % 2 == 0 { 0.8 } else { 3.0 }).collect();
    for x0 in [
        vec![0.0; n],
        vec![1.5; n],
        (0..n).map(|i| (i as f64).sin()).collect(),
    ] {
        let mut f = Rosenbrock::new(n);
        let r = Lbfgsb::default().minimize(&mut f, &x0, &lo, &hi, &free(n));
        assert!(r.status.converged(), "{r:?}");
        assert!(kkt(&r, &lo, &hi, &free(n)) <= 1e-5, "{r:?}");
        assert!(
            r.x.iter()
                .zip(&lo)
                .zip(&hi)
                .all(|((x, l), h)| x >= l && x <= h)
        );
        assert_eq!(r.x[n - 1], 1.2);
    }
}

/// Exact minimiser of a strictly convex quadratic on a box, by enumerating
/// every active set and checking the KKT conditions.
fn box_qp_exact(a: &[f64], c: &[f64], lo: &[f64], hi: &[f64]) -> Vec<f64> {
    let n = c.len();
    let mut code = vec![0usize; n];
    loop {
        // 0: free, 1: at lower, 2: at upper.
        let mut x: Vec<f64> = (0..n)
            .map(|i| match code[i] {
                1 => lo[i],
                2 => hi[i],
                _ => 0.0,
            })
            .collect();
        let fr: Vec<usize> = (0..n).filter(|&i| code[i] == 0).collect();
        // Solve A_FF x_F = A_F: c - A_FB x_B by Gaussian elimination.
        let k = fr.len();
        let mut m = vec![0.0; k * (k + 1)];
        for (r, &i) in fr.iter().enumerate() {
            let mut rhs: f64 = (0..n).map(|j| a[i * n + j] * c[j]).sum();
            for j in 0..n {
                if code[j] != 0 {
                    rhs -= a[i * n + j] * x[j];
                }
            }
            for (s, &j) in fr.iter().enumerate() {
                m[r * (k + 1) + s] = a[i * n + j];
            }
            m[r * (k + 1) + k] = rhs;
        }
        for p in 0..k {
            let piv = m[p * (k + 1) + p];
            for r in 0..k {
                if r != p {
                    let fct = m[r * (k + 1) + p] / piv;
                    for s in 0..=k {
                        m[r * (k + 1) + s] -= fct * m[p * (k + 1) + s];
                    }
                }
            }
        }
        for (r, &i) in fr.iter().enumerate() {
            x[i] = m[r * (k + 1) + k] / m[r * (k + 1) + r];
        }
        let g: Vec<f64> = (0..n)
            .map(|i| (0..n).map(|j| a[i * n + j] * (x[j] - c[j])).sum())
            .collect();
        let ok = (0..n).all(|i| match code[i] {
            0 => x[i] >= lo[i] && x[i] <= hi[i],
            1 => g[i] >= 0.0,
            _ => g[i] <= 0.0,
        });
        if ok {
            return x;
        }
        let mut i = 0;
        loop {
            code[i] += 1;
            if code[i] < 3 {
                break;
            }
            code[i] = 0;
            i += 1;
            assert!(i < n, "no KKT point found");
        }
    }
}

#[test]
fn bounded_quadratic_lands_on_the_right_face() {
    // Coupled quadratic whose unconstrained minimum c lies outside the box.
    // (A, c, lower, upper)
    type Case = (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>);
    let cases: Vec<Case> = vec![
        (
            vec![2.0, 1.0, 0.0, 1.0, 2.0, 1.0, 0.0, 1.0, 2.0],
            vec![2.0, -1.0, 0.5],
            vec![0.0; 3],
            vec![1.0; 3],
        ),
        (
            {
                // A = B Bᵀ + I with a fixed B: strongly coupled, 5-D.
                let b = [
                    [1.0, 0.5, -0.3, 0.0, 0.2],
                    [0.1, 1.2, 0.4, -0.5, 0.0],
                    [-0.7, 0.0, 0.9, 0.3, 0.1],
                    [0.2, -0.4, 0.0, 1.1, 0.6],
                    [0.0, 0.3, -0.2, 0.5, 0.8],
                ];
                let mut a = vec![0.0; 25];
                for i in 0..5 {
                    for j in 0..5 {
                        a[i * 5 + j] = (0..5).map(|k| b[i][k] * b[j][k]).sum::<f64>()
                            + if i == j { 1.0 } else { 0.0 };
                    }
                }
                a
            },
            vec![3.0, -2.0, 0.4, 7.0, -0.1],
            vec![-1.0, -0.5, 0.0, -1.0, 0.0],
            vec![1.0, 0.5, 1.0, 2.0, 0.3],
        ),
    ];
    for (a, c, lo, hi) in cases {
        let n = c.len();
        let exact = box_qp_exact(&a, &c, &lo, &hi);
        let mut q = Quadratic { a, c };
        let r = Lbfgsb::default().minimize(&mut q, &vec![0.0; n], &lo, &hi, &free(n));
        assert!(r.status.converged(), "{r:?}");
        for i in 0..n {
            assert!(
                (r.x[i] - exact[i]).abs() < 1e-7,
                "x = {:?}, exact = {exact:?}",
                r.x
            );
            if exact[i] == lo[i] || exact[i] == hi[i] {
                assert_eq!(r.x[i], exact[i], "should sit exactly on the bound");
            }
        }
    }
}

#[test]
fn fixed_parameters_stay_fixed() {
    let mut f = Rosenbrock::new(3);
    let (lo, hi) = ([-5.0; 3], [5.0; 3]);
    // The fixed value may even lie outside the bounds.
    let fixed = [false, true, false];
    let r = Lbfgsb::default().minimize(&mut f, &[0.0, 7.0, 0.0], &lo, &hi, &fixed);
    assert_eq!(r.x[1], 7.0);
    assert!(r.status.converged(), "{r:?}");
    assert!(kkt(&r, &lo, &hi, &fixed) <= 1e-7);
    // Free parameter 0 minimises 100 (7 - x0²)² + (1 - x0)²: x0 ≈ sqrt(7).
    assert!((r.x[0] - 7f64.sqrt()).abs() < 1e-2, "{r:?}");
    // Parameter 2 minimises 100 (x2 - 49)²: clipped at the upper bound.
    assert_eq!(r.x[2], 5.0);

    let all_fixed = [true; 3];
    let r = Lbfgsb::default().minimize(&mut f, &[0.3, 0.2, 0.1], &lo, &hi, &all_fixed);
    assert_eq!(r.x, vec![0.3, 0.2, 0.1]);
    assert_eq!(r.status, FitStatus::ConvergedGradient);
    assert_eq!(r.n_iter, 0);
}

/// `sum_i (x_i - a_i log x_i)`, `+inf` for `x_i <= 0`; minimum at `x = a`.
struct LogBarrier {
    a: Vec<f64>,
}

impl Objective for LogBarrier {
    fn dim(&self) -> usize {
        self.a.len()
    }
    fn value(&mut self, x: &[f64]) -> f64 {
        let mut g = vec![0.0; x.len()];
        self.value_grad(x, &mut g)
    }
    fn value_grad(&mut self, x: &[f64], g: &mut [f64]) -> f64 {
        if x.iter().any(|&v| v <= 0.0) {
            return f64::INFINITY;
        }
        let mut f = 0.0;
        for i in 0..x.len() {
            f += x[i] - self.a[i] * x[i].ln();
            g[i] = 1.0 - self.a[i] / x[i];
        }
        f
    }
}

#[test]
fn infinite_region_is_backtracked_out_of() {
    let inf = f64::INFINITY;
    let mut obj = LogBarrier {
        a: vec![1.0, 0.1, 0.01, 3.0],
    };
    for x0 in [[50.0, 50.0, 50.0, 50.0], [1e-3, 20.0, 0.5, 1e-6]] {
        let r = Lbfgsb::default().minimize(&mut obj, &x0, &[-inf; 4], &[inf; 4], &free(4));
        assert!(r.status.converged(), "{r:?}");
        for i in 0..4 {
            assert!(
                (r.x[i] - obj.a[i]).abs() < 1e-6 * obj.a[i].max(1.0),
                "{r:?}"
            );
        }
    }
    // -sum log x + x with the bound far away.
    let mut obj = LogBarrier { a: vec![1.0] };
    let r = Lbfgsb::default().minimize(&mut obj, &[1e3], &[-1e6], &[1e6], &free(1));
    assert!(r.status.converged(), "{r:?}");
    assert!((r.x[0] - 1.0).abs() < 1e-7, "{r:?}");
}

/// Binned Poisson NLL `sum_i (lam_i - n_i log lam_i)` with
/// `lam_i = mu s_i + b_i (1 + k theta)` and optional Gaussian constraint
/// `theta²/2` (parameters `[mu]` or `[mu, theta]`).
struct Poisson {
    s: Vec<f64>,
    b: Vec<f64>,
    n: Vec<f64>,
    k: f64,
    with_theta: bool,
}

impl Poisson {
    fn grad_mu_theta(&self, mu: f64, theta: f64) -> (f64, f64) {
        let (mut gm, mut gt) = (0.0, theta);
        for i in 0..self.s.len() {
            let lam = mu * self.s[i] + self.b[i] * (1.0 + self.k * theta);
            let w = 1.0 - self.n[i] / lam;
            gm += w * self.s[i];
            gt += w * self.b[i] * self.k;
        }
        (gm, gt)
    }
}

impl Objective for Poisson {
    fn dim(&self) -> usize {
        if self.with_theta { 2 } else { 1 }
    }
    fn value(&mut self, x: &[f64]) -> f64 {
        let mut g = vec![0.0; x.len()];
        self.value_grad(x, &mut g)
    }
    fn value_grad(&mut self, x: &[f64], g: &mut [f64]) -> f64 {
        let mu = x[0];
        let theta = if self.with_theta { x[1] } else { 0.0 };
        let mut f = if self.with_theta {
            0.5 * theta * theta
        } else {
            0.0
        };
        for i in 0..self.s.len() {
            let lam = mu * self.s[i] + self.b[i] * (1.0 + self.k * theta);
            if lam <= 0.0 {
                return f64::INFINITY;
            }
            f += lam - self.n[i] * lam.ln();
        }
        let (gm, gt) = self.grad_mu_theta(mu, theta);
        g[0] = gm;
        if self.with_theta {
            g[1] = gt;
        }
        f
    }
}

fn poisson_case(n: Vec<f64>, with_theta: bool) -> Poisson {
    Poisson {
        s: vec![2.0, 5.0, 12.0, 6.0, 1.5],
        b: vec![50.0, 40.0, 30.0, 20.0, 10.0],
        n,
        k: 0.1,
        with_theta,
    }
}

#[test]
fn poisson_likelihood_matches_brent_on_the_derivative() {
    for n_obs in [
        vec![55.0, 52.0, 61.0, 33.0, 14.0],
        vec![51.0, 44.0, 38.0, 25.0, 11.0],
        vec![1.0, 2.0, 0.0, 0.0, 3.0],
    ] {
        let mut p = poisson_case(n_obs, false);
        let r = Lbfgsb::default().minimize(&mut p, &[1.0], &[0.0], &[10.0], &free(1));
        assert!(r.status.converged(), "{r:?}");
        let d0 = p.grad_mu_theta(0.0, 0.0).0;
        let mu_hat = if d0 >= 0.0 {
            0.0
        } else {
            brent_root(
                |mu| p.grad_mu_theta(mu, 0.0).0,
                0.0,
                10.0,
                1e-14,
                1e-15,
                200,
            )
            .unwrap()
            .x
        };
        assert!(
            (r.x[0] - mu_hat).abs() < 1e-8,
            "lbfgsb {} vs brent {mu_hat}",
            r.x[0]
        );
        let f_hat = p.value(&[mu_hat]);
        assert!(2.0 * (r.fval - f_hat) <= 1e-10, "{} vs {f_hat}", r.fval);
    }
}

#[test]
fn poisson_with_nuisance_matches_nested_brent() {
    // Profile theta with Brent for each mu; by the envelope theorem the
    // profile derivative is d/dmu at (mu, theta_hat(mu)).
    let mut p = poisson_case(vec![55.0, 52.0, 61.0, 33.0, 14.0], true);
    let theta_hat = |p: &Poisson, mu: f64| {
        brent_root(|t| p.grad_mu_theta(mu, t).1, -5.0, 5.0, 1e-15, 1e-15, 300)
            .unwrap()
            .x
    };
    let mu_hat = brent_root(
        |mu| p.grad_mu_theta(mu, theta_hat(&p, mu)).0,
        0.0,
        10.0,
        1e-14,
        1e-15,
        300,
    )
    .unwrap()
    .x;
    let th = theta_hat(&p, mu_hat);
    let r = Lbfgsb::default().minimize(&mut p, &[1.0, 0.0], &[0.0, -5.0], &[10.0, 5.0], &free(2));
    assert!(r.status.converged(), "{r:?}");
    assert!((r.x[0] - mu_hat).abs() < 1e-7, "{:?} vs {mu_hat}", r.x);
    assert!((r.x[1] - th).abs() < 1e-7, "{:?} vs {th}", r.x);
    let f_hat = p.value(&[mu_hat, th]);
    assert!(2.0 * (r.fval - f_hat) <= 1e-10);
}

#[test]
fn deterministic_and_reusable() {
    let n = 12;
    let lo = vec![-2.0; n];
    let hi: Vec<f64> = (0..n).map(|i| if i % 3 == 0 { 0.7 } else { 2.0 }).collect();
    let x0: Vec<f64> = (0..n).map(|i| 0.1 * i as f64 - 0.5).collect();
    let mut opt = Lbfgsb::default();
    let r1 = opt.minimize(&mut Rosenbrock::new(n), &x0, &lo, &hi, &free(n));
    // Interleave a fit of another dimension, then repeat.
    let _ = opt.minimize(
        &mut Rosenbrock::new(3),
        &[0.0; 3],
        &[-1.0; 3],
        &[1.0; 3],
        &free(3),
    );
    let r2 = opt.minimize(&mut Rosenbrock::new(n), &x0, &lo, &hi, &free(n));
    let r3 = Lbfgsb::default().minimize(&mut Rosenbrock::new(n), &x0, &lo, &hi, &free(n));
    for r in [&r2, &r3] {
        assert_eq!(r1.fval.to_bits(), r.fval.to_bits());
        assert!(
            r1.x.iter()
                .zip(&r.x)
                .all(|(a, b)| a.to_bits() == b.to_bits())
        );
        assert_eq!(
            (r1.n_iter, r1.n_eval, r1.status),
            (r.n_iter, r.n_eval, r.status)
        );
    }
}

#[test]
fn limits_cancel_and_bad_start() {
    let inf = f64::INFINITY;
    let opts = LbfgsbOptions {
        max_iter: 3,
        ..LbfgsbOptions::default()
    };
    let mut f = Rosenbrock::new(2);
    let r = Lbfgsb::new(opts).minimize(&mut f, &[-1.2, 1.0], &[-inf; 2], &[inf; 2], &free(2));
    assert_eq!(r.status, FitStatus::MaxIterations);
    assert_eq!(r.n_iter, 3);
    assert_eq!(r.n_eval, f.evals);

    let opts = LbfgsbOptions {
        max_eval: 10,
        ..LbfgsbOptions::default()
    };
    let mut f = Rosenbrock::new(2);
    let r = Lbfgsb::new(opts).minimize(&mut f, &[-1.2, 1.0], &[-inf; 2], &[inf; 2], &free(2));
    assert_eq!(r.status, FitStatus::MaxEvaluations);
    assert!(r.n_eval <= 10);
    assert_eq!(r.n_eval, f.evals);

    let cancel = AtomicBool::new(true);
    let r = Lbfgsb::default().minimize_with_cancel(
        &mut Rosenbrock::new(2),
        &[-1.2, 1.0],
        &[-inf; 2],
        &[inf; 2],
        &free(2),
        Some(&cancel),
    );
    assert_eq!(r.status, FitStatus::Cancelled);
    assert_eq!((r.n_iter, r.n_eval), (0, 1));

    let mut barrier = LogBarrier { a: vec![1.0] };
    let r = Lbfgsb::default().minimize(&mut barrier, &[-1.0], &[-inf], &[inf], &free(1));
    assert_eq!(r.status, FitStatus::NonFiniteStart);
}

#[test]
fn start_outside_bounds_is_projected() {
    let mut q = Quadratic {
        a: vec![1.0, 0.0, 0.0, 1.0],
        c: vec![0.5, 0.5],
    };
    let r = Lbfgsb::default().minimize(&mut q, &[9.0, -9.0], &[0.0, 0.0], &[1.0, 1.0], &free(2));
    assert!(r.status.converged());
    assert!((r.x[0] - 0.5).abs() < 1e-9 && (r.x[1] - 0.5).abs() < 1e-9);
}
