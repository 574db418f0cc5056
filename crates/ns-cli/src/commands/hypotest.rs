//! `nextstat hypotest` (asymptotic CLs) and `nextstat significance`.

use anyhow::Result;
use clap::Args;
use ns_core::Model;
use ns_infer::TestStatistic;
use serde_json::json;

use crate::common::{FitArgs, ModelArgs, OutputArgs};
use crate::output::{emit, failed_fits, infer_err, num, nums};

#[derive(Debug, Args)]
pub struct HypotestCmd {
    #[command(flatten)]
    model: ModelArgs,
    #[command(flatten)]
    fit: FitArgs,
    /// POI value to test.
    #[arg(long, value_name = "X")]
    mu: f64,
    /// Test statistic: qtilde (default), q or q0.
    #[arg(long, default_value = "qtilde", value_name = "NAME")]
    test_stat: String,
    /// Also print the expected CLs band (always in the JSON output).
    #[arg(long)]
    expected_set: bool,
    #[command(flatten)]
    out: OutputArgs,
}

pub fn run(cmd: HypotestCmd) -> Result<()> {
    let model = cmd.model.load()?;
    let opts = cmd.fit.fit_options(&model)?;
    let ts = TestStatistic::parse(&cmd.test_stat).map_err(|e| infer_err("--test-stat", e))?;
    let r = ns_infer::hypotest(&model, model.observed(), cmd.mu, &opts, ts)
        .map_err(|e| infer_err("hypotest", e))?;
    if let Some(w) = r.warning {
        eprintln!("nextstat: warning: {w}");
    }
    let value = json!({
        "schema": "nextstat.hypotest/1",
        "input": cmd.model.source_name(),
        "poi": model.poi_name(),
        "mu": r.mu,
        "test_stat": ts.as_str(),
        "calctype": "asymptotics",
        "cls_obs": num(r.cls_obs),
        "cls_exp": nums(&r.cls_exp),
        "clsb_obs": num(r.clsb_obs),
        "clb_obs": num(r.clb_obs),
        "qmu_obs": num(r.q_obs),
        "qmu_asimov": num(r.q_asimov),
        "muhat": num(r.muhat),
        "failed_fits": failed_fits(&r.failed_fits),
    });
    emit(&cmd.out, &value, || {
        let mut t = format!(
            "NextStat hypotest: {} ({} = {}, {}, asymptotic)\n\n",
            cmd.model.source_name(),
            model.poi_name(),
            r.mu,
            ts
        );
        let head = crate::output::headline(ts);
        t.push_str(&format!(
            "{head:<8} = {:.6e}\nCLs+b    = {:.6e}\nCLb      = {:.6e}\n",
            r.cls_obs, r.clsb_obs, r.clb_obs
        ));
        t.push_str(&format!(
            "q_obs    = {:.6}\nq_asimov = {:.6}\nmuhat    = {:.6}\n",
            r.q_obs, r.q_asimov, r.muhat
        ));
        if cmd.expected_set {
            t.push_str(&format!("\nexpected {head}:\n"));
            for (label, v) in ["-2σ", "-1σ", "median", "+1σ", "+2σ"].iter().zip(r.cls_exp) {
                t.push_str(&format!("  {label:>6}  {v:.6e}\n"));
            }
        } else {
            t.push_str(&format!(
                "expected {head} (median) = {:.6e}\n",
                r.cls_exp[2]
            ));
        }
        for (n, s) in &r.failed_fits {
            t.push_str(&format!("warning: fit {n} did not converge ({s})\n"));
        }
        t
    })
}

#[derive(Debug, Args)]
pub struct SignificanceCmd {
    #[command(flatten)]
    model: ModelArgs,
    #[command(flatten)]
    fit: FitArgs,
    #[command(flatten)]
    out: OutputArgs,
}

pub fn run_significance(cmd: SignificanceCmd) -> Result<()> {
    let model = cmd.model.load()?;
    let opts = cmd.fit.fit_options(&model)?;
    let r = ns_infer::significance(&model, model.observed(), &opts)
        .map_err(|e| infer_err("significance", e))?;
    let value = json!({
        "schema": "nextstat.significance/1",
        "input": cmd.model.source_name(),
        "poi": model.poi_name(),
        "p0_obs": num(r.p0_obs),
        "z_obs": num(r.z_obs),
        "p0_exp": num(r.p0_exp),
        "z_exp": num(r.z_exp),
        "q0_obs": num(r.q0_obs),
        "q0_asimov": num(r.q0_asimov),
        "muhat": num(r.muhat),
        "failed_fits": failed_fits(&r.failed_fits),
    });
    emit(&cmd.out, &value, || {
        let mut t = format!(
            "NextStat discovery significance (q0): {}\n\n            p0            Z\nobserved  {:.6e}  {:>10.6}\nexpected  {:.6e}  {:>10.6}\n\nmuhat = {:.6}\n",
            cmd.model.source_name(),
            r.p0_obs,
            r.z_obs,
            r.p0_exp,
            r.z_exp,
            r.muhat
        );
        for (n, s) in &r.failed_fits {
            t.push_str(&format!("warning: fit {n} did not converge ({s})\n"));
        }
        t
    })
}
