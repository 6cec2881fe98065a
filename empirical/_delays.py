"""Delay models: where the staleness ``tau_t`` of each update comes from.

Abstract/final pattern (equinox): :class:`AbstractDelay` declares
``sample(rng, n_steps, n_pairs) -> (n_pairs, n_steps) int64`` and the final models
are frozen dataclasses that validate in ``__post_init__``. ``max_delay`` is the
bound ``tau`` that bounded-delay theorems use (``None`` only for an uncapped
:class:`WorkerDelay`, whose delays have no a-priori bound).

Delays come from the system's timing, not from the data (THEORY.md, "Setting"):
the simulator draws them once per pair from their own random stream and shares
them between the two coupled runs.
"""

from __future__ import annotations

import abc
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
from numpy.typing import NDArray

from bounds._errors import InvalidParameterError
from bounds._validation import (
    check_choice,
    check_int,
    check_int_array,
    check_positive,
    check_probability,
)

__all__ = [
    "AbstractDelay",
    "ConstantDelay",
    "GeometricDelay",
    "TraceDelay",
    "UniformDelay",
    "WorkerDelay",
    "check_slowdowns",
    "make_delay",
]

I64 = NDArray[np.int64]


def check_slowdowns(slowdowns: Sequence[float], n_workers: int) -> tuple[float, ...]:
    """Validate per-worker slowdown factors: one positive number per worker."""
    s = tuple(check_positive(v, f"slowdowns[{i}]") for i, v in enumerate(slowdowns))
    if len(s) != n_workers:
        raise InvalidParameterError(
            f"slowdowns has {len(s)} entries, must have n_workers={n_workers}"
        )
    return s


class AbstractDelay(abc.ABC):
    """A model of the staleness ``tau_t``; subclasses are final frozen dataclasses."""

    if TYPE_CHECKING:

        @property
        def max_delay(self) -> int | None:
            """The bound ``tau >= tau_t`` (``None``: no bound)."""

    @abc.abstractmethod
    def _draw(self, rng: np.random.Generator, n_steps: int, n_pairs: int) -> I64: ...

    def sample(self, rng: np.random.Generator, n_steps: int, n_pairs: int) -> I64:
        """Draw delays, one independent sequence per pair.

        Args:
            rng: the source of randomness (the only one).
            n_steps: ``T``, the number of updates.
            n_pairs: number of independent sequences.

        Returns:
            int64 array ``(n_pairs, n_steps)`` of delays ``tau_t >= 0``.
        """
        if not isinstance(rng, np.random.Generator):
            raise InvalidParameterError(f"rng={rng!r} must be a numpy Generator")
        T = check_int(n_steps, "n_steps", min_value=1)
        P = check_int(n_pairs, "n_pairs", min_value=1)
        return np.asarray(self._draw(rng, T, P), dtype=np.int64)


@dataclass(frozen=True)
class ConstantDelay(AbstractDelay):
    """``tau_t = tau`` for every step.

    Examples:
        >>> ConstantDelay(3).sample(np.random.default_rng(0), 4, 1)
        array([[3, 3, 3, 3]])
    """

    tau: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "tau", check_int(self.tau, "tau", min_value=0))

    @property
    def max_delay(self) -> int:
        return self.tau

    def _draw(self, rng: np.random.Generator, n_steps: int, n_pairs: int) -> I64:
        return np.full((n_pairs, n_steps), self.tau, dtype=np.int64)


@dataclass(frozen=True)
class UniformDelay(AbstractDelay):
    """``tau_t`` uniform on ``{0, 1, ..., max_delay}``, independent across steps."""

    max_delay: int

    def __post_init__(self) -> None:
        k = check_int(self.max_delay, "max_delay", min_value=0)
        object.__setattr__(self, "max_delay", k)

    def _draw(self, rng: np.random.Generator, n_steps: int, n_pairs: int) -> I64:
        return rng.integers(0, self.max_delay + 1, size=(n_pairs, n_steps))


@dataclass(frozen=True)
class GeometricDelay(AbstractDelay):
    """Geometric ``P(k) ~ p (1-p)^k`` on ``{0, ..., max_delay}``, truncated by conditioning.

    Truncation is by *conditioning*, not clipping: ``P(tau_t = k) = p (1-p)^k /
    (1 - (1-p)^(max_delay+1))`` for ``0 <= k <= max_delay`` (no atom at the cap).
    Sampled by inverting that CDF.
    """

    p: float
    max_delay: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "p", check_probability(self.p, "p", open_left=True))
        k = check_int(self.max_delay, "max_delay", min_value=0)
        object.__setattr__(self, "max_delay", k)

    def pmf(self) -> NDArray[np.float64]:
        """Probabilities of ``0..max_delay``."""
        k = np.arange(self.max_delay + 1)
        w = self.p * (1.0 - self.p) ** k
        return np.asarray(w / w.sum(), dtype=np.float64)

    def _draw(self, rng: np.random.Generator, n_steps: int, n_pairs: int) -> I64:
        if self.p == 1.0:
            return np.zeros((n_pairs, n_steps), dtype=np.int64)
        u = rng.random((n_pairs, n_steps))
        log_q = math.log1p(-self.p)
        mass = -math.expm1((self.max_delay + 1) * log_q)  # 1 - q^(tau+1)
        k = np.floor(np.log1p(-u * mass) / log_q).astype(np.int64)
        # Exact arithmetic gives k <= max_delay; the minimum only guards rounding
        # at u -> 1 (it moves no probability mass).
        return np.minimum(k, self.max_delay)


@dataclass(frozen=True)
class WorkerDelay(AbstractDelay):
    """Event simulation of a parameter server with ``n_workers`` workers.

    Every worker reads the parameters, computes for a random time (``exponential``
    with mean 1, or ``lognormal`` with ``mu = 0, sigma = 1``; times its
    ``slowdowns[k]``), and pushes its gradient; the server applies gradients in
    order of arrival. The staleness of an arriving gradient is the number of
    updates applied since its worker read the parameters; the worker then reads
    again at once. All workers first read at time 0.

    ``max_delay=None`` (default): no bound; delays are whatever the timing gives,
    and a bounded-delay theorem has no ``tau`` (the simulator reports the realised
    maximum). ``max_delay=k``: a gradient staler than ``k`` is discarded and its
    worker reads fresh parameters (a staleness-bounded server), so every applied
    update has ``tau_t <= k``.
    """

    n_workers: int
    compute_time: Literal["exponential", "lognormal"] = "exponential"
    slowdowns: tuple[float, ...] | None = None
    max_delay: int | None = None

    def __post_init__(self) -> None:
        K = check_int(self.n_workers, "n_workers", min_value=1)
        object.__setattr__(self, "n_workers", K)
        check_choice(self.compute_time, "compute_time", ("exponential", "lognormal"))
        if self.slowdowns is not None:
            object.__setattr__(self, "slowdowns", check_slowdowns(self.slowdowns, K))
        if self.max_delay is not None:
            k = check_int(self.max_delay, "max_delay", min_value=0)
            object.__setattr__(self, "max_delay", k)

    def _times(
        self, rng: np.random.Generator, shape: tuple[int, ...]
    ) -> NDArray[np.float64]:
        if self.compute_time == "exponential":
            return rng.exponential(1.0, size=shape)
        return rng.lognormal(0.0, 1.0, size=shape)

    def _draw(self, rng: np.random.Generator, n_steps: int, n_pairs: int) -> I64:
        K, P = self.n_workers, n_pairs
        slow = np.ones(K) if self.slowdowns is None else np.asarray(self.slowdowns)
        cap = np.iinfo(np.int64).max if self.max_delay is None else self.max_delay
        finish = self._times(rng, (P, K)) * slow
        read = np.zeros((P, K), dtype=np.int64)  # updates applied when k last read
        done = np.zeros(P, dtype=np.int64)  # updates applied so far, per pair
        out = np.zeros((P, n_steps), dtype=np.int64)
        rows = np.arange(P)
        while (active := done < n_steps).any():
            k = np.argmin(finish, axis=1)
            stale = done - read[rows, k]
            ok = active & (stale <= cap)
            out[rows[ok], done[ok]] = stale[ok]
            done += ok
            read[rows, k] = done
            finish[rows, k] += self._times(rng, (P,)) * slow[k]
        return out


@dataclass(frozen=True)
class TraceDelay(AbstractDelay):
    """Replay a recorded staleness trace.

    Policy: every pair reads the trace *cyclically*, starting at an offset drawn
    uniformly from ``{0, ..., len - 1}`` by the rng (``random_offset=False``:
    offset 0 for every pair). So a run longer than the trace replays it, and
    different pairs see different windows of it. ``max_delay`` is the trace's
    maximum, the ``tau`` a bounded-delay theorem must use.
    """

    values: tuple[int, ...]
    random_offset: bool = True

    def __post_init__(self) -> None:
        arr = check_int_array(list(self.values), "values", min_value=0)
        object.__setattr__(self, "values", tuple(int(v) for v in arr))

    @property
    def max_delay(self) -> int:
        return max(self.values)

    @classmethod
    def from_file(
        cls,
        path: str | Path,
        column: Literal["min"] | int = "min",
        *,
        random_offset: bool = True,
    ) -> TraceDelay:
        """Read a trace: a CSV/text file of integers written as floats, one row a step.

        Args:
            path: the file (see ``../shared/data/delay-traces/README.md`` beside the checkout).
            column: for multi-column (PIAG) files, ``"min"`` takes the row minimum
                (the freshest gradient, the one that just arrived) and an int picks
                that column. One-column files are used as they are.
            random_offset: see the class docstring.
        """
        p = Path(path)
        if not p.is_file():
            raise InvalidParameterError(f"path={str(path)!r} must be an existing file")
        try:
            data = np.loadtxt(p, delimiter=",", ndmin=2, dtype=np.float64)
        except ValueError as exc:
            raise InvalidParameterError(
                f"path={str(path)!r} is not a numeric CSV"
            ) from exc
        if column == "min":
            col = data.min(axis=1)
        else:
            c = check_int(column, "column", min_value=0, max_value=data.shape[1] - 1)
            col = data[:, c]
        return cls(
            tuple(check_int_array(col, "values", min_value=0).tolist()), random_offset
        )

    def _draw(self, rng: np.random.Generator, n_steps: int, n_pairs: int) -> I64:
        trace = np.asarray(self.values, dtype=np.int64)
        m = len(trace)
        if self.random_offset:
            start = rng.integers(0, m, size=n_pairs)
        else:
            start = np.zeros(n_pairs, dtype=np.int64)
        return trace[(start[:, None] + np.arange(n_steps)[None, :]) % m]


def make_delay(spec: str) -> AbstractDelay:
    """Parse a delay model from a CLI string.

    Accepted forms: ``"constant:TAU"``, ``"uniform:MAX"``, ``"geometric:P:MAX"``,
    ``"workers:K"``, ``"workers:K:exponential|lognormal"``,
    ``"workers:K:exponential|lognormal:MAX"`` and ``"trace:PATH"`` (row minimum).

    Examples:
        >>> make_delay("geometric:0.3:8")
        GeometricDelay(p=0.3, max_delay=8)
    """
    if not isinstance(spec, str) or ":" not in spec:
        raise InvalidParameterError(
            f"spec={spec!r} must look like 'constant:8', 'uniform:8', "
            "'geometric:0.3:8', 'workers:8' or 'trace:PATH'"
        )
    kind, _, rest = spec.partition(":")
    if kind == "trace":
        return TraceDelay.from_file(rest)
    args = rest.split(":")
    arity = {"constant": (1,), "uniform": (1,), "geometric": (2,), "workers": (1, 2, 3)}
    check_choice(kind, "spec kind", (*arity, "trace"))
    if len(args) not in arity[kind]:
        raise InvalidParameterError(f"spec={spec!r} has a wrong number of fields")
    try:
        nums = [float(a) for a in args if a not in ("exponential", "lognormal")]
    except ValueError as exc:
        raise InvalidParameterError(f"spec={spec!r} has a non-numeric field") from exc
    if kind == "constant":
        return ConstantDelay(check_int(nums[0], "tau"))
    if kind == "uniform":
        return UniformDelay(check_int(nums[0], "max_delay"))
    if kind == "geometric":
        return GeometricDelay(nums[0], check_int(nums[1], "max_delay"))
    ct = args[1] if len(args) > 1 else "exponential"
    check_choice(ct, "compute_time", ("exponential", "lognormal"))
    cap = check_int(nums[1], "max_delay") if len(args) == 3 else None
    return WorkerDelay(check_int(nums[0], "n_workers"), ct, None, cap)  # type: ignore[arg-type]
