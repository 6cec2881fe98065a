"""Networks with certified constants: softmax regression and a two-layer tanh net, on balls.

Both read an input ``x``, append the constant feature 1 (the bias, counted in the
radius) and scale it radially into ``||x|| <= R``
(:func:`~empirical.simulators.nets._constants.ball_inputs`); both use softmax
cross-entropy and project onto a product of Frobenius balls after every step.
Their ``L``, ``beta`` and ``B`` on that set are proved in docs/theory.md
("Certified constants on balls"):

* :func:`softmax_ball`: ``z = W x``, ``||W||_F <= rho``; convex;
  ``L = sqrt(2) R``, ``beta = R^2 / 2``, ``B = log C + sqrt(2) rho R``.
* :func:`tanh_ball`: ``z = V tanh(U x)``, ``||U||_F <= rho_U``,
  ``||V||_F <= rho_V``; nonconvex, smooth; with ``S = min(sqrt(h), rho_U R)``,
  ``L = sqrt(2 (S^2 + rho_V^2 R^2))``, ``B = log C + sqrt(2) rho_V S`` and
  ``beta`` the top eigenvalue of a 2x2 matrix (:func:`tanh_constants`).

:data:`CERTIFIED_FAMILIES` constructs them by name.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from bounds.internal import check_int, check_positive, checked

from ._constants import TANH_C2, CertifiedConstants, ball_inputs, project_balls
from ._models import NetModel

__all__ = [
    "CERTIFIED_FAMILIES",
    "softmax_ball",
    "softmax_constants",
    "tanh_ball",
    "tanh_constants",
]


def softmax_constants(
    n_classes: int, radius: float, input_radius: float
) -> CertifiedConstants:
    """The certified constants of :func:`softmax_ball` (docs/theory.md).

    Examples:
        >>> c = softmax_constants(10, 5.0, 1.0)
        >>> round(c.lipschitz, 6), c.smoothness, round(c.loss_bound, 4)
        (1.414214, 0.5, 9.3737)
    """
    C = check_int(n_classes, "n_classes", min_value=2)
    rho = check_positive(radius, "radius")
    R = check_positive(input_radius, "input_radius")
    return CertifiedConstants(
        lipschitz=math.sqrt(2.0) * R,
        smoothness=R**2 / 2.0,
        loss_bound=math.log(C) + math.sqrt(2.0) * rho * R,
        convex=True,
        radii=(("W", rho),),
        input_radius=R,
    )


def tanh_constants(
    n_classes: int, hidden: int, radius_u: float, radius_v: float, input_radius: float
) -> CertifiedConstants:
    """The certified constants of :func:`tanh_ball` (docs/theory.md).

    With ``S = min(sqrt(h), rho_U R)`` and ``k = c_2 rho_V R``
    (``c_2 = 4 / (3 sqrt 3)``, the largest ``|tanh''|``): ``beta`` is the top
    eigenvalue of ``[[rho_V^2 R^2 / 2 + sqrt(2) R k, S rho_V R / 2 + sqrt(2) R],
    [S rho_V R / 2 + sqrt(2) R, S^2 / 2]]``, at most
    ``(S^2 + rho_V^2 R^2) / 2 + sqrt(2) R (1 + k)``.

    Examples:
        >>> c = tanh_constants(10, 16, 2.0, 2.0, 1.0)
        >>> round(c.lipschitz, 4), round(c.smoothness, 4), round(c.loss_bound, 4)
        (4.0, 6.6722, 7.9594)
    """
    C = check_int(n_classes, "n_classes", min_value=2)
    h = check_int(hidden, "hidden", min_value=1)
    rho_u = check_positive(radius_u, "radius_u")
    rho_v = check_positive(radius_v, "radius_v")
    R = check_positive(input_radius, "input_radius")
    S = min(math.sqrt(h), rho_u * R)
    r2 = math.sqrt(2.0)
    k = TANH_C2 * rho_v * R
    a = (rho_v * R) ** 2 / 2.0 + r2 * R * k
    b = S * rho_v * R / 2.0 + r2 * R
    c = S**2 / 2.0
    beta = (a + c) / 2.0 + math.hypot((a - c) / 2.0, b)
    return CertifiedConstants(
        lipschitz=r2 * math.sqrt(S**2 + (rho_v * R) ** 2),
        smoothness=beta,
        loss_bound=math.log(C) + r2 * rho_v * S,
        convex=False,
        radii=(("U", rho_u), ("V", rho_v)),
        input_radius=R,
    )


def _radial(key: Any, shape: tuple[int, ...], radius: float) -> Any:
    """A Gaussian draw scaled to half the radius (inside the ball, away from it)."""
    import jax
    import jax.numpy as jnp

    a = jax.random.normal(key, shape)
    return a * (0.5 * radius / jnp.sqrt(jnp.sum(a * a)))


@checked
def softmax_ball(
    n_features: int,
    n_classes: int,
    *,
    radius: float = 10.0,
    input_radius: float = 1.0,
) -> NetModel:
    """Softmax regression ``z = W [x, 1]`` projected onto ``||W||_F <= radius``.

    Convex, with ``L = sqrt(2) R``, ``beta = R^2 / 2`` and
    ``B = log C + sqrt(2) rho R`` on the ball (docs/theory.md, "Certified
    constants on balls"); inputs with the constant feature appended are scaled
    radially into ``||x|| <= R = input_radius``. Zero initial point.

    Args:
        n_features: ``d`` (the model has ``C (d + 1)`` parameters).
        n_classes: ``C``.
        radius: ``rho``.
        input_radius: ``R``.

    Examples:
        >>> m = softmax_ball(784, 10, radius=5.0)
        >>> m.name, m.constants.smoothness
        ('softmax-ball-784-10', 0.5)
    """
    d = check_int(n_features, "n_features", min_value=1)
    consts = softmax_constants(n_classes, radius, input_radius)
    C, R = int(n_classes), consts.input_radius

    def init(key: Any) -> Any:
        import jax.numpy as jnp

        return {"W": jnp.zeros((C, d + 1))}

    def apply(params: Any, x: Any) -> Any:
        return params["W"] @ ball_inputs(x, R, bias=True)

    def project(params: Any) -> Any:
        return project_balls(params, consts.radii)

    return NetModel(
        f"softmax-ball-{d}-{C}", init, apply, project=project, constants=consts
    )


@checked
def tanh_ball(
    n_features: int,
    n_classes: int,
    *,
    hidden: int = 32,
    radius_u: float = 4.0,
    radius_v: float = 4.0,
    input_radius: float = 1.0,
) -> NetModel:
    """Two-layer tanh network ``z = V tanh(U [x, 1])`` on a product of balls.

    ``||U||_F <= rho_U``, ``||V||_F <= rho_V``, projected after every step;
    nonconvex and smooth, with the constants of :func:`tanh_constants`
    (docs/theory.md, "Certified constants on balls"). No output bias. Initial
    point: Gaussian, each matrix at half its radius.

    Args:
        n_features: ``d``.
        n_classes: ``C``.
        hidden: ``h``, the hidden width.
        radius_u, radius_v: ``rho_U`` and ``rho_V``.
        input_radius: ``R``.

    Examples:
        >>> m = tanh_ball(40, 10, hidden=16)
        >>> m.name, m.constants.convex
        ('tanh-ball-40-16-10', False)
    """
    d = check_int(n_features, "n_features", min_value=1)
    consts = tanh_constants(n_classes, hidden, radius_u, radius_v, input_radius)
    C, h, R = int(n_classes), int(hidden), consts.input_radius
    rho_u, rho_v = (r for _, r in consts.radii)

    def init(key: Any) -> Any:
        import jax

        ku, kv = jax.random.split(key)
        return {"U": _radial(ku, (h, d + 1), rho_u), "V": _radial(kv, (C, h), rho_v)}

    def apply(params: Any, x: Any) -> Any:
        import jax.numpy as jnp

        return params["V"] @ jnp.tanh(params["U"] @ ball_inputs(x, R, bias=True))

    def project(params: Any) -> Any:
        return project_balls(params, consts.radii)

    return NetModel(
        f"tanh-ball-{d}-{h}-{C}", init, apply, project=project, constants=consts
    )


#: Name -> constructor ``(n_features, n_classes, **radii) -> NetModel`` of the
#: models with certified constants (docs/theory.md, "Certified constants on balls").
CERTIFIED_FAMILIES: dict[str, Callable[..., NetModel]] = {
    "softmax-ball": softmax_ball,
    "tanh-ball": tanh_ball,
}
