//! JSON Patch (RFC 6902) over `serde_json::Value`, with JSON Pointers
//! (RFC 6901).
//!
//! Our own ~200 lines rather than the `json-patch` crate: pyhf patchsets
//! use only these six operations, and owning the code lets every failure
//! name the operation index, the op and the pointer in our error type
//! (issue 14's "message names the op index and the path") without mapping
//! another crate's error kinds. A patch is applied to a copy: on error the
//! document is unchanged (RFC 6902 §5: the whole patch fails).

use serde_json::Value;

use crate::error::{HistFactoryError, Result};

/// Why one operation failed (the caller adds the op index and source).
fn op_error(source: &str, index: usize, op: &str, path: &str, message: String) -> HistFactoryError {
    HistFactoryError::Patch {
        source_name: source.to_string(),
        location: format!("operation {index} ({op} '{path}')"),
        message,
    }
}

/// Split a JSON Pointer into unescaped reference tokens.
fn tokens(pointer: &str) -> std::result::Result<Vec<String>, String> {
    if pointer.is_empty() {
        return Ok(vec![]);
    }
    let Some(rest) = pointer.strip_prefix('/') else {
        return Err(format!(
            "'{pointer}' is not a JSON Pointer (must start with '/')"
        ));
    };
    Ok(rest
        .split('/')
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect())
}

/// Parse an array index token (no leading zeros, RFC 6901 §4).
fn array_index(tok: &str, len: usize, allow_end: bool) -> std::result::Result<usize, String> {
    if allow_end && tok == "-" {
        return Ok(len);
    }
    let valid = !tok.is_empty()
        && tok.bytes().all(|b| b.is_ascii_digit())
        && (tok == "0" || !tok.starts_with('0'));
    let i: usize = if valid {
        tok.parse()
            .map_err(|_| format!("bad array index '{tok}'"))?
    } else {
        return Err(format!("'{tok}' is not an array index"));
    };
    let max = if allow_end {
        len
    } else {
        len.saturating_sub(1)
    };
    if i > max || (!allow_end && len == 0) {
        return Err(format!("array index {i} out of range (length {len})"));
    }
    Ok(i)
}

fn get_mut<'a>(doc: &'a mut Value, toks: &[String]) -> std::result::Result<&'a mut Value, String> {
    let mut cur = doc;
    for (k, tok) in toks.iter().enumerate() {
        let here = || format!("/{}", toks[..k].join("/"));
        cur = match cur {
            Value::Object(m) => m
                .get_mut(tok)
                .ok_or_else(|| format!("member '{tok}' does not exist at '{}'", here()))?,
            Value::Array(a) => {
                let i = array_index(tok, a.len(), false)?;
                &mut a[i]
            }
            _ => return Err(format!("'{}' is not a container", here())),
        };
    }
    Ok(cur)
}

fn get(doc: &Value, pointer: &str) -> std::result::Result<Value, String> {
    let toks = tokens(pointer)?;
    let mut d = doc.clone();
    get_mut(&mut d, &toks).map(|v| v.clone())
}

fn add(doc: &mut Value, pointer: &str, value: Value) -> std::result::Result<(), String> {
    let toks = tokens(pointer)?;
    let Some((last, parent)) = toks.split_last() else {
        *doc = value;
        return Ok(());
    };
    match get_mut(doc, parent)? {
        Value::Object(m) => {
            m.insert(last.clone(), value);
        }
        Value::Array(a) => {
            let i = array_index(last, a.len(), true)?;
            a.insert(i, value);
        }
        _ => return Err("the parent of the target is not a container".into()),
    }
    Ok(())
}

fn remove(doc: &mut Value, pointer: &str) -> std::result::Result<Value, String> {
    let toks = tokens(pointer)?;
    let Some((last, parent)) = toks.split_last() else {
        return Err("cannot remove the whole document".into());
    };
    match get_mut(doc, parent)? {
        Value::Object(m) => m
            .remove(last)
            .ok_or_else(|| format!("member '{last}' does not exist")),
        Value::Array(a) => {
            let i = array_index(last, a.len(), false)?;
            Ok(a.remove(i))
        }
        _ => Err("the parent of the target is not a container".into()),
    }
}

fn str_field<'a>(op: &'a Value, key: &str) -> std::result::Result<&'a str, String> {
    op.get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("missing string member '{key}'"))
}

fn apply_one(doc: &mut Value, op: &Value) -> std::result::Result<(), String> {
    let name = str_field(op, "op")?;
    let path = str_field(op, "path")?;
    let value = || {
        op.get("value")
            .cloned()
            .ok_or_else(|| "missing member 'value'".to_string())
    };
    match name {
        "add" => add(doc, path, value()?),
        "remove" => remove(doc, path).map(drop),
        "replace" => {
            let toks = tokens(path)?;
            *get_mut(doc, &toks)? = value()?;
            Ok(())
        }
        "move" => {
            let from = str_field(op, "from")?;
            if path.starts_with(from) && path[from.len()..].starts_with('/') {
                return Err(format!("cannot move '{from}' into its own child"));
            }
            let v = remove(doc, from)?;
            add(doc, path, v)
        }
        "copy" => {
            let v = get(doc, str_field(op, "from")?)?;
            add(doc, path, v)
        }
        "test" => {
            let toks = tokens(path)?;
            let want = value()?;
            let got = get_mut(doc, &toks)?;
            if values_equal(got, &want) {
                Ok(())
            } else {
                Err(format!("test failed: value is {got}, expected {want}"))
            }
        }
        other => Err(format!("unknown op '{other}'")),
    }
}

/// JSON equality with numbers compared by value (`1` equals `1.0`, as in
/// Python's `jsonpatch`).
pub(crate) fn values_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| values_equal(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| values_equal(v, w)))
        }
        _ => a == b,
    }
}

/// Apply a JSON Patch (an array of operations) to `doc`, returning the
/// patched copy. `source` names the patch in errors.
pub fn apply_patch(doc: &Value, patch: &Value, source: &str) -> Result<Value> {
    let Some(ops) = patch.as_array() else {
        return Err(HistFactoryError::Patch {
            source_name: source.to_string(),
            location: "(document)".into(),
            message: "a JSON Patch must be an array of operations".into(),
        });
    };
    let mut out = doc.clone();
    for (i, op) in ops.iter().enumerate() {
        let name = op.get("op").and_then(Value::as_str).unwrap_or("?");
        let path = op.get("path").and_then(Value::as_str).unwrap_or("?");
        apply_one(&mut out, op).map_err(|m| op_error(source, i, name, path, m))?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(doc: Value, patch: Value) -> std::result::Result<Value, String> {
        apply_patch(&doc, &patch, "t").map_err(|e| e.to_string())
    }

    // Examples of RFC 6902 appendix A.
    #[test]
    fn rfc6902_examples() {
        assert_eq!(
            run(
                json!({"foo": "bar"}),
                json!([{"op": "add", "path": "/baz", "value": "qux"}])
            )
            .unwrap(),
            json!({"foo": "bar", "baz": "qux"})
        );
        assert_eq!(
            run(
                json!({"foo": ["bar", "baz"]}),
                json!([{"op": "add", "path": "/foo/1", "value": "qux"}])
            )
            .unwrap(),
            json!({"foo": ["bar", "qux", "baz"]})
        );
        assert_eq!(
            run(
                json!({"foo": ["bar"]}),
                json!([{"op": "add", "path": "/foo/-", "value": 1}])
            )
            .unwrap(),
            json!({"foo": ["bar", 1]})
        );
        assert_eq!(
            run(
                json!({"baz": "qux", "foo": "bar"}),
                json!([{"op": "remove", "path": "/baz"}])
            )
            .unwrap(),
            json!({"foo": "bar"})
        );
        assert_eq!(
            run(
                json!({"baz": "qux"}),
                json!([{"op": "replace", "path": "/baz", "value": "boo"}])
            )
            .unwrap(),
            json!({"baz": "boo"})
        );
        assert_eq!(
            run(
                json!({"foo": {"bar": "baz", "waldo": "fred"}, "qux": {"corge": "grault"}}),
                json!([{"op": "move", "from": "/foo/waldo", "path": "/qux/thud"}])
            )
            .unwrap(),
            json!({"foo": {"bar": "baz"}, "qux": {"corge": "grault", "thud": "fred"}})
        );
        assert_eq!(
            run(
                json!({"a/b": 1, "m~n": 2}),
                json!([{"op": "copy", "from": "/a~1b", "path": "/m~0n"}])
            )
            .unwrap(),
            json!({"a/b": 1, "m~n": 1})
        );
        assert!(
            run(
                json!({"baz": "qux"}),
                json!([{"op": "test", "path": "/baz", "value": "bar"}])
            )
            .is_err()
        );
        assert!(
            run(
                json!({"n": 1}),
                json!([{"op": "test", "path": "/n", "value": 1.0}])
            )
            .is_ok()
        );
    }

    #[test]
    fn errors_name_op_index_and_path() {
        let e = run(
            json!({"channels": [{"name": "a"}]}),
            json!([{"op": "add", "path": "/channels/-", "value": 1}, {"op": "replace", "path": "/channels/3/name", "value": "b"}]),
        )
        .unwrap_err();
        assert!(e.contains("operation 1"), "{e}");
        assert!(e.contains("/channels/3/name"), "{e}");
        assert!(e.contains("out of range"), "{e}");
        let e = run(json!({}), json!([{"op": "remove", "path": "/x"}])).unwrap_err();
        assert!(
            e.contains("operation 0") && e.contains("'x' does not exist"),
            "{e}"
        );
        let e = run(json!({}), json!([{"op": "frobnicate", "path": "/x"}])).unwrap_err();
        assert!(e.contains("unknown op"), "{e}");
        let e = run(
            json!({"a": [0]}),
            json!([{"op": "add", "path": "/a/01", "value": 1}]),
        )
        .unwrap_err();
        assert!(e.contains("not an array index"), "{e}");
    }
}
