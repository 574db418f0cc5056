//! The linear Gaussian state-space model with time-invariant system
//! matrices (Durbin & Koopman 2012, eq. 4.12):
//!
//! ```text
//! y_t     = d + Z α_t + ε_t,        ε_t ~ N(0, H)
//! α_{t+1} = c + T α_t + R η_t,      η_t ~ N(0, Q),     α_1 ~ N(a_1, P_1)
//! ```
//!
//! with `y_t` of length p (`k_endog`), `α_t` of length m (`k_states`) and
//! `η_t` of length r (`k_posdef`), as in statsmodels' `Representation`.

use crate::error::{Result, TsError};
use crate::init::{InitInputs, Initialization, ResolvedInit};
use crate::matrix::{Matrix, check_finite, check_psd, mul, mul_bt};

/// A validated state-space model; immutable, shared across threads.
#[derive(Debug, Clone)]
pub struct StateSpace {
    pub(crate) p: usize,
    pub(crate) m: usize,
    pub(crate) r: usize,
    pub(crate) z: Vec<f64>,
    pub(crate) t: Vec<f64>,
    pub(crate) rmat: Vec<f64>,
    pub(crate) q: Vec<f64>,
    pub(crate) h: Vec<f64>,
    pub(crate) d: Vec<f64>,
    pub(crate) c: Vec<f64>,
    /// `R Q R'`, precomputed.
    pub(crate) rqr: Vec<f64>,
    pub(crate) h_diagonal: bool,
    pub(crate) initialization: Initialization,
    pub(crate) init: ResolvedInit,
    pub(crate) loglikelihood_burn: usize,
}

impl StateSpace {
    /// A model from its system matrices: `Z` (p x m), `T` (m x m), `R`
    /// (m x r), `Q` (r x r), `H` (p x p); intercepts `d`, `c` default to
    /// zero (see [`StateSpace::with_intercepts`]). Every matrix is checked for
    /// shape and finiteness, `Q` and `H` for positive semi-definiteness, and
    /// the initialisation is resolved (e.g. the Lyapunov equation solved).
    pub fn new(
        z: Matrix,
        t: Matrix,
        r: Matrix,
        q: Matrix,
        h: Matrix,
        initialization: Initialization,
    ) -> Result<Self> {
        let (p, m) = (z.rows(), z.cols());
        if p == 0 || m == 0 {
            return Err(TsError::InvalidArgument(format!(
                "Z: needs at least one row (observation) and one column (state), got {p}x{m}"
            )));
        }
        z.check("Z", p, m)?;
        t.check("T", m, m)?;
        let k = r.cols();
        r.check("R", m, k)?;
        q.check("Q", k, k)?;
        h.check("H", p, p)?;
        check_psd("Q", q.as_slice(), k)?;
        check_psd("H", h.as_slice(), p)?;
        let h_diagonal = (0..p).all(|i| (0..p).all(|j| i == j || h.get(i, j) == 0.0));
        let mut model = Self {
            p,
            m,
            r: k,
            z: z.into_vec(),
            t: t.into_vec(),
            rmat: r.into_vec(),
            q: q.into_vec(),
            h: h.into_vec(),
            d: vec![0.0; p],
            c: vec![0.0; m],
            rqr: vec![0.0; m * m],
            h_diagonal,
            initialization: initialization.clone(),
            init: ResolvedInit {
                a: Vec::new(),
                p_star: Vec::new(),
                p_inf: None,
            },
            loglikelihood_burn: 0,
        };
        let mut rq = vec![0.0; m * k];
        mul(&model.rmat, &model.q, &mut rq, m, k, k);
        mul_bt(&rq, &model.rmat, &mut model.rqr, m, k, m);
        model.init = initialization.resolve(&model.init_inputs())?;
        Ok(model)
    }

    /// Set the observation intercept `d` (length p) and the state intercept
    /// `c` (length m); re-resolves a stationary initialisation (its mean
    /// depends on `c`).
    pub fn with_intercepts(mut self, d: Vec<f64>, c: Vec<f64>) -> Result<Self> {
        check_len("d", &d, self.p)?;
        check_len("c", &c, self.m)?;
        self.d = d;
        self.c = c;
        self.init = self.initialization.resolve(&self.init_inputs())?;
        Ok(self)
    }

    /// Exclude the first `burn` periods from the log-likelihood
    /// (statsmodels' `loglikelihood_burn`).
    pub fn with_loglikelihood_burn(mut self, burn: usize) -> Self {
        self.loglikelihood_burn = burn;
        self
    }

    fn init_inputs(&self) -> InitInputs<'_> {
        InitInputs {
            m: self.m,
            t: &self.t,
            c: &self.c,
            rqr: &self.rqr,
        }
    }

    /// Number of observed series p (`k_endog`).
    pub fn k_endog(&self) -> usize {
        self.p
    }
    /// Number of states m (`k_states`).
    pub fn k_states(&self) -> usize {
        self.m
    }
    /// Number of state disturbances r (`k_posdef`).
    pub fn k_posdef(&self) -> usize {
        self.r
    }
    /// The initialisation the model was built with.
    pub fn initialization(&self) -> &Initialization {
        &self.initialization
    }
    /// Initial state mean `a_1`, as resolved.
    pub fn initial_state(&self) -> &[f64] {
        &self.init.a
    }
    /// Initial state covariance (finite part `P_*,1`), row-major m x m.
    pub fn initial_state_cov(&self) -> &[f64] {
        &self.init.p_star
    }

    /// Check an observation array (n x p row-major, NaN = missing) and
    /// return n. Errors: wrong length, infinities, everything missing.
    pub(crate) fn check_y(&self, y: &[f64]) -> Result<usize> {
        let p = self.p;
        if !y.len().is_multiple_of(p) {
            return Err(TsError::Shape {
                matrix: "y",
                expected_rows: y.len().div_ceil(p),
                expected_cols: p,
                rows: y.len() / p,
                cols: y.len() % p,
            });
        }
        let n = y.len() / p;
        if let Some(k) = y.iter().position(|v| v.is_infinite()) {
            return Err(TsError::NonFinite {
                matrix: "y",
                row: k / p,
                col: k % p,
            });
        }
        if n == 0 || y.iter().all(|v| v.is_nan()) {
            return Err(TsError::AllMissing { n });
        }
        Ok(n)
    }
}

fn check_len(name: &'static str, v: &[f64], n: usize) -> Result<()> {
    if v.len() != n {
        return Err(TsError::Shape {
            matrix: name,
            expected_rows: n,
            expected_cols: 1,
            rows: v.len(),
            cols: 1,
        });
    }
    check_finite(name, v, 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m1(v: f64) -> Matrix {
        Matrix::diag(&[v])
    }

    #[test]
    fn shape_error_names_matrix() {
        let e = StateSpace::new(
            m1(1.0),
            Matrix::identity(2),
            m1(1.0),
            m1(1.0),
            m1(1.0),
            Initialization::Diffuse,
        )
        .unwrap_err();
        assert_eq!(
            e,
            TsError::Shape {
                matrix: "T",
                expected_rows: 1,
                expected_cols: 1,
                rows: 2,
                cols: 2
            }
        );
        assert_eq!(e.to_string(), "T: expected shape 1x1, got 2x2");
    }

    #[test]
    fn non_finite_and_negative_variance_rejected() {
        let e = StateSpace::new(
            m1(1.0),
            m1(f64::NAN),
            m1(1.0),
            m1(1.0),
            m1(1.0),
            Initialization::Diffuse,
        )
        .unwrap_err();
        assert!(matches!(e, TsError::NonFinite { matrix: "T", .. }));
        let e = StateSpace::new(
            m1(1.0),
            m1(1.0),
            m1(1.0),
            m1(-1.0),
            m1(1.0),
            Initialization::Diffuse,
        )
        .unwrap_err();
        assert!(matches!(e, TsError::NotPsd { matrix: "Q", .. }));
    }
}
