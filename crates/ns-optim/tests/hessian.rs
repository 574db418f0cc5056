//! Finite-difference Hessian and covariance.

use ns_core::Objective;
use ns_optim::{covariance_from_hessian, hessian_from_gradient};

/// `0.5 xᵀ A x + bᵀ x`.
struct Quad {
    a: Vec<f64>,
    b: Vec<f64>,
}

impl Objective for Quad {
    fn dim(&self) -> usize {
        self.b.len()
    }
    fn value(&mut self, x: &[f64]) -> f64 {
        let mut g = vec![0.0; x.len()];
        self.value_grad(x, &mut g)
    }
    fn value_grad(&mut self, x: &[f64], g: &mut [f64]) -> f64 {
        let n = self.b.len();
        let mut f = 0.0;
        for i in 0..n {
            let ax: f64 = (0..n).map(|j| self.a[i * n + j] * x[j]).sum();
            g[i] = ax + self.b[i];
            f += x[i] * (0.5 * ax + self.b[i]);
        }
        f
    }
}

fn quad() -> Quad {
    Quad {
        a: vec![4.0, 1.0, 0.5, 1.0, 3.0, -0.2, 0.5, -0.2, 2.0],
        b: vec![1.0, -2.0, 0.3],
    }
}

#[test]
fn hessian_of_quadratic_is_exact() {
    let mut q = quad();
    let x = [0.3, -120.0, 4.0];
    let inf = f64::INFINITY;
    let h = hessian_from_gradient(&mut q, &x, &[-inf; 3], &[inf; 3], &[false; 3]);
    for k in 0..9 {
        assert!((h[k] - q.a[k]).abs() < 1e-6, "{h:?}");
    }
    // On and next to the bounds (one-sided differences), and in a narrow box.
    let h = hessian_from_gradient(
        &mut q,
        &[0.0, 1.0 - 1e-7, 0.5],
        &[0.0, -5.0, 0.5 - 1e-6],
        &[5.0, 1.0, 0.5 + 1e-6],
        &[false; 3],
    );
    for k in 0..9 {
        assert!((h[k] - q.a[k]).abs() < 1e-6, "{h:?}");
    }
}

struct Recorder {
    inner: Quad,
    lo: Vec<f64>,
    hi: Vec<f64>,
}

impl Objective for Recorder {
    fn dim(&self) -> usize {
        self.inner.dim()
    }
    fn value(&mut self, x: &[f64]) -> f64 {
        self.inner.value(x)
    }
    fn value_grad(&mut self, x: &[f64], g: &mut [f64]) -> f64 {
        for i in 0..x.len() {
            assert!(
                x[i] >= self.lo[i] && x[i] <= self.hi[i],
                "evaluated outside the box: {x:?}"
            );
        }
        self.inner.value_grad(x, g)
    }
}

#[test]
fn hessian_stays_inside_bounds() {
    let lo = vec![0.0, -1.0, 2.0];
    let hi = vec![1.0, -1.0 + 1e-8, 2.0];
    let mut r = Recorder {
        inner: quad(),
        lo: lo.clone(),
        hi: hi.clone(),
    };
    let h = hessian_from_gradient(&mut r, &[1.0, -1.0, 2.0], &lo, &hi, &[false; 3]);
    assert!((h[0] - 4.0).abs() < 1e-6);
    assert!((h[4] - 3.0).abs() < 1e-4, "{h:?}");
    // lower == upper: the parameter cannot move, its row/column is zero.
    assert_eq!(&h[6..9], &[0.0; 3]);
    assert_eq!((h[2], h[5]), (0.0, 0.0));
}

#[test]
fn hessian_of_smooth_function_matches_analytic() {
    /// f = exp(x0) + x0 x1² + sin(x1) + x1 x2 + 0.1 x2⁴
    struct S;
    impl Objective for S {
        fn dim(&self) -> usize {
            3
        }
        fn value(&mut self, x: &[f64]) -> f64 {
            let mut g = [0.0; 3];
            self.value_grad(x, &mut g)
        }
        fn value_grad(&mut self, x: &[f64], g: &mut [f64]) -> f64 {
            g[0] = x[0].exp() + x[1] * x[1];
            g[1] = 2.0 * x[0] * x[1] + x[1].cos() + x[2];
            g[2] = x[1] + 0.4 * x[2].powi(3);
            x[0].exp() + x[0] * x[1] * x[1] + x[1].sin() + x[1] * x[2] + 0.1 * x[2].powi(4)
        }
    }
    let x: [f64; 3] = [0.5, -1.3, 2.0];
    let exact = [
        x[0].exp(),
        2.0 * x[1],
        0.0,
        2.0 * x[1],
        2.0 * x[0] - x[1].sin(),
        1.0,
        0.0,
        1.0,
        1.2 * x[2] * x[2],
    ];
    let inf = f64::INFINITY;
    let h = hessian_from_gradient(&mut S, &x, &[-inf; 3], &[inf; 3], &[false; 3]);
    for k in 0..9 {
        assert!(
            (h[k] - exact[k]).abs() < 1e-8 * exact[k].abs().max(1.0),
            "{k}: {} vs {}",
            h[k],
            exact[k]
        );
    }
    // Symmetric bit for bit.
    for i in 0..3 {
        for j in 0..3 {
            assert_eq!(h[i * 3 + j].to_bits(), h[j * 3 + i].to_bits());
        }
    }
}

#[test]
fn fixed_rows_and_columns_are_zero() {
    let mut q = quad();
    let inf = f64::INFINITY;
    let fixed = [false, true, false];
    let h = hessian_from_gradient(&mut q, &[0.1, 0.2, 0.3], &[-inf; 3], &[inf; 3], &fixed);
    assert_eq!(&h[3..6], &[0.0; 3]);
    assert_eq!((h[1], h[7]), (0.0, 0.0));
    assert!((h[2] - 0.5).abs() < 1e-8);
    let c = covariance_from_hessian(&h, 3, &fixed).unwrap();
    // Inverse of [[4, 0.5], [0.5, 2]] in the free block.
    let det = 4.0 * 2.0 - 0.25;
    let expect = [
        2.0 / det,
        0.0,
        -0.5 / det,
        0.0,
        0.0,
        0.0,
        -0.5 / det,
        0.0,
        4.0 / det,
    ];
    for k in 0..9 {
        assert!((c[k] - expect[k]).abs() < 1e-9, "{c:?}");
    }
}

#[test]
fn covariance_inverts_the_hessian() {
    let q = quad();
    let c = covariance_from_hessian(&q.a, 3, &[false; 3]).unwrap();
    for i in 0..3 {
        for j in 0..3 {
            let prod: f64 = (0..3).map(|k| q.a[i * 3 + k] * c[k * 3 + j]).sum();
            let id = if i == j { 1.0 } else { 0.0 };
            assert!((prod - id).abs() < 1e-12);
        }
    }
}

#[test]
fn covariance_none_when_not_positive_definite() {
    // Indefinite (eigenvalues 3 and -1), negative definite, singular.
    assert!(covariance_from_hessian(&[1.0, 2.0, 2.0, 1.0], 2, &[false; 2]).is_none());
    assert!(covariance_from_hessian(&[-1.0, 0.0, 0.0, -2.0], 2, &[false; 2]).is_none());
    assert!(covariance_from_hessian(&[1.0, 1.0, 1.0, 1.0], 2, &[false; 2]).is_none());
    // The indefinite part is in a fixed row: fine.
    let h = [2.0, 0.0, 0.0, -5.0];
    let c = covariance_from_hessian(&h, 2, &[false, true]).unwrap();
    assert!((c[0] - 0.5).abs() < 1e-15);
    assert_eq!(&c[1..], &[0.0; 3]);
    // Numerically singular: rank one up to rounding.
    let e = 1e-17;
    assert!(covariance_from_hessian(&[1.0, 1.0 - e, 1.0 - e, 1.0], 2, &[false; 2]).is_none());
}
