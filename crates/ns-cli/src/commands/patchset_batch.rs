//! `nextstat patchset hypotest|upper-limit`: one asymptotic CLs test or
//! upper limit per patch of a patchset (a HEPData signal grid), patches in
//! parallel, results in patch-name order; a patch that fails is reported
//! with its error, not dropped.

use std::path::PathBuf;

use anyhow::{Result, bail};
use clap::Args;
use ns_core::Model;
use ns_histfactory::{HistFactoryModel, Patch, PatchSet, Workspace};
use ns_infer::intervals::{TOMS748_ATOL, TOMS748_RTOL};
use ns_infer::{AsymptoticCalculator, TestStatistic};
use rayon::prelude::*;
use serde_json::{Value, json};

use crate::common::patch::{read_json, read_patchset, shown};
use crate::common::{FitArgs, ModelArgs, OutputArgs, ParallelArgs};
use crate::output::{emit, infer_err, num, nums};

/// The background-only workspace, the patchset and how to build models.
#[derive(Debug, Args)]
pub struct BatchArgs {
    /// The background-only workspace.
    #[arg(long, short = 'i', value_name = "FILE")]
    input: PathBuf,
    /// The pyhf patchset (one patch per signal point).
    #[arg(long, value_name = "FILE")]
    patchset: PathBuf,
    /// Measurement to use (default: the first one).
    #[arg(long, value_name = "NAME")]
    measurement: Option<String>,
    /// Interpolation codes, as for `fit`.
    #[arg(long, value_name = "SETTINGS")]
    interp: Option<String>,
    #[command(flatten)]
    fit: FitArgs,
    #[command(flatten)]
    par: ParallelArgs,
    #[command(flatten)]
    out: OutputArgs,
}

#[derive(Debug, Args)]
pub struct HypotestCmd {
    #[command(flatten)]
    batch: BatchArgs,
    /// POI value to test.
    #[arg(long, default_value_t = 1.0, value_name = "X")]
    mu: f64,
}

#[derive(Debug, Args)]
pub struct UpperLimitCmd {
    #[command(flatten)]
    batch: BatchArgs,
    /// Confidence level (CLs < 1 − CL is excluded).
    #[arg(long, default_value_t = 0.95, value_name = "CL")]
    cl: f64,
    /// Root-finding relative tolerance (pyhf's default 1e-4).
    #[arg(long, default_value_t = TOMS748_RTOL, value_name = "R")]
    rtol: f64,
}

/// Read both files, verify the digests, then run `each` on every patch's
/// model in parallel; one JSON object per patch, sorted by name.
fn for_each_patch(
    b: &BatchArgs,
    each: impl Fn(&HistFactoryModel, &ns_infer::FitOptions) -> Result<Value> + Sync,
) -> Result<(PatchSet, Vec<Value>)> {
    let ws = read_json(&b.input)?;
    Workspace::from_value(&ws, &shown(&b.input))?;
    let ps = read_patchset(&b.patchset)?;
    ps.verify(&ws)?;
    let builder = ModelArgs {
        input: Some(b.input.clone()),
        measurement: b.measurement.clone(),
        interp: b.interp.clone(),
        patch: vec![],
        patch_name: None,
        patch_values: None,
    };
    let mut patches: Vec<&Patch> = ps.patches.iter().collect();
    patches.sort_by(|a, b| a.name.cmp(&b.name));
    let run_one = |p: &Patch| -> Result<Value> {
        let doc = p.apply(&ws)?;
        let source = format!("{} patched with '{}'", shown(&b.input), p.name);
        let model = builder.build(&Workspace::from_value(&doc, &source)?, source)?;
        let opts = b.fit.fit_options(&model)?;
        each(&model, &opts)
    };
    let rows = b.par.install(|| {
        patches
            .par_iter()
            .map(|p| {
                let head = json!({"name": p.name, "values": p.values});
                let mut row = head.as_object().cloned().unwrap_or_default();
                match run_one(p) {
                    Ok(Value::Object(r)) => row.extend(r),
                    Ok(other) => {
                        row.insert("result".into(), other);
                    }
                    Err(e) => {
                        row.insert("error".into(), Value::String(format!("{e:#}")));
                    }
                }
                Value::Object(row)
            })
            .collect::<Vec<_>>()
    })?;
    Ok((ps, rows))
}

/// Emit the document, then fail (after the output) if any patch failed.
fn finish(b: &BatchArgs, mut doc: Value, rows: Vec<Value>, table: String) -> Result<()> {
    let failed: Vec<String> = rows
        .iter()
        .filter(|r| r.get("error").is_some())
        .map(|r| {
            format!(
                "{}: {}",
                r["name"].as_str().unwrap_or("?"),
                r["error"].as_str().unwrap_or("")
            )
        })
        .collect();
    doc["n_patches"] = json!(rows.len());
    doc["n_failed"] = json!(failed.len());
    doc["results"] = Value::Array(rows);
    emit(&b.out, &doc, || table)?;
    if !failed.is_empty() {
        bail!(
            "{} of {} patches failed: {}",
            failed.len(),
            doc["n_patches"],
            failed.join("; ")
        );
    }
    Ok(())
}

fn f(v: &Value) -> String {
    v.as_f64()
        .map_or_else(|| "-".into(), |x| format!("{x:.6e}"))
}

fn rows_table(
    title: String,
    cols: &[&str],
    rows: &[Value],
    cells: impl Fn(&Value) -> Vec<String>,
) -> String {
    let width = rows
        .iter()
        .map(|r| r["name"].as_str().map_or(0, str::len))
        .max()
        .unwrap_or(5)
        .max(5);
    let mut t = format!("{title}\n\n{:<width$}  {:<14}", "patch", "values");
    for c in cols {
        t.push_str(&format!("  {c:>13}"));
    }
    t.push('\n');
    for r in rows {
        let name = r["name"].as_str().unwrap_or("?");
        t.push_str(&format!("{name:<width$}  {:<14}", r["values"].to_string()));
        match r.get("error") {
            Some(e) => t.push_str(&format!("  FAILED: {}", e.as_str().unwrap_or(""))),
            None => {
                for c in cells(r) {
                    t.push_str(&format!("  {c:>13}"));
                }
            }
        }
        t.push('\n');
    }
    t
}

pub fn hypotest(cmd: HypotestCmd) -> Result<()> {
    let b = &cmd.batch;
    let mu = cmd.mu;
    let (ps, rows) = for_each_patch(b, |model, opts| {
        let r = ns_infer::hypotest(model, model.observed(), mu, opts, TestStatistic::Qtilde)
            .map_err(|e| infer_err("hypotest", e))?;
        Ok(json!({
            "poi": model.poi_name(),
            "cls_obs": num(r.cls_obs),
            "cls_exp": nums(&r.cls_exp),
            "failed_fits": crate::output::failed_fits(&r.failed_fits),
        }))
    })?;
    let title = format!(
        "NextStat patchset hypotest: {} x {} ({} patches, mu = {mu}, qtilde, asymptotic)",
        shown(&b.input),
        shown(&b.patchset),
        rows.len()
    );
    let table = rows_table(title, &["CLs obs", "CLs exp", "-1σ", "+1σ"], &rows, |r| {
        vec![
            f(&r["cls_obs"]),
            f(&r["cls_exp"][2]),
            f(&r["cls_exp"][1]),
            f(&r["cls_exp"][3]),
        ]
    });
    let doc = json!({
        "schema": "nextstat.patchset-hypotest/1",
        "input": shown(&b.input),
        "patchset": shown(&b.patchset),
        "labels": ps.labels(),
        "mu": mu,
        "test_stat": "qtilde",
        "calctype": "asymptotics",
    });
    finish(b, doc, rows, table)
}

pub fn upper_limit(cmd: UpperLimitCmd) -> Result<()> {
    if !(cmd.cl > 0.0 && cmd.cl < 1.0) {
        bail!("--cl {}: must lie in (0, 1)", cmd.cl);
    }
    let b = &cmd.batch;
    let level = 1.0 - cmd.cl;
    let (ps, rows) = for_each_patch(b, |model, opts| {
        let poi = model.poi_index().expect("HistFactory models have a POI");
        let calc = AsymptoticCalculator::new(model, model.observed(), opts, TestStatistic::Qtilde)
            .map_err(|e| infer_err("upper limit", e))?;
        let (lo, hi) = ns_infer::intervals::default_bracket(model.suggested_bounds()[poi]);
        let r = ns_infer::upper_limit_toms748(&calc, lo, hi, level, TOMS748_ATOL, cmd.rtol)
            .map_err(|e| infer_err("upper limit", e))?;
        Ok(json!({
            "poi": model.poi_name(),
            "obs_limit": num(r.obs_limit),
            "exp_limits": nums(&r.exp_limits),
            "n_hypotests": r.n_hypotests,
        }))
    })?;
    let title = format!(
        "NextStat patchset upper limits at {}% CL: {} x {} ({} patches, CLs, qtilde, asymptotic)",
        cmd.cl * 100.0,
        shown(&b.input),
        shown(&b.patchset),
        rows.len()
    );
    let table = rows_table(
        title,
        &["observed", "expected", "-1σ", "+1σ"],
        &rows,
        |r| {
            let e = &r["exp_limits"];
            vec![f(&r["obs_limit"]), f(&e[2]), f(&e[1]), f(&e[3])]
        },
    );
    let doc = json!({
        "schema": "nextstat.patchset-upper-limit/1",
        "input": shown(&b.input),
        "patchset": shown(&b.patchset),
        "labels": ps.labels(),
        "cl": cmd.cl,
        "test_stat": "qtilde",
        "method": "toms748",
    });
    finish(b, doc, rows, table)
}
