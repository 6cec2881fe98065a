r"""Losses whose constants come from the projection ball: L2-logistic, least squares.

Neither loss has a global Lipschitz constant (the gradient grows with ``||w||``);
projected SGD keeps every iterate in the ball ``||w|| <= rho`` (``rho = D/2``,
:mod:`empirical.simulators.linear._simulate`), and on that ball the constants below hold. Features
satisfy ``||x|| <= R`` (:mod:`empirical.problems._data`), labels ``|y| <= Y``.

**L2-regularised logistic**, ``f(w; (x, y)) = log(1 + exp(-y w.x)) + (gamma/2)
||w||^2`` with ``y in {-1, +1}``:

* gradient ``-y sigma(-y w.x) x + gamma w``, so by the triangle inequality and
  ``0 < sigma < 1``: ``||grad f|| <= R + gamma rho =: L`` (approached, not
  attained, as ``rho R -> infinity`` with ``w`` antiparallel to ``y x``);
* Hessian ``sigma(1 - sigma) x x^T + gamma I``, with ``sigma(1 - sigma) <= 1/4``
  (equality at ``w.x = 0``) and ``x x^T <= R^2 I``: largest eigenvalue
  ``<= R^2/4 + gamma =: beta``, attained at ``w.x = 0``, ``||x|| = R``;
* smallest eigenvalue ``>= gamma``: every ``f(.; z)`` is gamma-strongly convex
  (the setting of Hardt et al. 2016, Theorem 3.9, [H-scvx]).

**Least squares** on a linear model, ``f(w; (x, y)) = (w.x - y)^2 / 2``:

* gradient ``(w.x - y) x`` with ``|w.x - y| <= rho R + Y``: ``||grad f|| <=
  R (rho R + Y) =: L``, attained at ``w = -rho sign(y) x / ||x||``, ``||x|| = R``,
  ``|y| = Y``;
* Hessian ``x x^T``: ``beta = R^2`` (attained at ``||x|| = R``); convex but not
  strongly convex (rank one per sample). The quadratic setting of Deng et al.'s
  [DSLST-quad].
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
from scipy.special import expit

from bounds import InvalidParameterError
from bounds.internal import check_positive

from ._linear_loss import F64, LinearLoss, Task

__all__ = ["DEFAULT_STRONG_CONVEXITY", "LeastSquares", "RegLogistic"]

#: gamma of the default L2-logistic loss: large enough that 2 L^2 / (gamma n)
#: of [H-scvx] is below 1 at n = 300 on the default ball, small enough that the
#: penalty does not dominate the logistic term (||grad|| <= 1) on that ball.
DEFAULT_STRONG_CONVEXITY = 0.05


def _ball(loss: str, ball_radius: float | None) -> float:
    if ball_radius is None:
        raise InvalidParameterError(
            f"loss={loss!r} has no global Lipschitz constant: its constants hold on "
            "the projection ball only, so a diameter (projected SGD) is required"
        )
    return check_positive(ball_radius, "ball_radius")


@dataclass(frozen=True)
class RegLogistic(LinearLoss):
    """Logistic loss plus ``(gamma/2) ||w||^2``: gamma-strongly convex (module doc).

    Examples:
        >>> loss = RegLogistic(strong_convexity=0.1)
        >>> loss.lipschitz(1.0, ball_radius=2.0), loss.smoothness(1.0)
        (1.2, 0.35)
    """

    strong_convexity: float = DEFAULT_STRONG_CONVEXITY
    #: L holds on the projection ball only: a run needs a diameter.
    needs_ball: ClassVar[bool] = True
    name: str = field(default="logistic-l2", init=False)
    task: Task = field(default="binary", init=False)
    convex: bool = field(default=True, init=False)
    loss_bound: float | None = field(default=None, init=False)
    constants_estimated: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        g = check_positive(self.strong_convexity, "strong_convexity")
        object.__setattr__(self, "strong_convexity", g)
        object.__setattr__(self, "reg", g)

    def lipschitz(
        self,
        radius: float,
        *,
        ball_radius: float | None = None,
        label_bound: float | None = None,
    ) -> float:
        """``L = R + gamma rho`` on the ball ``||w|| <= rho``."""
        return float(radius) + self.strong_convexity * _ball(self.name, ball_radius)

    def smoothness(
        self,
        radius: float,
        *,
        ball_radius: float | None = None,
        label_bound: float | None = None,
    ) -> float:
        """``beta = R^2/4 + gamma`` (everywhere)."""
        return float(radius) ** 2 / 4.0 + self.strong_convexity

    def phi(self, m: F64, y: F64) -> F64:
        return np.logaddexp(0.0, -y * m)

    def dloss(self, m: F64, y: F64) -> F64:
        return -y * expit(-y * m)


@dataclass(frozen=True)
class LeastSquares(LinearLoss):
    """Squared error ``(w.x - y)^2 / 2`` of a linear model: convex (module doc).

    Examples:
        >>> LeastSquares().lipschitz(1.0, ball_radius=2.0, label_bound=3.0)
        5.0
    """

    #: L holds on the projection ball only: a run needs a diameter.
    needs_ball: ClassVar[bool] = True
    name: str = field(default="least-squares", init=False)
    task: Task = field(default="regression", init=False)
    convex: bool = field(default=True, init=False)
    loss_bound: float | None = field(default=None, init=False)
    constants_estimated: bool = field(default=False, init=False)

    def lipschitz(
        self,
        radius: float,
        *,
        ball_radius: float | None = None,
        label_bound: float | None = None,
    ) -> float:
        """``L = R (rho R + Y)`` on the ball ``||w|| <= rho``, labels ``|y| <= Y``."""
        rho = _ball(self.name, ball_radius)
        if label_bound is None:
            raise InvalidParameterError(
                f"loss={self.name!r} needs label_bound (the largest |y|) for L"
            )
        y_max = float(label_bound)
        if not y_max >= 0:
            raise InvalidParameterError(f"label_bound={label_bound!r} must be >= 0")
        return float(radius) * (rho * float(radius) + y_max)

    def smoothness(
        self,
        radius: float,
        *,
        ball_radius: float | None = None,
        label_bound: float | None = None,
    ) -> float:
        """``beta = R^2`` (everywhere)."""
        return float(radius) ** 2

    def phi(self, m: F64, y: F64) -> F64:
        r = m - y
        return 0.5 * r * r

    def dloss(self, m: F64, y: F64) -> F64:
        return m - y
