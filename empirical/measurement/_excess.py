r"""The excess risk of projected delayed SGD on the data pool, ``F(wbar_K) - F(w*)``.

Deng et al. 2024 (NeurIPS, "Stability and Generalization of Asynchronous SGD:
Sharper Bounds Beyond Lipschitz and Smoothness", Theorem 3; docs/theory.md,
part 2, [DSL-excess]) bound ``E[F(wbar_K) - F(w*)]`` for the weighted average
``wbar_K = sum_{k=1}^K eta_k w_k / sum_{k=1}^K eta_k`` of projected delayed SGD
(``w_1`` the initial point, ``K`` updates; accumulated by the simulator, see
:attr:`empirical.simulators.linear._simulate.RunStats.average_iterates`), with ``w*`` a minimiser
of the population risk ``F`` over the projection set ``Omega``.

**Population.** Every pair's ``S``, replacement point and test set are drawn
from one fixed pool, the ``N`` points of the data set. With ``D`` the uniform
distribution over the pool, ``F(w) = (1/N) sum_{z in pool} f(w; z)`` is exact.
Caveat, next to the gap's "conditional on the fixed data pool": the harness
draws ``S`` *without* replacement from the pool, where the theorem draws ``n``
i.i.d. points from ``D``.

**Minimiser.** ``Omega = {||w|| <= rho}`` (``rho = D/2``, centred at 0, as in
:mod:`empirical.simulators.linear._simulate`). :func:`pool_optimum` minimises ``F`` over it by
projected accelerated gradient (FISTA, Beck & Teboulle, SIAM J. Imaging Sci. 2009,
with the gradient restart of O'Donoghue & Candes, Found. Comput. Math. 2015) and
certifies the result ``w_hat`` with the Frank-Wolfe gap (Jaggi, ICML 2013, eq. 2):
for convex ``F`` and every ``w`` in the ball,

.. math::
    F(w) - F(w^*) \le \langle \nabla F(w), w - w^* \rangle
    \le \max_{v \in \Omega} \langle \nabla F(w), w - v \rangle
    = \langle \nabla F(w), w \rangle + \rho \|\nabla F(w)\|,

so ``F(w*) in [F(w_hat) - eps, F(w_hat)]`` with ``eps`` that gap plus the float64
rounding of the sums (Higham, *Accuracy and Stability of Numerical Algorithms*,
2nd ed. 2002, eq. 4.4: a sum of ``N`` terms is off by at most ``(N - 1) u`` times
the sum of their absolute values, ``u = 2^-53``). ``F(w_hat)`` is a valid upper
value of ``F(w*)`` (``w_hat`` is feasible): it is the ``optimal_risk`` the bound
gets. **How eps enters the verdict**: the measured per-run excess is
``F(wbar) - F(w_hat)``, below the true ``F(wbar) - F(w*)`` by at most ``eps``;
its interval's upper limit is raised by ``eps`` (:func:`empirical.measurement._measure.measure`),
its lower limit is kept, so "holds" and "violated" are claims about the true
excess.

**Initial distance.** ``||w_1 - w*|| <= ||w_1 - w_hat|| + ||w_hat - w*||``, and
for ``mu``-strongly convex ``F`` on the ball ``(mu/2) ||w_hat - w*||^2 <=
F(w_hat) - F(w*) <= eps`` (first-order optimality of ``w*``). ``mu`` is
``c_min lambda_min(X^T X / N) + gamma`` with ``c_min`` the least curvature of the
loss's ``phi`` on the margins the ball allows (``|w.x| <= rho R``). Without
``mu > 0`` (or when smaller) the bound ``||w_1|| + rho`` (both in the ball) is used.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray
from scipy.special import expit

from ..problems._linear_loss import LinearLoss

if TYPE_CHECKING:  # the simulator (numba) is loaded only by a run, not for a type
    from empirical.simulators.linear._simulate import RunStats

if TYPE_CHECKING:
    from ..problems._problem import Problem

__all__ = [
    "OPTIMUM_TARGET",
    "PoolOptimum",
    "excess_samples",
    "init_distance",
    "pool_optimum",
    "pool_risk",
]

#: The solver stops once the certified gap ``eps`` is below this (losses here are
#: of order 0.1 to 1 and the measured excess risks of order 1e-3 or more, so an
#: accuracy of 1e-10 is invisible in every verdict); the certificate, not this
#: target, is what enters the verdict.
OPTIMUM_TARGET = 1e-10
#: Iteration cap of the solver; if reached, the (larger) certificate still holds.
MAX_ITERATIONS = 100_000
_U = 2.0**-53  # unit roundoff of float64


def _expit(z: NDArray[np.float64] | float) -> Any:
    return expit(z)


def _curvature(loss: LinearLoss, margin: float) -> tuple[float, float] | None:
    """``(c_min, c_max)``: bounds on ``phi''(m, y)`` for ``|m| <= margin``, or ``None``
    for a loss without them here (nonconvex). Logistic: ``sigma(1 - sigma) in
    [sigma(M)(1 - sigma(M)), 1/4]``; least squares: 1; Huber: ``[0, 1]``."""
    if loss.name in ("logistic", "logistic-l2"):
        s = float(_expit(margin))
        return s * (1.0 - s), 0.25
    if loss.name == "least-squares":
        return 1.0, 1.0
    if loss.name == "huber":
        return 0.0, 1.0
    return None


@dataclass(frozen=True)
class PoolOptimum:
    """The certified minimiser of the pool risk ``F`` over the projection ball.

    Attributes:
        w: the solver's point ``w_hat`` (in the ball).
        risk: ``F(w_hat) >= F(w*)``: the upper value of ``F(w*)`` the bound uses.
        accuracy: ``eps`` with ``F(w_hat) - F(w*) <= eps`` (Frank-Wolfe gap plus
            rounding; module doc).
        init_distance: an upper bound on ``||w_1 - w*||``.
        strong_convexity: ``mu`` of ``F`` on the ball (0 where none is known).
        iterations: solver iterations used.
    """

    w: NDArray[np.float64]
    risk: float
    accuracy: float
    init_distance: float
    strong_convexity: float
    iterations: int


def pool_risk(problem: Problem, W: NDArray[np.float64]) -> NDArray[np.float64]:
    """``F(w) = (1/N) sum_{z in pool} f(w; z)`` for every row ``w`` of ``W (r, p)``.

    Examples:
        >>> from empirical.problems._problem import make_problem
        >>> pr = make_problem("least-squares", "diabetes", n_samples=100, diameter=4.0)
        >>> float(pool_risk(pr, np.zeros((1, pr.dim)))[0]) > 0
        True
    """
    ds, loss = problem.dataset, problem.loss
    assert isinstance(loss, LinearLoss)
    W = np.atleast_2d(np.asarray(W, dtype=np.float64))
    vals = loss.phi(W @ ds.X.T, np.asarray(ds.y, np.float64)[None, :]).mean(axis=1)
    return vals + loss.penalty(W) if loss.reg else vals


def _grad(problem: Problem, w: NDArray[np.float64]) -> tuple[float, Any, float]:
    """``F(w)``, ``grad F(w)`` and the sum of absolute values behind ``F(w)``."""
    ds, loss = problem.dataset, problem.loss
    assert isinstance(loss, LinearLoss)
    y = np.asarray(ds.y, np.float64)
    m = ds.X @ w
    vals = loss.phi(m, y)
    g = ds.X.T @ loss.dloss(m, y) / ds.n_points + loss.reg * w
    pen = 0.5 * loss.reg * float(w @ w)
    return float(vals.mean()) + pen, g, float(np.abs(vals).mean()) + pen


def _project(w: NDArray[np.float64], rho: float) -> NDArray[np.float64]:
    nrm = float(np.linalg.norm(w))
    return w * (rho / nrm) if nrm > rho else w


def _certificate(problem: Problem, w: NDArray[np.float64], rho: float) -> float:
    """The Frank-Wolfe gap at ``w`` plus the rounding of the sums (module doc)."""
    _, g, abs_f = _grad(problem, w)
    gn = float(np.linalg.norm(g))
    gap = float(g @ w) + rho * gn
    N, p = problem.dataset.n_points, problem.dim
    # Each of F, <g, w> and ||g|| is a sum of at most N + p products; Higham's
    # bound (N + p) u times the absolute sum, doubled for the products themselves.
    rounding = 2 * (N + p) * _U * (abs_f + abs(float(g @ w)) + rho * gn)
    return max(gap, 0.0) + rounding


def _key(problem: Problem) -> tuple[Any, ...]:
    ds = problem.dataset
    digest = hashlib.sha1(ds.X.tobytes() + np.asarray(ds.y, np.float64).tobytes())
    return (problem.loss, ds.name, digest.hexdigest(), problem.diameter)


_CACHE: dict[tuple[Any, ...], PoolOptimum] = {}


def pool_optimum(problem: Problem) -> PoolOptimum | None:
    """Minimise the pool risk over the projection ball, with its certificate.

    One solve per (loss, data set, ball), cached for the process.

    Returns:
        :class:`PoolOptimum`, or ``None`` when the problem is not a projected run
        of a convex linear-model loss (no certificate applies).

    Examples:
        >>> from empirical.problems._problem import make_problem
        >>> pr = make_problem("logistic", "breast_cancer", n_samples=100, diameter=4.0)
        >>> opt = pool_optimum(pr)
        >>> opt.accuracy <= OPTIMUM_TARGET, bool(np.linalg.norm(opt.w) <= 2.0)
        (True, True)
    """
    loss = problem.loss
    if not (
        isinstance(loss, LinearLoss) and problem.convex and problem.diameter is not None
    ):
        return None
    rho = problem.diameter / 2.0
    ds = problem.dataset
    curv = _curvature(loss, rho * float(np.linalg.norm(ds.X, axis=1).max()))
    if curv is None:
        return None
    key = _key(problem)
    if key in _CACHE:
        return _CACHE[key]
    c_min, c_max = curv
    eig = np.linalg.eigvalsh(ds.X.T @ ds.X / ds.n_points)
    lip = c_max * float(eig[-1]) + loss.reg  # smoothness of F: the step 1/lip
    mu = max(c_min * float(eig[0]), 0.0) + loss.reg
    w = np.zeros(problem.dim)
    z, t_k = w.copy(), 1.0
    eps = _certificate(problem, w, rho)
    it = 0
    while eps > OPTIMUM_TARGET and it < MAX_ITERATIONS:
        it += 1
        _, g, _ = _grad(problem, z)
        w_new = _project(z - g / lip, rho)
        if float((z - w_new) @ (w_new - w)) > 0:  # gradient restart: momentum off
            t_k, z = 1.0, w_new
        else:
            t_next = (1.0 + math.sqrt(1.0 + 4.0 * t_k * t_k)) / 2.0
            z = w_new + ((t_k - 1.0) / t_next) * (w_new - w)
            t_k = t_next
        w = w_new
        if it % 20 == 0:
            eps = _certificate(problem, w, rho)
    eps = _certificate(problem, w, rho)
    w1 = loss.init(problem.dim, np.random.default_rng(0))  # deterministic: 0
    opt = PoolOptimum(
        w=w,
        risk=float(pool_risk(problem, w[None, :])[0]),
        accuracy=eps,
        init_distance=_start_distance(w1, w, eps, mu, float(problem.diameter)),
        strong_convexity=mu,
        iterations=it,
    )
    _CACHE[key] = opt
    return opt


def init_distance(
    opt: PoolOptimum, starts: NDArray[np.float64] | None, diameter: float
) -> float:
    """An upper bound on ``||w_1 - w*||`` over the run's actual starts.

    ``starts`` (``(P, d)``, the pairs' ``w_1``) ``None``: the loss's default start,
    already bounded in ``opt``. Per start: ``||w_1|| + r/2`` (``w*`` in the ball
    centred at 0), and with ``mu > 0`` also ``||w_1 - w_hat|| + sqrt(2 eps / mu)``
    (strong convexity: ``||w_hat - w*||^2 <= 2 eps / mu``); the largest over the
    pairs, and never above the diameter ``r`` (both points lie in the ball).
    """
    if starts is None:
        return opt.init_distance
    return _start_distance(starts, opt.w, opt.accuracy, opt.strong_convexity, diameter)


def _start_distance(
    starts: NDArray[np.float64],
    w_hat: NDArray[np.float64],
    eps: float,
    mu: float,
    diameter: float,
) -> float:
    """The bound of :func:`init_distance` for the starts ``starts`` (one or ``(P, d)``)."""
    w1 = np.asarray(starts, dtype=np.float64).reshape(-1, w_hat.shape[0])
    d = np.linalg.norm(w1, axis=1) + diameter / 2.0
    if mu > 0:
        d = np.minimum(
            d, np.linalg.norm(w1 - w_hat, axis=1) + math.sqrt(2.0 * eps / mu)
        )
    return float(min(d.max(), diameter))


def excess_samples(
    run_stats: RunStats,
) -> tuple[NDArray[np.float64], PoolOptimum] | None:
    """Per pair ``F(wbar_T) - F(w_hat)`` of the run on ``S``, and the optimum.

    Each sample is at least ``-accuracy`` (``F(wbar) >= F(w*) >= F(w_hat) - eps``)
    and below the true excess ``F(wbar) - F(w*)`` by at most ``accuracy``.
    ``None`` without a weighted average (unprojected runs) or a certificate.
    """
    avg = getattr(run_stats, "average_iterates", None)
    if avg is None:
        return None
    opt = pool_optimum(run_stats.problem)
    if opt is None:
        return None
    return pool_risk(run_stats.problem, avg) - opt.risk, opt
