"""The per-worker delays of the published experiments, drawn as the authors' code does.

The worker protocols of :mod:`empirical.schedules._protocols` draw each coupled
pair's worker delays afresh. The authors' code draws them once per experiment:

- Regatti et al. 2019 (GitHub JayanthRR/Async-Distributed-SGD, ``main.py`` lines
  85-95): for each D, worker 0 at D, worker 1 at 0, the others
  ``np.random.randint(0, 1 + D)`` from numpy's global, unseeded generator; the
  same list then serves the 3 trials and the 4 step sizes (lines 97-124). An
  unseeded draw cannot be replayed; :func:`regatti_worker_delays` draws the same
  distribution from a fixed seed per D, so that every trial, step size and pair
  shares it, as theirs do.
- Deng et al. 2024 (GitHub xiaogdeng/Generalization-ASGD, ``server.py`` lines
  698-711, after ``seed_torch(args.seed)`` of ``train_args.py`` lines 34-41):
  ``"random"``: worker 0 at d, worker 1 at 1, the others ``np.random.randint(1, 1
  + d)`` from the global generator seeded with ``--seed`` (42 in ``bashrun.sh``);
  ``"fixed"``: all at d. :func:`deng_worker_delays` replays this draw exactly
  (numpy's legacy ``RandomState``), and their mean delay ``avg_delay`` (line 723)
  is :func:`mean_delay`.

:class:`RegattiDrawn` and :class:`DengDrawn` are protocols (b) and (c) with those
delays given, shared by every pair: everything else (arrivals, weights,
clipping, positions) is the parent protocol's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from bounds import InvalidParameterError
from bounds.internal import check_choice, check_int, checked

from ._protocols import Chunk, Deng, Regatti, arrival_slots

__all__ = [
    "DengDrawn",
    "RegattiDrawn",
    "deng_worker_delays",
    "held_fixed",
    "max_arrivals",
    "mean_delay",
    "regatti_worker_delays",
]

#: Entropy of the fixed per-D draw that stands in for the seed's unseeded one.
REGATTI_DELAY_SEED = 2019


@checked
def regatti_worker_delays(n_workers: int, max_delay: int) -> tuple[int, ...]:
    """Worker delays of the seed's ``main.py``: ``(D, 0, U{0..D}, ...)``, fixed per D.

    Examples:
        >>> regatti_worker_delays(4, 8)[:2]
        (8, 0)
    """
    W = check_int(n_workers, "n_workers", min_value=2)
    D = check_int(max_delay, "max_delay", min_value=0)
    rng = np.random.default_rng([REGATTI_DELAY_SEED, D])
    rest = rng.integers(0, D + 1, size=W - 2)
    return (D, 0, *(int(v) for v in rest))


@checked
def deng_worker_delays(
    n_workers: int, delay: int, kind: str = "random", *, seed: int = 42
) -> tuple[int, ...]:
    """Worker periods of Deng et al.'s ``server.py`` for ``--seed seed``, exactly.

    ``np.random.seed(seed)`` then, in order, ``randint(1, 1 + d)`` for workers
    ``2..W-1`` (workers 0 and 1 take ``d`` and ``1`` without a draw).

    Examples:
        >>> deng_worker_delays(16, 4, "fixed")[:3]
        (4, 4, 4)
    """
    W = check_int(n_workers, "n_workers", min_value=1)
    d = check_int(delay, "delay", min_value=1)
    check_choice(kind, "kind", ("fixed", "random"))
    if kind == "fixed":
        return (d,) * W
    state = np.random.RandomState(check_int(seed, "seed", min_value=0))
    out = [d, 1][:W]
    out += [int(state.randint(1, 1 + d)) for _ in range(W - 2)]
    return tuple(out)


def mean_delay(worker_delays: tuple[int, ...]) -> float:
    """Deng et al.'s ``avg_delay``: the mean of the worker periods (their tau_bar)."""
    return float(np.mean(worker_delays))


def _blocks(periods: tuple[int, ...]) -> int | None:
    """Number of blocks of ``v`` consecutive periods equal to ``v``, or ``None``."""
    i = count = 0
    while i < len(periods):
        v = periods[i]
        if periods[i : i + v] != (v,) * v:
            return None
        i += v
        count += 1
    return count


@checked
def max_arrivals(periods: tuple[int, ...], n_steps: int) -> int:
    """The most workers that arrive at one of the steps ``0..n_steps - 1``.

    Examples:
        >>> max_arrivals((4, 1, 2, 3), 12)
        4
    """
    d = np.asarray(periods, dtype=np.int64)[None, :]
    s = np.arange(check_int(n_steps, "n_steps", min_value=1))[:, None]
    return int(((s - np.arange(d.shape[1])[None, :]) % d == 0).sum(axis=1).max())


@checked
def held_fixed(periods: tuple[int, ...]) -> tuple[int, ...]:
    """The control of the delay question: worker ``m`` of period ``d_m`` becomes
    ``d_m`` workers of period ``d_m`` at consecutive indices, so that at every
    step exactly ``len(periods)`` gradients arrive, each as stale as worker
    ``m``'s (``d_m - 1``).

    Examples:
        >>> held_fixed((3, 1, 2))
        (3, 3, 3, 1, 2, 2)
    """
    return tuple(v for v in periods for _ in range(v))


@dataclass(frozen=True, eq=False)
class RegattiDrawn(Regatti):
    """(b) with the worker delays given (shared by every pair, trial and step size).

    Args:
        worker_delays: one delay per worker; the largest is ``max_worker_delay``.
    """

    worker_delays: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        super().__post_init__()
        d = tuple(self.worker_delays)
        if len(d) != self.n_workers or max(d) != self.max_worker_delay or min(d) < 0:
            raise InvalidParameterError(
                f"worker_delays={d!r} must hold n_workers={self.n_workers} delays "
                f"in 0..{self.max_worker_delay}, the largest {self.max_worker_delay}"
            )

    def setup(
        self, rng: np.random.Generator, n_pairs: int, n_steps: int
    ) -> NDArray[np.int64]:
        """The given delays for every pair (``rng`` is not used)."""
        row = np.asarray(self.worker_delays, dtype=np.int64)
        return np.tile(row, (n_pairs, 1))


@dataclass(frozen=True, eq=False)
class DengDrawn(Deng):
    """(c) with the worker periods given (shared by every pair).

    Args:
        periods: one period ``d_m`` per worker; the largest is ``period``.
        arrivals: ``None``, or the exact number of arrivals at every step, for
            periods made of blocks of ``v`` consecutive workers of period ``v``
            (see :func:`held_fixed`): such a block covers every residue mod
            ``v``, so exactly one of its workers arrives at each step. Checked.
        slots: ``None``, or how many contributions an update can hold (a step
            with more arrivals raises; :func:`max_arrivals` gives the exact
            number for a run's length). Fewer slots than workers: fewer
            gradients computed for absent workers, the same updates.

    Minibatch positions are drawn per (step, worker), ``(P, L, W, b)``, then each
    slot takes its worker's: worker ``m`` at step ``t`` uses the same position draw
    whatever the delays, so runs that differ only in their delays share them.
    """

    periods: tuple[int, ...] = ()
    arrivals: int | None = None
    slots: int | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        d = tuple(self.periods)
        if len(d) != self.n_workers or max(d) != self.period or min(d) < 1:
            raise InvalidParameterError(
                f"periods={d!r} must hold n_workers={self.n_workers} periods in "
                f"1..{self.period}, the largest {self.period}"
            )
        if self.arrivals is not None and _blocks(d) != self.arrivals:
            raise InvalidParameterError(
                f"arrivals={self.arrivals!r}: periods={d!r} are not "
                f"{self.arrivals} blocks of v consecutive workers of period v"
            )

    @property
    def n_active(self) -> int:
        """Slots the chunks carry: the exact arrivals per step when declared."""
        if self.arrivals is not None:
            return self.arrivals
        return super().n_active if self.slots is None else self.slots

    def chunk(
        self,
        rng: np.random.Generator,
        t0: int,
        length: int,
        n_samples: int,
        delays: NDArray[np.int64],
    ) -> Chunk:
        """Deng et al.'s arrivals (as :class:`Deng`), positions drawn per worker."""
        P, W = delays.shape
        K = self.n_active
        order, weight, tau_k, arriving = arrival_slots(delays, t0, length, K)
        most = int(arriving.max())
        if most > K:
            raise InvalidParameterError(
                f"slots={K}: {most} workers arrive at one of steps {t0}.."
                f"{t0 + length - 1}; use max_arrivals(periods, n_steps)"
            )
        pos_w = rng.integers(
            0, n_samples, size=(P, length, W, self.batch_size), dtype=np.int32
        )
        pos = np.take_along_axis(pos_w, order[..., None], axis=2)
        return Chunk(pos, tau_k, weight, order)

    @property
    def mean_gradients_per_update(self) -> float:
        """Exact: worker ``m`` arrives once every ``d_m`` steps."""
        return float(np.sum(1.0 / np.asarray(self.periods, dtype=np.float64)))

    def setup(
        self, rng: np.random.Generator, n_pairs: int, n_steps: int
    ) -> NDArray[np.int64]:
        """The given periods for every pair (``rng`` is not used)."""
        row = np.asarray(self.periods, dtype=np.int64)
        return np.tile(row, (n_pairs, 1))
