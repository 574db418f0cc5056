//! The saturated model of a HistFactory likelihood (goodness of fit), as
//! cabinetry's `fit._goodness_of_fit`: Poisson(n | n) per main bin and each
//! constraint at the parameter value its auxiliary datum prefers
//! (Gaussian: θ = aux; Poisson: γτ = aux), with pyhf's constant terms.

use crate::data::Data;
use crate::model::HistFactoryModel;
use crate::parts::Constraint;

/// `ln Poisson(n | λ = n)` in pyhf's continuous form
/// (`xlogy(n, n) − n − lgamma(n + 1)`, 0 at n = 0).
fn log_pois_at_mode(n: f64) -> f64 {
    let xlogx = if n == 0.0 { 0.0 } else { n * n.ln() };
    xlogx - n - libm::lgamma(n + 1.0)
}

impl ns_core::SaturatedModel for HistFactoryModel {
    fn saturated_nll(&self, data: &Data) -> f64 {
        let main: f64 = data.main().iter().map(|&n| log_pois_at_mode(n)).sum();
        let half_ln_2pi = 0.5 * (2.0 * std::f64::consts::PI).ln();
        let cons: f64 = self
            .p
            .constraints
            .iter()
            .map(|c| match *c {
                Constraint::Gaussian { sigma, .. } => -half_ln_2pi - sigma.ln(),
                Constraint::Poisson { aux, .. } => log_pois_at_mode(data.aux()[aux]),
            })
            .sum();
        -(main + cons)
    }

    fn n_observations(&self) -> usize {
        self.n_main()
    }

    fn is_constrained(&self, i: usize) -> bool {
        self.constraint_width(i).is_some()
    }
}
