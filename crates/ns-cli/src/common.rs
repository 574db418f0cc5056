//! Options shared by every command that loads a model: input, measurement,
//! interpolation codes, patches, fixed parameters, JSON output.

pub mod patch;

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
    /// Patch the workspace before building it (repeatable, in order): an
    /// RFC 6902 JSON Patch file, or a pyhf patchset with the patch's name
    /// after a colon (`patchset.json:NAME`).
    #[arg(long = "patch", value_name = "FILE[:NAME]")]
    pub patch: Vec<String>,
    /// The patch of a `--patch` patchset given without `:NAME`, by name.
    #[arg(long, value_name = "NAME", conflicts_with = "patch_values")]
    pub patch_name: Option<String>,
    /// The patch of a `--patch` patchset given without `:NAME`, by its
    /// values in the signal grid, e.g. `1000,100`.
    #[arg(long, value_name = "V1,V2,...")]
    pub patch_values: Option<String>,
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
    /// Display name of the input (with its patches).
    pub fn source_name(&self) -> String {
        let base = match &self.input {
            None => "<bundled example>".into(),
            Some(p) if p.as_os_str() == "-" => "<stdin>".into(),
            Some(p) => p.display().to_string(),
        };
        if self.patch.is_empty() {
            return base;
        }
        let mut s = format!("{base} patched with {}", self.patch.join(", "));
        if let Some(n) = &self.patch_name {
            s.push_str(&format!(" (patch '{n}')"));
        } else if let Some(v) = &self.patch_values {
            s.push_str(&format!(" (patch values {v})"));
        }
        s
    }

    /// Read, patch, parse and compile the workspace.
    pub fn load(&self) -> Result<HistFactoryModel> {
        let source_name = self.source_name();
        if self.patch.is_empty() && (self.patch_name.is_some() || self.patch_values.is_some()) {
            bail!(
                "--patch-name/--patch-values select a patch of a patchset given with --patch FILE"
            );
        }
        let text = self.read_text()?;
        let ws = if self.patch.is_empty() {
            Workspace::from_json_str(&text, &source_name)?
        } else {
            let doc: serde_json::Value = match serde_json::from_str(&text) {
                Ok(d) => d,
                // Not JSON: the workspace parser names the place.
                Err(_) => {
                    return Err(Workspace::from_json_str(&text, &source_name)
                        .err()
                        .map_or_else(
                            || anyhow::anyhow!("{source_name}: invalid JSON"),
                            Into::into,
                        ));
                }
            };
            let sel = patch::Selector {
                name: self.patch_name.as_deref(),
                values: self.patch_values.as_deref(),
            };
            let doc = patch::apply_all(doc, &self.patch, sel)?;
            Workspace::from_value(&doc, &source_name)?
        };
        self.build(&ws, source_name)
    }

    /// Compile a parsed workspace with these options.
    pub fn build(&self, ws: &Workspace, source_name: String) -> Result<HistFactoryModel> {
        let interp = match &self.interp {
            None => InterpSettings::default(),
            Some(s) => InterpSettings::parse(s)
                .map_err(|e| anyhow::anyhow!("--interp: {}", strip(&e.to_string())))?,
        };
        let opts = BuildOptions {
            measurement: self.measurement.clone(),
            interp,
            source_name,
        };
        Ok(HistFactoryModel::from_workspace(ws, &opts)?)
    }

    /// The input's text (the bundled example, stdin or a file).
    pub fn read_text(&self) -> Result<String> {
        Ok(match &self.input {
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
        })
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
