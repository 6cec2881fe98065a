"""Losses with their constants: the linear models of docs/theory.md and a small MLP.

Each loss is a frozen dataclass that *declares* its Lipschitz constant ``L`` and
smoothness ``beta`` for features with ``||x|| <= R`` (docs/theory.md, "Losses with
exact constants"), so the harness can check a theorem's assumptions before comparing.

Shapes (vectorised over ``r`` replicas, each replica its own parameter vector):
``value(W (r, p), X (r, m, d), y (r, m)) -> (r, m)`` per-sample losses and
``grad(W (r, p), x (r, d), y (r,)) -> (r, p)``, the gradient at one sample per
replica. ``X`` and ``y`` may be broadcast views (``np.broadcast_to``).

The linear losses have gradient ``scalar(w.x, y) * x``; :meth:`dloss` is that
scalar, and the numba kernel of :mod:`empirical.simulators.linear._kernels` uses the same formulas.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray
from scipy.special import expit, logsumexp

from bounds.internal import check_int, check_positive, checked

from ._ball_losses import LeastSquares, RegLogistic
from ._linear_loss import F64, Labels, LinearLoss, Task

if TYPE_CHECKING:
    from ._data import Dataset

__all__ = [
    "LOSSES",
    "MLP",
    "SAFETY_FACTOR",
    "EstimatedConstants",
    "Huber",
    "LeastSquares",
    "LinearLoss",
    "Logistic",
    "Loss",
    "RegLogistic",
    "Sigmoid",
    "estimate_constants",
]


@dataclass(frozen=True)
class Logistic(LinearLoss):
    """Logistic loss ``log(1 + exp(-y w.x))``: convex, ``L = R``, ``beta = R^2/4``.

    Examples:
        >>> Logistic().lipschitz(2.0), Logistic().smoothness(2.0)
        (2.0, 1.0)
    """

    name: str = field(default="logistic", init=False)
    task: Task = field(default="binary", init=False)
    convex: bool = field(default=True, init=False)
    loss_bound: float | None = field(default=None, init=False)
    constants_estimated: bool = field(default=False, init=False)

    def lipschitz(self, radius: float, **ball: float | None) -> float:
        return float(radius)

    def smoothness(self, radius: float, **ball: float | None) -> float:
        return float(radius) ** 2 / 4.0

    def phi(self, m: F64, y: F64) -> F64:
        return np.logaddexp(0.0, -y * m)

    def dloss(self, m: F64, y: F64) -> F64:
        # d/dm log(1 + exp(-y m)) = -y * sigmoid(-y m); |.| <= 1 since |y| = 1.
        return -y * expit(-y * m)


@dataclass(frozen=True)
class Sigmoid(LinearLoss):
    """Sigmoid loss ``1 / (1 + exp(y w.x))`` in ``[0, 1]``: nonconvex.

    ``|phi'| <= 1/4`` gives ``L = R/4``; ``|phi''| = s(1-s)|1-2s| <= 1/(6 sqrt 3)``
    (at ``s = 1/2 +- 1/(2 sqrt 3)``) gives ``beta = R^2 / (6 sqrt 3)``.
    """

    name: str = field(default="sigmoid", init=False)
    task: Task = field(default="binary", init=False)
    convex: bool = field(default=False, init=False)
    loss_bound: float | None = field(default=1.0, init=False)
    constants_estimated: bool = field(default=False, init=False)

    def lipschitz(self, radius: float, **ball: float | None) -> float:
        return float(radius) / 4.0

    def smoothness(self, radius: float, **ball: float | None) -> float:
        return float(radius) ** 2 / (6.0 * math.sqrt(3.0))

    def phi(self, m: F64, y: F64) -> F64:
        return expit(-y * m)

    def dloss(self, m: F64, y: F64) -> F64:
        s = expit(-y * m)
        return -y * s * (1.0 - s)


@dataclass(frozen=True)
class Huber(LinearLoss):
    """Huber loss of the residual ``r = w.x - y`` with threshold ``k``: convex.

    ``phi = r^2/2`` for ``|r| <= k`` and ``k (|r| - k/2)`` beyond; ``phi' =
    clip(r, -k, k)`` gives ``L = k R`` and ``phi'' <= 1`` gives ``beta = R^2``.
    """

    threshold: float = 1.0
    name: str = field(default="huber", init=False)
    task: Task = field(default="regression", init=False)
    convex: bool = field(default=True, init=False)
    loss_bound: float | None = field(default=None, init=False)
    constants_estimated: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "threshold", check_positive(self.threshold, "threshold")
        )

    def lipschitz(self, radius: float, **ball: float | None) -> float:
        return self.threshold * float(radius)

    def smoothness(self, radius: float, **ball: float | None) -> float:
        return float(radius) ** 2

    def phi(self, m: F64, y: F64) -> F64:
        r = np.abs(m - y)
        k = self.threshold
        return np.where(r <= k, 0.5 * r * r, k * (r - 0.5 * k))

    def dloss(self, m: F64, y: F64) -> F64:
        return np.clip(m - y, -self.threshold, self.threshold)


@dataclass(frozen=True)
class MLP:
    """One tanh hidden layer, softmax cross-entropy (multiclass); constants estimated.

    Parameters are flattened as ``[W1 (h, d), b1 (h), W2 (K, h), b2 (K)]`` (row-major),
    ``K`` recovered from ``p = h (d + 1) + K (h + 1)``. The loss is not globally
    Lipschitz or smooth (its gradient grows with the weights), so ``lipschitz`` and
    ``smoothness`` are not available from the loss alone: use
    :func:`estimate_constants`, as :func:`empirical.problems._problem.make_problem` does.
    """

    hidden: int = 16
    name: str = field(default="mlp", init=False)
    task: Task = field(default="multiclass", init=False)
    convex: bool = field(default=False, init=False)
    loss_bound: float | None = field(default=None, init=False)
    constants_estimated: bool = field(default=True, init=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "hidden", check_int(self.hidden, "hidden", min_value=1)
        )

    def lipschitz(self, radius: float, **ball: float | None) -> float:
        raise NotImplementedError(
            "MLP constants are estimated from data: use estimate_constants()"
        )

    def smoothness(self, radius: float, **ball: float | None) -> float:
        raise NotImplementedError(
            "MLP constants are estimated from data: use estimate_constants()"
        )

    def dim(self, d_features: int, n_classes: int) -> int:
        h = self.hidden
        return h * (int(d_features) + 1) + int(n_classes) * (h + 1)

    def init(self, dim: int, rng: np.random.Generator) -> F64:
        """Small random start: every parameter ``N(0, 0.1^2)`` (breaks symmetry)."""
        return 0.1 * rng.standard_normal(dim)

    def _unpack(self, W: F64, d: int) -> tuple[F64, F64, F64, F64]:
        h = self.hidden
        r, p = W.shape
        k = (p - h * (d + 1)) // (h + 1)
        assert h * (d + 1) + k * (h + 1) == p, (p, d, h)
        W1 = W[:, : h * d].reshape(r, h, d)
        b1 = W[:, h * d : h * (d + 1)]
        o = h * (d + 1)
        W2 = W[:, o : o + k * h].reshape(r, k, h)
        b2 = W[:, o + k * h :]
        return W1, b1, W2, b2

    def value(self, W: F64, X: F64, y: Labels) -> F64:
        """Per-sample cross-entropy ``(r, m)``."""
        W1, b1, W2, b2 = self._unpack(W, X.shape[-1])
        a = np.tanh(np.einsum("rhd,rmd->rmh", W1, X) + b1[:, None, :])
        o = np.einsum("rkh,rmh->rmk", W2, a) + b2[:, None, :]
        yi = np.asarray(y, dtype=np.int64)
        picked = np.take_along_axis(o, yi[..., None], axis=-1)[..., 0]
        return logsumexp(o, axis=-1) - picked

    def grad(self, W: F64, x: F64, y: Labels) -> F64:
        """Back-propagated gradient ``(r, p)`` at one sample per replica."""
        W1, b1, W2, b2 = self._unpack(W, x.shape[-1])
        a = np.tanh(np.einsum("rhd,rd->rh", W1, x) + b1)
        o = np.einsum("rkh,rh->rk", W2, a) + b2
        go = np.exp(o - logsumexp(o, axis=-1, keepdims=True))
        go[np.arange(len(go)), np.asarray(y, dtype=np.int64)] -= 1.0
        gpre = np.einsum("rkh,rk->rh", W2, go) * (1.0 - a * a)
        r = W.shape[0]
        return np.concatenate(
            [
                (gpre[:, :, None] * x[:, None, :]).reshape(r, -1),
                gpre,
                (go[:, :, None] * a[:, None, :]).reshape(r, -1),
                go,
            ],
            axis=1,
        )


Loss = Logistic | Sigmoid | Huber | RegLogistic | LeastSquares | MLP

#: Every loss of the harness, by name (the ``--losses`` names of the CLI).
LOSSES: dict[str, Loss] = {
    "logistic": Logistic(),
    "sigmoid": Sigmoid(),
    "huber": Huber(),
    "logistic-l2": RegLogistic(),
    "least-squares": LeastSquares(),
    "mlp": MLP(),
}


#: Factor applied to the largest gradient norm and Hessian norm *seen*: a sample
#: maximum underestimates the supremum, and later runs may wander a little beyond
#: the sampled trajectories. 1.5 is a convention, not a guarantee.
SAFETY_FACTOR = 1.5


@dataclass(frozen=True)
class EstimatedConstants:
    """Estimated ``L`` and ``beta`` of a loss on a data set, and how they were found."""

    lipschitz: float
    smoothness: float
    method: str


@checked
def estimate_constants(
    loss: Loss,
    dataset: Dataset,
    *,
    rng: np.random.Generator,
    n_points: int = 256,
    n_power_iter: int = 30,
    n_trajectories: int = 4,
    n_train_steps: int = 2000,
) -> EstimatedConstants:
    """Estimate ``L`` and ``beta`` from parameters along training-like trajectories.

    ``n_trajectories`` plain-SGD runs from :meth:`init` (step sizes log-spaced in
    ``[0.05, 1]``, ``n_train_steps`` steps each, samples drawn from the whole data
    set) give 8 snapshots each (log-spaced in time, the start included).

    - ``L``: the largest per-sample gradient norm over every snapshot and
      ``n_points`` data points (half the largest-norm rows, half random), times
      :data:`SAFETY_FACTOR`.
    - ``beta``: power iteration (``n_power_iter`` rounds) on per-sample Hessians
      at ``n_points`` random (snapshot, data point) pairs; Hessian-vector products
      are central finite differences of gradients, ``(g(w + e v) - g(w - e v)) /
      (2 e)`` with ``e = 1e-5`` and ``||v|| = 1`` (error ``O(e^2)``). The largest
      Rayleigh quotient ``|v.Hv|`` seen, times :data:`SAFETY_FACTOR`.

    These are estimates over the visited region, not bounds: the MLP's gradient
    is unbounded in the weights. Reports must mark them "constants estimated".

    Raises:
        InvalidParameterError: a count is not a positive integer.
    """
    n_points = check_int(n_points, "n_points", min_value=1)
    n_power_iter = check_int(n_power_iter, "n_power_iter", min_value=1)
    n_traj = check_int(n_trajectories, "n_trajectories", min_value=1)
    n_train = check_int(n_train_steps, "n_train_steps", min_value=1)
    X, y = dataset.X, dataset.y
    N = X.shape[0]
    p = loss.dim(dataset.n_features, dataset.n_classes)
    etas = np.geomspace(0.05, 1.0, n_traj)
    W = np.stack([loss.init(p, rng) for _ in range(n_traj)])
    keep = set(np.unique(np.geomspace(1, n_train, 7).astype(np.int64)).tolist())
    snaps = [W.copy()]
    for t in range(1, n_train + 1):
        idx = rng.integers(0, N, size=n_traj)
        W = W - etas[:, None] * loss.grad(W, X[idx], y[idx])
        if t in keep:
            snaps.append(W.copy())
    P = np.concatenate(snaps)  # (n_snap, p)
    # Half of the data points examined are those with the largest ||x|| (the
    # curvature and gradient of a per-sample loss grow with the input's norm:
    # ``||x||``, ``||x||^2`` for the linear losses), half are random.
    top = np.argsort(-np.einsum("ij,ij->i", X, X))[: max(1, n_points // 2)]

    def pick(k: int) -> NDArray[np.int64]:
        return np.concatenate([top, rng.integers(0, N, size=k)])[:k]

    g_max = 0.0
    for w in P:
        idx = pick(n_points)
        Wr = np.broadcast_to(w, (n_points, p))
        g = loss.grad(np.ascontiguousarray(Wr), X[idx], y[idx])
        g_max = max(g_max, float(np.sqrt((g * g).sum(axis=1)).max()))
    # Power iteration, vectorised over n_points (snapshot, sample) pairs; the
    # snapshots are cycled so each is paired with large-norm points.
    Wh = P[np.arange(n_points) % len(P)]
    idx = pick(n_points)
    xh, yh = X[idx], y[idx]
    v = rng.standard_normal(Wh.shape)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    eps = 1e-5
    rayleigh = np.zeros(n_points)
    for _ in range(n_power_iter):
        hv = (loss.grad(Wh + eps * v, xh, yh) - loss.grad(Wh - eps * v, xh, yh)) / (
            2 * eps
        )
        rayleigh = np.maximum(rayleigh, np.abs(np.einsum("rp,rp->r", v, hv)))
        nrm = np.linalg.norm(hv, axis=1, keepdims=True)
        v = np.where(nrm > 0, hv / np.where(nrm > 0, nrm, 1.0), v)
    method = (
        f"max gradient norm over {len(P)} trajectory snapshots x {n_points} samples, "
        f"power iteration ({n_power_iter} rounds, finite-difference Hessian-vector "
        f"products) at {n_points} points; both x {SAFETY_FACTOR} safety factor"
    )
    return EstimatedConstants(
        lipschitz=SAFETY_FACTOR * g_max,
        smoothness=SAFETY_FACTOR * float(rayleigh.max()),
        method=method,
    )
