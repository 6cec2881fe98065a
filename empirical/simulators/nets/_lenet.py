"""LeNet: the seed paper's MNIST network, as a :class:`NetModel` on 28x28 inputs.

The architecture of Regatti et al.'s public code (GitHub
JayanthRR/Async-Distributed-SGD, ``src/custom_models.py``, class ``LeNet``, lines
105-135)::

    conv(1 -> 6, 5x5) -> relu -> maxpool 2x2
    conv(6 -> 16, 5x5) -> relu -> maxpool 2x2          (16 x 4 x 4 = 256)
    dense(256 -> 120) -> relu -> dense(120 -> 84) -> relu -> dense(84 -> 10)

"valid" convolutions with bias, logits out, cross-entropy (their
``nn.CrossEntropyLoss``). The flattening order is channel, row, column, as
``x.view(-1, 256)`` of an ``NCHW`` tensor. Initial point: PyTorch's default for
``Conv2d`` and ``Linear`` (the seed's code keeps it): weights and biases uniform
on ``+-1/sqrt(fan_in)`` (``kaiming_uniform_`` with ``a = sqrt(5)``).
"""

from __future__ import annotations

from typing import Any

from bounds.internal import check_int, checked

from ._models import NetModel

__all__ = ["LENET_SIDE", "lenet"]

#: Input side length: MNIST's 28x28 (the flat sample has 784 entries).
LENET_SIDE = 28

_CONV = ((1, 6), (6, 16))
_KERNEL = 5


def _uniform_layer(key: Any, shape: tuple[int, ...], fan_in: int) -> dict[str, Any]:
    import jax

    kw, kb = jax.random.split(key)
    lim = fan_in**-0.5
    return {
        "W": jax.random.uniform(kw, shape, minval=-lim, maxval=lim),
        "b": jax.random.uniform(kb, (shape[0],), minval=-lim, maxval=lim),
    }


@checked
def lenet(n_classes: int = 10) -> NetModel:
    """The seed's LeNet (module doc) for one flat 784-pixel sample.

    Args:
        n_classes: logits out (MNIST: 10).

    Examples:
        >>> from empirical.simulators.nets._models import flatten
        >>> flatten(lenet(), "float32").n_params
        44426
    """
    K = check_int(n_classes, "n_classes", min_value=2)
    k = _KERNEL
    side = (((LENET_SIDE - k + 1) // 2) - k + 1) // 2  # 28 -> 24 -> 12 -> 8 -> 4
    n_flat = _CONV[-1][1] * side * side
    dense = ((n_flat, 120), (120, 84), (84, K))

    def init(key: Any) -> Any:
        import jax

        keys = jax.random.split(key, len(_CONV) + len(dense))
        conv = [
            _uniform_layer(kk, (c_out, c_in, k, k), c_in * k * k)
            for kk, (c_in, c_out) in zip(keys[: len(_CONV)], _CONV, strict=True)
        ]
        fc = [
            _uniform_layer(kk, (d_out, d_in), d_in)
            for kk, (d_in, d_out) in zip(keys[len(_CONV) :], dense, strict=True)
        ]
        return {"conv": conv, "fc": fc}

    def apply(params: Any, x: Any) -> Any:
        import jax

        h = x.reshape(1, 1, LENET_SIDE, LENET_SIDE)
        for p in params["conv"]:
            h = jax.lax.conv_general_dilated(
                h, p["W"], window_strides=(1, 1), padding="VALID"
            )
            h = jax.nn.relu(h + p["b"][None, :, None, None])
            h = jax.lax.reduce_window(
                h, -jax.numpy.inf, jax.lax.max, (1, 1, 2, 2), (1, 1, 2, 2), "VALID"
            )
        h = h.reshape(-1)
        for p in params["fc"][:-1]:
            h = jax.nn.relu(p["W"] @ h + p["b"])
        return params["fc"][-1]["W"] @ h + params["fc"][-1]["b"]

    return NetModel(f"lenet-{K}", init, apply)
