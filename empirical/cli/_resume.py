"""``--resume`` continues the same run only: refused, by name, on results of another.

``verify`` and ``reproduce`` record their settings in the run folder
(:mod:`empirical.runs._run_settings`); ``sweep``'s results file holds records
whose config names every setting, so a resumed sweep may extend its grid (a
superset of the points in the file) but not change a setting of the points
already there (say ``--n-pairs``): those records would be mixed with this
grid's.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from bounds import InvalidParameterError

__all__ = ["check_sweep_resume", "check_verify_resume"]


def check_sweep_resume(results: str | os.PathLike[str], tasks: Sequence[Any]) -> None:
    """Refuse ``sweep --resume`` when ``results`` holds records that are not
    points of this grid, naming the settings whose values differ.

    Raises:
        InvalidParameterError: one line, with each differing setting's values
            in the file and in this grid.
    """
    from empirical.runs._sweep import load_results

    ids = {t.task_id for t in tasks}
    foreign = [r for tid, r in load_results(results).items() if tid not in ids]
    if not foreign:
        return
    grid: dict[str, set[str]] = {}
    for t in tasks:
        for k, v in t.to_dict().items():
            grid.setdefault(k, set()).add(repr(v))
    differ = []
    for k in sorted(grid):
        if k == "tag":
            continue
        there = {repr(r.get("config", {}).get(k)) for r in foreign} - grid[k]
        if there:
            differ.append(
                f"{k}={', '.join(sorted(there))} there, "
                f"{', '.join(sorted(grid[k]))} now ({_SWEEP_FLAGS.get(k, '--grid')})"
            )
    what = "; ".join(differ) or "other settings"
    raise InvalidParameterError(
        f"resume: results={str(results)!r} holds {len(foreign)} record(s) that "
        f"are not points of this grid ({what}); give the options it was started "
        "with (a grid may grow, its settings may not change), or another "
        "--results file"
    )


#: The option that sets each field of a sweep's tasks (for messages); the other
#: fields (radius, protocol, batch_size, ...) are set by ``--grid`` only, which
#: sets these too.
_SWEEP_FLAGS = {
    "loss": "--loss",
    "dataset": "--dataset",
    "n_samples": "--n-samples",
    "n_steps": "--n-steps",
    "max_delay": "--max-delay",
    "delay": "--delay",
    "step_size": "--step-size",
    "schedule": "--schedule",
    "diameter": "--diameter",
    "theorems": "--theorems",
    "n_pairs": "--n-pairs",
    "seed": "--seed",
}


#: The option that sets each recorded setting of ``verify`` (for messages).
_VERIFY_FLAGS = {
    "quick": "--quick / --full",
    "seed": "--seed",
    "n_pairs": "--n-pairs",
    "max_delays": "--max-delays",
    "theorems": "--theorems",
    "losses": "--losses",
    "datasets": "--datasets",
    "delays_from": "--delays-from",
    "worst_case": "--worst-case / --no-worst-case",
}


def check_verify_resume(out: Any, settings: dict[str, Any], tasks: Any) -> None:
    """Refuse ``verify --resume`` on a folder of another run (before any work).

    With recorded settings, they must be equal; without (a folder written
    before settings were recorded), every record of ``results.jsonl`` must be a
    setting of this suite.
    """
    from empirical.runs._run_settings import check_resume
    from empirical.runs._sweep import load_results

    if check_resume(out, settings, flags=_VERIFY_FLAGS):
        return
    ids = {t.task_id for t in tasks}
    other = [tid for tid in load_results(out / "results.jsonl") if tid not in ids]
    if other:
        raise InvalidParameterError(
            f"resume: output={str(out)!r} holds {len(other)} result(s) of settings "
            "that are not in this suite (a run of other sizes or options, e.g. "
            "--quick); give the options it was started with, or leave out --resume "
            "to start afresh (the earlier run is then moved aside)"
        )
