//! `nextstat patchset inspect|extract|apply|verify` (pyhf's `pyhf patchset`
//! subcommands and outputs) and the batch `hypotest` / `upper-limit` over
//! every patch (in `patchset_batch`).

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Subcommand};
use ns_histfactory::{PatchKey, PatchSet};
use serde_json::{Value, json};

use super::patchset_batch;
use crate::common::OutputArgs;
use crate::common::patch::{lookup, read_patchset, read_workspace, shown};
use crate::output::{emit, write_bytes, write_document};

#[derive(Debug, Args)]
pub struct PatchsetCmd {
    #[command(subcommand)]
    command: PatchsetSub,
}

#[derive(Debug, Subcommand)]
enum PatchsetSub {
    /// List the patches of a patchset.
    Inspect(InspectCmd),
    /// Print one patch (its JSON Patch operations).
    Extract(ExtractCmd),
    /// Apply one patch to the background-only workspace (digests checked).
    Apply(ApplyCmd),
    /// Check the patchset's digests against the background-only workspace.
    Verify(VerifyCmd),
    /// Asymptotic CLs hypothesis test on every patch, in parallel.
    Hypotest(patchset_batch::HypotestCmd),
    /// CLs upper limit on every patch, in parallel.
    UpperLimit(patchset_batch::UpperLimitCmd),
}

/// Which patch: `--name` or `--values`.
#[derive(Debug, Args)]
struct PatchChoice {
    /// The patch's name.
    #[arg(long, value_name = "NAME", required_unless_present = "values")]
    name: Option<String>,
    /// The patch's values in the signal grid, e.g. `1000,100`.
    #[arg(long, value_name = "V1,V2,...", conflicts_with = "name")]
    values: Option<String>,
}

impl PatchChoice {
    fn key(&self) -> PatchKey {
        match (&self.name, &self.values) {
            (Some(n), _) => PatchKey::Name(n.clone()),
            (None, Some(v)) => PatchKey::parse_values(v),
            (None, None) => unreachable!("clap requires --name or --values"),
        }
    }
}

#[derive(Debug, Args)]
struct InspectCmd {
    /// The patchset (`-` for stdin).
    #[arg(default_value = "-")]
    patchset: PathBuf,
    #[command(flatten)]
    out: OutputArgs,
}

#[derive(Debug, Args)]
struct ExtractCmd {
    /// The patchset (`-` for stdin).
    #[arg(default_value = "-")]
    patchset: PathBuf,
    #[command(flatten)]
    choice: PatchChoice,
    /// Output `{"metadata", "patch"}` with the patchset's metadata merged in.
    #[arg(long)]
    with_metadata: bool,
    /// Write to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    output_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct ApplyCmd {
    /// The background-only workspace (`-` for stdin).
    background_only: PathBuf,
    /// The patchset.
    patchset: PathBuf,
    #[command(flatten)]
    choice: PatchChoice,
    /// Write to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    output_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct VerifyCmd {
    /// The background-only workspace (`-` for stdin).
    background_only: PathBuf,
    /// The patchset.
    patchset: PathBuf,
}

pub fn run(cmd: PatchsetCmd) -> Result<()> {
    match cmd.command {
        PatchsetSub::Inspect(c) => inspect(c),
        PatchsetSub::Extract(c) => extract(c),
        PatchsetSub::Apply(c) => apply(c),
        PatchsetSub::Verify(c) => verify(c),
        PatchsetSub::Hypotest(c) => patchset_batch::hypotest(c),
        PatchsetSub::UpperLimit(c) => patchset_batch::upper_limit(c),
    }
}

fn inspect(cmd: InspectCmd) -> Result<()> {
    let ps = read_patchset(&cmd.patchset)?;
    let value = json!({
        "schema": "nextstat.patchset-inspect/1",
        "patchset": shown(&cmd.patchset),
        "description": ps.description(),
        "labels": ps.labels(),
        "digests": ps.metadata["digests"],
        "references": ps.metadata["references"],
        "patches": ps.patches.iter().map(|p| json!({"name": p.name, "values": p.values})).collect::<Vec<_>>(),
    });
    emit(&cmd.out, &value, || table(&ps))
}

/// pyhf's listing, with each patch's values beside its name.
fn table(ps: &PatchSet) -> String {
    let width = ps.patches.iter().map(|p| p.name.len()).max().unwrap_or(0);
    let mut t = format!(
        "\n    {} patches found in Patchset\n---------------------------------\n\n",
        ps.patches.len()
    );
    t.push_str(&format!("labels: {}\n\n", ps.labels().join(", ")));
    for p in &ps.patches {
        t.push_str(&format!(
            "{:<width$}  {}\n",
            p.name,
            Value::Array(p.values.clone())
        ));
    }
    t
}

fn extract(cmd: ExtractCmd) -> Result<()> {
    let ps = read_patchset(&cmd.patchset)?;
    let patch = lookup(&ps, &cmd.choice.key())?;
    let doc = if cmd.with_metadata {
        // pyhf: the patch's metadata updated with the patchset's.
        let mut md = patch.metadata.clone();
        if let (Some(m), Some(set)) = (md.as_object_mut(), ps.metadata.as_object()) {
            for (k, v) in set {
                m.insert(k.clone(), v.clone());
            }
        }
        json!({"metadata": md, "patch": patch.operations})
    } else {
        patch.operations.clone()
    };
    write_document(&doc, cmd.output_file.as_deref())
}

fn apply(cmd: ApplyCmd) -> Result<()> {
    let ws = read_workspace(&cmd.background_only)?;
    let ps = read_patchset(&cmd.patchset)?;
    let patch = lookup(&ps, &cmd.choice.key())?;
    ps.verify(&ws)?;
    let patched = patch
        .apply(&ws)
        .map_err(|e| anyhow::anyhow!("{}: {e}", shown(&cmd.patchset)))?;
    ns_histfactory::Workspace::from_value(&patched, &format!("patch '{}'", patch.name))?;
    write_document(&patched, cmd.output_file.as_deref())
}

fn verify(cmd: VerifyCmd) -> Result<()> {
    let ws = read_workspace(&cmd.background_only)?;
    let ps = read_patchset(&cmd.patchset)?;
    ps.verify(&ws)?;
    write_bytes(b"All good.\n", None)
}
