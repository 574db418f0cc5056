//! Workspace digests as pyhf's `utils.digest`: a hash of
//! `json.dumps(obj, sort_keys=True, ensure_ascii=False)`.
//!
//! Patchsets record the digest of the background-only workspace they were
//! made for, so the text hashed must be byte-identical to Python's: keys
//! sorted, `", "` and `": "` separators, integers as integers and floats in
//! Python's `repr` (shortest round-trip digits, exponent form below 1e-4 and
//! from 1e16 on, `1e-05` with a signed two-digit exponent).

use serde_json::Value;
use sha2::Digest as _;

/// Serialise `v` exactly as Python's `json.dumps(v, sort_keys=True,
/// ensure_ascii=False)` does.
pub fn python_json_dumps(v: &Value) -> String {
    let mut out = String::new();
    write_value(v, &mut out);
    out
}

fn write_value(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            if n.is_i64() || n.is_u64() {
                out.push_str(&n.to_string());
            } else {
                out.push_str(&python_float_repr(n.as_f64().unwrap_or(f64::NAN)));
            }
        }
        Value::String(s) => out.push_str(&serde_json::to_string(s).unwrap_or_default()),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(x, out);
            }
            out.push(']');
        }
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&serde_json::to_string(k).unwrap_or_default());
                out.push_str(": ");
                write_value(&m[k.as_str()], out);
            }
            out.push('}');
        }
    }
}

/// Python's `repr(float)`.
pub fn python_float_repr(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    if x == 0.0 {
        return if x.is_sign_negative() { "-0.0" } else { "0.0" }.into();
    }
    // Rust's `{:e}` gives the shortest round-trip digits, as Python's repr.
    let sci = format!("{:e}", x.abs());
    let (mant, exp) = sci.split_once('e').expect("{:e} has an exponent");
    let exp: i32 = exp.parse().expect("integer exponent");
    let digits: String = mant.chars().filter(|c| *c != '.').collect();
    let sign = if x < 0.0 { "-" } else { "" };
    if (-4..16).contains(&exp) {
        let n = digits.len() as i32;
        let s = if exp < 0 {
            format!("0.{}{}", "0".repeat((-exp - 1) as usize), digits)
        } else if exp + 1 >= n {
            format!("{}{}.0", digits, "0".repeat((exp + 1 - n) as usize))
        } else {
            let (a, b) = digits.split_at((exp + 1) as usize);
            format!("{a}.{b}")
        };
        format!("{sign}{s}")
    } else {
        let m = if digits.len() > 1 {
            format!("{}.{}", &digits[..1], &digits[1..])
        } else {
            digits
        };
        let esign = if exp < 0 { '-' } else { '+' };
        format!("{sign}{m}e{esign}{:02}", exp.abs())
    }
}

/// Hash algorithms pyhf patchsets use.
pub const ALGORITHMS: [&str; 2] = ["sha256", "md5"];

/// pyhf's `utils.digest(obj, algorithm)`; `None` for an algorithm other
/// than `sha256` or `md5`.
pub fn digest(obj: &Value, algorithm: &str) -> Option<String> {
    let text = python_json_dumps(obj);
    let bytes = match algorithm {
        "sha256" => sha2::Sha256::digest(text.as_bytes()).to_vec(),
        "md5" => md5::Md5::digest(text.as_bytes()).to_vec(),
        _ => return None,
    };
    Some(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn float_repr_matches_python() {
        // Values and their Python 3 repr.
        for (x, s) in [
            (1.0, "1.0"),
            (0.1, "0.1"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (1e16, "1e+16"),
            (1234567890123456.0, "1234567890123456.0"),
            (1.5e300, "1.5e+300"),
            (-2.5, "-2.5"),
            (123.456, "123.456"),
            (5e-324, "5e-324"),
        ] {
            assert_eq!(python_float_repr(x), s, "{x}");
        }
    }

    #[test]
    fn digest_matches_pyhf_docstring() {
        // pyhf's utils.digest docstring example.
        let obj = json!({"a": 2.0, "b": 3.0, "c": 1.0});
        assert_eq!(
            digest(&obj, "sha256").unwrap(),
            "a38f6093800189b79bc22ef677baf90c75705af2cfc7ff594159eca54eaa7928"
        );
        assert_eq!(
            digest(&obj, "md5").unwrap(),
            "2c0633f242928eb55c3672fed5ba8612"
        );
        assert!(digest(&obj, "sha1").is_none());
    }
}
