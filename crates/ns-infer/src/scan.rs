//! Profile likelihood scans of the POI: `2ΔNLL(mu) = 2 NLL(mu, θ̂̂) −
//! 2 NLL(μ̂, θ̂)` on a grid, as pyhf's `twice_nll(fixed_poi_fit(mu)) −
//! twice_nll(fit)`.
//!
//! Warm starts: the grid point nearest to `μ̂` starts from the global best
//! fit; from there two sweeps go outwards (down and up the grid), each
//! point starting from its neighbour's conditional best fit. The two sweeps
//! run in parallel (`rayon::join`) and are each sequential, so the result
//! does not depend on the number of threads.

use ns_core::{FitResult, FitStatus, Model};

use crate::error::{InferError, Result};
use crate::mle::{FitOptions, Fitter};
use crate::test_statistics::{check_poi_value, free_poi};

/// One point of a profile scan.
#[derive(Debug, Clone)]
pub struct ScanPoint {
    /// POI value.
    pub mu: f64,
    /// `2 NLL(mu, θ̂̂) − 2 NLL(μ̂, θ̂)`.
    pub twice_delta_nll: f64,
    /// `2 NLL` of the conditional fit.
    pub twice_nll: f64,
    /// Conditional best fit (all parameters, POI = mu).
    pub bestfit: Vec<f64>,
    /// Termination reason of the conditional fit.
    pub status: FitStatus,
}

/// A profile likelihood scan.
#[derive(Debug, Clone)]
pub struct ProfileScan {
    /// Points in the order of the grid given.
    pub points: Vec<ScanPoint>,
    /// The global (free) fit.
    pub global: FitResult,
    /// Best-fit POI of the global fit.
    pub bestfit_mu: f64,
}

impl ProfileScan {
    /// Number of points whose conditional fit did not converge.
    pub fn n_failed(&self) -> usize {
        self.points.iter().filter(|p| !p.status.converged()).count()
    }
}

/// `n` evenly spaced points from `start` to `stop` inclusive (numpy's
/// `linspace`).
pub fn linspace(start: f64, stop: f64, n: usize) -> Vec<f64> {
    match n {
        0 => vec![],
        1 => vec![start],
        _ => {
            let step = (stop - start) / (n - 1) as f64;
            let mut v: Vec<f64> = (0..n).map(|i| start + i as f64 * step).collect();
            v[n - 1] = stop;
            v
        }
    }
}

/// Profile scan of the POI over `mus` (every value must lie within the POI
/// bounds). `progress` is called once per finished point.
pub fn profile_scan<M: Model>(
    model: &M,
    data: &M::Data,
    mus: &[f64],
    opts: &FitOptions,
    progress: Option<&(dyn Fn() + Sync)>,
) -> Result<ProfileScan> {
    let poi = free_poi(model, opts)?;
    if mus.is_empty() {
        return Err(InferError::InvalidArgument("scan: empty grid".into()));
    }
    for &mu in mus {
        check_poi_value(model, opts, poi, mu)?;
    }
    let mut opts = opts.clone();
    opts.uncertainties = false;
    let mut fitter = Fitter::new(opts.optimizer.clone());
    let global = fitter.fit(model, data, &opts)?;
    let muhat = global.bestfit[poi];
    // Visit order: by mu; start at the point nearest to muhat.
    let mut order: Vec<usize> = (0..mus.len()).collect();
    order.sort_by(|&a, &b| mus[a].total_cmp(&mus[b]).then(a.cmp(&b)));
    let start = (0..order.len())
        .min_by(|&a, &b| {
            (mus[order[a]] - muhat)
                .abs()
                .total_cmp(&(mus[order[b]] - muhat).abs())
        })
        .unwrap();
    let up: Vec<usize> = order[start..].to_vec();
    let down: Vec<usize> = order[..start].iter().rev().copied().collect();
    let sweep = |idx: &[usize], init: Vec<f64>| -> Result<Vec<(usize, FitResult)>> {
        let mut fitter = Fitter::new(opts.optimizer.clone());
        let mut x = init;
        let mut out = Vec::with_capacity(idx.len());
        for &i in idx {
            let mut o = opts.clone();
            o.init = Some(x.clone());
            let r = fitter.fit_fixed_poi(model, data, mus[i], &o)?;
            if r.nll.is_finite() {
                x.clone_from(&r.bestfit);
            }
            out.push((i, r));
            if let Some(p) = progress {
                p();
            }
        }
        Ok(out)
    };
    let (ra, rb) = rayon::join(
        || sweep(&up, global.bestfit.clone()),
        || -> Result<Vec<(usize, FitResult)>> {
            // The down sweep starts from the first up point's neighbour
            // region: the global fit as well (independent of the up sweep,
            // so the two can run concurrently).
            sweep(&down, global.bestfit.clone())
        },
    );
    let mut fits: Vec<Option<FitResult>> = vec![None; mus.len()];
    for (i, r) in ra?.into_iter().chain(rb?) {
        fits[i] = Some(r);
    }
    let g = global.twice_nll();
    let points = fits
        .into_iter()
        .zip(mus)
        .map(|(r, &mu)| {
            let r = r.expect("every grid point fitted");
            ScanPoint {
                mu,
                twice_delta_nll: r.twice_nll() - g,
                twice_nll: r.twice_nll(),
                bestfit: r.bestfit,
                status: r.status,
            }
        })
        .collect();
    Ok(ProfileScan {
        points,
        bestfit_mu: muhat,
        global,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linspace_like_numpy() {
        assert_eq!(linspace(0.0, 5.0, 11)[3], 1.5);
        assert_eq!(linspace(0.0, 5.0, 11)[10], 5.0);
        assert_eq!(linspace(2.0, 3.0, 1), vec![2.0]);
    }
}
