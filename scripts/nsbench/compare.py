"""Compare a fresh run with a recorded baseline.

Timings are keyed ``<fixture>/<op>/<engine>`` (engine = nextstat | pyhf). Only
NextStat timings gate: a NextStat timing slower than ``threshold`` × its
baseline is a regression (exit 2). pyhf timings are compared too, as a drift
indicator for the machine (a pyhf slowdown of the same size points at a
loaded or different machine, not at NextStat).

Noise: a timing whose median is under ``noise_floor_s`` (1 ms) in the baseline
or the fresh run is skipped unless both were measured over at least
``min_calls`` calls (sub-millisecond operations are timed in batches, so a
well-repeated one is meaningful).

Timings produced by different code paths (e.g. CLI subprocess vs Python
package) are not compared ("incomparable").
"""

from __future__ import annotations

from . import EXIT_ERROR, EXIT_FAIL, EXIT_OK

DEFAULT_THRESHOLD = 1.3
NOISE_FLOOR_S = 1e-3
MIN_CALLS = 100
GATED_ENGINES = ("nextstat",)

OK, REGRESSION, IMPROVEMENT, NOISE, MISSING, INCOMPARABLE, DRIFT = (
    "ok", "regression", "improvement", "skipped_noise", "missing", "incomparable", "drift")


def timings_from_report(report: dict) -> dict:
    """``{"fixture/op/engine": timing}`` from a validation report's speed records
    (and ``criterion/<id>/nextstat`` for criterion results attached to it)."""
    out = {f"criterion/{r['id']}/nextstat": r for r in report.get("criterion", [])}
    for sp in report.get("speed", []):
        for engine in ("pyhf", "nextstat"):
            t = sp.get(engine)
            if t and t.get("median_s"):
                out[f"{sp['fixture']}/{sp['op']}/{engine}"] = t
    return out


def same_host(fp_a: dict, fp_b: dict) -> bool:
    keys = ("hostname", "cpu_model", "n_cpus")
    return all(fp_a.get(k) == fp_b.get(k) for k in keys)


def classify(base: dict, cur: dict, gated: bool, threshold: float = DEFAULT_THRESHOLD,
             noise_floor_s: float = NOISE_FLOOR_S, min_calls: int = MIN_CALLS) -> dict:
    """Compare one timing with its baseline."""
    if base.get("code_path") != cur.get("code_path"):
        return {"status": INCOMPARABLE, "ratio": None,
                "reason": f"code path changed: {base.get('code_path')!r} -> {cur.get('code_path')!r}"}
    b, c = float(base["median_s"]), float(cur["median_s"])
    ratio = c / b if b > 0 else None
    if min(b, c) < noise_floor_s:
        calls = min(int(base.get("n_calls") or 0), int(cur.get("n_calls") or 0))
        if calls < min_calls:
            return {"status": NOISE, "ratio": ratio,
                    "reason": f"under {noise_floor_s * 1e3:g} ms with only {calls} calls (< {min_calls})"}
    if ratio is None:
        return {"status": INCOMPARABLE, "ratio": None, "reason": "zero baseline timing"}
    if ratio > threshold:
        return {"status": REGRESSION if gated else DRIFT, "ratio": ratio,
                "reason": f"{ratio:.2f}× slower (threshold {threshold:g}×)"}
    if ratio < 1.0 / threshold:
        return {"status": IMPROVEMENT, "ratio": ratio, "reason": f"{1 / ratio:.2f}× faster"}
    return {"status": OK, "ratio": ratio, "reason": ""}


def compare(baseline: dict, current: dict, threshold: float = DEFAULT_THRESHOLD,
            noise_floor_s: float = NOISE_FLOOR_S, min_calls: int = MIN_CALLS,
            require_same_host: bool = False) -> dict:
    """Compare a fresh validation report (``current``) with a baseline.

    ``baseline`` has ``fingerprint`` and ``timings`` (as written by
    record_baseline.py); ``current`` is a validation report (``speed``,
    ``checks``, ``errors``, ``fingerprint``). Returns a dict with every
    comparison, the counts and ``exit_code``.
    """
    base_t = baseline.get("timings") or timings_from_report(baseline)
    cur_t = timings_from_report(current)
    host_match = same_host(baseline.get("fingerprint", {}), current.get("fingerprint", {}))
    rows = []
    for key in sorted(set(base_t) | set(cur_t)):
        engine = key.rsplit("/", 1)[-1]
        gated = engine in GATED_ENGINES
        if key not in base_t or key not in cur_t:
            rows.append({"key": key, "gated": gated, "status": MISSING, "ratio": None,
                         "reason": "not in baseline" if key not in base_t else "not in this run",
                         "baseline_s": base_t.get(key, {}).get("median_s"),
                         "current_s": cur_t.get(key, {}).get("median_s")})
            continue
        r = classify(base_t[key], cur_t[key], gated, threshold, noise_floor_s, min_calls)
        r.update({"key": key, "gated": gated, "baseline_s": base_t[key]["median_s"],
                  "current_s": cur_t[key]["median_s"],
                  "baseline_n_calls": base_t[key].get("n_calls"), "current_n_calls": cur_t[key].get("n_calls")})
        rows.append(r)

    def count(status, gated=None):
        return sum(1 for r in rows if r["status"] == status and (gated is None or r["gated"] == gated))

    parity_failures = [f"{c['fixture']}/{c['quantity']}" for c in current.get("checks", [])
                       if c["status"] == "fail"]
    runner_errors = list(current.get("errors", [])) + [
        {"where": f"{c['fixture']}/{c['quantity']}", "error": c.get("note")}
        for c in current.get("checks", []) if c["status"] == "error"]
    compared = sum(1 for r in rows if r["status"] in (OK, REGRESSION, IMPROVEMENT, DRIFT))
    problems = []
    regressions = count(REGRESSION, gated=True)
    if parity_failures:
        code = EXIT_FAIL
        problems.append(f"{len(parity_failures)} parity check(s) failed in the fresh run")
    if regressions:
        code = EXIT_FAIL
        problems.append(f"{regressions} NextStat timing(s) slower than {threshold:g}× the baseline")
    if not parity_failures and not regressions:
        code = EXIT_OK
        if runner_errors:
            code = EXIT_ERROR
            problems.append(f"{len(runner_errors)} runner error(s) in the fresh run")
        if require_same_host and not host_match:
            code = EXIT_ERROR
            problems.append("baseline was recorded on a different host (--require-same-host)")
        if compared == 0:
            code = EXIT_ERROR
            problems.append("no timing could be compared with the baseline")
    elif require_same_host and not host_match:
        problems.append("baseline was recorded on a different host (--require-same-host)")
    warnings = []
    for label, fp in (("baseline", baseline.get("fingerprint", {})), ("current", current.get("fingerprint", {}))):
        load, ncpu = fp.get("loadavg_1_5_15"), fp.get("n_cpus")
        if load and ncpu and load[0] > ncpu:
            warnings.append(f"{label} run: 1-min load average {load[0]:.1f} > {ncpu} CPUs (timings unreliable)")
    if not host_match:
        warnings.append("baseline and current run are from different hosts")
    return {
        "warnings": warnings,
        "threshold": threshold,
        "noise_floor_s": noise_floor_s,
        "min_calls": min_calls,
        "require_same_host": require_same_host,
        "host_match": host_match,
        "counts": {s: count(s) for s in (OK, REGRESSION, IMPROVEMENT, NOISE, MISSING, INCOMPARABLE, DRIFT)},
        "compared": compared,
        "regressions": [r for r in rows if r["status"] == REGRESSION],
        "parity_failures": parity_failures,
        "runner_errors": runner_errors,
        "problems": problems,
        "rows": rows,
        "exit_code": code,
    }
