"""A user's constants ``L``, ``beta``, ``B``: stated by the user, or estimated.

The registry's stability bounds assume, for every parameter ``w`` the run
visits and every example ``z``, a loss ``f(w; z)`` that is ``L``-Lipschitz
(``||grad f|| <= L``), ``beta``-smooth (``||Hessian f||_2 <= beta``), bounded in
``[0, B]`` (the nonconvex theorems) and, for the convex ones, convex in ``w``
(Hardt, Recht & Singer 2016, arXiv:1509.01240v2, Section 2; docs/theory.md,
"Setting"). A user states them in a :class:`ModelConstants` (``source="given"``:
the package does not check them), or :func:`estimate_model_constants` measures
maxima over sampled parameters and examples (``source="estimate"``): an
**estimate, never a certificate**, since a maximum over samples can only fall
short of the supremum the theorems need. Bounds computed from an estimate are
labelled so wherever they are shown. Certified constants, proved on a ball,
exist for two built-in models (:func:`~._certified.softmax_ball`,
:func:`~._certified.tanh_ball`).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from bounds import InvalidParameterError
from bounds.internal import check_choice, check_int, check_positive, checked

__all__ = ["CONSTANT_NAMES", "ModelConstants", "estimate_model_constants"]

#: The constants a bound needs, with their symbols (docs/theory.md name table).
CONSTANT_NAMES = {
    "lipschitz": "L",
    "smoothness": "beta",
    "loss_bound": "B",
    "convex": "convexity",
}

SOURCES = ("given", "estimate")


@dataclass(frozen=True)
class ModelConstants:
    """``L``, ``beta``, ``B`` and convexity of a user's loss, given or estimated.

    Any of them may be ``None`` (not known): a run then lists them as missing and
    puts no bound beside its measurements.

    Attributes:
        lipschitz: ``L``, a bound on ``||grad_w f(w; z)||``.
        smoothness: ``beta``, a bound on the Hessian's spectral norm.
        loss_bound: ``B``, with ``0 <= f <= B``.
        convex: ``f(., z)`` convex in the parameters.
        radius: ``None``, or the radius of the ball (all parameters together)
            on which the constants hold; a run projects every iterate onto it.
        source: ``"given"`` (stated by the user, not checked) or ``"estimate"``
            (:func:`estimate_model_constants`: not a certificate).
        method: how an estimate was made (empty when given).

    Examples:
        >>> c = ModelConstants(lipschitz=1.4, smoothness=0.5)
        >>> c.missing
        ('loss_bound', 'convex')
        >>> ModelConstants(1.0, 1.0, 2.0, True, source="estimate").estimate
        True
    """

    lipschitz: float | None = None
    smoothness: float | None = None
    loss_bound: float | None = None
    convex: bool | None = None
    radius: float | None = None
    source: str = "given"
    method: str = ""

    def __post_init__(self) -> None:
        for name in ("lipschitz", "smoothness", "loss_bound", "radius"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, check_positive(value, name))
        if self.convex is not None and not isinstance(self.convex, bool):
            raise InvalidParameterError(
                f"convex={self.convex!r} must be True, False or None"
            )
        check_choice(self.source, "source", SOURCES)
        if not isinstance(self.method, str):
            raise InvalidParameterError(f"method={self.method!r} must be a string")

    @property
    def estimate(self) -> bool:
        """Whether these are estimates (never a certificate)."""
        return self.source == "estimate"

    @property
    def missing(self) -> tuple[str, ...]:
        """The names among :data:`CONSTANT_NAMES` that are ``None``."""
        return tuple(k for k in CONSTANT_NAMES if getattr(self, k) is None)

    @property
    def proof(self) -> str:
        """Where the constants come from, as a bound block records it."""
        if self.estimate:
            return f"estimate, not a certificate ({self.method})"
        return "given by the user (not checked)"

    @property
    def properties(self) -> frozenset[str]:
        """What the theorems ask of a loss, as the applicability check reads it."""
        out = {"lipschitz", "smooth", "bounded"}
        if self.convex:
            out.add("convex")
        if self.radius is not None:
            out.add("projected")
        return frozenset(out)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields, with ``estimate`` spelled out."""
        return {**asdict(self), "estimate": self.estimate}

    def __repr__(self) -> str:
        def num(v: float | None) -> str:
            return "None" if v is None else f"{v:.4g}"

        label = "estimate, not a certificate" if self.estimate else "given"
        return (
            f"ModelConstants({label}: L={num(self.lipschitz)}, "
            f"beta={num(self.smoothness)}, B={num(self.loss_bound)}, "
            f"convex={self.convex}, radius={num(self.radius)})"
        )


def _parameter_samples(fm: Any, n_params: int, radius: float | None, seed: int) -> Any:
    """``(2 n_params, p)`` flat parameters: initial points, and each moved by a
    random direction (to the sphere of ``radius`` when given; else by the
    larger of its own norm and 1)."""
    import jax
    import jax.numpy as jnp

    keys = jax.random.split(jax.random.PRNGKey(seed), 2 * n_params)
    inits = jnp.stack([fm.init_flat(k) for k in keys[:n_params]])
    u = jnp.stack([jax.random.normal(k, (fm.n_params,)) for k in keys[n_params:]])
    u = u / jnp.linalg.norm(u, axis=1, keepdims=True)
    norms = jnp.linalg.norm(inits, axis=1, keepdims=True)
    if radius is None:
        moved = inits + u * jnp.maximum(norms, 1.0)
    else:  # the whole parameter vector onto the ball, as the run projects
        far = inits + u * radius
        moved = (
            far * (radius / jnp.maximum(jnp.linalg.norm(far, axis=1), radius))[:, None]
        )
    return jnp.concatenate([inits, moved.astype(inits.dtype)])


@checked
def estimate_model_constants(
    model: Any,
    X: Any,
    y: Any,
    loss: Any,
    *,
    convex: bool | None = None,
    radius: float | None = None,
    seed: int = 0,
    n_points: int = 256,
    n_params: int = 4,
    n_power_iter: int = 20,
) -> ModelConstants:
    """Estimate ``L``, ``beta`` and ``B`` of a user's loss: an estimate, not a certificate.

    Parameters sampled: ``n_params`` initial points ``init(key)`` and each moved
    by a random direction (onto the sphere of ``radius`` when given, where the
    run would project; else by the larger of its norm and 1). Examples:
    ``n_points`` rows of ``X``, half those of largest norm (gradients and
    curvature of a per-example loss grow with ``||x||``), half at random. Then

    .. math::

        \\hat L = \\max_{w, z} \\|\\nabla f(w; z)\\|, \\quad
        \\hat\\beta = \\max_{w, z} |v^\\top \\nabla^2 f(w; z) v|, \\quad
        \\hat B = \\max_{w, z} f(w; z),

    with ``v`` after ``n_power_iter`` rounds of power iteration on exact
    Hessian-vector products (``jax.jvp`` of ``jax.grad``), at the first 32
    examples. Each is a maximum over samples, so it can only fall short of the
    supremum the theorems assume (Hardt et al. 2016, Section 2): the result
    says ``source="estimate"``, and bounds computed from it are labelled so.
    Convexity is not estimated: state it as ``convex`` (``None``: missing).

    Args:
        model, X, y, loss: as for
            :func:`~empirical.runs._your_model.run_your_model`.
        convex: the user's statement of convexity, carried along.
        radius: the projection ball the run will use, or ``None``.
        seed: seeds the parameter and example samples.
        n_points: examples per parameter sample.
        n_params: initial points drawn (twice as many parameter samples).
        n_power_iter: rounds of power iteration.

    Returns:
        :class:`ModelConstants` with ``source="estimate"``.

    Raises:
        InvalidParameterError: a bad argument (see ``run_your_model``), or a
            loss that is not finite at the samples.

    Examples:
        >>> import numpy as np, jax.numpy as jnp
        >>> def init(key):
        ...     return {"W": jnp.zeros((3, 4))}
        >>> def apply(p, x):
        ...     return p["W"] @ x
        >>> X = np.eye(4)[[0, 1, 2, 3, 0, 1]]; y = np.array([0, 1, 2, 0, 1, 2])
        >>> c = estimate_model_constants((init, apply), X, y, "cross_entropy",
        ...                              radius=1.0, n_points=6)
        >>> c.source, c.lipschitz <= 2**0.5, c.smoothness <= 0.5
        ('estimate', True, True)
    """
    import jax
    import jax.numpy as jnp

    from ._backend import flat_model
    from ._models import label_dtype
    from ._user import check_model, user_data, user_model

    if convex is not None and not isinstance(convex, bool):
        raise InvalidParameterError(f"convex={convex!r} must be True, False or None")
    rad = None if radius is None else check_positive(radius, "radius")
    seed = check_int(seed, "seed", min_value=0)
    n_points = check_int(n_points, "n_points", min_value=1)
    n_params = check_int(n_params, "n_params", min_value=1)
    n_iter = check_int(n_power_iter, "n_power_iter", min_value=1)
    data = user_data(X, y, loss)
    net = user_model(model, loss, radius=rad)
    check_model(net, data, model, "float64")
    rng = np.random.default_rng(seed)
    N = data.n_points
    k = min(n_points, N)
    top = np.argsort(-np.einsum("ij,ij->i", data.X, data.X))[: max(1, k // 2)]
    rest = rng.choice(np.setdiff1d(np.arange(N), top), size=k - top.size, replace=False)
    idx = np.concatenate([top, rest])
    with jax.enable_x64(True):
        fm = flat_model(net, "float64")
        W = _parameter_samples(fm, n_params, rad, seed)
        Xs = jnp.asarray(data.X[idx])
        ys = jnp.asarray(data.y[idx], dtype=label_dtype(net, data.y, "float64"))
        per = jax.vmap(jax.value_and_grad(fm.loss_fn), in_axes=(None, 0, 0))
        vals, grads = jax.lax.map(lambda w: per(w, Xs, ys), W)
        vals, gnorm = np.asarray(vals), np.asarray(jnp.linalg.norm(grads, axis=-1))

        def hvp(w: Any, x: Any, yy: Any, v: Any) -> Any:
            g = jax.grad(fm.loss_fn)
            return jax.jvp(lambda t: g(t, x, yy), (w,), (v,))[1]

        def rayleigh(w: Any, x: Any, yy: Any, v0: Any) -> Any:
            def body(_: Any, v: Any) -> Any:
                hv = hvp(w, x, yy, v)
                return hv / jnp.maximum(jnp.linalg.norm(hv), 1e-300)

            v = jax.lax.fori_loop(0, n_iter, body, v0)
            return jnp.abs(v @ hvp(w, x, yy, v))

        m = min(32, k)
        v0 = jax.random.normal(jax.random.PRNGKey(seed + 1), (m, fm.n_params))
        v0 = v0 / jnp.linalg.norm(v0, axis=1, keepdims=True)
        ray = jax.vmap(rayleigh, in_axes=(None, 0, 0, 0))
        curv = np.asarray(jax.lax.map(lambda w: ray(w, Xs[:m], ys[:m], v0), W))
    if not (np.isfinite(vals).all() and np.isfinite(gnorm).all()):
        raise InvalidParameterError(
            f"loss={loss!r} is not finite at some sampled parameters; it must be"
        )
    low = float(vals.min())
    method = (
        f"max over {W.shape[0]} parameter samples x {k} examples (L, B) and "
        f"x {m} examples, {n_iter} power iterations (beta); seed {seed}"
        + ("" if low >= 0 else f"; the loss went below 0 ({low:.3g}): B is max f")
    )
    return ModelConstants(
        lipschitz=max(float(gnorm.max()), math.ulp(1.0)),
        smoothness=max(float(curv.max()), math.ulp(1.0)),
        loss_bound=max(float(vals.max()), math.ulp(1.0)),
        convex=convex,
        radius=rad,
        source="estimate",
        method=method,
    )
