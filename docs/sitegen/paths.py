"""Where things are, and a small content-addressed cache for slow build steps.

The expensive steps of a build (executing the walkthroughs, running
``asyncstab verify --quick``) are cached under ``.cache/asyncstab-docs/``, keyed on
their inputs and on a digest of every source file that could change their
output, so that ``mkdocs serve`` rebuilds in seconds while a change to the code
or a notebook still reruns them. A fresh clone (CI) has no cache and runs all.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from pathlib import Path

#: The repository root (``docs/sitegen/`` is two levels below it).
ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
NOTEBOOKS = ROOT / "notebooks"
README = ROOT / "README.md"
CACHE = ROOT / ".cache" / "asyncstab-docs"

#: Files whose change invalidates every cached run.
_SOURCE_GLOBS = (
    "bounds/**/*.py",
    "empirical/**/*.py",
    "notebooks/*.ipynb",
    "pyproject.toml",
)


def source_digest() -> str:
    """SHA-256 over the paths and contents of the package sources and notebooks."""
    h = hashlib.sha256()
    for pattern in _SOURCE_GLOBS:
        for path in sorted(ROOT.glob(pattern)):
            h.update(str(path.relative_to(ROOT)).encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def cached_dir(name: str, key: str, produce: Callable[[Path], None]) -> Path:
    """A folder filled once by ``produce(folder)`` per (``name``, ``key``, sources).

    ``produce`` writes into a fresh temporary folder that is renamed into place
    only when it returns, so an interrupted or failed step leaves no cache entry.
    """
    digest = hashlib.sha256(f"{key}\n{source_digest()}".encode()).hexdigest()[:16]
    final = CACHE / f"{name}-{digest}"
    if final.is_dir():
        return final
    tmp = CACHE / f".{name}-{digest}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        produce(tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    for old in CACHE.glob(f"{name}-*"):  # keep one entry per name
        shutil.rmtree(old, ignore_errors=True)
    tmp.rename(final)
    return final
