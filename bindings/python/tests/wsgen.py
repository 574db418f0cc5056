"""Seeded generator of random valid pyhf workspaces for the parity suite.

Draws 1-3 channels of 1-4 bins, 1-3 background samples per channel plus a
signal (normfactor ``mu``) in the first channel, and every modifier type:
normsys, histosys, shapesys, staterror, lumi, shapefactor, normfactor —
with names shared across samples and channels where pyhf allows it — and
the interpolation codes (normsys code1/4, histosys code0/2/4p).
"""

from __future__ import annotations

import numpy as np

NORMSYS_CODES = ["code1", "code4"]  # pyhf 0.7 allows only these for normsys
HISTOSYS_CODES = ["code0", "code2", "code4p"]


def random_workspace(seed: int) -> tuple[dict, dict]:
    """``(spec, modifier_settings)`` for ``seed``."""
    rng = np.random.default_rng(seed)
    n_ch = int(rng.integers(1, 4))
    channels, observations = [], []
    use_lumi = bool(rng.random() < 0.6)
    shared_normsys = [f"ns_shared{k}" for k in range(2)]
    shared_histosys = [f"hs_shared{k}" for k in range(2)]
    for c in range(n_ch):
        name = f"ch{c}"
        nb = int(rng.integers(1, 5))
        samples = []
        n_bkg = int(rng.integers(1, 4))
        staterror_on = bool(rng.random() < 0.6)
        shapefactor_sample = int(rng.integers(0, n_bkg)) if rng.random() < 0.3 else -1
        if c == 0:
            sig = rng.uniform(1, 20, nb)
            mods = [{"name": "mu", "type": "normfactor", "data": None}]
            if use_lumi:
                mods.append({"name": "lumi", "type": "lumi", "data": None})
            if rng.random() < 0.5:
                mods.append(_normsys(rng, "sig_xsec"))
            samples.append({"name": "signal", "data": sig.tolist(), "modifiers": mods})
        for s in range(n_bkg):
            nom = rng.uniform(5, 120, nb)
            mods = []
            if use_lumi and rng.random() < 0.7:
                mods.append({"name": "lumi", "type": "lumi", "data": None})
            if rng.random() < 0.7:
                mods.append(_normsys(rng, str(rng.choice(shared_normsys))))
            if rng.random() < 0.3:
                mods.append(_normsys(rng, f"ns_{name}_b{s}"))
            if rng.random() < 0.6:
                mods.append(_histosys(rng, str(rng.choice(shared_histosys)), nom))
            if rng.random() < 0.3:
                mods.append(_histosys(rng, f"hs_{name}_b{s}", nom))
            if rng.random() < 0.4:
                rel = rng.uniform(0.02, 0.25, nb)
                mods.append(
                    {"name": f"shapesys_{name}_b{s}", "type": "shapesys", "data": (rel * nom).tolist()}
                )
            if staterror_on and rng.random() < 0.8:
                rel = rng.uniform(0.01, 0.15, nb)
                mods.append(
                    {"name": f"staterror_{name}", "type": "staterror", "data": (rel * nom).tolist()}
                )
            if s == shapefactor_sample:
                mods.append({"name": f"sf_{name}", "type": "shapefactor", "data": None})
            if rng.random() < 0.2:
                mods.append({"name": f"k_{name}", "type": "normfactor", "data": None})
            samples.append({"name": f"bkg{s}", "data": nom.tolist(), "modifiers": mods})
        total = np.sum([s["data"] for s in samples], axis=0)
        obs = rng.poisson(total * rng.uniform(0.85, 1.2)).astype(float)
        channels.append({"name": name, "samples": samples})
        observations.append({"name": name, "data": obs.tolist()})
    params = []
    if use_lumi:
        params.append(
            {"name": "lumi", "auxdata": [1.0], "sigmas": [0.02], "bounds": [[0.8, 1.2]], "inits": [1.0]}
        )
    spec = {
        "channels": channels,
        "observations": observations,
        "measurements": [{"name": "meas", "config": {"poi": "mu", "parameters": params}}],
        "version": "1.0.0",
    }
    settings = {
        "normsys": {"interpcode": str(rng.choice(NORMSYS_CODES))},
        "histosys": {"interpcode": str(rng.choice(HISTOSYS_CODES))},
    }
    return spec, settings


def _normsys(rng, name):
    return {
        "name": name,
        "type": "normsys",
        "data": {"hi": float(1 + rng.uniform(0.02, 0.3)), "lo": float(1 - rng.uniform(0.02, 0.3))},
    }


def _histosys(rng, name, nom):
    up = nom * (1 + rng.uniform(-0.05, 0.2, nom.size))
    dn = nom * (1 - rng.uniform(-0.05, 0.2, nom.size))
    return {"name": name, "type": "histosys", "data": {"hi_data": up.tolist(), "lo_data": dn.tolist()}}


def random_point(init, bounds, fixed, seed):
    """A random parameter point (the goldens' rule)."""
    rng = np.random.default_rng(seed)
    x = []
    for v, (lo, hi), f in zip(init, bounds, fixed):
        y = v + rng.uniform(-1.5, 1.5) if v == 0 else v * (1 + rng.uniform(-0.2, 0.2))
        y = min(max(y, lo), hi)
        x.append(v if f else y)
    return np.asarray(x, dtype=float)
