"""NextStat: pyhf-compatible HistFactory statistics in Rust, with a pyhf-style API.

Everything numerical runs in Rust (``nextstat._core``) with the GIL released
for long calls; this package converts arguments, maps errors to the
exceptions of :mod:`nextstat.exceptions`, and draws plots (:mod:`nextstat.viz`,
needs matplotlib).

>>> import nextstat
>>> m = nextstat.simplemodels.uncorrelated_background([5.0, 10.0], [50.0, 60.0], [5.0, 12.0])
>>> r = nextstat.fit(m)
>>> round(float(r.bestfit[m.poi_index]), 3)
1.0
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from . import _core, exceptions, glm, simplemodels
from ._core import (
    FitResult,
    HypotestResult,
    Model,
    RankingResult,
    ScanResult,
    SignificanceResult,
    ToyHypotestResult,
    UpperLimitResult,
    fit,
    fit_fixed_poi,
    hypotest,
    ranking,
    scan,
    significance,
    upper_limit,
)
from ._spec import Spec, interp_codes, load
from .exceptions import (
    FailedMinimization,
    InvalidArgument,
    InvalidInterpCode,
    InvalidMeasurement,
    InvalidModel,
    InvalidPdfData,
    InvalidPdfParameters,
    InvalidSpecification,
    InvalidWorkspaceFile,
    NextStatError,
    PerfectSeparationError,
    RankDeficientDesign,
)

__version__: str = _core.__version__


class Workspace:
    """A parsed pyhf workspace (pyhf's ``Workspace``).

    ``spec`` is a dict (including a ``pyhf.Workspace``), JSON text, or a path.

    >>> import nextstat
    >>> spec = nextstat.simplemodels.uncorrelated_background_spec([5.0], [50.0], [5.0])
    >>> ws = nextstat.Workspace(spec)
    >>> ws.measurement_names, ws.channels
    (['Measurement'], ['singlechannel'])
    >>> ws.model().par_names
    ['mu', 'uncorr_bkguncrt[0]']
    """

    def __init__(self, spec: Spec):
        self._ws = load(spec)

    @property
    def measurement_names(self) -> list[str]:
        return self._ws.measurement_names

    @property
    def channels(self) -> list[str]:
        return self._ws.channels

    @property
    def samples(self) -> list[str]:
        return self._ws.samples

    def model(
        self,
        measurement_name: str | None = None,
        modifier_settings: Mapping[str, Any] | None = None,
    ) -> Model:
        """Compile the model of a measurement (default: the first)."""
        normsys, histosys = interp_codes(modifier_settings)
        return self._ws.model(measurement_name, normsys, histosys)

    def data(self, model: Model, include_auxdata: bool = True):
        """Observed data for ``model`` (main bins, then aux data)."""
        d = model.data
        return d if include_auxdata else d[: model.n_main]

    def __repr__(self) -> str:
        return (
            f"<nextstat.Workspace {self._ws.source_name} channels={len(self.channels)} "
            f"measurements={self.measurement_names}>"
        )


def from_pyhf(
    spec: Spec,
    measurement: str | None = None,
    modifier_settings: Mapping[str, Any] | None = None,
) -> Model:
    """Build a :class:`Model` from a pyhf workspace.

    ``spec``: a dict (or ``pyhf.Workspace``), JSON text, or a path
    (``str``/``os.PathLike``) to a workspace file. ``measurement``: name of
    the measurement (default: the first). ``modifier_settings``: pyhf's dict,
    e.g. ``{"normsys": {"interpcode": "code1"}, "histosys": {"interpcode": "code0"}}``
    (default: pyhf 0.7's code4 / code4p).

    >>> import nextstat
    >>> spec = nextstat.simplemodels.uncorrelated_background_spec([5.0], [50.0], [5.0])
    >>> nextstat.from_pyhf(spec).n_params
    2
    >>> nextstat.from_pyhf({"channels": []})
    Traceback (most recent call last):
    ...
    nextstat.exceptions.InvalidSpecification: <dict>: invalid workspace at (document): missing field `observations` at line 1 column 16
    """
    normsys, histosys = interp_codes(modifier_settings)
    if isinstance(spec, (str, os.PathLike)) and not (
        isinstance(spec, str) and spec.lstrip().startswith("{")
    ):
        return Model.from_path(os.fspath(spec), measurement, normsys, histosys)
    return load(spec).model(measurement, normsys, histosys)


__all__ = [
    "Workspace",
    "Model",
    "FitResult",
    "from_pyhf",
    "fit",
    "fit_fixed_poi",
    "hypotest",
    "upper_limit",
    "significance",
    "scan",
    "ranking",
    "HypotestResult",
    "ToyHypotestResult",
    "UpperLimitResult",
    "SignificanceResult",
    "ScanResult",
    "RankingResult",
    "simplemodels",
    "glm",
    "exceptions",
    "NextStatError",
    "InvalidSpecification",
    "InvalidWorkspaceFile",
    "InvalidModel",
    "InvalidInterpCode",
    "InvalidMeasurement",
    "InvalidPdfParameters",
    "InvalidPdfData",
    "InvalidArgument",
    "FailedMinimization",
    "PerfectSeparationError",
    "RankDeficientDesign",
]
