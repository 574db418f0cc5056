#!/usr/bin/env python
"""Seeded generator of "published-like" synthetic HistFactory workspaces for
the optimiser stress tests (issue 13, item 4): 50-300 parameters, many
channels and bins, staterror, shapesys with tiny relative uncertainties
(tau = 1/rel^2 up to ~1e12), normsys with widths spanning orders of
magnitude (1e-6 .. 0.5), histosys, several normfactors and a lumi parameter.

Writes tests/fixtures/stress/stress_<k>.json (k = 0..7), each < 300 kB.
Deterministic: numpy's default_rng(SEED + k); rerunning rewrites the same
files.

Usage: .venv/bin/python scripts/make_stress_workspaces.py
"""
import json
import os

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "fixtures", "stress")
SEED = 20261207
# (channels, bins per channel, background samples per channel, shared normsys,
#  histosys, normfactors) per workspace: 50-300 parameters in all.
LAYOUTS = [
    (4, 6, 3, 20, 8, 2),
    (6, 5, 3, 30, 10, 3),
    (8, 4, 4, 40, 12, 3),
    (10, 6, 3, 50, 15, 4),
    (5, 10, 4, 35, 12, 2),
    (12, 4, 3, 60, 20, 4),
    (3, 15, 3, 25, 10, 2),
    (9, 8, 4, 70, 25, 5),
]


def r6(x):
    return [float(f"{v:.6g}") for v in x]


def workspace(k):
    rng = np.random.default_rng(SEED + k)
    n_ch, n_bins, n_bkg, n_norm, n_histo, n_nf = LAYOUTS[k]
    # Normsys widths log-uniform over 1e-6 .. 0.5; a few asymmetric, some
    # one-sided (both factors on the same side of 1).
    widths = np.exp(rng.uniform(np.log(1e-6), np.log(0.5), n_norm))
    normsys = []
    for j, w in enumerate(widths):
        kind = rng.integers(0, 4)
        if kind == 0:
            lo, hi = 1 - w, 1 + w
        elif kind == 1:
            lo, hi = 1 - 0.6 * w, 1 + 1.3 * w
        elif kind == 2:
            lo, hi = 1 + 0.3 * w, 1 + w
        else:
            lo, hi = 1 + w, 1 - 0.8 * w
        normsys.append((f"norm_{j}", float(f"{lo:.9g}"), float(f"{hi:.9g}")))
    channels, observations = [], []
    for c in range(n_ch):
        nf = f"nf_{c % n_nf}" if c % 3 != 0 else None
        samples = []
        # Signal: a bump in the middle bins.
        centre = rng.uniform(0.3, 0.7) * n_bins
        sig = 5.0 * np.exp(-0.5 * ((np.arange(n_bins) - centre) / 1.5) ** 2) + 0.01
        samples.append({
            "name": "signal",
            "data": r6(sig * rng.uniform(0.5, 3.0)),
            "modifiers": [
                {"name": "mu", "type": "normfactor", "data": None},
                {"name": "lumi", "type": "lumi", "data": None},
                {"name": normsys[0][0], "type": "normsys", "data": {"lo": normsys[0][1], "hi": normsys[0][2]}},
            ],
        })
        for b in range(n_bkg):
            scale = 10 ** rng.uniform(0.5, 3.5)
            shape = np.exp(-np.arange(n_bins) * rng.uniform(0.05, 0.4))
            nom = scale * shape
            mods = [{"name": "lumi", "type": "lumi", "data": None}]
            for j in rng.choice(n_norm, size=min(n_norm, rng.integers(2, 6)), replace=False):
                name, lo, hi = normsys[j]
                mods.append({"name": name, "type": "normsys", "data": {"lo": lo, "hi": hi}})
            for h in rng.choice(n_histo, size=rng.integers(1, 3), replace=False):
                tilt = rng.uniform(-0.08, 0.08) * np.linspace(-1, 1, n_bins)
                amp = rng.uniform(0.01, 0.1)
                hi = nom * (1 + amp + tilt)
                lo = nom * (1 - amp * rng.uniform(0.5, 1.5) - tilt)
                mods.append({"name": f"histo_{h}", "type": "histosys",
                             "data": {"hi_data": r6(hi), "lo_data": r6(lo)}})
            if b == 0:
                # MC statistics, 1-10 %.
                mods.append({"name": f"staterror_ch{c}", "type": "staterror",
                             "data": r6(nom * rng.uniform(0.01, 0.1, n_bins))})
            if b == 1:
                # Tiny relative uncertainties: tau = 1/rel^2 in 1e10 .. 1e12.
                rel = 10 ** rng.uniform(-6, -5, n_bins)
                mods.append({"name": f"shapesys_ch{c}_b{b}", "type": "shapesys",
                             "data": r6(nom * rel)})
            if b == 2 and nf is not None:
                mods.append({"name": nf, "type": "normfactor", "data": None})
            samples.append({"name": f"bkg{b}", "data": r6(nom), "modifiers": mods})
        truth = sum(np.array(s["data"]) for s in samples[1:]) + 0.5 * np.array(samples[0]["data"])
        obs = rng.poisson(truth).astype(float)
        channels.append({"name": f"ch{c}", "samples": samples})
        observations.append({"name": f"ch{c}", "data": obs.tolist()})
    return {
        "version": "1.0.0",
        "channels": channels,
        "observations": observations,
        "measurements": [{
            "name": "meas",
            "config": {
                "poi": "mu",
                "parameters": [{"name": "lumi", "auxdata": [1.0], "sigmas": [0.017],
                                "bounds": [[0.9, 1.1]], "inits": [1.0]}],
            },
        }],
    }


def main():
    os.makedirs(OUT, exist_ok=True)
    for k in range(len(LAYOUTS)):
        path = os.path.join(OUT, f"stress_{k}.json")
        with open(path, "w") as f:
            json.dump(workspace(k), f, separators=(",", ":"))
        print(path, os.path.getsize(path))


if __name__ == "__main__":
    main()
