"""The realised schedule of contributions of a multi-worker run (part 3).

A run of protocol (a) with single-sample steps is described by its delays and
hits alone (:class:`~empirical.simulators.linear._simulate.RunStats`); a run of
a worker protocol needs, per step ``t`` and contribution slot ``m``, the weight
``a_{t,m}``, the effective delay ``d_{t,m}`` and the number ``h_{t,m}`` of its
``b`` minibatch slots that drew the replaced sample: the arguments of
:func:`bounds.pathwise_bound` and :func:`bounds.recursion_bound` for
[D-ncvx-W] and [D-cvx-W] (docs/theory.md, part 3).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["ContributionSchedule"]


@dataclass(frozen=True, eq=False)
class ContributionSchedule:
    """Per pair, the contributions every update combined.

    Attributes:
        protocol: ``"a"``, ``"b"`` or ``"c"`` (the worker protocol's label).
        weights: ``(P, T, K)`` ``a_{t,m}`` (0: an empty slot).
        delays: ``(P, T, K)`` effective delays ``d_{t,m} <= t - 1``.
        hits: ``(P, T, K)`` ``h_{t,m}`` in ``[0, b]``.
        batch_size: ``b``.
        clip: the clip threshold of the update, or ``None``.
        description: the protocol in words, for reports.
    """

    protocol: str
    weights: NDArray[np.float64]
    delays: NDArray[np.int64]
    hits: NDArray[np.int64]
    batch_size: int
    clip: float | None
    description: str

    @property
    def step_weight(self) -> float:
        """``K = max_t sum_m a_{t,m}`` over every pair."""
        return float(self.weights.sum(-1).max())

    @property
    def arrivals(self) -> int:
        """``M = max_t |{m : a_{t,m} > 0}|`` over every pair."""
        return int((self.weights > 0).sum(-1).max())

    def level_kwargs(self) -> dict[str, Any]:
        """The schedule keywords of the part-3 levels 2 and 3 (``clip`` only
        when set: [D-cvx-W] refuses any clip)."""
        out: dict[str, Any] = {
            "weights": self.weights,
            "delays": self.delays,
            "batch_size": self.batch_size,
        }
        if self.clip is not None:
            out["clip"] = self.clip
        return out
