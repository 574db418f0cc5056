//! `nextstat hypotest-toys`: toy-based CLs.

use std::sync::atomic::AtomicBool;

use anyhow::{Context, Result, bail};
use clap::Args;
use ns_core::Model;
use ns_infer::{TestStatistic, ToyOptions};
use serde_json::json;

use crate::common::{FitArgs, ModelArgs, OutputArgs, ParallelArgs};
use crate::output::{emit, failed_fits, infer_err, num, nums, progress_bar};

#[derive(Debug, Args)]
pub struct ToysCmd {
    #[command(flatten)]
    model: ModelArgs,
    #[command(flatten)]
    fit: FitArgs,
    /// POI value to test.
    #[arg(long, value_name = "X")]
    mu: f64,
    /// Toys per hypothesis (s+b and b-only each).
    #[arg(long, value_name = "N")]
    n_toys: usize,
    /// Seed: results are identical for a seed whatever --threads says.
    #[arg(long, default_value_t = 0, value_name = "S")]
    seed: u64,
    /// Test statistic: qtilde (default), q or q0.
    #[arg(long, default_value = "qtilde", value_name = "NAME")]
    test_stat: String,
    /// Write the test-statistic distributions (JSON) to FILE.
    #[arg(long, value_name = "FILE")]
    output_distributions: Option<std::path::PathBuf>,
    #[command(flatten)]
    par: ParallelArgs,
    #[command(flatten)]
    out: OutputArgs,
}

pub fn run(cmd: ToysCmd) -> Result<()> {
    if cmd.n_toys == 0 {
        bail!("--n-toys must be at least 1");
    }
    let model = cmd.model.load()?;
    let opts = cmd.fit.fit_options(&model)?;
    let ts = TestStatistic::parse(&cmd.test_stat).map_err(|e| infer_err("--test-stat", e))?;
    let pb = progress_bar(2 * cmd.n_toys as u64, "toys");
    let tick = || pb.inc(1);
    let cancel = AtomicBool::new(false);
    let toy = ToyOptions {
        n_toys: cmd.n_toys,
        seed: cmd.seed,
        test_stat: ts,
        cancel: Some(&cancel),
        progress: Some(&tick),
        ..Default::default()
    };
    let r = cmd
        .par
        .install(|| ns_infer::hypotest_toys(&model, model.observed(), cmd.mu, &opts, &toy))?
        .map_err(|e| infer_err("hypotest-toys", e))?;
    pb.finish_and_clear();
    if let Some(w) = r.warning {
        eprintln!("nextstat: warning: {w}");
    }
    let failed = |d: &ns_infer::ToyDistribution| {
        d.failed
            .iter()
            .map(|(i, a, b)| json!({"toy": i, "free_fit": a.as_str(), "fixed_poi_fit": b.as_str()}))
            .collect::<Vec<_>>()
    };
    if let Some(path) = &cmd.output_distributions {
        let d = json!({
            "schema": "nextstat.toy-distributions/1",
            "mu": r.mu,
            "test_stat": ts.as_str(),
            "seed": cmd.seed,
            "qmu_obs": num(r.q_obs),
            "signal_plus_background": nums(&r.sb.test_stats),
            "background_only": nums(&r.b.test_stats),
            "failed_signal_plus_background": failed(&r.sb),
            "failed_background_only": failed(&r.b),
        });
        std::fs::write(path, serde_json::to_string(&d)? + "\n")
            .with_context(|| format!("{}: cannot write", path.display()))?;
    }
    let value = json!({
        "schema": "nextstat.hypotest/1",
        "input": cmd.model.source_name(),
        "poi": model.poi_name(),
        "mu": r.mu,
        "test_stat": ts.as_str(),
        "calctype": "toybased",
        "cls_obs": num(r.cls_obs),
        "cls_exp": nums(&r.cls_exp),
        "clsb_obs": num(r.clsb_obs),
        "clb_obs": num(r.clb_obs),
        "qmu_obs": num(r.q_obs),
        "n_toys": r.n_toys,
        "seed": cmd.seed,
        "n_failed_sb": r.sb.n_failed,
        "n_failed_b": r.b.n_failed,
        "failed_fits": failed_fits(&r.failed_fits),
    });
    emit(&cmd.out, &value, || {
        let mut t = format!(
            "NextStat toy hypotest: {} ({} = {}, {}, {} toys per hypothesis, seed {})\n\n",
            cmd.model.source_name(),
            model.poi_name(),
            r.mu,
            ts,
            r.n_toys,
            cmd.seed
        );
        let head = crate::output::headline(ts);
        t.push_str(&format!(
            "{head:<8} = {:.6}\nCLs+b    = {:.6}\nCLb      = {:.6}\nq_obs    = {:.6}\n\nexpected {head}:\n",
            r.cls_obs, r.clsb_obs, r.clb_obs, r.q_obs
        ));
        for (label, v) in ["-2σ", "-1σ", "median", "+1σ", "+2σ"].iter().zip(r.cls_exp) {
            t.push_str(&format!("  {label:>6}  {v:.6}\n"));
        }
        t.push_str(&format!(
            "\nfailed toy fits: {} (s+b), {} (b-only)\n",
            r.sb.n_failed, r.b.n_failed
        ));
        t
    })
}
