//! `nextstat scan`: profile likelihood scan of the POI.

use anyhow::{Result, bail};
use clap::Args;
use ns_core::Model;
use serde_json::json;

use crate::common::{FitArgs, ModelArgs, OutputArgs, ParallelArgs};
use crate::output::{emit, infer_err, num, progress_bar};

#[derive(Debug, Args)]
pub struct ScanCmd {
    #[command(flatten)]
    model: ModelArgs,
    #[command(flatten)]
    fit: FitArgs,
    /// First POI value (default: the POI lower bound).
    #[arg(long, value_name = "A")]
    start: Option<f64>,
    /// Last POI value (default: min(5, the POI upper bound)).
    #[arg(long, value_name = "B")]
    stop: Option<f64>,
    /// Number of points.
    #[arg(long, default_value_t = 21, value_name = "N")]
    points: usize,
    /// Explicit grid, comma separated (overrides start/stop/points).
    #[arg(long, value_name = "MU,MU,...", value_delimiter = ',')]
    grid: Option<Vec<f64>>,
    #[command(flatten)]
    par: ParallelArgs,
    #[command(flatten)]
    out: OutputArgs,
}

pub fn run(cmd: ScanCmd) -> Result<()> {
    let model = cmd.model.load()?;
    let opts = cmd.fit.fit_options(&model)?;
    let poi = model.poi_index().expect("HistFactory models have a POI");
    let (lo, hi) = model.suggested_bounds()[poi];
    let mus = match &cmd.grid {
        Some(g) => g.clone(),
        None => {
            if cmd.points == 0 {
                bail!("--points must be at least 1");
            }
            let start = cmd.start.unwrap_or(lo.max(0.0).min(hi));
            let stop = cmd.stop.unwrap_or(hi.min(5.0).max(start));
            ns_infer::scan::linspace(start, stop, cmd.points)
        }
    };
    let pb = progress_bar(mus.len() as u64, "scan");
    let tick = || pb.inc(1);
    let r = cmd
        .par
        .install(|| ns_infer::profile_scan(&model, model.observed(), &mus, &opts, Some(&tick)))?
        .map_err(|e| infer_err("scan", e))?;
    pb.finish_and_clear();
    let value = json!({
        "schema": "nextstat.scan/1",
        "input": cmd.model.source_name(),
        "poi": model.poi_name(),
        "bestfit_mu": num(r.bestfit_mu),
        "twice_nll_global": num(r.global.twice_nll()),
        "global_status": r.global.status.as_str(),
        "points": r.points.iter().map(|p| json!({
            "mu": p.mu,
            "twice_delta_nll": num(p.twice_delta_nll),
            "status": p.status.as_str(),
        })).collect::<Vec<_>>(),
        "n_failed": r.n_failed(),
    });
    emit(&cmd.out, &value, || {
        let mut t = format!(
            "NextStat profile scan: {} (POI '{}', best fit {:.6})\n\n{:>12}  {:>14}  status\n",
            cmd.model.source_name(),
            model.poi_name(),
            r.bestfit_mu,
            "mu",
            "2*dNLL"
        );
        for p in &r.points {
            t.push_str(&format!(
                "{:>12.6}  {:>14.6}  {}\n",
                p.mu, p.twice_delta_nll, p.status
            ));
        }
        if r.n_failed() > 0 {
            t.push_str(&format!(
                "\nwarning: {} point(s) did not converge\n",
                r.n_failed()
            ));
        }
        t
    })
}
