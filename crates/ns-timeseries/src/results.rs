//! The stored output of the Kalman filter (statsmodels' `FilterResults`
//! names), and what the smoother needs from the forward pass.

use crate::error::Result;
use crate::filter::{DiffuseElement, FilterScratch, Sink};
use crate::model::StateSpace;

/// Everything the filter computed, row-major per time point.
#[derive(Debug, Clone)]
pub struct FilterOutput {
    /// Number of time points n.
    pub nobs: usize,
    /// Observed series p.
    pub k_endog: usize,
    /// States m.
    pub k_states: usize,
    /// Log-likelihood (the diffuse one under exact diffuse initialisation).
    pub llf: f64,
    /// Per-period log-likelihood contributions (n).
    pub llf_obs: Vec<f64>,
    /// Periods in the exact diffuse phase (statsmodels' `nobs_diffuse`).
    pub nobs_diffuse: usize,
    /// `a_t` for t = 1..n+1: (n+1) x m.
    pub predicted_state: Vec<f64>,
    /// `P_t` (finite part) for t = 1..n+1: (n+1) x m x m.
    pub predicted_state_cov: Vec<f64>,
    /// `a_{t|t}`: n x m.
    pub filtered_state: Vec<f64>,
    /// `P_{t|t}` (finite part): n x m x m.
    pub filtered_state_cov: Vec<f64>,
    /// One-step forecasts of `y_t` (NaN where `y_t` is missing): n x p.
    pub forecasts: Vec<f64>,
    /// Forecast errors `v_t` (NaN where missing): n x p.
    pub forecasts_error: Vec<f64>,
    /// Forecast error covariances `F_t` on the observed rows (NaN rows and
    /// columns where missing; in the diffuse phase the diagonal of `F_*`):
    /// n x p x p.
    pub forecasts_error_cov: Vec<f64>,
    pub(crate) steps: Vec<StepRecord>,
    pub(crate) diffuse: Vec<DiffuseRecord>,
}

/// What the smoother needs from a non-diffuse period.
#[derive(Debug, Clone, Default)]
pub(crate) struct StepRecord {
    /// Observed rows.
    pub idx: Vec<usize>,
    /// `F⁻¹ v` on the observed rows.
    pub u: Vec<f64>,
    /// `F⁻¹ M'` = `F⁻¹ Z* P` (k x m).
    pub w: Vec<f64>,
    /// `F⁻¹` (k x k).
    pub finv: Vec<f64>,
}

/// A diffuse period: predicted `P_∞` and the element updates.
#[derive(Debug, Clone)]
pub(crate) struct DiffuseRecord {
    pub pinf: Vec<f64>,
    pub elements: Vec<DiffuseElement>,
}

struct FullSink {
    out: FilterOutput,
}

impl Sink for FullSink {
    fn step(&mut self, t: usize, s: &FilterScratch, diffuse: bool, llf_t: f64) {
        let o = &mut self.out;
        let (m, p) = (o.k_states, o.k_endog);
        o.llf_obs[t] = llf_t;
        o.predicted_state[t * m..(t + 1) * m].copy_from_slice(&s.a);
        o.predicted_state_cov[t * m * m..(t + 1) * m * m].copy_from_slice(&s.pm);
        o.filtered_state[t * m..(t + 1) * m].copy_from_slice(&s.af);
        o.filtered_state_cov[t * m * m..(t + 1) * m * m].copy_from_slice(&s.pf);
        if diffuse {
            o.nobs_diffuse = t + 1;
            if o.diffuse.len() == t {
                // Fully missing period inside the diffuse phase.
                o.diffuse.push(DiffuseRecord {
                    pinf: s.pinf.clone(),
                    elements: Vec::new(),
                });
            } else {
                o.diffuse[t].pinf.copy_from_slice(&s.pinf);
            }
            o.steps.push(StepRecord::default());
            return;
        }
        let k = s.k;
        let mut rec = StepRecord {
            idx: s.idx[..k].to_vec(),
            u: s.u[..k].to_vec(),
            w: s.w[..k * m].to_vec(),
            finv: vec![0.0; k * k],
        };
        for j in 0..k {
            let mut e = vec![0.0; k];
            e[j] = 1.0;
            crate::matrix::chol_solve(&s.chol[..k * k], k, &mut e);
            for (i, ei) in e.iter().enumerate() {
                rec.finv[i * k + j] = *ei;
            }
        }
        for (l, &row) in rec.idx.iter().enumerate() {
            o.forecasts[t * p + row] = s.fcst[l];
            o.forecasts_error[t * p + row] = s.v[l];
            for (l2, &row2) in rec.idx.iter().enumerate() {
                o.forecasts_error_cov[t * p * p + row * p + row2] = s.fcov[l * k + l2];
            }
        }
        o.steps.push(rec);
    }

    fn diffuse_element(&mut self, t: usize, e: DiffuseElement, fcst: f64) {
        let o = &mut self.out;
        let p = o.k_endog;
        if o.diffuse.len() == t {
            o.diffuse.push(DiffuseRecord {
                pinf: Vec::new(),
                elements: Vec::new(),
            });
            o.diffuse[t].pinf = vec![0.0; o.k_states * o.k_states];
        }
        o.forecasts[t * p + e.row] = fcst;
        o.forecasts_error[t * p + e.row] = e.v;
        o.forecasts_error_cov[t * p * p + e.row * p + e.row] = e.f_star;
        o.diffuse[t].elements.push(e);
    }

    fn wants_elements(&self) -> bool {
        true
    }
}

impl StateSpace {
    /// Run the Kalman filter on `y` (n x p row-major, NaN = missing) and
    /// keep every quantity (memory O(n m²)).
    pub fn filter(&self, y: &[f64]) -> Result<FilterOutput> {
        let n = self.check_y(y)?;
        let (m, p) = (self.m, self.p);
        let mut sink = FullSink {
            out: FilterOutput {
                nobs: n,
                k_endog: p,
                k_states: m,
                llf: 0.0,
                llf_obs: vec![0.0; n],
                nobs_diffuse: 0,
                predicted_state: vec![0.0; (n + 1) * m],
                predicted_state_cov: vec![0.0; (n + 1) * m * m],
                filtered_state: vec![0.0; n * m],
                filtered_state_cov: vec![0.0; n * m * m],
                forecasts: vec![f64::NAN; n * p],
                forecasts_error: vec![f64::NAN; n * p],
                forecasts_error_cov: vec![f64::NAN; n * p * p],
                steps: Vec::with_capacity(n),
                diffuse: Vec::new(),
            },
        };
        let mut s = FilterScratch::new(self);
        let llf = self.run(y, n, &mut s, &mut sink)?;
        let mut out = sink.out;
        out.llf = llf;
        out.predicted_state[n * m..].copy_from_slice(&s.a);
        out.predicted_state_cov[n * m * m..].copy_from_slice(&s.pm);
        out.diffuse.truncate(out.nobs_diffuse);
        Ok(out)
    }
}
