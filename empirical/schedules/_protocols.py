"""Worker protocols: how the gradients of one update are produced and combined.

Every protocol is a schedule of *contributions*. At step ``t`` (1-based, as in
docs/theory.md) up to ``K`` contributions ``k`` arrive; contribution ``k`` is the
mean gradient of a minibatch of ``b`` training positions evaluated at the stale
iterate ``w_{t - tau_{t,k}}``, and the update is

.. math::  w_{t+1} = w_t - \\eta_t \\operatorname{clip}_c\\Big(\\sum_k a_{t,k} g_{t,k}\\Big)

with weights ``a_{t,k}`` (``0`` for an empty slot) and ``clip_c(u) = u min(1,
c / (||u|| + 10^-6))`` (no clipping when ``c`` is ``None``). Delays are effective
ones: ``tau_{t,k} <= t - 1`` (iterates before ``w_1`` are ``w_1``).

- (a) :class:`OneStale`: one gradient per update, ``K = 1``: the model the
  one-gradient theorems are stated for (docs/theory.md, "Setting").
- (b) :class:`Regatti`: ``W`` workers with fixed delays (worker 0 at ``D``, worker
  1 at ``0``, the others uniform on ``{0..D}``, drawn once); every update averages
  one stale minibatch gradient per worker (``a = 1/W``) and clips the average to
  norm 1 (Regatti et al. 2019, arXiv:1909.13391; their public code, as summarised
  in docs/theory.md, part 3).
- (c) :class:`Deng`: ``W`` workers with delays ``d_m``; worker ``m`` contributes
  only at steps ``s = t - 1`` with ``(s - m) mod d_m == 0``, computed at the
  iterate it pulled after its previous contribution (``tau = d_m - 1``), and the
  server SUMS what arrives (``a = 1``); steps with no arrival leave ``w``
  unchanged. Delays ``"fixed"`` (all ``d``) or ``"random"`` (worker 0: ``d``,
  worker 1: ``1``, others uniform on ``{1..d}``) (Deng et al. 2024 and
  arXiv:2308.09430, public code, same summary).

Coupling: the schedule depends on the seed only, never on the data, so both runs
of a pair see the same workers, positions and delays. Minibatch positions are
drawn uniformly with replacement from the ``n`` training positions (the papers
split the data between workers; with a common position sequence the coupled
runs differ only where the replaced position is drawn, as in the linear harness).
Every slot is drawn afresh, independently and uniformly: the (Sampling)
assumption of the part-3 theorems [D-ncvx-W] and [D-cvx-W] holds, and the
schedule is data-independent, their (Schedule) assumption; which theorems apply
to which protocol is declared in :data:`PROTOCOL_THEOREMS`.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from bounds import REGISTRY, Assumption, InvalidParameterError
from bounds.internal import check_choice, check_int, check_positive, checked
from empirical.schedules._delays import AbstractDelay

__all__ = [
    "ONE_GRADIENT_THEOREMS",
    "PROTOCOL_THEOREMS",
    "WORKER_THEOREMS",
    "Chunk",
    "Deng",
    "OneStale",
    "Regatti",
    "WorkerProtocol",
    "applicable_theorems",
    "arrival_slots",
]


@dataclass(frozen=True, eq=False)
class Chunk:
    """The contributions of steps ``t0 .. t0 + L - 1`` of ``P`` pairs.

    Attributes:
        pos: ``(P, L, K, b)`` int32 training positions of each minibatch.
        tau: ``(P, L, K)`` int32 effective delays.
        weight: ``(P, L, K)`` float64 weights ``a_{t,k}`` (0: no contribution).
        worker: ``(P, L, K)`` the worker whose gradient fills each slot (``-1``:
            an empty slot), for samplers that read per-worker shards
            (:mod:`empirical.schedules._sampling`); ``None``: slot ``k`` is
            worker ``k``.
    """

    pos: NDArray[np.int32]
    tau: NDArray[np.int32]
    weight: NDArray[np.float64]
    worker: NDArray[np.int64] | None = None

    def workers(self) -> NDArray[np.int64]:
        """``(P, L, K)`` the worker of each slot, ``-1`` where the weight is 0."""
        P, L, K = self.weight.shape
        w = (
            np.broadcast_to(np.arange(K, dtype=np.int64), (P, L, K))
            if self.worker is None
            else self.worker
        )
        return np.where(self.weight > 0, w, -1)


class WorkerProtocol(abc.ABC):
    """A schedule of contributions (see the module doc). Subclasses are final."""

    #: ``"a"``, ``"b"`` or ``"c"`` (the issue's labels).
    label: str
    batch_size: int
    clip: float | None

    @property
    @abc.abstractmethod
    def n_slots(self) -> int:
        """``K``: the most contributions one update can combine."""

    @property
    @abc.abstractmethod
    def max_delay(self) -> int:
        """The largest delay the schedule can produce (the ring holds ``+1``)."""

    @abc.abstractmethod
    def setup(
        self, rng: np.random.Generator, n_pairs: int, n_steps: int
    ) -> NDArray[np.int64]:
        """Delays drawn once per pair: ``(P, W)`` per worker, or ``(P, T)`` per step (a)."""

    @abc.abstractmethod
    def chunk(
        self,
        rng: np.random.Generator,
        t0: int,
        length: int,
        n_samples: int,
        delays: NDArray[np.int64],
    ) -> Chunk:
        """Contributions of steps ``t0 .. t0 + length - 1`` (1-based)."""

    def updates_per_epoch(self, n_samples: int) -> int:
        """Updates per pass over the data: ``ceil(n / (gradients per update))``."""
        per = max(1.0, self.mean_gradients_per_update) * self.batch_size
        return max(1, int(np.ceil(n_samples / per)))

    @property
    def mean_gradients_per_update(self) -> float:
        """Mean number of minibatch gradients in one update (after warm-up)."""
        return float(self.n_slots)

    @property
    def n_readers(self) -> int:
        """The workers that read the data (one shard each under ``"shards"``)."""
        return self.n_slots


def _positions(
    rng: np.random.Generator, shape: tuple[int, ...], n: int
) -> NDArray[np.int32]:
    return rng.integers(0, n, size=shape, dtype=np.int32)


def _steps(t0: int, length: int) -> NDArray[np.int64]:
    return np.arange(t0, t0 + length, dtype=np.int64)


@dataclass(frozen=True, eq=False)
class OneStale(WorkerProtocol):
    """(a) One gradient per update with delays ``tau_t`` from a delay model.

    Args:
        delay: a delay model of :mod:`empirical.schedules._delays` (``sample(rng, T, P)``).
        batch_size: minibatch size ``b`` (the theory: 1).
    """

    delay: AbstractDelay
    batch_size: int = 1
    clip: float | None = None
    label = "a"

    def __post_init__(self) -> None:
        if not isinstance(self.delay, AbstractDelay):
            raise InvalidParameterError(f"delay={self.delay!r} must be a delay model")
        check_int(self.batch_size, "batch_size", min_value=1)

    @property
    def n_slots(self) -> int:
        return 1

    @property
    def max_delay(self) -> int:
        tau = self.delay.max_delay
        if tau is None:
            raise InvalidParameterError(
                f"delay={self.delay!r} is unbounded; the JAX ring buffer needs a "
                "bounded delay model"
            )
        return int(tau)

    def setup(
        self, rng: np.random.Generator, n_pairs: int, n_steps: int
    ) -> NDArray[np.int64]:
        # The whole sequence at once: delay models may carry state across steps.
        return np.asarray(self.delay.sample(rng, n_steps, n_pairs), dtype=np.int64)

    def chunk(
        self,
        rng: np.random.Generator,
        t0: int,
        length: int,
        n_samples: int,
        delays: NDArray[np.int64],
    ) -> Chunk:
        P = delays.shape[0]
        raw = delays[:, t0 - 1 : t0 - 1 + length]
        tau = np.minimum(raw, _steps(t0, length)[None, :] - 1)[:, :, None]
        pos = _positions(rng, (P, length, 1, self.batch_size), n_samples)
        return Chunk(pos, tau.astype(np.int32), np.ones((P, length, 1)))


@dataclass(frozen=True, eq=False)
class Regatti(WorkerProtocol):
    """(b) ``W`` workers, fixed delays in ``{0..D}``, averaged and clipped to norm 1."""

    n_workers: int
    max_worker_delay: int
    batch_size: int = 1
    clip: float | None = 1.0
    label = "b"

    def __post_init__(self) -> None:
        check_int(self.n_workers, "n_workers", min_value=2)
        check_int(self.max_worker_delay, "max_worker_delay", min_value=0)
        check_int(self.batch_size, "batch_size", min_value=1)
        if self.clip is not None:
            check_positive(self.clip, "clip")

    @property
    def n_slots(self) -> int:
        return self.n_workers

    @property
    def max_delay(self) -> int:
        return self.max_worker_delay

    def setup(
        self, rng: np.random.Generator, n_pairs: int, n_steps: int
    ) -> NDArray[np.int64]:
        D, W = self.max_worker_delay, self.n_workers
        d = rng.integers(0, D + 1, size=(n_pairs, W))
        d[:, 0], d[:, 1] = D, 0
        return d

    def chunk(
        self,
        rng: np.random.Generator,
        t0: int,
        length: int,
        n_samples: int,
        delays: NDArray[np.int64],
    ) -> Chunk:
        P, W = delays.shape
        t = _steps(t0, length)[None, :, None]
        tau = np.minimum(delays[:, None, :], t - 1).astype(np.int32)
        pos = _positions(rng, (P, length, W, self.batch_size), n_samples)
        return Chunk(pos, tau, np.full((P, length, W), 1.0 / W))


@dataclass(frozen=True, eq=False)
class Deng(WorkerProtocol):
    """(c) ``W`` workers; worker ``m`` arrives when ``(s - m) mod d_m == 0``; summed.

    Args:
        n_workers: ``W``.
        period: ``d`` (staleness ``d - 1``): every worker's ``d_m`` when
            ``delays="fixed"``, the largest one when ``"random"``.
        delays: ``"fixed"`` or ``"random"``.
        batch_size: minibatch size per worker.
    """

    n_workers: int
    period: int
    delays: Literal["fixed", "random"] = "fixed"
    batch_size: int = 1
    clip: float | None = None
    label = "c"

    def __post_init__(self) -> None:
        check_int(self.n_workers, "n_workers", min_value=1)
        check_int(self.period, "period", min_value=1)
        check_choice(self.delays, "delays", ("fixed", "random"))
        check_int(self.batch_size, "batch_size", min_value=1)

    @property
    def n_slots(self) -> int:
        return self.n_workers

    @property
    def max_delay(self) -> int:
        return self.period - 1

    @property
    def mean_gradients_per_update(self) -> float:
        # Exact for "fixed"; for "random" the expectation over the drawn periods.
        if self.delays == "fixed" or self.n_workers < 2:
            return self.n_workers / self.period
        d = self.period
        rest = (self.n_workers - 2) * float(np.mean(1.0 / np.arange(1, d + 1)))
        return 1.0 / d + 1.0 + rest

    def setup(
        self, rng: np.random.Generator, n_pairs: int, n_steps: int
    ) -> NDArray[np.int64]:
        W, d = self.n_workers, self.period
        if self.delays == "fixed":
            return np.full((n_pairs, W), d, dtype=np.int64)
        out = rng.integers(1, d + 1, size=(n_pairs, W))
        out[:, 0] = d
        if W > 1:
            out[:, 1] = 1
        return out

    def updates_per_epoch(self, n_samples: int) -> int:
        """``ceil(n / (W b))``: one pass of every worker over its share of the data
        when all arrive, as the papers count iterations (independent of delay)."""
        return max(1, -(-n_samples // (self.n_workers * self.batch_size)))

    @property
    def n_active(self) -> int:
        """Slots the chunks carry: ``ceil(W / d)`` for fixed delays (the most
        workers that can arrive at one step), ``W`` for random ones."""
        if self.delays == "fixed":
            return -(-self.n_workers // self.period)
        return self.n_workers

    def chunk(
        self,
        rng: np.random.Generator,
        t0: int,
        length: int,
        n_samples: int,
        delays: NDArray[np.int64],
    ) -> Chunk:
        P = delays.shape[0]
        K = self.n_active
        order, weight, tau_k, _ = arrival_slots(delays, t0, length, K)
        pos = _positions(rng, (P, length, K, self.batch_size), n_samples)
        return Chunk(pos, tau_k, weight, order)


def arrival_slots(
    delays: NDArray[np.int64], t0: int, length: int, slots: int
) -> tuple[
    NDArray[np.int64], NDArray[np.float64], NDArray[np.int32], NDArray[np.int64]
]:
    """Deng et al.'s arrivals in steps ``t0 .. t0 + length - 1``, packed into slots.

    Worker ``m`` of period ``d_m`` (``delays``, shape ``(P, W)``) arrives at the
    0-based steps ``s`` with ``(s - m) mod d_m == 0``, with staleness
    ``min(d_m - 1, s)``. Arrivals go first (a stable sort), then ``slots`` are
    kept: absent workers cost no gradient, and which worker fills a slot does
    not matter to the sum.

    Returns:
        ``order (P, L, slots)``, the worker in each slot; ``weight`` (1: an
        arrival, 0: an empty slot); ``tau`` of each slot; and ``arriving
        (P, L)``, how many workers arrive at each step (more than ``slots``
        would be dropped: callers that cannot rule it out check it).
    """
    W = delays.shape[1]
    s = _steps(t0, length)[None, :, None] - 1  # the papers' 0-based step
    d = delays[:, None, :]
    arrive = (s - np.arange(W)[None, None, :]) % d == 0
    tau = np.broadcast_to(np.minimum(d - 1, s), arrive.shape)
    order = np.argsort(~arrive, axis=2, kind="stable")[:, :, :slots]
    weight = np.take_along_axis(arrive, order, axis=2).astype(float)
    tau_k = np.take_along_axis(tau, order, axis=2).astype(np.int32)
    return order, weight, tau_k, arrive.sum(axis=2)


#: The part-3 theorems (docs/theory.md, part 3): any weights, delays, batch
#: sizes and idle steps, with independent uniform minibatch slots, which every
#: protocol here draws (see the module doc).
WORKER_THEOREMS = ("delayed-ncvx-workers", "delayed-cvx-workers")

#: The one-gradient theorems (docs/theory.md, "Setting"): one single-sample
#: gradient per update, no clip.
ONE_GRADIENT_THEOREMS = (
    "hardt-cvx",
    "hardt-scvx",
    "hardt-ncvx",
    "regatti-ncvx",
    "delayed-cvx",
    "delayed-ncvx",
)

_CLIPPED = (
    "the convex argument fails for a clipped step (a clipped gradient step of a "
    "convex loss can expand distances, docs/theory.md, part 3, 'Clipping breaks "
    "the convex argument'); only [D-ncvx-W], which allows a clip"
)

#: Which registry theorems (``bounds`` keys) each case of a protocol satisfies,
#: with the reason; :func:`applicable_theorems` picks the case. Each theorem's
#: own assumptions on the loss (convexity, a bounded loss) and on the step sizes
#: still apply.
PROTOCOL_THEOREMS: dict[str, tuple[tuple[str, ...], str]] = {
    "a": (
        ONE_GRADIENT_THEOREMS + WORKER_THEOREMS,
        "one gradient per update with batch size 1: the model every one-gradient "
        "theorem is stated for; [D-ncvx-W] and [D-cvx-W] contain it (K = M = b = 1)",
    ),
    "a-minibatch": (
        WORKER_THEOREMS,
        "minibatch steps: the one-gradient theorems are stated for batch size 1; "
        "[D-ncvx-W] and [D-cvx-W] allow any batch size (docs/theory.md, part 3)",
    ),
    "b": (
        WORKER_THEOREMS,
        "averaged multi-worker updates (a = 1/W, K = 1, M = W) without a clip: "
        "both part-3 theorems (docs/theory.md, part 3)",
    ),
    "c": (
        WORKER_THEOREMS,
        "summed arrivals of a varying number of workers (a = 1, idle steps allowed), "
        "fixed or random data-independent delays: both part-3 theorems "
        "(docs/theory.md, part 3)",
    ),
    "clipped": (WORKER_THEOREMS[:1], "clipped: " + _CLIPPED),
    "projected": (
        WORKER_THEOREMS,
        "projected after every step onto a closed convex set (a 1-Lipschitz map, "
        "both runs of a pair): both part-3 theorems allow the projection "
        "(docs/theory.md, 'Projection after every step'), which contain every "
        "protocol here",
    ),
    "projected-clipped": (
        WORKER_THEOREMS[:1],
        "projected after every step (allowed by both part-3 theorems) and "
        "clipped: " + _CLIPPED,
    ),
}


@checked
def applicable_theorems(
    protocol: WorkerProtocol, *, projected: bool = False
) -> tuple[tuple[str, ...], str]:
    """The registry theorem keys that apply to ``protocol``, and why (declared).

    The cases of :data:`PROTOCOL_THEOREMS`: a clip (Regatti et al. 2019's
    default) leaves only ``delayed-ncvx-workers``; (a) with ``batch_size > 1``
    only the part-3 theorems; otherwise the protocol's label, where (a) lists
    the no-delay theorems (Hardt et al.'s) only when its delay is 0. With
    ``projected`` (the model projects onto a closed convex set after every
    step), the theorems that allow a projection (``Theorem.allows``): both
    part-3 theorems, or ``delayed-ncvx-workers`` alone with a clip.

    Examples:
        >>> applicable_theorems(Regatti(4, 8))[0]
        ('delayed-ncvx-workers',)
        >>> applicable_theorems(Regatti(4, 8, clip=None))[0]
        ('delayed-ncvx-workers', 'delayed-cvx-workers')
        >>> applicable_theorems(Deng(16, 4, "random"))[0]
        ('delayed-ncvx-workers', 'delayed-cvx-workers')
        >>> applicable_theorems(Regatti(4, 8), projected=True)[0]
        ('delayed-ncvx-workers',)
        >>> from empirical.schedules._delays import UniformDelay
        >>> applicable_theorems(OneStale(UniformDelay(4)))[0][:2]
        ('regatti-ncvx', 'delayed-cvx')
    """
    if projected:
        clipped = protocol.clip is not None
        return PROTOCOL_THEOREMS["projected-clipped" if clipped else "projected"]
    if protocol.clip is not None:
        return PROTOCOL_THEOREMS["clipped"]
    if protocol.label == "a" and protocol.batch_size != 1:
        return PROTOCOL_THEOREMS["a-minibatch"]
    keys, why = PROTOCOL_THEOREMS[protocol.label]
    if isinstance(protocol, OneStale) and protocol.delay.max_delay != 0:
        # Hardt et al.'s theorems assume no delay: listed only when tau = 0
        # (an unbounded delay model's max_delay is None)
        keys = tuple(
            k for k in keys if Assumption.NO_DELAY not in REGISTRY[k].assumptions
        )
        why += "; with delays (max_delay != 0), without the no-delay theorems"
    return keys, why
