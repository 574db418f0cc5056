"""Every plot renders to a non-empty PNG and returns its Axes."""

import numpy as np
import pytest

import nextstat

mpl = pytest.importorskip("matplotlib")
mpl.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import nextstat.viz as viz  # noqa: E402
from conftest import fixture_path  # noqa: E402


@pytest.fixture(scope="module")
def model():
    return nextstat.from_pyhf(fixture_path("complex_workspace"))


def _png(ax, path):
    assert isinstance(ax, mpl.axes.Axes)
    ax.figure.savefig(path, dpi=60)
    plt.close(ax.figure)
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 2000
    img = plt.imread(path)
    assert img.ndim == 3 and img.shape[0] > 50 and img.shape[1] > 50
    # not a blank canvas
    assert np.unique(img.reshape(-1, img.shape[-1]), axis=0).shape[0] > 10


def test_brazil(model, tmp_path):
    ul = nextstat.upper_limit(model, scan=np.linspace(0, 5, 11))
    ax = viz.brazil_band(ul)
    assert len(ax.lines) >= 3 and len(ax.collections) >= 2
    _png(ax, tmp_path / "brazil.png")


def test_scan(model, tmp_path):
    s = nextstat.scan(model, np.linspace(0, 3, 13))
    ax = viz.profile_scan(s)
    ys = {round(line.get_ydata()[0], 6) for line in ax.lines if len(line.get_ydata()) == 2}
    assert {1.0, 4.0} <= ys
    _png(ax, tmp_path / "scan.png")


def test_pulls_and_ranking(model, tmp_path):
    rk = nextstat.ranking(model)
    ax = viz.pulls(rk)
    _png(ax, tmp_path / "pulls.png")
    ax = viz.ranking(rk)
    labels = {t.get_position()[1]: t.get_text() for t in ax.get_yticklabels()}
    assert labels[max(labels)] == rk.names[0]  # largest impact on top
    _png(ax, tmp_path / "ranking.png")


def test_toys(model, tmp_path):
    h = nextstat.hypotest(1.0, model, calctype="toybased", ntoys=100, seed=3)
    ax = viz.toy_distributions(h)
    assert any(abs(line.get_xdata()[0] - h.q_obs) < 1e-12 for line in ax.lines)
    _png(ax, tmp_path / "toys.png")
