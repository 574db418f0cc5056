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

import json
import os
from collections.abc import Mapping, Sequence
from typing import Any

from . import _core, exceptions, glm, simplemodels
from ._core import (
    FitResult,
    GofResult,
    HypotestResult,
    Model,
    RankingResult,
    ScanResult,
    SignificanceResult,
    ToyHypotestResult,
    UpperLimitResult,
    fit,
    fit_fixed_poi,
    gof,
    hypotest,
    ranking,
    scan,
    significance,
    upper_limit,
)
from ._patchset import Patch, PatchSet, doc_text
from ._spec import Spec, interp_codes, load
from .exceptions import (
    FailedMinimization,
    InvalidArgument,
    InvalidPatch,
    InvalidPatchLookup,
    InvalidPatchSet,
    InvalidWorkspaceOperation,
    PatchSetVerificationError,
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
        self._spec = spec
        self._ws = load(spec)

    def _json(self) -> str:
        """The workspace document as JSON text (for the operations below)."""
        if isinstance(self._spec, _core.Workspace):
            raise InvalidSpecification(
                "a Workspace built from a compiled _core.Workspace has no document"
            )
        return doc_text(self._spec)[0]

    @property
    def spec(self) -> dict[str, Any]:
        """The workspace document as a dict (``pyhf.Workspace(ws.spec)`` works)."""
        return json.loads(self._json())

    @property
    def source_name(self) -> str:
        return self._ws.source_name

    def patch(self, patch: Any, key: str | Sequence[Any] | None = None) -> Workspace:
        """Apply a JSON Patch (a list of operations, or its file), or the
        patch ``key`` (name or values) of a :class:`PatchSet` (digests checked).

        >>> import nextstat
        >>> spec = nextstat.simplemodels.uncorrelated_background_spec([5.0], [50.0], [5.0])
        >>> ws = nextstat.Workspace(spec)
        >>> ws.patch([{"op": "replace", "path": "/channels/0/name", "value": "SR"}]).channels
        ['SR']
        """
        if isinstance(patch, PatchSet):
            if key is None:
                raise InvalidPatchLookup(
                    "a patchset needs a key: one of " + ", ".join(p.name for p in patch)
                )
            return patch.apply(self, key)
        if isinstance(patch, Patch):
            return patch.apply(self)
        if isinstance(patch, (list, tuple)):
            text = json.dumps(list(patch))
        else:
            text, _ = doc_text(patch, "patch")
        return Workspace(_core._apply_json_patch(self._json(), text))

    @classmethod
    def combine(
        cls, left: Workspace, right: Workspace, join: str = "none", merge_channels: bool = False
    ) -> Workspace:
        """pyhf's ``Workspace.combine``: join ``none``, ``outer``,
        ``left outer`` or ``right outer``."""
        def text(w: Any) -> str:
            return (w if isinstance(w, Workspace) else Workspace(w))._json()

        return cls(_core._workspace_combine(text(left), text(right), join, merge_channels))

    def prune(
        self,
        modifiers: Sequence[str] = (),
        modifier_types: Sequence[str] = (),
        samples: Sequence[str] = (),
        channels: Sequence[str] = (),
        measurements: Sequence[str] = (),
    ) -> Workspace:
        """pyhf's ``Workspace.prune``."""
        prune = {
            "modifiers": list(modifiers),
            "modifier_types": list(modifier_types),
            "samples": list(samples),
            "channels": list(channels),
            "measurements": list(measurements),
        }
        return Workspace(_core._workspace_prune_rename(self._json(), prune, {}))

    def rename(
        self,
        modifiers: Mapping[str, str] | None = None,
        samples: Mapping[str, str] | None = None,
        channels: Mapping[str, str] | None = None,
        measurements: Mapping[str, str] | None = None,
    ) -> Workspace:
        """pyhf's ``Workspace.rename`` (``{old: new}`` per kind)."""
        rename = {
            "modifiers": dict(modifiers or {}),
            "samples": dict(samples or {}),
            "channels": dict(channels or {}),
            "measurements": dict(measurements or {}),
        }
        return Workspace(_core._workspace_prune_rename(self._json(), {}, rename))

    def sorted(self) -> Workspace:
        """pyhf's ``Workspace.sorted``: items sorted by name."""
        return Workspace(_core._workspace_sorted(self._json()))

    def digest(self, algorithm: str = "sha256") -> str:
        """pyhf's ``utils.digest(workspace, algorithm)`` (sha256 or md5)."""
        return _core._digest(self._json(), algorithm)

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
    "PatchSet",
    "Patch",
    "Model",
    "FitResult",
    "from_pyhf",
    "fit",
    "fit_fixed_poi",
    "gof",
    "GofResult",
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
    "InvalidPatchSet",
    "InvalidPatchLookup",
    "PatchSetVerificationError",
    "InvalidPatch",
    "InvalidWorkspaceOperation",
]
