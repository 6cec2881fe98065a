"""The process table of Linux (/proc), for the tests that look for leftover processes."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["alive", "descendants", "has_proc"]


def has_proc() -> bool:
    """Whether this system has a Linux ``/proc``."""
    return Path("/proc/self/stat").exists()


def stat(pid: int) -> tuple[int, str, int] | None:
    """``(parent pid, state, start time)`` of ``pid``, or ``None`` if it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()  # after "pid (comm) "
    return int(fields[1]), fields[0], int(fields[19])


def descendants(root: int) -> dict[int, int]:
    """Every live descendant of ``root``: pid -> start time (to rule out pid reuse)."""
    table = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (st := stat(int(entry))) is not None:
            table[int(entry)] = st
    out: dict[int, int] = {}
    frontier = [root]
    while frontier:
        parent = frontier.pop()
        for pid, (ppid, state, start) in table.items():
            if ppid == parent and state != "Z" and pid not in out:
                out[pid] = start
                frontier.append(pid)
    return out


def alive(pid: int, start: int) -> bool:
    st = stat(pid)
    # a zombie has exited (only its exit status is left for a parent to read)
    return st is not None and st[1] != "Z" and st[2] == start
