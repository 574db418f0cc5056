#!/usr/bin/env python3
"""Goldens for ns-timeseries: statsmodels' Kalman filter and smoother on its
shipped data sets (Nile: Durbin & Koopman's local level example; macrodata:
US inflation and GDP growth), with and without missing values, under each
initialisation, plus maximum-likelihood fits of UnobservedComponents models.

Writes tests/fixtures/timeseries/<case>.json with the inputs (y with null for
missing, the system matrices, the initialisation) and statsmodels' outputs:
llf, llf_obs, filtered_state, smoothed_state, the diagonals of the filtered
and smoothed state covariances, and for fits params / bse / llf.

Filter cases use statsmodels' KalmanSmoother directly (the conventional
filter; exact diffuse periods run univariately, as statsmodels always does).
Fits (Nile and inflation local level, a seeded local linear trend) use
UnobservedComponents(use_exact_diffuse=True), L-BFGS to a tight
tolerance (pgtol 1e-12, factr 10) then Newton polishing with complex-step
derivatives of statsmodels' loglike, so the goldens are the MLE itself; bse are
cov_type="approx" (inverse of the numerical Hessian of the log-likelihood
in the natural parameters, statsmodels' complex-step default).

Missing values follow Durbin & Koopman (2012, §2.7): Nile observations
21-40 and 61-80 removed; the bivariate case removes single series and whole
rows.

Usage: .venv/bin/python scripts/make_timeseries_goldens.py   (statsmodels 0.15)
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import statsmodels
import statsmodels.api as sm
from statsmodels.tools.numdiff import approx_fprime_cs, approx_hess_cs
from statsmodels.tsa.statespace.kalman_smoother import KalmanSmoother

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "timeseries"

# statsmodels' Nile MLE (Durbin & Koopman 2012, §2.10: 15099 and 1469.1).
NILE_PARAMS = (15098.52, 1469.18)


def nile() -> np.ndarray:
    return sm.datasets.nile.load_pandas().data["volume"].to_numpy(dtype=float)


def nile_missing() -> np.ndarray:
    y = nile().copy()
    y[20:40] = np.nan
    y[60:80] = np.nan
    return y


def macro() -> tuple[np.ndarray, np.ndarray]:
    d = sm.datasets.macrodata.load_pandas().data
    infl = d["infl"].to_numpy(dtype=float)
    growth = 400.0 * np.diff(np.log(d["realgdp"].to_numpy(dtype=float)))
    return infl[1:], growth


def simulated_lltrend(n: int = 200) -> np.ndarray:
    """A local linear trend path with interior MLE variances (US macro series
    put the LLT's irregular or slope variance on the zero bound, where a
    parameter comparison is meaningless). Stored in the golden, so the
    generator's stream only matters for regeneration."""
    rng = np.random.default_rng(19)
    slope = np.cumsum(rng.normal(0.0, np.sqrt(0.05), n))
    level = np.cumsum(slope + rng.normal(0.0, 1.0, n))
    return level + rng.normal(0.0, 2.0, n)


def jlist(a: np.ndarray | None):
    if a is None:
        return None
    a = np.asarray(a, dtype=float)
    return [None if np.isnan(v) else float(v) for v in a.ravel()]


def run_filter(name, y, Z, T, R, Q, H, init, d=None, c=None, note=""):
    """y: (n, p). init: ("known", a, P) | ("stationary",) |
    ("approximate_diffuse", var) | ("diffuse",)."""
    y = np.asarray(y, dtype=float)
    if y.ndim == 1:
        y = y[:, None]
    n, p = y.shape
    m = T.shape[0]
    r = R.shape[1]
    d = np.zeros(p) if d is None else np.asarray(d, float)
    c = np.zeros(m) if c is None else np.asarray(c, float)
    ks = KalmanSmoother(k_endog=p, k_states=m, k_posdef=r)
    ks.bind(np.asfortranarray(y.T))
    ks["design"] = Z
    ks["transition"] = T
    ks["selection"] = R
    ks["state_cov"] = Q
    ks["obs_cov"] = H
    ks["obs_intercept"] = d
    ks["state_intercept"] = c
    kind = init[0]
    if kind == "known":
        ks.initialize_known(np.asarray(init[1], float), np.asarray(init[2], float))
    elif kind == "stationary":
        ks.initialize_stationary()
    elif kind == "approximate_diffuse":
        ks.initialize_approximate_diffuse(init[1])
    elif kind == "diffuse":
        ks.initialize("diffuse")
    else:
        raise ValueError(kind)
    res = ks.smooth()
    doc = {
        "kind": "filter",
        "note": note,
        "n": n,
        "p": p,
        "m": m,
        "r": r,
        "y": jlist(y),
        "Z": jlist(Z),
        "T": jlist(T),
        "R": jlist(R),
        "Q": jlist(Q),
        "H": jlist(H),
        "d": jlist(d),
        "c": jlist(c),
        "init": {
            "kind": kind,
            "a0": jlist(init[1]) if kind == "known" else None,
            "P0": jlist(init[2]) if kind == "known" else None,
            "variance": float(init[1]) if kind == "approximate_diffuse" else None,
        },
        "llf": float(res.llf_obs.sum()),
        "llf_obs": jlist(res.llf_obs),
        "nobs_diffuse": int(res.nobs_diffuse),
        "filtered_state": jlist(res.filtered_state.T),
        "smoothed_state": jlist(res.smoothed_state.T),
        "filtered_state_cov_diag": jlist(
            np.array([np.diag(res.filtered_state_cov[:, :, t]) for t in range(n)])
        ),
        "smoothed_state_cov": jlist(
            np.array([res.smoothed_state_cov[:, :, t] for t in range(n)])
        ),
    }
    write(name, doc)


def polish(mod, params, steps=8):
    """Newton steps on complex-step derivatives of statsmodels' loglike in
    the natural parameters."""
    x = np.asarray(params, float)
    for _ in range(steps):
        g = approx_fprime_cs(x, mod.loglike)
        h = approx_hess_cs(x, mod.loglike)
        step = np.linalg.solve(h, g)
        xn = x - step
        if np.any(xn <= 0):
            break
        if mod.loglike(xn) < mod.loglike(x) - 1e-12:
            break
        x = xn
        if np.max(np.abs(step / x)) < 1e-13:
            break
    return x


def run_fit(name, y, level, note=""):
    mod = sm.tsa.UnobservedComponents(y, level, use_exact_diffuse=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res0 = mod.fit(method="lbfgs", maxiter=10000, pgtol=1e-12, factr=10, disp=0)
        x = polish(mod, res0.params)
        res = mod.smooth(x, cov_type="approx")
    doc = {
        "kind": "fit",
        "note": note,
        "model": level,
        "y": jlist(y),
        "param_names": list(mod.param_names),
        "params": jlist(res.params),
        "bse": jlist(res.bse),
        "llf": float(res.llf),
        "score_at_params": jlist(approx_fprime_cs(np.asarray(res.params), mod.loglike)),
        "smoothed_state": jlist(res.smoothed_state.T),
    }
    write(name, doc)


def write(name, doc):
    doc["generator"] = f"scripts/make_timeseries_goldens.py (statsmodels {statsmodels.__version__})"
    path = OUT / f"{name}.json"
    path.write_text(json.dumps(doc, separators=(",", ":")) + "\n")
    print(f"wrote {path.relative_to(OUT.parent.parent.parent)}")


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    s2e, s2n = NILE_PARAMS
    one = np.eye(1)
    ll = dict(Z=one, T=one, R=one, Q=s2n * one, H=s2e * one)
    for tag, y in (("", nile()), ("_missing", nile_missing())):
        run_filter(f"nile_llevel_known{tag}", y, **ll, init=("known", [1000.0], [[5e4]]))
        run_filter(f"nile_llevel_approx{tag}", y, **ll, init=("approximate_diffuse", 1e6))
        run_filter(f"nile_llevel_diffuse{tag}", y, **ll, init=("diffuse",))
    # Local linear trend (2 states, both diffuse) on Nile with missing values.
    Z2 = np.array([[1.0, 0.0]])
    T2 = np.array([[1.0, 1.0], [0.0, 1.0]])
    run_filter(
        "nile_lltrend_diffuse_missing",
        nile_missing(),
        Z=Z2,
        T=T2,
        R=np.eye(2),
        Q=np.diag([1300.0, 20.0]),
        H=np.array([[14000.0]]),
        init=("diffuse",),
    )
    infl, growth = macro()
    # AR(2) state plus measurement noise with a state intercept, stationary.
    Ta = np.array([[0.6, 0.25], [1.0, 0.0]])
    Ra = np.array([[1.0], [0.0]])
    for tag, y in (("", infl), ("_missing", np.where(np.arange(infl.size) % 7 == 3, np.nan, infl))):
        run_filter(
            f"macro_ar2_stationary{tag}",
            y,
            Z=np.array([[1.0, 0.0]]),
            T=Ta,
            R=Ra,
            Q=np.array([[4.0]]),
            H=np.array([[1.5]]),
            c=[0.6, 0.0],
            d=[0.3],
            init=("stationary",),
        )
    # Bivariate: inflation and GDP growth, VAR(1)-like transition, correlated
    # measurement noise, partial and whole missing rows.
    y2 = np.column_stack([infl, growth])
    y2m = y2.copy()
    y2m[5:9, 0] = np.nan
    y2m[30:33, 1] = np.nan
    y2m[50:52, :] = np.nan
    Tb = np.array([[0.7, 0.05], [0.1, 0.3]])
    Qb = np.array([[3.0, 0.4], [0.4, 6.0]])
    Hb = np.array([[2.0, 0.5], [0.5, 4.0]])
    for tag, y in (("", y2), ("_missing", y2m)):
        run_filter(
            f"macro_bivariate_stationary{tag}",
            y,
            Z=np.eye(2),
            T=Tb,
            R=np.eye(2),
            Q=Qb,
            H=Hb,
            c=[1.0, 2.0],
            init=("stationary",),
        )
    # Bivariate with both states diffuse (univariate diffuse phase needs a
    # diagonal H), partial missing values inside the diffuse phase.
    y2d = y2.copy()
    y2d[0, 1] = np.nan
    y2d[3, 0] = np.nan
    y2d[40:42, :] = np.nan
    run_filter(
        "macro_bivariate_diffuse_missing",
        y2d,
        Z=np.array([[1.0, 0.0], [0.5, 1.0]]),
        T=np.array([[1.0, 0.0], [0.2, 0.9]]),
        R=np.eye(2),
        Q=Qb,
        H=np.diag([2.0, 4.0]),
        init=("diffuse",),
    )
    run_fit("fit_nile_llevel", nile(), "llevel", note="Durbin & Koopman 2012 §2.10")
    run_fit("fit_nile_llevel_missing", nile_missing(), "llevel")
    run_fit("fit_infl_llevel", infl, "llevel", note="macrodata inflation")
    sim = simulated_lltrend()
    run_fit("fit_sim_lltrend", sim, "lltrend", note="seeded simulation (seed 19)")
    sim_m = sim.copy()
    sim_m[::10] = np.nan
    run_fit("fit_sim_lltrend_missing", sim_m, "lltrend", note="seeded simulation, every 10th missing")


if __name__ == "__main__":
    main()
