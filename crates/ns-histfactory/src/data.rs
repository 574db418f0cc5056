//! Datasets (main counts + auxiliary data) with the data-only constants of
//! the NLL cached, shared by the model and the kernel.

use crate::poisson::Prepared;

/// A dataset: main-bin counts and auxiliary data, with the data-only
/// constants of the NLL cached so evaluation never recomputes them.
#[derive(Debug, Clone, PartialEq)]
pub struct Data {
    main: Vec<f64>,
    aux: Vec<f64>,
    /// 1/n, [n = 0] and S(n) per main bin ([`crate::poisson`]).
    main_prep: Prepared,
    /// Σ S(n) over main bins.
    stirling_main: f64,
    /// The same per auxiliary datum (used by Poisson constraints).
    aux_prep: Prepared,
}

impl Data {
    /// Build from main counts and auxiliary data (pyhf's `data` is their
    /// concatenation).
    pub fn new(main: Vec<f64>, aux: Vec<f64>) -> Self {
        let main_prep = Prepared::new(&main);
        let aux_prep = Prepared::new(&aux);
        Self {
            stirling_main: main_prep.stirling_sum(),
            main,
            aux,
            main_prep,
            aux_prep,
        }
    }

    /// Main-bin counts.
    pub fn main(&self) -> &[f64] {
        &self.main
    }

    /// Auxiliary data.
    pub fn aux(&self) -> &[f64] {
        &self.aux
    }

    /// Per-bin constants of the main Poisson terms.
    pub(crate) fn main_prep(&self) -> &Prepared {
        &self.main_prep
    }

    /// Σ S(n) over the main bins.
    pub(crate) fn stirling_main(&self) -> f64 {
        self.stirling_main
    }

    /// Per-datum constants of the auxiliary data.
    pub(crate) fn aux_prep(&self) -> &Prepared {
        &self.aux_prep
    }

    /// main followed by aux, as pyhf lays out `data`.
    pub fn to_vec(&self) -> Vec<f64> {
        let mut v = self.main.clone();
        v.extend_from_slice(&self.aux);
        v
    }

    /// Overwrite in place (toys) and refresh the cached constants.
    pub(crate) fn set_main(&mut self, mut f: impl FnMut(usize, &mut f64)) {
        for (i, v) in self.main.iter_mut().enumerate() {
            f(i, v);
        }
        self.main_prep.refresh(&self.main);
        self.stirling_main = self.main_prep.stirling_sum();
    }

    /// Overwrite the auxiliary data in place (toys) and refresh the cache.
    pub(crate) fn set_aux(&mut self, mut f: impl FnMut(usize, &mut f64)) {
        for (i, v) in self.aux.iter_mut().enumerate() {
            f(i, v);
        }
        self.aux_prep.refresh(&self.aux);
    }
}
