//! Many fits of one compiled expression to data sets sharing `xdata`, in
//! parallel (rayon); each worker binds its own model and scratch.

use rayon::prelude::*;

use crate::error::Result;
use crate::expr::Expression;
use crate::fit::{CurveFitResult, FitOptions, curve_fit};
use crate::model::ExprModel;
use crate::problem::Sigma;

/// Fit each row of the row-major `ybatch` (m rows of n points) from `p0`.
/// Results are in row order and independent of the thread count.
pub fn fit_many(
    expr: &Expression,
    x: &[f64],
    ybatch: &[f64],
    n: usize,
    p0: Option<&[f64]>,
    sigma: Sigma<'_>,
    opts: &FitOptions,
) -> Result<Vec<Result<CurveFitResult>>> {
    let proto = ExprModel::new(expr, x)?;
    crate::problem::check_len(
        "ydata_batch row length (points in xdata)",
        proto_points(&proto),
        n,
    )?;
    if n == 0 || !ybatch.len().is_multiple_of(n) {
        return Err(crate::error::CurveFitError::LengthMismatch {
            what: "ydata_batch (rows x points)".into(),
            expected: n,
            got: ybatch.len(),
        });
    }
    let names = expr.param_names().to_vec();
    Ok(ybatch
        .par_chunks(n)
        .map_init(
            || proto.clone(),
            |model, y| curve_fit(model, &names, y, p0, sigma, opts),
        )
        .collect())
}

fn proto_points(m: &ExprModel<'_>) -> usize {
    use crate::model::Model;
    m.n_points()
}
