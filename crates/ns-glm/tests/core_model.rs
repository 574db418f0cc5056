//! The GLM log-likelihood as an ns-core model (issue 17 item 6): its
//! gradient agrees with finite differences, vanishes at the IRLS fit, its
//! value there is −llf, and its Hessian inverse is the covariance.

use ns_core::Model;
use ns_glm::{Family, GlmData, GlmModel, GlmOptions, Link, fit};

fn data() -> (Vec<f64>, Vec<f64>, usize) {
    let n = 60;
    let x: Vec<f64> = (0..n)
        .flat_map(|i| {
            let t = i as f64 / n as f64;
            [1.0, t, (7.0 * t).sin()]
        })
        .collect();
    let y: Vec<f64> = (0..n)
        .map(|i| ((i * 37 % 11) as f64 * 0.4 + 0.5).floor())
        .collect();
    (y, x, n)
}

#[test]
fn gradient_hessian_and_value_at_the_fit() {
    let (y, x, n) = data();
    for (family, link) in [
        (Family::Poisson, Link::Log),
        (Family::Poisson, Link::Sqrt),
        (Family::NegativeBinomial { alpha: 0.6 }, Link::Log),
    ] {
        let d = GlmData::builder(&y, &x, n, 3).build(family).unwrap();
        let mut o = GlmOptions::new(family);
        o.link = Some(link);
        o.tol = 1e-13;
        let r = fit(&d, &o).unwrap();
        let m = GlmModel::new(d, family, Some(link), 1.0).unwrap();
        let mut sc = m.new_scratch();
        let mut g = vec![0.0; 3];
        let v = m.nll_grad(m.observed(), &r.params, &mut g, &mut sc);
        assert!((v + r.llf).abs() < 1e-10 * r.llf.abs(), "{v} vs {}", r.llf);
        assert!(g.iter().all(|x| x.abs() < 1e-6), "{g:?}");
        // finite differences away from the optimum
        let b: Vec<f64> = r.params.iter().map(|p| p + 0.05).collect();
        m.nll_grad(m.observed(), &b, &mut g, &mut sc);
        for j in 0..3 {
            let h = 1e-6;
            let mut bp = b.clone();
            bp[j] += h;
            let mut bm = b.clone();
            bm[j] -= h;
            let fd =
                (m.nll(m.observed(), &bp, &mut sc) - m.nll(m.observed(), &bm, &mut sc)) / (2.0 * h);
            assert!(
                (fd - g[j]).abs() < 1e-5 * g[j].abs().max(1.0),
                "{family:?} {j}: {fd} vs {}",
                g[j]
            );
        }
        // observed information at the fit: its inverse is the covariance for
        // the canonical link (log for Poisson; NB2's log link is not canonical)
        if family == Family::Poisson && link == Link::Log {
            let h = m.hessian(m.observed(), &r.params);
            let id: Vec<Vec<f64>> = (0..3)
                .map(|i| {
                    (0..3)
                        .map(|k| (0..3).map(|j| h[i * 3 + j] * r.cov_params[j * 3 + k]).sum())
                        .collect()
                })
                .collect();
            for (i, row) in id.iter().enumerate() {
                for (k, v) in row.iter().enumerate() {
                    let want = if i == k { 1.0 } else { 0.0 };
                    assert!((v - want).abs() < 1e-8, "{id:?}");
                }
            }
        }
    }
}
