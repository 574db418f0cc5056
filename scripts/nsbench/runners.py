"""Runners: pyhf in-process, NextStat via its Python package or its CLI.

Every NextStat method returns ``(value, code_path)``; ``code_path`` names the
exact route (``python:nextstat.fit``, ``cli:nextstat fit --json``), so a report
can say how each number was obtained. A route that does not exist raises
:class:`NotAvailable` with the reason (it is reported, never silently skipped).

pyhf runs with the numpy backend and the scipy optimizer; the caller must set
``OPENBLAS_NUM_THREADS=1`` before numpy is first imported (validate.py does).
"""

from __future__ import annotations

import json
import math
import os
import re
import statistics
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURE_DIR = ROOT / "tests" / "fixtures"
GOLDEN_DIR = FIXTURE_DIR / "goldens"

# (short name, file stem): the fixtures every report covers.
FIXTURES = [
    ("simple", "simple_workspace"),
    ("two_channel", "two_channel_workspace"),
    ("complex", "complex_workspace"),
    ("godrun", "godrun_workspace"),
    ("tHu", "workspace_tHu"),
    ("tttt", "tttt-prod_workspace"),
]
UL_LEVEL = 0.05
TOMS748_ATOL = 2e-12  # pyhf's toms748_scan defaults
TOMS748_RTOL = 1e-4
# pyhf optimizer settings for converged fits (as scripts/make_infer_goldens.py).
CONVERGED_SLSQP = {"tolerance": 1e-14, "maxiter": 100000}
CONVERGED_LABEL = "scipy SLSQP tolerance=1e-14, maxiter=100000 (converged fits)"


class NotAvailable(Exception):
    """The requested code path does not exist (yet): the reason is reported."""


# ----------------------------------------------------------------------- timing
def time_call(fn, repeats=5, min_batch_s=0.02, budget_s=10.0, max_inner=100_000):
    """Call ``fn`` and time it: the median over ``repeats`` batches of the time
    per call, where a batch repeats fast calls until it lasts ``min_batch_s``
    (so sub-millisecond timings average over many calls). The first call is a
    warm-up and returns the result, unless it is slow (≥ 1 s), in which case it
    counts as a measurement. ``budget_s`` caps the time spent on repeats.

    Returns ``(result, {"median_s", "n_calls", "repeats", "inner", "samples_s"})``.
    """
    t0 = time.perf_counter()
    result = fn()
    first = time.perf_counter() - t0
    samples = []
    if first >= 1.0:
        samples.append(first)
        extra = min(repeats - 1, int(budget_s / first) - 1)
        for _ in range(max(0, extra)):
            t0 = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - t0)
        inner = 1
    else:
        # Calibrate (the warm-up call may include one-off work such as a cache fill):
        # grow the batch until it lasts min_batch_s; the last calibration batch is a sample.
        inner = 1
        while True:
            t0 = time.perf_counter()
            for _ in range(inner):
                fn()
            dt = time.perf_counter() - t0
            if dt >= min_batch_s or inner >= max_inner:
                break
            inner = min(max_inner, max(2 * inner, math.ceil(1.2 * inner * min_batch_s / max(dt, 1e-9))))
        samples.append(dt / inner)
        reps = max(1, min(repeats, int(budget_s / max(dt, 1e-9))))
        for _ in range(reps - 1):
            t0 = time.perf_counter()
            for _ in range(inner):
                fn()
            samples.append((time.perf_counter() - t0) / inner)
    return result, {"median_s": statistics.median(samples), "n_calls": len(samples) * inner,
                    "repeats": len(samples), "inner": inner, "samples_s": samples}


# ----------------------------------------------------------------------- goldens
def load_golden(stem: str):
    """The default-settings block of tests/fixtures/goldens/<stem>.json, and
    how to name it in a report (with 'untracked' when git does not know it)."""
    path = GOLDEN_DIR / f"{stem}.json"
    if not path.exists():
        return None, None
    with open(path) as fh:
        doc = json.load(fh)
    tracked = subprocess.run(["git", "ls-files", "--error-unmatch", str(path.relative_to(ROOT))],
                             cwd=ROOT, capture_output=True).returncode == 0
    name = f"golden file {path.relative_to(ROOT)} (pyhf {doc.get('pyhf_version')}"
    name += ")" if tracked else ", untracked: not reproducible from this commit)"
    block = doc.get("settings", {}).get("default")
    if block is not None and not doc.get("complete", True):
        name += " [incomplete file]"
    return block, name


def load_infer_golden(stem: str):
    """The default block of tests/fixtures/goldens/infer/<stem>.json (pyhf
    with converged fits, scripts/make_infer_goldens.py), when it exists."""
    path = GOLDEN_DIR / "infer" / f"{stem}.json"
    if not path.exists():
        return None, None
    with open(path) as fh:
        doc = json.load(fh)
    tracked = subprocess.run(["git", "ls-files", "--error-unmatch", str(path.relative_to(ROOT))],
                             cwd=ROOT, capture_output=True).returncode == 0
    name = f"golden file {path.relative_to(ROOT)} (pyhf {doc.get('pyhf_version')}, converged fits"
    name += ")" if tracked else ", untracked: not reproducible from this commit)"
    return doc.get("settings", {}).get("default"), name


def golden_item(block, key):
    """A golden item, or raise NotAvailable naming why it is missing."""
    if block is None:
        raise NotAvailable("no golden file")
    v = block.get(key)
    if v is None:
        raise NotAvailable(f"golden has no '{key}'")
    if isinstance(v, dict) and "skipped" in v:
        raise NotAvailable(f"golden skipped '{key}': {v['skipped']}")
    if isinstance(v, dict) and "error" in v:
        raise NotAvailable(f"golden recorded an error for '{key}': {v['error']}")
    return v


def num(v):
    """Golden numbers: strings 'inf'/'-inf'/'nan' back to floats."""
    if isinstance(v, str):
        return float(v)
    if isinstance(v, list):
        return [num(x) for x in v]
    return v


# ----------------------------------------------------------------------- pyhf
class PyhfRunner:
    """pyhf 0.7 in-process: numpy backend, scipy (SLSQP) optimizer, default settings."""

    code_path = "pyhf in-process (numpy backend, scipy optimizer, OPENBLAS_NUM_THREADS={})"

    def __init__(self, stem: str):
        import numpy as np
        import pyhf

        self.np, self.pyhf = np, pyhf
        pyhf.set_backend("numpy", "scipy")
        with open(FIXTURE_DIR / f"{stem}.json") as fh:
            self.ws = pyhf.Workspace(json.load(fh))
        self.model = self.ws.model()
        self.data = np.asarray(self.ws.data(self.model), dtype=float)
        self.init = np.asarray(self.model.config.suggested_init(), dtype=float)
        self.poi = self.model.config.poi_index
        self.path = self.code_path.format(os.environ.get("OPENBLAS_NUM_THREADS"))

    def twice_nll(self, pars):
        return -2.0 * float(self.model.logpdf(self.np.asarray(pars, dtype=float), self.data)[0])

    def expected_data(self, pars):
        return [float(v) for v in self.model.expected_data(self.np.asarray(pars, dtype=float))]

    def fit(self):
        pars, twice_nll = self.pyhf.infer.mle.fit(self.data, self.model, return_fitted_val=True)
        pars = [float(v) for v in pars]
        return {"twice_nll": float(twice_nll), "bestfit": pars, "poi_hat": pars[self.poi]}

    def hypotest(self, mu=1.0, test_stat="qtilde", converged=False):
        """Asymptotic CLs. ``converged``: with scipy SLSQP at tolerance 1e-14
        (pyhf's default SLSQP stops 1e-6..1e-5 above the minima in 2NLL, which
        moves CLs by up to ~1e-5 relative: too loose for a 1e-6 parity check)."""
        if converged:
            self.pyhf.set_backend("numpy", self.pyhf.optimize.scipy_optimizer(**CONVERGED_SLSQP))
        try:
            obs, exp = self.pyhf.infer.hypotest(mu, self.data, self.model, test_stat=test_stat,
                                                return_expected_set=True)
        finally:
            if converged:
                self.pyhf.set_backend("numpy", "scipy")
        return {"cls_obs": float(obs), "cls_exp": [float(e) for e in exp]}

    def ul_bracket(self):
        """pyhf toms748_scan's rule (as make_goldens.py): hi = min(5, POI upper
        bound), doubled until the observed and all expected CLs are below the level."""
        poi_ub = float(self.model.config.suggested_bounds()[self.poi][1])
        hi = min(5.0, poi_ub)
        while True:
            r = self.hypotest(hi)
            if all(v < UL_LEVEL for v in [r["cls_obs"], *r["cls_exp"]]) or hi >= poi_ub:
                return [0.0, hi]
            hi = min(2.0 * hi, poi_ub)

    def upper_limit(self, lo, hi):
        obs, exp = self.pyhf.infer.intervals.upper_limits.toms748_scan(
            self.data, self.model, lo, hi, level=UL_LEVEL, atol=TOMS748_ATOL, rtol=TOMS748_RTOL)
        return {"obs": float(obs), "exp": [float(e) for e in exp]}

    def toys_fixed_cost(self, mu):
        """The fits pyhf's toy calculator makes once, outside the toy loop:
        the two generating fits (fixed POI at mu and at 0) and the observed
        qtilde (a free and a fixed-POI fit)."""
        fit, fixed = self.pyhf.infer.mle.fit, self.pyhf.infer.mle.fixed_poi_fit
        fixed(mu, self.data, self.model)
        fixed(0.0, self.data, self.model)
        fit(self.data, self.model)
        fixed(mu, self.data, self.model)

    def hypotest_toys(self, mu, ntoys, seed):
        self.np.random.seed(seed)
        obs, exp = self.pyhf.infer.hypotest(mu, self.data, self.model, test_stat="qtilde", calctype="toybased",
                                            ntoys=ntoys, return_expected_set=True, track_progress=False)
        return {"cls_obs": float(obs), "cls_exp": [float(e) for e in exp]}


# ----------------------------------------------------------------------- NextStat: Python package
class NextStatPython:
    """The ``nextstat`` Python package (bindings/python), when importable."""

    kind = "python"

    def __init__(self):
        import nextstat  # noqa: F401  (ImportError -> not available)

        self.ns = nextstat
        self.version = getattr(nextstat, "__version__", None)
        self._models = {}

    def _model(self, stem):
        if stem not in self._models:
            Model = getattr(self.ns, "Model", None)
            if Model is not None and hasattr(Model, "from_path"):
                self._models[stem] = Model.from_path(str(FIXTURE_DIR / f"{stem}.json"))
            elif hasattr(self.ns, "Workspace"):
                self._models[stem] = self.ns.Workspace(str(FIXTURE_DIR / f"{stem}.json")).model()
            else:
                raise NotAvailable("nextstat package has neither Model.from_path nor Workspace")
        return self._models[stem]

    def _need(self, obj, name):
        f = getattr(obj, name, None)
        if f is None:
            raise NotAvailable(f"nextstat package has no '{name}'")
        return f

    def info(self, stem):
        m = self._model(stem)
        return {"init": [float(v) for v in m.suggested_init()], "poi_index": m.poi_index()
                if callable(getattr(m, "poi_index", None)) else m.poi_index}

    def twice_nll(self, stem, pars):
        m = self._model(stem)
        return float(self._need(m, "twice_nll")(pars)), "python:nextstat.Model.twice_nll"

    def expected_data(self, stem, pars):
        m = self._model(stem)
        return [float(v) for v in self._need(m, "expected_data")(pars)], "python:nextstat.Model.expected_data"

    def fit(self, stem):
        # Like pyhf.infer.mle.fit with scipy: no uncertainties (no Hessian).
        r = self._need(self.ns, "fit")(self._model(stem), uncertainties=False)
        best = [float(v) for v in r.bestfit]
        poi = self.info(stem)["poi_index"]
        return ({"twice_nll": float(r.twice_nll), "bestfit": best,
                 "poi_hat": best[poi] if poi is not None else None}, "python:nextstat.fit(uncertainties=False)")

    def hypotest(self, stem, mu=1.0, test_stat="qtilde"):
        r = self._need(self.ns, "hypotest")(mu, self._model(stem), test_stat=test_stat)
        return ({"cls_obs": float(r.cls_obs), "cls_exp": [float(e) for e in r.cls_exp]},
                "python:nextstat.hypotest(calctype='asymptotics')")

    def upper_limit(self, stem, lo, hi):
        # threads=None: the default pool. TOMS748 runs its hypotests one after the
        # other, so this is single-threaded work; threads=1 would build a new
        # rayon pool per call (0.4-2 ms, more than the whole limit on small models).
        r = self._need(self.ns, "upper_limit")(self._model(stem), bracket=(lo, hi), level=UL_LEVEL,
                                              atol=TOMS748_ATOL, rtol=TOMS748_RTOL)
        return ({"obs": float(r.obs_limit), "exp": [float(e) for e in r.exp_limits]},
                "python:nextstat.upper_limit(bracket, toms748; sequential hypotests, default pool)")

    def hypotest_toys(self, stem, mu, ntoys, seed, threads):
        r = self._need(self.ns, "hypotest")(mu, self._model(stem), test_stat="qtilde", calctype="toybased",
                                           ntoys=ntoys, seed=seed, threads=threads)
        extra = {}
        for k in ("n_failed_toys", "q_obs", "failed_fits", "warning"):
            if hasattr(r, k):
                v = getattr(r, k)
                extra[k] = list(v) if isinstance(v, tuple) else v
        return ({"cls_obs": float(r.cls_obs), "cls_exp": [float(e) for e in r.cls_exp], **extra},
                f"python:nextstat.hypotest(calctype='toybased', threads={threads})")


# ----------------------------------------------------------------------- NextStat: CLI
def find_cli(explicit=None, build=True):
    """The nextstat binary: explicit path, else target/ci, else target/release;
    if none exists and ``build``, ``cargo build --profile ci -p ns-cli``."""
    if explicit:
        p = Path(explicit)
        if not p.exists():
            raise NotAvailable(f"--nextstat-bin {explicit} does not exist")
        return p.resolve()
    for prof in ("ci", "release"):
        p = ROOT / "target" / prof / "nextstat"
        if p.exists():
            return p
    if build:
        r = subprocess.run(["cargo", "build", "--profile", "ci", "-p", "ns-cli"], cwd=ROOT)
        p = ROOT / "target" / "ci" / "nextstat"
        if r.returncode == 0 and p.exists():
            return p
    raise NotAvailable("no nextstat binary in target/ci or target/release (and the build failed)")


def _pick(d, *names):
    """First present key (JSON outputs of different commands name things slightly differently)."""
    for n in names:
        cur = d
        ok = True
        for part in n.split("."):
            if isinstance(cur, dict) and part in cur:
                cur = cur[part]
            else:
                ok = False
                break
        if ok:
            return cur
    raise KeyError(f"none of {names} in the JSON output (keys: {sorted(d)})")


class NextStatCli:
    """The ``nextstat`` binary, one subprocess per call, ``--json`` output.

    Timings of this path include process start-up, workspace parsing and model
    building, and are labelled so.
    """

    kind = "cli"

    def __init__(self, binary):
        self.bin = Path(binary)
        rel = os.path.relpath(self.bin, ROOT)
        self.label = rel if not rel.startswith("..") else str(self.bin)
        self._help = {}
        top = self._run(["--help"], check=False).stdout
        self.commands = set()
        in_cmds = False
        for line in top.splitlines():
            if line.strip().startswith("Commands:"):
                in_cmds = True
                continue
            if in_cmds:
                if not line.startswith("  "):
                    in_cmds = False
                    continue
                self.commands.add(line.split()[0])
        v = self._run(["version"], check=False).stdout.split()
        self.version = v[-1] if v else None

    def _run(self, args, check=True):
        p = subprocess.run([str(self.bin), *args], cwd=ROOT, capture_output=True, text=True)
        if check and p.returncode != 0:
            raise RuntimeError(f"`nextstat {' '.join(args)}` exited {p.returncode}: {p.stderr.strip()[:500]}")
        return p

    def help(self, cmd):
        if cmd not in self._help:
            self._help[cmd] = self._run([cmd, "--help"], check=False).stdout
        return self._help[cmd]

    def has(self, cmd, *flags):
        return cmd in self.commands and all(f in self.help(cmd) for f in flags)

    def _require(self, cmd, *flags):
        if cmd not in self.commands:
            raise NotAvailable(f"CLI has no '{cmd}' command ({self.label}, nextstat {self.version})")
        missing = [f for f in flags if f not in self.help(cmd)]
        if missing:
            raise NotAvailable(f"CLI '{cmd}' has no {', '.join(missing)} option")

    def json(self, args):
        return json.loads(self._run([*args, "--json"]).stdout)

    def input(self, stem):
        return str(FIXTURE_DIR.relative_to(ROOT) / f"{stem}.json")

    def _threads(self, cmd, n=1):
        return ["--threads", str(n)] if "--threads" in self.help(cmd) else []

    def info(self, stem):
        return None

    def twice_nll(self, stem, pars):
        self._require("eval", "--pars")
        out = self.json(["eval", "--input", self.input(stem), "--pars", json.dumps(list(map(float, pars)))])
        return float(out["twice_nll"]), "cli:nextstat eval --pars --json"

    def expected_data(self, stem, pars):
        self._require("eval", "--pars")
        out = self.json(["eval", "--input", self.input(stem), "--pars", json.dumps(list(map(float, pars)))])
        return [float(v) for v in out["expected_data"]], "cli:nextstat eval --pars --json"

    def fit(self, stem):
        self._require("fit")
        out = self.json(["fit", "--input", self.input(stem)])
        pars = out["parameters"]
        best = [float(p["value"]) for p in pars]
        poi = next((i for i, p in enumerate(pars) if p["name"] == out.get("poi")), None)
        return ({"twice_nll": float(out["twice_nll"]), "bestfit": best,
                 "poi_hat": best[poi] if poi is not None else None},
                "cli:nextstat fit --json (with Hessian uncertainties)")

    def hypotest(self, stem, mu=1.0, test_stat="qtilde"):
        self._require("hypotest", "--mu")
        args = ["hypotest", "--input", self.input(stem), "--mu", repr(float(mu))]
        if "--test-stat" in self.help("hypotest"):
            args += ["--test-stat", test_stat]
        out = self.json(args)
        return ({"cls_obs": float(_pick(out, "cls_obs", "cls.obs")),
                 "cls_exp": [float(e) for e in _pick(out, "cls_exp", "cls.exp")]},
                "cli:nextstat hypotest --json (asymptotics)")

    def upper_limit(self, stem, lo, hi):
        self._require("upper-limit")
        h = self.help("upper-limit")
        args = ["upper-limit", "--input", self.input(stem)]
        if "--bracket" in h:
            # clap: `--bracket <LO,HI> <LO,HI>` takes two values; a single placeholder takes "lo,hi".
            m = re.search(r"--bracket((?: <[^>]+>)+)", h)
            two = m is not None and m.group(1).count("<") == 2
            args += ["--bracket", repr(float(lo)), repr(float(hi))] if two else ["--bracket", f"{lo!r},{hi!r}"]
        elif "--lo" in h and "--hi" in h:
            args += ["--lo", repr(lo), "--hi", repr(hi)]
        elif "--hi" in h:
            args += ["--hi", repr(hi)]
        else:
            raise NotAvailable("CLI 'upper-limit' has no way to set the bracket (--bracket/--hi)")
        if "--rtol" in h:
            args += ["--rtol", repr(TOMS748_RTOL)]
        args += self._threads("upper-limit")
        out = self.json(args)
        return ({"obs": float(_pick(out, "obs_limit", "obs", "limits.obs")),
                 "exp": [float(e) for e in _pick(out, "exp_limits", "exp", "limits.exp")]},
                "cli:nextstat upper-limit --bracket --threads 1 --json (toms748)")

    def hypotest_toys(self, stem, mu, ntoys, seed, threads):
        self._require("hypotest-toys", "--n-toys", "--seed")
        args = ["hypotest-toys", "--input", self.input(stem), "--mu", repr(float(mu)), "--n-toys", str(ntoys),
                "--seed", str(seed)] + self._threads("hypotest-toys", threads)
        out = self.json(args)
        extra = {k: out[k] for k in ("n_failed_sb", "n_failed_b", "failed_fits", "qmu_obs", "n_toys", "seed")
                 if k in out}
        return ({"cls_obs": float(_pick(out, "cls_obs", "cls.obs")),
                 "cls_exp": [float(e) for e in _pick(out, "cls_exp", "cls.exp")], **extra},
                f"cli:nextstat hypotest-toys --threads {threads} --json")
