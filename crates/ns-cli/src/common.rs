//! Options shared by every command that loads a model: input, measurement,
//! interpolation codes, fixed parameters, JSON output.

use std::io::Read;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Args;
use ns_histfactory::{BuildOptions, HistFactoryModel, InterpSettings, Workspace};
use ns_infer::FitOptions;

/// The example workspace fitted when no `--input` is given: two channels,
/// every modifier type.
pub const EXAMPLE_WORKSPACE: &str = include_str!("../data/example_workspace.json");

/// Where the model comes from and how it is built.
#[derive(Debug, Args, Clone)]
pub struct ModelArgs {
    /// pyhf JSON workspace (`-` for stdin). Default: a bundled example.
    #[arg(long, short = 'i', value_name = "FILE")]
    pub input: Option<PathBuf>,
    /// Measurement to use (default: the first one).
    #[arg(long, value_name = "NAME")]
    pub measurement: Option<String>,
    /// Interpolation codes, e.g. `normsys=code1,histosys=code0`
    /// (default: pyhf 0.7's normsys=code4,histosys=code4p).
    #[arg(long, value_name = "SETTINGS")]
    pub interp: Option<String>,
}

/// Fit options shared by fit, scan, hypotest, limits and ranking.
#[derive(Debug, Args, Clone)]
pub struct FitArgs {
    /// Fix a parameter: `NAME=VALUE` (repeatable).
    #[arg(long = "fix", value_name = "NAME=VALUE")]
    pub fix: Vec<String>,
}

/// Output options.
#[derive(Debug, Args, Clone)]
pub struct OutputArgs {
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Write the output to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

impl ModelArgs {
    /// Display name of the input.
    pub fn source_name(&self) -> String {
        match &self.input {
            None => "<bundled example>".into(),
            Some(p) if p.as_os_str() == "-" => "<stdin>".into(),
            Some(p) => p.display().to_string(),
        }
    }

    /// Read, parse and compile the workspace.
    pub fn load(&self) -> Result<HistFactoryModel> {
        let source_name = self.source_name();
        let text = match &self.input {
            None => EXAMPLE_WORKSPACE.to_string(),
            Some(p) if p.as_os_str() == "-" => {
                let mut s = String::new();
                std::io::stdin()
                    .read_to_string(&mut s)
                    .context("reading workspace from stdin")?;
                s
            }
            Some(p) => std::fs::read_to_string(p)
                .with_context(|| format!("{}: cannot read", p.display()))?,
        };
        let interp = match &self.interp {
            None => InterpSettings::default(),
            Some(s) => InterpSettings::parse(s)
                .map_err(|e| anyhow::anyhow!("--interp: {}", strip(&e.to_string())))?,
        };
        let opts = BuildOptions {
            measurement: self.measurement.clone(),
            interp,
            source_name: source_name.clone(),
        };
        let ws = Workspace::from_json_str(&text, &source_name)?;
        Ok(HistFactoryModel::from_workspace(&ws, &opts)?)
    }
}

fn strip(msg: &str) -> &str {
    msg.trim_start_matches(": invalid model: ")
}

impl FitArgs {
    /// Parse `--fix NAME=VALUE` against the model into fit options.
    pub fn fit_options(&self, model: &HistFactoryModel) -> Result<FitOptions> {
        let mut pairs = Vec::new();
        for f in &self.fix {
            let Some((name, value)) = f.split_once('=') else {
                bail!("--fix '{f}': expected NAME=VALUE");
            };
            let value: f64 = value
                .trim()
                .parse()
                .with_context(|| format!("--fix '{f}': '{value}' is not a number"))?;
            pairs.push((name.trim().to_string(), value));
        }
        let fixed =
            ns_infer::resolve_fixed(model, &pairs).map_err(|e| anyhow::anyhow!("--fix: {e}"))?;
        Ok(FitOptions {
            fixed,
            ..FitOptions::default()
        })
    }
}

/// Parallelism options of the commands that run many fits.
#[derive(Debug, Args, Clone)]
pub struct ParallelArgs {
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
}

impl ParallelArgs {
    /// Run `f` on a rayon pool with the requested number of threads.
    pub fn install<T: Send>(&self, f: impl FnOnce() -> T + Send) -> Result<T> {
        let mut b = rayon::ThreadPoolBuilder::new();
        if let Some(n) = self.threads {
            if n == 0 {
                bail!("--threads must be at least 1");
            }
            b = b.num_threads(n);
        }
        let pool = b.build().context("building the thread pool")?;
        Ok(pool.install(f))
    }
}
