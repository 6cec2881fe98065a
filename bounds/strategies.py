"""Hypothesis strategies that draw *admissible* inputs of a theorem.

Use them to property-test your own code against the bounds. Every strategy
draws the constants first and then the step size inside the theorem's
condition (for example ``step_size`` in ``(0, 2/smoothness]``), so nothing is
filtered with ``assume()``. A request that cannot be met (``n_steps=0``, a
negative delay, ...) raises :class:`~bounds.InvalidParameterError` when the
strategy is built, never an empty strategy.

Examples:
    >>> from hypothesis import given
    >>> from bounds import THEOREMS
    >>> from bounds.strategies import theorem_params
    >>> theorem = THEOREMS["delayed-cvx"]
    >>> @given(theorem_params(theorem, max_n_steps=100))
    ... def test_nonnegative(params):
    ...     assert theorem.evaluate(**params) >= 0
    >>> test_nonnegative()
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy
from numpy.typing import NDArray

from ._assumption import Assumption
from ._theorem import Theorem
from ._validation import check_int, check_positive

__all__ = [
    "coupled_runs",
    "delay_sequences",
    "schedules",
    "step_size_limit",
    "theorem_params",
]

# Ranges of the constants: wide enough to exercise the formulas, narrow enough
# that every drawn case is a sensible problem (each range spans decades).
_CONSTANT = st.floats(min_value=1e-2, max_value=1e2)
_LOSS_BOUND = st.floats(min_value=0.1, max_value=10.0)
_FRACTION = st.floats(min_value=1e-4, max_value=1.0)  # of the step-size limit


def step_size_limit(theorem: Theorem, **constants: float) -> float:
    """Largest step size (or ``c``) the theorem's conditions allow (``inf`` if none).

    Args:
        theorem: the bound.
        **constants: values of the symbols the condition uses (``smoothness``).

    Returns:
        the limit, e.g. ``2 / smoothness`` for [H-cvx].

    Raises:
        InvalidParameterError: a constant the condition needs is missing or not > 0.

    Examples:
        >>> from bounds import THEOREMS
        >>> step_size_limit(THEOREMS["hardt-cvx"], smoothness=4.0)
        0.5
        >>> step_size_limit(THEOREMS["hardt-ncvx"], smoothness=4.0)
        inf
    """
    return theorem.step_size_limit(**constants)


def _delayed(theorem: Theorem) -> bool:
    return Assumption.NO_DELAY not in theorem.assumptions


def theorem_params(
    theorem: Theorem,
    *,
    max_n_steps: int = 10**6,
    max_delay: int = 64,
    max_n_samples: int = 10**6,
) -> SearchStrategy[dict[str, Any]]:
    """Keyword arguments for ``theorem.evaluate`` that satisfy its conditions.

    The constants are drawn first, then ``step_size`` in ``(0, limit]`` (constant
    schedules) or ``c`` in ``[1e-2, 1e2]`` (decaying schedules; their theorems
    put no condition on ``c``). ``max_delay`` is drawn in ``[0, min(max_delay,
    n_steps)]`` for delayed theorems and is ``0`` for synchronous ones.

    Args:
        theorem: the bound.
        max_n_steps: largest ``n_steps`` (>= 1).
        max_delay: largest ``max_delay`` (>= 0).
        max_n_samples: largest ``n_samples`` (>= 2).

    Returns:
        a strategy of dicts keyed by API names.

    Raises:
        InvalidParameterError: an impossible request (e.g. ``max_n_steps=0``).

    Examples:
        >>> from hypothesis import find
        >>> from bounds import THEOREMS
        >>> p = find(theorem_params(THEOREMS["hardt-cvx"]), lambda p: True)
        >>> sorted(p)
        ['lipschitz', 'n_samples', 'n_steps', 'smoothness', 'step_size']
        >>> p["step_size"] <= 2 / p["smoothness"]
        True
    """
    T_max = check_int(max_n_steps, "max_n_steps", min_value=1)
    tau_max = check_int(max_delay, "max_delay", min_value=0)
    n_max = check_int(max_n_samples, "max_n_samples", min_value=2)
    names = theorem.parameters

    @st.composite
    def draw_params(draw: Any) -> dict[str, Any]:
        p: dict[str, Any] = {"n_samples": draw(st.integers(2, n_max))}
        if "n_steps" in names:
            p["n_steps"] = draw(st.integers(1, T_max))
        for name in ("lipschitz", "smoothness", "strong_convexity"):
            if name in names:
                p[name] = draw(_CONSTANT)
        if "strong_convexity" in p:  # gamma <= beta for a smooth strongly convex f
            p["strong_convexity"] = min(p["strong_convexity"], p["smoothness"])
        if "loss_bound" in names:
            p["loss_bound"] = draw(_LOSS_BOUND)
        if "diameter" in names:  # part 2: ||w_1 - w*|| <= r, F(w*) and E[F_S] >= 0
            p["diameter"] = draw(_CONSTANT)
            p["init_distance"] = draw(_FRACTION) * p["diameter"]
        for name in ("optimal_risk", "train_loss"):
            if name in names:
                p[name] = draw(_LOSS_BOUND)
        if _delayed(theorem):
            p["max_delay"] = draw(
                st.integers(0, min(tau_max, p.get("n_steps", tau_max)))
            )
        # part 3: a protocol's constants (batch_size <= n_samples)
        if "batch_size" in names:
            p["batch_size"] = draw(st.integers(1, min(256, p["n_samples"])))
        if "arrivals" in names:
            p["arrivals"] = draw(st.integers(1, 64))
        if "step_weight" in names:
            p["step_weight"] = draw(st.sampled_from([1, 2, 4, 16]) | _FRACTION)
        if theorem.step_parameter == "c":
            p["c"] = draw(_CONSTANT)
        else:
            limit = step_size_limit(theorem, **p)
            p["step_size"] = min(draw(_FRACTION) * limit, limit)
        return p

    return draw_params()


def delay_sequences(
    n_steps: int, max_delay: int, *, t_bounded: bool = False
) -> SearchStrategy[NDArray[np.int64]]:
    """Integer delay arrays ``tau_t`` in ``[0, max_delay]``, shape ``(n_steps,)``.

    Args:
        n_steps: length ``T`` (>= 1).
        max_delay: largest delay (>= 0).
        t_bounded: also enforce ``tau_t <= t - 1`` (no reads before ``w_1``);
            the bounds read larger delays as ``t - 1`` anyway.

    Raises:
        InvalidParameterError: ``n_steps < 1`` or ``max_delay < 0``.

    Examples:
        >>> from hypothesis import find
        >>> find(delay_sequences(4, 2), lambda d: d.sum() >= 8).tolist()
        [2, 2, 2, 2]
        >>> find(delay_sequences(4, 2, t_bounded=True), lambda d: True).tolist()
        [0, 0, 0, 0]
    """
    T = check_int(n_steps, "n_steps", min_value=1)
    tau = check_int(max_delay, "max_delay", min_value=0)

    def clip(values: list[int]) -> NDArray[np.int64]:
        arr = np.asarray(values, dtype=np.int64)
        return np.minimum(arr, np.arange(T)) if t_bounded else arr

    return st.lists(st.integers(0, tau), min_size=T, max_size=T).map(clip)


def schedules(
    theorem: Theorem,
    n_steps: int,
    *,
    smoothness: float,
    c: float | None = None,
    step_weight: float = 1.0,
) -> SearchStrategy[NDArray[np.float64]]:
    """Admissible step-size arrays ``eta_1..eta_T`` for ``theorem``.

    Constant-step theorems: a constant ``eta`` in ``(0, limit]`` or an arbitrary
    non-increasing array with ``eta_1 <= limit`` (e.g. ``limit = 2/smoothness``).
    Decaying theorems: ``c / t`` or an arbitrary non-increasing array with
    ``eta_t <= c / t``; ``c`` is drawn in ``[1e-2, 1e2]`` unless given.

    ``step_weight`` (part-3 theorems): the largest total weight ``K_t`` of a
    step, which enters the step condition ``eta_t K_t beta <= 2``.

    Raises:
        InvalidParameterError: ``n_steps < 1``, ``smoothness`` or ``c`` not > 0.

    Examples:
        >>> from hypothesis import find
        >>> from bounds import THEOREMS
        >>> eta = find(schedules(THEOREMS["hardt-cvx"], 3, smoothness=2.0),
        ...            lambda e: e[0] > e[-1])
        >>> bool(eta.max() <= 1.0 and (eta[1:] <= eta[:-1]).all())
        True
    """
    T = check_int(n_steps, "n_steps", min_value=1)
    beta = check_positive(smoothness, "smoothness")
    t = np.arange(1, T + 1, dtype=np.float64)
    decreasing = st.lists(_FRACTION, min_size=T, max_size=T).map(
        lambda u: np.minimum.accumulate(np.asarray(u, dtype=np.float64))
    )
    if theorem.step_parameter == "c":
        cs = st.just(check_positive(c, "c")) if c is not None else _CONSTANT
        return st.one_of(
            cs.map(lambda cc: cc / t),
            st.tuples(cs, decreasing).map(lambda a: a[0] * a[1] / t),
        )
    constants = {"smoothness": beta}
    if "step_weight" in theorem.parameters:
        constants["step_weight"] = check_positive(step_weight, "step_weight")
    limit = step_size_limit(theorem, **constants)
    return st.one_of(
        _FRACTION.map(lambda u: np.full(T, min(u * limit, limit))),
        decreasing.map(lambda u: np.minimum(u * limit, limit)),
    )


def coupled_runs(
    theorem: Theorem,
    *,
    max_n_steps: int = 30,
    max_delay: int = 5,
    smoothness: float,
) -> SearchStrategy[dict[str, NDArray[Any]]]:
    """One coupled run's inputs for :func:`bounds.pathwise_bound`.

    Draws ``n_steps`` in ``[1, max_n_steps]``, an admissible schedule
    (:func:`schedules`), delays (zeros for synchronous theorems) and ``hits``,
    the steps that drew the index where S and S' differ.

    Returns:
        a strategy of dicts with keys ``step_sizes``, ``delays``, ``hits``.

    Raises:
        InvalidParameterError: ``max_n_steps < 1``, ``max_delay < 0`` or a bad
            ``smoothness``.

    Examples:
        >>> from hypothesis import find
        >>> from bounds import THEOREMS
        >>> run = find(coupled_runs(THEOREMS["delayed-ncvx"], smoothness=1.0),
        ...            lambda r: r["hits"].any())
        >>> sorted(run), run["hits"].tolist()
        (['delays', 'hits', 'step_sizes'], [True])
    """
    T_max = check_int(max_n_steps, "max_n_steps", min_value=1)
    tau_max = check_int(max_delay, "max_delay", min_value=0)
    beta = check_positive(smoothness, "smoothness")
    if not _delayed(theorem):
        tau_max = 0

    @st.composite
    def draw_run(draw: Any) -> dict[str, NDArray[Any]]:
        T = draw(st.integers(1, T_max))
        hits = draw(st.lists(st.booleans(), min_size=T, max_size=T))
        return {
            "step_sizes": draw(schedules(theorem, T, smoothness=beta)),
            "delays": draw(delay_sequences(T, tau_max)),
            "hits": np.asarray(hits, dtype=bool),
        }

    return draw_run()
