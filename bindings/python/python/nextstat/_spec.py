"""Normalise the ways a pyhf workspace can be given (conversion only)."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from . import _core
from .exceptions import InvalidInterpCode, InvalidSpecification

Spec = Mapping[str, Any] | str | bytes | os.PathLike


def interp_codes(modifier_settings: Mapping[str, Any] | None) -> tuple[str | None, str | None]:
    """pyhf's ``modifier_settings`` -> (normsys code, histosys code).

    Accepts ``{"normsys": {"interpcode": "code4"}, "histosys": {"interpcode": "code4p"}}``
    and the shorthand ``{"normsys": "code1", "histosys": "code0"}``.
    """
    if modifier_settings is None:
        return None, None
    if not isinstance(modifier_settings, Mapping):
        raise InvalidInterpCode("modifier_settings must be a dict like pyhf's")
    out: dict[str, str | None] = {"normsys": None, "histosys": None}
    for key, val in modifier_settings.items():
        if key not in out:
            raise InvalidInterpCode(
                f"modifier_settings: unknown modifier type '{key}' (expected normsys, histosys)"
            )
        if isinstance(val, Mapping):
            val = val.get("interpcode")
        if not isinstance(val, str):
            raise InvalidInterpCode(f"modifier_settings['{key}']: expected an interpcode string")
        out[key] = val
    return out["normsys"], out["histosys"]


def load(spec: Spec) -> _core.Workspace:
    """Parse a workspace given as a dict (incl. ``pyhf.Workspace``), JSON text or a path."""
    if isinstance(spec, _core.Workspace):
        return spec
    if isinstance(spec, Mapping):
        try:
            text = json.dumps(spec)
        except (TypeError, ValueError) as e:
            raise InvalidSpecification(f"<dict>: not JSON-serialisable: {e}") from e
        return _core.Workspace.from_json(text, "<dict>")
    if isinstance(spec, bytes):
        spec = spec.decode()
    if isinstance(spec, str) and spec.lstrip().startswith("{"):
        return _core.Workspace.from_json(spec, "<string>")
    if isinstance(spec, (str, os.PathLike)):
        return _core.Workspace.from_path(os.fspath(spec))
    raise InvalidSpecification(
        f"expected a dict, JSON text or a path, got {type(spec).__name__}"
    )
