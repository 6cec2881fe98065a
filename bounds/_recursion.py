r"""Levels 2 and 3 of every bound: the proof's recursion, numerically.

Level 2, :func:`recursion_bound`, iterates the recursion of a theorem's proof in
expectation over the sample index, for the actual schedule ``eta_t`` and delay
sequence ``tau_t`` (arrays, any shape ``(..., T)``). It is valid where no closed
form exists and never looser than the closed form on the closed form's schedule.

Level 3, :func:`pathwise_bound`, iterates the same one-step inequalities along
one realised coupled run (which steps drew the differing sample, ``hits``): a
deterministic upper bound on that run's ``delta_t = ||w_t - w'_t||``.

One-step inequalities (``e_t`` = error of the stale gradient, Hardt et al. 2016,
Lemmas 3.6-3.7 for the expansivity of a gradient step ``G``):

* convex, ``eta_t <= 2/beta`` (G 1-expansive, ``||e_t|| <= beta L sum_{s=t-tau_t}^{t-1} eta_s``):
  same sample ``delta_{t+1} <= delta_t + 2 eta_t beta L sum eta_s``;
  differing sample ``delta_{t+1} <= delta_t + 2 eta_t L``.
* strongly convex, ``eta_t <= 1/beta`` (G (1 - eta gamma)-expansive), no delay:
  ``delta_{t+1} <= (1 - eta_t gamma) delta_t (+ 2 eta_t L if differing)``.
* nonconvex, delayed ([D-ncvx]): ``delta_{t+1} <= delta_t + eta_t beta delta_{t-tau_t}``
  (same) or ``delta_t + 2 eta_t L`` (differing); with the running maximum
  ``Delta_t`` this is Hardt's recursion ``(1 + eta_t beta) Delta_t``.
* nonconvex, [R-ncvx] (reconstruction): ``(1 + eta_t beta (tau_t + 1)) Delta_t``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._assumption import Assumption
from ._conditions import step_size_limit
from ._errors import InvalidParameterError, StepSizeConditionError
from ._parameters import check_relations, validate_parameter
from ._theorem_like import TheoremLike
from ._validation import check_array, check_bool_array, check_int_array

__all__ = ["pathwise_bound", "recursion_bound"]


def _arrays(
    theorem: TheoremLike, step_sizes: Any, delays: Any
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    eta = check_array(step_sizes, "step_sizes", strictly_positive=True)
    if eta.ndim == 0:
        raise InvalidParameterError(
            "step_sizes must be an array of shape (..., n_steps)"
        )
    if delays is None:
        tau = np.zeros(eta.shape, dtype=np.int64)
    else:
        raw = np.asarray(delays)
        tau = check_int_array(raw.ravel(), "delays", min_value=0).reshape(raw.shape)
        if tau.shape != eta.shape:
            try:
                tau = np.broadcast_to(tau, eta.shape)
            except ValueError:
                raise InvalidParameterError(
                    f"delays of shape {raw.shape} must match step_sizes of shape {eta.shape}"
                ) from None
    steps = np.arange(1, eta.shape[-1] + 1)
    tau = np.minimum(tau, steps - 1)  # iterates with negative index are w_1
    if Assumption.NO_DELAY in theorem.assumptions and (tau > 0).any():
        raise StepSizeConditionError(
            f"delays (max {int(tau.max())}) violate tau = 0 required by "
            f"{theorem.reference.short} {theorem.registry_key}"
        )
    return eta, tau


def _check_step_limit(
    theorem: TheoremLike, eta: NDArray[np.float64], limit: float
) -> None:
    if (eta > limit).any():
        i = np.unravel_index(np.argmax(eta > limit), eta.shape)
        raise StepSizeConditionError(
            f"step_sizes[{', '.join(map(str, i))}]={float(eta[i])!r} violates "
            f"eta_t <= {limit:.6g} required by {theorem.reference.short} "
            f"{theorem.registry_key}"
        )


def _strongly_convex_setup(
    theorem: TheoremLike,
    eta: NDArray[np.float64],
    beta: float,
    strong_convexity: float | None,
) -> float:
    """Validated ``gamma``, after checking ``eta_t <= 1/beta`` ([H-scvx])."""
    if strong_convexity is None:
        raise InvalidParameterError(f"{theorem.key} needs strong_convexity (missing)")
    gamma = float(validate_parameter("strong_convexity", strong_convexity))
    check_relations({"strong_convexity": gamma, "smoothness": beta})
    _check_step_limit(theorem, eta, step_size_limit(theorem, smoothness=beta))
    return gamma


def _stale_sum(eta: NDArray[np.float64], tau: NDArray[np.int64]) -> NDArray[np.float64]:
    """``sum_{s=t-tau_t}^{t-1} eta_s`` for every t (s >= 1), via a prefix sum."""
    prefix = np.concatenate(
        [np.zeros((*eta.shape[:-1], 1)), np.cumsum(eta, axis=-1)], -1
    )
    t = np.arange(1, eta.shape[-1] + 1)
    upper = np.take_along_axis(prefix, np.broadcast_to(t - 1, eta.shape), -1)
    lower = np.take_along_axis(prefix, np.broadcast_to(t - 1, eta.shape) - tau, -1)
    return upper - lower


def recursion_bound(
    theorem: TheoremLike,
    *,
    step_sizes: ArrayLike,
    delays: ArrayLike | None = None,
    n_samples: int,
    lipschitz: float,
    smoothness: float,
    loss_bound: float = 1.0,
    strong_convexity: float | None = None,
) -> float | NDArray[np.float64]:
    r"""Level 2: the proof's recursion on the actual schedule and delays.

    Args:
        theorem: which theorem's recursion.
        step_sizes: ``eta_t`` of shape ``(..., T)``.
        delays: ``tau_t`` of the same shape (zeros when omitted); iterates with
            negative index are ``w_1``, so ``tau_t`` is read as ``min(tau_t, t-1)``.
        n_samples, lipschitz, smoothness, loss_bound, strong_convexity: constants.

    Returns:
        bound on uniform stability, shape ``step_sizes.shape[:-1]``.

    Convex ([H-cvx], [D-cvx]):
    ``(2 L^2/n) sum_t eta_t + 2 beta L^2 (1 - 1/n) sum_t eta_t sum_{s=t-tau_t}^{t-1} eta_s``.
    Strongly convex ([H-scvx]): ``L m_T`` with ``m_{t+1} = (1 - eta_t gamma) m_t + 2 eta_t L/n``.
    Nonconvex: ``min over integer t0 in [0, T] of t0 B/n + L m_T(t0)`` with
    ``m_{t+1} = (1 + (1 - 1/n) eta_t beta k_t) m_t + 2 eta_t L / n``, ``m_{t0} = 0``,
    ``k_t = 1`` ([H-ncvx], [D-ncvx]) or ``tau_t + 1`` ([R-ncvx]); computed for all
    t0 at once in log space so that no product overflows.

    Examples:
        >>> import numpy as np
        >>> from bounds import THEOREMS
        >>> round(recursion_bound(THEOREMS["hardt-cvx"], step_sizes=np.full(1000, 0.01),
        ...       n_samples=500, lipschitz=1.0, smoothness=1.0), 12)
        0.04
    """
    n = float(validate_parameter("n_samples", n_samples))
    L = float(validate_parameter("lipschitz", lipschitz))
    beta = float(validate_parameter("smoothness", smoothness))
    B = float(validate_parameter("loss_bound", loss_bound))
    eta, tau = _arrays(theorem, step_sizes, delays)
    kind = theorem.recursion
    if kind == "convex":
        _check_step_limit(theorem, eta, step_size_limit(theorem, smoothness=beta))
        first = 2 * L**2 / n * eta.sum(-1)
        second = 2 * beta * L**2 * (1 - 1 / n) * (eta * _stale_sum(eta, tau)).sum(-1)
        out = first + second
    elif kind == "strongly_convex":
        gamma = _strongly_convex_setup(theorem, eta, beta, strong_convexity)
        m = np.zeros(eta.shape[:-1])
        for t in range(eta.shape[-1]):
            m = (1 - eta[..., t] * gamma) * m + 2 * eta[..., t] * L / n
        out = L * m
    else:
        k = 1.0 if kind == "nonconvex" else tau + 1.0
        a = (1 - 1 / n) * eta * beta * k
        out = _min_over_t0(a, 2 * eta * L / n, L, B / n)
    return float(out) if np.ndim(out) == 0 else out


def _min_over_t0(
    a: NDArray[np.float64], b: NDArray[np.float64], L: float, per_step: float
) -> NDArray[np.float64]:
    """``min_{t0} t0*per_step + L sum_{t>t0} b_t prod_{s>t} (1 + a_s)`` in log space."""
    T = a.shape[-1]
    log_growth = np.log1p(a)
    # suffix[t] = sum_{s>t} log(1+a_s) for t = 1..T (0-based t-1)
    suffix = np.cumsum(log_growth[..., ::-1], -1)[..., ::-1] - log_growth
    terms = np.log(b) + suffix  # log of b_t prod_{s>t} (1+a_s)
    # m(t0) = sum_{t=t0+1}^T exp(terms_t): reverse log-cumsum-exp
    log_m = np.logaddexp.accumulate(terms[..., ::-1], axis=-1)[..., ::-1]
    t0 = np.arange(T)  # t0 = 0..T-1 use log_m[t0]; t0 = T gives m = 0
    with np.errstate(over="ignore"):
        candidates = t0 * per_step + L * np.exp(log_m)
    return np.minimum(candidates.min(-1), T * per_step)


def pathwise_bound(
    theorem: TheoremLike,
    *,
    step_sizes: ArrayLike,
    delays: ArrayLike | None = None,
    hits: ArrayLike,
    lipschitz: float,
    smoothness: float,
    record_steps: ArrayLike | None = None,
    strong_convexity: float | None = None,
) -> NDArray[np.float64]:
    r"""Level 3: a deterministic bound on ``delta_t`` of realised coupled runs.

    Args:
        theorem: which theorem's one-step inequalities to iterate.
        step_sizes: ``eta_t``, shape ``(..., T)``.
        delays: effective ``tau_t``, same shape (zeros when omitted).
        hits: bool, same shape: step t drew the index where S and S' differ.
        lipschitz, smoothness, strong_convexity: constants of the loss.
        record_steps: steps ``t`` in ``[1, T]`` (after t updates) to return;
            default all.

    Returns:
        ``b`` of shape ``(..., len(record_steps))`` with ``delta_t <= b_t`` for
        the run, exactly (the only slack is floating-point rounding).

    Examples:
        >>> import numpy as np
        >>> from bounds import THEOREMS
        >>> pathwise_bound(THEOREMS["delayed-cvx"], step_sizes=np.full(3, 0.1),
        ...     delays=np.array([0, 1, 1]), hits=np.array([True, False, False]),
        ...     lipschitz=1.0, smoothness=1.0)
        array([0.2 , 0.22, 0.24])
    """
    L = float(validate_parameter("lipschitz", lipschitz))
    beta = float(validate_parameter("smoothness", smoothness))
    eta, tau = _arrays(theorem, step_sizes, delays)
    hit = check_bool_array(hits, "hits")
    if hit.shape != eta.shape:
        raise InvalidParameterError(
            f"hits of shape {hit.shape} must match step_sizes of shape {eta.shape}"
        )
    T = eta.shape[-1]
    steps = np.arange(1, T + 1) if record_steps is None else np.asarray(record_steps)
    if steps.size == 0 or steps.min() < 1 or steps.max() > T:
        raise InvalidParameterError(f"record_steps must lie in [1, n_steps={T}]")
    kind = theorem.recursion
    jump = 2 * eta * L
    if kind == "convex":
        _check_step_limit(theorem, eta, step_size_limit(theorem, smoothness=beta))
        inc = np.where(hit, jump, 2 * eta * beta * L * _stale_sum(eta, tau))
        b = np.cumsum(inc, -1)
    elif kind == "strongly_convex":
        gamma = _strongly_convex_setup(theorem, eta, beta, strong_convexity)
        b = np.empty(eta.shape)
        cur = np.zeros(eta.shape[:-1])
        for t in range(T):
            cur = (1 - eta[..., t] * gamma) * cur + np.where(
                hit[..., t], jump[..., t], 0.0
            )
            b[..., t] = cur
    else:
        b = _nonconvex_path(
            eta, tau, hit, jump, beta, regatti=kind == "nonconvex_regatti"
        )
    return np.asarray(b[..., steps - 1])


def _nonconvex_path(
    eta: NDArray[np.float64],
    tau: NDArray[np.int64],
    hit: NDArray[np.bool_],
    jump: NDArray[np.float64],
    beta: float,
    *,
    regatti: bool,
) -> NDArray[np.float64]:
    # b[..., t] bounds delta after t updates; b[..., 0] = 0 (same initial point).
    T = eta.shape[-1]
    b = np.zeros((*eta.shape[:-1], T + 1))
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(T):
            prev = b[..., t]
            if regatti:
                same = (1 + eta[..., t] * beta * (tau[..., t] + 1)) * prev
            else:
                stale = np.take_along_axis(b, (t - tau[..., t])[..., None], -1)[..., 0]
                same = prev + eta[..., t] * beta * stale
            b[..., t + 1] = np.where(hit[..., t], prev + jump[..., t], same)
    # An overflow to inf is a valid (vacuous) upper bound; NaN cannot arise since
    # every term is non-negative.
    return b[..., 1:]
