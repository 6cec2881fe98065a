"""The statuses a check can end with, as types: one spelling everywhere.

A verdict's ``status`` (and its ``recursion_status`` and ``gap_status``) is one of
:data:`STATUSES`; a pathwise check's is one of :data:`PATHWISE_STATUSES`; the
worst-case column of a sweep is one of :data:`WORST_STATUSES`. The strings are the
ones printed in tables and written to ``results.jsonl`` and ``report.json``, so a
type checker catches a misspelt status where it is produced or compared.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

__all__ = [
    "PATHWISE_STATUSES",
    "STATUSES",
    "WORST_STATUSES",
    "CheckStatus",
    "PathwiseStatus",
    "Status",
    "WorstStatus",
]

#: The result of a one-sided check of ``E[X] <= bound`` (``one_sided``).
CheckStatus = Literal["holds", "inconclusive", "violated"]
#: A verdict's status: a check's result, or "not applicable" when the theorem's
#: assumptions or conditions do not hold for the setting.
Status = Literal["holds", "inconclusive", "violated", "not applicable"]
#: The pathwise check over every pair and record step.
PathwiseStatus = Literal["ok", "violated", "not run"]
#: The bound against the worst-case estimate of a sweep.
WorstStatus = Literal["violated", "consistent"]

#: Verdict statuses, in the order the closing line of a run gives them.
STATUSES: Final[tuple[Status, ...]] = get_args(Status)
PATHWISE_STATUSES: Final[tuple[PathwiseStatus, ...]] = get_args(PathwiseStatus)
WORST_STATUSES: Final[tuple[WorstStatus, ...]] = get_args(WorstStatus)
