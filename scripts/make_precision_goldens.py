#!/usr/bin/env python
"""Exact NLL values (mpmath, 50 digits) for the precision tests (issue 13.5).

For each workspace below and a few parameter points this writes
tests/fixtures/goldens/precision/<name>.json with

  twice_nll_exact   -2 ln L evaluated in 50-digit arithmetic from the spec
                    (every double of the workspace and of the parameter
                    point taken as the exact rational it is), rounded once;
  twice_nll_pyhf    pyhf 0.7.6's double-precision value (numpy backend),
                    i.e. xlogy(n, lam) - lam - gammaln(n + 1) per term;
  terms             (synthetic workspaces) the NLL terms, exact: main[i]
                    for the i-th main bin, the parameter's name for its
                    constraint (the labels of ns_histfactory::reference).

The synthetic workspaces are written by this script to
tests/fixtures/precision/: shapesys constraints with tau = m^2 from 1e3 to
1e12 (exact doubles), main bins with 1e4..1e12 counts plus staterror,
normsys, histosys and lumi, and bare Poisson terms with counts 0..1e12.
The shared fixtures (simple, complex, godrun, two_channel, tHu, tttt) are
evaluated at pyhf's suggested init and one seeded random point.

The evaluator here is written from the HistFactory definitions pyhf
implements (normsys code4, histosys code4p: pyhf's defaults; the 6x6 code4
system is solved in 50 digits), and checked against pyhf itself: the exact
and pyhf values must agree to 1e-6 relative, else the script stops.

Needs mpmath (requirements-dev.txt). Usage:
  /path/to/venv/bin/python scripts/make_precision_goldens.py
"""
import json
import os
import pathlib

os.environ["OPENBLAS_NUM_THREADS"] = "1"

import mpmath as mp  # noqa: E402
import numpy as np  # noqa: E402
import pyhf  # noqa: E402

mp.mp.dps = 50
ROOT = pathlib.Path(__file__).resolve().parent.parent
FIX = ROOT / "tests" / "fixtures"
OUT = FIX / "goldens" / "precision"
SYN = FIX / "precision"
SHARED = [
    "simple_workspace",
    "complex_workspace",
    "godrun_workspace",
    "two_channel_workspace",
    "workspace_tHu",
    "tttt-prod_workspace",
]


# ---------------------------------------------------------------- synthetic
def ws_of(channels, observations, config=None, poi="mu"):
    return {
        "channels": channels,
        "observations": observations,
        "measurements": [
            {"name": "meas", "config": {"poi": poi, "parameters": config or []}}
        ],
        "version": "1.0.0",
    }


def shapesys_tau():
    """tau = m^2 from ~1e3 to 1e12: nominal 3m, uncertainty 3."""
    ms = [32, 100, 317, 1000, 3163, 10000, 31623, 100000, 316228, 1000000]
    bkg = [3.0 * m for m in ms]
    sig = [0.01 * b for b in bkg]
    obs = [float(round(b + s + np.sqrt(b))) for b, s in zip(bkg, sig)]
    chan = {
        "name": "SR",
        "samples": [
            {"name": "bkg", "data": bkg,
             "modifiers": [{"name": "bkg_stat", "type": "shapesys", "data": [3.0] * len(ms)}]},
            {"name": "sig", "data": sig,
             "modifiers": [{"name": "mu", "type": "normfactor", "data": None}]},
        ],
    }
    # A one-bin channel with a single huge tau (the published likelihood of
    # the issue has tau up to 1.9e11).
    cr = {
        "name": "CR",
        "samples": [
            {"name": "bkg", "data": [436000.0],
             "modifiers": [{"name": "cr_stat", "type": "shapesys", "data": [1.0]}]},
        ],
    }
    return ws_of([chan, cr], [{"name": "SR", "data": obs}, {"name": "CR", "data": [436200.0]}]), ms


def large_counts():
    """Main bins with 1e4..1e12 counts, staterror, normsys, histosys, lumi."""
    nom = [1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12]
    small = [0.02 * n for n in nom]
    obs = [float(round(a + b + 2.0 * np.sqrt(a))) for a, b in zip(nom, small)]
    chan = {
        "name": "A",
        "samples": [
            {"name": "main", "data": nom, "modifiers": [
                {"name": "mu", "type": "normfactor", "data": None},
                {"name": "stat", "type": "staterror", "data": [1e-3 * n for n in nom]},
                {"name": "norm", "type": "normsys", "data": {"hi": 1.05, "lo": 0.97}},
                {"name": "lumi", "type": "lumi", "data": None},
            ]},
            {"name": "small", "data": small, "modifiers": [
                {"name": "shape", "type": "histosys",
                 "data": {"hi_data": [1.1 * s for s in small], "lo_data": [0.95 * s for s in small]}},
                {"name": "stat", "type": "staterror", "data": [1e-2 * s for s in small]},
            ]},
        ],
    }
    cfg = [{"name": "lumi", "auxdata": [1.0], "sigmas": [0.017], "bounds": [[0.5, 1.5]], "inits": [1.0]}]
    return ws_of([chan], [{"name": "A", "data": obs}], cfg)


def pure_poisson():
    """Bare Poisson terms: nu = nominal x mu, counts 0 .. 1e12."""
    n = [0.0, 0.5, 1.0, 3.0, 10.0, 100.0, 1e4, 1e6, 1e8, 1e10, 1e12, 123456789.5]
    z = [0.0, 0.3, -0.5, 1.0, 2.0, -1.5, 0.7, -3.0, 1.2, 0.01, -0.8, 2.5]
    nu = [0.7 if c == 0 else c + zz * np.sqrt(c) for c, zz in zip(n, z)]
    chan = {"name": "P", "samples": [{"name": "s", "data": nu, "modifiers": [
        {"name": "mu", "type": "normfactor", "data": None}]}]}
    return ws_of([chan], [{"name": "P", "data": n}])


# ---------------------------------------------------------------- exact NLL
def mpf(x):
    if isinstance(x, mp.mpf):
        return x
    return mp.mpf(float(x))  # a double is an exact rational


def code4_factor(lo, hi, a):
    lo, hi, a = mpf(lo), mpf(hi), mpf(a)
    if a >= 1:
        return hi**a
    if a <= -1:
        return lo ** (-a)
    lu, ld = mp.log(hi), mp.log(lo)
    A = mp.matrix(6, 6)
    for i in range(1, 7):
        A[0, i - 1] = 1
        A[1, i - 1] = (-1) ** i
        A[2, i - 1] = i
        A[3, i - 1] = i * (-1) ** (i - 1)
        A[4, i - 1] = i * (i - 1)
        A[5, i - 1] = i * (i - 1) * (-1) ** (i - 2)
    b = mp.matrix([hi - 1, lo - 1, lu * hi, -ld * lo, lu * lu * hi, ld * ld * lo])
    c = mp.lu_solve(A, b)
    return 1 + sum(c[i - 1] * a**i for i in range(1, 7))


def code4p_shift(down, nom, up, a):
    down, nom, up, a = mpf(down), mpf(nom), mpf(up), mpf(a)
    du, dd = up - nom, nom - down
    if a > 1:
        return du * a
    if a < -1:
        return dd * a
    s = (du + dd) / 2
    A = (du - dd) / 16
    return a * (s + a * A * (15 + a * a * (-10 + a * a * 3)))


# Σ of |parts| of every term in pyhf's form, which bounds the rounding
# error of a double evaluation of that form (collected by exact_terms).
PARTS = []
# Σ |ν − n| of the Poisson terms: a model evaluated in doubles has ν to a
# few ulps, which moves each term by ~ε·|ν ∂term/∂ν| = ε·|ν − n|.
DEV = []


def neg_log_poisson(n, nu):
    n, nu = mp.mpf(n), mp.mpf(nu)
    DEV.append(abs(nu - n))
    if n == 0:
        PARTS.append(abs(nu))
        return nu
    parts = (nu, n * mp.log(nu), mp.loggamma(n + 1))
    PARTS.append(sum(abs(v) for v in parts))
    return parts[0] - parts[1] + parts[2]


def exact_terms(ws, par_names, x):
    """Labelled NLL terms in 50 digits; x in pyhf's par_names order."""
    val = dict(zip(par_names, x))

    def p(name, k=None):
        if k is not None and f"{name}[{k}]" in val:
            return mpf(val[f"{name}[{k}]"])
        return mpf(val[name])

    chans = sorted(ws["channels"], key=lambda c: c["name"])
    cfg = {q["name"]: q for q in ws["measurements"][0]["config"]["parameters"]}
    obs = {o["name"]: o["data"] for o in ws["observations"]}

    def covered(name, ty):
        off, k = {}, 0
        for ch in chans:
            if any(m["name"] == name and m["type"] == ty for s in ch["samples"] for m in s["modifiers"]):
                off[ch["name"]] = k
                k += len(ch["samples"][0]["data"])
        return off

    terms, seen = [], set()
    i = 0
    cons = {}  # param name -> ("gauss", aux, sigma) | ("poisson", tau)
    for ch in chans:
        nb = len(ch["samples"][0]["data"])
        nu = [mp.mpf(0)] * nb
        for s in sorted(ch["samples"], key=lambda s: s["name"]):
            for b in range(nb):
                nom = mpf(s["data"][b])
                base, fac = nom, mp.mpf(1)
                for m in s["modifiers"]:
                    t, nm = m["type"], m["name"]
                    if t == "histosys":
                        base += code4p_shift(m["data"]["lo_data"][b], s["data"][b], m["data"]["hi_data"][b], p(nm))
                    elif t in ("normfactor", "lumi"):
                        fac *= p(nm)
                    elif t == "normsys":
                        fac *= code4_factor(m["data"]["lo"], m["data"]["hi"], p(nm))
                    elif t == "shapefactor":
                        fac *= p(nm, b)
                    elif t in ("shapesys", "staterror"):
                        fac *= p(nm, covered(nm, t)[ch["name"]] + b)
                    else:
                        raise ValueError(t)
                nu[b] += base * fac
        for b in range(nb):
            terms.append((f"main[{i}]", neg_log_poisson(mpf(obs[ch["name"]][b]), nu[b])))
            i += 1
    # Constraints.
    for ch in chans:
        for s in ch["samples"]:
            for m in s["modifiers"]:
                t, nm = m["type"], m["name"]
                if (nm, t) in seen:
                    continue
                seen.add((nm, t))
                if t in ("normsys", "histosys"):
                    sig = cfg.get(nm, {}).get("sigmas", [1.0])[0]
                    cons[nm] = ("gauss", 0.0, sig)
                elif t == "lumi":
                    cons[nm] = ("gauss", cfg[nm]["auxdata"][0], cfg[nm]["sigmas"][0])
                elif t == "shapesys":
                    off = covered(nm, t)[ch["name"]]
                    for b, (nom, unc) in enumerate(zip(s["data"], m["data"])):
                        if nom > 0 and unc > 0:
                            tau = (mpf(nom) / mpf(unc)) ** 2
                        else:
                            tau = mp.mpf(1)
                        cons[f"{nm}[{off + b}]"] = ("poisson", tau)
                elif t == "staterror":
                    carriers = {
                        s2["name"] for c2 in ws["channels"] for s2 in c2["samples"]
                        if any(m2["name"] == nm and m2["type"] == t for m2 in s2["modifiers"])
                    }
                    for c2 in chans:
                        off = covered(nm, t).get(c2["name"])
                        if off is None:
                            continue
                        for b in range(len(c2["samples"][0]["data"])):
                            nom_sum, unc2 = mp.mpf(0), mp.mpf(0)
                            for s2 in c2["samples"]:
                                if s2["name"] not in carriers:
                                    continue
                                nom_sum += mpf(s2["data"][b])
                                for m2 in s2["modifiers"]:
                                    if m2["name"] == nm and m2["type"] == t:
                                        unc2 += mpf(m2["data"][b]) ** 2
                            # The model's sigma is a double (pyhf computes it
                            # so, and so do we): the exact NLL of that model.
                            sig = float(mp.sqrt(unc2) / nom_sum) if nom_sum > 0 else 0.0
                            sig = sig or 1.0
                            if nm in cfg and "sigmas" in cfg[nm]:
                                sig = cfg[nm]["sigmas"][off + b]
                            cons[f"{nm}[{off + b}]"] = ("gauss", 1.0, sig)
    for name in par_names:
        if name not in cons:
            continue
        c = cons[name]
        th = mpf(val[name])
        if c[0] == "gauss":
            aux, sig = mpf(c[1]), mpf(c[2])
            z = (aux - th) / sig
            parts = (z * z / 2, mp.log(sig), mp.log(2 * mp.pi) / 2)
            PARTS.append(sum(abs(v) for v in parts))
            terms.append((name, sum(parts)))
        else:
            tau = c[1]
            terms.append((name, neg_log_poisson(tau, th * tau)))
    return terms


def exact_grad(ws, names, x):
    """dNLL/dx_k by mpmath's numerical differentiation in 50 digits (the
    NLL is analytic at the points used: no code4/code4p knot is hit)."""
    out = []
    for k in range(len(x)):
        def f(t, k=k):
            y = [mp.mpf(v) for v in x]
            y[k] = t
            return mp.fsum(v for _, v in exact_terms(ws, names, y))
        out.append(mp.diff(f, mp.mpf(x[k])))
    return out


# ---------------------------------------------------------------- driver
def points_for(model, extra):
    init = np.asarray(model.config.suggested_init(), dtype=float)
    bounds = model.config.suggested_bounds()
    fixed = model.config.suggested_fixed()
    rng = np.random.default_rng(4321)
    rnd = init.copy()
    for k in range(len(init)):
        if fixed[k]:
            continue
        v = init[k] * (1 + rng.uniform(-0.05, 0.05)) if init[k] != 0 else rng.uniform(-1, 1)
        rnd[k] = min(max(v, bounds[k][0]), bounds[k][1])
    pts = [("init", init), ("random", rnd)]
    for label, f in extra:
        pts.append((label, f(init.copy())))
    return pts


def golden(name, ws, extra=(), with_terms=False, workspace_file=None):
    model = pyhf.Workspace(ws).model()
    data = pyhf.Workspace(ws).data(model)
    names = list(model.config.par_names)
    out = {
        "workspace": workspace_file,
        "par_names": names,
        "points": [],
    }
    for label, x in points_for(model, extra):
        PARTS.clear()
        DEV.clear()
        terms = exact_terms(ws, names, list(x))
        exact = 2 * mp.fsum(v for _, v in terms)
        parts = 2 * mp.fsum(PARTS)
        dev = 2 * mp.fsum(DEV)
        py = float(-2 * model.logpdf(x, data)[0])
        # pyhf must agree up to the rounding its form allows (a few ulps of
        # the sum of |parts|): this checks the evaluator against pyhf.
        bound = 1e-10 * max(1.0, abs(exact)) + 16 * 2.0**-52 * parts
        assert abs(py - exact) <= bound, (name, label, py, exact, bound)
        pt = {
            "label": label,
            "pars": [float(v) for v in x],
            "twice_nll_exact": float(exact),
            "twice_nll_pyhf": py,
            "pyhf_error": float(py - exact),
            "twice_sum_abs_parts": float(parts),
            "twice_sum_abs_nu_minus_n": float(dev),
        }
        if with_terms:
            pt["terms"] = {k: float(v) for k, v in terms}
            pt["grad_nll_exact"] = [float(g) for g in exact_grad(ws, names, list(x))]
        out["points"].append(pt)
        print(f"{name:24s} {label:10s} exact {float(exact):.17g}  pyhf - exact {py - float(exact):+.3e}")
    return out


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    SYN.mkdir(parents=True, exist_ok=True)
    meta = {
        "generator": "scripts/make_precision_goldens.py",
        "pyhf": pyhf.__version__,
        "mpmath": mp.__version__,
        "dps": mp.mp.dps,
    }

    ws, ms = shapesys_tau()

    def gammas_off(x, z):
        # gamma_b = 1 + z_b / sqrt(tau_b) (z_b sigmas), mu = 1.2.
        out = x.copy()
        model = pyhf.Workspace(ws).model()
        names = model.config.par_names
        for b, m in enumerate(ms):
            out[names.index(f"bkg_stat[{b}]")] = 1.0 + z[b % len(z)] / m
        out[names.index("cr_stat[0]")] = 1.0 + 1.3 / 436000.0
        out[names.index("mu")] = 1.2
        return out

    syn = [
        ("shapesys_tau", ws, [
            ("gamma_1sigma", lambda x: gammas_off(x, [1.0, -1.0])),
            ("gamma_mixed", lambda x: gammas_off(x, [0.3, -2.0, 1.7, 0.01, -0.5])),
        ]),
        ("large_counts", large_counts(), [
            ("near_data", lambda x: x + _shift(x, 1e-7)),
        ]),
        ("pure_poisson", pure_poisson(), [
            ("mu_plus_1e-7", lambda x: x * (1 + 1e-7)),
            ("mu_0.999", lambda x: x * 0.999),
        ]),
    ]
    for name, w, extra in syn:
        path = SYN / f"{name}.json"
        path.write_text(json.dumps(w, indent=1) + "\n")
        g = golden(name, w, extra, with_terms=True, workspace_file=f"precision/{name}.json")
        g["meta"] = meta
        (OUT / f"{name}.json").write_text(json.dumps(g, indent=1) + "\n")
    for stem in SHARED:
        w = json.loads((FIX / f"{stem}.json").read_text())
        g = golden(stem, w, workspace_file=f"{stem}.json")
        g["meta"] = meta
        (OUT / f"{stem}.json").write_text(json.dumps(g, indent=1) + "\n")


def _shift(x, eps):
    """A small deterministic displacement of every parameter."""
    return np.array([eps * ((-1) ** k) * (1 + k % 3) for k in range(len(x))])


if __name__ == "__main__":
    main()
