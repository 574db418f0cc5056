"""pyhf patchsets (``nextstat.PatchSet``): conversion around the Rust core.

A patchset (the HEPData layout: a background-only workspace plus one JSON
Patch per signal point) is read, checked and applied in Rust; this module
turns dicts, JSON text and paths into JSON text and back.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from typing import Any

from . import _core
from .exceptions import InvalidPatchLookup, InvalidPatchSet, InvalidSpecification

Doc = Mapping[str, Any] | str | bytes | os.PathLike


def doc_text(doc: Any, what: str = "workspace") -> tuple[str, str]:
    """(JSON text, source name) of a dict, JSON text, path or object with
    a ``_json()`` method (``nextstat.Workspace``)."""
    if hasattr(doc, "_json"):
        return doc._json(), getattr(doc, "source_name", "<workspace>")
    if isinstance(doc, Mapping):
        try:
            return json.dumps(doc), "<dict>"
        except (TypeError, ValueError) as e:
            raise InvalidSpecification(f"<dict>: not JSON-serialisable: {e}") from e
    if isinstance(doc, bytes):
        doc = doc.decode()
    if isinstance(doc, str) and doc.lstrip()[:1] in ("{", "["):
        return doc, "<string>"
    if isinstance(doc, (str, os.PathLike)):
        path = os.fspath(doc)
        try:
            with open(path, encoding="utf-8") as f:
                return f.read(), path
        except OSError as e:
            from .exceptions import InvalidWorkspaceFile

            raise InvalidWorkspaceFile(f"{path}: cannot read: {e}") from e
    raise InvalidSpecification(
        f"{what}: expected a dict, JSON text or a path, got {type(doc).__name__}"
    )


class Patch:
    """One patch of a patchset (pyhf's ``Patch``): ``name``, ``values``,
    ``metadata`` and the RFC 6902 operations ``patch``."""

    def __init__(self, metadata: dict[str, Any], patch: list[dict[str, Any]]):
        self.metadata = metadata
        self.patch = patch

    @property
    def name(self) -> str:
        return self.metadata["name"]

    @property
    def values(self) -> tuple[Any, ...]:
        """The point in the signal grid (a tuple, as pyhf's)."""
        return tuple(self.metadata["values"])

    def apply(self, workspace: Any):
        """Apply this patch (no digest check) -> :class:`nextstat.Workspace`."""
        from . import Workspace

        text, _ = doc_text(workspace)
        return Workspace(_core._apply_json_patch(text, json.dumps(self.patch)))

    def __repr__(self) -> str:
        return f"<nextstat.Patch {self.name} values={self.values}>"


class PatchSet:
    """A pyhf patchset (pyhf's ``PatchSet``), from a dict, JSON text or a path.

    >>> import nextstat
    >>> ps = nextstat.PatchSet("tests/fixtures/patchset/grid_patchset.json")
    >>> len(ps), ps.labels, ps.patches[0].name, ps.patches[0].values
    (6, ['m1', 'm2'], 'sig_300_50', (300, 50))
    >>> ws = ps.apply("tests/fixtures/patchset/grid_bkgonly.json", [300, 50])
    >>> ws.samples
    ['bkg', 'signal']
    """

    def __init__(self, spec: Doc):
        text, source = doc_text(spec, "patchset")
        self._ps = _core.PatchSet.from_json(text, source)
        self.metadata: dict[str, Any] = json.loads(self._ps.metadata_json())
        self.patches: list[Patch] = [
            Patch(p["metadata"], p["patch"]) for p in json.loads(self._ps.patches_json())
        ]

    @property
    def version(self) -> str:
        return self._ps.version

    @property
    def description(self) -> str:
        return self.metadata["description"]

    @property
    def digests(self) -> dict[str, str]:
        return self.metadata["digests"]

    @property
    def labels(self) -> list[str]:
        return self.metadata["labels"]

    @property
    def references(self) -> dict[str, Any]:
        return self.metadata["references"]

    def __len__(self) -> int:
        return len(self.patches)

    def __iter__(self):
        return iter(self.patches)

    def __getitem__(self, key: str | Sequence[Any]) -> Patch:
        """A patch by name or by values (``ps["sig_300_50"]``, ``ps[300, 50]``)."""
        for p in self.patches:
            if (isinstance(key, str) and p.name == key) or (
                not isinstance(key, str) and _same_values(p.values, key)
            ):
                return p
        raise InvalidPatchLookup(
            f"no patch associated with {key!r} is defined in the patchset "
            f"(available: {', '.join(p.name for p in self.patches)})"
        )

    def verify(self, workspace: Any) -> None:
        """Check the recorded digests against the background-only workspace;
        raises :class:`~nextstat.exceptions.PatchSetVerificationError`."""
        self._ps.verify(doc_text(workspace)[0])

    def apply(self, workspace: Any, key: str | Sequence[Any]):
        """Verify the digests, then apply the patch named ``key`` or at the
        values ``key`` -> :class:`nextstat.Workspace` (as pyhf's
        ``PatchSet.apply``)."""
        from . import Workspace

        text, _ = doc_text(workspace)
        if isinstance(key, str):
            out = self._ps.apply(text, name=key)
        elif isinstance(key, Sequence):
            out = self._ps.apply(text, values_json=json.dumps(list(key)))
        else:
            raise InvalidPatchLookup(f"a patch name or a sequence of values, not {key!r}")
        return Workspace(out)

    def __repr__(self) -> str:
        return f"<nextstat.PatchSet {len(self)} patches labels={self.labels}>"


def _same_values(a: Sequence[Any], b: Sequence[Any]) -> bool:
    try:
        return len(a) == len(b) and all(x == y for x, y in zip(a, b))
    except TypeError:
        return False


__all__ = ["Patch", "PatchSet", "InvalidPatchSet"]
