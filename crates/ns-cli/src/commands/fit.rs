//! `nextstat fit`.

use anyhow::Result;
use clap::Args;
use ns_core::Model;
use serde_json::json;

use crate::common::{FitArgs, ModelArgs, OutputArgs};
use crate::output::{emit, num};

#[derive(Debug, Args)]
pub struct FitCmd {
    #[command(flatten)]
    model: ModelArgs,
    #[command(flatten)]
    fit: FitArgs,
    /// Fix the POI at this value (conditional fit).
    #[arg(long, value_name = "VALUE")]
    poi_fixed: Option<f64>,
    #[command(flatten)]
    out: OutputArgs,
}

pub fn run(cmd: FitCmd) -> Result<()> {
    let model = cmd.model.load()?;
    let mut opts = cmd.fit.fit_options(&model)?;
    opts.uncertainties = true;
    let poi = model.poi_index().expect("HistFactory models have a POI");
    if let Some(mu) = cmd.poi_fixed {
        let (lo, hi) = model.suggested_bounds()[poi];
        if !(lo..=hi).contains(&mu) {
            anyhow::bail!(
                "--poi-fixed {mu}: outside the bounds [{lo}, {hi}] of POI '{}'",
                model.poi_name()
            );
        }
        opts.fixed.retain(|(i, _)| *i != poi);
        opts.fixed.push((poi, mu));
    }
    let r = ns_infer::fit(&model, model.observed(), &opts)?;
    let names = model.param_names();
    let n = names.len();
    let value = json!({
        "schema": "nextstat.fit/1",
        "input": cmd.model.source_name(),
        "measurement": model.measurement(),
        "poi": model.poi_name(),
        "parameters": names.iter().enumerate().map(|(i, name)| json!({
            "name": name,
            "value": num(r.bestfit[i]),
            "uncertainty": num(r.uncertainties[i]),
        })).collect::<Vec<_>>(),
        "nll": num(r.nll),
        "twice_nll": num(r.twice_nll()),
        "converged": r.converged(),
        "status": r.status.as_str(),
        "n_iter": r.n_iter,
        "n_eval": r.n_eval,
        "hessian_pos_def": r.hessian_pos_def,
        "covariance": r.covariance.as_ref().map(|c| c.chunks(n).map(|row| row.iter().map(|&v| num(v)).collect::<Vec<_>>()).collect::<Vec<_>>()),
    });
    emit(&cmd.out, &value, || {
        let width = names.iter().map(|s| s.len()).max().unwrap_or(4).max(9);
        let mut t = format!(
            "NextStat fit: {} (measurement '{}', POI '{}')\n\n{:<width$}  {:>14}  {:>12}\n",
            cmd.model.source_name(),
            model.measurement(),
            model.poi_name(),
            "parameter",
            "value",
            "uncertainty"
        );
        t.push_str(&format!("{}\n", "-".repeat(width + 30)));
        for (i, name) in names.iter().enumerate() {
            let fixed = opts.fixed.iter().any(|(j, _)| *j == i) || model.suggested_fixed()[i];
            let unc = if fixed {
                "(fixed)".to_string()
            } else {
                format!("{:.6}", r.uncertainties[i])
            };
            t.push_str(&format!(
                "{name:<width$}  {:>14.6}  {unc:>12}\n",
                r.bestfit[i]
            ));
        }
        t.push_str(&format!(
            "\nNLL = {:.10}   (2*NLL = {:.10})\nstatus: {} ({}), {} iterations, {} evaluations{}\n",
            r.nll,
            r.twice_nll(),
            if r.converged() { "converged" } else { "FAILED" },
            r.status,
            r.n_iter,
            r.n_eval,
            if r.hessian_pos_def {
                ""
            } else {
                "\nwarning: Hessian not positive definite; uncertainties from its diagonal"
            }
        ));
        t
    })?;
    if !r.converged() {
        anyhow::bail!("fit did not converge: {}", r.status);
    }
    Ok(())
}
