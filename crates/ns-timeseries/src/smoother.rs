//! Fixed-interval state smoother (Durbin & Koopman 2012 §4.4, the
//! backward recursion for `r_t`, `N_t` that needs no inverse of `P_t`), with
//! the exact diffuse smoother of §5.3 in the univariate form of Koopman &
//! Durbin (2000) over the diffuse periods, matching statsmodels'
//! `KalmanSmoother`.

use crate::error::Result;
use crate::filter::TOL_DIFFUSE;
use crate::matrix::{mat_t_vec, mul, mul_at};
use crate::model::StateSpace;
use crate::results::FilterOutput;

/// The filter's output plus smoothed states and their covariances.
#[derive(Debug, Clone)]
pub struct SmootherOutput {
    /// The forward pass.
    pub filter: FilterOutput,
    /// `E[α_t | y_1..y_n]`: n x m.
    pub smoothed_state: Vec<f64>,
    /// `Var[α_t | y_1..y_n]`: n x m x m.
    pub smoothed_state_cov: Vec<f64>,
}

/// Dense m x m work matrices of the backward pass.
struct Work {
    m: usize,
    l0: Vec<f64>,
    l1: Vec<f64>,
    tmp: Vec<f64>,
    tmp2: Vec<f64>,
    acc: Vec<f64>,
    rv: Vec<f64>,
}

impl Work {
    /// `acc += A' B C` (all m x m).
    fn add_atbc(&mut self, a: &[f64], b: &[f64], c: &[f64]) {
        let m = self.m;
        mul_at(a, b, &mut self.tmp, m, m, m);
        mul(&self.tmp, c, &mut self.tmp2, m, m, m);
        for (x, y) in self.acc.iter_mut().zip(&self.tmp2) {
            *x += y;
        }
    }
    /// `x ← T' x T`.
    fn congruence(&mut self, t: &[f64], x: &mut [f64]) {
        self.acc.fill(0.0);
        self.add_atbc(t, x, t);
        x.copy_from_slice(&self.acc);
    }
    /// `L = I - k z'` into `l`.
    fn rank_one(m: usize, k: &[f64], z: &[f64], l: &mut [f64]) {
        for i in 0..m {
            for j in 0..m {
                l[i * m + j] = f64::from(u8::from(i == j)) - k[i] * z[j];
            }
        }
    }
}

impl StateSpace {
    /// Filter then smooth `y` (n x p row-major, NaN = missing).
    pub fn smooth(&self, y: &[f64]) -> Result<SmootherOutput> {
        let f = self.filter(y)?;
        let (n, m) = (f.nobs, self.m);
        let mut w = Work {
            m,
            l0: vec![0.0; m * m],
            l1: vec![0.0; m * m],
            tmp: vec![0.0; m * m],
            tmp2: vec![0.0; m * m],
            acc: vec![0.0; m * m],
            rv: vec![0.0; m],
        };
        let (mut r, mut r1) = (vec![0.0; m], vec![0.0; m]);
        let (mut nn, mut n1, mut n2) = (vec![0.0; m * m], vec![0.0; m * m], vec![0.0; m * m]);
        let mut alpha = vec![0.0; n * m];
        let mut vcov = vec![0.0; n * m * m];
        let mut zz = vec![0.0; m * m];
        let mut kv = vec![0.0; m];
        for t in (0..n).rev() {
            let diffuse = t < f.nobs_diffuse;
            // Back through the transition: r ← T' r, N ← T' N T.
            if t + 1 < n {
                mat_t_vec(&self.t, &r, &mut w.rv, m, m);
                r.copy_from_slice(&w.rv);
                w.congruence(&self.t, &mut nn);
                if diffuse {
                    mat_t_vec(&self.t, &r1, &mut w.rv, m, m);
                    r1.copy_from_slice(&w.rv);
                    w.congruence(&self.t, &mut n1);
                    w.congruence(&self.t, &mut n2);
                }
            }
            if !diffuse {
                let rec = &f.steps[t];
                let k = rec.idx.len();
                if k > 0 {
                    // r ← r + Z*'(u − W r);  N ← Z*' F⁻¹ Z* + L' N L, L = I − W' Z*.
                    let zs: Vec<f64> = rec
                        .idx
                        .iter()
                        .flat_map(|&row| self.z[row * m..(row + 1) * m].iter().copied())
                        .collect();
                    let mut e = rec.u.clone();
                    for (l, el) in e.iter_mut().enumerate() {
                        *el -= rec.w[l * m..(l + 1) * m]
                            .iter()
                            .zip(&r)
                            .map(|(a, b)| a * b)
                            .sum::<f64>();
                    }
                    mat_t_vec(&zs, &e, &mut w.rv, k, m);
                    for (ri, d) in r.iter_mut().zip(&w.rv) {
                        *ri += d;
                    }
                    mul_at(&rec.w, &zs, &mut w.l0, k, m, m); // W' Z*
                    for i in 0..m {
                        for j in 0..m {
                            w.l0[i * m + j] = f64::from(u8::from(i == j)) - w.l0[i * m + j];
                        }
                    }
                    let mut fz = vec![0.0; k * m];
                    mul(&rec.finv, &zs, &mut fz, k, k, m);
                    mul_at(&zs, &fz, &mut w.acc, k, m, m);
                    let l0 = w.l0.clone();
                    w.add_atbc(&l0, &nn, &l0);
                    nn.copy_from_slice(&w.acc);
                }
            } else {
                for e in f.diffuse[t].elements.iter().rev() {
                    let z = &self.z[e.row * m..(e.row + 1) * m];
                    for i in 0..m {
                        for j in 0..m {
                            zz[i * m + j] = z[i] * z[j];
                        }
                    }
                    if e.f_inf > TOL_DIFFUSE {
                        let (f1, f2) = (1.0 / e.f_inf, -e.f_star / (e.f_inf * e.f_inf));
                        for (k0, mi) in kv.iter_mut().zip(&e.m_inf) {
                            *k0 = mi * f1;
                        }
                        Work::rank_one(m, &kv, z, &mut w.l0);
                        for ((k1, ms), mi) in kv.iter_mut().zip(&e.m_star).zip(&e.m_inf) {
                            *k1 = ms * f1 + mi * f2;
                        }
                        // L1 = −K1 z'.
                        for (row, k1) in w.l1.chunks_exact_mut(m).zip(&kv) {
                            for (x, zj) in row.iter_mut().zip(z) {
                                *x = -k1 * zj;
                            }
                        }
                        let (l0, l1) = (w.l0.clone(), w.l1.clone());
                        // r1 ← z v F1 + L0' r1 + L1' r;  r ← L0' r.
                        let mut new_r1 = vec![0.0; m];
                        mat_t_vec(&l0, &r1, &mut new_r1, m, m);
                        mat_t_vec(&l1, &r, &mut w.rv, m, m);
                        for i in 0..m {
                            new_r1[i] += w.rv[i] + z[i] * e.v * f1;
                        }
                        r1 = new_r1;
                        mat_t_vec(&l0, &r, &mut w.rv, m, m);
                        r.copy_from_slice(&w.rv);
                        // N2 ← zz' F2 + L0'N2L0 + L0'N1L1 + L1'N1'L0 + L1'N L1.
                        let n1t: Vec<f64> = (0..m * m).map(|q| n1[(q % m) * m + q / m]).collect();
                        w.acc.iter_mut().zip(&zz).for_each(|(a, b)| *a = b * f2);
                        w.add_atbc(&l0, &n2, &l0);
                        w.add_atbc(&l0, &n1, &l1);
                        w.add_atbc(&l1, &n1t, &l0);
                        w.add_atbc(&l1, &nn, &l1);
                        n2.copy_from_slice(&w.acc);
                        // N1 ← zz' F1 + L0'N1L0 + L1'N L0.
                        w.acc.iter_mut().zip(&zz).for_each(|(a, b)| *a = b * f1);
                        w.add_atbc(&l0, &n1, &l0);
                        w.add_atbc(&l1, &nn, &l0);
                        n1.copy_from_slice(&w.acc);
                        // N ← L0' N L0.
                        w.acc.fill(0.0);
                        w.add_atbc(&l0, &nn, &l0);
                        nn.copy_from_slice(&w.acc);
                    } else if e.f_star > TOL_DIFFUSE {
                        let fi = 1.0 / e.f_star;
                        for (k0, ms) in kv.iter_mut().zip(&e.m_star) {
                            *k0 = ms * fi;
                        }
                        Work::rank_one(m, &kv, z, &mut w.l0);
                        let l0 = w.l0.clone();
                        // r ← z v / F* + L0' r;  N ← zz'/F* + L0' N L0;  N1 ← N1 L0.
                        mat_t_vec(&l0, &r, &mut w.rv, m, m);
                        for i in 0..m {
                            r[i] = w.rv[i] + z[i] * e.v * fi;
                        }
                        w.acc.iter_mut().zip(&zz).for_each(|(a, b)| *a = b * fi);
                        w.add_atbc(&l0, &nn, &l0);
                        nn.copy_from_slice(&w.acc);
                        mul(&n1, &l0, &mut w.tmp, m, m, m);
                        n1.copy_from_slice(&w.tmp);
                    }
                }
            }
            // α̂ = a + P r (+ P∞ r1);  V = P − P N P (− P∞ N1 P − (P∞ N1 P)' − P∞ N2 P∞).
            let a = &f.predicted_state[t * m..(t + 1) * m];
            let pm = &f.predicted_state_cov[t * m * m..(t + 1) * m * m];
            let out = &mut alpha[t * m..(t + 1) * m];
            for i in 0..m {
                out[i] = a[i] + (0..m).map(|j| pm[i * m + j] * r[j]).sum::<f64>();
            }
            mul(pm, &nn, &mut w.tmp, m, m, m);
            mul(&w.tmp, pm, &mut w.tmp2, m, m, m);
            let v = &mut vcov[t * m * m..(t + 1) * m * m];
            for (vi, (pi, qi)) in v.iter_mut().zip(pm.iter().zip(&w.tmp2)) {
                *vi = pi - qi;
            }
            if diffuse {
                let pinf = &f.diffuse[t].pinf;
                for i in 0..m {
                    out[i] += (0..m).map(|j| pinf[i * m + j] * r1[j]).sum::<f64>();
                }
                let mut x = vec![0.0; m * m];
                mul(pinf, &n1, &mut w.tmp, m, m, m);
                mul(&w.tmp, pm, &mut x, m, m, m); // P∞ N1 P
                mul(pinf, &n2, &mut w.tmp, m, m, m);
                mul(&w.tmp, pinf, &mut w.tmp2, m, m, m); // P∞ N2 P∞
                for i in 0..m {
                    for j in 0..m {
                        v[i * m + j] -= x[i * m + j] + x[j * m + i] + w.tmp2[i * m + j];
                    }
                }
            }
        }
        Ok(SmootherOutput {
            filter: f,
            smoothed_state: alpha,
            smoothed_state_cov: vcov,
        })
    }
}
