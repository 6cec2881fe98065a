"""What ``asyncstab verify`` prints by default: a summary by theorem.

For each theorem: its verdicts counted by status, and among the settings where
it applies the tightest and the loosest bound (the smallest and the largest
``bound / measured average``, with the setting); a theorem that applies nowhere
gets one line with its most common reason. The full table is printed with
``--table`` and is always in the report.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

__all__ = ["summary_lines"]

#: The statuses a verdict can have, in the order they are counted.
_STATUSES = ("holds", "inconclusive", "violated", "not applicable")


def _tightness(rows: Sequence[dict[str, Any]], key: str) -> list[str]:
    ratios = [
        (r["bound_over_average"], r["setting"])
        for r in rows
        if r["key"] == key and r.get("bound_over_average") is not None
    ]
    if not ratios:
        return []
    lo, hi = min(ratios, key=lambda x: x[0]), max(ratios, key=lambda x: x[0])
    out = [f"  tightest: bound/avg {lo[0]:.3g} at {lo[1]}"]
    if len(ratios) > 1:
        out.append(f"  loosest:  bound/avg {hi[0]:.3g} at {hi[1]}")
    return out


def summary_lines(
    records: Sequence[dict[str, Any]], rows: Sequence[dict[str, Any]]
) -> list[str]:
    """The summary of a verification run.

    Args:
        records: the run's records (``results.jsonl``).
        rows: its table (:func:`empirical.measurement._table.table_rows`).

    Examples:
        >>> recs = [{"verdicts": [{"theorem": "t", "registry_key": "[T]",
        ...                        "status": "holds", "reason": None}]}]
        >>> rows = [{"key": "t", "setting": "s1", "bound_over_average": 4.0}]
        >>> print("\\n".join(summary_lines(recs, rows)))
        [T] t: 1 holds, 0 inconclusive, 0 violated, 0 not applicable
          tightest: bound/avg 4 at s1
    """
    counts: dict[str, Counter[str]] = {}
    names: dict[str, str] = {}
    reasons: dict[str, Counter[str]] = {}
    for rec in records:
        for v in rec.get("verdicts", ()):
            key = v["theorem"]
            names[key] = v["registry_key"]
            counts.setdefault(key, Counter())[v["status"]] += 1
            if v["status"] == "not applicable" and v.get("reason"):
                reasons.setdefault(key, Counter())[v["reason"]] += 1
    lines = []
    for key, c in counts.items():
        counted = ", ".join(f"{c[s]} {s}" for s in _STATUSES)
        lines.append(f"{names[key]} {key}: {counted}")
        if c["not applicable"] == sum(c.values()):
            why = reasons.get(key)
            if why:
                lines.append(f"  applies nowhere: {why.most_common(1)[0][0]}")
            continue
        lines += _tightness(rows, key)
    diverged = sum(1 for rec in records if "diverged" in rec)
    if diverged:
        lines.append(f"{diverged} setting(s) diverged (see the table: --table)")
    return lines
