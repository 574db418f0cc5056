"""nextstat.glm against the statsmodels goldens in tests/fixtures/glm
(scripts/make_glm_goldens.py); statsmodels itself is not needed here.

Tolerances as the Rust golden test: params/bse 1e-8 relative (on the scale
max(|v|, 1e-3 max|vector|)), deviance/llf 1e-10 relative. The fits stop on
the parameters (tol_criterion="params", tol 1e-10, rtol 1e-11) like the
goldens: statsmodels' default deviance rule stops Fisher scoring of
non-canonical links ~1e-7 short of the MLE.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import nextstat
import nextstat.glm as glm

FIX = Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "glm"
CASES = sorted(FIX.glob("*.json"))


def load(path):
    return json.loads(path.read_text())


def rel_close(got, exp, rtol):
    got, exp = np.asarray(got, float), np.asarray(exp, float)
    floor = 1e-3 * np.max(np.abs(exp)) if exp.size else 0.0
    denom = np.maximum(np.abs(exp), floor)
    denom = np.where(denom == 0, 1e-300, denom)
    return np.max(np.abs(got - exp) / denom) <= rtol


def run(doc, tol=1e-10, maxiter=1000):
    n, p = doc["n"], doc["p"]
    X = np.array(doc["X"]).reshape(n, p)
    y = np.array(doc["y"])
    if doc["failures"] is not None:
        y = np.column_stack([y, doc["failures"]])
    arr = lambda k: None if doc[k] is None else np.array(doc[k])
    return glm.fit(
        y, X, family=doc["family"], link=doc["link"], offset=arr("offset"),
        exposure=arr("exposure"), var_weights=arr("var_weights"),
        freq_weights=arr("freq_weights"), alpha=doc["alpha"], scale=doc["scale"],
        cov_type=doc["cov_type"], groups=doc["groups"], method=doc["method"],
        maxiter=maxiter, tol=tol, tol_criterion="params", rtol=1e-11,
    )


def test_goldens_present():
    assert len(CASES) >= 40


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_against_statsmodels(path):
    doc = load(path)
    e = doc["expected"]
    r = run(doc)
    assert r.converged
    rt = 1e-8
    assert rel_close(r.params, e["params"], rt), (r.params, e["params"])
    assert rel_close(r.bse, e["bse"], rt)
    dt = 1e-10
    assert abs(r.deviance - e["deviance"]) <= dt * abs(e["deviance"])
    assert abs(r.llf - e["llf"]) <= dt * abs(e["llf"])
    assert rel_close(r.fittedvalues, e["fittedvalues"], 1e-8)
    assert r.cov_params().shape == (len(r.params), len(r.params))
    if doc["alpha"] == "mle":
        assert r.alpha == pytest.approx(e["alpha"], rel=1e-7)
        assert r.params[-1] == r.alpha
        assert r.aic == pytest.approx(e["aic"], rel=1e-10)
        return
    assert r.pearson_chi2 == pytest.approx(e["pearson_chi2"], rel=1e-9)
    assert r.aic == pytest.approx(e["aic"], rel=1e-10)
    assert r.bic == pytest.approx(e["bic_llf"], rel=1e-10)
    assert r.df_resid == e["df_resid"] and r.df_model == e["df_model"]
    assert r.scale == pytest.approx(e["scale"], rel=1e-9)
    assert r.null_deviance == pytest.approx(e["null_deviance"], rel=1e-8)
    assert rel_close(r.resid_pearson, e["resid_pearson"], 1e-7)


def test_pandas_names_in_summary_and_predict():
    import pandas as pd  # in requirements-dev.txt: a missing pandas is a failure, not a skip
    doc = load(FIX / "scotland_gamma_log.json")
    n, p = doc["n"], doc["p"]
    X = pd.DataFrame(np.array(doc["X"]).reshape(n, p), columns=doc["names"])
    y = pd.Series(doc["y"], name="YES")
    r = glm.fit(y, X, family="gamma", link="log")
    s = r.summary()
    assert "Generalized Linear Model Regression Results" in s
    assert "COUTAX" in s and "YES" in s and "Gamma" in s
    assert r.exog_names == doc["names"]
    np.testing.assert_allclose(r.predict(X), r.fittedvalues, rtol=1e-12)
    ci = r.conf_int(0.05)
    assert ci.shape == (p, 2) and np.all(ci[:, 0] < r.params) and np.all(r.params < ci[:, 1])


def test_add_constant_and_default_names():
    X = np.arange(6.0).reshape(3, 2)
    Xc = glm.add_constant(X)
    assert Xc.shape == (3, 3) and np.all(Xc[:, 0] == 1)
    assert glm.add_constant(Xc) is Xc
    with pytest.raises(nextstat.InvalidArgument):
        glm.add_constant(Xc, has_constant="raise")


def test_exposure_predict():
    doc = load(FIX / "cpunish_poisson_exposure.json")
    r = run(doc)
    X = np.array(doc["X"]).reshape(doc["n"], doc["p"])
    np.testing.assert_allclose(r.predict(X, exposure=np.array(doc["exposure"])), r.fittedvalues, rtol=1e-10)


def test_typed_errors():
    X = glm.add_constant(np.linspace(0, 1, 6))
    y = np.array([1.0, 2.0, 1.0, 3.0, 4.0, 6.0])
    with pytest.raises(nextstat.InvalidArgument, match="y: length 5"):
        glm.fit(y[:5], X)
    with pytest.raises(nextstat.InvalidArgument, match="non-finite"):
        glm.fit(np.r_[y[:5], np.nan], X)
    with pytest.raises(nextstat.InvalidArgument, match="support"):
        glm.fit(-y, X, family="poisson")
    with pytest.raises(nextstat.InvalidArgument, match="link"):
        glm.fit(y, X, family="poisson", link="logit")
    with pytest.raises(nextstat.InvalidArgument, match="all weights are zero"):
        glm.fit(y, X, var_weights=np.zeros(6))
    with pytest.raises(nextstat.InvalidArgument, match="empty design"):
        glm.fit(np.array([]), np.zeros((0, 2)))
    with pytest.raises(nextstat.RankDeficientDesign, match="x2"):
        glm.fit(y, np.column_stack([X, 2 * X[:, 1]]))
    with pytest.raises(nextstat.PerfectSeparationError):
        glm.fit((np.arange(6) > 2).astype(float), X, family="binomial")
    with pytest.raises(nextstat.InvalidArgument, match="family"):
        glm.fit(y, X, family="weibull")
