"""A sweep task: one grid point as plain data, and the grid that makes tasks.

A :class:`SweepTask` pickles to any executor and hashes stably (its ``task_id``
is a hash of its config), so a sweep's results file can be resumed and the same
task gives the same result whatever executor runs it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

from bounds import REGISTRY, InvalidParameterError
from bounds.internal import (
    check_choice,
    check_finite,
    check_int,
    check_positive,
    checked,
    parse_number,
)
from bounds.internal import parse_grid as shared_parse_grid
from empirical.problems._data import DATASETS
from empirical.problems._losses import LOSSES
from empirical.schedules._delays import ConstantDelay, spec_number, split_spec
from empirical.schedules._protocols import Deng, OneStale, Regatti, WorkerProtocol
from empirical.schedules._step_sizes import SCHEDULES, make_schedule

__all__ = [
    "DELAY_KINDS",
    "MAX_SWEEP_POINTS",
    "SCHEDULES",
    "SweepTask",
    "check_task_delay",
    "make_protocol",
    "make_schedule",
    "make_tasks",
    "parse_grid",
    "unique_tasks",
]

DELAY_KINDS = ("constant", "uniform", "geometric", "workers", "trace")

#: Losses a worker protocol runs on (the protocol kernel's linear losses).
_PROTOCOL_LOSSES = ("logistic", "sigmoid", "huber")


@dataclass(frozen=True)
class SweepTask:
    """One grid point: everything that determines a simulation and its verdicts.

    ``step_size`` is ``eta0`` for constant schedules and ``c`` for decaying ones.
    ``delay`` is the delay model's kind (``"uniform"``, ``"constant"``,
    ``"geometric:P"``, ``"workers"``) combined with ``max_delay``, or a full
    ``"trace:PATH"`` / ``"workers:K..."`` spec (the model's own ``max_delay``
    then applies).
    ``theorems`` restricts the verdicts (empty: every registered theorem).
    ``diameter`` runs projected SGD onto the ball ``||w|| <= diameter / 2``.
    ``worst_case`` adds the worst-case search of :mod:`empirical.measurement._worst_case`.
    ``protocol`` is the worker protocol (:func:`make_protocol`): ``"a"`` (one
    stale gradient per update, the delay model above), ``"b:W"`` (Regatti et al.
    2019: ``W`` workers averaged and clipped to norm 1, ``D = max_delay``) or
    ``"c:W:fixed"`` / ``"c:W:random"`` (Deng et al. 2024: ``W`` workers of period
    ``max_delay + 1``, summed); ``batch_size`` is each contribution's minibatch.
    """

    loss: str = "logistic"
    dataset: str = "breast_cancer"
    n_samples: int = 200
    n_steps: int = 1000
    max_delay: int = 0
    delay: str = "uniform"
    step_size: float = 0.1
    schedule: str = "constant"
    n_pairs: int = 100
    seed: int = 0
    radius: float = 1.0
    theorems: tuple[str, ...] = ()
    tag: str = ""
    diameter: float | None = None
    worst_case: bool = False
    protocol: str = "a"
    batch_size: int = 1

    def __post_init__(self) -> None:
        check_choice(self.loss, "loss", tuple(LOSSES))
        check_choice(self.dataset, "dataset", DATASETS)
        check_int(self.n_samples, "n_samples", min_value=2)
        check_int(self.n_steps, "n_steps", min_value=1)
        check_int(self.max_delay, "max_delay", min_value=0)
        check_positive(self.step_size, "step_size")
        check_choice(self.schedule, "schedule", SCHEDULES)
        check_int(self.n_pairs, "n_pairs", min_value=2)
        check_int(self.seed, "seed", min_value=0)
        check_positive(self.radius, "radius")
        check_task_delay(self.delay)
        if self.diameter is not None:
            check_positive(self.diameter, "diameter")
        elif getattr(LOSSES[self.loss], "needs_ball", False):
            raise InvalidParameterError(
                f"diameter=None: loss={self.loss!r} needs a diameter (projected SGD); "
                "its Lipschitz constant holds on the projection ball only"
            )
        check_int(self.batch_size, "batch_size", min_value=1)
        if self.batch_size > self.n_samples:
            raise InvalidParameterError(
                f"batch_size={self.batch_size} must be <= n_samples={self.n_samples}"
            )
        make_protocol(self.protocol, self.max_delay, self.batch_size)
        worker = self.protocol != "a" or self.batch_size != 1
        if worker and (self.loss not in _PROTOCOL_LOSSES or self.diameter is not None):
            raise InvalidParameterError(
                f"loss={self.loss!r} with protocol={self.protocol!r}, batch_size="
                f"{self.batch_size}: worker protocols run the linear losses "
                f"{', '.join(_PROTOCOL_LOSSES)} without a diameter"
            )
        if worker and self.schedule not in ("constant", "decaying"):
            raise InvalidParameterError(
                f"schedule={self.schedule!r} with protocol={self.protocol!r}: worker "
                "protocols take a 'constant' or 'decaying' schedule (the [rule-tau] "
                "schedules read one delay per step)"
            )
        if self.protocol != "a" and self.delay != "constant":
            raise InvalidParameterError(
                f"delay={self.delay!r} with protocol={self.protocol!r}: a worker "
                "protocol makes its own delays; leave delay at 'constant'"
            )
        if not isinstance(self.worst_case, bool):
            raise InvalidParameterError(
                f"worst_case={self.worst_case!r} must be True or False"
            )
        object.__setattr__(self, "theorems", tuple(self.theorems))
        for key in self.theorems:
            check_choice(key, "theorems", tuple(REGISTRY))

    @property
    def delay_spec(self) -> str:
        """The ``make_delay`` spec, e.g. ``"uniform:8"``."""
        kind, _, rest = self.delay.partition(":")
        if kind == "trace" or (kind == "workers" and rest):
            return self.delay
        if kind == "workers":  # tau + 1 workers, staleness capped at max_delay
            return f"workers:{self.max_delay + 1}:exponential:{self.max_delay}"
        return f"{self.delay}:{self.max_delay}"

    @property
    def task_id(self) -> str:
        """Stable identity: SHA-256 of the canonical JSON of the config.

        ``tag`` is a label for reports, not part of the setting, so two families
        sharing a setting run it once.
        """
        cfg = {k: v for k, v in self.to_dict().items() if k != "tag"}
        # ids of tasks without these options predate the fields
        if cfg["diameter"] is None:
            del cfg["diameter"]
        if not cfg["worst_case"]:
            del cfg["worst_case"]
        if cfg["protocol"] == "a" and cfg["batch_size"] == 1:
            del cfg["protocol"], cfg["batch_size"]
        blob = json.dumps(cfg, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        d = asdict(self)
        d["theorems"] = list(self.theorems)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SweepTask:
        """Inverse of :meth:`to_dict`."""
        return cls(**{**d, "theorems": tuple(d.get("theorems", ()))})


_FIELD_TYPES: dict[str, Callable[[str], Any]] = {
    f.name: {"int": int, "float": float, "str": str, "float | None": float}.get(
        str(f.type), str
    )
    for f in dataclasses.fields(SweepTask)
    if f.name not in {"theorems", "worst_case"}
}
_ALIASES = {
    "tau": "max_delay",
    "eta": "step_size",
    "c": "step_size",
    "n": "n_samples",
    "T": "n_steps",
    "pairs": "n_pairs",
}


#: ``sweep``'s default limit on a grid's points (``--max-grid-points``): each
#: point simulates ``n_pairs`` coupled runs, seconds to minutes.
MAX_SWEEP_POINTS = 1_000


@checked
def parse_grid(
    specs: Sequence[str],
    *,
    given: Mapping[str, Any] | None = None,
    max_points: int | None = None,
) -> dict[str, list[Any]]:
    """Parse ``["max_delay=0,2,8", "step_size=0.05,0.1"]`` into a grid dict.

    Aliases: ``tau``, ``eta``/``c``, ``n``, ``T``, ``pairs``. The parsing is
    :func:`bounds._grid.parse_grid`'s, the calculator's own: an axis given twice
    (also under an alias), an empty value (``0,,2``) or a number float64 cannot
    hold is refused; so is an axis that repeats a constant in ``given`` (the
    settings the user set otherwise, e.g. ``--max-delay 3``), a value given twice
    and a grid of more than ``max_points`` points.

    Examples:
        >>> parse_grid(["tau=0,2", "loss=logistic,sigmoid"])
        {'max_delay': [0, 2], 'loss': ['logistic', 'sigmoid']}
    """
    return shared_parse_grid(
        specs,
        names=tuple(_FIELD_TYPES),
        aliases=_ALIASES,
        convert=_grid_value,
        given=given,
        max_points=max_points,
    )


def _grid_value(name: str, text: str) -> Any:
    """One grid value of field ``name``, as the field's type."""
    kind = _FIELD_TYPES[name]
    if kind is str:
        return text
    value = parse_number(text, name)
    if kind is int:
        return check_int(value, name)
    return check_finite(value, name)


@checked
def make_tasks(
    base: dict[str, Any], grid: Mapping[str, Sequence[Any]]
) -> list[SweepTask]:
    """The Cartesian product of ``grid`` over ``base`` (deduplicated, in order)."""
    keys = list(grid)
    return unique_tasks(
        SweepTask(**{**base, **dict(zip(keys, combo, strict=True))})
        for combo in itertools.product(*(grid[k] for k in keys))
    )


def unique_tasks(tasks: Iterable[SweepTask]) -> list[SweepTask]:
    """``tasks`` without repeats (same ``task_id``), first occurrence kept, in order."""
    uniq: dict[str, SweepTask] = {}
    for t in tasks:
        uniq.setdefault(t.task_id, t)
    return list(uniq.values())


def check_task_delay(delay: Any) -> str:
    """Return ``delay``; raise unless it is a task's delay spec (``--delay``).

    Grammar (``MAX`` is the task's ``max_delay``): ``constant``, ``uniform``,
    ``workers`` and ``geometric:P`` take their maximum from ``max_delay``;
    ``workers:K[:exponential|lognormal[:CAP]]`` and ``trace:PATH`` bring their own.
    The message quotes ``delay`` as typed and says what is missing or extra.
    A trace file is read later, by :func:`~empirical.schedules._delays.make_delay`.
    """

    if not isinstance(delay, str):
        raise InvalidParameterError(
            f"delay={delay!r} must be a delay spec string such as "
            "'uniform', 'geometric:0.3' or 'trace:PATH'"
        )
    kind, sep, rest = delay.partition(":")
    if kind not in DELAY_KINDS:
        raise InvalidParameterError(
            f"delay={delay!r}: the kind {kind!r} must be one of "
            f"{', '.join(map(repr, DELAY_KINDS))}"
        )
    if kind == "trace":
        if not rest:
            raise InvalidParameterError(
                f"delay={delay!r} is missing PATH: write 'trace:PATH'"
            )
        return delay
    if kind in ("constant", "uniform") or (kind == "workers" and not sep):
        if sep:
            raise InvalidParameterError(
                f"delay={delay!r} takes no field: write {kind!r}; its maximum is "
                "max_delay (--max-delay)"
            )
        return delay
    if kind == "geometric":
        try:
            (p,) = split_spec(delay, "delay", ("P",))
        except InvalidParameterError as exc:
            raise InvalidParameterError(
                f"{exc}; its maximum is max_delay (--max-delay)"
            ) from None
        value = spec_number(p, "P", "delay", delay)
        if not 0 < value <= 1:
            raise InvalidParameterError(f"delay={delay!r}: P={p} must be in (0, 1]")
        return delay
    k, *more = split_spec(delay, "delay", ("K", "COMPUTE_TIME", "CAP"), 2)
    n_workers = spec_number(k, "K", "delay", delay)
    if not (math.isfinite(n_workers) and n_workers == int(n_workers) >= 1):
        raise InvalidParameterError(f"delay={delay!r}: K={k} must be an integer >= 1")
    if more and more[0] not in ("exponential", "lognormal"):
        raise InvalidParameterError(
            f"delay={delay!r}: COMPUTE_TIME={more[0]!r} must be 'exponential' or "
            "'lognormal'"
        )
    if len(more) == 2:
        cap = spec_number(more[1], "CAP", "delay", delay)
        if not (math.isfinite(cap) and cap == int(cap) >= 0):
            raise InvalidParameterError(
                f"delay={delay!r}: CAP={more[1]} must be an integer >= 0"
            )
    return delay


def make_protocol(
    spec: str, max_delay: int, batch_size: int = 1
) -> WorkerProtocol | None:
    """The worker protocol of a task: ``"a"``, ``"b:W"`` or ``"c:W:fixed|random"``.

    ``"a"`` with ``batch_size`` 1 is ``None`` (the one-gradient simulator runs
    it); with a larger batch it is :class:`OneStale` at a constant delay.

    Raises:
        InvalidParameterError: a spec that names no protocol, quoted.

    Examples:
        >>> make_protocol("c:16:random", 16, 4).period
        17
    """

    kind, *rest = str(spec).split(":")
    workers = rest[0] if rest else ""
    if kind == "a" and not rest:
        if batch_size == 1:
            return None
        return OneStale(ConstantDelay(max_delay), batch_size=batch_size)
    if workers.isdigit() and kind == "b" and len(rest) == 1:
        return Regatti(int(workers), max_delay, batch_size=batch_size)
    if workers.isdigit() and kind == "c" and rest[1:] in (["fixed"], ["random"]):
        draw: Literal["fixed", "random"] = "fixed" if rest[1] == "fixed" else "random"
        return Deng(int(workers), max_delay + 1, delays=draw, batch_size=batch_size)
    raise InvalidParameterError(
        f"protocol={spec!r} must be 'a', 'b:W' (W workers averaged and clipped) or "
        "'c:W:fixed' / 'c:W:random' (W workers summed)"
    )
