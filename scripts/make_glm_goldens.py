#!/usr/bin/env python3
"""Goldens for ns-glm: statsmodels fits on its shipped data sets (the R/Stata
references of statsmodels' own GLM test suite) and on seeded synthetic data.

Writes tests/fixtures/glm/<case>.json: the inputs (y, X, offsets, weights,
groups) and statsmodels' answers. Fits run to a tight tolerance on the
parameters (IRLS tol_criterion="params", atol 1e-12, rtol 1e-13; discrete NB
and method="newton" by Newton to 1e-13): the default deviance rule stops
Fisher scoring of non-canonical links ~1e-7 short of the MLE so the goldens are the
MLE itself rather than a point on the way to it; the Rust tests fit with the
same tolerance.

HC1-HC3: statsmodels' GLM returns its HC0 matrix for all of HC0..HC3 (no
small-sample corrections). NextStat applies the textbook corrections; the
expected values are computed here from statsmodels' own pieces (score_obs,
hessian, get_hat_matrix_diag(observed=False)): HC1 = HC0 n/(n-k), HC2/HC3
divide each score by sqrt(1-h) / (1-h). HC0 and cluster are statsmodels'
cov_params() directly.

Usage: .venv/bin/python scripts/make_glm_goldens.py   (statsmodels 0.15)
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import statsmodels
import statsmodels.api as sm
from statsmodels.discrete.discrete_model import NegativeBinomial

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "glm"
TIGHT = dict(tol=1e-12, rtol=1e-13, tol_criterion="params", maxiter=1000)
F = sm.families
L = sm.families.links

FAMILIES = {
    "gaussian": F.Gaussian,
    "binomial": F.Binomial,
    "poisson": F.Poisson,
    "gamma": F.Gamma,
    "inverse_gaussian": F.InverseGaussian,
    "negative_binomial": F.NegativeBinomial,
}
LINKS = {
    "identity": L.Identity,
    "log": L.Log,
    "logit": L.Logit,
    "probit": L.Probit,
    "cloglog": L.CLogLog,
    "sqrt": L.Sqrt,
    "inverse": L.InversePower,
    "inverse_squared": L.InverseSquared,
}


def arr(v):
    return None if v is None else np.asarray(v, dtype=float).tolist()


def family_obj(family, link, alpha):
    kw = {}
    if link is not None:
        kw["link"] = LINKS[link]()
    if family == "negative_binomial":
        kw["alpha"] = alpha
    return FAMILIES[family](**kw)


def hc_extra(res, cov_type):
    """HC1-HC3 with their small-sample corrections, from statsmodels' pieces."""
    m = res.model
    xu = m.score_obs(res.params)
    if m.freq_weights is not None:
        xu = xu / np.sqrt(np.asarray(m.freq_weights))[:, None]
    hinv = np.linalg.inv(m.hessian(res.params))
    n, k = xu.shape
    if cov_type in ("HC2", "HC3"):
        h = res.get_hat_matrix_diag(observed=False)
        xu = xu / (np.sqrt(1 - h) if cov_type == "HC2" else (1 - h))[:, None]
    cov = hinv @ (xu.T @ xu) @ hinv
    if cov_type == "HC1":
        cov *= n / (n - k)
    return cov


def case(name, y, X, family, link=None, alpha=None, failures=None, offset=None,
         exposure=None, var_weights=None, freq_weights=None, scale=None,
         cov_type="nonrobust", groups=None, method="irls", names=None):
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    endog = y if failures is None else np.column_stack([y, failures])
    doc = {
        "name": name, "family": family, "link": link, "alpha": alpha,
        "method": method, "scale": scale, "cov_type": cov_type,
        "y": arr(y), "failures": arr(failures), "n": int(X.shape[0]), "p": int(X.shape[1]),
        "X": X.ravel().tolist(), "names": names,
        "offset": arr(offset), "exposure": arr(exposure),
        "var_weights": arr(var_weights), "freq_weights": arr(freq_weights),
        "groups": None if groups is None else [int(g) for g in groups],
        "statsmodels": statsmodels.__version__,
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if alpha == "mle":
            mod = NegativeBinomial(y, X, loglike_method="nb2", offset=offset, exposure=exposure)
            res = mod.fit(method="newton", maxiter=300, tol=1e-13, disp=0)
            if not np.all(np.isfinite(res.params)) or res.params[-1] <= 0:
                res = mod.fit(method="bfgs", maxiter=2000, disp=0)
                res = mod.fit(start_params=res.params, method="newton", maxiter=300, tol=1e-13, disp=0)
            glm = sm.GLM(y, X, family=F.NegativeBinomial(alpha=res.params[-1]),
                         offset=offset, exposure=exposure).fit(**TIGHT)
            exp = {
                "params": res.params.tolist(), "bse": res.bse.tolist(),
                "llf": float(res.llf), "aic": float(res.aic), "bic": float(res.bic),
                "alpha": float(res.params[-1]),
                "cov_params": np.asarray(res.cov_params()).ravel().tolist(),
                "df_model": float(res.df_model), "df_resid": float(res.df_resid),
                "deviance": float(glm.deviance), "pearson_chi2": float(glm.pearson_chi2),
                "fittedvalues": glm.fittedvalues.tolist(),
                "converged": bool(res.mle_retvals["converged"]),
            }
        else:
            mod = sm.GLM(endog, X, family=family_obj(family, link, alpha), offset=offset,
                         exposure=exposure, var_weights=var_weights, freq_weights=freq_weights)
            kw = dict(scale=scale)
            sm_cov = cov_type if cov_type in ("nonrobust", "HC0", "cluster") else "nonrobust"
            if sm_cov == "cluster":
                kw.update(cov_type="cluster", cov_kwds={"groups": np.asarray(groups)})
            elif sm_cov == "HC0":
                kw.update(cov_type="HC0")
            if method == "newton":
                res = mod.fit(method="newton", maxiter=300, tol=1e-13, **kw)
            else:
                res = mod.fit(**TIGHT, **kw)
            cov = np.asarray(res.cov_params())
            if cov_type in ("HC1", "HC2", "HC3"):
                cov = hc_extra(res, cov_type)
            bse = np.sqrt(np.diag(cov))
            exp = {
                "params": res.params.tolist(), "bse": bse.tolist(),
                "cov_params": cov.ravel().tolist(),
                "deviance": float(res.deviance), "null_deviance": float(res.null_deviance),
                "llf": float(res.llf), "llnull": float(res.llnull), "aic": float(res.aic),
                "bic_llf": float(res.bic_llf), "bic_deviance": float(res.bic_deviance),
                "pearson_chi2": float(res.pearson_chi2), "scale": float(res.scale),
                "df_model": float(res.df_model), "df_resid": float(res.df_resid),
                "fittedvalues": np.asarray(res.fittedvalues).tolist(),
                "resid_response": np.asarray(res.resid_response).tolist(),
                "resid_pearson": np.asarray(res.resid_pearson).tolist(),
                "resid_deviance": np.asarray(res.resid_deviance).tolist(),
                "tvalues": (res.params / bse).tolist(),
                "conf_int_05": np.asarray(res.conf_int(0.05)).tolist() if cov_type in ("nonrobust", "HC0", "cluster") else None,
                "pvalues": np.asarray(res.pvalues).tolist() if cov_type in ("nonrobust", "HC0", "cluster") else None,
            }
    doc["expected"] = exp
    (OUT / f"{name}.json").write_text(json.dumps(doc, separators=(",", ":")) + "\n")
    print(f"{name:40s} n={X.shape[0]:5d} p={X.shape[1]:2d} dev={exp['deviance']:.10g}")


def rng(i):
    return np.random.default_rng([20261207, i])


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    ds = sm.datasets
    star = ds.star98.load_pandas()
    Xs = sm.add_constant(star.exog.values)
    succ, fail = star.endog["NABOVE"].values, star.endog["NABOVE"].values * 0 + star.endog["NBELOW"].values
    names = ["const"] + list(star.exog.columns)
    case("star98_binomial_logit", succ, Xs, "binomial", failures=fail, names=names)
    case("star98_binomial_probit", succ, Xs, "binomial", "probit", failures=fail, names=names)
    case("star98_binomial_cloglog", succ, Xs, "binomial", "cloglog", failures=fail, names=names)
    case("star98_binomial_hc0", succ, Xs, "binomial", failures=fail, cov_type="HC0", names=names)

    sp = ds.spector.load_pandas()
    Xp = sm.add_constant(sp.exog.values)
    spn = ["const"] + list(sp.exog.columns)
    case("spector_logit", sp.endog.values, Xp, "binomial", names=spn)
    case("spector_probit", sp.endog.values, Xp, "binomial", "probit", names=spn)
    case("spector_logit_hc1", sp.endog.values, Xp, "binomial", cov_type="HC1", names=spn)
    case("spector_logit_newton", sp.endog.values, Xp, "binomial", method="newton", names=spn)

    sc = ds.scotland.load_pandas()
    Xc = sm.add_constant(sc.exog.values)
    scn = ["const"] + list(sc.exog.columns)
    case("scotland_gamma_inverse", sc.endog.values, Xc, "gamma", names=scn)
    case("scotland_gamma_log", sc.endog.values, Xc, "gamma", "log", names=scn)
    case("scotland_gamma_identity", sc.endog.values, Xc, "gamma", "identity", names=scn)
    case("scotland_gamma_log_newton", sc.endog.values, Xc, "gamma", "log", method="newton", names=scn)
    case("scotland_gamma_scale_dev", sc.endog.values, Xc, "gamma", scale="dev", names=scn)
    case("scotland_gaussian_log", sc.endog.values, Xc, "gaussian", "log", names=scn)
    case("scotland_ig_inverse_squared", sc.endog.values, Xc, "inverse_gaussian", names=scn)
    case("scotland_ig_log", sc.endog.values, Xc, "inverse_gaussian", "log", names=scn)
    case("scotland_ig_inverse", sc.endog.values, Xc, "inverse_gaussian", "inverse", names=scn)

    cp = ds.cpunish.load_pandas()
    Xcp = cp.exog.copy()
    Xcp.loc[:, "INCOME"] = np.log(Xcp.loc[:, "INCOME"])
    Xcp = sm.add_constant(Xcp.values)
    case("cpunish_poisson", cp.endog.values, Xcp, "poisson")
    case("cpunish_poisson_hc2", cp.endog.values, Xcp, "poisson", cov_type="HC2")
    case("cpunish_poisson_hc3", cp.endog.values, Xcp, "poisson", cov_type="HC3")
    case("cpunish_poisson_exposure", cp.endog.values, Xcp, "poisson",
         exposure=rng(1).uniform(0.5, 3.0, len(cp.endog)))

    cm = ds.committee.load_pandas()
    Xm = sm.add_constant(cm.exog.values)
    case("committee_poisson", cm.endog.values, Xm, "poisson")
    case("committee_nb_fixed", cm.endog.values, Xm, "negative_binomial", alpha=0.5)

    lg = ds.longley.load_pandas()
    Xl = sm.add_constant(lg.exog.values)
    lgn = ["const"] + list(lg.exog.columns)
    case("longley_gaussian", lg.endog.values, Xl, "gaussian", names=lgn)
    case("longley_gaussian_scale_fixed", lg.endog.values, Xl, "gaussian", scale=2.5, names=lgn)

    rh = ds.randhie.load_pandas()
    idx = rng(2).choice(len(rh.endog), 2000, replace=False)
    Xr = sm.add_constant(rh.exog.values[idx])
    yr = rh.endog.values[idx]
    case("randhie_nb_mle", yr, Xr, "negative_binomial", alpha="mle")
    case("randhie_nb_fixed", yr, Xr, "negative_binomial", alpha=1.2)
    case("randhie_poisson_cluster", yr, Xr, "poisson", cov_type="cluster",
         groups=rng(3).integers(0, 40, len(yr)))

    # Seeded synthetic data for the remaining family x link pairs, weights, offsets.
    n, p = 400, 4
    r = rng(10)
    X = sm.add_constant(r.normal(size=(n, p - 1)))
    eta = X @ np.array([0.5, 0.3, -0.2, 0.1])
    case("syn_gaussian_identity_varw", eta + r.normal(size=n), X, "gaussian",
         var_weights=r.uniform(0.5, 2.0, n))
    case("syn_gaussian_inverse", 1 / (2 + 0.3 * np.abs(eta)) + 0.01 * r.normal(size=n), X,
         "gaussian", "inverse")
    mu = np.exp(eta)
    yp = r.poisson(mu).astype(float)
    case("syn_poisson_offset", yp, X, "poisson", offset=r.normal(0, 0.2, n))
    case("syn_poisson_freqw", yp, X, "poisson", freq_weights=r.integers(1, 4, n).astype(float))
    case("syn_poisson_varw", yp, X, "poisson", var_weights=r.uniform(0.5, 2.0, n))
    case("syn_poisson_identity", r.poisson(3 + X[:, 1] * 0.5 + 0.2 * X[:, 2]).astype(float) + 0.0,
         X, "poisson", "identity")
    case("syn_poisson_sqrt", r.poisson((2 + 0.3 * X[:, 1]) ** 2).astype(float), X, "poisson", "sqrt")
    case("syn_poisson_newton", yp, X, "poisson", method="newton")
    pb = 0.05 * np.exp(0.3 * X[:, 1] - 0.2 * X[:, 2])
    case("syn_binomial_log", (r.uniform(size=n) < pb).astype(float), X, "binomial", "log")
    case("syn_binomial_cloglog_bernoulli", (r.uniform(size=n) < 1 - np.exp(-np.exp(eta - 1))).astype(float),
         X, "binomial", "cloglog")
    yg = r.gamma(2.0, np.exp(eta) / 2.0)
    case("syn_gamma_log_freqw", yg, X, "gamma", "log", freq_weights=r.integers(1, 4, n).astype(float))
    case("syn_gamma_log_hc0", yg, X, "gamma", "log", cov_type="HC0")
    yn = r.negative_binomial(1 / 0.7, 1 / (1 + 0.7 * mu)).astype(float)
    case("syn_nb_mle", yn, X, "negative_binomial", alpha="mle")
    case("syn_nb_mle_exposure", yn, X, "negative_binomial", alpha="mle",
         exposure=r.uniform(0.5, 2.0, n))
    case("syn_nb_fixed_identity", r.negative_binomial(2, 2 / (2 + 4 + X[:, 1])).astype(float), X,
         "negative_binomial", "identity", alpha=0.5)
    yig = np.abs(1 / np.sqrt(0.5 + 0.1 * X[:, 1] + 0.05 * X[:, 2])) * r.wald(1.0, 4.0, n)
    case("syn_ig_identity", yig, X, "inverse_gaussian", "identity")

    # Larger synthetic set for the cluster covariance and a p=20 design.
    n2, p2 = 2000, 20
    r = rng(20)
    X2 = sm.add_constant(r.normal(size=(n2, p2 - 1)))
    b2 = r.normal(0, 0.1, p2)
    y2 = (r.uniform(size=n2) < 1 / (1 + np.exp(-(X2 @ b2)))).astype(float)
    case("syn_logit_p20_cluster", y2, X2, "binomial", cov_type="cluster",
         groups=r.integers(0, 50, n2))


if __name__ == "__main__":
    main()
