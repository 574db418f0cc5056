//! `nextstat upper-limit`: asymptotic CLs upper limits (observed and
//! expected) with the Brazil-band points.

use anyhow::{Result, bail};
use clap::Args;
use ns_core::Model;
use ns_infer::intervals::{TOMS748_ATOL, TOMS748_RTOL};
use ns_infer::{AsymptoticCalculator, TestStatistic};
use serde_json::json;

use crate::common::{FitArgs, ModelArgs, OutputArgs, ParallelArgs};
use crate::output::{emit, infer_err, num, nums, progress_bar};

#[derive(Debug, Args)]
pub struct UpperLimitCmd {
    #[command(flatten)]
    model: ModelArgs,
    #[command(flatten)]
    fit: FitArgs,
    /// Confidence level (CLs < 1 − CL is excluded).
    #[arg(long, default_value_t = 0.95, value_name = "CL")]
    cl: f64,
    /// Grid mode (pyhf's linear grid scan): first POI value.
    #[arg(long, value_name = "A", requires = "scan_stop")]
    scan_start: Option<f64>,
    /// Grid mode: last POI value.
    #[arg(long, value_name = "B", requires = "scan_start")]
    scan_stop: Option<f64>,
    /// Grid mode: number of points.
    #[arg(long, default_value_t = 21, value_name = "N")]
    scan_points: usize,
    /// Root-finding mode: bracket (default: the POI bounds clipped at 0, as a
    /// limit on a signal strength; a lower end at exactly 0 is moved to
    /// 1e-6 × the upper end, since q~ and its Asimov value both vanish at
    /// μ = 0 when μ̂ < 0 and CLs is 0/0 there).
    #[arg(long, value_name = "LO,HI", value_delimiter = ',')]
    bracket: Option<Vec<f64>>,
    /// Root-finding relative tolerance (pyhf's default 1e-4).
    #[arg(long, default_value_t = TOMS748_RTOL, value_name = "R")]
    rtol: f64,
    #[command(flatten)]
    par: ParallelArgs,
    #[command(flatten)]
    out: OutputArgs,
}

pub fn run(cmd: UpperLimitCmd) -> Result<()> {
    if !(cmd.cl > 0.0 && cmd.cl < 1.0) {
        bail!("--cl {}: must lie in (0, 1)", cmd.cl);
    }
    let level = 1.0 - cmd.cl;
    let model = cmd.model.load()?;
    let opts = cmd.fit.fit_options(&model)?;
    let poi = model.poi_index().expect("HistFactory models have a POI");
    let calc = AsymptoticCalculator::new(&model, model.observed(), &opts, TestStatistic::Qtilde)
        .map_err(|e| infer_err("upper limit", e))?;
    if let Some(w) = TestStatistic::Qtilde.warning(calc.poi_bounds()) {
        eprintln!("nextstat: warning: {w}");
    }
    let r = match (cmd.scan_start, cmd.scan_stop) {
        (Some(a), Some(b)) => {
            if cmd.scan_points < 2 {
                bail!("--scan-points must be at least 2");
            }
            let grid = ns_infer::scan::linspace(a, b, cmd.scan_points);
            let pb = progress_bar(grid.len() as u64, "hypotests");
            let tick = || pb.inc(1);
            let r = cmd
                .par
                .install(|| ns_infer::upper_limit_scan(&calc, &grid, level, Some(&tick)))?;
            pb.finish_and_clear();
            r
        }
        _ => {
            let (lo, hi) = match &cmd.bracket {
                Some(b) if b.len() == 2 => (b[0], b[1]),
                Some(b) => bail!("--bracket: expected LO,HI, got {} values", b.len()),
                None => ns_infer::intervals::default_bracket(model.suggested_bounds()[poi]),
            };
            cmd.par.install(|| {
                ns_infer::upper_limit_toms748(&calc, lo, hi, level, TOMS748_ATOL, cmd.rtol)
            })?
        }
    }
    .map_err(|e| match e {
        ns_infer::InferError::NoBracket(_) => anyhow::anyhow!("{e}"),
        e => infer_err("upper limit", e),
    })?;
    let value = json!({
        "schema": "nextstat.upper-limit/1",
        "input": cmd.model.source_name(),
        "poi": model.poi_name(),
        "cl": cmd.cl,
        "test_stat": "qtilde",
        "method": r.method.as_str(),
        "obs_limit": num(r.obs_limit),
        "exp_limits": nums(&r.exp_limits),
        "n_hypotests": r.n_hypotests,
        "brazil_band": r.points.iter().map(|p| json!({
            "mu": p.mu,
            "cls_obs": num(p.cls_obs),
            "cls_exp": nums(&p.cls_exp),
            "n_failed_fits": p.n_failed_fits,
        })).collect::<Vec<_>>(),
    });
    emit(&cmd.out, &value, || {
        let mut t = format!(
            "NextStat upper limit on '{}' at {}% CL (CLs, qtilde, asymptotic; {}): {}\n\n",
            model.poi_name(),
            cmd.cl * 100.0,
            r.method.as_str(),
            cmd.model.source_name()
        );
        t.push_str(&format!("observed          {:.6}\n", r.obs_limit));
        for (label, v) in [
            "expected -2σ",
            "expected -1σ",
            "expected median",
            "expected +1σ",
            "expected +2σ",
        ]
        .iter()
        .zip(r.exp_limits)
        {
            t.push_str(&format!("{label:<17} {v:.6}\n"));
        }
        t.push_str(&format!("\n{} hypotests\n", r.n_hypotests));
        let failed: usize = r.points.iter().map(|p| p.n_failed_fits).sum();
        if failed > 0 {
            t.push_str(&format!("warning: {failed} fit(s) did not converge\n"));
        }
        t
    })
}
