"""Exceptions raised by nextstat, named like pyhf's (``pyhf.exceptions``).

Every exception derives from :class:`NextStatError`, so ``except
nextstat.NextStatError`` catches them all. Messages carry the input name and
the location in it (JSON path, channel/sample/modifier).
"""

from __future__ import annotations

__all__ = [
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


class NextStatError(Exception):
    """Base class of every nextstat error."""


class InvalidSpecification(NextStatError, ValueError):
    """The workspace JSON is malformed, violates the pyhf schema, or is inconsistent."""


class InvalidWorkspaceFile(NextStatError, OSError):
    """The workspace file could not be read."""


class InvalidModel(NextStatError, ValueError):
    """A model option (measurement, interpolation code, ...) is invalid."""


class InvalidInterpCode(InvalidModel):
    """Unknown interpolation code in ``modifier_settings``."""


class InvalidMeasurement(InvalidModel):
    """The requested measurement does not exist in the workspace."""


class InvalidPdfParameters(NextStatError, ValueError):
    """A parameter vector (pars, init, bounds, fixed) has the wrong length or values."""


class InvalidPdfData(NextStatError, ValueError):
    """A dataset has the wrong length."""


class InvalidArgument(NextStatError, ValueError):
    """Any other invalid argument to an inference function."""


class FailedMinimization(NextStatError):
    """A fit did not converge. The :class:`FitResult` is attached as ``.result``."""

    def __init__(self, message: str, result=None):
        super().__init__(message)
        self.result = result


class PerfectSeparationError(NextStatError, ValueError):
    """A GLM's fitted values reproduce the response exactly (separation): the MLE does not exist."""


class RankDeficientDesign(NextStatError, ValueError):
    """Columns of a design matrix are linear combinations of earlier ones (named in the message)."""


class InvalidPatchSet(NextStatError, ValueError):
    """A patchset is malformed (schema, duplicate names or values, wrong number of values)."""


class InvalidPatchLookup(NextStatError, LookupError):
    """No patch of the patchset has this name or these values."""


class PatchSetVerificationError(NextStatError, ValueError):
    """The patchset's digests do not match the background-only workspace."""


class InvalidPatch(NextStatError, ValueError):
    """A JSON Patch operation cannot be applied (the message names its index and path)."""


class InvalidWorkspaceOperation(NextStatError, ValueError):
    """combine / prune / rename cannot be done (clashing names, unknown items, ...)."""
