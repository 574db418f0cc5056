//! TH1/TH2 against uproot's values (bit for bit) in the fixtures' JSON.

use ns_root::{RootError, RootFile};
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/root")
        .join(name)
}

fn hexf(v: &serde_json::Value) -> f64 {
    if let Some(i) = v.as_i64() {
        return i as f64; // TH1I contents: uproot gives integers
    }
    let s = v.as_str().expect("hex float string");
    let (neg, s) = s.strip_prefix('-').map_or((false, s), |r| (true, r));
    if s == "inf" {
        return if neg {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        };
    }
    let s = s.strip_prefix("0x").expect("0x");
    let (mant, exp) = s.split_once('p').expect("p");
    let (ip, fp) = mant.split_once('.').unwrap_or((mant, ""));
    let m = u64::from_str_radix(&format!("{ip}{fp}"), 16).unwrap();
    let e: i32 = exp.parse::<i32>().unwrap() - 4 * fp.len() as i32;
    // exact: m has at most 53 significant bits for a double's hex form
    let v = (m as f64) * 2f64.powi(e);
    if neg { -v } else { v }
}

/// uproot's flow arrays: 1-D, or 2-D indexed `[ix][iy]`; returned x fastest (ROOT's order).
fn floats(v: &serde_json::Value) -> Vec<f64> {
    let rows = v.as_array().unwrap();
    if rows.first().is_some_and(|r| r.is_array()) {
        let nx = rows.len();
        let ny = rows[0].as_array().unwrap().len();
        (0..ny)
            .flat_map(|iy| (0..nx).map(move |ix| hexf(&rows[ix][iy])))
            .collect()
    } else {
        rows.iter().map(hexf).collect()
    }
}

#[test]
fn histograms_match_uproot() {
    let mut checked = 0;
    for stem in ["root_hists", "uproot_zlib"] {
        let f = RootFile::open(fixture(&format!("{stem}.root"))).unwrap();
        let json: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(fixture(&format!("{stem}.json"))).unwrap(),
        )
        .unwrap();
        for (name, want) in json["hists"].as_object().unwrap() {
            let h = f.get_hist(name).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(h.classname, want["classname"].as_str().unwrap(), "{name}");
            assert_eq!(h.title, want["title"].as_str().unwrap(), "{name}");
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(
                bits(&h.values_flow),
                bits(&floats(&want["values_flow"])),
                "{name} values"
            );
            assert_eq!(
                bits(h.variances_flow()),
                bits(&floats(&want["variances_flow"])),
                "{name} variances"
            );
            assert_eq!(
                h.entries.to_bits(),
                hexf(&want["entries"]).to_bits(),
                "{name} entries"
            );
            assert_eq!(
                !h.sumw2_flow.is_empty(),
                want["has_sumw2"].as_bool().unwrap(),
                "{name}"
            );
            for (i, ax) in h.axes.iter().enumerate() {
                let w = &want[format!("axis{i}")];
                assert_eq!(
                    bits(&ax.edges),
                    bits(&floats(&w["edges"])),
                    "{name} axis {i} edges"
                );
                assert_eq!(ax.title, w["title"].as_str().unwrap(), "{name} axis {i}");
                let labels: Vec<String> = w["labels"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s.as_str().unwrap().to_string())
                    .collect();
                assert_eq!(ax.labels, labels, "{name} axis {i} labels");
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 8);
}

#[test]
fn flow_free_views_and_cycles() {
    let f = RootFile::open(fixture("root_hists.root")).unwrap();
    let h2 = f.get_hist("h1f").unwrap();
    let h1 = f.get_hist("h1f;1").unwrap();
    assert_eq!(h2.values().len(), 20);
    for (a, b) in h1.values().iter().zip(h2.values()) {
        assert_eq!((2.0 * *a as f32) as f64, b); // cycle 2 was Scale(2)
    }
    let g = f.get_hist("h2f").unwrap();
    assert_eq!(g.values().len(), 24);
    assert!(matches!(
        f.get_hist("sub"),
        Err(RootError::WrongClass { .. })
    ));
}
