//! Hypothesis tests, limits, scans, significance and ranking: argument
//! conversion around `ns_infer`, with the GIL released (and Ctrl-C polled
//! for toys).

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use ns_core::Model as _;
use ns_infer::{AsymptoticCalculator, TestStatistic, ToyOptions};
use pyo3::prelude::*;

use crate::errors::{self, raise};
use crate::fit::fit_options;
use crate::model::PyModel;
use crate::results::{
    PyHypotestResult, PyRankingResult, PyScanResult, PySignificanceResult, PyToyHypotestResult,
    PyUpperLimitResult,
};

fn test_stat(name: &str) -> PyResult<TestStatistic> {
    TestStatistic::parse(name).map_err(errors::infer)
}

/// Run `f` on a rayon pool of `threads` threads (default: the global pool).
fn with_threads<R: Send>(threads: Option<usize>, f: impl FnOnce() -> R + Send) -> PyResult<R> {
    match threads {
        None => Ok(f()),
        Some(0) => Err(raise("InvalidArgument", "threads must be at least 1")),
        Some(n) => {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .map_err(|e| raise("NextStatError", format!("cannot start {n} threads: {e}")))?;
            Ok(pool.install(f))
        }
    }
}

/// Run `f` on a worker thread with the GIL released, polling for signals
/// (Ctrl-C) every 50 ms; on KeyboardInterrupt set `cancel`, wait for the
/// worker to stop and re-raise.
fn run_interruptible<R: Send>(
    py: Python<'_>,
    cancel: &AtomicBool,
    f: impl FnOnce() -> R + Send,
) -> PyResult<R> {
    let done = AtomicBool::new(false);
    std::thread::scope(|s| {
        let handle = s.spawn(|| {
            let r = f();
            done.store(true, Ordering::Release);
            r
        });
        loop {
            py.detach(|| {
                for _ in 0..25 {
                    if done.load(Ordering::Acquire) {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(2));
                }
            });
            if done.load(Ordering::Acquire) {
                return Ok(py.detach(|| handle.join()).expect("worker thread panicked"));
            }
            if let Err(e) = py.check_signals() {
                cancel.store(true, Ordering::Relaxed);
                let _ = py.detach(|| handle.join());
                return Err(e);
            }
        }
    })
}

/// The result of :func:`hypotest`: ``HypotestResult`` (asymptotics) or
/// ``ToyHypotestResult`` (toys).
#[derive(IntoPyObject)]
pub enum AnyHypotest {
    Asymptotic(PyHypotestResult),
    Toys(PyToyHypotestResult),
}

/// Hypothesis test of ``mu`` (pyhf's ``infer.hypotest``), GIL released.
///
/// ``calctype="asymptotics"`` (default) uses the asymptotic formulae;
/// ``"toybased"`` throws ``ntoys`` toys per hypothesis with random streams
/// derived from ``seed`` (bit-identical for any ``threads``) and can be
/// interrupted with Ctrl-C.
///
/// >>> import nextstat
/// >>> m = nextstat.simplemodels.uncorrelated_background([5.0, 10.0], [50.0, 60.0], [5.0, 12.0])
/// >>> r = nextstat.hypotest(1.0, m)
/// >>> 0.0 < r.cls_obs < 1.0, r.cls_exp.shape
/// (True, (5,))
#[pyfunction]
#[pyo3(signature = (mu, model, data=None, test_stat="qtilde", calctype="asymptotics", ntoys=1000, seed=0, threads=None, init=None, fixed=None, bounds=None))]
#[allow(clippy::too_many_arguments)]
pub fn hypotest(
    py: Python<'_>,
    mu: f64,
    model: &PyModel,
    data: Option<&Bound<'_, PyAny>>,
    test_stat: &str,
    calctype: &str,
    ntoys: usize,
    seed: u64,
    threads: Option<usize>,
    init: Option<&Bound<'_, PyAny>>,
    fixed: Option<&Bound<'_, PyAny>>,
    bounds: Option<&Bound<'_, PyAny>>,
) -> PyResult<AnyHypotest> {
    let kind = self::test_stat(test_stat)?;
    let d = model.dataset(data)?;
    let opts = fit_options(model, init, fixed, bounds, false)?;
    let m = &*model.inner;
    match calctype {
        "asymptotics" => {
            let r = py
                .detach(|| ns_infer::hypotest(m, &d, mu, &opts, kind))
                .map_err(errors::infer)?;
            Ok(AnyHypotest::Asymptotic(PyHypotestResult { r }))
        }
        "toybased" => {
            let cancel = AtomicBool::new(false);
            let toy = ToyOptions {
                n_toys: ntoys,
                seed,
                test_stat: kind,
                cancel: Some(&cancel),
                ..ToyOptions::default()
            };
            let r = run_interruptible(py, &cancel, || {
                with_threads(threads, || ns_infer::hypotest_toys(m, &d, mu, &opts, &toy))
            })??
            .map_err(errors::infer)?;
            Ok(AnyHypotest::Toys(PyToyHypotestResult { r }))
        }
        other => Err(raise(
            "InvalidArgument",
            format!("calctype '{other}': expected 'asymptotics' or 'toybased'"),
        )),
    }
}

/// Discovery significance (asymptotic ``q0``): p-values and Z, observed and expected.
///
/// >>> import nextstat
/// >>> m = nextstat.simplemodels.uncorrelated_background([20.0], [50.0], [5.0])
/// >>> s = nextstat.significance(m)
/// >>> s.z_obs > 1.0
/// True
#[pyfunction]
#[pyo3(signature = (model, data=None, init=None, fixed=None, bounds=None))]
pub fn significance(
    py: Python<'_>,
    model: &PyModel,
    data: Option<&Bound<'_, PyAny>>,
    init: Option<&Bound<'_, PyAny>>,
    fixed: Option<&Bound<'_, PyAny>>,
    bounds: Option<&Bound<'_, PyAny>>,
) -> PyResult<PySignificanceResult> {
    let d = model.dataset(data)?;
    let opts = fit_options(model, init, fixed, bounds, false)?;
    let m = &*model.inner;
    let r = py
        .detach(|| ns_infer::significance(m, &d, &opts))
        .map_err(errors::infer)?;
    Ok(PySignificanceResult { r })
}

/// Asymptotic CLs upper limit (pyhf's ``infer.intervals.upper_limits.upper_limit``).
///
/// With ``scan`` (a grid of POI values) hypotests run at every point in
/// parallel and the crossings are interpolated linearly (pyhf's
/// ``linear_grid_scan``); the points form the Brazil band. Without it, the
/// crossings are found by TOMS748 root finding in ``bracket``, as pyhf's
/// ``toms748_scan`` (default: the POI bounds clipped at 0, starting at
/// 1e-6 × the upper end, where CLs is defined even when μ̂ < 0).
///
/// >>> import numpy as np, nextstat
/// >>> m = nextstat.simplemodels.uncorrelated_background([5.0, 10.0], [50.0, 60.0], [5.0, 12.0])
/// >>> ul = nextstat.upper_limit(m, scan=np.linspace(0, 5, 11))
/// >>> 0.0 < ul.obs_limit < 5.0, ul.exp_limits.shape, ul.mu.shape
/// (True, (5,), (11,))
#[pyfunction]
#[pyo3(signature = (model, data=None, scan=None, level=0.05, test_stat="qtilde", bracket=None, atol=2e-12, rtol=1e-4, threads=None, init=None, fixed=None, bounds=None))]
#[allow(clippy::too_many_arguments)]
pub fn upper_limit(
    py: Python<'_>,
    model: &PyModel,
    data: Option<&Bound<'_, PyAny>>,
    scan: Option<&Bound<'_, PyAny>>,
    level: f64,
    test_stat: &str,
    bracket: Option<(f64, f64)>,
    atol: f64,
    rtol: f64,
    threads: Option<usize>,
    init: Option<&Bound<'_, PyAny>>,
    fixed: Option<&Bound<'_, PyAny>>,
    bounds: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyUpperLimitResult> {
    let kind = self::test_stat(test_stat)?;
    let d = model.dataset(data)?;
    let opts = fit_options(model, init, fixed, bounds, false)?;
    let grid = scan
        .map(|s| {
            crate::convert::f64_arg(s, "scan", "InvalidArgument").map(|a| a.as_slice().to_vec())
        })
        .transpose()?;
    let m = &*model.inner;
    let (lo, hi) = match bracket {
        Some(b) => b,
        None => {
            let poi = m
                .poi_index()
                .ok_or_else(|| raise("InvalidModel", "the model has no POI"))?;
            ns_infer::intervals::default_bracket(
                opts.bounds
                    .as_ref()
                    .map_or(m.suggested_bounds()[poi], |b| b[poi]),
            )
        }
    };
    let r = py
        .detach(|| {
            with_threads(threads, || {
                let calc = AsymptoticCalculator::new(m, &d, &opts, kind)?;
                match &grid {
                    Some(g) => ns_infer::upper_limit_scan(&calc, g, level, None),
                    None => ns_infer::upper_limit_toms748(&calc, lo, hi, level, atol, rtol),
                }
            })
        })?
        .map_err(errors::infer)?;
    Ok(PyUpperLimitResult { r })
}

/// Profile-likelihood scan of the POI over ``mus``: ``-2 Δ ln L`` at each point.
///
/// >>> import numpy as np, nextstat
/// >>> m = nextstat.simplemodels.uncorrelated_background([5.0, 10.0], [50.0, 60.0], [5.0, 12.0])
/// >>> s = nextstat.scan(m, np.linspace(0, 3, 7))
/// >>> s.twice_delta_nll.shape, bool(s.twice_delta_nll.min() >= -1e-9)
/// ((7,), True)
#[pyfunction]
#[pyo3(signature = (model, mus, data=None, threads=None, init=None, fixed=None, bounds=None))]
#[allow(clippy::too_many_arguments)]
pub fn scan(
    py: Python<'_>,
    model: &PyModel,
    mus: &Bound<'_, PyAny>,
    data: Option<&Bound<'_, PyAny>>,
    threads: Option<usize>,
    init: Option<&Bound<'_, PyAny>>,
    fixed: Option<&Bound<'_, PyAny>>,
    bounds: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyScanResult> {
    let grid = crate::convert::f64_arg(mus, "mus", "InvalidArgument")?
        .as_slice()
        .to_vec();
    let d = model.dataset(data)?;
    let opts = fit_options(model, init, fixed, bounds, false)?;
    let m = &*model.inner;
    let r = py
        .detach(|| {
            with_threads(threads, || {
                ns_infer::profile_scan(m, &d, &grid, &opts, None)
            })
        })?
        .map_err(errors::infer)?;
    Ok(PyScanResult {
        r,
        names: m.param_names().to_vec(),
        poi_name: m.poi_name().to_string(),
    })
}

/// Rank the nuisance parameters by their impact on the POI (post-fit and
/// pre-fit ±1σ refits), with pulls and constraints.
///
/// >>> import nextstat
/// >>> m = nextstat.simplemodels.correlated_background([12.0], [50.0], [55.0], [45.0])
/// >>> rk = nextstat.ranking(m)
/// >>> rk.names
/// ['correlated_bkg_uncertainty']
#[pyfunction]
#[pyo3(signature = (model, data=None, threads=None, init=None, fixed=None, bounds=None))]
#[allow(clippy::too_many_arguments)]
pub fn ranking(
    py: Python<'_>,
    model: &PyModel,
    data: Option<&Bound<'_, PyAny>>,
    threads: Option<usize>,
    init: Option<&Bound<'_, PyAny>>,
    fixed: Option<&Bound<'_, PyAny>>,
    bounds: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyRankingResult> {
    let d = model.dataset(data)?;
    let opts = fit_options(model, init, fixed, bounds, true)?;
    let m = &*model.inner;
    let prefit: Vec<Option<f64>> = (0..m.n_params())
        .map(|i| m.constraint_width(i).map(|(_, w)| w))
        .collect();
    let r = py
        .detach(|| with_threads(threads, || ns_infer::ranking(m, &d, &opts, &prefit, None)))?
        .map_err(errors::infer)?;
    Ok(PyRankingResult {
        r,
        poi_name: m.poi_name().to_string(),
    })
}
