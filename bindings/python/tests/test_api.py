"""The Python API: conversions, result objects, errors, threads, Ctrl-C."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import nextstat
from conftest import HERE, fixture_path


@pytest.fixture(scope="module")
def model():
    return nextstat.from_pyhf(fixture_path("complex_workspace"))


def test_model_metadata(model):
    assert model.poi_name == "mu" and model.par_names[model.poi_index] == "mu"
    assert model.par_slice("shapefactor_CR") == (4, 6)
    assert model.par_index("staterror_SR[1]") == 7
    assert model.channels == ["CR", "SR"] and model.channel_nbins == {"CR": 2, "SR": 2}
    assert model.suggested_bounds().shape == (model.n_params, 2)
    assert model.data.shape == (model.n_main + model.n_aux,)
    assert model.modifier_settings == {"normsys": {"interpcode": "code4"}, "histosys": {"interpcode": "code4p"}}
    assert "n_params=8" in repr(model)


def test_nll_inputs_equivalent(model):
    x = model.suggested_init()
    ref = model.nll(x)
    assert model.nll(list(x)) == ref
    assert model.nll(tuple(x)) == ref
    assert model.nll(x.astype(np.float32).astype(np.float64)) == ref
    strided = np.repeat(x, 2)[::2]
    assert not strided.flags.c_contiguous
    assert model.nll(strided) == ref
    assert model.nll(x, model.data) == ref
    with pytest.raises(nextstat.NextStatError, match="auxdata"):  # pyhf's layout, whole
        model.nll(x, model.data[: model.n_main])
    assert model.logpdf(x) == -ref and model.twice_nll(x) == 2 * ref
    v, g = model.nll_grad(x)
    assert v == ref and g.shape == (model.n_params,)
    # data cache: a different dataset must not reuse the previous one
    d2 = model.data.copy()
    d2[0] += 5
    assert model.nll(x, d2) != ref and model.nll(x, model.data) == ref


def test_errors(model, tmp_path):
    x = model.suggested_init()
    with pytest.raises(nextstat.InvalidPdfParameters, match="expected 8 values, got 3"):
        model.nll(x[:3])
    with pytest.raises(nextstat.InvalidPdfData):
        model.nll(x, [1.0, 2.0])
    with pytest.raises(nextstat.InvalidPdfParameters):
        model.nll("abc")
    bad = fixture_path("bad_sample_length_mismatch")
    with pytest.raises(nextstat.InvalidSpecification) as e:
        nextstat.from_pyhf(bad)
    assert "bad_sample_length_mismatch.json" in str(e.value) and "channel" in str(e.value)
    with pytest.raises(nextstat.InvalidSpecification, match=r"channels\[0\]"):
        nextstat.from_pyhf('{"channels": [{"name": 3}], "observations": [], "measurements": []}')
    with pytest.raises(nextstat.InvalidWorkspaceFile):
        nextstat.from_pyhf(tmp_path / "missing.json")
    with pytest.raises(nextstat.InvalidMeasurement, match="no measurement named"):
        nextstat.from_pyhf(fixture_path("complex_workspace"), measurement="nope")
    with pytest.raises(nextstat.InvalidInterpCode):
        nextstat.from_pyhf(fixture_path("complex_workspace"), modifier_settings={"normsys": {"interpcode": "code9"}})
    with pytest.raises(nextstat.InvalidInterpCode):
        nextstat.from_pyhf(fixture_path("complex_workspace"), modifier_settings={"histosys": {"interpcode": "code1"}})
    with pytest.raises(nextstat.InvalidPdfParameters, match="unknown parameter"):
        nextstat.fit(model, fixed={"nope": 1.0})
    with pytest.raises(nextstat.InvalidArgument, match="test statistic"):
        nextstat.hypotest(1.0, model, test_stat="qq")
    with pytest.raises(nextstat.InvalidArgument, match="calctype"):
        nextstat.hypotest(1.0, model, calctype="bayes")
    for cls in (nextstat.InvalidSpecification, nextstat.FailedMinimization, nextstat.InvalidPdfData):
        assert issubclass(cls, nextstat.NextStatError)


def test_failed_minimization_carries_result(model):
    # the fixture's fit cannot converge in one evaluation... use an absurd bound instead:
    # pin every parameter but mu and start at a non-finite point -> non_finite_start
    x = model.suggested_init()
    x[model.par_index("staterror_SR[0]")] = 0.0
    fixed = {"staterror_SR[0]": 0.0}
    try:
        r = nextstat.fit(model, init=x, fixed=fixed)
    except nextstat.FailedMinimization as e:
        assert e.result is not None and not e.result.converged
        r2 = nextstat.fit(model, init=x, fixed=fixed, strict=False)
        assert r2.status == e.result.status
    else:  # pragma: no cover - the kernel may treat gamma=0 as finite
        assert r.converged


def test_fit_options(model):
    r = nextstat.fit(model)
    assert r.converged and r.covariance.shape == (8, 8)
    c = r.correlation
    np.testing.assert_allclose(np.diag(c), 1.0)
    assert np.all(np.abs(c) <= 1 + 1e-12)
    np.testing.assert_allclose(r.uncertainties, np.sqrt(np.diag(r.covariance)), rtol=1e-12)
    d = r.to_dict()
    json.dumps(d)
    assert d["twice_nll"] == r.twice_nll and d["status"] == r.status
    assert "FitResult(status=" in repr(r)
    r1 = nextstat.fit_fixed_poi(model, 1.0)
    assert r1.bestfit[model.poi_index] == 1.0 and r1.twice_nll >= r.twice_nll
    r2 = nextstat.fit(model, fixed={"mu": 1.0})
    assert r2.twice_nll == pytest.approx(r1.twice_nll, abs=1e-9)
    mask = [False] * model.n_params
    mask[model.poi_index] = True
    init = model.suggested_init()
    r3 = nextstat.fit(model, fixed=mask, init=init)  # pyhf-style fixed_params, held at init (mu=1)
    assert r3.twice_nll == pytest.approx(r1.twice_nll, abs=1e-9)
    b = model.suggested_bounds()
    b[model.poi_index] = (0.0, 0.5)
    r4 = nextstat.fit(model, bounds=b)
    assert r4.bestfit[model.poi_index] <= 0.5
    assert r.uncertainties[model.poi_index] > 0
    assert nextstat.fit(model, uncertainties=False).covariance is None


def test_inference_results(model):
    h = nextstat.hypotest(1.0, model)
    assert isinstance(h, nextstat.HypotestResult) and h.cls_exp.shape == (5,)
    assert h.clsb_obs / h.clb_obs == pytest.approx(h.cls_obs, rel=1e-12)
    json.dumps(h.to_dict())
    ul = nextstat.upper_limit(model, bracket=(0.0, 5.0))
    assert ul.method == "toms748" and ul.exp_limits.shape == (5,)
    json.dumps(ul.to_dict())
    s = nextstat.significance(model)
    json.dumps(s.to_dict())
    sc = nextstat.scan(model, [0.0, 1.0, 2.0])
    assert sc.bestfit.shape == (3, model.n_params) and len(sc.status) == 3
    json.dumps(sc.to_dict())
    rk = nextstat.ranking(model)
    assert len(rk) == model.n_params - 1
    json.dumps(rk.to_dict())
    imp = np.abs(rk.impact_up) + np.abs(rk.impact_down)
    assert np.all(np.diff(imp) <= 1e-15)


def test_toys_deterministic_across_threads(model):
    a = nextstat.hypotest(1.0, model, calctype="toybased", ntoys=60, seed=7, threads=1)
    b = nextstat.hypotest(1.0, model, calctype="toybased", ntoys=60, seed=7, threads=2)
    c = nextstat.hypotest(1.0, model, calctype="toybased", ntoys=60, seed=8, threads=2)
    assert isinstance(a, nextstat.ToyHypotestResult)
    np.testing.assert_array_equal(a.sb_test_stats, b.sb_test_stats)
    np.testing.assert_array_equal(a.b_test_stats, b.b_test_stats)
    assert a.cls_obs == b.cls_obs
    assert not np.array_equal(a.b_test_stats, c.b_test_stats)
    json.dumps(a.to_dict())


def test_gil_released_during_fit():
    """Two fits in two Python threads overlap (GIL released in Rust)."""
    import threading

    m = nextstat.from_pyhf(fixture_path("godrun_workspace"))
    counter = {"ticks": 0}
    stop = threading.Event()

    def tick():
        while not stop.is_set():
            counter["ticks"] += 1
            time.sleep(0.0005)

    t = threading.Thread(target=tick)
    t.start()
    t0 = time.perf_counter()
    nextstat.hypotest(1.0, m, calctype="toybased", ntoys=150, seed=1, threads=1)
    dt = time.perf_counter() - t0
    stop.set()
    t.join()
    # the ticker kept running while Rust worked: at least a quarter of the possible ticks
    assert counter["ticks"] > 0.25 * dt / 0.0006


def test_ctrl_c_interrupts_toys():
    code = (
        "import sys, time, nextstat\n"
        f"sys.path.insert(0, {HERE!r})\n"
        "from conftest import fixture_path\n"
        "m = nextstat.from_pyhf(fixture_path('godrun_workspace'))\n"
        "print('ready', flush=True)\n"
        "t0 = time.perf_counter()\n"
        "try:\n"
        "    nextstat.hypotest(1.0, m, calctype='toybased', ntoys=1000000, seed=1)\n"
        "except KeyboardInterrupt:\n"
        "    print('interrupted %.3f' % (time.perf_counter() - t0), flush=True)\n"
        "    sys.exit(7)\n"
    )
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "ready"
    time.sleep(1.0)
    t_sig = time.perf_counter()
    p.send_signal(signal.SIGINT)
    out, _ = p.communicate(timeout=30)
    assert p.returncode == 7, out
    assert "interrupted" in out
    assert time.perf_counter() - t_sig < 10


def test_simplemodels_and_workspace():
    m = nextstat.simplemodels.uncorrelated_background([5.0, 10.0], [50.0, 60.0], [5.0, 12.0])
    assert m.par_names == ["mu", "uncorr_bkguncrt[0]", "uncorr_bkguncrt[1]"]
    ws = nextstat.Workspace(fixture_path("complex_workspace"))
    assert ws.channels == ["SR", "CR"] or set(ws.channels) == {"SR", "CR"}
    mm = ws.model()
    np.testing.assert_array_equal(ws.data(mm), mm.data)
    assert ws.data(mm, include_auxdata=False).shape == (mm.n_main,)
    assert os.fspath(fixture_path("complex_workspace")) in repr(ws)


def test_stubs_cover_core():
    """Every public name of the compiled core is declared in _core.pyi."""
    import ast

    import nextstat._core as core

    pyi = os.path.join(os.path.dirname(nextstat.__file__), "_core.pyi")
    tree = ast.parse(open(pyi).read())
    declared = {n.name for n in tree.body if isinstance(n, (ast.ClassDef, ast.FunctionDef))}
    public = {n for n in dir(core) if not n.startswith("_")}
    assert public <= declared, public - declared
    assert os.path.exists(os.path.join(os.path.dirname(nextstat.__file__), "py.typed"))


@pytest.mark.parametrize("poi_bounds", [(0.0, 10.0), (-10.0, 10.0)])
def test_q0_follows_pyhf(poi_bounds):
    """q0 as pyhf's hypotest: p0 = CLs+b and its band in CLs's place, CLb as the tail."""
    import pyhf

    pyhf.set_backend("numpy", pyhf.optimize.scipy_optimizer(tolerance=1e-14, maxiter=100000))
    spec = json.load(open(os.path.join(HERE, "..", "..", "..", "tests", "fixtures", "corpus",
                                       "1bin_shapesys_q0.json")))
    ws = pyhf.Workspace(spec)
    pm = ws.model()
    d = ws.data(pm)
    bounds = [list(b) for b in pm.config.suggested_bounds()]
    bounds[pm.config.poi_index] = list(poi_bounds)
    p0, (clb,), band = pyhf.infer.hypotest(0.0, d, pm, par_bounds=bounds, test_stat="q0",
                                           return_tail_probs=True, return_expected_set=True)
    model = nextstat.from_pyhf(spec)
    b = np.array(model.suggested_bounds(), dtype=float)
    b[model.poi_index] = poi_bounds
    h = nextstat.hypotest(0.0, model, test_stat="q0", bounds=b)
    assert h.cls_obs == h.clsb_obs
    assert h.cls_obs == pytest.approx(float(p0), rel=1e-6)
    assert h.clb_obs == pytest.approx(float(clb), rel=1e-6)
    np.testing.assert_allclose(h.cls_exp, np.array(band, dtype=float), rtol=1e-6)
