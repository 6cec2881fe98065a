"""Writing results when the disk may fill up: whole records or nothing.

A results file is read back by ``--resume``; a record cut off by a full disk
(``ENOSPC``), a quota (``EDQUOT``) or a file-size limit (``EFBIG``) would be a
malformed line or a malformed JSON file. So :func:`append_line` truncates the
file back to its last complete record when a write fails, and
:func:`write_atomic` writes a whole file beside its destination and renames it
over it only once complete (``os.replace`` is atomic on POSIX). Either way the
``OSError`` propagates, and :func:`is_out_of_space` tells the command to say so
in one line.
"""

from __future__ import annotations

import contextlib
import errno
import os
from pathlib import Path

__all__ = ["OUT_OF_SPACE", "append_line", "is_out_of_space", "write_atomic"]

#: ``errno`` values of a write refused for lack of space: a full device, a
#: quota, a file-size limit (``ulimit -f``, with ``SIGXFSZ`` ignored).
OUT_OF_SPACE = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


def is_out_of_space(exc: BaseException) -> bool:
    """Whether ``exc`` is an ``OSError`` for lack of space (see :data:`OUT_OF_SPACE`)."""
    return isinstance(exc, OSError) and exc.errno in OUT_OF_SPACE


def append_line(path: str | os.PathLike[str], line: str) -> None:
    """Append ``line`` (without its newline) and a newline to ``path``, synced.

    On a failed write the file is truncated to its size before the call, so it
    ends with its last complete record; the ``OSError`` propagates (with
    ``filename`` set to ``path``).
    """
    p = Path(path)
    data = (line + "\n").encode("utf-8")
    fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o666)
    try:
        size = os.fstat(fd).st_size
        try:
            view = memoryview(data)
            while view:  # os.write may write part of the data
                n = os.write(fd, view)
                view = view[n:]
            os.fsync(fd)
        except OSError as exc:
            with contextlib.suppress(OSError):  # shrinking needs no space
                os.ftruncate(fd, size)
            if exc.filename is None:
                exc.filename = str(p)
            raise
    finally:
        os.close(fd)


def write_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` whole or not at all (a temporary file, renamed).

    On failure the temporary file is removed and ``path`` is unchanged; the
    ``OSError`` propagates with ``filename`` set to ``path``.
    """
    p = Path(path)
    tmp = p.with_name(f".{p.name}.partial")
    try:
        with tmp.open("w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, p)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if exc.filename is None or str(exc.filename) == str(tmp):
            exc.filename = str(p)
        raise
