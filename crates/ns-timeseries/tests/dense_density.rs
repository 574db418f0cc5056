//! Property: the filter's log-likelihood is the multivariate normal density
//! of the stacked observations, with mean and covariance computed densely
//! from the model (no recursion shared with the filter), for random small
//! models with known or stationary initialisation and random missing values.

use ns_timeseries::{Initialization, Matrix, StateSpace};
use proptest::prelude::*;

fn matmul(a: &[f64], b: &[f64], n: usize, k: usize, m: usize) -> Vec<f64> {
    let mut o = vec![0.0; n * m];
    for i in 0..n {
        for j in 0..m {
            o[i * m + j] = (0..k).map(|l| a[i * k + l] * b[l * m + j]).sum();
        }
    }
    o
}

fn transpose(a: &[f64], n: usize, m: usize) -> Vec<f64> {
    let mut o = vec![0.0; n * m];
    for i in 0..n {
        for j in 0..m {
            o[j * n + i] = a[i * m + j];
        }
    }
    o
}

/// `A A' + eps I` from `n*n` entries: positive definite.
fn spd(raw: &[f64], n: usize, eps: f64) -> Vec<f64> {
    let mut o = matmul(raw, &transpose(raw, n, n), n, n, n);
    for i in 0..n {
        o[i * n + i] += eps;
    }
    o
}

/// Dense log N(x; mu, S) by Cholesky.
fn mvn_logpdf(x: &[f64], mu: &[f64], s: &[f64]) -> f64 {
    let n = x.len();
    let mut l = s.to_vec();
    for j in 0..n {
        let mut d = l[j * n + j];
        for k in 0..j {
            d -= l[j * n + k].powi(2);
        }
        let d = d.sqrt();
        l[j * n + j] = d;
        for i in j + 1..n {
            let mut v = l[i * n + j];
            for k in 0..j {
                v -= l[i * n + k] * l[j * n + k];
            }
            l[i * n + j] = v / d;
        }
    }
    let mut z: Vec<f64> = x.iter().zip(mu).map(|(a, b)| a - b).collect();
    for i in 0..n {
        let mut v = z[i];
        for k in 0..i {
            v -= l[i * n + k] * z[k];
        }
        z[i] = v / l[i * n + i];
    }
    let quad: f64 = z.iter().map(|v| v * v).sum();
    let logdet: f64 = (0..n).map(|i| 2.0 * l[i * n + i].ln()).sum();
    -0.5 * (n as f64 * (2.0 * std::f64::consts::PI).ln() + logdet + quad)
}

struct Dense {
    mean: Vec<f64>,
    cov: Vec<f64>,
}

/// Mean and covariance of (y_1, ..., y_n) stacked, from α_1 ~ N(a1, P1).
#[allow(clippy::too_many_arguments)]
fn dense_moments(
    z: &[f64],
    t: &[f64],
    rqr: &[f64],
    h: &[f64],
    d: &[f64],
    c: &[f64],
    a1: &[f64],
    p1: &[f64],
    n: usize,
    p: usize,
    m: usize,
) -> Dense {
    // State means and variances, and powers of T.
    let mut mu = vec![a1.to_vec()];
    let mut var = vec![p1.to_vec()];
    for s in 1..n {
        let prev = &mu[s - 1];
        let next: Vec<f64> = (0..m)
            .map(|i| c[i] + (0..m).map(|j| t[i * m + j] * prev[j]).sum::<f64>())
            .collect();
        mu.push(next);
        let tv = matmul(t, &var[s - 1], m, m, m);
        let mut v = matmul(&tv, &transpose(t, m, m), m, m, m);
        for (vi, q) in v.iter_mut().zip(rqr) {
            *vi += q;
        }
        var.push(v);
    }
    let zt = transpose(z, p, m);
    let mut mean = vec![0.0; n * p];
    let mut cov = vec![0.0; n * p * n * p];
    let np = n * p;
    for s in 0..n {
        for i in 0..p {
            mean[s * p + i] = d[i] + (0..m).map(|j| z[i * m + j] * mu[s][j]).sum::<f64>();
        }
        // Cov(α_s, α_u) = Var(α_s) (T^{u-s})' for u >= s.
        let mut cross = var[s].clone();
        for u in s..n {
            let block = matmul(&matmul(z, &cross, p, m, m), &zt, p, m, p);
            for i in 0..p {
                for j in 0..p {
                    let mut v = block[i * p + j];
                    if u == s {
                        v += h[i * p + j];
                    }
                    cov[(s * p + i) * np + u * p + j] = v;
                    cov[(u * p + j) * np + s * p + i] = v;
                }
            }
            cross = matmul(&cross, &transpose(t, m, m), m, m, m);
        }
    }
    Dense { mean, cov }
}

fn entries(k: usize) -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(-1.0f64..1.0, k)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn loglike_is_the_dense_normal_density(
        traw in entries(4), qraw in entries(4), hraw in entries(4), zraw in entries(4),
        y in entries(10), a1 in entries(2), praw in entries(4), c in entries(2), d in entries(2),
        missing in prop::collection::vec(0u8..5, 10), stationary in any::<bool>(),
    ) {
        let (n, p, m) = (5, 2, 2);
        // Keep T's spectral radius below 1 for the stationary case.
        let t: Vec<f64> = traw.iter().map(|v| 0.45 * v).collect();
        let q = spd(&qraw, m, 0.1);
        let h = spd(&hraw, p, 0.1);
        let p1 = spd(&praw, m, 0.2);
        let z: Vec<f64> = zraw.iter().map(|v| v + 0.5).collect();
        let y: Vec<f64> = y.iter().zip(&missing).map(|(v, mi)| if *mi == 0 { f64::NAN } else { 3.0 * v }).collect();
        prop_assume!(y.iter().any(|v| !v.is_nan()));
        let init = if stationary {
            Initialization::Stationary
        } else {
            Initialization::Known { a0: a1.clone(), p0: Matrix::from_row_major(m, m, p1.clone()).unwrap() }
        };
        let model = StateSpace::new(
            Matrix::from_row_major(p, m, z.clone()).unwrap(),
            Matrix::from_row_major(m, m, t.clone()).unwrap(),
            Matrix::identity(m),
            Matrix::from_row_major(m, m, q.clone()).unwrap(),
            Matrix::from_row_major(p, p, h.clone()).unwrap(),
            init,
        ).unwrap().with_intercepts(d.clone(), c.clone()).unwrap();
        let a_init = model.initial_state().to_vec();
        let p_init = model.initial_state_cov().to_vec();
        let dense = dense_moments(&z, &t, &q, &h, &d, &c, &a_init, &p_init, n, p, m);
        let obs: Vec<usize> = (0..n * p).filter(|&i| !y[i].is_nan()).collect();
        let x: Vec<f64> = obs.iter().map(|&i| y[i]).collect();
        let mu: Vec<f64> = obs.iter().map(|&i| dense.mean[i]).collect();
        let s: Vec<f64> = obs.iter().flat_map(|&i| obs.iter().map(move |&j| (i, j))).map(|(i, j)| dense.cov[i * n * p + j]).collect();
        let want = mvn_logpdf(&x, &mu, &s);
        let got = model.loglike(&y).unwrap();
        prop_assert!((got - want).abs() <= 1e-10 * want.abs().max(1.0), "got {got}, dense {want}");
        if stationary {
            // The stationary covariance solves P = T P T' + Q.
            let tp = matmul(&matmul(&t, &p_init, m, m, m), &transpose(&t, m, m), m, m, m);
            for i in 0..m * m {
                prop_assert!((p_init[i] - tp[i] - q[i]).abs() < 1e-12);
            }
        }
    }
}
