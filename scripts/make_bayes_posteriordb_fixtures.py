#!/usr/bin/env python3
"""Copy posteriordb posteriors used by ns-bayes' tests into tests/fixtures/bayes/.

For each posterior: the data JSON as is (`<data>.data.json`) and the
reference draws (10 chains x 1000 draws of Stan's NUTS, ~1 MB each)
summarised to per-parameter mean and sd (`<posterior>.reference.json`).

Usage: python3 scripts/make_bayes_posteriordb_fixtures.py PATH/TO/posteriordb
(a checkout of github.com/stan-dev/posteriordb; only the standard library is needed).
"""
import json
import pathlib
import statistics
import sys
import zipfile

POSTERIORS = [
    "eight_schools-eight_schools_noncentered",
    "sblrc-blr",
]
OUT = pathlib.Path(__file__).resolve().parent.parent / "tests/fixtures/bayes"


def read_zip(path):
    with zipfile.ZipFile(path) as z:
        (name,) = z.namelist()
        return json.loads(z.read(name))


def main():
    db = pathlib.Path(sys.argv[1]) / "posterior_database"
    OUT.mkdir(parents=True, exist_ok=True)
    for post in POSTERIORS:
        info = json.loads((db / "posteriors" / f"{post}.json").read_text())
        data_name = info["data_name"]
        data = read_zip(db / "data/data" / f"{data_name}.json.zip")
        (OUT / f"{data_name}.data.json").write_text(json.dumps(data) + "\n")
        draws = read_zip(db / "reference_posteriors/draws/draws" / f"{post}.json.zip")
        names = list(draws[0].keys())
        summary = {}
        for n in names:
            pooled = [v for chain in draws for v in chain[n]]
            summary[n] = {"mean": statistics.fmean(pooled), "sd": statistics.stdev(pooled)}
        ref_info = json.loads((db / "reference_posteriors/draws/info" / f"{post}.info.json").read_text())
        out = {
            "generated_by": "scripts/make_bayes_posteriordb_fixtures.py",
            "posterior": post,
            "model_name": info["model_name"],
            "data_name": data_name,
            "n_chains": len(draws),
            "n_draws_per_chain": len(draws[0][names[0]]),
            "inference": ref_info["inference"],
            "summary": summary,
        }
        (OUT / f"{post}.reference.json").write_text(json.dumps(out, indent=1) + "\n")
        print("wrote", post)


if __name__ == "__main__":
    main()
