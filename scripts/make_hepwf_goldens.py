"""Goldens for MINOS (iminuit) and goodness of fit (cabinetry) on the
bundled workspaces. Run: .venv/bin/python scripts/make_hepwf_goldens.py
Writes tests/fixtures/goldens/hepwf/minos_gof.json (pyhf 0.7 defaults:
normsys code4, histosys code4p; numpy backend)."""
import json
import pathlib

import cabinetry
import iminuit
import numpy as np
import pyhf

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "tests/fixtures/goldens/hepwf/minos_gof.json"
pyhf.set_backend("numpy")

out = {"iminuit": iminuit.__version__, "cabinetry": cabinetry.__version__, "pyhf": pyhf.__version__, "cases": []}
for name in ["simple_workspace.json", "two_channel_workspace.json"]:
    spec = json.loads((ROOT / "tests/fixtures" / name).read_text())
    ws = pyhf.Workspace(spec)
    model = ws.model()
    data = np.asarray(ws.data(model))
    fcn = lambda p: float(-2.0 * model.logpdf(np.asarray(p), data)[0])
    m = iminuit.Minuit(fcn, model.config.suggested_init(), name=model.config.par_names)
    m.errordef = 1.0
    m.limits = model.config.suggested_bounds()
    m.fixed = model.config.suggested_fixed()
    m.strategy = 2
    m.tol = 1e-6
    m.migrad()
    m.minos()
    minos = {
        p: {"lower": m.values[p] + m.merrors[p].lower, "upper": m.values[p] + m.merrors[p].upper,
            "at_lower_limit": m.merrors[p].at_lower_limit, "at_upper_limit": m.merrors[p].at_upper_limit}
        for p in model.config.par_names if not m.fixed[p]
    }
    best_twice_nll = m.fval
    p_gof = cabinetry.fit._goodness_of_fit(model, data.tolist(), best_twice_nll)
    ndof = sum(model.config.channel_nbins.values()) - cabinetry.model_utils.unconstrained_parameter_count(model)
    out["cases"].append({"workspace": name, "bestfit": list(m.values), "twice_nll": best_twice_nll,
                         "minos": minos, "gof": {"p_value": float(p_gof), "ndof": int(ndof)}})
OUT.write_text(json.dumps(out, indent=1) + "\n")
print(OUT)
