"""Reference Hessian uncertainties for the fit-parity tests.

pyhf's minuit-based uncertainties come from HESSE on Minuit's *internal*
(sin-transformed) coordinates for bounded parameters, which distorts them
near a bound: on simple_workspace the POI error is 0.8506 with limits and
0.8734 without, while the exact inverse Hessian of -logpdf gives 0.8738.
So the parity reference here is iminuit's HESSE on pyhf's -2 logpdf with no
limits, evaluated at pyhf's scipy best fit (from the goldens), errordef=1.

Usage: python scripts/make_hesse_goldens.py [--only STEM ...]
Writes tests/fixtures/goldens/hesse/<stem>.json.
"""
import argparse
import json
import os
import pathlib

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import iminuit  # noqa: E402
import numpy as np  # noqa: E402
import pyhf  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
GOLD = ROOT / "tests" / "fixtures" / "goldens"


def settings(block):
    return block["modifier_settings"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", action="append")
    args = ap.parse_args()
    pyhf.set_backend("numpy")
    (GOLD / "hesse").mkdir(exist_ok=True)
    for path in sorted(GOLD.glob("*.json")):
        stem = path.stem
        if args.only and stem not in args.only:
            continue
        g = json.loads(path.read_text())
        ws = pyhf.Workspace(json.loads((ROOT / "tests" / "fixtures" / g["workspace"]).read_text()))
        out = {"generator": "scripts/make_hesse_goldens.py", "iminuit_version": iminuit.__version__,
               "pyhf_version": pyhf.__version__, "workspace": g["workspace"], "settings": {}}
        for name, block in g["settings"].items():
            if "fit" not in block or "bestfit" not in block["fit"]:
                continue
            model = ws.model(modifier_settings=settings(block))
            data = np.asarray(ws.data(model))
            fixed = model.config.suggested_fixed()
            x = np.asarray(block["fit"]["bestfit"], dtype=float)

            def twice_nll(p):
                return -2.0 * float(model.logpdf(np.asarray(p), data)[0])

            m = iminuit.Minuit(twice_nll, x)
            m.errordef = 1.0
            for i, f in enumerate(fixed):
                if f:
                    m.fixed[i] = True
            m.hesse()
            out["settings"][name] = {"at": "fit.bestfit", "uncertainties": [float(e) for e in m.errors]}
            print(stem, name, "POI", model.config.poi_index, m.errors[model.config.poi_index], flush=True)
        (GOLD / "hesse" / f"{stem}.json").write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
