#!/usr/bin/env python3
"""Goldens for ns-bayes' diagnostics: ArviZ's rank-normalised split R-hat,
bulk/tail ESS and MCSE of the mean on fixed draws arrays.

Writes tests/fixtures/bayes/diagnostics_golden.json (the draws and ArviZ's
answers). ArviZ is a tool of this script only:
    .venv/bin/pip install arviz && .venv/bin/python scripts/make_bayes_diagnostics_goldens.py
"""
import json
import pathlib

import arviz as az
import numpy as np

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests/fixtures/bayes/diagnostics_golden.json"


def ar1(rng, n_chain, n_draw, phi, offsets):
    x = np.zeros((n_chain, n_draw))
    for c in range(n_chain):
        e = rng.standard_normal(n_draw)
        for t in range(1, n_draw):
            x[c, t] = phi * x[c, t - 1] + e[t]
        x[c] += offsets[c]
    return x


def main():
    rng = np.random.default_rng(20261207)
    cases = {
        # Well mixed, odd draw count (the split drops the middle draw).
        "iid_odd": rng.standard_normal((4, 201)),
        # Strong autocorrelation: small ESS, long Geyer sequence.
        "ar1_slow": ar1(rng, 4, 300, 0.9, [0, 0, 0, 0]),
        # Chains disagree: R-hat well above 1.
        "shifted": ar1(rng, 4, 200, 0.3, [0.0, 0.5, -0.5, 1.5]),
        # Heavy tails (Cauchy): rank normalisation matters.
        "cauchy": rng.standard_cauchy((3, 250)),
        # Ties: a discrete variable.
        "discrete": rng.poisson(2.0, (4, 150)).astype(float),
        # Anticorrelated draws: ESS above the draw count.
        "antithetic": ar1(rng, 2, 400, -0.6, [0, 0]),
    }
    out = {
        "generated_by": "scripts/make_bayes_diagnostics_goldens.py",
        "arviz_version": az.__version__,
        "cases": {},
    }
    for name, x in cases.items():
        x = np.round(x, 6)  # the JSON holds exactly what ArviZ saw
        ds = az.convert_to_dataset({"x": x})
        out["cases"][name] = {
            "draws": x.tolist(),
            "r_hat": float(az.rhat(ds, method="rank")["x"]),
            "ess_bulk": float(az.ess(ds, method="bulk")["x"]),
            "ess_tail": float(az.ess(ds, method="tail")["x"]),
            "ess_mean": float(az.ess(ds, method="mean")["x"]),
            "mcse_mean": float(az.mcse(ds, method="mean")["x"]),
        }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
