"""Goldens for workspace operations: pyhf's combine / prune / rename /
sorted / digest on tests/fixtures/complex_workspace.json.
Run: .venv/bin/python scripts/make_workspace_ops_goldens.py
Writes tests/fixtures/goldens/hepwf/workspace_ops.json."""
import json
import pathlib

import pyhf

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "tests/fixtures/goldens/hepwf/workspace_ops.json"
ws = pyhf.Workspace(json.loads((ROOT / "tests/fixtures/complex_workspace.json").read_text()))
renamed = ws.rename(
    channels={"SR": "SR2", "CR": "CR2"},
    modifiers={"bkg_shape": "bkg_shape2"},
    samples={"signal": "sig"},
    measurements={"measurement": "meas2"},
)
out = {
    "pyhf": pyhf.__version__,
    "prune": ws.prune(samples=["signal"], modifier_types=["histosys"], modifiers=["lumi"]),
    "prune_channel": ws.prune(channels=["CR"]),
    "rename": renamed,
    "combine_none": pyhf.Workspace.combine(ws, renamed),
    "combine_outer_self": pyhf.Workspace.combine(ws, ws, join="outer"),
    "combine_left_outer": pyhf.Workspace.combine(ws, ws.prune(samples=["signal"]), join="left outer"),
    "sorted": pyhf.Workspace.sorted(renamed),
    "digest_sha256": pyhf.utils.digest(ws, "sha256"),
    "digest_md5": pyhf.utils.digest(ws, "md5"),
}
OUT.write_text(json.dumps(out, indent=1) + "\n")
print(OUT)
