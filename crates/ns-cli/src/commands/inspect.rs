//! `nextstat inspect`.

use anyhow::Result;
use clap::Args;
use ns_core::Model;
use serde_json::json;

use crate::common::{ModelArgs, OutputArgs};
use crate::output::{emit, num};

#[derive(Debug, Args)]
pub struct InspectCmd {
    #[command(flatten)]
    model: ModelArgs,
    #[command(flatten)]
    out: OutputArgs,
}

pub fn run(cmd: InspectCmd) -> Result<()> {
    let m = cmd.model.load()?;
    let names = m.param_names();
    let constraint = |i: usize| {
        m.constraint_width(i)
            .map(|c| c.0)
            .unwrap_or("unconstrained")
    };
    let value = json!({
        "schema": "nextstat.inspect/1",
        "input": cmd.model.source_name(),
        "measurement": m.measurement(),
        "poi": m.poi_name(),
        "channels": m.channels().iter().map(|c| json!({"name": c.name, "bins": c.nbins})).collect::<Vec<_>>(),
        "samples": m.sample_names(),
        "n_params": m.n_params(),
        "n_main_bins": m.n_main(),
        "n_auxdata": m.n_aux(),
        "interp": {"normsys": m.interp().normsys.as_str(), "histosys": m.interp().histosys.as_str()},
        "modifiers": m.modifier_counts().into_iter().map(|(k, v)| (k.to_string(), json!(v))).collect::<serde_json::Map<_, _>>(),
        "parameters": names.iter().enumerate().map(|(i, n)| json!({
            "name": n,
            "init": num(m.suggested_init()[i]),
            "bounds": [num(m.suggested_bounds()[i].0), num(m.suggested_bounds()[i].1)],
            "fixed": m.suggested_fixed()[i],
            "constraint": constraint(i),
        })).collect::<Vec<_>>(),
    });
    emit(&cmd.out, &value, || {
        let mut t = format!(
            "Workspace: {}\nMeasurement: {}   POI: {}\nInterpolation: normsys={}, histosys={}\n\nChannels ({}):\n",
            cmd.model.source_name(),
            m.measurement(),
            m.poi_name(),
            m.interp().normsys.as_str(),
            m.interp().histosys.as_str(),
            m.channels().len()
        );
        for c in m.channels() {
            t.push_str(&format!("  {:<30} {:>4} bins\n", c.name, c.nbins));
        }
        t.push_str(&format!(
            "\nSamples ({}): {}\n",
            m.sample_names().len(),
            m.sample_names().join(", ")
        ));
        t.push_str("\nModifiers (parameter sets by type):\n");
        for (k, v) in m.modifier_counts() {
            t.push_str(&format!("  {k:<12} {v}\n"));
        }
        t.push_str(&format!(
            "\nParameters ({}; {} main bins, {} auxdata):\n",
            m.n_params(),
            m.n_main(),
            m.n_aux()
        ));
        let width = names.iter().map(|s| s.len()).max().unwrap_or(4).max(9);
        t.push_str(&format!(
            "  {:<width$} {:>10} {:>24} {:>6}  constraint\n",
            "name", "init", "bounds", "fixed"
        ));
        for (i, n) in names.iter().enumerate() {
            let (lo, hi) = m.suggested_bounds()[i];
            t.push_str(&format!(
                "  {n:<width$} {:>10.4} {:>24} {:>6}  {}\n",
                m.suggested_init()[i],
                format!("[{lo}, {hi}]"),
                if m.suggested_fixed()[i] { "yes" } else { "" },
                constraint(i)
            ));
        }
        t
    })
}
