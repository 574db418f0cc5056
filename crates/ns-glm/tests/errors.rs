//! Bad input gets a typed error naming the argument (issue 17 item 7),
//! separation and rank deficiency are reported, never looped on.

use ns_glm::{CovType, Family, GlmData, GlmError, GlmOptions, Link, fit, fit_nb_mle};

fn design(n: usize) -> Vec<f64> {
    (0..n).flat_map(|i| [1.0, i as f64 / n as f64]).collect()
}

#[test]
fn length_mismatch_names_y() {
    let x = design(4);
    let e = GlmData::builder(&[1.0, 2.0, 3.0], &x, 4, 2)
        .build(Family::Poisson)
        .unwrap_err();
    assert!(
        matches!(
            e,
            GlmError::LengthMismatch {
                arg: "y",
                got: 3,
                expected: 4
            }
        ),
        "{e}"
    );
}

#[test]
fn nan_and_inf_are_rejected_with_their_position() {
    let mut x = design(4);
    let y = [1.0, 2.0, 3.0, 4.0];
    x[5] = f64::NAN;
    let e = GlmData::builder(&y, &x, 4, 2)
        .build(Family::Poisson)
        .unwrap_err();
    assert!(
        matches!(
            e,
            GlmError::NonFinite {
                arg: "X",
                index: 5,
                ..
            }
        ),
        "{e}"
    );
    let x = design(4);
    let yb = [1.0, f64::INFINITY, 3.0, 4.0];
    let e = GlmData::builder(&yb, &x, 4, 2)
        .build(Family::Poisson)
        .unwrap_err();
    assert!(
        matches!(
            e,
            GlmError::NonFinite {
                arg: "y",
                index: 1,
                ..
            }
        ),
        "{e}"
    );
    let off = [0.0, 0.0, f64::NAN, 0.0];
    let e = GlmData::builder(&y, &x, 4, 2)
        .offset(&off)
        .build(Family::Poisson)
        .unwrap_err();
    assert!(
        matches!(
            e,
            GlmError::NonFinite {
                arg: "offset",
                index: 2,
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn responses_outside_the_support() {
    let x = design(4);
    let e = GlmData::builder(&[1.0, -1.0, 3.0, 4.0], &x, 4, 2)
        .build(Family::Poisson)
        .unwrap_err();
    assert!(matches!(e, GlmError::OutOfSupport { index: 1, .. }), "{e}");
    let e = GlmData::builder(&[0.0, 1.0, 2.0, 0.0], &x, 4, 2)
        .build(Family::Binomial)
        .unwrap_err();
    assert!(matches!(e, GlmError::OutOfSupport { index: 2, .. }), "{e}");
    let e = GlmData::builder(&[1.0, 0.0, 2.0, 3.0], &x, 4, 2)
        .build(Family::Gamma)
        .unwrap_err();
    assert!(matches!(e, GlmError::OutOfSupport { index: 1, .. }), "{e}");
    let e = GlmData::builder(&[1.0, 2.0, -2.0, 3.0], &x, 4, 2)
        .build(Family::InverseGaussian)
        .unwrap_err();
    assert!(matches!(e, GlmError::OutOfSupport { index: 2, .. }), "{e}");
}

#[test]
fn link_not_allowed_for_the_family() {
    let x = design(6);
    let y = [1.0, 2.0, 1.0, 3.0, 4.0, 6.0];
    let d = GlmData::builder(&y, &x, 6, 2)
        .build(Family::Poisson)
        .unwrap();
    let mut o = GlmOptions::new(Family::Poisson);
    o.link = Some(Link::Logit);
    let e = fit(&d, &o).unwrap_err();
    assert!(
        matches!(e, GlmError::InvalidLink { link: "logit", .. }),
        "{e}"
    );
    assert!(e.to_string().contains("link"));
    let e = Link::parse("tanh").unwrap_err();
    assert!(
        matches!(e, GlmError::UnknownName { arg: "link", .. }),
        "{e}"
    );
    let e = Family::parse("weibull", None).unwrap_err();
    assert!(
        matches!(e, GlmError::UnknownName { arg: "family", .. }),
        "{e}"
    );
}

#[test]
fn weights_all_zero_or_negative() {
    let x = design(4);
    let y = [1.0, 2.0, 3.0, 4.0];
    let e = GlmData::builder(&y, &x, 4, 2)
        .var_weights(&[0.0; 4])
        .build(Family::Poisson)
        .unwrap_err();
    assert!(
        matches!(e, GlmError::ZeroWeights { arg: "var_weights" }),
        "{e}"
    );
    let e = GlmData::builder(&y, &x, 4, 2)
        .freq_weights(&[1.0, -1.0, 1.0, 1.0])
        .build(Family::Poisson)
        .unwrap_err();
    assert!(
        matches!(
            e,
            GlmError::NegativeWeight {
                arg: "freq_weights",
                index: 1,
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn empty_design() {
    let e = GlmData::builder(&[], &[], 0, 2)
        .build(Family::Poisson)
        .unwrap_err();
    assert!(matches!(e, GlmError::EmptyDesign { rows: 0, .. }), "{e}");
    let e = GlmData::builder(&[1.0, 2.0], &[], 2, 0)
        .build(Family::Poisson)
        .unwrap_err();
    assert!(matches!(e, GlmError::EmptyDesign { cols: 0, .. }), "{e}");
}

#[test]
fn rank_deficient_columns_are_named() {
    let n = 8;
    let x: Vec<f64> = (0..n)
        .flat_map(|i| {
            let a = i as f64;
            [1.0, a, 2.0 * a + 1.0, (a * 0.7).sin()]
        })
        .collect();
    let y: Vec<f64> = (0..n).map(|i| (i % 3) as f64).collect();
    let names: Vec<String> = ["const", "a", "b", "c"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let e = GlmData::builder(&y, &x, n, 4)
        .names(names)
        .build(Family::Poisson)
        .unwrap_err();
    match &e {
        GlmError::RankDeficient { columns, names } => {
            assert_eq!(columns, &[2]);
            assert_eq!(names, &["b".to_string()]);
        }
        other => panic!("{other}"),
    }
    assert!(e.to_string().contains("'b'"));
}

#[test]
fn perfect_separation_is_an_error_not_a_loop() {
    let n = 10;
    let x = design(n);
    let y: Vec<f64> = (0..n).map(|i| if i < 5 { 0.0 } else { 1.0 }).collect();
    let d = GlmData::builder(&y, &x, n, 2)
        .build(Family::Binomial)
        .unwrap();
    let e = fit(&d, &GlmOptions::new(Family::Binomial)).unwrap_err();
    assert!(matches!(e, GlmError::PerfectSeparation { .. }), "{e}");
}

#[test]
fn bad_options_and_cluster_groups() {
    let x = design(6);
    let y = [1.0, 2.0, 1.0, 3.0, 4.0, 6.0];
    let d = GlmData::builder(&y, &x, 6, 2)
        .build(Family::Poisson)
        .unwrap();
    let mut o = GlmOptions::new(Family::Poisson);
    o.cov_type = CovType::Cluster { groups: vec![0, 1] };
    let e = fit(&d, &o).unwrap_err();
    assert!(
        matches!(e, GlmError::LengthMismatch { arg: "groups", .. }),
        "{e}"
    );
    let mut o = GlmOptions::new(Family::Poisson);
    o.tol = -1.0;
    assert!(matches!(
        fit(&d, &o).unwrap_err(),
        GlmError::InvalidArgument { arg: "tol", .. }
    ));
    let e = GlmData::builder(&y, &x, 6, 2)
        .exposure(&[1.0, 0.0, 1.0, 1.0, 1.0, 1.0])
        .build(Family::Poisson)
        .unwrap_err();
    assert!(
        matches!(
            e,
            GlmError::InvalidArgument {
                arg: "exposure",
                ..
            }
        ),
        "{e}"
    );
    let dv = GlmData::builder(&y, &x, 6, 2)
        .var_weights(&[1.0; 6])
        .build(Family::Poisson)
        .unwrap();
    let e = fit_nb_mle(
        &dv,
        &GlmOptions::new(Family::NegativeBinomial { alpha: 1.0 }),
    )
    .unwrap_err();
    assert!(
        matches!(
            e,
            GlmError::InvalidArgument {
                arg: "var_weights",
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn iteration_limit_reports_not_converged() {
    let x = design(6);
    let y = [1.0, 2.0, 1.0, 3.0, 4.0, 6.0];
    let d = GlmData::builder(&y, &x, 6, 2)
        .build(Family::Poisson)
        .unwrap();
    let mut o = GlmOptions::new(Family::Poisson);
    o.maxiter = 1;
    let r = fit(&d, &o).unwrap();
    assert!(!r.converged);
    assert_eq!(r.n_iter, 1);
}
