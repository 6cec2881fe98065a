"""Certified constants of a network's loss on its projection set (a product of balls).

A :class:`CertifiedConstants` is data, like a loss of the linear harness that
declares its exact ``L`` and ``beta``: the constants hold for every parameter in
the set (the product of Frobenius balls ``||theta_k||_F <= radius_k``) and every
input that the model maps into the ball ``||x|| <= R``, and the proof is in
docs/theory.md ("Certified constants on balls"). The model projects onto that set
after every step (:func:`project_balls`), so every iterate, stale or not, lies in
it (docs/theory.md, "Projection after every step").
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from bounds import InvalidParameterError
from bounds.internal import check_positive

__all__ = ["CertifiedConstants", "project_balls"]

#: Where the constants are proved (a heading of docs/theory.md).
PROOF = 'docs/theory.md, "Certified constants on balls"'


@dataclass(frozen=True)
class CertifiedConstants:
    """``L``, ``beta`` and ``B`` of a model's loss on its projection set, proved.

    For every parameter ``theta`` in the product of balls ``radii`` and every input
    the model reads (mapped into ``||x|| <= input_radius``): ``||grad f|| <= L``,
    ``||Hessian f||_2 <= beta`` and ``0 <= f <= B``; ``convex`` says whether ``f``
    is convex in ``theta``. These are suprema bounds proved in docs/theory.md
    ("Certified constants on balls"), not estimates.

    Attributes:
        lipschitz: ``L``.
        smoothness: ``beta``.
        loss_bound: ``B``.
        convex: ``f(., z)`` convex in the parameters.
        radii: ``(leaf name, radius)`` of each Frobenius ball; the projection set
            is their product.
        input_radius: ``R``, the bound on the norm of the (mapped) input.
        proof: where the proof is.

    Examples:
        >>> c = CertifiedConstants(2**0.5, 0.5, 3.7, True, (("W", 1.0),), 1.0)
        >>> sorted(c.properties)
        ['bounded', 'convex', 'lipschitz', 'projected', 'smooth']
    """

    lipschitz: float
    smoothness: float
    loss_bound: float
    convex: bool
    radii: tuple[tuple[str, float], ...]
    input_radius: float
    proof: str = PROOF

    def __post_init__(self) -> None:
        for name in ("lipschitz", "smoothness", "loss_bound", "input_radius"):
            check_positive(getattr(self, name), name)
        if not self.radii:
            raise InvalidParameterError("radii=() must name at least one ball")
        for leaf, r in self.radii:
            check_positive(r, f"radii[{leaf!r}]")

    @property
    def properties(self) -> frozenset[str]:
        """What the part-3 theorems ask of a loss, as the run's applicability reads it."""
        out = {"smooth", "lipschitz", "bounded", "projected"}
        return frozenset(out | {"convex"} if self.convex else out)


def _ball(a: Any, radius: float) -> Any:
    """The projection of the array ``a`` onto ``||a||_F <= radius``."""
    import jax.numpy as jnp

    norm = jnp.sqrt(jnp.sum(a * a))
    # radius / max(norm, radius): 1 inside the ball, radius / norm outside; no
    # division by zero at a = 0.
    return a * (radius / jnp.maximum(norm, radius))


def project_balls(params: dict[str, Any], radii: tuple[tuple[str, float], ...]) -> Any:
    """Project each named leaf of ``params`` onto its Frobenius ball (a new dict).

    The Euclidean projection onto a product of balls is the product of the
    projections, each ``a -> a min(1, r / ||a||_F)``: 1-Lipschitz, the identity
    on the set.

    Examples:
        >>> import jax.numpy as jnp
        >>> p = project_balls({"W": jnp.array([3.0, 4.0])}, (("W", 1.0),))
        >>> [round(float(v), 6) for v in p["W"]]
        [0.6, 0.8]
    """
    out = dict(params)
    for leaf, r in radii:
        out[leaf] = _ball(params[leaf], r)
    return out


def ball_inputs(x: Any, radius: float, *, bias: bool) -> Any:
    """``x`` with a constant feature 1 appended (``bias``), scaled radially into
    ``||x|| <= radius``: unchanged where it is inside already.

    A map of the data alone (the same for every parameter), so the loss keeps its
    form in the parameters; the constant feature is counted in the radius.
    """
    import jax.numpy as jnp

    if bias:
        x = jnp.concatenate([x, jnp.ones((1,), x.dtype)])
    norm = jnp.sqrt(jnp.sum(x * x))
    return x * (radius / jnp.maximum(norm, radius))


#: ``max |tanh''| = 4 / (3 sqrt 3)``, at ``tanh t = 1/sqrt 3``.
TANH_C2 = 4.0 / (3.0 * math.sqrt(3.0))
