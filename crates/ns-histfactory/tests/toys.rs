//! Asimov data and toys (`ns_core::PseudoData`).

mod common;

use common::{build, code_settings, good_fixtures, parse, random_point};
use ns_core::{Model, PseudoData};
use ns_histfactory::{Data, HistFactoryModel, InterpSettings};
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

#[test]
fn asimov_equals_expected_data() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
    for name in good_fixtures() {
        let ws = parse(&name);
        let (label, interp) = code_settings()[0];
        let (_, model) = build(&ws, &name, interp);
        let mut points = vec![model.suggested_init().to_vec()];
        points.push(random_point(&model, &mut rng, 1.5, 0.2));
        for x in &points {
            let asimov = model.asimov(x);
            let full = model.expected_data(x, true);
            let m = model.n_main();
            assert_eq!(
                asimov.main(),
                &model.expected_data(x, false)[..],
                "{name} [{label}]"
            );
            assert_eq!(asimov.main(), &full[..m], "{name}");
            assert_eq!(asimov.aux(), &full[m..], "{name}");
            assert_eq!(asimov.aux().len(), model.n_aux());
            assert_eq!(asimov.to_vec(), full);
        }
        // At the init, the expected aux data are the nominal auxdata
        // (θ = aux for Gaussian, γτ = τ for Poisson).
        let init_aux = &model.expected_data(model.suggested_init(), true)[model.n_main()..];
        assert_eq!(init_aux, model.observed().aux(), "{name}");
    }
}

fn toy(model: &HistFactoryModel, x: &[f64], seed: u64) -> Data {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut data = model.observed().clone();
    model.sample_into(x, &mut rng, &mut data);
    data
}

#[test]
fn toys_are_reproducible_and_integral() {
    for name in [
        "simple_workspace.json",
        "complex_workspace.json",
        "godrun_workspace.json",
    ] {
        let ws = parse(name);
        let (_, model) = build(&ws, name, InterpSettings::default());
        let x = model.suggested_init().to_vec();
        let a = toy(&model, &x, 42);
        let b = toy(&model, &x, 42);
        let c = toy(&model, &x, 43);
        assert_eq!(a, b, "{name}: same seed, different toys");
        assert_ne!(a.to_vec(), c.to_vec(), "{name}: different seeds, same toy");
        assert_eq!(a.main().len(), model.n_main());
        assert_eq!(a.aux().len(), model.n_aux());
        for &n in a.main() {
            assert!(
                n >= 0.0 && n.fract() == 0.0 && n.is_finite(),
                "{name}: count {n}"
            );
        }
        // Poisson-constrained auxdata are counts too.
        for ps in model.param_sets() {
            if ps.constraint == "poisson" {
                let start = ps.aux_start.unwrap();
                for &v in &a.aux()[start..start + ps.n] {
                    assert!(v >= 0.0 && v.fract() == 0.0, "{name}: aux {v}");
                }
            }
        }
        // The toy is a usable dataset: its NLL is finite and equals the NLL
        // of the same numbers passed through the flat layout.
        let mut s = model.new_scratch();
        let v = model.nll(&a, &x, &mut s);
        assert!(v.is_finite());
        let flat = model.data_from_vec(&a.to_vec()).unwrap();
        assert_eq!(model.nll(&flat, &x, &mut s), v);
        // Reusing the buffer for a second toy overwrites it completely.
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(43);
        let mut reused = a.clone();
        model.sample_into(&x, &mut rng, &mut reused);
        assert_eq!(reused, c);
        assert_eq!(model.nll(&reused, &x, &mut s), model.nll(&c, &x, &mut s));
    }
}

#[test]
fn toy_means_match_expected_rates() {
    let name = "simple_workspace.json";
    let (_, model) = build(&parse(name), name, InterpSettings::default());
    let x = model.suggested_init().to_vec();
    let rates = model.expected_data(&x, true);
    let m = model.n_main();
    let n_toys = 4000;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(2024);
    let mut data = model.observed().clone();
    let mut sum = vec![0.0; rates.len()];
    for _ in 0..n_toys {
        model.sample_into(&x, &mut rng, &mut data);
        for (s, v) in sum.iter_mut().zip(data.to_vec()) {
            *s += v;
        }
    }
    // Main bins and the shapesys auxdata are Poisson: variance = mean.
    for (i, (&s, &rate)) in sum.iter().zip(&rates).enumerate() {
        let mean = s / n_toys as f64;
        let se = (rate / n_toys as f64).sqrt();
        assert!(
            (mean - rate).abs() < 4.0 * se,
            "{} {i}: toy mean {mean} vs rate {rate} (se {se})",
            if i < m { "main bin" } else { "aux" }
        );
    }
}

#[test]
fn gaussian_aux_toys_have_the_constraint_width() {
    let name = "complex_workspace.json";
    let (_, model) = build(&parse(name), name, InterpSettings::default());
    let x = model.suggested_init().to_vec();
    let n_toys = 4000;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
    let mut data = model.observed().clone();
    let lumi = model.param_index("lumi").unwrap();
    let aux = model
        .param_sets()
        .iter()
        .find(|p| p.name == "lumi")
        .unwrap()
        .aux_start
        .unwrap();
    let (_, sigma) = model.constraint_width(lumi).unwrap();
    let (mut s1, mut s2) = (0.0, 0.0);
    for _ in 0..n_toys {
        model.sample_into(&x, &mut rng, &mut data);
        let v = data.aux()[aux];
        s1 += v;
        s2 += v * v;
    }
    let n = n_toys as f64;
    let mean = s1 / n;
    let sd = (s2 / n - mean * mean).sqrt();
    assert!(
        (mean - x[lumi]).abs() < 4.0 * sigma / n.sqrt(),
        "mean {mean}"
    );
    // sd of a sample sd ≈ σ/sqrt(2n).
    assert!(
        (sd - sigma).abs() < 4.0 * sigma / (2.0 * n).sqrt(),
        "sd {sd} vs {sigma}"
    );
}
