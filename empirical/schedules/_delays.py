"""Delay models: where the staleness ``tau_t`` of each update comes from.

Abstract/final pattern (equinox): :class:`AbstractDelay` declares
``sample(rng, n_steps, n_pairs) -> (n_pairs, n_steps) int64`` and the final models
are frozen dataclasses that validate in ``__post_init__``. ``max_delay`` is the
bound ``tau`` that bounded-delay theorems use (``None`` only for an uncapped
:class:`WorkerDelay`, whose delays have no a-priori bound).

Delays come from the system's timing, not from the data (docs/theory.md, "Setting"):
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

from bounds import InvalidParameterError
from bounds.internal import (
    check_choice,
    check_int,
    check_int_array,
    check_positive,
    check_probability,
    checked,
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
    "spec_number",
    "split_spec",
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
            path: the file, or ``example:NAME`` for a trace shipped with the
                package (:func:`empirical.example_trace`; the ``README.md``
                beside those files gives their source and format).
            column: for multi-column (PIAG) files, ``"min"`` takes the row minimum
                (the freshest gradient, the one that just arrived) and an int picks
                that column. One-column files are used as they are.
            random_offset: see the class docstring.

        Raises:
            InvalidParameterError: see :func:`empirical.schedules._trace_file.read_trace`.
        """
        from ._trace_file import read_trace

        return cls(tuple(read_trace(path, column)), random_offset)

    def _draw(self, rng: np.random.Generator, n_steps: int, n_pairs: int) -> I64:
        trace = np.asarray(self.values, dtype=np.int64)
        m = len(trace)
        if self.random_offset:
            start = rng.integers(0, m, size=n_pairs)
        else:
            start = np.zeros(n_pairs, dtype=np.int64)
        return trace[(start[:, None] + np.arange(n_steps)[None, :]) % m]


def split_spec(
    spec: str, name: str, fields: Sequence[str], n_optional: int = 0
) -> list[str]:
    """The fields after the kind of a ``kind:F1:F2`` spec, counted against ``fields``.

    Args:
        spec: the text the user typed, e.g. ``"geometric:0.3"``.
        name: the argument's name in messages (``"spec"``, ``"delay"``).
        fields: the names of the fields, e.g. ``("P", "MAX")``.
        n_optional: how many of the last ``fields`` may be left out.

    Raises:
        InvalidParameterError: a field is missing or there are too many; the
            message quotes ``spec``, names what is missing and the form to write.
    """
    kind, *args = spec.split(":")
    req = len(fields) - n_optional
    usage = kind + "".join(f":{f}" for f in fields[:req])
    usage += "".join(f"[:{f}" for f in fields[req:]) + "]" * n_optional
    empty = [f for f, a in zip(fields, args, strict=False) if not a.strip()]
    gone = empty or list(fields[len(args) : req])
    if gone:
        raise InvalidParameterError(
            f"{name}={spec!r} is missing {' and '.join(gone)}: write {usage!r}"
        )
    if len(args) > len(fields):
        raise InvalidParameterError(
            f"{name}={spec!r} has {len(args) - len(fields)} field(s) too many "
            f"({':'.join(args[len(fields) :])!r}): write {usage!r}"
        )
    return args


def spec_number(text: str, field: str, name: str, spec: str) -> float:
    """``int(text)`` or ``float(text)``, or an error quoting ``spec`` naming ``field``."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        raise InvalidParameterError(
            f"{name}={spec!r}: {field}={text!r} must be a number"
        ) from None


def _quoting(name: str, spec: str, exc: InvalidParameterError) -> InvalidParameterError:
    return InvalidParameterError(f"{name}={spec!r}: {exc}")


#: The forms :func:`make_delay` accepts: kind -> (field names, optional fields).
SPEC_FIELDS: dict[str, tuple[tuple[str, ...], int]] = {
    "constant": (("TAU",), 0),
    "uniform": (("MAX",), 0),
    "geometric": (("P", "MAX"), 0),
    "workers": (("K", "COMPUTE_TIME", "MAX"), 2),
}


@checked
def make_delay(spec: str) -> AbstractDelay:
    """Parse a delay model from a CLI string.

    Accepted forms: ``"constant:TAU"``, ``"uniform:MAX"``, ``"geometric:P:MAX"``,
    ``"workers:K"``, ``"workers:K:exponential|lognormal"``,
    ``"workers:K:exponential|lognormal:MAX"`` and ``"trace:PATH"`` (row minimum).
    An error quotes ``spec`` and says which field is missing or wrong.

    Examples:
        >>> make_delay("geometric:0.3:8")
        GeometricDelay(p=0.3, max_delay=8)
    """
    forms = "'constant:8', 'uniform:8', 'geometric:0.3:8', 'workers:8' or 'trace:PATH'"
    if not isinstance(spec, str):
        raise InvalidParameterError(f"spec={spec!r} must be a string such as {forms}")
    kind, _, rest = spec.partition(":")
    if kind == "trace":
        if not rest:
            raise InvalidParameterError(
                f"spec={spec!r} is missing PATH: write 'trace:PATH'"
            )
        return TraceDelay.from_file(rest)
    if kind not in SPEC_FIELDS:
        raise InvalidParameterError(
            f"spec={spec!r}: the kind {kind!r} must be one of "
            f"{', '.join(map(repr, (*SPEC_FIELDS, 'trace')))}"
        )
    fields, optional = SPEC_FIELDS[kind]
    args = split_spec(spec, "spec", fields, optional)
    try:
        if kind in ("constant", "uniform"):
            k = check_int(spec_number(args[0], fields[0], "spec", spec), fields[0])
            return ConstantDelay(k) if kind == "constant" else UniformDelay(k)
        if kind == "geometric":
            p = spec_number(args[0], "P", "spec", spec)
            return GeometricDelay(
                p, check_int(spec_number(args[1], "MAX", "spec", spec), "MAX")
            )
        K = check_int(spec_number(args[0], "K", "spec", spec), "K", min_value=1)
        ct = args[1] if len(args) > 1 else "exponential"
        check_choice(ct, "COMPUTE_TIME", ("exponential", "lognormal"))
        cap = None
        if len(args) == 3:
            cap = check_int(
                spec_number(args[2], "MAX", "spec", spec), "MAX", min_value=0
            )
        return WorkerDelay(K, ct, None, cap)  # type: ignore[arg-type]
    except InvalidParameterError as exc:
        if str(exc).startswith(f"spec={spec!r}"):
            raise
        raise _quoting("spec", spec, exc) from exc
