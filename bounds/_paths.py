"""An output path typed by the user, checked once, resolved, before any work.

Every command that writes (``compare --plot``; ``verify``, ``reproduce``, ``ps``
``--output``; ``sweep --results``) calls :func:`check_output_path` first, so one
path gives one refusal everywhere, in one line naming the option:

* an empty name: ``''``, or a path whose last part is ``.`` or ``..`` or the
  root (an output needs a name of its own: a run folder is moved aside under it);
* a symbolic-link loop (``ELOOP``);
* a name or path too long for the file system (``ENAMETOOLONG``, measured
  against ``NAME_MAX`` and ``PATH_MAX`` of the nearest existing folder);
* a part of the path that is a file, not a folder (``ENOTDIR``).

Whether the place is writable is the caller's question (it tries, see
``empirical.runs._paths``).
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from ._errors import InvalidParameterError

__all__ = ["MOVED_SUFFIX", "check_output_path"]

#: The longest suffix a run folder may get when an earlier run is moved aside:
#: ``<name>.previous-<UTC time>-<k>``.
MOVED_SUFFIX = len(".previous-20000101T000000Z-99")


def _limit(folder: Path, key: str, default: int) -> int:
    try:
        return int(os.pathconf(folder, key))
    except (OSError, ValueError):  # not answered on this file system
        return default


def _nearest_folder(path: Path) -> Path:
    """The nearest part of ``path`` (absolute) that exists."""
    p = path
    while p != p.parent:
        try:
            p.stat()
        except OSError:
            p = p.parent
            continue
        return p
    return p


def check_output_path(text: str | os.PathLike[str], name: str, *, folder: bool) -> Path:
    """Return ``text`` as a resolved absolute :class:`Path`, or refuse it by ``name``.

    Args:
        text: the path as typed.
        name: the option, as messages name it (``output``, ``results``, ``plot``).
        folder: the path names a folder that an earlier run may be moved aside
            from (its name leaves room for :data:`MOVED_SUFFIX`).

    Raises:
        InvalidParameterError: one line, ``name=text`` and the reason.

    Examples:
        >>> check_output_path("..", "output", folder=True)
        Traceback (most recent call last):
        ...
        bounds._errors.InvalidParameterError: output='..' has no name of its own (its last part is '..'); name a folder, e.g. 'results'
    """
    shown = os.fspath(text)
    what = "folder" if folder else "file"
    if shown == "":
        raise InvalidParameterError(f"{name}='' must name a {what}")
    if Path(shown).name in ("", ".", ".."):
        last = shown.rstrip("/").rsplit("/", 1)[-1] or "/"
        raise InvalidParameterError(
            f"{name}={shown!r} has no name of its own (its last part is {last!r}); "
            f"name a {what}, e.g. {'results' if folder else 'results.jsonl'!r}"
        )
    absolute = Path(os.path.abspath(shown))
    base = _nearest_folder(absolute)
    name_max = _limit(base, "PC_NAME_MAX", 255)
    path_max = _limit(base, "PC_PATH_MAX", 4096)
    parts = absolute.parts[1:]
    for i, part in enumerate(parts):
        room = MOVED_SUFFIX if folder and i == len(parts) - 1 else 0
        size = len(os.fsencode(part))
        if size + room > name_max:
            keep = f" (less {room} for '.previous-...' when a run is moved aside)"
            raise InvalidParameterError(
                f"{name}={shown!r} has a name of {size} bytes ({part[:12]!r}...); "
                f"this file system takes at most {name_max}{keep if room else ''}"
            )
    length = len(os.fsencode(str(absolute)))
    if length >= path_max:
        raise InvalidParameterError(
            f"{name}={shown!r} is {length} bytes long as an absolute path; this "
            f"file system takes fewer than {path_max}"
        )
    try:
        os.stat(absolute)
    except OSError as exc:
        _refuse(exc, name, shown, base)
    try:
        return absolute.resolve()
    except (OSError, RuntimeError) as exc:  # a loop met while resolving (3.11)
        raise InvalidParameterError(
            f"{name}={shown!r} cannot be resolved ({exc})"
        ) from None


def _refuse(exc: OSError, name: str, shown: str, base: Path) -> None:
    """Refuse ``shown`` for an ``os.stat`` error; a missing path is a new path."""
    if exc.errno == errno.ENOENT:
        return
    if exc.errno == errno.ENOTDIR:
        raise InvalidParameterError(
            f"{name}={shown!r} must be a folder or a new path; {str(base)!r} is "
            "not a folder (it is a file)"
        ) from None
    why = {
        errno.ELOOP: "is a loop of symbolic links (or passes through one)",
        errno.ENAMETOOLONG: "is a name too long for the file system",
    }.get(exc.errno or 0, f"cannot be reached ({exc.strerror})")
    raise InvalidParameterError(f"{name}={shown!r} {why}") from None
