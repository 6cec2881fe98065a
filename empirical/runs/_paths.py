"""Output paths checked before any work: a results file, an output folder.

A run that computes for minutes and then fails to write its first record wastes
the user's time, so the commands check their output locations up front, by
*trying*: a folder is writable when a file can be created in it and removed
again (``os.access`` says yes to root even on a read-only file system, and
``/proc`` or ``/sys`` refuse a new file whatever the mode bits say).

:func:`move_aside` keeps an output folder consistent with one run: the files of
an earlier run are moved into a sibling folder, never deleted.
"""

from __future__ import annotations

import datetime
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from bounds import InvalidParameterError
from bounds.internal import check_output_path

__all__ = ["check_writable_dir", "check_writable_file", "move_aside"]


def _why(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def _nearest_existing(path: Path) -> Path:
    p = path.absolute()
    while not p.exists() and p != p.parent:
        p = p.parent
    return p


def _probe_dir(folder: Path, name: str, shown: str) -> None:
    """Create and remove a file in ``folder``, or raise naming ``name=shown``."""
    if not folder.is_dir():
        raise InvalidParameterError(
            f"{name}={shown!r} must be a folder or a new path; "
            f"{str(folder)!r} is not a folder"
        )
    try:
        fd, probe = tempfile.mkstemp(prefix=".asyncstab-probe-", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise InvalidParameterError(
            f"{name}={shown!r} is not writable: cannot create a file in "
            f"{str(folder)!r} ({_why(exc)})"
        ) from exc


def check_writable_dir(path: str | os.PathLike[str], name: str) -> Path:
    """Return ``path`` as a :class:`Path`; raise unless it is (or can be) a writable folder.

    Nothing is created: a missing folder is checked through its nearest existing
    ancestor.

    Raises:
        InvalidParameterError: ``path`` is refused by
            :func:`~bounds.internal.check_output_path` (no name of its own, a
            symlink loop, a name too long), is an existing file, or neither it
            nor its nearest existing ancestor accepts a new file (read-only or
            virtual file system, missing permission).
    """
    p = Path(path)
    shown = str(path)
    check_output_path(path, name, folder=True)  # name, loops, lengths, parts
    if p.exists() and not p.is_dir():
        raise InvalidParameterError(
            f"{name}={shown!r} is an existing file; it must be a folder (or a new path)"
        )
    _probe_dir(_nearest_existing(p), name, shown)
    return p


def check_writable_file(path: str | os.PathLike[str], name: str) -> Path:
    """Return ``path`` as a :class:`Path`; raise unless it can be appended to.

    An existing file is opened for appending (and closed, unchanged); a new file's
    folder is probed as in :func:`check_writable_dir`. Nothing is created.

    Raises:
        InvalidParameterError: ``path`` is a folder, a special file, or cannot be
            written (permission, read-only or virtual file system).
    """
    p = Path(path)
    shown = str(path)
    check_output_path(path, name, folder=False)  # name, loops, lengths, parts
    if p.is_dir():
        raise InvalidParameterError(f"{name}={shown!r} is a folder; it must be a file")
    if p.exists():
        if not p.is_file():
            raise InvalidParameterError(
                f"{name}={shown!r} must be a regular file (it is a special file)"
            )
        try:
            with p.open("ab"):
                pass
        except OSError as exc:
            raise InvalidParameterError(
                f"{name}={shown!r} is not writable ({_why(exc)})"
            ) from exc
        return p
    _probe_dir(_nearest_existing(p.parent), name, shown)
    return p


def move_aside(folder: Path, names: Iterable[str]) -> Path | None:
    """Move the files ``names`` of ``folder`` into a new sibling folder; return it.

    The sibling is ``<folder>.previous-<UTC time>`` (a counter is added if that
    exists). Returns ``None`` (and creates nothing) when none of the files exist.
    """
    present = [folder / n for n in names if (folder / n).exists()]
    if not present:
        return None
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    dest = folder.with_name(f"{folder.name}.previous-{stamp}")
    k = 1
    while dest.exists():
        k += 1
        dest = folder.with_name(f"{folder.name}.previous-{stamp}-{k}")
    dest.mkdir(parents=True)
    for p in present:
        os.replace(p, dest / p.name)
    return dest
