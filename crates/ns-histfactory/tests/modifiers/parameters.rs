//! Parameter naming and order, measurement configuration, modifier
//! settings and edge-case rates.

use super::*;

#[test]
fn same_name_on_normsys_and_histosys_is_one_parameter() {
    let json = ws(
        r#"{"name": "s", "data": [10.0, 20.0],
            "modifiers": [{"name": "mu", "type": "normfactor", "data": null},
                          {"name": "jes", "type": "normsys", "data": {"hi": 1.2, "lo": 0.9}},
                          {"name": "jes", "type": "histosys",
                           "data": {"hi_data": [12.0, 25.0], "lo_data": [9.0, 16.0]}}]}"#,
        "[11, 23]",
        "mu",
        "",
    );
    let m = build(&json, codes(InterpCode::Code1, InterpCode::Code0));
    // histosys names come first in pyhf's order.
    assert_eq!(m.param_names(), ["jes", "mu"]);
    assert_eq!(m.n_aux(), 1);
    let x = [0.5, 1.0];
    // (nom + ½ δ+) × 1.2^½.
    let f = 1.2f64.sqrt();
    let nu = [11.0 * f, 22.5 * f];
    assert_vec_close(&m.expected_data(&x, false), &nu, "ν");
    let want = pois(11, nu[0]) + pois(23, nu[1]) + gauss(0.0, 0.5, 1.0);
    assert_close(nll_observed(&m, &x), want, "NLL (one constraint)");
}

#[test]
fn parameter_order_is_pyhfs() {
    // Checked against pyhf 0.7.6: par_names of this workspace.
    let json = ws(
        r#"{"name": "s", "data": [10.0, 20.0], "modifiers": [
            {"name": "a_norm", "type": "normfactor", "data": null},
            {"name": "z_shape", "type": "histosys", "data": {"hi_data": [12.0, 25.0], "lo_data": [9.0, 16.0]}},
            {"name": "b_sys", "type": "normsys", "data": {"hi": 1.2, "lo": 0.9}},
            {"name": "stat", "type": "staterror", "data": [1.0, 2.0]},
            {"name": "ss", "type": "shapesys", "data": [1.0, 2.0]},
            {"name": "sf", "type": "shapefactor", "data": null},
            {"name": "lumi", "type": "lumi", "data": null}]}"#,
        "[10, 20]",
        "a_norm",
        r#"{"name": "lumi", "auxdata": [1.0], "sigmas": [0.05], "bounds": [[0.5, 1.5]], "inits": [1.0]}"#,
    );
    let m = build(&json, InterpSettings::default());
    assert_eq!(
        m.param_names(),
        [
            "z_shape", "lumi", "a_norm", "b_sys", "sf[0]", "sf[1]", "ss[0]", "ss[1]", "stat[0]",
            "stat[1]"
        ]
    );
    assert_eq!(m.poi_index(), Some(2));
    // Auxdata in parameter order: z_shape, lumi, b_sys, ss τ = (10/1)², (20/2)², stat.
    assert_eq!(m.observed().aux(), [0.0, 1.0, 0.0, 100.0, 100.0, 1.0, 1.0]);

    // Within a type: first appearance over sorted channels, then sorted
    // samples (pyhf: ['mu', 'mm', 'zz', 'aa', 'sf[0]'], channels ['a_ch', 'b_ch']).
    let json = r#"{
      "channels": [
        {"name": "b_ch", "samples": [{"name": "sig", "data": [1.0, 2.0], "modifiers": [
            {"name": "mu", "type": "normfactor", "data": null},
            {"name": "aa", "type": "normsys", "data": {"hi": 1.1, "lo": 0.9}}]}]},
        {"name": "a_ch", "samples": [
            {"name": "zbkg", "data": [3.0], "modifiers": [
                {"name": "zz", "type": "normsys", "data": {"hi": 1.1, "lo": 0.9}},
                {"name": "sf", "type": "shapefactor", "data": null}]},
            {"name": "abkg", "data": [4.0], "modifiers": [
                {"name": "mm", "type": "normsys", "data": {"hi": 1.1, "lo": 0.9}}]}]}
      ],
      "observations": [{"name": "b_ch", "data": [1, 2]}, {"name": "a_ch", "data": [3]}],
      "measurements": [{"name": "m", "config": {"poi": "mu", "parameters": []}}],
      "version": "1.0.0"
    }"#;
    let m = build(json, InterpSettings::default());
    assert_eq!(m.param_names(), ["mu", "mm", "zz", "aa", "sf[0]"]);
    let chs: Vec<&str> = m.channels().iter().map(|c| c.name.as_str()).collect();
    assert_eq!(chs, ["a_ch", "b_ch"]);
    assert_eq!(m.expected_data(m.suggested_init(), false), [7.0, 1.0, 2.0]);
    let sets: Vec<&str> = m.param_sets().iter().map(|p| p.name.as_str()).collect();
    assert_eq!(sets, ["mu", "mm", "zz", "aa", "sf"]);
}

#[test]
fn measurement_config_overrides() {
    let json = ws(
        r#"{"name": "s", "data": [10.0, 20.0],
            "modifiers": [{"name": "mu", "type": "normfactor", "data": null},
                          {"name": "sys", "type": "normsys", "data": {"hi": 1.2, "lo": 0.9}}]}"#,
        "[21, 44]",
        "mu",
        r#"{"name": "sys", "inits": [0.5], "bounds": [[-3.0, 3.0]], "fixed": true,
            "auxdata": [0.2], "sigmas": [0.5]},
           {"name": "mu", "inits": [2.0], "bounds": [[0.0, 5.0]]}"#,
    );
    let m = build(&json, codes(InterpCode::Code1, InterpCode::Code4p));
    assert_eq!(m.param_names(), ["mu", "sys"]);
    assert_eq!(m.suggested_init(), [2.0, 0.5]);
    assert_eq!(m.suggested_bounds(), [(0.0, 5.0), (-3.0, 3.0)]);
    assert_eq!(m.suggested_fixed(), [false, true]);
    assert_eq!(m.observed().aux(), [0.2]);
    assert_eq!(m.constraint_width(1), Some(("gaussian", 0.5)));
    let x = m.suggested_init().to_vec();
    // ν = nom · 2 · 1.2^0.5; constraint N(0.2 | 0.5, σ = 0.5).
    let f = 2.0 * 1.2f64.sqrt();
    let want = pois(21, 10.0 * f) + pois(44, 20.0 * f) + gauss(0.2, 0.5, 0.5);
    assert_close(nll_observed(&m, &x), want, "NLL");
}

#[test]
fn measurement_chosen_by_name() {
    let json = r#"{
      "channels": [{"name": "SR", "samples": [
        {"name": "s1", "data": [10.0], "modifiers": [
            {"name": "mu", "type": "normfactor", "data": null},
            {"name": "lumi", "type": "lumi", "data": null}]},
        {"name": "s2", "data": [20.0], "modifiers": [
            {"name": "mu2", "type": "normfactor", "data": null},
            {"name": "lumi", "type": "lumi", "data": null}]}]}],
      "observations": [{"name": "SR", "data": [30]}],
      "measurements": [
        {"name": "first", "config": {"poi": "mu", "parameters": [
            {"name": "lumi", "auxdata": [1.0], "sigmas": [0.02], "bounds": [[0.5, 1.5]], "inits": [1.0]}]}},
        {"name": "second", "config": {"poi": "mu2", "parameters": [
            {"name": "lumi", "auxdata": [1.0], "sigmas": [0.1], "bounds": [[0.0, 2.0]], "inits": [0.9]}]}}
      ],
      "version": "1.0.0"
    }"#;
    let first = build(json, InterpSettings::default());
    assert_eq!(first.measurement(), "first");
    assert_eq!(first.poi_name(), "mu");
    assert_eq!(first.param_names(), ["lumi", "mu", "mu2"]);
    assert_eq!(first.poi_index(), Some(1));
    assert_eq!(first.constraint_width(0), Some(("gaussian", 0.02)));
    let opts = BuildOptions {
        measurement: Some("second".into()),
        ..Default::default()
    };
    let second = HistFactoryModel::from_json_str(json, &opts).unwrap();
    assert_eq!(second.measurement(), "second");
    assert_eq!(second.poi_name(), "mu2");
    assert_eq!(second.poi_index(), Some(2));
    assert_eq!(second.suggested_init(), [0.9, 1.0, 1.0]);
    assert_eq!(second.suggested_bounds()[0], (0.0, 2.0));
    assert_eq!(second.constraint_width(0), Some(("gaussian", 0.1)));
    // NLL at the init: ν = 0.9·(10 + 20) = 27.
    let want = pois(30, 27.0) + gauss(1.0, 0.9, 0.1);
    assert_close(nll_observed(&second, second.suggested_init()), want, "NLL");
}

#[test]
fn modifier_settings() {
    // pyhf: modifier_settings = {"normsys": {"interpcode": "code1"},
    //                            "histosys": {"interpcode": "code0"}}.
    let json = ws(
        r#"{"name": "s", "data": [10.0, 20.0],
            "modifiers": [{"name": "mu", "type": "normfactor", "data": null},
                          {"name": "n", "type": "normsys", "data": {"hi": 1.2, "lo": 0.9}},
                          {"name": "h", "type": "histosys",
                           "data": {"hi_data": [12.0, 25.0], "lo_data": [9.0, 16.0]}}]}"#,
        "[10, 20]",
        "mu",
        "",
    );
    let settings = InterpSettings::parse("normsys=code1,histosys=code0").unwrap();
    assert_eq!(settings, codes(InterpCode::Code1, InterpCode::Code0));
    let m = build(&json, settings);
    assert_eq!(m.interp(), settings);
    assert_eq!(m.param_names(), ["h", "mu", "n"]);
    let x = [-0.5, 1.0, -0.5];
    // (nom − ½ δ−) × 0.9^½.
    let f = 0.9f64.sqrt();
    assert_vec_close(
        &m.expected_data(&x, false),
        &[9.5 * f, 18.0 * f],
        "code1/code0",
    );
    // Only one part given: the other keeps pyhf 0.7's default.
    let s = InterpSettings::parse("histosys=code2").unwrap();
    assert_eq!(s, codes(InterpCode::Code4, InterpCode::Code2));
    let d = build(&json, InterpSettings::default());
    assert_eq!(d.interp(), codes(InterpCode::Code4, InterpCode::Code4p));
    let nu = d.expected_data(&x, false);
    assert!(
        (nu[0] - 9.5 * f).abs() > 1e-6,
        "the default codes must differ here: {nu:?}"
    );
}

#[test]
fn negative_sample_yields_are_legal() {
    let json = ws(
        r#"{"name": "b", "data": [20.0, 30.0], "modifiers": []},
           {"name": "s", "data": [-2.0, 5.0],
            "modifiers": [{"name": "mu", "type": "normfactor", "data": null}]}"#,
        "[18, 36]",
        "mu",
        "",
    );
    let m = build(&json, InterpSettings::default());
    let x = [1.5];
    assert_vec_close(&m.expected_data(&x, false), &[17.0, 37.5], "ν");
    assert_close(nll_observed(&m, &x), pois(18, 17.0) + pois(36, 37.5), "NLL");
    // A bin with data and ν ≤ 0 has zero likelihood: NLL +∞ (pyhf gives
    // nan or inf here; a fit must treat the point as infinitely bad).
    for mu in [10.0, 12.0] {
        let x = [mu];
        let mut g = [0.0];
        assert_eq!(m.nll(m.observed(), &x, &mut m.new_scratch()), f64::INFINITY);
        let v = m.nll_grad(m.observed(), &x, &mut g, &mut m.new_scratch());
        assert_eq!(v, f64::INFINITY, "nll_grad at mu = {mu}");
    }
}

/// Expected rates of 0 and below the normal range, where the kernel's
/// vectorised logarithm does not apply and it falls back to `f64::ln`:
/// a bin with ν = 0 and n = 0 adds 0 and ∂/∂ν = 1; a subnormal ν with data
/// gets ν − n ln ν exactly; a Poisson constraint with auxdatum 0 adds γτ.
#[test]
fn zero_and_subnormal_rates() {
    let json = ws(
        r#"{"name": "bkg", "data": [50.0, 0.0],
            "modifiers": [{"name": "ss", "type": "shapesys", "data": [5.0, 0.0]}]},
           {"name": "sig", "data": [5.0, 2.0],
            "modifiers": [{"name": "mu", "type": "normfactor", "data": null}]}"#,
        "[55, 0]",
        "mu",
        "",
    );
    let m = build(&json, InterpSettings::default());
    assert_eq!(m.param_names(), ["mu", "ss[0]", "ss[1]"]);
    // τ = (50/5)² = 100.
    let aux = m.observed().aux().to_vec();
    assert_eq!(aux[0], 100.0);
    let check = |main: [f64; 2], aux0: f64, mu: f64, want_nll: f64, want_dmu: Option<f64>| {
        let data = m.data_from_vec(&[main[0], main[1], aux0, aux[1]]).unwrap();
        let x = at(&m, &[("mu", mu), ("ss[0]", 1.1)]);
        let mut s = m.new_scratch();
        let v = m.nll(&data, &x, &mut s);
        let mut g = vec![0.0; 3];
        let vg = m.nll_grad(&data, &x, &mut g, &mut s);
        assert_eq!(v.to_bits(), vg.to_bits(), "nll vs nll_grad");
        assert_close(v, want_nll, &format!("NLL at mu = {mu:e}, n = {main:?}"));
        if let Some(d) = want_dmu {
            assert_close(g[0], d, &format!("dNLL/dmu at mu = {mu:e}"));
        }
    };
    let nu0 = |mu: f64| 5.0 * mu + 50.0 * 1.1;
    // Poisson(100 | 1.1·100), and the fixed γ of the empty bin: τ = 1,
    // auxdatum 1, rate 1.
    let constraint = pois(100, 110.0) + pois(1, 1.0);
    // ν₁ = 0, n₁ = 0: the bin adds 0; ∂NLL/∂μ = 5(1 − 55/ν₀) + 2·1.
    check(
        [55.0, 0.0],
        100.0,
        0.0,
        pois(55, nu0(0.0)) + constraint,
        Some(5.0 * (1.0 - 55.0 / nu0(0.0)) + 2.0),
    );
    // ν₁ = 2e-310 (subnormal), n₁ = 0 and n₁ = 3.
    let tiny = 1e-310;
    check(
        [55.0, 0.0],
        100.0,
        tiny,
        pois(55, nu0(tiny)) + 2.0 * tiny + constraint,
        Some(5.0 * (1.0 - 55.0 / nu0(tiny)) + 2.0),
    );
    check(
        [55.0, 3.0],
        100.0,
        tiny,
        pois(55, nu0(tiny)) + pois(3, 2.0 * tiny) + constraint,
        None,
    );
    // Auxdatum 0 (as a toy may draw): the constraint term is γτ alone and
    // its derivative τ.
    let data = m.data_from_vec(&[55.0, 0.0, 0.0, aux[1]]).unwrap();
    let x = at(&m, &[("ss[0]", 1.1)]);
    let mut g = vec![0.0; 3];
    let v = m.nll_grad(&data, &x, &mut g, &mut m.new_scratch());
    let want = pois(55, 5.0 + 55.0) + pois(0, 2.0) + pois(0, 110.0) + pois(1, 1.0);
    assert_close(v, want, "NLL with auxdatum 0");
    assert_close(
        g[1],
        50.0 * (1.0 - 55.0 / 60.0) + 100.0,
        "dNLL/dγ with auxdatum 0",
    );
}
