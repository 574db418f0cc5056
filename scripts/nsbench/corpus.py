"""validate.py --corpus: the parity corpus through the NextStat CLI.

What is compared with what (also in docs/validation.md):

* fits: `nextstat fit` (free) and `nextstat fit --poi-fixed MU` (conditional)
  twice_nll <= the lowest minimum any reference found + 1e-6, from the golden
  (tests/fixtures/goldens/corpus, scripts/make_corpus_goldens.py: the lowest of
  pyhf with scipy at tolerance 1e-12, pyhf's MIGRAD, and multi-start scipy);
* asymptotic CLs (observed and the five expected): `nextstat hypotest` within
  1e-6 relative of pyhf converged tightly (scipy tolerance 1e-12), run live
  here, wherever pyhf's tight fits reach the lowest minima (the golden says
  so); where they do not (coupled histosys under code0, a local minimum), of
  pyhf's own formulas on the lowest minima (the golden's `best`);
* pyhf's *asserted* values (tests/test_validation.py, with its tolerances)
  belong to pyhf's data, which is not in this repository: that comparison is
  scripts/check_pyhf_validation.py, offline.
"""
import json
import logging
import subprocess
import warnings

from . import report as R
from .runners import ROOT

CORPUS = ROOT / "tests" / "fixtures" / "corpus"
GOLDENS = ROOT / "tests" / "fixtures" / "goldens" / "corpus"
NLL_ABOVE = 1e-6
CLS_RTOL = 1e-6
# pyhf's tight fits count as "at the lowest minima" when its CLs (obs and expected) equal the multi-start
# ones this closely (typically 1e-9; xml_datadriven_poi0 under code1/code0: 1.4e-6 on the expected band).
TIGHT_AT_BEST = 1e-7
TIGHT = dict(tolerance=1e-12, maxiter=100000)


def _cli(binary, args):
    p = subprocess.run([str(binary), *args, "--json"], capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"nextstat {' '.join(args)}: exit {p.returncode}: {p.stderr.strip()[-300:]}")
    return json.loads(p.stdout)


def _pyhf_tight_hypotest(ws_path, block, mu, ts):
    import pyhf

    logging.getLogger("pyhf").setLevel(logging.CRITICAL)
    with open(ws_path) as fh:
        w = pyhf.Workspace(json.load(fh))
    m = w.model(modifier_settings=block["modifier_settings"])
    d = w.data(m)
    pyhf.set_backend("numpy", pyhf.optimize.scipy_optimizer(**TIGHT))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            obs, exp = pyhf.infer.hypotest(mu, d, m, test_stat=ts, return_expected_set=True)
    finally:
        pyhf.set_backend("numpy", "scipy")
    return float(obs), [float(e) for e in exp]


def run_corpus(binary, only=None):
    """Checks (nsbench.report dicts) for every corpus golden that is not a big likelihood."""
    checks = []
    for gpath in sorted(GOLDENS.glob("*.json")):
        g = json.loads(gpath.read_text())
        case = g["case"]
        name = case["name"]
        if name.startswith("big_") or (only and name not in only):
            continue
        ws = ROOT / "tests" / "fixtures" / case["workspace"]
        mu, ts = float(case["mu"]), case["test_stat"]
        for setting, blk in g["settings"].items():
            fx = f"corpus/{name}/{setting}"
            ms = blk["modifier_settings"]
            interp = f"normsys={ms['normsys']['interpcode']},histosys={ms['histosys']['interpcode']}"
            base = ["--input", str(ws), "--interp", interp]
            src = "golden: lowest of pyhf scipy-tight, pyhf MIGRAD, multi-start scipy"
            for q, extra, key in (("fit_free", [], "min_twice_nll_free"),
                                  ("fit_conditional", ["--poi-fixed", repr(mu)], "min_twice_nll_conditional")):
                try:
                    out = _cli(binary, ["fit", *base, *extra])
                    checks.append(R.check_fit(fx, q, float(out["twice_nll"]), float(blk[key]), NLL_ABOVE,
                                              reference_source=src, code_path="cli:nextstat fit --json",
                                              note=None if out.get("converged") else f"status {out.get('status')}"))
                except Exception as e:  # noqa: BLE001 - reported, the other checks still run
                    checks.append(R.errored(fx, q, str(e)))
            best = blk["best"].get("hypotest", {})
            if "pyhf_raised" in best:
                checks.append(R.not_available(fx, "hypotest", f"pyhf raises: {best['pyhf_raised'][:120]}"))
                continue
            try:
                out = _cli(binary, ["hypotest", *base, "--mu", repr(mu), "--test-stat", ts])
            except Exception as e:  # noqa: BLE001
                checks.append(R.errored(fx, "hypotest", str(e)))
                continue
            tight_at_best = float(blk.get("pyhf_tight_vs_best_cls_rel", 1.0)) < TIGHT_AT_BEST
            if tight_at_best:
                ref_obs, ref_exp = _pyhf_tight_hypotest(ws, blk, mu, ts)
                rsrc = "pyhf live, scipy tolerance 1e-12 (its fits reach the lowest minima here)"
            else:
                ref_obs, ref_exp = float(best["cls_obs"]), [float(v) for v in best["cls_exp"]]
                rsrc = ("golden: pyhf's formulas on the lowest minima (a fit of pyhf tight stops above them "
                        f"here: its CLs_obs {blk['pyhf_tight']['hypotest']['cls_obs']:.6g}, worst relative "
                        f"difference to these {float(blk['pyhf_tight_vs_best_cls_rel']):.2g})")
            meta = dict(reference_source=rsrc, code_path="cli:nextstat hypotest --json")
            checks.append(R.check_scalar_rel(fx, f"hypotest_{ts}_mu{mu:g}_cls_obs", float(out["cls_obs"]), ref_obs,
                                             CLS_RTOL, **meta))
            checks.append(R.check_vector_rel(fx, f"hypotest_{ts}_mu{mu:g}_cls_exp", out["cls_exp"], ref_exp,
                                             CLS_RTOL, **meta))
    return checks
