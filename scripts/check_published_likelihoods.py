#!/usr/bin/env python
"""NextStat on published ATLAS likelihoods (offline, not in CI).

The likelihoods are read at run time from a git directory of a public
repository that keeps ATLAS's background-only workspaces from HEPData as
gzipped pyhf JSON (`searches/<analysis>/*bkg.json.gz`); nothing of them is
copied into this repository (they are third-party data, several MB, and CI has
no network). Give the git directory with --git-dir (for example the one the
session's fetch tool brings for the repository named in LIKELIHOODS_REPO).

A background-only workspace has no signal: its measurement's POI (mu_SIG, ...)
is in no modifier, and pyhf refuses it. Unless the POI is already in the
workspace (the discovery fits, mu_Discovery), this script applies its OWN
signal patch: in every signal-region channel (name with "SR", not a CR/VR), a
sample `ns_signal` with the POI as normfactor and yields of 10% of the nominal
background (+0.5) in each bin. (The published signal patchsets are not in that
repository.)

Per likelihood, pyhf's default codes (code4/code4p):
  pyhf scipy    free and conditional (POI = 1) twice_nll, pyhf's default scipy
  pyhf minuit   the same with pyhf's minuit optimizer (MIGRAD)
  NextStat      `nextstat fit` and `nextstat fit --poi-fixed 1` (status,
                twice_nll), `nextstat hypotest --mu 1` (CLs, failed fits)
and the table shows NextStat's twice_nll minus the lower of pyhf's two (a
profile likelihood is defined by the lowest minimum; > 1e-6 is a miss).

Usage:
  .venv/bin/python scripts/check_published_likelihoods.py --git-dir DIR [--nextstat-bin PATH]
      [--only NAME ...] [--json OUT]
"""
import argparse
import gzip
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
import warnings

import pyhf

logging.getLogger("pyhf").setLevel(logging.CRITICAL)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_pyhf_validation import find_cli  # noqa: E402

LIKELIHOODS_REPO = "Rupt/interval-evidence"
# (short name, path in that repository): ATLAS SUSY searches, 50-250 parameters after our patch.
LIKELIHOODS = [  # smallest first (the pyhf MIGRAD reference takes minutes on the bigger ones)
    ("atlas_susy_3Lss_2019_rpc2l0b", "searches/atlas_susy_3Lss_2019/rpc2l0b_bkg.json.gz"),
    ("atlas_susy_jets_2021_bdt_ggd1", "searches/atlas_susy_jets_2021/BDT-GGd1_bkg.json.gz"),
    ("atlas_susy_3LRJmimic_2020", "searches/atlas_susy_3LRJmimic_2020/bkg.json.gz"),
    ("atlas_susy_hb_2019_a", "searches/atlas_susy_hb_2019/a_bkg.json.gz"),
    ("atlas_susy_hb_2019_c", "searches/atlas_susy_hb_2019/c_bkg.json.gz"),
    ("atlas_susy_2Ljets_2022_rjr_low", "searches/atlas_susy_2Ljets_2022/rjr_sr2l_low_bkg.json.gz"),
    ("atlas_susy_2hadtau_2020_high", "searches/atlas_susy_2hadtau_2020/high_mass_bkg.json.gz"),
    ("atlas_susy_3L_2021_onshell", "searches/atlas_susy_3L_2021/onshell_bkg.json.gz"),
    ("atlas_susy_2L0J_2019", "searches/atlas_susy_2L0J_2019/bkg.json.gz"),
    ("atlas_susy_1Lbb_2020", "searches/atlas_susy_1Lbb_2020/bkg.json.gz"),
    ("atlas_susy_1Ljets_2021", "searches/atlas_susy_1Ljets_2021/bkg.json.gz"),
    ("atlas_susy_4L_2021", "searches/atlas_susy_4L_2021/bkg.json.gz"),
    ("atlas_susy_compressed_2020_sleptons", "searches/atlas_susy_compressed_2020/sleptons_bkg.json.gz"),
    ("atlas_susy_compressed_2020_ewkinos", "searches/atlas_susy_compressed_2020/ewkinos_bkg.json.gz"),
]


def load(git_dir, path):
    raw = subprocess.run(["git", "--git-dir", git_dir, "show", f"HEAD:{path}"], check=True,
                         capture_output=True).stdout
    return json.loads(gzip.decompress(raw))


def with_signal(spec):
    """The workspace with our signal sample, unless its POI is already a modifier."""
    poi = spec["measurements"][0]["config"]["poi"]
    mods = {m["name"] for c in spec["channels"] for s in c["samples"] for m in s["modifiers"]}
    if poi in mods:
        return spec, "POI already in the workspace"

    def is_sr(name):
        u = name.upper()
        return "SR" in u and not u.startswith(("CR", "VR"))

    chans = [c for c in spec["channels"] if is_sr(c["name"])] or spec["channels"]
    for c in chans:
        nbins = len(c["samples"][0]["data"])
        tot = [sum(s["data"][i] for s in c["samples"]) for i in range(nbins)]
        c["samples"].append({"name": "ns_signal", "data": [0.1 * t + 0.5 for t in tot],
                             "modifiers": [{"name": poi, "type": "normfactor", "data": None}]})
    return spec, f"our signal sample in {len(chans)} channel(s)"


def pyhf_fits(ws, opt):
    pyhf.set_backend("numpy", opt)
    w = pyhf.Workspace(ws)
    m = w.model()
    d = w.data(m)
    out = {"n_pars": m.config.npars}
    for key, call in (("free", lambda: pyhf.infer.mle.fit(d, m, return_fitted_val=True)),
                      ("conditional", lambda: pyhf.infer.mle.fixed_poi_fit(1.0, d, m, return_fitted_val=True))):
        t0 = time.time()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                _, v = call()
            out[key] = float(v)
        except Exception as e:  # noqa: BLE001 - reported in the table
            out[key] = None
            out[f"{key}_error"] = f"{type(e).__name__}: {str(e).splitlines()[0][:120]}"
        out[f"{key}_s"] = round(time.time() - t0, 2)
    return out


def ns(binary, path, args):
    t0 = time.time()
    p = subprocess.run([binary, *args, "--input", path, "--json"], capture_output=True, text=True)
    dt = round(time.time() - t0, 3)
    if p.returncode != 0:
        return {"error": (p.stderr.strip().splitlines() or [f"exit {p.returncode}"])[-1], "s": dt}
    out = json.loads(p.stdout)
    out["s"] = dt
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--git-dir", required=True, help=f"git directory of {LIKELIHOODS_REPO}")
    ap.add_argument("--nextstat-bin")
    ap.add_argument("--only", action="append", default=[])
    ap.add_argument("--skip", action="append", default=[], help="names to leave out (e.g. measured already)")
    ap.add_argument("--json")
    args = ap.parse_args()
    binary = find_cli(args.nextstat_bin)
    commit = subprocess.run(["git", "--git-dir", args.git_dir, "rev-parse", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    rows = []
    print(f"{LIKELIHOODS_REPO} at {commit}; NextStat CLI {binary}", flush=True)
    for name, path in LIKELIHOODS:
        if (args.only and name not in args.only) or name in args.skip:
            continue
        spec, how = with_signal(load(args.git_dir, path))
        row = {"name": name, "path": path, "signal": how}
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
            json.dump(spec, fh)
            tmp = fh.name
        try:
            row["pyhf_scipy"] = pyhf_fits(spec, pyhf.optimize.scipy_optimizer())
            row["pyhf_minuit"] = pyhf_fits(spec, pyhf.optimize.minuit_optimizer(tolerance=1e-3))
            row["n_pars"] = row["pyhf_scipy"]["n_pars"]
            row["ns_free"] = ns(binary, tmp, ["fit"])
            row["ns_conditional"] = ns(binary, tmp, ["fit", "--poi-fixed", "1"])
            row["ns_hypotest"] = ns(binary, tmp, ["hypotest", "--mu", "1"])
        finally:
            os.unlink(tmp)
        for k in ("free", "conditional"):
            refs = [r[k] for r in (row["pyhf_scipy"], row["pyhf_minuit"]) if r.get(k) is not None]
            nsv = row[f"ns_{k}"].get("twice_nll")
            row[f"{k}_ref"] = min(refs) if refs else None
            row[f"{k}_ns_minus_ref"] = (nsv - min(refs)) if (refs and nsv is not None) else None
        rows.append(row)
        if args.json:  # after every likelihood: a long run interrupted keeps what it measured
            with open(args.json, "w") as fh:
                json.dump({"repo": LIKELIHOODS_REPO, "commit": commit, "rows": rows}, fh, indent=1)
        h = row["ns_hypotest"]
        print(f"{name}: {row['n_pars']} pars ({how}); free: pyhf scipy {row['pyhf_scipy'].get('free')} "
              f"minuit {row['pyhf_minuit'].get('free')} NextStat {row['ns_free'].get('twice_nll')} "
              f"[{row['ns_free'].get('status', row['ns_free'].get('error'))}, {row['ns_free']['s']} s] "
              f"d={row['free_ns_minus_ref']}; cond: pyhf scipy {row['pyhf_scipy'].get('conditional')} "
              f"minuit {row['pyhf_minuit'].get('conditional')} NextStat {row['ns_conditional'].get('twice_nll')} "
              f"[{row['ns_conditional'].get('status', row['ns_conditional'].get('error'))}] "
              f"d={row['conditional_ns_minus_ref']}; hypotest CLs {h.get('cls_obs', h.get('error'))} "
              f"failed {h.get('failed_fits')}", flush=True)


if __name__ == "__main__":
    main()
