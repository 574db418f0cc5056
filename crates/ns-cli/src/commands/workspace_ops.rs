//! `nextstat combine | prune | rename | sort | digest`: pyhf's workspace
//! operations with `pyhf`'s option names and output (the workspace as JSON
//! with four-space indent and sorted keys, to `--output-file` or stdout).

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{Result, bail};
use clap::Args;
use ns_histfactory::digest::{ALGORITHMS, digest};
use ns_histfactory::workspace_ops::{self, Join, PruneRename};
use serde_json::Value;

use crate::common::patch::read_workspace;
use crate::output::{write_bytes, write_document};

/// Where the resulting workspace goes.
#[derive(Debug, Args)]
pub struct OutputFile {
    /// Write to FILE instead of stdout.
    #[arg(
        long = "output-file",
        short = 'o',
        alias = "output",
        value_name = "FILE"
    )]
    output_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CombineCmd {
    /// First workspace.
    workspace_one: PathBuf,
    /// Second workspace.
    workspace_two: PathBuf,
    /// How items sharing a name are joined: none, outer, 'left outer',
    /// 'right outer'.
    #[arg(long, short = 'j', default_value = "none", value_name = "JOIN")]
    join: String,
    /// Merge channels sharing a name sample by sample (outer joins only).
    #[arg(long)]
    merge_channels: bool,
    #[command(flatten)]
    out: OutputFile,
}

#[derive(Debug, Args)]
pub struct PruneCmd {
    /// The workspace (`-` for stdin).
    #[arg(default_value = "-")]
    workspace: PathBuf,
    /// Channel to remove (repeatable).
    #[arg(long, short = 'c', value_name = "CHANNEL")]
    channel: Vec<String>,
    /// Sample to remove (repeatable).
    #[arg(long, short = 's', value_name = "SAMPLE")]
    sample: Vec<String>,
    /// Modifier (parameter) to remove (repeatable).
    #[arg(long, short = 'm', value_name = "MODIFIER")]
    modifier: Vec<String>,
    /// Modifier type to remove (repeatable).
    #[arg(long, short = 't', value_name = "TYPE", value_parser = [
        "histosys", "lumi", "normfactor", "normsys", "shapefactor", "shapesys", "staterror",
    ])]
    modifier_type: Vec<String>,
    /// Measurement to remove (repeatable).
    #[arg(long, value_name = "MEASUREMENT")]
    measurement: Vec<String>,
    #[command(flatten)]
    out: OutputFile,
}

#[derive(Debug, Args)]
pub struct RenameCmd {
    /// The workspace (`-` for stdin).
    #[arg(default_value = "-")]
    workspace: PathBuf,
    /// Rename a channel: `--channel OLD NEW` (repeatable).
    #[arg(long, short = 'c', num_args = 2, value_names = ["OLD", "NEW"])]
    channel: Vec<String>,
    /// Rename a sample.
    #[arg(long, short = 's', num_args = 2, value_names = ["OLD", "NEW"])]
    sample: Vec<String>,
    /// Rename a modifier (also in parameter configs and POIs).
    #[arg(long, short = 'm', num_args = 2, value_names = ["OLD", "NEW"])]
    modifier: Vec<String>,
    /// Rename a measurement.
    #[arg(long, num_args = 2, value_names = ["OLD", "NEW"])]
    measurement: Vec<String>,
    #[command(flatten)]
    out: OutputFile,
}

#[derive(Debug, Args)]
pub struct SortCmd {
    /// The workspace (`-` for stdin).
    #[arg(default_value = "-")]
    workspace: PathBuf,
    #[command(flatten)]
    out: OutputFile,
}

#[derive(Debug, Args)]
pub struct DigestCmd {
    /// The workspace (`-` for stdin).
    #[arg(default_value = "-")]
    workspace: PathBuf,
    /// Hash algorithm: sha256 (default) or md5 (repeatable).
    #[arg(long, short = 'a', value_name = "ALG", default_values_t = ["sha256".to_string()])]
    algorithm: Vec<String>,
    /// Print `{"ALG": "hex"}` as JSON instead of `ALG:hex` lines.
    #[arg(long, short = 'j', conflicts_with = "plaintext")]
    json: bool,
    /// Print `ALG:hex` lines (the default).
    #[arg(long, short = 'p')]
    plaintext: bool,
}

pub fn combine(cmd: CombineCmd) -> Result<()> {
    let join = Join::parse(&cmd.join).map_err(|e| anyhow::anyhow!("--join: {e}"))?;
    let a = read_workspace(&cmd.workspace_one)?;
    let b = read_workspace(&cmd.workspace_two)?;
    let out = workspace_ops::combine(&a, &b, join, cmd.merge_channels)?;
    write_document(&out, cmd.out.output_file.as_deref())
}

pub fn prune(cmd: PruneCmd) -> Result<()> {
    let ws = read_workspace(&cmd.workspace)?;
    let pr = PruneRename {
        prune_channels: cmd.channel,
        prune_samples: cmd.sample,
        prune_modifiers: cmd.modifier,
        prune_modifier_types: cmd.modifier_type,
        prune_measurements: cmd.measurement,
        ..Default::default()
    };
    let out = workspace_ops::prune_and_rename(&ws, &pr)?;
    write_document(&out, cmd.out.output_file.as_deref())
}

fn pairs(flag: &str, v: &[String]) -> Result<BTreeMap<String, String>> {
    let mut m = BTreeMap::new();
    for p in v.chunks(2) {
        if m.insert(p[0].clone(), p[1].clone()).is_some() {
            bail!("--{flag} {}: renamed twice", p[0]);
        }
    }
    Ok(m)
}

pub fn rename(cmd: RenameCmd) -> Result<()> {
    let ws = read_workspace(&cmd.workspace)?;
    let pr = PruneRename {
        rename_channels: pairs("channel", &cmd.channel)?,
        rename_samples: pairs("sample", &cmd.sample)?,
        rename_modifiers: pairs("modifier", &cmd.modifier)?,
        rename_measurements: pairs("measurement", &cmd.measurement)?,
        ..Default::default()
    };
    let out = workspace_ops::prune_and_rename(&ws, &pr)?;
    write_document(&out, cmd.out.output_file.as_deref())
}

pub fn sort(cmd: SortCmd) -> Result<()> {
    let ws = read_workspace(&cmd.workspace)?;
    write_document(&workspace_ops::sorted(&ws), cmd.out.output_file.as_deref())
}

pub fn digest_cmd(cmd: DigestCmd) -> Result<()> {
    let ws = read_workspace(&cmd.workspace)?;
    let mut digests = BTreeMap::new();
    for alg in &cmd.algorithm {
        let d = digest(&ws, alg).ok_or_else(|| {
            anyhow::anyhow!(
                "--algorithm {alg}: unknown (one of {})",
                ALGORITHMS.join(", ")
            )
        })?;
        digests.insert(alg.clone(), d);
    }
    if cmd.json {
        let doc = Value::Object(
            digests
                .into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect(),
        );
        return write_document(&doc, None);
    }
    // In the order given, as pyhf.
    let mut text = String::new();
    for alg in &cmd.algorithm {
        text.push_str(&format!("{alg}:{}\n", digests[alg]));
    }
    write_bytes(text.as_bytes(), None)
}
