"""Step-size schedules, including the delay-scaled rule [rule-tau] (docs/theory.md).

A schedule is a small callable ``schedule(t, delays) -> step sizes`` evaluated on
arrays: ``t`` holds 1-based step numbers and ``delays`` the staleness ``tau_t`` of
the same steps (same shape). Most schedules ignore ``delays``; the per-step
[rule-tau] variant ``eta0 / (tau_t + 1)`` uses it. Constructors validate once and
return frozen dataclasses (optax's schedule closures, made inspectable).

References:
    Regatti, Tendolkar, Zhou, Gupta, Liang. Distributed SGD Generalizes Well Under
    Asynchrony. Allerton 2019, arXiv:1909.13391 (advice: shrink the step size as
    the delay grows; its exact form here is docs/theory.md, "The step-size rule
    [rule-tau]").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeAlias, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from ._errors import InvalidParameterError
from ._typecheck import checked
from ._validation import check_array, check_int, check_positive

__all__ = [
    "ConstantStep",
    "DecayingStep",
    "InverseSqrtStep",
    "RuleTauStep",
    "StalenessAdaptiveStep",
    "StepSize",
    "StepSizeLike",
    "constant",
    "decaying",
    "inverse_sqrt",
    "resolve_step_sizes",
    "rule_tau",
    "rule_tau_decaying",
    "staleness_adaptive",
]


@runtime_checkable
class StepSize(Protocol):
    """Protocol of a schedule: ``(t, delays) -> eta_t``, vectorised, t is 1-based."""

    def __call__(
        self, t: NDArray[np.int64], delays: NDArray[np.int64]
    ) -> NDArray[np.float64]: ...


#: What a simulator accepts as ``step_size`` (:func:`resolve_step_sizes` turns it
#: into the array ``eta_t``): a constant, a schedule, a callable on the 1-based
#: steps, or the array itself.
StepSizeLike: TypeAlias = "float | StepSize | Callable[..., Any] | NDArray[np.float64]"


@dataclass(frozen=True)
class ConstantStep:
    """``eta_t = step_size`` for every step."""

    step_size: float

    def __call__(
        self, t: NDArray[np.int64], delays: NDArray[np.int64]
    ) -> NDArray[np.float64]:
        return np.full(np.shape(t), self.step_size, dtype=np.float64)


@dataclass(frozen=True)
class DecayingStep:
    """``eta_t = c / (scale * t)``; ``scale = max_delay + 1`` under [rule-tau]."""

    c: float
    scale: float = 1.0

    def __call__(
        self, t: NDArray[np.int64], delays: NDArray[np.int64]
    ) -> NDArray[np.float64]:
        return self.c / (self.scale * np.asarray(t, dtype=np.float64))


@dataclass(frozen=True)
class InverseSqrtStep:
    """``eta_t = step_size / sqrt(t)``."""

    step_size: float

    def __call__(
        self, t: NDArray[np.int64], delays: NDArray[np.int64]
    ) -> NDArray[np.float64]:
        return self.step_size / np.sqrt(np.asarray(t, dtype=np.float64))


@dataclass(frozen=True)
class RuleTauStep:
    """[rule-tau], constant form: ``eta_t = step_size / (max_delay + 1)``."""

    step_size: float
    max_delay: int

    def __call__(
        self, t: NDArray[np.int64], delays: NDArray[np.int64]
    ) -> NDArray[np.float64]:
        return np.full(
            np.shape(t), self.step_size / (self.max_delay + 1), dtype=np.float64
        )


@dataclass(frozen=True)
class StalenessAdaptiveStep:
    """[rule-tau], per-step form: ``eta_t = step_size / (tau_t + 1)``."""

    step_size: float

    def __call__(
        self, t: NDArray[np.int64], delays: NDArray[np.int64]
    ) -> NDArray[np.float64]:
        return self.step_size / (np.asarray(delays, dtype=np.float64) + 1.0)


_SCHEDULES = (
    ConstantStep,
    DecayingStep,
    InverseSqrtStep,
    RuleTauStep,
    StalenessAdaptiveStep,
)


@checked
def constant(step_size: float) -> ConstantStep:
    """Constant schedule ``eta_t = step_size``.

    Examples:
        >>> import numpy as np
        >>> constant(0.1)(np.arange(1, 4), np.zeros(3, dtype=int))
        array([0.1, 0.1, 0.1])
    """
    return ConstantStep(check_positive(step_size, "step_size"))


@checked
def decaying(c: float) -> DecayingStep:
    """Decaying schedule ``eta_t = c / t`` of the nonconvex theorems ([H-ncvx]).

    Examples:
        >>> import numpy as np
        >>> decaying(0.5)(np.arange(1, 4), np.zeros(3, dtype=int))
        array([0.5       , 0.25      , 0.16666667])
    """
    return DecayingStep(check_positive(c, "c"))


@checked
def inverse_sqrt(step_size: float) -> InverseSqrtStep:
    """Schedule ``eta_t = step_size / sqrt(t)``."""
    return InverseSqrtStep(check_positive(step_size, "step_size"))


@checked
def rule_tau(step_size: float, max_delay: int) -> RuleTauStep:
    """[rule-tau] constant form ``eta_t = step_size / (max_delay + 1)``.

    Examples:
        >>> import numpy as np
        >>> rule_tau(0.8, 3)(np.arange(1, 3), np.zeros(2, dtype=int))
        array([0.2, 0.2])
    """
    return RuleTauStep(
        check_positive(step_size, "step_size"),
        check_int(max_delay, "max_delay", min_value=0),
    )


@checked
def rule_tau_decaying(c: float, max_delay: int) -> DecayingStep:
    """[rule-tau] decaying form ``eta_t = c / ((max_delay + 1) t)``."""
    k = check_int(max_delay, "max_delay", min_value=0)
    return DecayingStep(check_positive(c, "c"), float(k + 1))


@checked
def staleness_adaptive(step_size: float) -> StalenessAdaptiveStep:
    """[rule-tau] per-step form ``eta_t = step_size / (tau_t + 1)``.

    Examples:
        >>> import numpy as np
        >>> staleness_adaptive(1.0)(np.arange(1, 4), np.array([0, 1, 3]))
        array([1.  , 0.5 , 0.25])
    """
    return StalenessAdaptiveStep(check_positive(step_size, "step_size"))


@checked
def resolve_step_sizes(
    step_size: StepSizeLike,
    *,
    n_steps: int,
    delays: NDArray[np.int64] | None = None,
) -> NDArray[np.float64]:
    """Turn a float, a schedule or an array into the array of step sizes ``eta_t``.

    Args:
        step_size: a positive float (constant), a :class:`StepSize` schedule, a
            plain callable ``t -> eta_t`` (one argument, 1-based ``t``), or an array
            of shape ``(n_steps,)`` or ``delays.shape``.
        n_steps: number of updates ``T``.
        delays: staleness ``tau_t`` of shape ``(n_steps,)`` or ``(n_pairs, n_steps)``;
            zeros when omitted.

    Returns:
        float64 array of shape ``delays.shape`` (or ``(n_steps,)``), all finite and > 0.

    Raises:
        InvalidParameterError: a value is not finite and positive, or a shape is wrong.

    Examples:
        >>> resolve_step_sizes(0.1, n_steps=3)
        array([0.1, 0.1, 0.1])
        >>> resolve_step_sizes(lambda t: 1.0 / t, n_steps=2)
        array([1. , 0.5])
    """
    T = check_int(n_steps, "n_steps", min_value=1)
    if delays is None:
        d = np.zeros(T, dtype=np.int64)
    else:
        d = np.asarray(delays)
        if d.shape[-1] != T:
            raise InvalidParameterError(
                f"delays must have n_steps={T} columns, got shape {d.shape}"
            )
    t = np.broadcast_to(np.arange(1, T + 1, dtype=np.int64), d.shape)
    if isinstance(step_size, np.ndarray | list | tuple):
        arr = check_array(step_size, "step_size", strictly_positive=True)
        if arr.shape not in {(T,), d.shape}:
            raise InvalidParameterError(
                f"step_size must have shape ({T},) or {d.shape}, got {arr.shape}"
            )
        return np.array(np.broadcast_to(arr, d.shape), dtype=np.float64)
    if isinstance(step_size, _SCHEDULES):
        values = step_size(t, d)
    elif callable(step_size):
        flat = [step_size(int(k)) for k in range(1, T + 1)]  # type: ignore[call-arg,arg-type]
        values = np.broadcast_to(np.asarray(flat, dtype=np.float64), d.shape)
    else:
        values = np.full(d.shape, check_positive(step_size, "step_size"))
    return np.array(check_array(values, "step_size", strictly_positive=True))
