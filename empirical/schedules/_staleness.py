"""Staleness in parameter versions: updates applied between a read and its write.

A protocol's delay parameter counts steps: Regatti et al.'s ``D``, Deng et al.'s
period ``d`` (a gradient arrives ``d - 1`` steps after its read), the harness's
``tau``. Under protocol (c) some steps apply no update (no worker arrives: an
idle step), and an idle step produces no new parameters. What a stale gradient
misses is the updates applied since its read, so staleness is counted in
parameter versions:

.. math::  v_{t,k} = A_{t-1} - A_{t-1-\\tau_{t,k}},

``A_s`` the number of updates applied in steps ``1..s`` (a step applies one when
at least one contribution has a positive weight). Without idle steps ``v = tau``.
With ``W`` workers of fixed period ``d > W`` (Deng et al.'s "fixed" delays), only
``W`` of every ``d`` steps apply an update, and a gradient is ``W - 1`` versions
stale, not ``d - 1``: 4 workers of period 17 give staleness 3.
"""

from __future__ import annotations

import numpy as np

from ._protocols import Chunk, WorkerProtocol

__all__ = ["StalenessCounter", "schedule_staleness"]


class StalenessCounter:
    """Running count of applied updates and of the staleness of every gradient used.

    Args:
        n_pairs: ``P`` (each pair has its own schedule).
        n_steps: ``T``.
    """

    def __init__(self, n_pairs: int, n_steps: int) -> None:
        # applied[p, s]: updates applied in steps 1..s (applied[p, 0] = 0).
        self.applied = np.zeros((n_pairs, n_steps + 1), dtype=np.int64)
        self.total = 0
        self.count = 0
        self.most = 0

    def add(self, ch: Chunk, t0: int) -> None:
        """Record the steps ``t0 .. t0 + L - 1`` of ``ch`` (chunks in order)."""
        live = ch.weight > 0  # (P, L, K)
        P, L, _ = live.shape
        step_applied = live.any(axis=2).astype(np.int64)
        before = self.applied[:, t0 - 1]
        self.applied[:, t0 : t0 + L] = before[:, None] + np.cumsum(step_applied, 1)
        t = np.arange(t0, t0 + L)[None, :, None]
        read = np.broadcast_to(t - 1 - ch.tau, ch.tau.shape)
        prev = np.broadcast_to(t - 1, ch.tau.shape)
        p = np.broadcast_to(np.arange(P)[:, None, None], ch.tau.shape)
        v = (self.applied[p, prev] - self.applied[p, read])[live]
        self.total += int(v.sum())
        self.count += int(v.size)
        self.most = max(self.most, int(v.max()) if v.size else 0)

    def applied_at(self, step: int) -> float:
        """Mean over pairs of the updates applied in steps ``1..step``."""
        return float(self.applied[:, step].mean())

    @property
    def mean(self) -> float:
        """Mean staleness (versions) of every gradient used so far (0 if none)."""
        return self.total / self.count if self.count else 0.0


def schedule_staleness(
    protocol: WorkerProtocol, n_steps: int, *, seed: int = 0
) -> tuple[float, int, float]:
    """Mean and largest staleness in versions, and the share of steps that apply an
    update, of one pair's schedule over ``n_steps`` steps.

    Exact for the protocols whose delays do not depend on the seed (the
    published draws, constant delays); otherwise one draw from ``seed``.

    Examples:
        >>> from empirical.schedules._protocols import Deng
        >>> schedule_staleness(Deng(4, 17), 17 * 30)[1:]
        (3, 0.23529411764705882)
        >>> schedule_staleness(Deng(16, 32), 32 * 30)[1]
        15
    """
    rng = np.random.default_rng(seed)
    delays = protocol.setup(rng, 1, n_steps)
    counter = StalenessCounter(1, n_steps)
    chunk = 4096
    for t0 in range(1, n_steps + 1, chunk):
        L = min(chunk, n_steps + 1 - t0)
        counter.add(protocol.chunk(rng, t0, L, 1, delays), t0)
    return counter.mean, counter.most, counter.applied_at(n_steps) / n_steps
