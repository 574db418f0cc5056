"""NextStat quickstart: load a pyhf workspace, fit, CLs, upper limit, plots.

Run from the repository root (after scripts/test_python.sh or
`pip install ./bindings/python[viz]`):

    .venv/bin/python examples/quickstart.py [workspace.json] [outdir]

Each step is a notebook cell.
"""

import os
import sys

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402

import nextstat  # noqa: E402
import nextstat.viz  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "tests", "fixtures", "complex_workspace.json")
outdir = sys.argv[2] if len(sys.argv) > 2 else os.path.join(HERE, "..", "tmp", "quickstart")
os.makedirs(outdir, exist_ok=True)

# 1. Load the workspace (dict, JSON text, path, or a pyhf.Workspace all work).
model = nextstat.from_pyhf(path)
print(model)
print("parameters:", model.par_names)

# 2. Maximum-likelihood fit on the observed data.
fit = nextstat.fit(model)
print(fit)
for name, v, e in zip(model.par_names, fit.bestfit, fit.uncertainties):
    print(f"  {name:24s} {v:+.4f} ± {e:.4f}")

# 3. CLs of the mu = 1 hypothesis (asymptotic q~mu, as pyhf's hypotest).
h = nextstat.hypotest(1.0, model)
print(h)
print(f"CLs(mu=1) observed = {h.cls_obs:.4f}, expected median = {h.cls_exp[2]:.4f}")

# 4. 95% CL upper limit on mu, from a grid of hypotests (the Brazil band).
ul = nextstat.upper_limit(model, scan=np.linspace(0, 5, 21))
print(ul)
print(f"observed limit mu < {ul.obs_limit:.3f}; expected {ul.exp_limits[2]:.3f} "
      f"[{ul.exp_limits[1]:.3f}, {ul.exp_limits[3]:.3f}]")

# 5. Brazil band and ranking (impact) plots, saved to PNG.
ax = nextstat.viz.brazil_band(ul)
ax.figure.savefig(os.path.join(outdir, "brazil.png"), dpi=100)
rank = nextstat.ranking(model)
ax = nextstat.viz.ranking(rank)
ax.figure.tight_layout()
ax.figure.savefig(os.path.join(outdir, "ranking.png"), dpi=100)
print("wrote", os.path.join(outdir, "brazil.png"), "and", os.path.join(outdir, "ranking.png"))
