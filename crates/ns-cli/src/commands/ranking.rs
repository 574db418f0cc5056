//! `nextstat ranking`: nuisance-parameter impacts on the POI, pulls and
//! constraints.

use anyhow::Result;
use clap::Args;
use ns_core::Model;
use serde_json::json;

use crate::common::{FitArgs, ModelArgs, OutputArgs, ParallelArgs};
use crate::output::{emit, failed_fits, infer_err, num, progress_bar};

#[derive(Debug, Args)]
pub struct RankingCmd {
    #[command(flatten)]
    model: ModelArgs,
    #[command(flatten)]
    fit: FitArgs,
    #[command(flatten)]
    par: ParallelArgs,
    #[command(flatten)]
    out: OutputArgs,
}

pub fn run(cmd: RankingCmd) -> Result<()> {
    let model = cmd.model.load()?;
    let opts = cmd.fit.fit_options(&model)?;
    let prefit: Vec<Option<f64>> = (0..model.n_params())
        .map(|i| model.constraint_width(i).map(|(_, w)| w))
        .collect();
    let n_refits: usize = prefit.iter().map(|p| if p.is_some() { 4 } else { 2 }).sum();
    let pb = progress_bar(n_refits as u64, "refits");
    let tick = || pb.inc(1);
    let r = cmd
        .par
        .install(|| ns_infer::ranking(&model, model.observed(), &opts, &prefit, Some(&tick)))?
        .map_err(|e| infer_err("ranking", e))?;
    pb.finish_and_clear();
    let opt = |v: Option<f64>| v.map(num).unwrap_or(serde_json::Value::Null);
    let value = json!({
        "schema": "nextstat.ranking/1",
        "input": cmd.model.source_name(),
        "poi": model.poi_name(),
        "muhat": num(r.muhat),
        "muhat_uncertainty": num(r.muhat_uncertainty),
        "global_status": r.global_status.as_str(),
        "impacts": r.impacts.iter().map(|i| json!({
            "name": i.name,
            "bestfit": num(i.bestfit),
            "uncertainty": num(i.uncertainty),
            "pull": opt(i.pull),
            "constraint": opt(i.constraint),
            "impact_up": num(i.impact_up),
            "impact_down": num(i.impact_down),
            "prefit_impact_up": opt(i.prefit_impact_up),
            "prefit_impact_down": opt(i.prefit_impact_down),
            "failed_fits": failed_fits(&i.failed_fits),
        })).collect::<Vec<_>>(),
    });
    emit(&cmd.out, &value, || {
        let width = r
            .impacts
            .iter()
            .map(|i| i.name.len())
            .max()
            .unwrap_or(9)
            .max(9);
        let f = |v: Option<f64>| v.map_or("-".to_string(), |x| format!("{x:+.5}"));
        let mut t = format!(
            "NextStat ranking: {} (POI '{}' = {:.6} ± {:.6})\n\n{:<width$}  {:>9}  {:>10}  {:>10}  {:>10}  {:>10}  {:>10}\n",
            cmd.model.source_name(),
            model.poi_name(),
            r.muhat,
            r.muhat_uncertainty,
            "parameter",
            "pull",
            "constraint",
            "impact +",
            "impact -",
            "prefit +",
            "prefit -"
        );
        for i in &r.impacts {
            t.push_str(&format!(
                "{:<width$}  {:>9}  {:>10}  {:>+10.5}  {:>+10.5}  {:>10}  {:>10}\n",
                i.name,
                f(i.pull),
                i.constraint.map_or("-".into(), |c| format!("{c:.4}")),
                i.impact_up,
                i.impact_down,
                f(i.prefit_impact_up),
                f(i.prefit_impact_down)
            ));
        }
        let failed: usize = r.impacts.iter().map(|i| i.failed_fits.len()).sum();
        if failed > 0 {
            t.push_str(&format!("\nwarning: {failed} refit(s) did not converge\n"));
        }
        t
    })
}
