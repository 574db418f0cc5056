#!/usr/bin/env python
"""What pyhf accepts and rejects: goldens for NextStat's workspace builder.

Every case below is a small workspace written here (our own numbers), built
with pyhf 0.7.6 (numpy backend). For each one this script records what pyhf
does, and writes tests/fixtures/goldens/acceptance/<case>.json, read by
crates/ns-histfactory/tests/pyhf_acceptance.rs:

  "accepted" cases   pyhf builds the model; recorded: metadata, observed data
                     (main + aux), and -logpdf and expected data (main bins) at
                     the suggested init, at three seeded random points (the
                     rule of make_goldens.py) and at any listed points, and at
                     pyhf's best fit (scipy SLSQP, tolerance 1e-14). NextStat
                     must build the same model (NLL within 1e-9 relative).
  "rejected" cases   NextStat rejects the workspace. Recorded is what pyhf
                     does: where it raises ("raises": exception class and
                     message, and the stage: schema, model, data, logpdf, fit),
                     or, where it builds a model, the numbers that show what
                     it computes (NaN likelihoods, input silently dropped,
                     bins multiplied by an unrelated parameter), which the
                     Rust test checks. docs/rejections.md lists every case.

Cases given as JSON text (NaN literals, duplicate keys) are parsed with
Python's json module, as `pyhf` (the CLI) and `json.load` users do.

Usage:
  .venv/bin/python scripts/make_acceptance_goldens.py [--out-dir DIR] [--only CASE]
"""
import os

os.environ["OPENBLAS_NUM_THREADS"] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402

import numpy as np  # noqa: E402
import pyhf  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUT = os.path.join(ROOT, "tests", "fixtures", "goldens", "acceptance")

DEFAULT_SETTINGS = {"normsys": {"interpcode": "code4"}, "histosys": {"interpcode": "code4p"}}
CODE1_SETTINGS = {"normsys": {"interpcode": "code1"}, "histosys": {"interpcode": "code0"}}


# --------------------------------------------------------------------- builders
def workspace(channels, observations, parameters=None, poi="mu"):
    return {
        "channels": channels,
        "observations": observations,
        "measurements": [
            {"name": "meas", "config": {"poi": poi, "parameters": parameters or []}}
        ],
        "version": "1.0.0",
    }


def channel(name, samples):
    return {"name": name, "samples": samples}


def sample(name, data, modifiers):
    return {"name": name, "data": data, "modifiers": modifiers}


def obs(name, data):
    return {"name": name, "data": data}


def normfactor(name="mu"):
    return {"name": name, "type": "normfactor", "data": None}


def shapefactor(name):
    return {"name": name, "type": "shapefactor", "data": None}


def normsys(name, hi, lo):
    return {"name": name, "type": "normsys", "data": {"hi": hi, "lo": lo}}


def histosys(name, hi, lo):
    return {"name": name, "type": "histosys", "data": {"hi_data": hi, "lo_data": lo}}


def staterror(name, unc):
    return {"name": name, "type": "staterror", "data": unc}


def shapesys(name, unc):
    return {"name": name, "type": "shapesys", "data": unc}


LUMI = {"name": "lumi", "type": "lumi", "data": None}


def one_channel(bkg_mods, observed=(58.0, 71.0), parameters=None, sig_mods=None):
    """Signal (normfactor mu) plus one background in channel SR."""
    return workspace(
        [
            channel(
                "SR",
                [
                    sample("sig", [6.0, 11.0], [normfactor()] + (sig_mods or [])),
                    sample("bkg", [52.0, 63.0], bkg_mods),
                ],
            )
        ],
        [obs("SR", list(observed))],
        parameters,
    )


# ------------------------------------------------------------------------ cases
CASES = {}


def case(name, kind, description, settings=DEFAULT_SETTINGS, points=None, fit=True):
    def register(fn):
        CASES[name] = {
            "kind": kind,
            "description": description,
            "settings": settings,
            "make": fn,
            "points": points or [],
            "fit": fit,
        }
        return fn

    return register


@case(
    "coupled_shapefactor",
    "accepted",
    "The structure of pyhf's validation case 2bin_2channel_coupledshapefactor: a "
    "shapefactor shared by sample 'bkg1' of channel 'signal' and sample 'background' of "
    "channel 'control' (different samples, different channels, same bin count).",
)
def _():
    return workspace(
        [
            channel(
                "signal",
                [
                    sample("signal", [14.0, 9.5], [normfactor()]),
                    sample("bkg1", [88.0, 64.0], [shapefactor("coupled_shapefactor")]),
                ],
            ),
            channel(
                "control",
                [sample("background", [93.0, 121.0], [shapefactor("coupled_shapefactor")])],
            ),
        ],
        [obs("signal", [117.0, 70.0]), obs("control", [104.0, 131.0])],
    )


@case(
    "shapefactor_fewer_bins",
    "accepted",
    "A shapefactor whose first channel (sorted: 'a_cr', 3 bins) is wider than the other "
    "('b_sr', 2 bins): three parameters, bins 0 and 1 of 'b_sr' use parameters 0 and 1.",
)
def _():
    return workspace(
        [
            channel("b_sr", [sample("sig", [5.0, 8.0], [normfactor()]),
                             sample("bkg", [40.0, 33.0], [shapefactor("sf")])]),
            channel("a_cr", [sample("bkg", [210.0, 180.0, 95.0], [shapefactor("sf")])]),
        ],
        [obs("b_sr", [47.0, 45.0]), obs("a_cr", [223.0, 171.0, 101.0])],
    )


@case(
    "shapefactor_mixed",
    "accepted",
    "Three channels of 5, 5 and 3 bins; shapefactor 'sf_shared' on 'ttbar' in all three "
    "and on 'wjets' in 'cr_b' only; an unshared shapefactor, per-channel staterror, "
    "shapesys, normsys, histosys, lumi; the samples are absent from some channels.",
)
def _():
    def tt(scale, n):
        return [round(scale * (1.0 + 0.13 * k), 3) for k in range(n)]

    return workspace(
        [
            channel("sr", [
                sample("signal", [3.0, 7.5, 4.2], [normfactor(), LUMI,
                                                   normsys("sig_xsec", 1.08, 0.93)]),
                sample("ttbar", tt(20.0, 3), [shapefactor("sf_shared"), LUMI,
                                              staterror("stat_sr", [1.1, 1.6, 0.9]),
                                              histosys("jes", tt(21.0, 3), tt(19.2, 3))]),
                sample("zjets", [4.0, 3.1, 2.2], [shapesys("zj_shape", [0.8, 0.7, 0.9]),
                                                  staterror("stat_sr", [0.4, 0.5, 0.3])]),
            ]),
            channel("cr_a", [
                sample("ttbar", tt(60.0, 5), [shapefactor("sf_shared"), LUMI,
                                              staterror("stat_cr_a", [2.0, 2.5, 3.0, 2.2, 1.9]),
                                              histosys("jes", tt(63.0, 5), tt(57.5, 5))]),
                sample("wjets", [30.0, 25.0, 18.0, 9.0, 4.0], [shapefactor("sf_wjets_a"),
                                                               normsys("wj_norm", 1.2, 0.85)]),
            ]),
            channel("cr_b", [
                sample("ttbar", tt(45.0, 5), [shapefactor("sf_shared"), LUMI,
                                              histosys("jes", tt(47.0, 5), tt(43.1, 5))]),
                sample("wjets", [50.0, 41.0, 30.0, 22.0, 12.0], [shapefactor("sf_shared"),
                                                                 normsys("wj_norm", 1.15, 0.9)]),
                sample("zjets", [6.0, 5.0, 4.0, 3.0, 2.0], [shapesys("zj_shape_b",
                                                                     [1.0, 0.9, 0.7, 0.6, 0.5])]),
            ]),
        ],
        [
            obs("sr", [31.0, 35.0, 33.0]),
            obs("cr_a", [95.0, 99.0, 103.0, 98.0, 101.0]),
            obs("cr_b", [104.0, 103.0, 98.0, 100.0, 90.0]),
        ],
        [{"name": "lumi", "auxdata": [1.0], "sigmas": [0.017], "bounds": [[0.9, 1.1]],
          "inits": [1.0]}],
    )


@case(
    "shapesys_factors_config",
    "accepted",
    "The measurement sets 'factors' (Poisson rate factors tau) and 'auxdata' of a "
    "shapesys, which pyhf's schema allows.",
)
def _():
    return one_channel(
        [shapesys("bkg_shape", [4.0, 6.0])],
        parameters=[{"name": "bkg_shape", "factors": [150.0, 90.0], "auxdata": [160.0, 85.0]}],
    )


@case(
    "observation_for_unknown_channel",
    "accepted",
    "An observation for a channel that is not in the workspace: pyhf ignores it.",
)
def _():
    w = one_channel([])
    w["observations"].append(obs("XR", [1.0, 2.0, 3.0]))
    return w


@case(
    "inverted_bounds",
    "accepted",
    "A parameter configuration with lower bound above upper bound: pyhf builds the model "
    "(its fit then raises); the model is evaluable.",
    points=[[1.0], [0.5], [2.0]],
    fit=False,
)
def _():
    return one_channel([], parameters=[{"name": "mu", "bounds": [[5.0, 1.0]]}])


@case(
    "normsys_code1_zero_and_negative",
    "accepted",
    "normsys factors hi = 0 and lo = -0.4 under code1: pyhf builds the model; the factor "
    "is 0 for alpha > 0 (hi = 0) and NaN for non-integer alpha < 0 (lo < 0).",
    settings=CODE1_SETTINGS,
    points=[[1.0, 0.0, 0.0], [1.0, 0.5, 0.0], [1.0, -0.5, 0.0], [1.0, 0.0, 0.5],
            [1.0, 0.0, -0.5], [1.2, 0.3, 0.7], [0.8, -1.0, -1.0]],
    fit=False,
)
def _():
    return workspace(
        [channel("SR", [
            sample("sig", [6.0, 11.0], [normfactor()]),
            sample("bkg_a", [30.0, 25.0], [normsys("kill_up", 0.0, 0.8)]),
            sample("bkg_b", [22.0, 38.0], [normsys("neg_down", 1.3, -0.4)]),
        ])],
        [obs("SR", [58.0, 71.0])],
    )


# -- rejected: pyhf builds something wrong
@case(
    "shapefactor_more_bins",
    "rejected",
    "A shapefactor whose first channel (sorted: 'a_sr', 2 bins) is narrower than the other "
    "('b_cr', 3 bins): pyhf makes 2 parameters and multiplies bin 2 of 'b_cr' by the "
    "model's parameter 0 (here the POI mu, which 'bkg' does not carry).",
    points=[[1.7, 1.1, 1.3]],
    fit=False,
)
def _():
    return workspace(
        [
            channel("a_sr", [sample("sig", [5.0, 8.0], [normfactor()]),
                             sample("bkg", [40.0, 33.0], [shapefactor("sf")])]),
            channel("b_cr", [sample("bkg", [210.0, 180.0, 95.0], [shapefactor("sf")])]),
        ],
        [obs("a_sr", [47.0, 45.0]), obs("b_cr", [223.0, 171.0, 101.0])],
    )


@case(
    "duplicate_sample",
    "rejected",
    "Two samples named 'bkg' in one channel: pyhf keeps the last and silently drops the "
    "first (its yields are not in the expected data).",
    fit=False,
)
def _():
    w = one_channel([normsys("bkg_norm", 1.1, 0.9)])
    w["channels"][0]["samples"].append(sample("bkg", [9.0, 4.0], [normsys("bkg_norm", 1.1, 0.9)]))
    return w


@case(
    "duplicate_modifier",
    "rejected",
    "The same normsys (name and type) twice on one sample with different factors: pyhf "
    "keeps the last and silently drops the first.",
    points=[[1.0, 0.6]],
    fit=False,
)
def _():
    return one_channel([normsys("n", 1.1, 0.9), normsys("n", 1.3, 0.75)])


@case(
    "duplicate_channel",
    "rejected",
    "Two channels named 'SR' with the same bin count: pyhf merges their samples into one "
    "channel (and its bin count is the last one's).",
    fit=False,
)
def _():
    w = one_channel([])
    w["channels"].append(channel("SR", [sample("other", [7.0, 3.0], [])]))
    return w


@case(
    "duplicate_observation",
    "rejected",
    "Two observations for channel 'SR': pyhf keeps the last.",
    fit=False,
)
def _():
    w = one_channel([])
    w["observations"].append(obs("SR", [40.0, 90.0]))
    return w


@case(
    "normsys_code4_nonpositive",
    "rejected",
    "normsys lo = 0 under code4 (pyhf's default): the polynomial takes ln(lo) and pyhf's "
    "logpdf is NaN for every |alpha| < 1, the init included.",
    points=[[1.0, 0.0], [1.0, 0.5], [1.0, -0.5]],
    fit=False,
)
def _():
    return one_channel([normsys("n", 1.1, 0.0)])


@case(
    "negative_observation",
    "rejected",
    "Negative observed counts: pyhf evaluates gammaln(n + 1), giving -logpdf = inf at "
    "negative integers and a finite number (not a log-probability) in between.",
    fit=False,
)
def _():
    return one_channel([], observed=(-0.5, 71.0))


@case(
    "negative_observation_integer",
    "rejected",
    "A negative integer observed count: pyhf's logpdf is -inf everywhere.",
    fit=False,
)
def _():
    return one_channel([], observed=(-1.0, 71.0))


@case(
    "zero_sigma",
    "rejected",
    "A staterror sigma of 0 set in the measurement: pyhf's logpdf is NaN.",
    fit=False,
)
def _():
    return one_channel([staterror("st", [2.0, 3.0])],
                       parameters=[{"name": "st", "sigmas": [0.0, 0.05]}])


@case(
    "negative_sigma",
    "rejected",
    "A negative staterror sigma set in the measurement: pyhf's logpdf is NaN.",
    fit=False,
)
def _():
    return one_channel([staterror("st", [2.0, 3.0])],
                       parameters=[{"name": "st", "sigmas": [-0.05, 0.05]}])


@case(
    "shapesys_factor_nonpositive",
    "rejected",
    "A shapesys factor tau = 0 set in the measurement: pyhf's Poisson constraint is "
    "-inf (logpdf = -inf).",
    fit=False,
)
def _():
    return one_channel([shapesys("ss", [4.0, 6.0])],
                       parameters=[{"name": "ss", "factors": [0.0, 90.0]}])


@case(
    "lumi_inits_length",
    "rejected",
    "Two inits for the scalar lumi: pyhf does not check the length (lumi has no default) "
    "and builds a model with 2 parameter names but 3 initial values.",
    fit=False,
)
def _():
    return one_channel([LUMI], parameters=[
        {"name": "lumi", "inits": [1.0, 1.0], "bounds": [[0.5, 1.5]], "auxdata": [1.0],
         "sigmas": [0.02]}])


@case(
    "bounds_not_pairs",
    "rejected",
    "A bound with three numbers: pyhf's schema allows it (its minItems sits on the inner "
    "numbers) and the model builds, but every fit raises.",
    points=[[1.0], [2.0]],
)
def _():
    return one_channel([], parameters=[{"name": "mu", "bounds": [[0.0, 5.0, 7.0]]}])


@case(
    "nan_literal",
    "rejected",
    "A NaN literal (not JSON; Python's json module reads it): pyhf's logpdf is NaN.",
    fit=False,
)
def _():
    return json.dumps(one_channel([])).replace("[52.0, 63.0]", "[NaN, 63.0]")


@case(
    "number_overflow",
    "rejected",
    "A number too large for a double (1e999): Python reads inf, pyhf's logpdf is -inf.",
    fit=False,
)
def _():
    return json.dumps(one_channel([])).replace("[52.0, 63.0]", "[1e999, 63.0]")


@case(
    "duplicate_json_key",
    "rejected",
    "A JSON object with the key 'data' twice: Python's json keeps the last value.",
    fit=False,
)
def _():
    return json.dumps(one_channel([])).replace(
        '"data": [52.0, 63.0]', '"data": [520.0, 630.0], "data": [52.0, 63.0]')


# -- rejected: pyhf raises
@case("staterror_different_channel_sets", "rejected",
      "A staterror on 'sig' in channels A and B but on 'bkg' in A only: pyhf's staterror "
      "builder asserts that all masks agree.", fit=False)
def _():
    return workspace(
        [channel("A", [sample("sig", [2.0, 3.0], [normfactor(), staterror("st", [0.2, 0.3])]),
                       sample("bkg", [20.0, 30.0], [staterror("st", [1.0, 2.0])])]),
         channel("B", [sample("sig", [1.0, 1.5], [normfactor(), staterror("st", [0.1, 0.2])]),
                       sample("bkg", [15.0, 12.0], [])])],
        [obs("A", [22.0, 33.0]), obs("B", [16.0, 14.0])],
    )


@case("shapesys_shared", "rejected",
      "One shapesys name on two samples: pyhf raises InvalidModel (shapesys is not "
      "shareable).", fit=False)
def _():
    return one_channel([shapesys("ss", [4.0, 6.0])], sig_mods=[shapesys("ss", [1.0, 1.0])])


@case("lumi_without_config", "rejected",
      "A lumi modifier without inits/bounds/auxdata/sigmas in the measurement: pyhf fails "
      "building the parameters (TypeError).", fit=False)
def _():
    return one_channel([LUMI])


@case("sample_length_mismatch", "rejected",
      "A sample with fewer bins than its channel's first sample.", fit=False)
def _():
    w = one_channel([])
    w["channels"][0]["samples"][1]["data"] = [52.0]
    return w


@case("histosys_length_mismatch", "rejected",
      "histosys templates with fewer bins than the sample.", fit=False)
def _():
    return one_channel([histosys("h", [55.0], [50.0])])


@case("staterror_length_mismatch", "rejected",
      "staterror data with fewer bins than the sample.", fit=False)
def _():
    return one_channel([staterror("st", [1.0])])


@case("observation_length_mismatch", "rejected",
      "An observation with more bins than its channel.", fit=False)
def _():
    return one_channel([], observed=(58.0, 71.0, 3.0))


@case("channel_without_observation", "rejected",
      "A channel with no observation.", fit=False)
def _():
    w = one_channel([])
    w["channels"].append(channel("CR", [sample("b", [4.0], [])]))
    return w


@case("poi_not_a_parameter", "rejected", "The POI names no parameter.", fit=False)
def _():
    w = one_channel([])
    w["measurements"][0]["config"]["poi"] = "nope"
    return w


@case("poi_multi_component", "rejected",
      "The POI is a two-bin shapefactor.", fit=False)
def _():
    w = one_channel([shapefactor("sf")])
    w["measurements"][0]["config"]["poi"] = "sf"
    return w


@case("name_reuse_across_types", "rejected",
      "One name for a normfactor and a normsys.", fit=False)
def _():
    return one_channel([normsys("mu", 1.1, 0.9)])


@case("config_length_mismatch", "rejected",
      "Two inits for the scalar normfactor mu.", fit=False)
def _():
    return one_channel([], parameters=[{"name": "mu", "inits": [1.0, 2.0]}])


@case("config_sigmas_on_unconstrained", "rejected",
      "sigmas for the unconstrained normfactor mu.", fit=False)
def _():
    return one_channel([], parameters=[{"name": "mu", "sigmas": [0.1]}])


@case("config_sigmas_on_shapesys", "rejected",
      "sigmas for a shapesys (Poisson constraint).", fit=False)
def _():
    return one_channel([shapesys("ss", [4.0, 6.0])],
                       parameters=[{"name": "ss", "sigmas": [0.1, 0.1]}])


@case("config_factors_on_normsys", "rejected",
      "factors for a normsys (Gaussian constraint).", fit=False)
def _():
    return one_channel([normsys("n", 1.1, 0.9)], parameters=[{"name": "n", "factors": [2.0]}])


@case("config_twice", "rejected", "Two configurations for mu.", fit=False)
def _():
    return one_channel([], parameters=[{"name": "mu", "inits": [1.0]},
                                       {"name": "mu", "inits": [2.0]}])


@case("unknown_modifier_type", "rejected", "A modifier of type 'foosys'.", fit=False)
def _():
    return one_channel([{"name": "x", "type": "foosys", "data": None}])


@case("unknown_field", "rejected", "A sample with an extra key 'weight'.", fit=False)
def _():
    w = one_channel([])
    w["channels"][0]["samples"][1]["weight"] = 1.0
    return w


@case("no_measurements", "rejected", "An empty measurement list.", fit=False)
def _():
    w = one_channel([])
    w["measurements"] = []
    return w


@case("no_channels", "rejected", "An empty channel list.", fit=False)
def _():
    w = one_channel([])
    w["channels"] = []
    return w


@case("channel_without_samples", "rejected", "A channel with no samples.", fit=False)
def _():
    w = one_channel([])
    w["channels"].append(channel("CR", []))
    w["observations"].append(obs("CR", [1.0]))
    return w


@case("zero_bins", "rejected", "A channel whose samples have no bins.", fit=False)
def _():
    w = one_channel([])
    w["channels"].append(channel("CR", [sample("b", [], [])]))
    w["observations"].append(obs("CR", []))
    return w


# ------------------------------------------------------------------ evaluation
def strict(obj):
    if isinstance(obj, float):
        if math.isnan(obj):
            return "nan"
        if math.isinf(obj):
            return "inf" if obj > 0 else "-inf"
        return obj
    if isinstance(obj, dict):
        return {k: strict(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [strict(v) for v in obj]
    return obj


def random_points(model, n=3):
    init = model.config.suggested_init()
    bounds = model.config.suggested_bounds()
    fixed = model.config.suggested_fixed()
    out = []
    for k in range(n):
        rng = np.random.default_rng(1234 + k)
        x = []
        for i, v in enumerate(init):
            d = rng.uniform(-1.5, 1.5) if v == 0 else None
            r = rng.uniform(-0.2, 0.2) if v != 0 else None
            val = v + d if v == 0 else v * (1 + r)
            lo, hi = bounds[i]
            val = min(max(val, lo), hi)
            x.append(init[i] if fixed[i] else val)
        out.append(x)
    return out


def evaluate(model, data, pars):
    pars = [float(v) for v in pars]
    with np.errstate(all="ignore"):
        lp = float(np.asarray(model.logpdf(pars, data)).reshape(-1)[0])
        exp = [float(v) for v in model.expected_actualdata(pars)]
    return {"pars": pars, "nll": -lp, "expected_main": exp}


def exception_record(stage, exc):
    return {"stage": stage, "type": type(exc).__name__, "message": str(exc)[:500]}


def run_case(name, spec):
    made = spec["make"]()
    text = made if isinstance(made, str) else None
    parsed = json.loads(text) if text is not None else made
    record = {
        "case": name,
        "kind": spec["kind"],
        "description": spec["description"],
        "modifier_settings": spec["settings"],
        "workspace_text": text if text is not None else json.dumps(parsed),
    }
    pyhf_rec = {}
    try:
        ws = pyhf.Workspace(parsed)
    except Exception as e:  # noqa: BLE001 - recording pyhf's behaviour
        pyhf_rec["raises"] = exception_record("schema", e)
        record["pyhf"] = pyhf_rec
        return record
    try:
        with np.errstate(all="ignore"):
            model = ws.model(modifier_settings=spec["settings"])
    except Exception as e:  # noqa: BLE001
        pyhf_rec["raises"] = exception_record("model", e)
        record["pyhf"] = pyhf_rec
        return record
    try:
        data = ws.data(model)
    except Exception as e:  # noqa: BLE001
        pyhf_rec["raises"] = exception_record("data", e)
        record["pyhf"] = pyhf_rec
        return record
    cfg = model.config
    pyhf_rec["par_names"] = list(cfg.par_names)
    pyhf_rec["n_suggested_init"] = len(cfg.suggested_init())
    pyhf_rec["channels"] = list(cfg.channels)
    pyhf_rec["channel_nbins"] = [cfg.channel_nbins[c] for c in cfg.channels]
    if len(cfg.suggested_init()) != len(cfg.par_names):
        # An inconsistent model: record what it is, evaluate nothing.
        pyhf_rec["suggested_init"] = [float(v) for v in cfg.suggested_init()]
        record["pyhf"] = pyhf_rec
        return record
    pyhf_rec["suggested_init"] = [float(v) for v in cfg.suggested_init()]
    pyhf_rec["suggested_bounds"] = [[float(a) for a in b] for b in cfg.suggested_bounds()]
    pyhf_rec["suggested_fixed"] = [bool(v) for v in cfg.suggested_fixed()]
    pyhf_rec["poi_index"] = cfg.poi_index
    pyhf_rec["observed_data"] = [float(v) for v in data]
    try:
        points = [evaluate(model, data, cfg.suggested_init())]
        if spec["points"]:
            points += [evaluate(model, data, p) for p in spec["points"]]
        else:
            points += [evaluate(model, data, p) for p in random_points(model)]
    except Exception as e:  # noqa: BLE001
        pyhf_rec["raises"] = exception_record("logpdf", e)
        record["pyhf"] = pyhf_rec
        return record
    pyhf_rec["points"] = points
    if spec["fit"]:
        try:
            pyhf.set_backend("numpy", pyhf.optimize.scipy_optimizer(tolerance=1e-14, maxiter=100000))
            best = pyhf.infer.mle.fit(data, model)
            pyhf_rec["best_fit"] = evaluate(model, data, best)
        except Exception as e:  # noqa: BLE001
            pyhf_rec["fit_raises"] = exception_record("fit", e)
        finally:
            pyhf.set_backend("numpy")
    record["pyhf"] = pyhf_rec
    return record


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out-dir", default=DEFAULT_OUT)
    ap.add_argument("--only", action="append")
    args = ap.parse_args()
    pyhf.set_backend("numpy")
    os.makedirs(args.out_dir, exist_ok=True)
    for name, spec in CASES.items():
        if args.only and name not in args.only:
            continue
        record = run_case(name, spec)
        record["generator"] = {
            "script": "scripts/make_acceptance_goldens.py",
            "pyhf": pyhf.__version__,
            "numpy": np.__version__,
        }
        path = os.path.join(args.out_dir, f"{name}.json")
        with open(path, "w") as f:
            json.dump(strict(record), f, indent=1, allow_nan=False)
            f.write("\n")
        outcome = record["pyhf"].get("raises")
        print(f"{name:36s} {spec['kind']:9s} pyhf: "
              + (f"raises {outcome['type']} at {outcome['stage']}" if outcome else "builds"))


if __name__ == "__main__":
    main()
