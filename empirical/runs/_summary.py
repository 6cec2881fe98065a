"""The closing line of ``verify``, ``sweep`` and ``reproduce``: what came out, in counts.

A long run prints a table of hundreds of lines; its last line must say whether
anything was violated without the user searching the table.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from empirical.measurement._status import STATUSES

__all__ = ["STATUSES", "count_statuses", "results_line"]


def count_statuses(records: Iterable[dict[str, Any]]) -> Counter[str]:
    """Verdicts by status over ``records`` (sweep records), plus ``"diverged"``
    for the records of a diverged run (they carry no verdict).

    Examples:
        >>> recs = [{"verdicts": [{"status": "holds"}, {"status": "violated"}]},
        ...         {"diverged": "w overflowed", "verdicts": []}]
        >>> sorted(count_statuses(recs).items())
        [('diverged', 1), ('holds', 1), ('violated', 1)]
    """
    counts: Counter[str] = Counter()
    for rec in records:
        if "diverged" in rec:
            counts["diverged"] += 1
        for v in rec.get("verdicts", ()):
            counts[str(v.get("status"))] += 1
    return counts


def results_line(
    records: Sequence[dict[str, Any]], *, what: str, where: str, wall_s: float | None
) -> str:
    """``"58 settings in 276.5 s (0 diverged): 120 holds, 30 inconclusive,
    0 violated, 410 not applicable; report: out/report.md"``.

    Args:
        records: sweep records.
        what: the noun of a record ("settings", "tasks").
        where: ``"report: PATH"`` or ``"results: PATH"``.
        wall_s: seconds the run took (``None``: not shown).

    Examples:
        >>> results_line([{"verdicts": [{"status": "holds"}]}], what="tasks",
        ...              where="results: r.jsonl", wall_s=None)
        'verdicts of 1 tasks (0 diverged): 1 holds, 0 inconclusive, 0 violated, 0 not applicable; results: r.jsonl'
    """
    c = count_statuses(records)
    took = "" if wall_s is None else f" in {wall_s:.1f} s"
    counts = ", ".join(f"{c[s]} {s}" for s in STATUSES)
    other = sum(n for s, n in c.items() if s not in (*STATUSES, "diverged"))
    extra = f", {other} other" if other else ""
    return (
        f"verdicts of {len(records)} {what}{took} ({c['diverged']} diverged): "
        f"{counts}{extra}; {where}"
    )
