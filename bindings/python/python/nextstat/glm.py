"""Generalized linear models with statsmodels' answers (``statsmodels.api.GLM``).

The fit runs in Rust (``ns-glm``); this module converts arguments (numpy or
pandas), keeps column names and wraps the results.

>>> import numpy as np, nextstat.glm as glm
>>> X = glm.add_constant(np.array([0.0, 1.0, 2.0, 3.0, 4.0]))
>>> r = glm.fit(np.array([1.0, 2.0, 4.0, 7.0, 12.0]), X, family="poisson")
>>> r.converged, r.params.shape
(True, (2,))
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _core
from .exceptions import InvalidArgument

__all__ = ["fit", "add_constant", "GLMResult"]


def add_constant(X: Any, prepend: bool = True, has_constant: str = "skip"):
    """Add a column of ones (statsmodels' ``add_constant``).

    ``has_constant``: ``"skip"`` (default: return ``X`` unchanged if it has a
    constant column), ``"add"`` (add anyway) or ``"raise"``. A pandas
    DataFrame gets a ``const`` column.
    """
    if has_constant not in ("skip", "add", "raise"):
        raise InvalidArgument(f"has_constant: expected 'skip', 'add' or 'raise', got {has_constant!r}")
    try:
        import pandas as pd  # noqa: F401
        is_df = isinstance(X, pd.DataFrame)
    except ImportError:  # pandas is optional
        is_df = False
    arr = np.asarray(X, dtype=float)
    if arr.ndim == 1:
        arr = arr[:, None]
    const = np.ptp(arr, axis=0) == 0 if arr.shape[0] > 0 else np.zeros(arr.shape[1], bool)
    const &= arr[0] != 0 if arr.shape[0] > 0 else const
    if const.any() and has_constant == "skip":
        return X
    if const.any() and has_constant == "raise":
        raise InvalidArgument("X already has a constant column")
    if is_df:
        out = X.copy()
        out.insert(0 if prepend else out.shape[1], "const", 1.0)
        return out
    ones = np.ones((arr.shape[0], 1))
    return np.hstack([ones, arr] if prepend else [arr, ones])


def _names_and_matrix(X):
    try:
        import pandas as pd
        if isinstance(X, pd.DataFrame):
            return [str(c) for c in X.columns], np.ascontiguousarray(X.to_numpy(dtype=float))
        if isinstance(X, pd.Series):
            return [str(X.name or "x1")], np.ascontiguousarray(X.to_numpy(dtype=float)[:, None])
    except ImportError:
        pass
    arr = np.asarray(X, dtype=float)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise InvalidArgument(f"X: expected a 2-D array, got {arr.ndim} dimensions")
    n, p = arr.shape
    const = n > 0 and p > 0 and bool(np.all(arr[:, 0] == 1.0))
    names = ["const" if (const and j == 0) else f"x{j if const else j + 1}" for j in range(p)]
    return names, np.ascontiguousarray(arr)


def _vec(v, what):
    if v is None:
        return None
    try:
        import pandas as pd
        if isinstance(v, (pd.Series, pd.DataFrame)):
            v = v.to_numpy()
    except ImportError:
        pass
    a = np.asarray(v, dtype=float)
    if a.ndim != 1:
        raise InvalidArgument(f"{what}: expected a 1-D array, got shape {a.shape}")
    return np.ascontiguousarray(a)


class GLMResult:
    """Results of :func:`fit`, with statsmodels' ``GLMResults`` names."""

    params: np.ndarray
    bse: np.ndarray
    tvalues: np.ndarray
    pvalues: np.ndarray
    fittedvalues: np.ndarray
    resid_response: np.ndarray
    resid_pearson: np.ndarray
    resid_deviance: np.ndarray
    resid_working: np.ndarray
    deviance: float
    null_deviance: float
    llf: float
    llnull: float
    aic: float
    bic_llf: float
    bic_deviance: float
    pearson_chi2: float
    scale: float
    df_resid: float
    df_model: float
    nobs: int
    converged: bool
    n_iter: int
    alpha: float | None

    def __init__(self, d: dict, names: list[str]):
        self._summary = d.pop("summary")
        self._cov = d.pop("cov_params")
        self.normalized_cov_params = d.pop("normalized_cov_params")
        self._link = d.pop("link")
        self._k_exog = d.pop("k_exog")
        self.model_names = d.pop("names")
        for k, v in d.items():
            setattr(self, k, v)
        self.exog_names = names

    @property
    def zvalues(self) -> np.ndarray:
        """Alias of ``tvalues`` (normal reference distribution)."""
        return self.tvalues

    @property
    def bic(self) -> float:
        """statsmodels' ``bic`` (the llf-based one, ``bic_llf``)."""
        return self.bic_llf

    @property
    def mu(self) -> np.ndarray:
        return self.fittedvalues

    def cov_params(self) -> np.ndarray:
        """Covariance of the estimates (of the requested ``cov_type``)."""
        return self._cov.copy()

    def conf_int(self, alpha: float = 0.05) -> np.ndarray:
        """``(k, 2)`` normal confidence intervals at level ``1 - alpha``."""
        if not 0.0 < alpha < 1.0:
            raise InvalidArgument(f"alpha: expected a level in (0, 1), got {alpha}")
        from statistics import NormalDist

        q = NormalDist().inv_cdf(1.0 - alpha / 2.0)
        return np.column_stack([self.params - q * self.bse, self.params + q * self.bse])

    def predict(self, exog=None, offset=None, exposure=None, linear: bool = False) -> np.ndarray:
        """Predicted means for ``exog`` (default: the fitted data's)."""
        if exog is None:
            return self.linear_predictor.copy() if linear else self.fittedvalues.copy()
        _, X = _names_and_matrix(exog)
        if X.shape[1] != self._k_exog:
            raise InvalidArgument(f"exog: expected {self._k_exog} columns, got {X.shape[1]}")
        eta = X @ self.params[: self._k_exog]
        for name, v, f in (("offset", offset, lambda a: a), ("exposure", exposure, np.log)):
            a = _vec(v, name)
            if a is None:
                continue
            if a.shape[0] != X.shape[0]:
                raise InvalidArgument(f"{name}: length {a.shape[0]} differs from exog's {X.shape[0]} rows")
            if name == "exposure" and np.any(a <= 0):
                raise InvalidArgument("exposure: must be > 0")
            eta = eta + f(a)
        if not np.all(np.isfinite(eta)):
            raise InvalidArgument("exog/offset/exposure: non-finite values")
        return eta if linear else _core._glm_inverse_link(self._link, np.ascontiguousarray(eta))

    def summary(self) -> str:
        """A table like statsmodels' ``summary()``."""
        return self._summary

    def __repr__(self) -> str:
        return f"<nextstat.glm.GLMResult {self.family}/{self._link} n={self.nobs} converged={self.converged}>"


def fit(
    y,
    X,
    family: str = "poisson",
    link: str | None = None,
    offset=None,
    exposure=None,
    var_weights=None,
    freq_weights=None,
    alpha: float | str | None = None,
    scale: float | str | None = None,
    cov_type: str = "nonrobust",
    groups=None,
    method: str = "irls",
    maxiter: int = 100,
    tol: float = 1e-8,
    *,
    tol_criterion: str = "deviance",
    rtol: float = 0.0,
) -> GLMResult:
    """Fit a generalized linear model (statsmodels' ``GLM(y, X, family).fit()``).

    ``y``: 1-D response, or for ``family="binomial"`` a 2-column
    (successes, failures) array. ``X``: the design as given (no constant is
    added; see :func:`add_constant`), numpy or pandas (column names kept).
    ``family``: gaussian, binomial, poisson, gamma, inverse_gaussian,
    negative_binomial. ``link``: identity, log, logit, probit, cloglog, sqrt,
    inverse, inverse_squared, or None (canonical). ``alpha``: NB2 dispersion
    (float), or ``"mle"`` to estimate it (statsmodels' discrete
    ``NegativeBinomial``; α is the last entry of ``params``). ``scale``: None
    (family default), ``"x2"``, ``"dev"`` or a float. ``cov_type``:
    nonrobust, HC0, HC1, HC2, HC3, cluster (with ``groups``). ``method``:
    irls or newton. Converged when the deviance changes by at most
    ``tol + rtol*|deviance|`` (statsmodels' rule), or with
    ``tol_criterion="params"`` when every parameter does (as statsmodels'
    ``fit(tol_criterion="params")``; for tight fits of slowly converging
    non-canonical links).
    """
    names, Xa = _names_and_matrix(X)
    dep = "y"
    try:
        import pandas as pd
        if isinstance(y, pd.Series) and y.name is not None:
            dep = str(y.name)
        if isinstance(y, (pd.Series, pd.DataFrame)):
            y = y.to_numpy()
    except ImportError:
        pass
    ya = np.asarray(y, dtype=float)
    failures = None
    if ya.ndim == 2:
        if ya.shape[1] != 2:
            raise InvalidArgument(f"y: a 2-D response must have 2 columns (successes, failures), got {ya.shape[1]}")
        failures = np.ascontiguousarray(ya[:, 1])
        ya = ya[:, 0]
    elif ya.ndim != 1:
        raise InvalidArgument(f"y: expected a 1-D array, got shape {ya.shape}")
    ya = np.ascontiguousarray(ya)
    alpha_mle = isinstance(alpha, str)
    if alpha_mle and alpha.lower() != "mle":
        raise InvalidArgument(f"alpha: expected a float, None or 'mle', got {alpha!r}")
    if alpha is not None and not alpha_mle and family.lower() != "negative_binomial":
        raise InvalidArgument("alpha: only for family='negative_binomial'")
    if alpha_mle and family.lower() != "negative_binomial":
        raise InvalidArgument("alpha='mle' needs family='negative_binomial'")
    scale_name, scale_value = (None, None)
    if isinstance(scale, str):
        scale_name = scale
    elif scale is not None:
        scale_value = float(scale)
    group_codes = None
    if groups is not None:
        g = np.asarray(groups)
        if g.ndim != 1:
            raise InvalidArgument("groups: expected a 1-D array of labels")
        _, codes = np.unique(g, return_inverse=True)
        group_codes = [int(c) for c in codes]
    if not isinstance(maxiter, (int, np.integer)) or maxiter < 1:
        raise InvalidArgument(f"maxiter: expected a positive integer, got {maxiter!r}")
    d = _core._glm_fit(
        ya, Xa, names,
        failures=failures,
        offset=_vec(offset, "offset"),
        exposure=_vec(exposure, "exposure"),
        var_weights=_vec(var_weights, "var_weights"),
        freq_weights=_vec(freq_weights, "freq_weights"),
        family=family,
        link=link,
        alpha=None if alpha_mle else (None if alpha is None else float(alpha)),
        alpha_mle=alpha_mle,
        scale=scale_name,
        scale_value=scale_value,
        cov_type=cov_type,
        groups=group_codes,
        method=method,
        maxiter=int(maxiter),
        tol=float(tol),
        dep=dep,
        tol_criterion=tol_criterion,
        rtol=float(rtol),
    )
    return GLMResult(d, names)
