#!/usr/bin/env python3
"""Write the ROOT test files of crates/ns-root and their expected values.

Offline script (not run by CI). It needs real ROOT and uproot in one venv:

    python3 -m venv /tmp/rootvenv
    /tmp/rootvenv/bin/pip install root uproot awkward   # ROOT 6.40 wheel, ~700 MB
    /tmp/rootvenv/bin/python scripts/make_root_fixtures.py [uproot|many|root ...]

Files go to tests/fixtures/root/: trees written by uproot 5 (`mktree` +
`extend`, one basket per `extend`, every codec uproot writes) and by ROOT
(every codec including the old "CS" deflate, Double32_t/Float16_t, leaf
lists, fixed and leaf-count arrays, std::vector, strings, many baskets and
clusters) plus TH1/TH2 histograms. Each `X.root` gets `X.json`: the values
as uproot reads them (floats as `float.hex`, so the Rust tests compare bit
for bit). uproot is the independent reader; ROOT is only the writer. The one
file uproot cannot read (old "CS" codec) gets the expected values of the
same tree written with zlib (asserted identical here through ROOT).
"""

from __future__ import annotations

import array
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "fixtures", "root")


def enc(x):
    """JSON-encode a value read by uproot: floats as hex, nested lists kept."""
    if isinstance(x, (list, tuple)):
        return [enc(v) for v in x]
    if isinstance(x, np.ndarray):
        return [enc(v) for v in x.tolist()]
    if isinstance(x, (bool, np.bool_)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        return float(x).hex()
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (str, bytes)):
        return x.decode() if isinstance(x, bytes) else x
    if isinstance(x, dict):
        return {k: enc(v) for k, v in x.items()}
    raise TypeError(f"cannot encode {type(x)}")


def dump_expected(root_path, json_path=None, tree_names=None):
    import awkward as ak
    import uproot

    f = uproot.open(root_path)
    out = {"keys": [], "trees": {}, "hists": {}}
    for key, cls in f.classnames(recursive=True, cycle=True).items():
        name, cycle = key.rsplit(";", 1)
        out["keys"].append({"name": name, "cycle": int(cycle), "classname": cls})
    for key, cls in f.classnames(recursive=True, cycle=False).items():
        if cls == "TTree":
            t = f[key]
            tdoc = {"num_entries": int(t.num_entries), "branches": {}}
            for b in t.iterate_branches() if hasattr(t, "iterate_branches") else t.values(recursive=True):
                if b.member("fLeaves") is None or len(b.member("fLeaves")) == 0:
                    continue
                arr = b.array(library="ak")
                bdoc = {
                    "typename": b.typename,
                    "classname": b.classname,
                    "num_baskets": int(b.num_baskets),
                    "leaves": [lf.classname for lf in b.member("fLeaves")],
                }
                if arr.fields:
                    bdoc["fields"] = {fld: enc(ak.to_list(arr[fld])) for fld in arr.fields}
                else:
                    bdoc["values"] = enc(ak.to_list(arr))
                tdoc["branches"][b.name] = bdoc
            out["trees"][key] = tdoc
        elif cls.startswith("TH1") or cls.startswith("TH2"):
            h = f[key]
            hdoc = {
                "classname": cls,
                "title": h.member("fTitle"),
                "values_flow": enc(h.values(flow=True)),
                "variances_flow": enc(h.variances(flow=True)),
                "entries": enc(float(h.member("fEntries"))),
                "has_sumw2": len(h.member("fSumw2")) > 0,
            }
            for i, ax in enumerate(h.axes):
                hdoc[f"axis{i}"] = {
                    "edges": enc(ax.edges()),
                    "title": ax.member("fTitle"),
                    "labels": ax.labels() or [],
                }
            out["hists"][key] = hdoc
    json_path = json_path or root_path[:-5] + ".json"
    with open(json_path, "w") as fh:
        json.dump(out, fh, indent=0, sort_keys=True)
        fh.write("\n")


# ---------------------------------------------------------------- uproot files

def write_uproot_files():
    import uproot

    codecs = {
        "none": None,
        "zlib": uproot.ZLIB(4),
        "lz4": uproot.LZ4(4),
        "zstd": uproot.ZSTD(4),
        "lzma": uproot.LZMA(4),
    }
    for tag, codec in codecs.items():
        path = os.path.join(OUT, f"uproot_{tag}.root")
        rng = np.random.default_rng(15)
        with uproot.recreate(path, compression=codec) as f:
            t = f.mktree(
                "events",
                {
                    "b": "bool",
                    "i1": "int8",
                    "u1": "uint8",
                    "i2": "int16",
                    "u2": "uint16",
                    "i4": "int32",
                    "u4": "uint32",
                    "i8": "int64",
                    "u8": "uint64",
                    "f4": "float32",
                    "f8": "float64",
                    "arr3": np.dtype(("f8", (3,))),
                    "jet_pt": "var * float32",
                    "jet_id": "var * int32",
                },
                title="uproot test tree",
            )
            import awkward as ak

            for n in (700, 500, 300):  # three baskets per branch, uneven
                counts = rng.integers(0, 5, n)
                total = int(counts.sum())
                t.extend(
                    {
                        "b": rng.integers(0, 2, n).astype(bool),
                        "i1": rng.integers(-128, 128, n).astype(np.int8),
                        "u1": rng.integers(0, 256, n).astype(np.uint8),
                        "i2": rng.integers(-(2**15), 2**15, n).astype(np.int16),
                        "u2": rng.integers(0, 2**16, n).astype(np.uint16),
                        "i4": rng.integers(-(2**31), 2**31, n).astype(np.int32),
                        "u4": rng.integers(0, 2**32, n).astype(np.uint32),
                        "i8": rng.integers(-(2**63), 2**63 - 1, n, dtype=np.int64),
                        "u8": rng.integers(0, 2**64 - 1, n, dtype=np.uint64),
                        "f4": rng.normal(0, 100, n).astype(np.float32),
                        "f8": rng.normal(0, 1e6, n),
                        "arr3": rng.normal(size=(n, 3)),
                        "jet_pt": ak.unflatten(rng.exponential(50, total).astype(np.float32), counts),
                        "jet_id": ak.unflatten(rng.integers(-5, 5, total).astype(np.int32), counts),
                    }
                )
            f["hnp"] = np.histogram(rng.normal(size=1000), bins=10, range=(-3, 3))
        dump_expected(path)


def write_uproot_many():
    """Every primitive type over 40 baskets of uneven size (one per `extend`)."""
    import uproot

    path = os.path.join(OUT, "uproot_many.root")
    rng = np.random.default_rng(18)
    types = {
        "b": "bool", "i1": "int8", "u1": "uint8", "i2": "int16", "u2": "uint16",
        "i4": "int32", "u4": "uint32", "i8": "int64", "u8": "uint64",
        "f4": "float32", "f8": "float64",
    }
    with uproot.recreate(path, compression=uproot.ZSTD(1)) as f:
        t = f.mktree("many", types, title="40 baskets per branch")
        for k in range(40):
            n = int(rng.integers(1, 60))
            cols = {}
            for name, dt in types.items():
                if dt == "bool":
                    cols[name] = rng.integers(0, 2, n).astype(bool)
                elif dt.startswith("float"):
                    cols[name] = rng.normal(0, 10.0 ** (k % 7), n).astype(dt)
                else:
                    info = np.iinfo(dt)
                    cols[name] = rng.integers(info.min, info.max, n, dtype=dt, endpoint=True)
            t.extend(cols)
    dump_expected(path)


# ------------------------------------------------------------------ ROOT files

ROOT_CODECS = {"none": 0, "zlib": 101, "lz4": 404, "zstd": 505, "lzma": 207, "oldcs": 301}


def write_root_tree(path, settings, n=800):
    import ROOT

    ROOT.gInterpreter.Declare("#include <vector>\n#include <string>")
    f = ROOT.TFile(path, "RECREATE")
    f.SetCompressionSettings(settings)
    t = ROOT.TTree("types", "ROOT-written types")
    t.SetAutoFlush(250)  # several clusters
    buf = {
        "n": array.array("i", [0]),
        "x": array.array("f", [0.0] * 8),
        "a3": array.array("d", [0.0] * 3),
        "ll": array.array("d", [0.0] * 3),
        "d32": array.array("d", [0.0]),
        "d32r": array.array("d", [0.0]),
        "f16": array.array("f", [0.0]),
        "f16r": array.array("f", [0.0]),
        "o": array.array("b", [0]),
        "c": array.array("b", [0] * 16),
    }
    # leaf list: a/I:b/F:c/D packed in a C struct
    ROOT.gInterpreter.Declare("struct NsLL { int a; float b; double c; };")
    ll = ROOT.NsLL()
    t.Branch("n", buf["n"], "n/I")
    t.Branch("x", buf["x"], "x[n]/F")
    t.Branch("a3", buf["a3"], "a3[3]/D")
    t.Branch("ll", ll, "a/I:b/F:c/D")
    t.Branch("d32", buf["d32"], "d32/d")
    t.Branch("d32r", buf["d32r"], "d32r/d[-10,100,20]")
    t.Branch("f16", buf["f16"], "f16/f")
    t.Branch("f16r", buf["f16r"], "f16r/f[0,10,12]")
    t.Branch("o", buf["o"], "o/O")
    t.Branch("cstr", buf["c"], "cstr/C")
    vf = ROOT.std.vector("float")()
    vi = ROOT.std.vector("int")()
    vd = ROOT.std.vector("double")()
    vvf = ROOT.std.vector(ROOT.std.vector("float"))()
    s = ROOT.std.string()
    ts = ROOT.TString()
    t.Branch("vf", vf)
    t.Branch("vi", vi)
    t.Branch("vd", vd)
    t.Branch("vvf", vvf)
    t.Branch("s", s)
    t.Branch("ts", ts)
    for b in t.GetListOfBranches():
        b.SetBasketSize(2048)  # many baskets per branch
    rng = np.random.default_rng(16)
    for i in range(n):
        k = int(rng.integers(0, 8))
        buf["n"][0] = k
        for j in range(k):
            buf["x"][j] = float(rng.normal())
        for j in range(3):
            buf["a3"][j] = float(rng.normal())
        ll.a = int(rng.integers(-1000, 1000))
        ll.b = float(rng.normal())
        ll.c = float(rng.normal())
        buf["d32"][0] = float(rng.normal())
        buf["d32r"][0] = float(rng.uniform(-10, 100))
        buf["f16"][0] = float(rng.normal(0, 1000))
        buf["f16r"][0] = float(rng.uniform(0, 10))
        buf["o"][0] = int(rng.integers(0, 2))
        word = "e%d" % i + "x" * int(rng.integers(0, 6))
        for j, ch in enumerate(word.encode()):
            buf["c"][j] = ch
        buf["c"][len(word)] = 0
        vf.clear(); vi.clear(); vd.clear(); vvf.clear()
        for j in range(int(rng.integers(0, 5))):
            vf.push_back(float(rng.normal()))
            vi.push_back(int(rng.integers(-100, 100)))
            vd.push_back(float(rng.normal()))
        for j in range(int(rng.integers(0, 4))):
            inner = ROOT.std.vector("float")()
            for _ in range(int(rng.integers(0, 4))):
                inner.push_back(float(rng.normal()))
            vvf.push_back(inner)
        s.assign("s%d" % (i * 7))
        ts.Form("ts%d" % (i % 13))
        t.Fill()
    t.Write()
    f.Close()


def write_root_hists(path):
    import ROOT

    f = ROOT.TFile(path, "RECREATE")
    f.SetCompressionSettings(101)
    rng = np.random.default_rng(17)
    h1f = ROOT.TH1F("h1f", "TH1F fixed;x [GeV];events", 20, -2.0, 3.0)
    h1d = ROOT.TH1D("h1d", "TH1D variable", 5, array.array("d", [0.0, 1.0, 2.5, 4.0, 7.0, 10.0]))
    h1i = ROOT.TH1I("h1i", "TH1I counts", 10, 0, 10)
    h2f = ROOT.TH2F("h2f", "TH2F;x;y", 6, 0, 6, 4, -1, 1)
    h2d = ROOT.TH2D("h2d", "TH2D var", 3, array.array("d", [0, 1, 5, 6]), 2, array.array("d", [-1, 0, 2]))
    h1d.Sumw2()
    h2d.Sumw2()
    for _ in range(3000):
        x = float(rng.normal(0.5, 1.5))
        w = float(rng.uniform(0.5, 1.5))
        h1f.Fill(x, w)
        h1d.Fill(float(rng.uniform(-1, 11)), w)
        h1i.Fill(float(rng.uniform(-1, 11)))
        h2f.Fill(float(rng.uniform(-1, 7)), float(rng.normal(0, 0.7)), w)
        h2d.Fill(float(rng.uniform(-1, 7)), float(rng.normal(0, 1.0)), w)
    for i, lab in enumerate(["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"]):
        h1i.GetXaxis().SetBinLabel(i + 1, lab)
    for h in (h1f, h1d, h1i, h2f, h2d):
        h.Write()
    h1f.Scale(2.0)
    h1f.Write()  # cycle 2 of h1f (highest cycle is the default)
    d = f.mkdir("sub")
    d2 = d.mkdir("deeper")
    d.cd()
    hs = ROOT.TH1D("hsub", "in a subdirectory", 4, 0, 4)
    hs.Fill(1.5, 3.0)
    hs.Write()
    d2.cd()
    hd = ROOT.TH1F("hdeep", "two levels down", 3, 0, 3)
    hd.Fill(0.5)
    hd.Write()
    f.Close()


def check_same_values(path_a, path_b, tree):
    import ROOT

    fa, fb = ROOT.TFile(path_a), ROOT.TFile(path_b)
    ta, tb = fa.Get(tree), fb.Get(tree)
    assert ta.GetEntries() == tb.GetEntries()
    for name in ("x", "a3", "d32", "d32r", "f16", "f16r", "vf", "vvf", "s"):
        na = ta.Draw(name, "", "goff")
        va = [ta.GetV1()[i] for i in range(na)] if name != "s" else None
        nb = tb.Draw(name, "", "goff")
        vb = [tb.GetV1()[i] for i in range(nb)] if name != "s" else None
        assert na == nb and va == vb, name


def main():
    os.makedirs(OUT, exist_ok=True)
    which = sys.argv[1:] or ["uproot", "root"]
    if "uproot" in which:
        write_uproot_files()
    if "uproot" in which or "many" in which:
        write_uproot_many()
    if "root" in which:
        for tag, settings in ROOT_CODECS.items():
            write_root_tree(os.path.join(OUT, f"root_{tag}.root"), settings)
        for tag in ROOT_CODECS:
            if tag != "oldcs":
                dump_expected(os.path.join(OUT, f"root_{tag}.root"))
        check_same_values(
            os.path.join(OUT, "root_zlib.root"), os.path.join(OUT, "root_oldcs.root"), "types"
        )
        dump_expected(
            os.path.join(OUT, "root_zlib.root"), os.path.join(OUT, "root_oldcs.json")
        )
        write_root_hists(os.path.join(OUT, "root_hists.root"))
        dump_expected(os.path.join(OUT, "root_hists.root"))
    total = sum(os.path.getsize(os.path.join(OUT, p)) for p in os.listdir(OUT))
    print(f"wrote {OUT}: {total / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
