#!/usr/bin/env python3
"""Side by side: read one flat f64 branch (open + metadata + all entries)
with uproot (to numpy) and with ns-root (criterion bench `read`), per codec.

    .venv/bin/python scripts/bench_root.py [--entries 1000000] [--reps 15]

Writes the test files with uproot into /tmp/ns_bench_root (tree `t`, branch
`x`, normal doubles, one basket per 50k entries), times uproot's
`uproot.open(p)["t"]["x"].array(library="np")` (median of --reps runs, a
fresh open each time), runs `cargo bench -p ns-root --bench read` on the same
files and prints a markdown table of the medians and their ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import time

import numpy as np
import uproot

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..")
OUT = "/tmp/ns_bench_root"
CODECS = {
    "none": None,
    "zlib": uproot.ZLIB(1),
    "lz4": uproot.LZ4(1),
    "zstd": uproot.ZSTD(1),
    "lzma": uproot.LZMA(1),
}


def write(path, codec, n, chunk=50_000):
    rng = np.random.default_rng(1)
    with uproot.recreate(path, compression=codec) as f:
        t = f.mktree("t", {"x": "float64"})
        for i in range(0, n, chunk):
            t.extend({"x": rng.normal(size=min(chunk, n - i))})


def time_uproot(path, reps):
    out = []
    for _ in range(reps):
        t0 = time.perf_counter()
        a = uproot.open(path)["t"]["x"].array(library="np")
        out.append(time.perf_counter() - t0)
        assert a.dtype == np.float64
    return statistics.median(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--entries", type=int, default=1_000_000)
    ap.add_argument("--reps", type=int, default=15)
    args = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)
    paths = {}
    for tag, codec in CODECS.items():
        p = os.path.join(OUT, f"x_{tag}_{args.entries}.root")
        if not os.path.exists(p):
            write(p, codec, args.entries)
        paths[tag] = p
    up = {tag: time_uproot(p, args.reps) for tag, p in paths.items()}
    env = dict(os.environ, NS_ROOT_BENCH_FILES=",".join(paths.values()))
    subprocess.run(
        ["cargo", "bench", "-p", "ns-root", "--bench", "read"],
        cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL,
    )
    print(f"entries {args.entries}, uproot {uproot.__version__}, numpy {np.__version__}")
    print("| codec | file MB | uproot median | ns-root median | ratio |")
    print("|---|---|---|---|---|")
    for tag, p in paths.items():
        stem = os.path.splitext(os.path.basename(p))[0]
        est = os.path.join(ROOT, "target", "criterion", f"read_f64_{stem}", "new", "estimates.json")
        with open(est) as fh:
            ns = json.load(fh)["median"]["point_estimate"] * 1e-9
        mb = os.path.getsize(p) / 1e6
        print(f"| {tag} | {mb:.1f} | {up[tag]*1e3:.2f} ms | {ns*1e3:.2f} ms | {up[tag]/ns:.1f}x |")


if __name__ == "__main__":
    main()
