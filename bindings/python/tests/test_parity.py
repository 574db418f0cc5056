"""Side-by-side parity with pyhf 0.7.6 (numpy backend).

Live pyhf on the small fixtures and on seeded random workspaces (all
modifier types and interpolation codes, see wsgen.py); the two big fixtures
(tHu, tttt) are checked against the committed goldens.

Tolerances (the inference issue's): NLL 1e-9 relative, expected data 1e-10
relative, nextstat's fitted twice_nll not above pyhf's by more than 1e-6,
observed CLs 1e-6 relative. pyhf runs SLSQP with tolerance 1e-12 here: with
its default tolerance its own fits are only good to ~1e-7 in twice_nll and
CLs differs by up to ~1e-4. Even then the expected band (5 values from the
Asimov fit) agrees to ~3e-6 only, so the band is checked at 5e-6.
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import nextstat  # noqa: E402
from conftest import BIG, LIVE, fixture_path, golden  # noqa: E402
from wsgen import random_point, random_workspace  # noqa: E402

pyhf = pytest.importorskip("pyhf")

NLL_RTOL = 1e-9
EXP_RTOL = 1e-10
FIT_SLACK = 1e-6
CLS_RTOL = 1e-6
CLS_EXP_RTOL = 5e-6
SETTINGS = {
    "default": {"normsys": {"interpcode": "code4"}, "histosys": {"interpcode": "code4p"}},
    "code1_code0": {"normsys": {"interpcode": "code1"}, "histosys": {"interpcode": "code0"}},
}
RANDOM_SEEDS = list(range(8))


@pytest.fixture(autouse=True)
def _pyhf_backend():
    pyhf.set_backend("numpy", pyhf.optimize.scipy_optimizer(tolerance=1e-12))
    yield
    pyhf.set_backend("numpy", "scipy")


def _pair(spec, settings):
    ws = pyhf.Workspace(spec)
    pm = ws.model(modifier_settings=settings)
    data = np.asarray(ws.data(pm), dtype=float)
    m = nextstat.from_pyhf(ws, modifier_settings=settings)
    return pm, m, data


def _load(stem):
    import json

    with open(fixture_path(stem)) as f:
        return json.load(f)


def _points(pm, k=3):
    cfg = pm.config
    init = np.asarray(cfg.suggested_init(), dtype=float)
    return [init] + [
        random_point(init, cfg.suggested_bounds(), cfg.suggested_fixed(), 1234 + i) for i in range(k)
    ]


def check_model(pm, m, data, grad_points=2):
    cfg = pm.config
    assert m.par_names == list(cfg.par_names)
    assert m.par_order == list(cfg.par_order)
    assert m.poi_index == cfg.poi_index
    assert m.n_params == cfg.npars
    np.testing.assert_array_equal(m.suggested_init(), cfg.suggested_init())
    np.testing.assert_array_equal(m.suggested_bounds(), np.asarray(cfg.suggested_bounds()))
    assert m.suggested_fixed() == list(cfg.suggested_fixed())
    np.testing.assert_allclose(m.data, data, rtol=1e-14, atol=0)  # aux tau: 1 ulp
    for i, x in enumerate(_points(pm)):
        np.testing.assert_allclose(m.expected_data(x), pm.expected_data(x), rtol=EXP_RTOL, atol=1e-300)
        np.testing.assert_allclose(
            m.expected_data(x, include_auxdata=False),
            pm.expected_data(x, include_auxdata=False),
            rtol=EXP_RTOL,
        )
        lp = float(pm.logpdf(x, data)[0])
        assert m.logpdf(x, data) == pytest.approx(lp, rel=NLL_RTOL)
        assert m.nll(x, data) == pytest.approx(-lp, rel=NLL_RTOL)
        # Gradients at the random points only: at the suggested init every
        # alpha is 0, where code0/code1 interpolation has a kink (one-sided
        # derivatives differ, so central differences are not a reference).
        if 1 <= i <= grad_points:
            check_gradient(pm, m, data, x)


def check_gradient(pm, m, data, x):
    """nextstat's analytic gradient against central differences of pyhf's logpdf."""
    v, g = m.nll_grad(x, data)
    assert v == pytest.approx(m.nll(x, data), rel=1e-14)
    bounds = np.asarray(pm.config.suggested_bounds())
    fd = np.empty_like(x)
    for j in range(x.size):
        h = 1e-6 * max(1.0, abs(x[j]))
        lo, hi = max(x[j] - h, bounds[j, 0]), min(x[j] + h, bounds[j, 1])
        xp, xm = x.copy(), x.copy()
        xp[j], xm[j] = hi, lo
        fd[j] = -(float(pm.logpdf(xp, data)[0]) - float(pm.logpdf(xm, data)[0])) / (hi - lo)
    np.testing.assert_allclose(g, fd, rtol=1e-5, atol=1e-5 * max(1.0, np.max(np.abs(fd))) * 1e-1)


def check_inference(pm, m, data):
    bf, twice = pyhf.infer.mle.fit(data, pm, return_fitted_val=True)
    r = nextstat.fit(m, data)
    assert r.converged
    assert r.twice_nll <= float(twice) + FIT_SLACK
    # value of nextstat's best fit under pyhf: same objective
    assert -2 * float(pm.logpdf(r.bestfit, data)[0]) == pytest.approx(r.twice_nll, rel=NLL_RTOL)
    cls_obs, cls_exp = pyhf.infer.hypotest(1.0, data, pm, return_expected_set=True)
    h = nextstat.hypotest(1.0, m, data)
    # Near q = 0 (observed or Asimov), CLs depends on sqrt(q) with a finite
    # slope (~0.8 per unit of sqrt(q) for the observed CLs, up to ~2.4 for
    # the -2σ end of the expected band): two tight minimisers that agree to
    # ~2e-11 in 2·NLL differ by up to ~4.5e-6 in sqrt(q), hence by up to
    # ~3.6e-6 in CLs and ~1.1e-5 in the band. Seen on random workspace 5,
    # where the signal has no effect and the true q_asimov is 0: pyhf gets
    # exactly 0, NextStat 3.7e-12 (CLs 0.9999985) with the first kernel and
    # 1.2e-11 (band from 0.9999916) after the SIMD kernel rewrite changed the
    # last bits of the NLL. Away from q = 0 the 1e-6 / 5e-6 tolerances apply.
    near_zero = min(h.q_obs, h.q_asimov) < 1e-9
    assert h.cls_obs == pytest.approx(float(cls_obs), rel=CLS_RTOL, abs=4e-6 if near_zero else 1e-12)
    np.testing.assert_allclose(
        h.cls_exp,
        np.asarray(cls_exp, dtype=float).ravel(),
        rtol=CLS_EXP_RTOL,
        atol=1.2e-5 if near_zero else 1e-12,
    )


@pytest.mark.parametrize("setting", list(SETTINGS))
@pytest.mark.parametrize("stem", LIVE)
def test_fixture_model(stem, setting):
    pm, m, data = _pair(_load(stem), SETTINGS[setting])
    check_model(pm, m, data, grad_points=2 if stem != "godrun_workspace" else 1)


@pytest.mark.parametrize("stem", LIVE)
def test_fixture_inference(stem):
    pm, m, data = _pair(_load(stem), SETTINGS["default"])
    check_inference(pm, m, data)


@pytest.mark.parametrize("seed", RANDOM_SEEDS)
def test_random_workspace(seed):
    spec, settings = random_workspace(seed)
    pm, m, data = _pair(spec, settings)
    check_model(pm, m, data)
    check_inference(pm, m, data)


def test_generator_covers_everything():
    """The seeds used above exercise every modifier type and interpolation code."""
    types, codes = set(), set()
    for seed in RANDOM_SEEDS:
        spec, st = random_workspace(seed)
        codes |= {("normsys", st["normsys"]["interpcode"]), ("histosys", st["histosys"]["interpcode"])}
        for ch in spec["channels"]:
            for s in ch["samples"]:
                types |= {mod["type"] for mod in s["modifiers"]}
    assert types == {"normfactor", "normsys", "histosys", "shapesys", "staterror", "lumi", "shapefactor"}
    assert codes == {
        ("normsys", "code1"),
        ("normsys", "code4"),
        ("histosys", "code0"),
        ("histosys", "code2"),
        ("histosys", "code4p"),
    }


def test_round_trip_inputs(tmp_path):
    """pyhf's Workspace object, a dict, JSON text, a str path and a PathLike all work."""
    import json
    import pathlib

    spec = _load("complex_workspace")
    ws = pyhf.Workspace(spec)
    text = json.dumps(spec)
    p = tmp_path / "ws.json"
    p.write_text(text)
    models = [
        nextstat.from_pyhf(ws),
        nextstat.from_pyhf(spec),
        nextstat.from_pyhf(text),
        nextstat.from_pyhf(str(p)),
        nextstat.from_pyhf(pathlib.Path(p)),
        nextstat.Workspace(ws).model(),
        nextstat.from_pyhf(pyhf.Workspace(json.loads(json.dumps(ws)))),
    ]
    x = models[0].suggested_init()
    ref = models[0].nll(x)
    assert all(mm.nll(x) == ref for mm in models)
    assert float(-ws.model().logpdf(x, ws.data(ws.model()))[0]) == pytest.approx(ref, rel=NLL_RTOL)


# ---------------------------------------------------------------- big fixtures (goldens)
@pytest.mark.parametrize("stem", BIG)
def test_big_fixture_goldens(stem):
    g = golden(stem)
    if g is None:
        pytest.skip(f"tests/fixtures/goldens/{stem}.json not generated yet (scripts/make_goldens.py)")
    for setting, block in g["settings"].items():
        if not isinstance(block, dict) or "par_names" not in block:
            continue
        m = nextstat.from_pyhf(fixture_path(stem), modifier_settings=block["modifier_settings"])
        assert m.par_names == block["par_names"]
        data = np.asarray(block["observed_data"], dtype=float)
        init = np.asarray(block["suggested_init"], dtype=float)
        assert m.twice_nll(init, data) == pytest.approx(block["twice_nll_init"], rel=NLL_RTOL)
        np.testing.assert_allclose(m.expected_data(init), block["expected_data_init"], rtol=EXP_RTOL)
        for pt in block.get("random_points", []):
            assert m.twice_nll(pt["pars"], data) == pytest.approx(pt["twice_nll"], rel=NLL_RTOL)
        fit = block.get("fit", {})
        if "twice_nll" in fit and setting == "default":
            r = nextstat.fit(m, data, uncertainties=False)
            assert r.twice_nll <= float(fit["twice_nll"]) + FIT_SLACK
        hyp = block.get("hypotest_mu1", {})
        if "cls_obs" in hyp and setting == "default":
            h = nextstat.hypotest(1.0, m, data)
            assert h.cls_obs == pytest.approx(hyp["cls_obs"], rel=CLS_RTOL)
