"""A user's model, arrays and loss as the backend's :class:`NetModel` and :class:`NetData`.

The user path (:func:`~empirical.runs._your_model.run_your_model`) runs the same
simulator as the built-in networks: this module only turns what a user brings
into its two inputs, and refuses, before any run, what would fail deep inside
JAX, each refusal naming the argument, its value and the rule
(:class:`~bounds.InvalidParameterError`).

- ``model``: a pair ``(init, apply)``, ``init(key) -> params`` (a pytree of float
  arrays) and ``apply(params, x) -> outputs`` for ONE sample ``x`` of shape
  ``(d,)``; or an equinox module (when equinox is installed), whose own arrays
  are the initial point of every pair and whose call ``module(x)`` is ``apply``.
- ``X (N, d)``, ``y (N,)``: real features; labels ``0..K-1`` for
  ``"cross_entropy"`` and ``"squared"``, ``-1/+1`` for ``"logistic"``, any real
  numbers for a callable loss. Optional ``X_test``, ``y_test``: an official test
  set, the same for every pair (as the official MNIST's); without it each pair
  tests on the points it does not train on.
- ``loss``: a name of :data:`~empirical.simulators.nets._models.NET_LOSSES`, or a
  callable ``loss(outputs, labels) -> (m,)`` per-example losses on a batch.
- ``radius``: ``None``, or the radius of the Euclidean ball (all parameters
  together) that every iterate is projected onto, both runs of a pair, after
  every step (a 1-Lipschitz map: docs/theory.md, "Projection after every step").
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from bounds import InvalidParameterError
from bounds.internal import check_choice

from ._datasets import NetData
from ._models import NET_LOSSES, NetModel

__all__ = ["ball_projection", "check_model", "user_data", "user_model"]

#: Samples on which a model and its loss are tried before a run (value, shape
#: and gradient finite): enough to meet a bad row early, cheap to compile.
N_TRIED = 16


def ball_projection(radius: float) -> Callable[[Any], Any]:
    """``params -> params * min(1, radius / ||params||)``, the norm over all leaves.

    The Euclidean projection onto the ball of all parameters together; with
    one leaf, the same numbers as :func:`~._constants.project_balls`.
    """
    import jax
    import jax.numpy as jnp

    def project(params: Any) -> Any:
        leaves = jax.tree_util.tree_leaves(params)
        sq = jnp.sum(leaves[0] * leaves[0])
        for a in leaves[1:]:
            sq = sq + jnp.sum(a * a)
        scale = radius / jnp.maximum(jnp.sqrt(sq), radius)  # 1 inside the ball
        return jax.tree_util.tree_map(lambda a: a * scale, params)

    return project


def _functions(model: Any) -> tuple[Callable[[Any], Any], Callable[[Any, Any], Any]]:
    """``(init, apply)`` of a pair of callables or an equinox module."""
    eqx = sys.modules.get("equinox")  # a module only exists if equinox was imported
    if eqx is not None and isinstance(model, eqx.Module):
        params, static = eqx.partition(model, eqx.is_inexact_array)

        def init(key: Any) -> Any:  # the module's own weights, every pair
            return params

        def apply(p: Any, x: Any) -> Any:
            return eqx.combine(p, static)(x)

        return init, apply
    if (
        isinstance(model, tuple | list)
        and len(model) == 2
        and all(callable(f) for f in model)
    ):
        return model[0], model[1]
    raise InvalidParameterError(
        f"model={model!r} must be a pair (init, apply) of callables, init(key) -> "
        "params and apply(params, x) -> outputs, or an equinox module"
    )


def user_model(
    model: Any, loss: Any, *, radius: float | None = None, name: str = "user"
) -> NetModel:
    """The :class:`NetModel` of a user's model and loss (see the module doc).

    Raises:
        InvalidParameterError: ``model`` is neither form; ``loss`` is neither a
            known name nor callable.
    """
    init, apply = _functions(model)
    if not callable(loss):
        check_choice(loss, "loss", NET_LOSSES)
    try:
        hash((init, apply, loss))
    except TypeError:  # an unhashable callable: a model of its own, uncached
        return _net_model.__wrapped__(init, apply, loss, radius, name)
    return _net_model(init, apply, loss, radius, name)


@lru_cache(maxsize=16)
def _net_model(
    init: Callable[[Any], Any],
    apply: Callable[[Any, Any], Any],
    loss: Any,
    radius: float | None,
    name: str,
) -> NetModel:
    # One NetModel per (functions, loss, radius): the backend compiles once per
    # NetModel, so runs of the same model at several delays share the programs.
    project = None if radius is None else ball_projection(radius)
    return NetModel(f"user-{name}", init, apply, loss=loss, project=project)


def _array(value: Any, name: str, ndim: int) -> NDArray[Any]:
    """``value`` as a numpy array of real numbers of rank ``ndim``, finite."""
    try:
        arr = np.asarray(value)
    except Exception:  # a ragged list, an object numpy cannot hold
        arr = np.asarray(None)
    if arr.dtype.kind not in "iuf":
        raise InvalidParameterError(
            f"{name}={value!r} must be a numpy array of real numbers (int or "
            f"float), got dtype {arr.dtype}"
        )
    if arr.ndim != ndim:
        what = "(n_points, n_features)" if ndim == 2 else "(n_points,)"
        raise InvalidParameterError(
            f"{name} of shape {arr.shape} must be a {ndim}-d array {what}"
        )
    bad = ~np.isfinite(arr)
    if bad.any():
        i = np.argwhere(bad)[0]
        where = ", ".join(map(str, i))
        raise InvalidParameterError(
            f"{name}[{where}]={arr[tuple(i)]!r} must be a finite real number"
        )
    return arr


def _labels(y: NDArray[Any], name: str, loss: Any) -> NDArray[Any]:
    """Labels in the form the loss reads (int64 classes or float64)."""
    if callable(loss):
        return y.astype(np.int64 if y.dtype.kind in "iu" else np.float64)
    if loss == "logistic":
        bad = ~np.isin(y, (-1, 1))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InvalidParameterError(
                f"{name}[{i}]={y[i]!r} must be -1 or +1 (loss='logistic')"
            )
        return y.astype(np.float64)
    bad = (y != np.round(y)) | (y < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InvalidParameterError(
            f"{name}[{i}]={y[i]!r} must be a class index 0..K-1 (loss={loss!r})"
        )
    return y.astype(np.int64)


def user_data(
    X: Any,
    y: Any,
    loss: Any,
    *,
    X_test: Any = None,
    y_test: Any = None,
    name: str = "user",
) -> NetData:
    """The :class:`NetData` of a user's arrays (copied, read-only; see the module doc).

    Raises:
        InvalidParameterError: a wrong rank, dtype, length or label, a
            non-finite entry, or only one of ``X_test`` and ``y_test``.
    """
    Xa, ya = _array(X, "X", 2), _array(y, "y", 1)
    if len(ya) != len(Xa):
        raise InvalidParameterError(
            f"y of length {len(ya)} must have one label per row of X ({len(Xa)} rows)"
        )
    ya = _labels(ya, "y", loss)
    n_train = None
    if (X_test is None) != (y_test is None):
        raise InvalidParameterError(
            f"X_test={'None' if X_test is None else 'an array'} and y_test="
            f"{'None' if y_test is None else 'an array'}: give both or neither"
        )
    if X_test is not None:
        Xt, yt = _array(X_test, "X_test", 2), _array(y_test, "y_test", 1)
        if Xt.shape[1] != Xa.shape[1]:
            raise InvalidParameterError(
                f"X_test of shape {Xt.shape} must have the {Xa.shape[1]} features of X"
            )
        if len(yt) != len(Xt):
            raise InvalidParameterError(
                f"y_test of length {len(yt)} must have one label per row of "
                f"X_test ({len(Xt)} rows)"
            )
        yt = _labels(yt, "y_test", loss)
        n_train = len(Xa)
        Xa, ya = np.concatenate([Xa, Xt]), np.concatenate([ya, yt]).astype(ya.dtype)
    # Our own read-only copy (after a concatenation, the new array already is).
    own = X_test is not None
    Xf = Xa.astype(np.float64, copy=not own)
    yf = ya.astype(ya.dtype, copy=not own)
    Xf.setflags(write=False)
    yf.setflags(write=False)
    K = int(yf.max()) + 1 if yf.dtype.kind == "i" else 2
    return NetData(name, Xf, yf, max(K, 2), n_train)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"


def check_model(net: NetModel, data: NetData, model: Any, dtype: str) -> None:
    """Try ``net`` on the first :data:`N_TRIED` rows of ``data`` before a run.

    ``init`` and ``apply`` must run, the outputs must fit the loss (``(K,)``
    with ``K`` above every class label, a scalar for ``"logistic"``), and the
    loss and its gradient must be finite there. ``model`` is what the user
    gave (named in the messages).

    Raises:
        InvalidParameterError: naming ``model`` or ``loss``, with the rule.
    """
    import jax
    import jax.numpy as jnp

    from ._backend import flat_model
    from ._models import label_dtype

    m = min(N_TRIED, data.n_points)
    x0 = data.X[0]
    with jax.enable_x64(dtype == "float64"):
        try:
            fm = flat_model(net, dtype)
            theta = fm.init_flat(jax.random.PRNGKey(0))
        except Exception as exc:
            raise InvalidParameterError(
                f"model={model!r}: init(key) must return a pytree of float arrays; "
                f"it raised {_first_line(exc)}"
            ) from None
        try:
            out = jax.eval_shape(fm.predict, theta, jnp.asarray(x0, dtype))
        except Exception as exc:
            raise InvalidParameterError(
                f"model={model!r}: apply(params, x) must accept one sample x of "
                f"shape {x0.shape}; it raised {_first_line(exc)}"
            ) from None
        if net.loss == "logistic" and out.shape != ():
            raise InvalidParameterError(
                f"model={model!r} gives outputs of shape {out.shape} for one x of "
                f"shape {x0.shape}; loss='logistic' needs a scalar margin, shape ()"
            )
        if net.loss in ("cross_entropy", "squared"):
            K = int(data.y.max()) + 1
            if len(out.shape) != 1 or out.shape[0] < K:
                raise InvalidParameterError(
                    f"model={model!r} gives outputs of shape {out.shape} for one x "
                    f"of shape {x0.shape}; loss={net.loss!r} with labels 0..{K - 1} "
                    f"needs shape (K,) with K >= {K}"
                )
        X = jnp.asarray(data.X[:m], dtype)
        y = jnp.asarray(data.y[:m], dtype=label_dtype(net, data.y, dtype))
        value_and_grad = jax.vmap(jax.value_and_grad(fm.loss_fn), in_axes=(None, 0, 0))
        try:
            if callable(net.loss):
                probe = net.loss(fm.predict(theta, X[0])[None], y[:1])
                if jnp.shape(probe) != (1,):
                    raise InvalidParameterError(
                        f"loss={net.loss!r} returned shape {jnp.shape(probe)} for a "
                        "batch of one; it must return one loss per example, (m,)"
                    )
            values, grads = value_and_grad(theta, X, y)
        except InvalidParameterError:
            raise
        except Exception as exc:
            raise InvalidParameterError(
                f"loss={net.loss!r} on model={model!r}: the loss of one sample "
                f"failed: {_first_line(exc)}"
            ) from None
        values, grads = np.asarray(values), np.asarray(grads)
    bad = ~np.isfinite(values) | ~np.isfinite(grads).all(axis=1)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InvalidParameterError(
            f"loss={net.loss!r} is {values[i]!r} (or its gradient is not finite) at "
            f"X[{i}], y[{i}]={data.y[i]!r} at the initial point; it must be finite"
        )
