"""One-line messages for a run that failed part-way: lost grid points, a full disk.

Both end a run with exit status 1 (a runtime failure, not a usage error), and
both say what is kept and how to continue.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

__all__ = ["grid_labels", "lost_message", "space_message"]


def grid_labels(lost: Sequence[Any], tasks: Sequence[Any]) -> list[str]:
    """Each lost sweep task by the grid axes that tell the tasks apart
    (``"max_delay=8 step_size=0.5"``); by its id when only one task ran."""
    dicts = [t.to_dict() for t in tasks]
    axes = [k for k in dicts[0] if k != "tag" and len({repr(d[k]) for d in dicts}) > 1]
    if not axes:
        return [f"task {t.task_id}" for t in lost]
    return [" ".join(f"{k}={t.to_dict()[k]!r}" for k in axes) for t in lost]


def lost_message(exc: Any, args: argparse.Namespace) -> str:
    """One line: which grid points were lost, why, and what to do."""
    labels = getattr(exc, "labels", None) or [
        getattr(t, "stem", None) or str(t) for t in exc.tasks
    ]
    where = getattr(args, "results", None) or getattr(args, "output", None) or "."
    return (
        f"{len(labels)} grid point(s) lost after {exc.retries} retries each "
        f"({exc.reason}): {'; '.join(labels)}; every other result is in "
        f"{str(where)!r}: rerun with --resume to complete them (--max-retries "
        "sets the retries)"
    )


def space_message(exc: OSError, args: argparse.Namespace) -> str:
    """One line: the file that did not fit, and how to continue."""
    what = f" writing {str(exc.filename)!r}" if exc.filename else ""
    message = f"out of space{what} ({exc.strerror or 'no space left'})"
    if args.command in ("verify", "sweep", "reproduce"):
        return (
            f"{message}: every complete result is kept; free some space, then "
            "rerun the same command with --resume"
        )
    return f"{message}: free some space, then rerun the command"
