#!/usr/bin/env python
"""NextStat against pyhf's own validation suite (offline, not in CI).

Reads, from a git directory of a pyhf repository (e.g. the one the session's
fetch tool brings; nothing of it is copied into this repository):

  tests/test_validation.py   the cases of test_validation (which data file,
                             the spec, mu, test statistic, calculator, the
                             asserted CLs and the asserted relative tolerance)
                             and test_shapesys_nuisparfilter_validation (inline
                             spec, ROOT reference values, atol 1e-4 rtol 1e-5)
  validation/data/*.json     the bin contents

The test file is never executed: the specs, asserted values and parameters are
taken from its syntax tree (literals, and subscripts of the test's `source`).
Each case is rebuilt as pyhf's test builds it (normsys code1, histosys code0
by pyhf's builder default), written to a temporary workspace, and run through

  pyhf default   pyhf.infer.hypotest with pyhf's default scipy settings
                 (what pyhf's test runs)
  pyhf tight     the same with scipy tolerance 1e-12
  pyhf best      pyhf's formulas on the lowest minimum of every fit
                 (scipy-tight + MIGRAD + seeded random and kink-flipped
                 starts: make_corpus_goldens.MultiStart)
  NextStat       `nextstat hypotest --json` (the CLI)

and the table says, for CLs observed and the worst of the expected set, the
relative difference of each to pyhf's asserted value and of NextStat to pyhf
tight and to pyhf best. Toy-based cases are listed but not run (statistical; NextStat's toys
are seeded differently).

--xml (needs uproot, e.g. a venv of its own: pip install -r requirements-dev.txt uproot):
every XML configuration under validation/ (test_import_roundtrip's three and
the others: multibin, multichannel, coupled histosys/overallsys, overallsys,
shared nuisance across types, xmlimport_input4, DataDriven) is imported with
pyhf.readxml from a temporary extract of validation/ and run the same way at
pyhf's defaults (code4/code4p, qtilde, mu = 1). pyhf asserts no CLs values
for these (test_import_roundtrip compares pyhf with itself), so the table
compares NextStat with pyhf tight and best only.

Usage:
  .venv/bin/python scripts/check_pyhf_validation.py --pyhf-git-dir DIR [--nextstat-bin PATH] [--json OUT]
"""
import argparse
import ast
import json
import logging
import os
import subprocess
import sys
import tempfile
import warnings

import numpy as np
import pyhf

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_corpus_goldens import SEED, MultiStart  # noqa: E402

logging.getLogger("pyhf").setLevel(logging.CRITICAL)
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def git_show(git_dir, path):
    return subprocess.run(["git", "--git-dir", git_dir, "show", f"HEAD:{path}"], check=True,
                          capture_output=True, text=True).stdout


class Eval:
    """Evaluate a literal-with-subscripts expression of the test file (no code runs)."""

    def __init__(self, env):
        self.env = env

    def __call__(self, node):
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Dict):
            return {self(k): self(v) for k, v in zip(node.keys, node.values)}
        if isinstance(node, (ast.List, ast.Tuple)):
            return [self(e) for e in node.elts]
        if isinstance(node, ast.Name):
            if node.id in self.env:
                return self.env[node.id]
            raise ValueError(f"unknown name {node.id} at line {node.lineno}")
        if isinstance(node, ast.Subscript):
            return self(node.value)[self(node.slice)]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -self(node.operand)
        raise ValueError(f"unsupported syntax {type(node).__name__} at line {node.lineno}")


def returned(fn):
    rets = [n for n in ast.walk(fn) if isinstance(n, ast.Return)]
    return rets[-1].value


def data_path(fn):
    """validation/data/<x>.json of a source_* fixture (the Path(...) literal)."""
    for n in ast.walk(fn):
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and n.value.startswith("validation/"):
            return n.value
    return None


def parse_cases(text):
    tree = ast.parse(text)
    fns = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    aliases = {t.id: n.value.id for n in tree.body if isinstance(n, ast.Assign)
               for t in n.targets if isinstance(n.value, ast.Name)}

    def fn(name):
        return fns[aliases.get(name, name)]

    setup = fns["setup"]
    deco = next(d for d in setup.decorator_list if isinstance(d, ast.Call))
    params = Eval({})(next(k.value for k in deco.keywords if k.arg == "params"))
    ids = Eval({})(next(k.value for k in deco.keywords if k.arg == "ids"))
    cases = []
    for (name, config, mu, ts, tol, calc), cid in zip(params, ids):
        cases.append({"id": cid, "name": name, "config": config, "mu": mu, "test_stat": ts, "tolerance": tol,
                      "calctype": calc, "data_file": data_path(fn(f"source_{name}")),
                      "spec_fn": fn(f"spec_{name}"), "expected": Eval({})(returned(fn(f"expected_result_{name}")))})
    extra = None
    if "test_shapesys_nuisparfilter_validation" in fns:
        f = fns["test_shapesys_nuisparfilter_validation"]
        env = {"null": None}
        ref, spec = None, None
        for n in ast.walk(f):
            if isinstance(n, ast.Assign) and isinstance(n.targets[0], ast.Name):
                if n.targets[0].id == "reference_root_results":
                    ref = Eval(env)(n.value)
                elif n.targets[0].id == "spec":
                    spec = Eval(env)(n.value)
        extra = {"id": "shapesys_nuisparfilter (ROOT reference)", "ref": ref, "spec": spec}
    return cases, extra


def pyhf_hypotest(model, data, mu, ts, opt):
    pyhf.set_backend("numpy", opt)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        obs, exp = pyhf.infer.hypotest(mu, data, model, model.config.suggested_init(),
                                       model.config.suggested_bounds(), return_expected_set=True, test_stat=ts)
    return float(obs), [float(e) for e in exp]


def nextstat_hypotest(binary, ws, mu, ts, interp):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump(ws, fh)
        path = fh.name
    try:
        cmd = [binary, "hypotest", "--input", path, "--mu", str(mu), "--test-stat", ts, "--json"]
        if interp:
            cmd += ["--interp", interp]
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode != 0:
            return None, p.stderr.strip().splitlines()[-1] if p.stderr.strip() else f"exit {p.returncode}"
        out = json.loads(p.stdout)
        return (float(out["cls_obs"]), [float(e) for e in out["cls_exp"]]), None
    finally:
        os.unlink(path)


XML_CONFIGS = [
    "xmlimport_input/config/example.xml", "xmlimport_input2/config/example.xml",
    "xmlimport_input3/config/examples/example_ShapeSys.xml", "xmlimport_input4/config/example.xml",
    "xmlimport_input/config/examples/example_DataDriven.xml", "xmlimport_input/config/examples/example_ShapeSys.xml",
    "multibin_histfactory/config/example.xml", "multibin_histfactory_p0/config/example.xml",
    "multichannel_histfactory/config/example.xml", "multichan_coupledhistosys_histfactory/config/example.xml",
    "multichan_coupledoverall_histfactory/config/example.xml", "overallsys_histfactory/config/example.xml",
    "shared_nuispar_across_types/config/example.xml", "shared_nuispar_across_types/config/example_notshared.xml",
]


def xml_rows(git_dir, binary):
    """pyhf.readxml on each XML configuration of validation/ (temporary extract), NextStat vs pyhf."""
    try:
        import pyhf.readxml  # noqa: F401 - needs uproot
    except ImportError as e:
        return [{"case": "XML configurations", "note": f"not run: pyhf.readxml unavailable ({e})",
                 "asserted_tol": "-", "asserted_obs": float("nan")}]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        arch = subprocess.run(["git", "--git-dir", git_dir, "archive", "HEAD", "validation"], check=True,
                              capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=arch, check=True)
        for cfg in XML_CONFIGS:
            base = os.path.join(tmp, "validation", cfg.split("/")[0])
            row = {"case": "xml " + cfg, "mu": 1.0, "test_stat": "qtilde", "asserted_tol": "-",
                   "asserted_obs": float("nan")}
            rows.append(row)
            try:
                parsed = pyhf.readxml.parse(os.path.join(tmp, "validation", cfg), base, track_progress=False)
                ws = {k: parsed[k] for k in ("channels", "measurements", "observations", "version")}
                w = pyhf.Workspace(ws)
                model = w.model()
                data = w.data(model)
            except Exception as e:  # noqa: BLE001 - reported in the table
                row["note"] = f"pyhf import failed: {type(e).__name__}: {e}"
                continue
            try:
                t_obs, t_exp = pyhf_hypotest(model, data, 1.0, "qtilde",
                                             pyhf.optimize.scipy_optimizer(tolerance=1e-12, maxiter=100000))
                b_obs, b_exp = pyhf_hypotest(model, data, 1.0, "qtilde", MultiStart(model, 6, SEED))
            except Exception as e:  # noqa: BLE001 - what pyhf does is the reference
                row["note"] = f"pyhf hypotest raised: {type(e).__name__}: {str(e).splitlines()[0]}"
                res, err = nextstat_hypotest(binary, ws, 1.0, "qtilde", None)
                row["note"] += f"; NextStat: {err or 'CLs %.6g' % res[0]}"
                continue
            row.update(pyhf_tight_obs=t_obs, pyhf_best_obs=b_obs, pyhf_best_vs_tight_obs=rel(b_obs, t_obs),
                       n_pars=model.config.npars)
            res, err = nextstat_hypotest(binary, ws, 1.0, "qtilde", None)
            if err:
                row["nextstat_error"] = err
                continue
            n_obs, n_exp = res
            row.update(nextstat_obs=n_obs, nextstat_vs_tight_obs=rel(n_obs, t_obs),
                       nextstat_vs_tight_exp=worst_rel(n_exp, t_exp), nextstat_vs_best_obs=rel(n_obs, b_obs),
                       nextstat_vs_best_exp=worst_rel(n_exp, b_exp))
            row["nextstat_within_asserted_tol"] = bool(max(row["nextstat_vs_best_obs"],
                                                           row["nextstat_vs_best_exp"]) < 1e-6)
    return rows


def rel(a, b):
    return abs(a - b) / abs(b) if b != 0 else abs(a - b)


def worst_rel(a, b):
    return max(rel(x, y) for x, y in zip(a, b))


def find_cli(arg):
    cands = [arg] if arg else []
    tgt = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    cands += [os.path.join(tgt, p, "nextstat") for p in ("release", "ci")]
    for c in cands:
        if c and os.path.exists(c):
            return c
    sys.exit("no nextstat binary: build it (cargo build --release -p ns-cli) or pass --nextstat-bin")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pyhf-git-dir", required=True)
    ap.add_argument("--nextstat-bin")
    ap.add_argument("--json", help="write the rows as JSON here")
    ap.add_argument("--xml", action="store_true", help="also the XML configurations (needs uproot)")
    args = ap.parse_args()
    binary = find_cli(args.nextstat_bin)
    commit = subprocess.run(["git", "--git-dir", args.pyhf_git_dir, "rev-parse", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    cases, extra = parse_cases(git_show(args.pyhf_git_dir, "tests/test_validation.py"))
    rows = []
    for c in cases:
        row = {"case": c["id"], "mu": c["mu"], "test_stat": c["test_stat"], "calctype": c["calctype"],
               "asserted_tol": c["tolerance"], "asserted_obs": c["expected"]["obs"]}
        rows.append(row)
        if c["calctype"] != "asymptotics":
            row["note"] = "toy-based: not run (statistical)"
            continue
        source = json.loads(git_show(args.pyhf_git_dir, c["data_file"]))
        spec = Eval({"source": source, "None": None})(returned(c["spec_fn"]))
        model = pyhf.Model(spec, modifier_settings={"normsys": {"interpcode": "code1"}}, poi_name="mu")
        obs_by_ch = {ch: (source["channels"][ch]["bindata"]["data"] if "channels" in source
                          else source["bindata"]["data"]) for ch in model.config.channels}
        data = [v for ch in model.config.channels for v in obs_by_ch[ch]] + model.config.auxdata
        ws = {"channels": spec["channels"], "observations": [{"name": k, "data": v} for k, v in obs_by_ch.items()],
              "measurements": [{"name": "m", "config": {"poi": "mu", "parameters": spec.get("parameters", [])}}],
              "version": "1.0.0"}
        exp = c["expected"]
        d_obs, d_exp = pyhf_hypotest(model, data, c["mu"], c["test_stat"], pyhf.optimize.scipy_optimizer())
        t_obs, t_exp = pyhf_hypotest(model, data, c["mu"], c["test_stat"],
                                     pyhf.optimize.scipy_optimizer(tolerance=1e-12, maxiter=100000))
        b_obs, b_exp = pyhf_hypotest(model, data, c["mu"], c["test_stat"], MultiStart(model, 6, SEED))
        row.update(pyhf_best_obs=b_obs, pyhf_best_rel_obs=rel(b_obs, exp["obs"]),
                   pyhf_best_vs_tight_obs=rel(b_obs, t_obs), best=(b_obs, b_exp))
        res, err = nextstat_hypotest(binary, ws, c["mu"], c["test_stat"], "normsys=code1,histosys=code0")
        row.update(pyhf_default_obs=d_obs, pyhf_default_rel_obs=rel(d_obs, exp["obs"]),
                   pyhf_default_rel_exp=worst_rel(d_exp, exp["exp"]), pyhf_tight_obs=t_obs,
                   pyhf_tight_rel_obs=rel(t_obs, exp["obs"]), pyhf_tight_rel_exp=worst_rel(t_exp, exp["exp"]))
        if err:
            row["nextstat_error"] = err
            continue
        n_obs, n_exp = res
        row.update(nextstat_obs=n_obs, nextstat_rel_obs=rel(n_obs, exp["obs"]),
                   nextstat_rel_exp=worst_rel(n_exp, exp["exp"]), nextstat_vs_tight_obs=rel(n_obs, t_obs),
                   nextstat_vs_tight_exp=worst_rel(n_exp, t_exp), nextstat_vs_best_obs=rel(n_obs, b_obs),
                   nextstat_vs_best_exp=worst_rel(n_exp, b_exp))
        row["nextstat_within_asserted_tol"] = bool(max(row["nextstat_rel_obs"], row["nextstat_rel_exp"])
                                                   < c["tolerance"])
    for r in rows:
        r.pop("best", None)
    if extra and extra["spec"]:
        ws = extra["spec"]
        row = {"case": extra["id"], "mu": 1.0, "test_stat": "qtilde", "calctype": "asymptotics",
               "asserted_tol": "atol 1e-4, rtol 1e-5", "asserted_obs": extra["ref"]["CLs_obs"]}
        w = pyhf.Workspace(ws)
        model = w.model(modifier_settings={"normsys": {"interpcode": "code4"}, "histosys": {"interpcode": "code4p"}})
        data = w.data(model)
        d_obs, d_exp = pyhf_hypotest(model, data, 1.0, "qtilde", pyhf.optimize.scipy_optimizer())
        t_obs, t_exp = pyhf_hypotest(model, data, 1.0, "qtilde",
                                     pyhf.optimize.scipy_optimizer(tolerance=1e-12, maxiter=100000))
        b_obs, b_exp = pyhf_hypotest(model, data, 1.0, "qtilde", MultiStart(model, 6, SEED))
        row.update(pyhf_best_obs=b_obs, pyhf_best_rel_obs=rel(b_obs, row["asserted_obs"]),
                   pyhf_best_vs_tight_obs=rel(b_obs, t_obs))
        ref_exp = extra["ref"]["CLs_exp"]
        row.update(pyhf_default_obs=d_obs, pyhf_default_rel_obs=rel(d_obs, row["asserted_obs"]),
                   pyhf_default_rel_exp=worst_rel(d_exp, ref_exp), pyhf_tight_obs=t_obs,
                   pyhf_tight_rel_obs=rel(t_obs, row["asserted_obs"]), pyhf_tight_rel_exp=worst_rel(t_exp, ref_exp))
        res, err = nextstat_hypotest(binary, ws, 1.0, "qtilde", None)
        if err:
            row["nextstat_error"] = err
        else:
            n_obs, n_exp = res
            row.update(nextstat_obs=n_obs, nextstat_rel_obs=rel(n_obs, row["asserted_obs"]),
                       nextstat_rel_exp=worst_rel(n_exp, ref_exp), nextstat_vs_tight_obs=rel(n_obs, t_obs),
                       nextstat_vs_tight_exp=worst_rel(n_exp, t_exp), nextstat_vs_best_obs=rel(n_obs, b_obs),
                       nextstat_vs_best_exp=worst_rel(n_exp, b_exp))
            row["nextstat_within_asserted_tol"] = bool(np.allclose(n_obs, row["asserted_obs"], atol=1e-4, rtol=1e-5)
                                                       and np.allclose(n_exp, ref_exp, atol=1e-4, rtol=1e-5))
        rows.append(row)

    if args.xml:
        rows += xml_rows(args.pyhf_git_dir, binary)

    def g(r, k):
        v = r.get(k)
        return f"{v:.2e}" if isinstance(v, float) else ("-" if v is None else str(v))

    print(f"pyhf {pyhf.__version__} validation data at commit {commit}; NextStat CLI {binary}")
    print("relative differences: to pyhf's asserted value (obs / worst of the expected set), and NextStat to "
          "pyhf tight")
    hdr = ("case", "tol", "asserted obs", "default obs/exp", "tight obs/exp", "best obs (CLs)", "NextStat obs/exp",
           "NS vs tight obs/exp", "NS vs best obs/exp", "NS in tol")
    print(" | ".join(hdr))
    for r in rows:
        if "note" in r or "nextstat_error" in r:
            print(f"{r['case']} | {r['asserted_tol']} | {r['asserted_obs']:.6g} | "
                  f"{r.get('note') or 'NextStat error: ' + r['nextstat_error']}")
            continue
        print(" | ".join([r["case"], str(r["asserted_tol"]), f"{r['asserted_obs']:.6g}",
                          f"{g(r, 'pyhf_default_rel_obs')} / {g(r, 'pyhf_default_rel_exp')}",
                          f"{g(r, 'pyhf_tight_rel_obs')} / {g(r, 'pyhf_tight_rel_exp')}",
                          f"{g(r, 'pyhf_best_rel_obs')} ({r.get('pyhf_best_obs', float('nan')):.6g})",
                          f"{g(r, 'nextstat_rel_obs')} / {g(r, 'nextstat_rel_exp')}",
                          f"{g(r, 'nextstat_vs_tight_obs')} / {g(r, 'nextstat_vs_tight_exp')}",
                          f"{g(r, 'nextstat_vs_best_obs')} / {g(r, 'nextstat_vs_best_exp')}",
                          "yes" if r.get("nextstat_within_asserted_tol") else "NO"]))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"pyhf_commit": commit, "pyhf_version": pyhf.__version__, "rows": rows}, fh, indent=1)


if __name__ == "__main__":
    main()
