//! Workspace operations with pyhf's vocabulary and semantics
//! (`pyhf.Workspace.combine / prune / rename / sorted`): they act on the
//! JSON document, so every field (including ones NextStat ignores) is kept
//! as pyhf keeps it, and the result is validated by parsing it as a
//! [`Workspace`](crate::Workspace).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use crate::error::{HistFactoryError, Result};

fn op_err(operation: &'static str, message: String) -> HistFactoryError {
    HistFactoryError::WorkspaceOp { operation, message }
}

fn name_of(v: &Value) -> &str {
    v.get("name").and_then(Value::as_str).unwrap_or("")
}

fn list<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map_or(&[], |a| a.as_slice())
}

/// How [`combine`] joins two workspaces (pyhf's `join=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Join {
    /// No item may share a name (the default).
    None,
    /// Items sharing a name must be identical; identical ones are kept once.
    Outer,
    /// On a shared name keep the left item.
    LeftOuter,
    /// On a shared name keep the right item.
    RightOuter,
}

impl Join {
    /// Parse pyhf's spelling: `none`, `outer`, `left outer`, `right outer`.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "none" => Ok(Join::None),
            "outer" => Ok(Join::Outer),
            "left outer" | "left-outer" => Ok(Join::LeftOuter),
            "right outer" | "right-outer" => Ok(Join::RightOuter),
            _ => Err(op_err(
                "combine",
                format!(
                    "workspaces must be joined with one of 'none', 'outer', 'left outer', 'right outer'; not '{s}'"
                ),
            )),
        }
    }
}

/// pyhf's `_join_items`: join two lists of objects on their `name`.
fn join_items(join: Join, left: &[Value], right: &[Value], deep_key: Option<&str>) -> Vec<Value> {
    let (primary, secondary) = if join == Join::RightOuter {
        (right, left)
    } else {
        (left, right)
    };
    let mut joined = primary.to_vec();
    let keys: Vec<String> = joined.iter().map(|v| name_of(v).to_string()).collect();
    for item in secondary {
        let pos = keys.iter().position(|k| k == name_of(item));
        if let (Some(i), Some(dk)) = (pos, deep_key) {
            let merged = join_items(Join::LeftOuter, list(&joined[i], dk), list(item, dk), None);
            joined[i][dk] = Value::Array(merged);
        } else if join == Join::None
            || (join == Join::Outer
                && !primary
                    .iter()
                    .any(|p| crate::jsonpatch::values_equal(p, item)))
            || (matches!(join, Join::LeftOuter | Join::RightOuter) && pos.is_none())
        {
            joined.push(item.clone());
        }
    }
    joined
}

fn common_names(what: &str, left: &[Value], right: &[Value]) -> Result<()> {
    let l: BTreeSet<&str> = left.iter().map(name_of).collect();
    let common: Vec<&str> = right
        .iter()
        .map(name_of)
        .filter(|n| l.contains(n))
        .collect();
    if common.is_empty() {
        Ok(())
    } else {
        Err(op_err(
            "combine",
            format!(
                "workspaces cannot have any {what} in common with the same name: {common:?} (try another join: outer, left outer, right outer)"
            ),
        ))
    }
}

fn duplicates(what: &str, joined: &[Value]) -> Result<()> {
    let mut count: BTreeMap<&str, usize> = BTreeMap::new();
    for v in joined {
        *count.entry(name_of(v)).or_default() += 1;
    }
    let bad: Vec<&str> = count
        .into_iter()
        .filter(|(_, c)| *c > 1)
        .map(|(n, _)| n)
        .collect();
    if bad.is_empty() {
        Ok(())
    } else {
        Err(op_err(
            "combine",
            format!("workspaces cannot have {what} in common with incompatible structure: {bad:?}"),
        ))
    }
}

/// pyhf's `Workspace.combine(left, right, join, merge_channels)`.
pub fn combine(left: &Value, right: &Value, join: Join, merge_channels: bool) -> Result<Value> {
    if merge_channels && join == Join::None {
        return Err(op_err(
            "combine",
            "channels can only be merged with the 'outer', 'left outer' or 'right outer' joins"
                .into(),
        ));
    }
    let (lv, rv) = (left.get("version"), right.get("version"));
    if lv != rv {
        return Err(op_err(
            "combine",
            format!(
                "workspaces of different versions cannot be combined: {} != {}",
                lv.unwrap_or(&Value::Null),
                rv.unwrap_or(&Value::Null)
            ),
        ));
    }
    let part = |key: &str| (list(left, key), list(right, key));
    // Channels.
    let (lc, rc) = part("channels");
    let channels = join_items(join, lc, rc, merge_channels.then_some("samples"));
    // Observations.
    let (lo, ro) = part("observations");
    let observations = join_items(join, lo, ro, None);
    // Measurements.
    let (lm, rm) = part("measurements");
    let mut measurements = join_items(join, lm, rm, None);
    match join {
        Join::None => {
            common_names("channels", lc, rc)?;
            common_names("observations", lo, ro)?;
            common_names("measurements", lm, rm)?;
        }
        Join::Outer => {
            duplicates("channels", &channels)?;
            duplicates("observations", &observations)?;
            measurements = merge_measurements(measurements)?;
        }
        _ => {}
    }
    let mut out = Map::new();
    out.insert("channels".into(), Value::Array(channels));
    out.insert("measurements".into(), Value::Array(measurements));
    out.insert("observations".into(), Value::Array(observations));
    if let Some(v) = lv {
        out.insert("version".into(), v.clone());
    }
    let out = Value::Object(out);
    validate(&out, "combine")?;
    Ok(out)
}

/// Outer join of measurements: same-named ones must share the POI; their
/// parameter configs are joined and must not clash.
fn merge_measurements(joined: Vec<Value>) -> Result<Vec<Value>> {
    let mut order: Vec<String> = Vec::new();
    let mut by_name: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for m in joined {
        let n = name_of(&m).to_string();
        if !by_name.contains_key(&n) {
            order.push(n.clone());
        }
        by_name.entry(n).or_default().push(m);
    }
    let mut out = Vec::new();
    for name in order {
        let ms = &by_name[&name];
        if ms.len() == 1 {
            out.push(ms[0].clone());
            continue;
        }
        let pois: BTreeSet<String> = ms.iter().map(|m| m["config"]["poi"].to_string()).collect();
        if pois.len() > 1 {
            return Err(op_err(
                "combine",
                format!(
                    "workspaces cannot have the same measurement '{name}' with incompatible POI: {pois:?}"
                ),
            ));
        }
        let mut params: Vec<Value> = list(&ms[0]["config"], "parameters").to_vec();
        for m in &ms[1..] {
            params = join_items(Join::Outer, &params, list(&m["config"], "parameters"), None);
        }
        let mut count: BTreeMap<&str, usize> = BTreeMap::new();
        for p in &params {
            *count.entry(name_of(p)).or_default() += 1;
        }
        let bad: Vec<&str> = count
            .into_iter()
            .filter(|(_, c)| *c > 1)
            .map(|(n, _)| n)
            .collect();
        if !bad.is_empty() {
            return Err(op_err(
                "combine",
                format!(
                    "workspaces cannot have a measurement ('{name}') with incompatible parameter configs: {bad:?}"
                ),
            ));
        }
        out.push(serde_json::json!({
            "name": name,
            "config": {"poi": ms[0]["config"]["poi"], "parameters": params},
        }));
    }
    Ok(out)
}

/// What [`prune_and_rename`] removes and renames (pyhf's keyword arguments).
#[derive(Debug, Clone, Default)]
pub struct PruneRename {
    /// Modifier (parameter) names to remove, with their parameter configs.
    pub prune_modifiers: Vec<String>,
    /// Modifier types to remove (`histosys`, ...).
    pub prune_modifier_types: Vec<String>,
    /// Sample names to remove.
    pub prune_samples: Vec<String>,
    /// Channel names to remove, with their observations.
    pub prune_channels: Vec<String>,
    /// Measurement names to remove.
    pub prune_measurements: Vec<String>,
    /// Modifier renames (old → new), also in parameter configs and POIs.
    pub rename_modifiers: BTreeMap<String, String>,
    /// Sample renames.
    pub rename_samples: BTreeMap<String, String>,
    /// Channel renames, also of observations.
    pub rename_channels: BTreeMap<String, String>,
    /// Measurement renames.
    pub rename_measurements: BTreeMap<String, String>,
}

/// pyhf's `Workspace._prune_and_rename` (behind `prune` and `rename`):
/// every name to prune or rename must exist.
pub fn prune_and_rename(ws: &Value, pr: &PruneRename) -> Result<Value> {
    let op = if pr.rename_modifiers.is_empty()
        && pr.rename_samples.is_empty()
        && pr.rename_channels.is_empty()
        && pr.rename_measurements.is_empty()
    {
        "prune"
    } else {
        "rename"
    };
    let channels = list(ws, "channels");
    let samples = || channels.iter().flat_map(|c| list(c, "samples"));
    let modifiers = || samples().flat_map(|s| list(s, "modifiers"));
    let has = |what: &str, names: &mut dyn Iterator<Item = &String>, known: &BTreeSet<&str>| {
        for n in names {
            if !known.contains(n.as_str()) {
                return Err(op_err(
                    op,
                    format!("'{n}' is not one of the {what} in this workspace"),
                ));
            }
        }
        Ok(())
    };
    let types: BTreeSet<&str> = modifiers()
        .filter_map(|m| m.get("type").and_then(Value::as_str))
        .collect();
    has(
        "modifier types",
        &mut pr.prune_modifier_types.iter(),
        &types,
    )?;
    let mods: BTreeSet<&str> = modifiers().map(name_of).collect();
    has(
        "modifiers",
        &mut pr.prune_modifiers.iter().chain(pr.rename_modifiers.keys()),
        &mods,
    )?;
    let samps: BTreeSet<&str> = samples().map(name_of).collect();
    has(
        "samples",
        &mut pr.prune_samples.iter().chain(pr.rename_samples.keys()),
        &samps,
    )?;
    let chans: BTreeSet<&str> = channels.iter().map(name_of).collect();
    has(
        "channels",
        &mut pr.prune_channels.iter().chain(pr.rename_channels.keys()),
        &chans,
    )?;
    let meas: BTreeSet<&str> = list(ws, "measurements").iter().map(name_of).collect();
    has(
        "measurements",
        &mut pr
            .prune_measurements
            .iter()
            .chain(pr.rename_measurements.keys()),
        &meas,
    )?;

    let rn = |map: &BTreeMap<String, String>, n: &str| -> Value {
        Value::String(map.get(n).cloned().unwrap_or_else(|| n.to_string()))
    };
    let with_name = |v: &Value, name: Value| -> Value {
        let mut v = v.clone();
        v["name"] = name;
        v
    };
    let contains = |l: &[String], n: &str| l.iter().any(|x| x == n);
    let new_channels: Vec<Value> = channels
        .iter()
        .filter(|c| !contains(&pr.prune_channels, name_of(c)))
        .map(|c| {
            let samples: Vec<Value> = list(c, "samples")
                .iter()
                .filter(|s| !contains(&pr.prune_samples, name_of(s)))
                .map(|s| {
                    let mods: Vec<Value> = list(s, "modifiers")
                        .iter()
                        .filter(|m| {
                            !contains(&pr.prune_modifiers, name_of(m))
                                && !contains(
                                    &pr.prune_modifier_types,
                                    m.get("type").and_then(Value::as_str).unwrap_or(""),
                                )
                        })
                        .map(|m| with_name(m, rn(&pr.rename_modifiers, name_of(m))))
                        .collect();
                    serde_json::json!({
                        "name": rn(&pr.rename_samples, name_of(s)),
                        "data": s.get("data").cloned().unwrap_or(Value::Null),
                        "modifiers": mods,
                    })
                })
                .collect();
            serde_json::json!({"name": rn(&pr.rename_channels, name_of(c)), "samples": samples})
        })
        .collect();
    let new_measurements: Vec<Value> = list(ws, "measurements")
        .iter()
        .filter(|m| !contains(&pr.prune_measurements, name_of(m)))
        .map(|m| {
            let config = &m["config"];
            let params: Vec<Value> = list(config, "parameters")
                .iter()
                .filter(|p| !contains(&pr.prune_modifiers, name_of(p)))
                .map(|p| with_name(p, rn(&pr.rename_modifiers, name_of(p))))
                .collect();
            let poi = config.get("poi").and_then(Value::as_str).unwrap_or("");
            serde_json::json!({
                "name": rn(&pr.rename_measurements, name_of(m)),
                "config": {"parameters": params, "poi": rn(&pr.rename_modifiers, poi)},
            })
        })
        .collect();
    let new_observations: Vec<Value> = list(ws, "observations")
        .iter()
        .filter(|o| !contains(&pr.prune_channels, name_of(o)))
        .map(|o| with_name(o, rn(&pr.rename_channels, name_of(o))))
        .collect();
    let mut out = Map::new();
    out.insert("channels".into(), Value::Array(new_channels));
    out.insert("measurements".into(), Value::Array(new_measurements));
    out.insert("observations".into(), Value::Array(new_observations));
    if let Some(v) = ws.get("version") {
        out.insert("version".into(), v.clone());
    }
    let out = Value::Object(out);
    validate(&out, op)?;
    Ok(out)
}

/// pyhf's `Workspace.sorted`: channels, samples, modifiers (by name then
/// type), measurements, parameter configs and observations sorted by name.
pub fn sorted(ws: &Value) -> Value {
    fn sort_by_name(v: Option<&mut Value>) {
        if let Some(Value::Array(a)) = v {
            a.sort_by(|x, y| name_of(x).cmp(name_of(y)));
        }
    }
    let mut ws = ws.clone();
    sort_by_name(ws.get_mut("channels"));
    if let Some(Value::Array(chans)) = ws.get_mut("channels") {
        for c in chans {
            sort_by_name(c.get_mut("samples"));
            if let Some(Value::Array(samples)) = c.get_mut("samples") {
                for s in samples {
                    if let Some(Value::Array(m)) = s.get_mut("modifiers") {
                        let ty = |v: &Value| {
                            v.get("type")
                                .and_then(Value::as_str)
                                .unwrap_or("")
                                .to_string()
                        };
                        m.sort_by(|x, y| (name_of(x), ty(x)).cmp(&(name_of(y), ty(y))));
                    }
                }
            }
        }
    }
    sort_by_name(ws.get_mut("measurements"));
    if let Some(Value::Array(ms)) = ws.get_mut("measurements") {
        for m in ms {
            sort_by_name(m.get_mut("config").and_then(|c| c.get_mut("parameters")));
        }
    }
    sort_by_name(ws.get_mut("observations"));
    ws
}

/// The result of an operation must be a valid workspace (pyhf validates
/// it against the schema); we parse it with the same types as any input.
fn validate(ws: &Value, operation: &'static str) -> Result<()> {
    crate::Workspace::from_value(ws, operation).map(drop)
}
