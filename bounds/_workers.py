r"""Levels 2 and 3 of the part-3 theorems [D-cvx-W] and [D-ncvx-W].

The general protocol (``docs/theory.md``, part 3): at step ``t`` contributions
``m`` with weights ``a_{t,m}`` (0: empty slot), effective delays ``d_{t,m}`` and
minibatches of ``b`` indices; ``K_t = sum_m a_{t,m}``, ``N_t = b |{m: a_{t,m} > 0}|``
indices drawn. Schedules are arrays ``weights`` and ``delays`` of shape
``(..., T, K)``; without ``weights`` every step has one contribution of weight 1
(the one-gradient model, where both theorems are [D-ncvx] / [D-cvx]).

One-step inequalities of the proofs (``h_{t,m}`` = slots of minibatch
``(t, m)`` that drew the replaced index, ``f = h/b``):

* nonconvex: ``delta_{t+1} <= delta_t + eta_t min(2C, sum_m a [(1 - f) beta
  delta_{t - d} + f 2L])`` (the clip ``C`` 1-Lipschitz with ``||C(v)|| <= C``);
  in expectation, for ``Delta_t = max_{s<=t} delta_s``:
  ``m_{t+1} <= (1 + (1 - 1/n) eta_t beta K_t) m_t + 2 eta_t L K_t / n``, and
  ``eps <= min_{t0} (B/n) sum_{t<=t0} N_t + L m_{T+1}(t0)``.
* convex, no clip, ``eta_t K_t beta <= 2``: ``delta_{t+1} <= delta_t + 2 eta_t L
  sum_m a f + 2 eta_t beta sum_m a (1 - f) S_{t,m}`` with the drift
  ``S_{t,m} = L sum_{s=t-d}^{t-1} eta_s K_s``; in expectation
  ``eps <= (2L^2/n) sum_t eta_t K_t + 2 beta L^2 (1 - 1/n) sum_t eta_t sum_m a S_{t,m}/L``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._errors import InvalidParameterError, StepSizeConditionError
from ._parameters import validate_parameter
from ._theorem_like import TheoremLike
from ._validation import check_array

__all__ = ["min_over_t0", "workers_pathwise_bound", "workers_recursion_bound"]

Schedule = tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.int64]]


def _schedule(step_sizes: Any, weights: Any, delays: Any) -> Schedule:
    """``eta (..., T)``, ``a (..., T, K)`` and effective ``d (..., T, K)``."""
    eta = check_array(step_sizes, "step_sizes", strictly_positive=True)
    if eta.ndim == 0:
        raise InvalidParameterError(
            "step_sizes must be an array of shape (..., n_steps)"
        )
    if weights is None:
        a = np.ones((*eta.shape, 1))
    else:
        a = check_array(weights, "weights")
        if a.ndim != eta.ndim + 1 or a.shape[:-1] != eta.shape:
            raise InvalidParameterError(
                f"weights of shape {a.shape} must have shape step_sizes.shape + "
                f"(slots,) = {eta.shape} + (K,)"
            )
        if (a < 0).any():
            raise InvalidParameterError(
                f"weights={float(a[a < 0].ravel()[0])!r} must be >= 0"
            )
    if delays is None:
        d = np.zeros(a.shape, dtype=np.int64)
    else:
        raw = np.asarray(delays)
        if raw.shape == eta.shape:  # one delay per step, for every slot
            raw = np.broadcast_to(raw[..., None], a.shape)
        if raw.shape != a.shape:
            raise InvalidParameterError(
                f"delays of shape {np.shape(delays)} must match weights of shape "
                f"{a.shape}"
            )
        if raw.size and (not np.issubdtype(raw.dtype, np.integer) or raw.min() < 0):
            raise InvalidParameterError("delays must be integers >= 0")
        d = raw.astype(np.int64)
    steps = np.arange(1, eta.shape[-1] + 1)[:, None]
    return eta, a, np.minimum(d, steps - 1)  # iterates before w_1 are w_1


def _drift(
    eta: NDArray[np.float64], a: NDArray[np.float64], d: NDArray[np.int64]
) -> NDArray[np.float64]:
    """``sum_{s=t-d_{t,m}}^{t-1} eta_s K_s`` for every step and slot (prefix sums)."""
    ek = eta * a.sum(-1)
    prefix = np.concatenate([np.zeros((*ek.shape[:-1], 1)), np.cumsum(ek, -1)], -1)
    t = np.broadcast_to(np.arange(eta.shape[-1])[:, None], d.shape)  # t - 1
    flat = prefix[..., None, :]
    upper = np.take_along_axis(
        np.broadcast_to(flat, (*d.shape[:-1], prefix.shape[-1])), t, -1
    )
    lower = np.take_along_axis(
        np.broadcast_to(flat, (*d.shape[:-1], prefix.shape[-1])), t - d, -1
    )
    return upper - lower


def _check_convex(
    theorem: TheoremLike, eta: NDArray[np.float64], a: NDArray[np.float64], beta: float
) -> None:
    # Compared as eta_t <= 2 / (K_t beta), the form of the theorem's condition
    # (Theorem.validate): eta_t K_t beta can round past 2 at the limit itself.
    K = a.sum(-1)
    with np.errstate(divide="ignore"):
        limit = np.where(K > 0, 2.0 / (K * beta), np.inf)
    over = eta > limit
    if over.any():
        i = np.unravel_index(np.argmax(over), over.shape)
        raise StepSizeConditionError(
            f"step_sizes[{', '.join(map(str, i))}]={float(eta[i])!r} with step weight "
            f"K_t={float(a.sum(-1)[i])!r} violates eta_t K_t beta <= 2 required by "
            f"{theorem.reference.short} {theorem.registry_key}"
        )


def _constants(
    theorem: TheoremLike,
    lipschitz: float,
    smoothness: float,
    batch_size: int,
    clip: float | None,
    strong_convexity: float | None,
) -> tuple[float, float, float]:
    """Validated ``L``, ``beta`` and ``b``; a clip for the convex theorem and a
    ``strong_convexity`` (which neither theorem uses) are refused by name."""
    if strong_convexity is not None:
        raise InvalidParameterError(
            f"strong_convexity={strong_convexity!r} is not used by {theorem.key}; "
            "leave it out"
        )
    if clip is not None:
        validate_parameter("clip", clip)
        if theorem.recursion == "workers_convex":
            raise InvalidParameterError(
                f"clip={clip!r}: {theorem.registry_key} assumes no clipping (a "
                "clipped step of a convex loss can expand distances; "
                "docs/theory.md, part 3)"
            )
    return (
        float(validate_parameter("lipschitz", lipschitz)),
        float(validate_parameter("smoothness", smoothness)),
        float(validate_parameter("batch_size", batch_size)),
    )


def min_over_t0(
    growth: NDArray[np.float64],
    inject: NDArray[np.float64],
    L: float,
    step_cost: NDArray[np.float64],
) -> NDArray[np.float64]:
    """``min_{t0} sum_{t<=t0} step_cost_t + L sum_{t>t0} inject_t prod_{s>t} (1 + growth_s)``.

    Computed for every ``t0 = 0..T`` at once in log space, so that no product
    overflows; ``inject_t = 0`` (an idle step) is allowed.
    """
    T = growth.shape[-1]
    log_growth = np.log1p(growth)
    suffix = np.cumsum(log_growth[..., ::-1], -1)[..., ::-1] - log_growth
    with np.errstate(divide="ignore"):
        terms = np.log(inject) + suffix
    log_m = np.logaddexp.accumulate(terms[..., ::-1], axis=-1)[..., ::-1]
    cost = np.concatenate(
        [np.zeros((*step_cost.shape[:-1], 1)), np.cumsum(step_cost, -1)], -1
    )
    with np.errstate(over="ignore"):
        candidates = cost[..., :T] + L * np.exp(log_m)
    return np.minimum(candidates.min(-1), cost[..., T])


def workers_recursion_bound(
    theorem: TheoremLike,
    *,
    step_sizes: ArrayLike,
    weights: ArrayLike | None = None,
    delays: ArrayLike | None = None,
    batch_size: int = 1,
    n_samples: int,
    lipschitz: float,
    smoothness: float,
    loss_bound: float = 1.0,
    clip: float | None = None,
    strong_convexity: float | None = None,
) -> float | NDArray[np.float64]:
    r"""Level 2 of [D-ncvx-W] / [D-cvx-W] on a realised schedule.

    Args:
        theorem: ``delayed-ncvx-workers`` or ``delayed-cvx-workers``.
        step_sizes: ``eta_t``, shape ``(..., T)``.
        weights: ``a_{t,m}``, shape ``(..., T, K)`` (0: empty slot); default one
            contribution of weight 1 per step.
        delays: ``d_{t,m}``, same shape, or ``(..., T)`` for one delay per step
            (read as ``min(d, t - 1)``); default 0.
        batch_size: ``b``, indices per contribution.
        n_samples, lipschitz, smoothness, loss_bound: constants.
        clip: the clip threshold (the nonconvex bound holds with or without it;
            the convex theorem refuses it).
        strong_convexity: not used by these theorems; accepted as ``None`` only,
            so that every theorem takes the same keywords.

    Returns:
        a bound on uniform stability, shape ``step_sizes.shape[:-1]``.

    Examples:
        >>> import numpy as np
        >>> from bounds import THEOREMS
        >>> w = np.full((1000, 4), 0.25)  # four workers, averaged
        >>> round(float(workers_recursion_bound(THEOREMS["delayed-cvx-workers"],
        ...     step_sizes=np.full(1000, 0.01), weights=w, delays=np.full((1000, 4), 2),
        ...     batch_size=8, n_samples=500, lipschitz=1.0, smoothness=1.0)), 6)
        0.438601
    """
    L, beta, b = _constants(
        theorem, lipschitz, smoothness, batch_size, clip, strong_convexity
    )
    n = float(validate_parameter("n_samples", n_samples))
    B = float(validate_parameter("loss_bound", loss_bound))
    if b > n:
        raise InvalidParameterError(
            f"batch_size={int(b)} must be <= n_samples={int(n)} (a minibatch draws "
            "its indices from the n training samples)"
        )
    eta, a, d = _schedule(step_sizes, weights, delays)
    Kt = a.sum(-1)
    if theorem.recursion == "workers_convex":
        _check_convex(theorem, eta, a, beta)
        first = 2 * L**2 / n * (eta * Kt).sum(-1)
        stale = (a * _drift(eta, a, d)).sum(-1)
        out = first + 2 * beta * L**2 * (1 - 1 / n) * (eta * stale).sum(-1)
    elif theorem.recursion == "workers_nonconvex":
        Nt = b * (a > 0).sum(-1)
        out = min_over_t0(
            (1 - 1 / n) * eta * beta * Kt, 2 * eta * L * Kt / n, L, B * Nt / n
        )
    else:
        raise InvalidParameterError(
            f"theorem={theorem.key!r} is not a part-3 theorem (delayed-ncvx-workers, "
            "delayed-cvx-workers)"
        )
    return float(out) if np.ndim(out) == 0 else out


def workers_pathwise_bound(
    theorem: TheoremLike,
    *,
    step_sizes: ArrayLike,
    weights: ArrayLike | None = None,
    delays: ArrayLike | None = None,
    hits: ArrayLike,
    batch_size: int = 1,
    lipschitz: float,
    smoothness: float,
    clip: float | None = None,
    record_steps: ArrayLike | None = None,
    strong_convexity: float | None = None,
) -> NDArray[np.float64]:
    r"""Level 3: a deterministic bound on ``delta_t`` of realised coupled runs.

    Args:
        theorem: ``delayed-ncvx-workers`` or ``delayed-cvx-workers``.
        step_sizes, weights, delays, batch_size: the schedule, as in
            :func:`workers_recursion_bound`.
        hits: ``h_{t,m}``, how many of the ``b`` indices of contribution
            ``(t, m)`` drew the replaced sample: integers in ``[0, b]`` of the
            shape of ``weights`` (bool of shape ``(..., T)`` without weights).
        lipschitz, smoothness: constants of the loss.
        clip: the threshold of the clipped update, if any (nonconvex only).
        record_steps: steps ``t`` in ``[1, T]`` (after t updates); default all.
        strong_convexity: not used; ``None`` only (see
            :func:`workers_recursion_bound`).

    Returns:
        ``(..., len(record_steps))`` with ``delta_t <= bound_t`` exactly (the only
        slack is floating-point rounding).
    """
    L, beta, b = _constants(
        theorem, lipschitz, smoothness, batch_size, clip, strong_convexity
    )
    eta, a, d = _schedule(step_sizes, weights, delays)
    h = np.asarray(hits)
    if weights is None and h.shape == eta.shape:
        h = h[..., None]
    if h.shape != a.shape:
        raise InvalidParameterError(
            f"hits of shape {np.shape(hits)} must match weights of shape {a.shape}"
        )
    f = h.astype(np.float64) / b
    if (f < 0).any() or (f > 1).any():
        raise InvalidParameterError(f"hits must lie in [0, batch_size={int(b)}]")
    T = eta.shape[-1]
    steps = np.arange(1, T + 1) if record_steps is None else np.asarray(record_steps)
    if steps.size == 0 or steps.min() < 1 or steps.max() > T:
        raise InvalidParameterError(f"record_steps must lie in [1, n_steps={T}]")
    if theorem.recursion == "workers_convex":
        _check_convex(theorem, eta, a, beta)
        drift = L * _drift(eta, a, d)
        inc = 2 * eta * L * (a * f).sum(-1) + 2 * eta * beta * (
            a * (1 - f) * drift
        ).sum(-1)
        out = np.cumsum(inc, -1)
    else:
        out = _nonconvex_path(eta, a, d, f, L, beta, clip)
    return np.asarray(out[..., steps - 1])


def _nonconvex_path(
    eta: NDArray[np.float64],
    a: NDArray[np.float64],
    d: NDArray[np.int64],
    f: NDArray[np.float64],
    L: float,
    beta: float,
    clip: float | None,
) -> NDArray[np.float64]:
    # out[..., t] bounds delta after t updates; out[..., 0] = 0 (same start).
    T = eta.shape[-1]
    out = np.zeros((*eta.shape[:-1], T + 1))
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(T):
            stale = np.take_along_axis(out, t - d[..., t, :], -1)
            diff = (
                a[..., t, :]
                * ((1 - f[..., t, :]) * beta * stale + f[..., t, :] * 2 * L)
            ).sum(-1)
            if clip is not None:
                diff = np.minimum(diff, 2 * clip)
            out[..., t + 1] = out[..., t] + eta[..., t] * diff
    # An overflow to inf is a valid (vacuous) bound; no NaN: every term is >= 0.
    return out[..., 1:]
