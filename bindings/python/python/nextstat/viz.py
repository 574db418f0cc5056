"""Plots of nextstat results (needs matplotlib: ``pip install nextstat[viz]``).

Every function draws on ``ax`` (default: a new figure) and returns the
matplotlib ``Axes``; nothing here computes statistics, it only draws the
numbers of a result object.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from ._core import RankingResult, ScanResult, ToyHypotestResult, UpperLimitResult

__all__ = ["brazil_band", "profile_scan", "pulls", "ranking", "toy_distributions"]


def _axes(ax):
    if ax is not None:
        return ax
    try:
        import matplotlib.pyplot as plt
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("nextstat.viz needs matplotlib: pip install 'nextstat[viz]'") from e
    _, ax = plt.subplots()
    return ax


def brazil_band(result: UpperLimitResult, ax: Axes | None = None, show_limits: bool = True) -> Axes:
    """CLs against the POI: observed, expected median, ±1σ (green) and ±2σ
    (yellow) bands, and the CLs level. ``result`` comes from
    :func:`nextstat.upper_limit` (best with ``scan=``, which gives a regular grid).

    >>> import numpy as np, nextstat, nextstat.viz, matplotlib
    >>> matplotlib.use("Agg")
    >>> m = nextstat.simplemodels.uncorrelated_background([5.0, 10.0], [50.0, 60.0], [5.0, 12.0])
    >>> ax = nextstat.viz.brazil_band(nextstat.upper_limit(m, scan=np.linspace(0, 4, 9)))
    >>> ax.get_ylabel()
    'CLs'
    """
    ax = _axes(ax)
    mu = np.asarray(result.mu)
    exp = np.asarray(result.cls_exp)
    ax.fill_between(mu, exp[:, 0], exp[:, 4], color="#ffdd00", label=r"expected $\pm 2\sigma$", lw=0)
    ax.fill_between(mu, exp[:, 1], exp[:, 3], color="#00cc00", label=r"expected $\pm 1\sigma$", lw=0)
    ax.plot(mu, exp[:, 2], "k--", label="expected")
    ax.plot(mu, result.cls_obs, "k-", marker=".", label="observed")
    ax.axhline(result.level, color="red", lw=1, label=f"CLs = {result.level:g}")
    if show_limits:
        ax.axvline(result.obs_limit, color="k", lw=0.8, ls=":")
    ax.set_xlabel(r"$\mu$")
    ax.set_ylabel("CLs")
    ax.set_ylim(0, 1.05)
    ax.set_xlim(mu.min(), mu.max())
    ax.legend(loc="upper right", frameon=False)
    ax.set_title(f"obs. limit {result.obs_limit:.3g}, exp. {result.exp_limits[2]:.3g}", fontsize="medium")
    return ax


def profile_scan(result: ScanResult, ax: Axes | None = None) -> Axes:
    """``-2 Δ ln L`` against the POI with the 1σ (= 1) and 2σ (= 4) lines."""
    ax = _axes(ax)
    order = np.argsort(result.mu)
    mu = np.asarray(result.mu)[order]
    t = np.asarray(result.twice_delta_nll)[order]
    ax.plot(mu, t, "k-", marker=".", label="profile likelihood")
    for level, name in ((1.0, r"$1\sigma$"), (4.0, r"$2\sigma$")):
        ax.axhline(level, color="grey", ls="--", lw=1)
        ax.text(mu.max(), level, name, va="bottom", ha="right", color="grey")
    ax.axvline(result.bestfit_mu, color="tab:blue", lw=0.8, ls=":")
    ax.set_xlabel(result.poi_name)
    ax.set_ylabel(r"$-2\,\Delta \ln L$")
    ax.set_ylim(bottom=0)
    ax.legend(frameon=False)
    return ax


def pulls(result: RankingResult, ax: Axes | None = None, max_params: int | None = 30) -> Axes:
    """Pulls ``(θ̂ − θ₀)/σ_prefit`` with constraints ``σ̂/σ_prefit`` as error
    bars, for the constrained nuisance parameters of a :class:`RankingResult`
    (in ranking order, ``max_params`` at most)."""
    ax = _axes(ax)
    pull = np.asarray(result.pull)
    con = np.asarray(result.constraint)
    names = np.asarray(result.names, dtype=object)
    keep = np.isfinite(pull)
    pull, con, names = pull[keep], con[keep], names[keep]
    if max_params is not None:
        pull, con, names = pull[:max_params], con[:max_params], names[:max_params]
    y = np.arange(len(pull))[::-1]
    ax.axvspan(-2, 2, color="#ffdd00", lw=0)
    ax.axvspan(-1, 1, color="#00cc00", lw=0)
    ax.axvline(0, color="grey", lw=0.8)
    ax.errorbar(pull, y, xerr=con, fmt="ko", ms=3, capsize=0)
    ax.set_yticks(y)
    ax.set_yticklabels(names, fontsize="small")
    ax.set_xlim(-3, 3)
    ax.set_xlabel(r"$(\hat\theta - \theta_0)/\Delta\theta$")
    return ax


def ranking(result: RankingResult, ax: Axes | None = None, max_params: int | None = 20) -> Axes:
    """Impact plot: post-fit (filled) and pre-fit (hatched) impacts of ±1σ
    shifts of each nuisance parameter on the POI, largest first."""
    ax = _axes(ax)
    n = len(result.names) if max_params is None else min(max_params, len(result.names))
    names = list(result.names)[:n]
    y = np.arange(n)[::-1]
    up, down = np.asarray(result.impact_up)[:n], np.asarray(result.impact_down)[:n]
    pup, pdown = np.asarray(result.prefit_impact_up)[:n], np.asarray(result.prefit_impact_down)[:n]
    h = 0.7
    ax.barh(y, np.nan_to_num(pup), height=h, fill=False, edgecolor="tab:blue", hatch="///", label=r"pre-fit $+1\sigma$")
    ax.barh(y, np.nan_to_num(pdown), height=h, fill=False, edgecolor="tab:cyan", hatch="\\\\\\", label=r"pre-fit $-1\sigma$")
    ax.barh(y, up, height=h, color="tab:blue", alpha=0.8, label=r"post-fit $+1\sigma$")
    ax.barh(y, down, height=h, color="tab:cyan", alpha=0.8, label=r"post-fit $-1\sigma$")
    ax.axvline(0, color="k", lw=0.8)
    ax.set_yticks(y)
    ax.set_yticklabels(names, fontsize="small")
    ax.set_xlabel(f"impact on fitted {result.poi_name}")
    ax.legend(loc="lower right", fontsize="small", frameon=False)
    return ax


def toy_distributions(
    result: ToyHypotestResult, ax: Axes | None = None, bins: int | np.ndarray = 40
) -> Axes:
    """Histograms of the test statistic over the s+b and b-only toys, with
    the observed value; log-scale counts."""
    ax = _axes(ax)
    sb = np.asarray(result.sb_test_stats)
    b = np.asarray(result.b_test_stats)
    allv = np.concatenate([sb[np.isfinite(sb)], b[np.isfinite(b)], [result.q_obs]])
    if np.ndim(bins) == 0:
        hi = max(float(np.max(allv)), 1e-9)
        bins = np.linspace(min(0.0, float(np.min(allv))), hi * 1.05, int(bins) + 1)
    ax.hist(sb[np.isfinite(sb)], bins=bins, histtype="step", color="tab:red", label=f"s+b toys (mu={result.mu:g})")
    ax.hist(b[np.isfinite(b)], bins=bins, histtype="step", color="tab:blue", label="b-only toys")
    ax.axvline(result.q_obs, color="k", lw=1.5, label=f"observed ({result.q_obs:.3g})")
    ax.set_yscale("log")
    ax.set_xlabel(f"test statistic ({result.test_stat})")
    ax.set_ylabel("toys")
    ax.legend(frameon=False)
    ax.set_title(f"CLs = {result.cls_obs:.3g} from {result.n_toys} toys", fontsize="medium")
    return ax
