"""Small ready-made models, as in ``pyhf.simplemodels`` (spec builders only)."""

from __future__ import annotations

from collections.abc import Sequence

from . import _core

__all__ = ["uncorrelated_background", "correlated_background", "uncorrelated_background_spec"]


def uncorrelated_background_spec(
    signal: Sequence[float], bkg: Sequence[float], bkg_uncertainty: Sequence[float]
) -> dict:
    """The pyhf workspace dict behind :func:`uncorrelated_background`."""
    n = len(signal)
    return {
        "channels": [
            {
                "name": "singlechannel",
                "samples": [
                    {
                        "name": "signal",
                        "data": [float(v) for v in signal],
                        "modifiers": [{"name": "mu", "type": "normfactor", "data": None}],
                    },
                    {
                        "name": "background",
                        "data": [float(v) for v in bkg],
                        "modifiers": [
                            {
                                "name": "uncorr_bkguncrt",
                                "type": "shapesys",
                                "data": [float(v) for v in bkg_uncertainty],
                            }
                        ],
                    },
                ],
            }
        ],
        "observations": [
            {"name": "singlechannel", "data": [float(s + b) for s, b in zip(signal, bkg)][:n]}
        ],
        "measurements": [{"name": "Measurement", "config": {"poi": "mu", "parameters": []}}],
        "version": "1.0.0",
    }


def uncorrelated_background(
    signal: Sequence[float], bkg: Sequence[float], bkg_uncertainty: Sequence[float]
) -> _core.Model:
    """pyhf's ``simplemodels.uncorrelated_background``: one channel, a signal
    with a free normalisation ``mu`` and a background with a per-bin
    ``shapesys`` uncertainty. Observed data are ``signal + bkg``.

    >>> import nextstat
    >>> m = nextstat.simplemodels.uncorrelated_background([12.0, 11.0], [50.0, 52.0], [3.0, 7.0])
    >>> m.par_order
    ['mu', 'uncorr_bkguncrt']
    """
    import json

    spec = uncorrelated_background_spec(signal, bkg, bkg_uncertainty)
    return _core.Model.from_json(json.dumps(spec), source_name="<simplemodels>")


def correlated_background(
    signal: Sequence[float],
    bkg: Sequence[float],
    bkg_up: Sequence[float],
    bkg_down: Sequence[float],
) -> _core.Model:
    """pyhf's ``simplemodels.correlated_background``: a background with one
    ``histosys`` nuisance parameter ``correlated_bkg_uncertainty``.

    >>> import nextstat
    >>> m = nextstat.simplemodels.correlated_background([12.0], [50.0], [55.0], [45.0])
    >>> m.par_names
    ['correlated_bkg_uncertainty', 'mu']
    """
    import json

    spec = {
        "channels": [
            {
                "name": "single_channel",
                "samples": [
                    {
                        "name": "signal",
                        "data": [float(v) for v in signal],
                        "modifiers": [{"name": "mu", "type": "normfactor", "data": None}],
                    },
                    {
                        "name": "background",
                        "data": [float(v) for v in bkg],
                        "modifiers": [
                            {
                                "name": "correlated_bkg_uncertainty",
                                "type": "histosys",
                                "data": {
                                    "hi_data": [float(v) for v in bkg_up],
                                    "lo_data": [float(v) for v in bkg_down],
                                },
                            }
                        ],
                    },
                ],
            }
        ],
        "observations": [
            {"name": "single_channel", "data": [float(s + b) for s, b in zip(signal, bkg)]}
        ],
        "measurements": [{"name": "Measurement", "config": {"poi": "mu", "parameters": []}}],
        "version": "1.0.0",
    }
    return _core.Model.from_json(json.dumps(spec), source_name="<simplemodels>")
