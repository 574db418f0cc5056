//! `nextstat gof`: saturated-model goodness of fit as cabinetry defines it
//! (statistic `2 (NLL_best − NLL_saturated)`, χ² with `ndof` = bins − free
//! unconstrained parameters), optionally with a toy-based p-value.

use anyhow::{Result, bail};
use clap::Args;
use ns_core::Model;
use serde_json::json;

use crate::common::{FitArgs, ModelArgs, OutputArgs, ParallelArgs};
use crate::output::{emit, infer_err, num};

#[derive(Debug, Args)]
pub struct GofCmd {
    #[command(flatten)]
    model: ModelArgs,
    #[command(flatten)]
    fit: FitArgs,
    /// Also compute the p-value from N pseudo-experiments drawn at the best
    /// fit (checks the χ² assumption at small counts).
    #[arg(long, value_name = "N")]
    toys: Option<usize>,
    /// Seed of the toys (toy k uses the stream (seed, k)).
    #[arg(long, default_value_t = 0, value_name = "S")]
    seed: u64,
    #[command(flatten)]
    par: ParallelArgs,
    #[command(flatten)]
    out: OutputArgs,
}

pub fn run(cmd: GofCmd) -> Result<()> {
    let model = cmd.model.load()?;
    let opts = cmd.fit.fit_options(&model)?;
    let g = ns_infer::gof(&model, model.observed(), &opts).map_err(|e| infer_err("gof", e))?;
    if !g.fit.converged() {
        bail!("gof: the best fit did not converge: {}", g.fit.status);
    }
    let toys = match cmd.toys {
        None => None,
        Some(n) => Some(
            cmd.par
                .install(|| ns_infer::gof_toys(&model, &g, n, cmd.seed, &opts))?
                .map_err(|e| infer_err("gof --toys", e))?,
        ),
    };
    let mut value = json!({
        "schema": "nextstat.gof/1",
        "input": cmd.model.source_name(),
        "method": "saturated",
        "statistic": num(g.statistic),
        "ndof": g.ndof,
        "p_value": num(g.p_value),
        "nll": num(g.fit.nll),
        "saturated_nll": num(g.saturated_nll),
    });
    if let Some((p, stats)) = &toys {
        let n_failed = stats.iter().filter(|s| !s.is_finite()).count();
        value["toys"] = json!({
            "n_toys": stats.len(),
            "seed": cmd.seed,
            "p_value": num(*p),
            "n_failed": n_failed,
        });
    }
    emit(&cmd.out, &value, || {
        let mut t = format!(
            "NextStat goodness of fit (saturated model): {}\n\nstatistic = {:.6}\nndof      = {}\np-value   = {:.6e}  (χ²)\n",
            cmd.model.source_name(),
            g.statistic,
            g.ndof,
            g.p_value
        );
        if let Some((p, stats)) = &toys {
            t.push_str(&format!(
                "p-value   = {p:.6}  ({} toys, seed {})\n",
                stats.len(),
                cmd.seed
            ));
        }
        t
    })
}
