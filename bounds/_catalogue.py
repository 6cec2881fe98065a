"""The registry as the command line reads it: names, texts and compiled closed
forms, cached on disk so that ``asyncstab list``, ``show`` and ``bound`` load no
sympy.

Building the registry takes about a second (sympy, then every expression); its
printed texts and compiled forms (``_catalogue_build.py``) depend only on the
source of :mod:`bounds` and on sympy's printers. They are written once to
``catalogue-<hash>.json`` in the user's cache folder, the hash taken over the
source files of :mod:`bounds`, sympy's version file and Python's version, so a
changed registry is never read stale. The folder is ``$ASYNCSTAB_CACHE_DIR``
when set, else the platform's cache folder (``$XDG_CACHE_HOME/asyncstab`` or
``~/.cache/asyncstab`` on Linux). A missing, unreadable or unwritable cache is
no error: the catalogue is then built in memory, as on first use.

The file holds Python source that is executed (the compiled forms, as
``lambdify`` executes its own): it is read only from the user's own cache folder.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.util
import json
import os
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._assumption import Assumption
from ._compiled import CompiledForms
from ._quantity import Quantity
from ._reference import Reference

if TYPE_CHECKING:
    from ._parameters import BoundValue

__all__ = ["Catalogue", "Entry", "cache_dir", "catalogue"]

#: Version of the file's layout; part of the hash.
FORMAT = 1


@dataclass(frozen=True)
class Entry:
    """One theorem as the catalogue holds it: enough to validate arguments and
    evaluate the closed form (see :class:`bounds._theorem_like.Evaluable`), and
    its printed texts; no sympy expression."""

    key: str
    registry_key: str
    quantity: Quantity
    assumptions: frozenset[Assumption]
    reference: Reference
    parameters: tuple[str, ...]
    accepted: tuple[str, ...]
    optional: tuple[str, ...]
    options: tuple[str, ...]
    step_parameter: str
    label: str
    is_reconstruction: bool
    compiled: CompiledForms
    texts: Mapping[str, Any] = field(compare=False)

    def compute(self, **params: Any) -> BoundValue:
        """The closed form at one point, as :meth:`bounds.Theorem.compute`."""
        from ._closed_form import compute

        return compute(self, params)

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> Entry:
        """An entry of the catalogue document (``_catalogue_build.py``)."""
        return cls(
            key=doc["key"],
            registry_key=doc["registry_key"],
            quantity=Quantity[doc["quantity"]],
            assumptions=frozenset(Assumption[a] for a in doc["assumptions"]),
            reference=Reference(**doc["reference"]),
            parameters=tuple(doc["parameters"]),
            accepted=tuple(doc["accepted"]),
            optional=tuple(doc["optional"]),
            options=tuple(doc["options"]),
            step_parameter=doc["step_parameter"],
            label=doc["label"],
            is_reconstruction=bool(doc["is_reconstruction"]),
            compiled=CompiledForms.from_dict(doc["compiled"]),
            texts={k: doc[k] for k in ("statement", "latex", "bibtex", "json")},
        )


@dataclass(frozen=True)
class Catalogue:
    """The registry's entries, rate-only texts, ``list`` rows and loss families."""

    entries: dict[str, Entry]
    rates: dict[str, dict[str, Any]]
    list_rows: list[dict[str, Any]]
    loss_families: tuple[str, ...]

    def get(self, key: str) -> Entry:
        """The entry of a key (``"delayed-cvx"``) or registry key (``"[D-cvx]"``).

        Raises:
            InvalidParameterError: as :func:`bounds.get_theorem` (which is then
                asked, so that an unknown or rate-only key is refused with the
                registry's own message).
        """
        for e in self.entries.values():
            if key in (e.key, e.registry_key, e.registry_key.strip("[]")):
                return e
        from ._registry import get_theorem

        get_theorem(key)  # raises
        raise AssertionError(f"{key!r} is in the registry but not the catalogue")


def cache_dir() -> Path:
    """Where the catalogue is cached (see the module's docstring)."""
    env = os.environ.get("ASYNCSTAB_CACHE_DIR")
    if env:
        return Path(env)
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = str(Path.home() / "Library" / "Caches")
    else:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "asyncstab"


def version_hash() -> str:
    """Hash of what the catalogue depends on: the source of :mod:`bounds`,
    sympy's version file, Python's version and :data:`FORMAT`."""
    h = hashlib.sha256(f"{FORMAT} {sys.version_info[:3]}".encode())
    for path in sorted(Path(__file__).parent.glob("*.py")):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    spec = importlib.util.find_spec("sympy")
    if spec is not None and spec.origin is not None:
        with contextlib.suppress(OSError):
            h.update((Path(spec.origin).parent / "release.py").read_bytes())
    return h.hexdigest()[:20]


def _read(path: Path, stamp: str) -> dict[str, Any] | None:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or doc.get("version") != stamp:
        return None
    return doc


def _write(path: Path, doc: dict[str, Any]) -> None:
    """Write atomically (two processes may write at once); give up quietly."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".catalogue-", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(doc, f)
            os.replace(tmp, path)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    except OSError:
        pass  # a read-only home: the catalogue is built again next time


def _parse(doc: dict[str, Any]) -> Catalogue:
    entries = [Entry.from_dict(d) for d in doc["theorems"]]
    return Catalogue(
        entries={e.key: e for e in entries},
        rates={r["key"]: r for r in doc["rates"]},
        list_rows=list(doc["list_rows"]),
        loss_families=tuple(doc["loss_families"]),
    )


@functools.cache
def catalogue() -> Catalogue:
    """The catalogue: read from the cache, or built (and cached) on first use."""
    stamp = version_hash()
    path = cache_dir() / f"catalogue-{stamp}.json"
    doc = _read(path, stamp)
    if doc is not None:
        try:
            return _parse(doc)
        except (KeyError, TypeError, ValueError):
            pass  # written by hand or damaged: built again below
    from ._catalogue_build import build

    doc = {"version": stamp, **build()}
    _write(path, doc)
    return _parse(doc)
