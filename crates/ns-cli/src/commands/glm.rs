//! `nextstat glm`: fit a generalized linear model to the columns of a CSV
//! file (statsmodels' `GLM(y, X, family).fit()` from the command line).

use std::path::PathBuf;

use anyhow::{Result, bail};
use clap::Args;
use ns_glm::{CovType, Family, GlmData, GlmError, GlmOptions, GlmResults, Link, Method};
use ns_glm::{ScaleSpec, TolCriterion};
use serde::Serialize;

use crate::common::OutputArgs;
use crate::csv::CsvTable;
use crate::output::{Matrix, Num, Nums, emit};

#[derive(Debug, Args)]
pub struct GlmCmd {
    /// CSV file with a header row of column names.
    #[arg(long, value_name = "FILE")]
    data: PathBuf,
    /// Response column; for the binomial family also `SUCCESSES,FAILURES`
    /// (statsmodels' two-column response).
    #[arg(long, value_name = "COL")]
    y: String,
    /// Design columns, comma-separated (default: every column not used by
    /// another option). Used as given: see --add-constant.
    #[arg(long, value_name = "COL,COL,...", value_delimiter = ',')]
    x: Option<Vec<String>>,
    /// Prepend a `const` column of ones, unless a design column is already a
    /// non-zero constant (statsmodels' `add_constant`, has_constant="skip").
    #[arg(long)]
    add_constant: bool,
    /// gaussian, binomial, poisson, gamma, inverse_gaussian, negative_binomial.
    #[arg(long, value_name = "NAME")]
    family: String,
    /// identity, log, logit, probit, cloglog, sqrt, inverse, inverse_squared
    /// (default: the family's canonical link).
    #[arg(long, value_name = "NAME")]
    link: Option<String>,
    /// Negative binomial α: a positive number (default 1, as statsmodels), or
    /// `mle` to estimate it (statsmodels' discrete NegativeBinomial, nb2).
    #[arg(long, value_name = "ALPHA|mle")]
    alpha: Option<String>,
    /// Offset column (added to the linear predictor).
    #[arg(long, value_name = "COL")]
    offset: Option<String>,
    /// Exposure column (its log is added to the linear predictor).
    #[arg(long, value_name = "COL")]
    exposure: Option<String>,
    /// statsmodels' `var_weights` column.
    #[arg(long, value_name = "COL")]
    var_weights: Option<String>,
    /// statsmodels' `freq_weights` column.
    #[arg(long, value_name = "COL")]
    freq_weights: Option<String>,
    /// nonrobust, HC0, HC1, HC2, HC3, or cluster (with --groups).
    #[arg(long, value_name = "TYPE", default_value = "nonrobust")]
    cov_type: String,
    /// Group column for --cov-type cluster (any labels).
    #[arg(long, value_name = "COL")]
    groups: Option<String>,
    /// Dispersion: x2 (Pearson), dev (deviance) or a number (default: the
    /// family's, as statsmodels).
    #[arg(long, value_name = "x2|dev|VALUE")]
    scale: Option<String>,
    /// irls or newton.
    #[arg(long, value_name = "NAME", default_value = "irls")]
    method: String,
    /// Iteration limit.
    #[arg(long, value_name = "N", default_value_t = 100)]
    maxiter: usize,
    /// Convergence tolerance (statsmodels' `tol`).
    #[arg(long, value_name = "TOL", default_value_t = 1e-8)]
    tol: f64,
    /// Relative tolerance (statsmodels' `rtol`).
    #[arg(long, value_name = "RTOL", default_value_t = 0.0)]
    rtol: f64,
    /// What the tolerance applies to: deviance (statsmodels' default) or params.
    #[arg(long, value_name = "WHAT", default_value = "deviance")]
    tol_criterion: String,
    /// Include fitted values and residuals in the JSON output (n numbers each).
    #[arg(long)]
    residuals: bool,
    #[command(flatten)]
    out: OutputArgs,
}

/// Parse a `--flag` value with a GLM parser, naming the flag on error.
fn opt<T>(flag: &str, r: Result<T, GlmError>) -> Result<T> {
    r.map_err(|e| anyhow::anyhow!("{flag}: {e}"))
}

/// Options from the flags; `Some(true)` in the second slot for alpha=mle.
fn options(cmd: &GlmCmd, groups: Option<Vec<u64>>) -> Result<(GlmOptions, bool)> {
    let (alpha, mle) = match cmd.alpha.as_deref() {
        None => (None, false),
        Some(a) if a.eq_ignore_ascii_case("mle") => (None, true),
        Some(a) => match a.parse::<f64>() {
            Ok(v) => (Some(v), false),
            Err(_) => bail!("--alpha: expected a positive number or 'mle', got '{a}'"),
        },
    };
    let family = opt("--family", Family::parse(&cmd.family, alpha))?;
    if cmd.alpha.is_some() && !matches!(family, Family::NegativeBinomial { .. }) {
        bail!("--alpha: only for --family negative_binomial");
    }
    let mut o = GlmOptions::new(family);
    o.link = opt("--link", cmd.link.as_deref().map(Link::parse).transpose())?;
    if let Some(l) = o.link {
        opt("--link", family.check_link(l))?;
    }
    o.method = opt("--method", Method::parse(&cmd.method))?;
    o.maxiter = cmd.maxiter;
    o.tol = cmd.tol;
    o.rtol = cmd.rtol;
    o.tol_criterion = match cmd.tol_criterion.to_ascii_lowercase().as_str() {
        "deviance" => TolCriterion::Deviance,
        "params" => TolCriterion::Params,
        other => bail!("--tol-criterion: expected 'deviance' or 'params', got '{other}'"),
    };
    o.scale = match cmd.scale.as_deref() {
        None => ScaleSpec::Default,
        Some(s) if s.eq_ignore_ascii_case("x2") => ScaleSpec::X2,
        Some(s) if s.eq_ignore_ascii_case("dev") => ScaleSpec::Dev,
        Some(s) => match s.parse::<f64>() {
            Ok(v) => ScaleSpec::Fixed(v),
            Err(_) => bail!("--scale: expected x2, dev or a number, got '{s}'"),
        },
    };
    if groups.is_some() && !cmd.cov_type.eq_ignore_ascii_case("cluster") {
        bail!("--groups: only with --cov-type cluster");
    }
    o.cov_type = opt("--cov-type", CovType::parse(&cmd.cov_type, groups)).map_err(|e| {
        if cmd.cov_type.eq_ignore_ascii_case("cluster") {
            anyhow::anyhow!("--cov-type cluster needs --groups COL")
        } else {
            e
        }
    })?;
    Ok((o, mle))
}

/// statsmodels' `add_constant(has_constant="skip")`: is any column a
/// non-zero constant already?
fn has_constant(cols: &[Vec<f64>]) -> Option<usize> {
    cols.iter()
        .position(|c| c.iter().all(|&v| v == c[0] && v != 0.0))
}

pub fn run(cmd: GlmCmd) -> Result<()> {
    let t = CsvTable::read(&cmd.data)?;
    let ycols: Vec<&str> = cmd.y.split(',').map(str::trim).collect();
    if ycols.len() > 2 || ycols.iter().any(|c| c.is_empty()) {
        bail!("--y: expected COL, or SUCCESSES,FAILURES for the binomial family");
    }
    let mut used: Vec<usize> = Vec::new();
    let mut column = |name: &str, what: &str| -> Result<usize> {
        let j = t.index(name, what)?;
        used.push(j);
        Ok(j)
    };
    let yj: Vec<usize> = ycols
        .iter()
        .map(|c| column(c, "--y"))
        .collect::<Result<_>>()?;
    let extra = [
        ("--offset", &cmd.offset),
        ("--exposure", &cmd.exposure),
        ("--var-weights", &cmd.var_weights),
        ("--freq-weights", &cmd.freq_weights),
        ("--groups", &cmd.groups),
    ];
    let mut extra_j = Vec::new();
    for (flag, c) in extra {
        extra_j.push(c.as_deref().map(|c| column(c, flag)).transpose()?);
    }
    let xj: Vec<usize> = match &cmd.x {
        Some(cols) => cols
            .iter()
            .map(|c| t.index(c.trim(), "--x"))
            .collect::<Result<_>>()?,
        None => (0..t.header().len())
            .filter(|j| !used.contains(j))
            .collect(),
    };
    let n = t.n_rows();
    let mut names: Vec<String> = xj.iter().map(|&j| t.header()[j].clone()).collect();
    let mut xcols: Vec<Vec<f64>> = xj.iter().map(|&j| t.numbers(j)).collect::<Result<_>>()?;
    if cmd.add_constant {
        match has_constant(&xcols) {
            Some(j) => eprintln!(
                "nextstat: note: --add-constant: column '{}' is already constant, no column added (statsmodels' add_constant)",
                names[j]
            ),
            None => {
                xcols.insert(0, vec![1.0; n]);
                names.insert(0, "const".into());
            }
        }
    }
    if xcols.is_empty() {
        bail!("--x: no design columns (give --x or --add-constant)");
    }
    let p = xcols.len();
    let mut x = vec![0.0; n * p];
    for (j, c) in xcols.iter().enumerate() {
        for (i, v) in c.iter().enumerate() {
            x[i * p + j] = *v;
        }
    }
    let y = t.numbers(yj[0])?;
    let failures = yj.get(1).map(|&j| t.numbers(j)).transpose()?;
    let nums: Vec<Option<Vec<f64>>> = extra_j[..4]
        .iter()
        .map(|j| j.map(|j| t.numbers(j)).transpose())
        .collect::<Result<_>>()?;
    let groups = extra_j[4].map(|j| {
        let mut labels: Vec<&str> = (0..n).map(|i| t.cell(i, j).trim()).collect();
        let raw = labels.clone();
        labels.sort_unstable();
        labels.dedup();
        raw.iter()
            .map(|l| labels.binary_search(l).unwrap() as u64)
            .collect::<Vec<u64>>()
    });
    let (opts, mle) = options(&cmd, groups)?;
    let mut b = GlmData::builder(&y, &x, n, p).names(names);
    if let Some(f) = &failures {
        b = b.failures(f);
    }
    if let Some(o) = &nums[0] {
        b = b.offset(o);
    }
    if let Some(e) = &nums[1] {
        b = b.exposure(e);
    }
    if let Some(w) = &nums[2] {
        b = b.var_weights(w);
    }
    if let Some(w) = &nums[3] {
        b = b.freq_weights(w);
    }
    let located = |e: GlmError| locate(&t, &cmd, e);
    let data = b.build(opts.family).map_err(located)?;
    let r = if mle {
        if !matches!(opts.family, Family::NegativeBinomial { .. }) {
            bail!("--alpha mle: only for --family negative_binomial");
        }
        ns_glm::fit_nb_mle(&data, &opts)
    } else {
        ns_glm::fit(&data, &opts)
    }
    .map_err(located)?;
    let dep = cmd.y.as_str();
    let source = t.source().to_string();
    let ci: Vec<f64> = r.conf_int(0.05).iter().flat_map(|&(a, b)| [a, b]).collect();
    let doc = GlmJson::new(&r, &ci, &source, dep, cmd.residuals);
    emit(&cmd.out, &doc, || r.summary(dep))?;
    if !r.converged {
        bail!(
            "the fit did not converge within {} iterations (--maxiter)",
            opts.maxiter
        );
    }
    Ok(())
}

/// A GLM error with its row turned into the file's line and column.
fn locate(t: &CsvTable, cmd: &GlmCmd, e: GlmError) -> anyhow::Error {
    let at = |row: usize, col: &str| {
        anyhow::anyhow!(
            "{}: line {}, column '{col}': {e}",
            t.source(),
            t.line_of(row)
        )
    };
    match &e {
        GlmError::OutOfSupport { index, .. } => at(*index, &cmd.y),
        GlmError::NegativeWeight { index, arg, .. } => {
            let col = match *arg {
                "var_weights" => cmd.var_weights.as_deref(),
                _ => cmd.freq_weights.as_deref(),
            };
            at(*index, col.unwrap_or(arg))
        }
        _ => anyhow::anyhow!("{}: {e}", t.source()),
    }
}

/// The `nextstat.glm/1` document: statsmodels' `GLMResults` names.
#[derive(Serialize)]
struct GlmJson<'a> {
    schema: &'static str,
    data: &'a str,
    dep_variable: &'a str,
    family: &'static str,
    link: &'static str,
    method: &'static str,
    cov_type: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    alpha: Option<Num>,
    exog_names: &'a [String],
    params: Nums<'a>,
    bse: Nums<'a>,
    tvalues: Nums<'a>,
    pvalues: Nums<'a>,
    conf_int: Matrix<'a>,
    cov_params: Matrix<'a>,
    nobs: usize,
    wnobs: Num,
    df_model: Num,
    df_resid: Num,
    scale: Num,
    deviance: Num,
    null_deviance: Num,
    llf: Num,
    llnull: Num,
    aic: Num,
    bic: Num,
    bic_llf: Num,
    bic_deviance: Num,
    pearson_chi2: Num,
    pseudo_rsquared_cs: Num,
    converged: bool,
    n_iter: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    fittedvalues: Option<Nums<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resid_response: Option<Nums<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resid_pearson: Option<Nums<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resid_deviance: Option<Nums<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resid_working: Option<Nums<'a>>,
}

impl<'a> GlmJson<'a> {
    /// `ci` is `r.conf_int(0.05)` flattened (lower, upper per parameter).
    fn new(r: &'a GlmResults, ci: &'a [f64], data: &'a str, dep: &'a str, resid: bool) -> Self {
        let opt = |v: &'a [f64]| resid.then_some(Nums(v));
        GlmJson {
            schema: "nextstat.glm/1",
            data,
            dep_variable: dep,
            family: r.family.name(),
            link: r.link.name(),
            method: match (r.alpha, r.method) {
                (None, Method::Irls) => "irls",
                _ => "newton",
            },
            cov_type: &r.cov_type,
            alpha: match (r.alpha, r.family) {
                (Some(a), _) | (None, Family::NegativeBinomial { alpha: a }) => Some(Num(a)),
                _ => None,
            },
            exog_names: &r.names,
            params: Nums(&r.params),
            bse: Nums(&r.bse),
            tvalues: Nums(&r.tvalues),
            pvalues: Nums(&r.pvalues),
            conf_int: Matrix { data: ci, n: 2 },
            cov_params: Matrix {
                data: &r.cov_params,
                n: r.params.len(),
            },
            nobs: r.nobs,
            wnobs: Num(r.wnobs),
            df_model: Num(r.df_model),
            df_resid: Num(r.df_resid),
            scale: Num(r.scale),
            deviance: Num(r.deviance),
            null_deviance: Num(r.null_deviance),
            llf: Num(r.llf),
            llnull: Num(r.llnull),
            aic: Num(r.aic),
            bic: Num(r.bic_llf),
            bic_llf: Num(r.bic_llf),
            bic_deviance: Num(r.bic_deviance),
            pearson_chi2: Num(r.pearson_chi2),
            pseudo_rsquared_cs: Num(r.pseudo_rsquared_cs()),
            converged: r.converged,
            n_iter: r.n_iter,
            fittedvalues: opt(&r.fittedvalues),
            resid_response: opt(&r.resid_response),
            resid_pearson: opt(&r.resid_pearson),
            resid_deviance: opt(&r.resid_deviance),
            resid_working: opt(&r.resid_working),
        }
    }
}
