"""nextstat.fit(..., minos=[...]) against iminuit's minos and nextstat.gof
against cabinetry (goldens from scripts/make_hepwf_goldens.py, the ones the
Rust tests use)."""

import json
import os

import pytest

import nextstat
from conftest import FIXTURES, GOLDENS

CASES = json.load(open(os.path.join(GOLDENS, "hepwf", "minos_gof.json")))["cases"]


@pytest.mark.parametrize("case", CASES, ids=[c["workspace"] for c in CASES])
def test_minos_matches_iminuit(case):
    model = nextstat.from_pyhf(os.path.join(FIXTURES, case["workspace"]))
    names = list(case["minos"])
    r = nextstat.fit(model, minos=names)
    assert sorted(r.minos) == sorted(names)
    for name, g in case["minos"].items():
        lo, hi = r.minos[name]
        # iminuit (tol 1e-6, strategy 2) locates the crossing to ~1e-5 of
        # the interval (as the Rust test).
        assert lo == pytest.approx(g["lower"], rel=2e-4, abs=2e-4)
        assert hi == pytest.approx(g["upper"], rel=2e-4, abs=2e-4)
        want = tuple("at_limit" if g[k] else "ok" for k in ("at_lower_limit", "at_upper_limit"))
        assert r.minos_status[name] == want
    assert nextstat.fit(model).minos == {}


def test_minos_bad_parameter():
    model = nextstat.from_pyhf(os.path.join(FIXTURES, "simple_workspace.json"))
    with pytest.raises(nextstat.InvalidPdfParameters, match="nope"):
        nextstat.fit(model, minos=["nope"])
    with pytest.raises(nextstat.InvalidArgument, match="fixed"):
        nextstat.fit(model, fixed={"mu": 1.0}, minos=["mu"])


@pytest.mark.parametrize("case", CASES, ids=[c["workspace"] for c in CASES])
def test_gof_matches_cabinetry(case):
    model = nextstat.from_pyhf(os.path.join(FIXTURES, case["workspace"]))
    g = nextstat.gof(model)
    assert g.ndof == case["gof"]["ndof"]
    assert g.p_value == pytest.approx(case["gof"]["p_value"], rel=1e-4)
    assert g.statistic == pytest.approx(2 * (g.fit.nll - g.saturated_nll), abs=1e-9)
    assert g.p_value_toys is None and g.n_toys == 0


def test_gof_toys_reproducible_and_close_to_chi2():
    model = nextstat.from_pyhf(os.path.join(FIXTURES, "simple_workspace.json"))
    a = nextstat.gof(model, toys=2000, seed=3)
    b = nextstat.gof(model, toys=2000, seed=3)
    assert a.p_value_toys == b.p_value_toys and a.n_toys == 2000
    # ~50 events per bin: the χ² approximation holds; binomial σ ≈ 0.0044.
    assert abs(a.p_value_toys - a.p_value) < 4 * 0.0044 + 0.01
