//! Validated GLM data: response, design (stored column-major), offsets,
//! weights. Everything is checked once here so the fit never meets a NaN.

use crate::error::GlmError;
use crate::family::Family;
use crate::linalg::rank_check;

/// A validated dataset for one family.
#[derive(Debug, Clone)]
pub struct GlmData {
    pub(crate) n: usize,
    pub(crate) p: usize,
    /// Design, column-major (`x[j * n + i]`).
    pub(crate) x: Vec<f64>,
    /// Response (binomial: the proportion of successes).
    pub(crate) y: Vec<f64>,
    /// Trials per row (grouped binomial), else 1.
    pub(crate) n_trials: Vec<f64>,
    /// offset + ln(exposure).
    pub(crate) offset: Vec<f64>,
    pub(crate) has_offset: bool,
    pub(crate) var_w: Vec<f64>,
    pub(crate) freq_w: Vec<f64>,
    pub(crate) has_var_w: bool,
    pub(crate) names: Vec<String>,
    /// Σ freq_weights (statsmodels' `wnobs`).
    pub(crate) wnobs: f64,
    /// Index of a constant column, if any.
    pub(crate) const_col: Option<usize>,
}

/// Builder of [`GlmData`]: the response and row-major design are required,
/// the rest optional.
#[derive(Debug, Clone)]
pub struct GlmDataBuilder<'a> {
    y: &'a [f64],
    failures: Option<&'a [f64]>,
    x: &'a [f64],
    n: usize,
    p: usize,
    offset: Option<&'a [f64]>,
    exposure: Option<&'a [f64]>,
    var_weights: Option<&'a [f64]>,
    freq_weights: Option<&'a [f64]>,
    names: Option<Vec<String>>,
}

impl GlmData {
    /// Start a dataset from `y` (length `n`) and a row-major `n × p` design.
    pub fn builder<'a>(y: &'a [f64], x: &'a [f64], n: usize, p: usize) -> GlmDataBuilder<'a> {
        GlmDataBuilder {
            y,
            failures: None,
            x,
            n,
            p,
            offset: None,
            exposure: None,
            var_weights: None,
            freq_weights: None,
            names: None,
        }
    }

    /// Number of observations (rows).
    pub fn nobs(&self) -> usize {
        self.n
    }
    /// Number of columns of the design.
    pub fn n_cols(&self) -> usize {
        self.p
    }
    /// Column names (`const`, `x1`, ... by default).
    pub fn names(&self) -> &[String] {
        &self.names
    }
    /// The response (binomial: proportions).
    pub fn y(&self) -> &[f64] {
        &self.y
    }
    /// Element (i, j) of the design.
    #[inline]
    pub fn x(&self, i: usize, j: usize) -> f64 {
        self.x[j * self.n + i]
    }
    /// Whether an offset or exposure was given.
    pub fn has_offset(&self) -> bool {
        self.has_offset
    }
    /// Combined weights freq × var.
    pub(crate) fn iweight(&self, i: usize) -> f64 {
        self.freq_w[i] * self.var_w[i]
    }
    /// The same data with another response (same length, already checked).
    pub(crate) fn with_design(&self, x: Vec<f64>, p: usize, names: Vec<String>) -> GlmData {
        let mut d = self.clone();
        d.x = x;
        d.p = p;
        d.names = names;
        d.const_col = find_const(&d.x, d.n, p);
        d
    }
}

fn check_finite(arg: &'static str, v: &[f64]) -> Result<(), GlmError> {
    match v.iter().position(|x| !x.is_finite()) {
        Some(index) => Err(GlmError::NonFinite {
            arg,
            index,
            value: v[index],
        }),
        None => Ok(()),
    }
}

fn check_len(arg: &'static str, v: &[f64], n: usize) -> Result<(), GlmError> {
    if v.len() != n {
        return Err(GlmError::LengthMismatch {
            arg,
            got: v.len(),
            expected: n,
        });
    }
    check_finite(arg, v)
}

fn check_weights(arg: &'static str, v: Option<&[f64]>, n: usize) -> Result<Vec<f64>, GlmError> {
    let Some(v) = v else {
        return Ok(vec![1.0; n]);
    };
    check_len(arg, v, n)?;
    if let Some(index) = v.iter().position(|&w| w < 0.0) {
        return Err(GlmError::NegativeWeight {
            arg,
            index,
            value: v[index],
        });
    }
    if v.iter().all(|&w| w == 0.0) {
        return Err(GlmError::ZeroWeights { arg });
    }
    Ok(v.to_vec())
}

fn find_const(x: &[f64], n: usize, p: usize) -> Option<usize> {
    (0..p).find(|&j| {
        let c = &x[j * n..(j + 1) * n];
        c[0] != 0.0 && c.iter().all(|&v| v == c[0])
    })
}

impl<'a> GlmDataBuilder<'a> {
    /// Grouped binomial response: `y` are successes, these the failures
    /// (statsmodels' 2-column endog).
    pub fn failures(mut self, f: &'a [f64]) -> Self {
        self.failures = Some(f);
        self
    }
    /// Offset added to the linear predictor.
    pub fn offset(mut self, o: &'a [f64]) -> Self {
        self.offset = Some(o);
        self
    }
    /// Exposure (ln(exposure) is added to the linear predictor; log link).
    pub fn exposure(mut self, e: &'a [f64]) -> Self {
        self.exposure = Some(e);
        self
    }
    /// statsmodels' `var_weights` (prior weights of the variance).
    pub fn var_weights(mut self, w: &'a [f64]) -> Self {
        self.var_weights = Some(w);
        self
    }
    /// statsmodels' `freq_weights` (replication counts).
    pub fn freq_weights(mut self, w: &'a [f64]) -> Self {
        self.freq_weights = Some(w);
        self
    }
    /// Column names of the design.
    pub fn names(mut self, names: Vec<String>) -> Self {
        self.names = Some(names);
        self
    }

    /// Validate everything for `family`.
    pub fn build(self, family: Family) -> Result<GlmData, GlmError> {
        let (n, p) = (self.n, self.p);
        if n == 0 || p == 0 {
            return Err(GlmError::EmptyDesign { rows: n, cols: p });
        }
        if self.x.len() != n * p {
            return Err(GlmError::InvalidArgument {
                arg: "X",
                message: format!("{} values for a {n} x {p} design", self.x.len()),
            });
        }
        check_len("y", self.y, n)?;
        check_finite("X", self.x)?;
        let mut y = self.y.to_vec();
        let mut n_trials = vec![1.0; n];
        if let Some(f) = self.failures {
            if family != Family::Binomial {
                return Err(GlmError::InvalidArgument {
                    arg: "y",
                    message: format!(
                        "a (successes, failures) response is only for the binomial family, not {}",
                        family.name()
                    ),
                });
            }
            check_len("y (failures column)", f, n)?;
            for i in 0..n {
                let (s, fl) = (y[i], f[i]);
                if s < 0.0 || fl < 0.0 || s + fl == 0.0 {
                    return Err(GlmError::OutOfSupport {
                        family: family.name(),
                        index: i,
                        value: if s < 0.0 { s } else { fl },
                        support: "successes and failures >= 0 with at least one trial",
                    });
                }
                n_trials[i] = s + fl;
                y[i] = s / (s + fl);
            }
        }
        for (i, &v) in y.iter().enumerate() {
            if let Err(support) = family.check_support(v) {
                return Err(GlmError::OutOfSupport {
                    family: family.name(),
                    index: i,
                    value: v,
                    support,
                });
            }
        }
        let mut offset = vec![0.0; n];
        let mut has_offset = false;
        if let Some(o) = self.offset {
            check_len("offset", o, n)?;
            offset.copy_from_slice(o);
            has_offset = true;
        }
        if let Some(e) = self.exposure {
            check_len("exposure", e, n)?;
            if let Some(index) = e.iter().position(|&v| v <= 0.0) {
                return Err(GlmError::InvalidArgument {
                    arg: "exposure",
                    message: format!("must be > 0, got {} at index {index}", e[index]),
                });
            }
            for (o, &v) in offset.iter_mut().zip(e) {
                *o += v.ln();
            }
            has_offset = true;
        }
        let var_w = check_weights("var_weights", self.var_weights, n)?;
        let freq_w = check_weights("freq_weights", self.freq_weights, n)?;
        let wnobs: f64 = freq_w.iter().sum();
        if (wnobs as usize) < p {
            return Err(GlmError::TooFewObservations {
                rows: wnobs as usize,
                cols: p,
            });
        }
        let names = match self.names {
            Some(names) if names.len() == p => names,
            Some(names) => {
                return Err(GlmError::LengthMismatch {
                    arg: "column names",
                    got: names.len(),
                    expected: p,
                });
            }
            None => {
                // statsmodels' names: const, x1, x2, ... (x1 is the first
                // non-constant column).
                let has_const = (0..n).all(|i| self.x[i * p] == 1.0);
                (0..p)
                    .map(|j| match (has_const, j) {
                        (true, 0) => "const".to_string(),
                        (true, j) => format!("x{j}"),
                        (false, j) => format!("x{}", j + 1),
                    })
                    .collect()
            }
        };
        let mut x = vec![0.0; n * p];
        for i in 0..n {
            for j in 0..p {
                x[j * n + i] = self.x[i * p + j];
            }
        }
        rank_check(&x, n, p, &names)?;
        let const_col = find_const(&x, n, p);
        Ok(GlmData {
            n,
            p,
            x,
            y,
            n_trials,
            offset,
            has_offset,
            has_var_w: self.var_weights.is_some(),
            var_w,
            freq_w,
            names,
            wnobs,
            const_col,
        })
    }
}
