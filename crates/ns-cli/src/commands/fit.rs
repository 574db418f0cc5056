//! `nextstat fit`.

use anyhow::Result;
use clap::Args;
use ns_core::Model;
use serde::Serialize;
use serde::ser::SerializeSeq;

use crate::common::{FitArgs, ModelArgs, OutputArgs};
use crate::output::{Matrix, Num, emit};

#[derive(Debug, Args)]
pub struct FitCmd {
    #[command(flatten)]
    model: ModelArgs,
    #[command(flatten)]
    fit: FitArgs,
    /// Fix the POI at this value (conditional fit).
    #[arg(long, value_name = "VALUE")]
    poi_fixed: Option<f64>,
    /// Include the covariance matrix in the JSON output (n × n numbers:
    /// 40,000 on a 200-parameter model, several times the cost of the fit).
    #[arg(long)]
    covariance: bool,
    /// MINOS asymmetric intervals (profile-likelihood crossings at
    /// Δ(2·NLL) = 1) for these parameters (space- or comma-separated;
    /// default: the POI).
    #[arg(long, num_args = 0.., value_delimiter = ',', value_name = "PARAM")]
    minos: Option<Vec<String>>,
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
    let minos = match &cmd.minos {
        None => vec![],
        Some(list) => {
            let names = if list.is_empty() {
                vec![model.poi_name().to_string()]
            } else {
                list.clone()
            };
            ns_infer::minos(&model, model.observed(), &r, &names, &opts, 1.0)
                .map_err(|e| crate::output::infer_err("--minos", e))?
        }
    };
    let names = model.param_names();
    let n = names.len();
    let value = FitJson {
        schema: "nextstat.fit/2",
        input: cmd.model.source_name(),
        measurement: model.measurement(),
        poi: model.poi_name(),
        parameters: Params {
            names,
            values: &r.bestfit,
            uncertainties: &r.uncertainties,
        },
        nll: Num(r.nll),
        twice_nll: Num(r.twice_nll()),
        converged: r.converged(),
        status: r.status.as_str(),
        n_iter: r.n_iter,
        n_eval: r.n_eval,
        hessian_pos_def: r.hessian_pos_def,
        covariance: cmd
            .covariance
            .then(|| r.covariance.as_deref().map(|data| Matrix { data, n })),
        minos: cmd.minos.is_some().then(|| minos_json(&minos)),
    };
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
        t.push_str(&minos_table(&minos, width));
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

/// The `nextstat.fit/1` document, streamed (see `output`).
#[derive(Serialize)]
struct FitJson<'a> {
    schema: &'static str,
    input: String,
    measurement: &'a str,
    poi: &'a str,
    parameters: Params<'a>,
    nll: Num,
    twice_nll: Num,
    converged: bool,
    status: &'static str,
    n_iter: usize,
    n_eval: usize,
    hessian_pos_def: bool,
    /// Only with `--covariance` (absent otherwise; `null` if the Hessian was
    /// not positive definite).
    #[serde(skip_serializing_if = "Option::is_none")]
    covariance: Option<Option<Matrix<'a>>>,
    /// Only with `--minos`: `{name: {lower, upper, lower_status,
    /// upper_status, ...}}`, the interval's end points as parameter values.
    #[serde(skip_serializing_if = "Option::is_none")]
    minos: Option<serde_json::Value>,
}

/// An edge's status: `ok`, `at_limit` (the profile stays below the
/// threshold up to the parameter's bound: the edge is the bound) or
/// `failed` (a conditional fit or the root finding failed).
fn edge_status(e: &ns_infer::MinosEdge) -> &'static str {
    match (e.valid, e.at_bound) {
        (false, _) => "failed",
        (true, true) => "at_limit",
        (true, false) => "ok",
    }
}

fn minos_json(ivs: &[ns_infer::MinosInterval]) -> serde_json::Value {
    let mut m = serde_json::Map::new();
    for iv in ivs {
        m.insert(
            iv.name.clone(),
            serde_json::json!({
                "bestfit": crate::output::num(iv.bestfit),
                "lower": crate::output::num(iv.lower.value),
                "upper": crate::output::num(iv.upper.value),
                "lower_error": crate::output::num(iv.lower.value - iv.bestfit),
                "upper_error": crate::output::num(iv.upper.value - iv.bestfit),
                "lower_status": edge_status(&iv.lower),
                "upper_status": edge_status(&iv.upper),
                "valid": iv.lower.valid && iv.upper.valid,
                "n_fits": iv.lower.n_fits + iv.upper.n_fits,
            }),
        );
    }
    serde_json::Value::Object(m)
}

fn minos_table(ivs: &[ns_infer::MinosInterval], width: usize) -> String {
    if ivs.is_empty() {
        return String::new();
    }
    let mut t = format!(
        "\nMINOS (Δ2NLL = 1)\n{:<width$}  {:>14}  {:>12}  {:>12}  status\n{}\n",
        "parameter",
        "value",
        "lower",
        "upper",
        "-".repeat(width + 52)
    );
    for iv in ivs {
        let status = match (edge_status(&iv.lower), edge_status(&iv.upper)) {
            ("ok", "ok") => "ok".to_string(),
            (lo, hi) => format!("lower {lo}, upper {hi}"),
        };
        t.push_str(&format!(
            "{:<width$}  {:>14.6}  {:>+12.6}  {:>+12.6}  {status}\n",
            iv.name,
            iv.bestfit,
            iv.lower.value - iv.bestfit,
            iv.upper.value - iv.bestfit,
        ));
    }
    t
}

/// `[{"name", "value", "uncertainty"}, ...]` without building the objects.
struct Params<'a> {
    names: &'a [String],
    values: &'a [f64],
    uncertainties: &'a [f64],
}

impl Serialize for Params<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Param<'a> {
            name: &'a str,
            value: Num,
            uncertainty: Num,
        }
        let mut seq = s.serialize_seq(Some(self.names.len()))?;
        for (i, name) in self.names.iter().enumerate() {
            seq.serialize_element(&Param {
                name,
                value: Num(self.values[i]),
                uncertainty: Num(self.uncertainties[i]),
            })?;
        }
        seq.end()
    }
}
