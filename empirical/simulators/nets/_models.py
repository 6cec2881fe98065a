"""Networks for the JAX backend: an init/apply pair plus a loss, flattened.

A :class:`NetModel` is data: ``init(key) -> params`` (any pytree of arrays),
``apply(params, x) -> output`` for ONE sample ``x`` (a 1-d feature vector), and
the name of the loss. The backend keeps every replica's parameters as one flat
vector (so that a ring buffer of past iterates is a plain ``(B, R, p)`` array and
each write is one contiguous slab); :func:`flatten` turns a model into the flat
form with :func:`jax.flatten_util.ravel_pytree`.

Bring your own network in a few lines::

    import jax, jax.numpy as jnp
    from empirical import NetModel

    def init(key):
        k1, k2 = jax.random.split(key)
        return {"W": 0.1 * jax.random.normal(k1, (10, 40)), "b": jnp.zeros(10)}

    def apply(params, x):
        return params["W"] @ x + params["b"]

    model = NetModel("my-linear", init, apply, loss="cross_entropy")

Losses: ``"cross_entropy"`` (softmax; labels ``0..K-1``; ``apply`` returns ``K``
logits), ``"squared"`` (``mean_k (z_k - [k = y])^2`` on one-hot targets: PyTorch's
``nn.MSELoss`` as Deng et al.'s convex model uses it; labels ``0..K-1``) and
``"logistic"`` (``log(1 + exp(-y m))``; labels ``-1/+1``; ``apply``
returns a scalar margin ``m``), the latter being the linear harness's logistic
loss when ``apply`` is ``w.x`` (docs/theory.md, "Losses with exact constants").
A callable ``loss(outputs, labels) -> per-example losses`` (batched: ``(m, K)``
or ``(m,)`` outputs and ``(m,)`` labels to ``(m,)`` losses) is a user's own loss
(:mod:`empirical.simulators.nets._user` checks it before a run); its error is
the argmax's for vector outputs and the sign's for scalar ones.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from bounds import InvalidParameterError
from bounds.internal import check_choice, check_int, checked

from ._constants import CertifiedConstants

__all__ = [
    "NET_LOSSES",
    "FlatModel",
    "NetModel",
    "affine",
    "cnn1d",
    "flatten",
    "label_dtype",
    "linear",
    "mlp",
]

NET_LOSSES = ("cross_entropy", "logistic", "squared")


@dataclass(frozen=True, eq=False)
class NetModel:
    """A network: ``init(key) -> params``, ``apply(params, x) -> output``, a loss.

    Attributes:
        name: a label for reports.
        init: ``jax.random`` key -> pytree of arrays (the initial point).
        apply: ``(params, x) -> output`` for one sample ``x`` of shape ``(d,)``.
        loss: one of :data:`NET_LOSSES`, or a callable ``loss(outputs, labels)
            -> per-example losses`` (see the module doc).
        project: ``params -> params``, applied after every step (and to the
            initial point) by both runs of a pair; ``None``: no projection. A
            1-Lipschitz map, such as the projection onto a closed convex set,
            keeps the part-3 theorems (docs/theory.md, "Projection after every
            step").
        constants: the loss's certified ``L``, ``beta``, ``B`` on the projection
            set (:class:`~empirical.simulators.nets._constants.CertifiedConstants`),
            or ``None`` (not certified).
    """

    name: str
    init: Callable[[Any], Any]
    apply: Callable[[Any, Any], Any]
    loss: str | Callable[[Any, Any], Any] = "cross_entropy"
    project: Callable[[Any], Any] | None = None
    constants: CertifiedConstants | None = None

    def __post_init__(self) -> None:
        if not callable(self.loss):
            check_choice(self.loss, "loss", NET_LOSSES)
        if not callable(self.init) or not callable(self.apply):
            raise InvalidParameterError(
                f"init={self.init!r} and apply={self.apply!r} must be callables"
            )
        if self.project is not None and not callable(self.project):
            raise InvalidParameterError(f"project={self.project!r} must be callable")
        if self.constants is not None and not isinstance(
            self.constants, CertifiedConstants
        ):
            raise InvalidParameterError(
                f"constants={self.constants!r} must be a CertifiedConstants or None"
            )


@dataclass(frozen=True, eq=False)
class FlatModel:
    """A :class:`NetModel` on flat parameter vectors (built by :func:`flatten`).

    Attributes:
        model: the network.
        n_params: length ``p`` of the flat vector.
        init_flat: ``key -> (p,)`` flat initial point.
        loss_fn: ``(theta, x, y) -> scalar`` loss of one sample.
        predict: ``(theta, x) -> output`` on flat parameters.
        tree_loss: ``(params, x, y) -> scalar`` on the parameter pytree.
        unravel: flat ``(p,)`` vector -> parameter pytree.
    """

    model: NetModel
    n_params: int
    init_flat: Callable[[Any], Any]
    loss_fn: Callable[[Any, Any, Any], Any]
    predict: Callable[[Any, Any], Any]
    tree_loss: Callable[[Any, Any, Any], Any]
    unravel: Callable[[Any], Any]


def flatten(model: NetModel, dtype: Any) -> FlatModel:
    """Flat-vector form of ``model`` in ``dtype`` (``jnp.float32`` or ``jnp.float64``)."""
    import jax
    import jax.numpy as jnp
    from jax.flatten_util import ravel_pytree

    example = jax.tree_util.tree_map(
        lambda a: jnp.asarray(a, dtype), model.init(jax.random.PRNGKey(0))
    )
    flat0, unravel = ravel_pytree(example)

    def init_flat(key: Any) -> Any:
        params = jax.tree_util.tree_map(
            lambda a: jnp.asarray(a, dtype), model.init(key)
        )
        if model.project is not None:  # every iterate in the set, w_1 included
            params = model.project(params)
        return ravel_pytree(params)[0]

    def predict(theta: Any, x: Any) -> Any:
        return model.apply(unravel(theta), x)

    user_loss = model.loss if callable(model.loss) else None
    if user_loss is not None:

        def tree_loss(params: Any, x: Any, y: Any) -> Any:
            # the user's batched loss on a batch of one
            return user_loss(model.apply(params, x)[None], y[None])[0]

    elif model.loss == "cross_entropy":

        def tree_loss(params: Any, x: Any, y: Any) -> Any:
            z = model.apply(params, x)
            return jax.nn.logsumexp(z) - z[y]

    elif model.loss == "squared":

        def tree_loss(params: Any, x: Any, y: Any) -> Any:
            z = model.apply(params, x)
            return jnp.mean((z - jax.nn.one_hot(y, z.shape[0], dtype=z.dtype)) ** 2)

    else:

        def tree_loss(params: Any, x: Any, y: Any) -> Any:
            return jnp.logaddexp(0.0, -y * model.apply(params, x))

    def loss_fn(theta: Any, x: Any, y: Any) -> Any:
        return tree_loss(unravel(theta), x, y)

    return FlatModel(
        model, int(flat0.shape[0]), init_flat, loss_fn, predict, tree_loss, unravel
    )


def label_dtype(model: NetModel, y: Any, dtype: str) -> str:
    """The dtype of the labels on the backend: ``dtype`` (float) for the logistic
    loss's ``-1/+1`` labels and for a callable loss on float labels; ``"int32"``
    (class indices) otherwise."""
    floating = np.issubdtype(np.asarray(y).dtype, np.floating)
    if model.loss == "logistic" or (callable(model.loss) and floating):
        return dtype
    return "int32"


def _dense_init(key: Any, n_in: int, n_out: int) -> dict[str, Any]:
    # Glorot-uniform weights, zero biases (the PyTorch/Flax default family).
    import jax
    import jax.numpy as jnp

    lim = (6.0 / (n_in + n_out)) ** 0.5
    return {
        "W": jax.random.uniform(key, (n_out, n_in), minval=-lim, maxval=lim),
        "b": jnp.zeros(n_out),
    }


@checked
def mlp(sizes: Sequence[int], *, activation: str = "relu") -> NetModel:
    """A fully connected network ``sizes[0] -> ... -> sizes[-1]`` (cross-entropy).

    Args:
        sizes: layer widths, input first, number of classes last (at least two).
        activation: ``"relu"`` or ``"tanh"`` between layers.

    Examples:
        >>> m = mlp([40, 128, 128, 10])
        >>> flatten(m, "float32").n_params
        23050
    """
    widths = [check_int(s, "sizes", min_value=1) for s in sizes]
    if len(widths) < 2:
        raise InvalidParameterError(f"sizes={list(sizes)!r} must have >= 2 entries")
    check_choice(activation, "activation", ("relu", "tanh"))

    def init(key: Any) -> Any:
        import jax

        keys = jax.random.split(key, len(widths) - 1)
        return [
            _dense_init(k, a, b)
            for k, a, b in zip(keys, widths[:-1], widths[1:], strict=True)
        ]

    def apply(params: Any, x: Any) -> Any:
        import jax
        import jax.numpy as jnp

        act = jax.nn.relu if activation == "relu" else jnp.tanh
        h = x
        for layer in params[:-1]:
            h = act(layer["W"] @ h + layer["b"])
        return params[-1]["W"] @ h + params[-1]["b"]

    return NetModel("mlp-" + "-".join(map(str, widths)), init, apply)


@checked
def cnn1d(
    length: int,
    n_classes: int,
    *,
    channels: int = 8,
    kernel: int = 5,
    stride: int = 2,
    hidden: int = 32,
) -> NetModel:
    """A small 1-D CNN for MNIST-1D: two strided convolutions, one dense layer.

    ``conv(1 -> C, k, stride) -> relu -> conv(C -> C, k, stride) -> relu ->
    dense(hidden) -> relu -> dense(n_classes)``; "valid" padding.

    Examples:
        >>> m = cnn1d(40, 10)
        >>> flatten(m, "float32").n_params > 0
        True
    """
    L = check_int(length, "length", min_value=1)
    K = check_int(n_classes, "n_classes", min_value=2)
    C = check_int(channels, "channels", min_value=1)
    k = check_int(kernel, "kernel", min_value=1)
    s = check_int(stride, "stride", min_value=1)
    H = check_int(hidden, "hidden", min_value=1)
    l1 = (L - k) // s + 1
    l2 = (l1 - k) // s + 1
    if l2 < 1:
        raise InvalidParameterError(
            f"length={L} is too short for two convolutions of kernel={k}, stride={s}"
        )

    def init(key: Any) -> Any:
        import jax

        k1, k2, k3, k4 = jax.random.split(key, 4)
        c1 = _dense_init(k1, k, C)
        c2 = _dense_init(k2, k * C, C)
        return {
            "c1": {"W": c1["W"].reshape(C, 1, k), "b": c1["b"]},
            "c2": {"W": c2["W"].reshape(C, C, k), "b": c2["b"]},
            "d1": _dense_init(k3, C * l2, H),
            "d2": _dense_init(k4, H, K),
        }

    def apply(params: Any, x: Any) -> Any:
        import jax

        def conv(h: Any, p: Any) -> Any:
            out = jax.lax.conv_general_dilated(
                h[None], p["W"], window_strides=(s,), padding="VALID"
            )[0]
            return jax.nn.relu(out + p["b"][:, None])

        h = conv(conv(x[None, :], params["c1"]), params["c2"]).reshape(-1)
        h = jax.nn.relu(params["d1"]["W"] @ h + params["d1"]["b"])
        return params["d2"]["W"] @ h + params["d2"]["b"]

    return NetModel(f"cnn1d-{L}-{C}x{k}s{s}-{H}-{K}", init, apply)


def linear(n_features: int, *, loss: str = "logistic") -> NetModel:
    """``x -> w.x`` (no bias), zero init: the linear harness's model as a network.

    With ``loss="logistic"`` this is exactly :class:`empirical.problems._losses.Logistic`
    (the float64 cross-check of the backend against the numba kernel).
    """
    d = check_int(n_features, "n_features", min_value=1)

    def init(key: Any) -> Any:
        import jax.numpy as jnp

        return {"w": jnp.zeros(d)}

    def apply(params: Any, x: Any) -> Any:
        return params["w"] @ x

    return NetModel(f"linear-{d}", init, apply, loss=loss)


@checked
def affine(n_features: int, n_classes: int, *, loss: str = "squared") -> NetModel:
    """``x -> W x + b`` with ``K`` outputs: Deng et al.'s convex model.

    Their ``LinearNet_rcv1`` (GitHub xiaogdeng/Generalization-ASGD, ``models.py``
    lines 127-139): ``nn.Linear(d, 2)`` with ``nn.MSELoss`` on one-hot targets,
    initialised by ``init_params`` (lines 158-173): weights normal with standard
    deviation 1e-3, biases 0. Convex in ``(W, b)`` with the squared loss.

    Examples:
        >>> flatten(affine(30, 2), "float32").n_params
        62
    """
    d = check_int(n_features, "n_features", min_value=1)
    K = check_int(n_classes, "n_classes", min_value=2)

    def init(key: Any) -> Any:
        import jax
        import jax.numpy as jnp

        return {"W": 1e-3 * jax.random.normal(key, (K, d)), "b": jnp.zeros(K)}

    def apply(params: Any, x: Any) -> Any:
        return params["W"] @ x + params["b"]

    return NetModel(f"affine-{d}-{K}", init, apply, loss=loss)
