#!/usr/bin/env python
"""Generate pyhf golden values for the NextStat parity tests.

For every workspace fixture tests/fixtures/<stem>.json (the malformed bad_*.json
are skipped) this runs pyhf 0.7.6 (numpy backend; scipy/SLSQP optimizer unless
noted) and writes tests/fixtures/goldens/<stem>.json with two blocks of values,
one per interpolation setting:

  "default"      pyhf 0.7 defaults: normsys code4, histosys code4p
  "code1_code0"  normsys code1, histosys code0 (older pyhf / ROOT validations)

Each block holds the model metadata, -2 log L at the suggested init and at three
seeded random points, expected data, fits (scipy, minuit with uncertainties,
fixed POI = 1), asymptotic hypotests (qtilde and q at mu = 1, q0 at mu = 0), a
profile likelihood scan and upper limits (toms748 and a linear grid scan).
The two big workspaces (workspace_tHu, tttt-prod_workspace) skip the most
expensive items; every skipped item is recorded as {"skipped": "<reason>"}.

Floats are written with full precision (json writes repr(float)); non-finite
values are written as the strings "inf", "-inf", "nan" (strict JSON).

Usage:
  .venv/bin/python scripts/make_goldens.py                    # all fixtures
  .venv/bin/python scripts/make_goldens.py --skip-slow        # not tHu / tttt
  .venv/bin/python scripts/make_goldens.py --only simple_workspace --only godrun_workspace
  .venv/bin/python scripts/make_goldens.py --out-dir /tmp/goldens
"""
import os

# Before numpy is imported: single-threaded BLAS for reproducible SLSQP results
# (and it is also faster for these problem sizes).
os.environ["OPENBLAS_NUM_THREADS"] = "1"

import argparse  # noqa: E402
import datetime  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402

import iminuit  # noqa: E402
import numpy as np  # noqa: E402
import pyhf  # noqa: E402
import scipy  # noqa: E402
import scipy.stats  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "tests", "fixtures")
DEFAULT_OUT = os.path.join(FIXTURES, "goldens")

# Workspaces where a single fit takes ~15-60 s and a hypotest ~1-3 min.
BIG = {"workspace_tHu", "tttt-prod_workspace"}
# POI points for the (reduced) profile scan of the big workspaces; None = skip.
BIG_SCAN = {"workspace_tHu": [0.0, 1.0, 2.0], "tttt-prod_workspace": None}
# In the code1_code0 block of the big workspaces, run the minuit fit only if
# the default block's minuit fit took less than this many seconds.
BIG_MINUIT_MAX_S = 60.0

SETTINGS = {
    "default": {"normsys": {"interpcode": "code4"}, "histosys": {"interpcode": "code4p"}},
    "code1_code0": {"normsys": {"interpcode": "code1"}, "histosys": {"interpcode": "code0"}},
}

RANDOM_POINTS_RULE = (
    "numpy.random.default_rng(1234 + k) for point k = 0, 1, 2; for every parameter in "
    "par_names order one draw is made: if init == 0: init + rng.uniform(-1.5, 1.5), else "
    "init * (1 + rng.uniform(-0.2, 0.2)); the value is clipped to suggested_bounds; "
    "parameters with suggested_fixed = true are then reset to init"
)

UL_LEVEL = 0.05
TOMS748_ATOL = 2e-12  # pyhf defaults of toms748_scan
TOMS748_RTOL = 1e-4


# --------------------------------------------------------------------------- helpers
def fl(x):
    """Scalar tensor / numpy scalar -> python float."""
    return float(np.asarray(x).reshape(-1)[0])


def flist(x):
    return [float(v) for v in np.asarray(x, dtype=float).reshape(-1)]


def strict(obj):
    """Recursively replace non-finite floats by strings so allow_nan=False works."""
    if isinstance(obj, float):
        if math.isnan(obj):
            return "nan"
        if math.isinf(obj):
            return "inf" if obj > 0 else "-inf"
        return obj
    if isinstance(obj, dict):
        return {k: strict(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [strict(v) for v in obj]
    return obj


def log(msg):
    print(f"[{datetime.datetime.now().strftime('%H:%M:%S')}] {msg}", flush=True)


class TeststatRecorder:
    """Capture (calculator, value) of AsymptoticCalculator.teststatistic calls.

    Only observes: the wrapped method is called unchanged, so hypotest results
    are exactly what pyhf returns.
    """

    def __init__(self):
        self.calls = []
        self._orig = None

    def __enter__(self):
        cls = pyhf.infer.calculators.AsymptoticCalculator
        self._orig = orig = cls.teststatistic
        calls = self.calls

        def wrapped(calc, poi_test):
            value = orig(calc, poi_test)
            calls.append((calc, value))
            return value

        cls.teststatistic = wrapped
        return self

    def __exit__(self, *exc):
        pyhf.infer.calculators.AsymptoticCalculator.teststatistic = self._orig
        return False


def teststat_details(recorder, test_stat, poi_index):
    """Observed test statistic q_obs and Asimov q_A from the recorded calculator.

    pyhf's AsymptoticCalculator returns a shifted statistic t:
      q, q0, and qtilde when sqrt(q) <= sqrt(q_A):  t = sqrt(q) - sqrt(q_A)
      qtilde otherwise:                             t = (q - q_A) / (2 sqrt(q_A))
    which is inverted here exactly.
    """
    if not recorder.calls:
        return {}
    calc, t = recorder.calls[-1]
    t = fl(t)
    sqrt_qa = fl(calc.sqrtqmuA_v)
    q_a = sqrt_qa**2
    if test_stat in ("q", "q0"):
        q_obs = (t + sqrt_qa) ** 2
    else:
        sqrt_q = t + sqrt_qa
        q_obs = sqrt_q**2 if sqrt_q <= sqrt_qa else t * 2 * sqrt_qa + q_a
    fp = calc.fitted_pars
    return {
        "teststat_asymptotic": t,
        "q_obs": q_obs,
        "q_asimov": q_a,
        "muhat": fl(np.asarray(fp.free_fit_to_data)[poi_index]),
        "muhat_asimov": fl(np.asarray(fp.free_fit_to_asimov)[poi_index]),
    }


# --------------------------------------------------------------------------- steps
class Block:
    """Values for one (workspace, modifier_settings) pair."""

    def __init__(self, ws, settings):
        pyhf.set_backend("numpy", "scipy")
        self.settings = settings
        self.model = ws.model(modifier_settings=settings)
        self.cfg = self.model.config
        self.data_list = [float(v) for v in ws.data(self.model)]
        self.data = pyhf.tensorlib.astensor(self.data_list)
        self.init = [float(v) for v in self.cfg.suggested_init()]
        self.bounds = [[float(a), float(b)] for a, b in self.cfg.suggested_bounds()]
        self.fixed = [bool(v) for v in self.cfg.suggested_fixed()]
        self.poi = self.cfg.poi_index
        self.out = {}
        self.timings = {}

    def twice_nll(self, pars):
        return -2.0 * fl(self.model.logpdf(pyhf.tensorlib.astensor(pars), self.data))

    def run(self, key, fn):
        log(f"  {key} ...")
        t0 = time.perf_counter()
        try:
            val = fn()
        except Exception as e:  # noqa: BLE001 - record and go on
            traceback.print_exc()
            val = {"error": f"{type(e).__name__}: {e}"}
        finally:
            pyhf.set_backend("numpy", "scipy")
        dt = time.perf_counter() - t0
        self.timings[key] = dt
        self.out[key] = val
        log(f"  {key} done in {dt:.2f}s")
        return val

    def skip(self, key, reason):
        self.out[key] = {"skipped": reason}

    # ---- cheap items
    def info(self):
        cfg = self.cfg
        self.out.update(
            {
                "modifier_settings": self.settings,
                "npars": int(cfg.npars),
                "par_names": list(cfg.par_names),
                "par_order": list(cfg.par_order),
                "poi_index": int(self.poi),
                "poi_name": cfg.poi_name,
                "suggested_init": self.init,
                "suggested_bounds": self.bounds,
                "suggested_fixed": self.fixed,
                "n_main": int(cfg.nmaindata),
                "channels": list(cfg.channels),
                "channel_nbins": {c: int(n) for c, n in cfg.channel_nbins.items()},
                "auxdata": [float(v) for v in cfg.auxdata],
                "observed_data": self.data_list,
            }
        )
        # pyhf: n_main = sum of channel_nbins over channels in model order
        assert self.out["n_main"] == sum(self.out["channel_nbins"].values())

    def at_init(self):
        t0 = time.perf_counter()
        self.out["twice_nll_init"] = self.twice_nll(self.init)
        self.out["expected_data_init"] = flist(
            self.model.expected_data(pyhf.tensorlib.astensor(self.init))
        )
        self.timings["init"] = time.perf_counter() - t0

    def random_points(self):
        pts = []
        for k in range(3):
            rng = np.random.default_rng(1234 + k)
            pars = []
            for x0, (lo, hi), fixed in zip(self.init, self.bounds, self.fixed):
                if x0 == 0.0:
                    v = x0 + rng.uniform(-1.5, 1.5)
                else:
                    v = x0 * (1.0 + rng.uniform(-0.2, 0.2))
                v = min(max(v, lo), hi)
                pars.append(float(x0 if fixed else v))
            pts.append(
                {
                    "pars": pars,
                    "twice_nll": self.twice_nll(pars),
                    "expected_data": flist(
                        self.model.expected_data(pyhf.tensorlib.astensor(pars))
                    ),
                }
            )
        return pts

    # ---- fits
    def fit_scipy(self):
        pars, twice_nll, res = pyhf.infer.mle.fit(
            self.data, self.model, return_fitted_val=True, return_result_obj=True
        )
        return {
            "twice_nll": fl(twice_nll),
            "bestfit": flist(pars),
            "optimizer": "scipy",
            "success": bool(res.success),
            "message": str(res.message),
        }

    def fit_minuit(self):
        pyhf.set_backend("numpy", "minuit")
        pars, twice_nll, res = pyhf.infer.mle.fit(
            self.data,
            self.model,
            return_uncertainties=True,
            return_fitted_val=True,
            return_result_obj=True,
        )
        pars = np.asarray(pars)
        return {
            "twice_nll": fl(twice_nll),
            "bestfit": flist(pars[:, 0]),
            "uncertainties": flist(pars[:, 1]),
            "optimizer": "minuit",
            "success": bool(res.success),
        }

    def fixed_poi(self, mu):
        pars, twice_nll = pyhf.infer.mle.fixed_poi_fit(
            mu, self.data, self.model, return_fitted_val=True
        )
        return fl(twice_nll), flist(pars)

    def fit_fixed_poi_mu1(self):
        twice_nll, pars = self.fixed_poi(1.0)
        return {"poi_value": 1.0, "twice_nll": twice_nll, "bestfit": pars, "optimizer": "scipy"}

    # ---- hypotests
    def hypotest_mu1(self, test_stat):
        with TeststatRecorder() as rec:
            cls_obs, (clsb_obs, clb_obs), cls_exp = pyhf.infer.hypotest(
                1.0,
                self.data,
                self.model,
                test_stat=test_stat,
                return_expected_set=True,
                return_tail_probs=True,
            )
        d = {
            "poi_value": 1.0,
            "test_stat": test_stat,
            "calctype": "asymptotics",
            "cls_obs": fl(cls_obs),
            "cls_exp": [fl(v) for v in cls_exp],
            "cls_exp_order": "[-2sigma, -1sigma, median, +1sigma, +2sigma]",
            "clsb_obs": fl(clsb_obs),
            "clb_obs": fl(clb_obs),
        }
        d.update(teststat_details(rec, test_stat, self.poi))
        return d

    def significance(self):
        with TeststatRecorder() as rec:
            p0_obs, p0_exp = pyhf.infer.hypotest(
                0.0, self.data, self.model, test_stat="q0", return_expected=True
            )
        p0_obs, p0_exp = fl(p0_obs), fl(p0_exp)
        d = {
            "poi_value": 0.0,
            "test_stat": "q0",
            "p0_obs": p0_obs,
            "p0_exp": p0_exp,
            "z_obs": float(scipy.stats.norm.isf(p0_obs)),
            "z_exp": float(scipy.stats.norm.isf(p0_exp)),
        }
        d.update(teststat_details(rec, "q0", self.poi))
        return d

    # ---- scans and limits
    def scan(self, mus):
        fit = self.out.get("fit", {})
        if "twice_nll" not in fit:
            raise RuntimeError("global fit missing")
        nll0 = fit["twice_nll"]
        fixed, dnll = [], []
        for mu in mus:
            twice_nll, _ = self.fixed_poi(float(mu))
            fixed.append(twice_nll)
            dnll.append(twice_nll - nll0)
        return {
            "mus": [float(m) for m in mus],
            "twice_delta_nll": dnll,
            "twice_nll_fixed": fixed,
            "twice_nll_global": nll0,
            "note": "twice_delta_nll = twice_nll(fixed_poi_fit(mu)) - fit.twice_nll; "
            "scipy, suggested init/bounds for every point (no warm start)",
        }

    def ul_upper_bound(self):
        """Upper end of the POI range for the limits: min(5, POI upper bound),
        doubled (capped at the POI upper bound) until the observed and all five
        expected CLs are below the level there (pyhf's toms748_scan rule)."""
        poi_ub = self.bounds[self.poi][1]
        hi = min(5.0, poi_ub)
        while True:
            obs, exp = pyhf.infer.hypotest(
                hi, self.data, self.model, test_stat="qtilde", return_expected_set=True
            )
            vals = [fl(obs)] + [fl(e) for e in exp]
            if all(v < UL_LEVEL for v in vals) or hi >= poi_ub:
                return hi
            hi = min(2.0 * hi, poi_ub)

    def upper_limit_toms748(self, hi):
        obs, exp, (mus, _) = pyhf.infer.intervals.upper_limits.toms748_scan(
            self.data,
            self.model,
            0.0,
            hi,
            level=UL_LEVEL,
            atol=TOMS748_ATOL,
            rtol=TOMS748_RTOL,
            from_upper_limit_fn=True,
        )
        return {
            "method": "toms748",
            "test_stat": "qtilde",
            "level": UL_LEVEL,
            "bounds": [0.0, hi],
            "atol": TOMS748_ATOL,
            "rtol": TOMS748_RTOL,
            "tolerances_note": "pyhf defaults of toms748_scan (atol=2e-12, rtol=1e-4)",
            "obs": fl(obs),
            "exp": [fl(e) for e in exp],
            "n_hypotests": len(mus),
            "evaluated_mus": [fl(m) for m in mus],
        }

    def upper_limit_scan(self, hi):
        scan = np.linspace(0.0, hi, 21)
        obs, exp, (_, results) = pyhf.infer.intervals.upper_limits.upper_limit(
            self.data, self.model, scan=scan, level=UL_LEVEL, return_results=True
        )
        return {
            "method": "linear_grid_scan (upper_limit with scan=np.linspace(0, hi, 21))",
            "test_stat": "qtilde",
            "level": UL_LEVEL,
            "scan": flist(scan),
            "obs": fl(obs),
            "exp": [fl(e) for e in exp],
            "cls_obs": [fl(r[0]) for r in results],
            "cls_exp": [[fl(e) for e in r[1]] for r in results],
        }


def make_block(ws, stem, name, default_block_timings=None):
    big = stem in BIG
    full = (not big) or name == "default"
    log(f"{stem} [{name}]")
    b = Block(ws, SETTINGS[name])
    b.info()
    b.at_init()
    b.run("random_points", b.random_points)
    b.out["random_points_rule"] = RANDOM_POINTS_RULE
    b.run("fit", b.fit_scipy)

    if big and name != "default":
        t_minuit = (default_block_timings or {}).get("fit_minuit")
        if t_minuit is not None and t_minuit < BIG_MINUIT_MAX_S:
            b.run("fit_minuit", b.fit_minuit)
        else:
            took = "unknown" if t_minuit is None else f"{t_minuit:.0f}s"
            b.skip(
                "fit_minuit",
                f"big workspace: minuit fit took {took} in the default block "
                f"(> {BIG_MINUIT_MAX_S:.0f}s budget for non-default settings)",
            )
    else:
        b.run("fit_minuit", b.fit_minuit)

    if not full:
        reason = "big workspace: only cheap items are computed for non-default settings"
        for key in ("fit_fixed_poi_mu1", "hypotest_mu1", "hypotest_q_mu1", "significance",
                    "scan", "upper_limit", "upper_limit_scan"):
            b.skip(key, reason)
    else:
        b.run("fit_fixed_poi_mu1", b.fit_fixed_poi_mu1)
        b.run("hypotest_mu1", lambda: b.hypotest_mu1("qtilde"))
        b.run("hypotest_q_mu1", lambda: b.hypotest_mu1("q"))
        b.run("significance", b.significance)
        if big:
            mus = BIG_SCAN.get(stem)
            if mus:
                sc = b.run("scan", lambda: b.scan(mus))
                if "note" in sc:
                    sc["note"] += "; big workspace: reduced to 3 points"
            else:
                b.skip("scan", "big workspace: a fixed-POI fit takes ~1 min; scan skipped")
            reason = ("big workspace: a hypotest takes 1-3 min, a limit needs 10-20 of them; "
                      "skipped")
            b.skip("upper_limit", reason)
            b.skip("upper_limit_scan", reason)
        else:
            poi_ub = b.bounds[b.poi][1]
            b.run("scan", lambda: b.scan(np.linspace(0.0, min(5.0, poi_ub), 11)))
            hi = b.run("ul_upper_bound", b.ul_upper_bound)
            del b.out["ul_upper_bound"]
            if isinstance(hi, dict):  # error
                b.out["upper_limit"] = b.out["upper_limit_scan"] = hi
            else:
                b.run("upper_limit", lambda: b.upper_limit_toms748(hi))
                b.run("upper_limit_scan", lambda: b.upper_limit_scan(hi))
    b.out["timings_s"] = b.timings
    return b.out


def process(stem, out_dir):
    path = os.path.join(FIXTURES, f"{stem}.json")
    with open(path) as fh:
        spec = json.load(fh)
    ws = pyhf.Workspace(spec)
    t0 = time.perf_counter()
    doc = {
        "generator": "scripts/make_goldens.py",
        "pyhf_version": pyhf.__version__,
        "numpy_version": np.__version__,
        "scipy_version": scipy.__version__,
        "iminuit_version": iminuit.__version__,
        "python_version": platform.python_version(),
        "env": {"OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS")},
        "date_utc": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "workspace": f"{stem}.json",
        "measurement": ws.get_measurement()["name"],
        "backend": "pyhf numpy backend, float64; scipy (SLSQP) optimizer unless a block says "
        "otherwise; pyhf default init/bounds/fixed everywhere",
        "settings": {},
    }
    out_path = os.path.join(out_dir, f"{stem}.json")

    def write(complete):
        doc["complete"] = complete
        doc["total_s"] = time.perf_counter() - t0
        tmp = out_path + ".part"
        with open(tmp, "w") as fh:
            json.dump(strict(doc), fh, indent=1, allow_nan=False)
            fh.write("\n")
        os.replace(tmp, out_path)

    default_timings = None
    for name in SETTINGS:
        doc["settings"][name] = make_block(ws, stem, name, default_timings)
        if name == "default":
            default_timings = doc["settings"][name]["timings_s"]
        write(complete=False)
    write(complete=True)
    log(f"{stem}: wrote {out_path} in {doc['total_s']:.1f}s")


def all_stems():
    return sorted(
        f[:-5]
        for f in os.listdir(FIXTURES)
        if f.endswith(".json") and not f.startswith("bad_")
    )


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", action="append", metavar="STEM",
                    help="fixture stem to process (repeatable), e.g. simple_workspace")
    ap.add_argument("--skip-slow", action="store_true",
                    help="skip the big workspaces (%s)" % ", ".join(sorted(BIG)))
    ap.add_argument("--out-dir", default=DEFAULT_OUT)
    args = ap.parse_args()

    stems = all_stems()
    if args.only:
        unknown = [s for s in args.only if s not in stems]
        if unknown:
            ap.error(f"unknown fixture(s) {unknown}; known: {stems}")
        stems = [s for s in stems if s in args.only]
    if args.skip_slow:
        stems = [s for s in stems if s not in BIG]
    # small ones first
    stems.sort(key=lambda s: (s in BIG, s))
    os.makedirs(args.out_dir, exist_ok=True)
    log(f"pyhf {pyhf.__version__}, numpy {np.__version__}, scipy {scipy.__version__}, "
        f"iminuit {iminuit.__version__}; workspaces: {stems}")
    for stem in stems:
        process(stem, args.out_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
