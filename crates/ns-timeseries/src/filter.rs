//! The Kalman filter: prediction-correction recursions with exact handling
//! of missing values (only the observed rows of `y_t`, `Z`, `H` enter the
//! update), symmetrised covariance updates, and the exact initial (diffuse)
//! filter of Koopman (1997) in its univariate form (Koopman & Durbin 2000;
//! Durbin & Koopman 2012 §5.2, §6.4), as statsmodels runs it.
//!
//! One loop serves both outputs: [`StateSpace::loglike`] runs it with a sink
//! that keeps nothing (memory proportional to the state dimension, no
//! allocation per step), [`StateSpace::filter`] with one that stores every
//! quantity the smoother and the user need.

use crate::error::{Result, TsError};
use crate::matrix::{chol_solve, cholesky, mat_vec, mul, mul_bt, symmetrize};
use crate::model::StateSpace;

const LN_2PI: f64 = 1.837_877_066_409_345_5;
/// statsmodels' `tolerance_diffuse`: a diffuse period lasts while
/// `‖P_∞‖_F² > tol`, and an element is diffuse when `F_∞ > tol`.
pub(crate) const TOL_DIFFUSE: f64 = 1e-10;

/// Per-thread buffers of the filter, sized once for a model.
#[derive(Debug, Clone)]
pub struct FilterScratch {
    pub(crate) a: Vec<f64>,
    pub(crate) pm: Vec<f64>,
    pub(crate) pinf: Vec<f64>,
    pub(crate) af: Vec<f64>,
    pub(crate) pf: Vec<f64>,
    pub(crate) pinf_f: Vec<f64>,
    tmp: Vec<f64>,
    pub(crate) idx: Vec<usize>,
    pub(crate) k: usize,
    pub(crate) zs: Vec<f64>,
    pub(crate) fcst: Vec<f64>,
    pub(crate) v: Vec<f64>,
    pub(crate) fcov: Vec<f64>,
    pub(crate) chol: Vec<f64>,
    pub(crate) u: Vec<f64>,
    mz: Vec<f64>,
    pub(crate) w: Vec<f64>,
    tmpk: Vec<f64>,
    pub(crate) ms: Vec<f64>,
    pub(crate) minf: Vec<f64>,
}

impl FilterScratch {
    /// Buffers for `model`.
    pub fn new(model: &StateSpace) -> Self {
        let (m, p) = (model.m, model.p);
        Self {
            a: vec![0.0; m],
            pm: vec![0.0; m * m],
            pinf: vec![0.0; m * m],
            af: vec![0.0; m],
            pf: vec![0.0; m * m],
            pinf_f: vec![0.0; m * m],
            tmp: vec![0.0; m * m],
            idx: vec![0; p],
            k: 0,
            zs: vec![0.0; p * m],
            fcst: vec![0.0; p],
            v: vec![0.0; p],
            fcov: vec![0.0; p * p],
            chol: vec![0.0; p * p],
            u: vec![0.0; p],
            mz: vec![0.0; m * p],
            w: vec![0.0; p * m],
            tmpk: vec![0.0; p],
            ms: vec![0.0; m],
            minf: vec![0.0; m],
        }
    }
}

/// One element's update in the diffuse period (univariate treatment).
#[derive(Debug, Clone)]
pub(crate) struct DiffuseElement {
    /// Row of `y_t`.
    pub row: usize,
    pub v: f64,
    pub f_star: f64,
    pub f_inf: f64,
    /// `P_* z'` and `P_∞ z'` before this element's update.
    pub m_star: Vec<f64>,
    pub m_inf: Vec<f64>,
}

/// Receives each step's quantities (the scratch holds them when called).
pub(crate) trait Sink {
    /// After the update at `t` (scratch: predicted `a`, `pm`, `pinf`;
    /// filtered `af`, `pf`; for a non-diffuse step `idx[..k]`, `v`, `fcov`,
    /// `chol`, `u`, `w`).
    fn step(&mut self, t: usize, s: &FilterScratch, diffuse: bool, llf_t: f64);
    /// One element of a diffuse-period update, in order.
    fn diffuse_element(&mut self, t: usize, e: DiffuseElement, fcst: f64);
    /// Whether per-element records are wanted.
    fn wants_elements(&self) -> bool;
}

/// Keeps nothing: the log-likelihood-only path.
pub(crate) struct NoSink;
impl Sink for NoSink {
    fn step(&mut self, _: usize, _: &FilterScratch, _: bool, _: f64) {}
    fn diffuse_element(&mut self, _: usize, _: DiffuseElement, _: f64) {}
    fn wants_elements(&self) -> bool {
        false
    }
}

impl StateSpace {
    /// Log-likelihood of `y` (n x p row-major, NaN = missing), with the
    /// diffuse log-likelihood under exact diffuse initialisation
    /// (statsmodels' convention: `-½ log(2π F_∞)` for each diffuse element).
    /// Memory does not grow with n.
    pub fn loglike(&self, y: &[f64]) -> Result<f64> {
        let n = self.check_y(y)?;
        let mut s = FilterScratch::new(self);
        self.run(y, n, &mut s, &mut NoSink)
    }

    /// Log-likelihood with caller-owned scratch and no checks on `y`
    /// (already validated by the caller); allocation-free. `-inf` on
    /// numerical breakdown, for optimisers.
    pub fn loglike_with(&self, y: &[f64], s: &mut FilterScratch) -> f64 {
        let n = y.len() / self.p;
        self.run(y, n, s, &mut NoSink).unwrap_or(f64::NEG_INFINITY)
    }

    /// The filter loop shared by every output.
    pub(crate) fn run<S: Sink>(
        &self,
        y: &[f64],
        n: usize,
        s: &mut FilterScratch,
        sink: &mut S,
    ) -> Result<f64> {
        let (m, p) = (self.m, self.p);
        s.a.copy_from_slice(&self.init.a);
        s.pm.copy_from_slice(&self.init.p_star);
        let mut diffuse = match &self.init.p_inf {
            Some(pi) => {
                s.pinf.copy_from_slice(pi);
                true
            }
            None => false,
        };
        let mut llf = 0.0;
        for t in 0..n {
            let yt = &y[t * p..(t + 1) * p];
            s.k = 0;
            for (i, v) in yt.iter().enumerate() {
                if !v.is_nan() {
                    s.idx[s.k] = i;
                    s.k += 1;
                }
            }
            if diffuse {
                diffuse = s.pinf.iter().map(|v| v * v).sum::<f64>() > TOL_DIFFUSE;
            }
            let llf_t = if s.k == 0 {
                s.af.copy_from_slice(&s.a);
                s.pf.copy_from_slice(&s.pm);
                if diffuse {
                    s.pinf_f.copy_from_slice(&s.pinf);
                }
                0.0
            } else if diffuse {
                self.update_diffuse(t, yt, s, sink)?
            } else {
                self.update(t, yt, s)?
            };
            if t >= self.loglikelihood_burn {
                llf += llf_t;
            }
            sink.step(t, s, diffuse, llf_t);
            // Prediction: a = c + T a_f, P = T P_f T' + RQR', P_∞ = T P_∞ T'.
            mat_vec(&self.t, &s.af, &mut s.a, m, m);
            for (ai, ci) in s.a.iter_mut().zip(&self.c) {
                *ai += ci;
            }
            mul(&self.t, &s.pf, &mut s.tmp, m, m, m);
            mul_bt(&s.tmp, &self.t, &mut s.pm, m, m, m);
            for (pi, qi) in s.pm.iter_mut().zip(&self.rqr) {
                *pi += qi;
            }
            symmetrize(&mut s.pm, m);
            if diffuse {
                mul(&self.t, &s.pinf_f, &mut s.tmp, m, m, m);
                mul_bt(&s.tmp, &self.t, &mut s.pinf, m, m, m);
                symmetrize(&mut s.pinf, m);
            }
        }
        Ok(llf)
    }

    /// Multivariate update on the observed rows; returns the period's
    /// log-likelihood.
    fn update(&self, t: usize, yt: &[f64], s: &mut FilterScratch) -> Result<f64> {
        let (m, p, k) = (self.m, self.p, s.k);
        for l in 0..k {
            let row = s.idx[l];
            s.zs[l * m..(l + 1) * m].copy_from_slice(&self.z[row * m..(row + 1) * m]);
        }
        for l in 0..k {
            let row = s.idx[l];
            let za: f64 = s.zs[l * m..(l + 1) * m]
                .iter()
                .zip(&s.a)
                .map(|(x, y)| x * y)
                .sum();
            s.fcst[l] = self.d[row] + za;
            s.v[l] = yt[row] - s.fcst[l];
        }
        // M = P Z*' (m x k), F = Z* M + H* (k x k).
        mul_bt(&s.pm, &s.zs[..k * m], &mut s.mz[..m * k], m, m, k);
        mul(
            &s.zs[..k * m],
            &s.mz[..m * k],
            &mut s.fcov[..k * k],
            k,
            m,
            k,
        );
        for a in 0..k {
            for b in 0..k {
                s.fcov[a * k + b] += self.h[s.idx[a] * p + s.idx[b]];
            }
        }
        symmetrize(&mut s.fcov[..k * k], k);
        s.chol[..k * k].copy_from_slice(&s.fcov[..k * k]);
        if !cholesky(&mut s.chol[..k * k], k) {
            return Err(TsError::Breakdown { t });
        }
        s.u[..k].copy_from_slice(&s.v[..k]);
        chol_solve(&s.chol[..k * k], k, &mut s.u[..k]);
        let quad: f64 = s.v[..k].iter().zip(&s.u[..k]).map(|(a, b)| a * b).sum();
        let logdet: f64 = (0..k).map(|i| 2.0 * s.chol[i * k + i].ln()).sum();
        // a_f = a + M F⁻¹ v; W = F⁻¹ M' (k x m); P_f = P - M W.
        for i in 0..m {
            let mi = &s.mz[i * k..(i + 1) * k];
            s.af[i] = s.a[i] + mi.iter().zip(&s.u[..k]).map(|(x, y)| x * y).sum::<f64>();
        }
        for j in 0..m {
            s.tmpk[..k].copy_from_slice(&s.mz[j * k..(j + 1) * k]);
            chol_solve(&s.chol[..k * k], k, &mut s.tmpk[..k]);
            for l in 0..k {
                s.w[l * m + j] = s.tmpk[l];
            }
        }
        for i in 0..m {
            for j in 0..m {
                let mut acc = s.pm[i * m + j];
                for l in 0..k {
                    acc -= s.mz[i * k + l] * s.w[l * m + j];
                }
                s.pf[i * m + j] = acc;
            }
        }
        symmetrize(&mut s.pf, m);
        Ok(-0.5 * (k as f64 * LN_2PI + logdet + quad))
    }

    /// Exact diffuse update, one observed element at a time (needs `H`
    /// diagonal on the observed rows).
    fn update_diffuse<S: Sink>(
        &self,
        t: usize,
        yt: &[f64],
        s: &mut FilterScratch,
        sink: &mut S,
    ) -> Result<f64> {
        let (m, p) = (self.m, self.p);
        if s.k > 1 && !self.h_diagonal {
            return Err(TsError::Unsupported(
                "exact diffuse initialisation with several observed series needs a diagonal H"
                    .into(),
            ));
        }
        s.af.copy_from_slice(&s.a);
        s.pf.copy_from_slice(&s.pm);
        s.pinf_f.copy_from_slice(&s.pinf);
        let mut llf = 0.0;
        for l in 0..s.k {
            let row = s.idx[l];
            let z = &self.z[row * m..(row + 1) * m];
            let fcst = self.d[row] + z.iter().zip(&s.af).map(|(a, b)| a * b).sum::<f64>();
            let v = yt[row] - fcst;
            mat_vec(&s.pf, z, &mut s.ms, m, m);
            mat_vec(&s.pinf_f, z, &mut s.minf, m, m);
            let f_star = (z.iter().zip(&s.ms).map(|(a, b)| a * b).sum::<f64>()
                + self.h[row * p + row])
                .max(0.0);
            let f_inf = z
                .iter()
                .zip(&s.minf)
                .map(|(a, b)| a * b)
                .sum::<f64>()
                .max(0.0);
            if sink.wants_elements() {
                sink.diffuse_element(
                    t,
                    DiffuseElement {
                        row,
                        v,
                        f_star,
                        f_inf,
                        m_star: s.ms.clone(),
                        m_inf: s.minf.clone(),
                    },
                    fcst,
                );
            }
            if f_inf > TOL_DIFFUSE {
                // K0 = M∞/F∞, K1 = M*/F∞ − K0 F*/F∞;
                // P* ← P* − M* K0' − M∞ K1',  P∞ ← P∞ − M∞ K0'.
                let fi = 1.0 / f_inf;
                for i in 0..m {
                    s.af[i] += s.minf[i] * fi * v;
                }
                for i in 0..m {
                    for j in 0..m {
                        let k0j = s.minf[j] * fi;
                        let k1j = s.ms[j] * fi - k0j * f_star * fi;
                        s.pf[i * m + j] -= s.ms[i] * k0j + s.minf[i] * k1j;
                        s.pinf_f[i * m + j] -= s.minf[i] * k0j;
                    }
                }
                symmetrize(&mut s.pf, m);
                symmetrize(&mut s.pinf_f, m);
                llf -= 0.5 * (LN_2PI + f_inf.ln());
            } else if f_star > TOL_DIFFUSE {
                let fi = 1.0 / f_star;
                for i in 0..m {
                    s.af[i] += s.ms[i] * fi * v;
                }
                for i in 0..m {
                    for j in 0..m {
                        s.pf[i * m + j] -= s.ms[i] * s.ms[j] * fi;
                    }
                }
                symmetrize(&mut s.pf, m);
                llf -= 0.5 * (LN_2PI + f_star.ln() + v * v * fi);
            }
        }
        Ok(llf)
    }
}
