"""Network data: MNIST-1D offline and RNG-neutral, digits, the pair construction."""

from __future__ import annotations

import random
import socket

import numpy as np
import pytest

pytest.importorskip("mnist1d")

from bounds import InvalidParameterError
from empirical.problems._problem import make_problem
from empirical.schedules._delays import ConstantDelay
from empirical.schedules._protocols import OneStale
from empirical.simulators.linear._simulate import _draw
from empirical.simulators.nets._datasets import load_net_data, mnist1d_arrays
from empirical.simulators.nets._simulate import pair_draws


class _NoNetwork(socket.socket):
    def __init__(self, *args: object, **kwargs: object) -> None:
        raise AssertionError("a socket was opened")


def test_mnist1d_is_generated_offline_and_leaves_global_rng(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(socket, "socket", _NoNetwork)
    with pytest.raises(AssertionError, match="socket"):  # the guard works
        socket.socket()
    random.seed(123)
    np.random.seed(456)  # noqa: NPY002 (the legacy global state is under test)
    py_before = random.getstate()
    np_before = np.random.get_state()  # noqa: NPY002
    X, y = mnist1d_arrays(200, seed=7)
    assert random.getstate() == py_before
    np_after = np.random.get_state()  # noqa: NPY002
    assert np_after[0] == np_before[0]
    np.testing.assert_array_equal(np_after[1], np_before[1])
    assert np_after[2:] == np_before[2:]
    assert X.shape == (200, 40)
    np.testing.assert_array_equal(np.bincount(y), np.full(10, 20))
    X2, _ = mnist1d_arrays(200, seed=7)
    np.testing.assert_array_equal(X, X2)  # same seed, same data
    assert not np.array_equal(X, mnist1d_arrays(200, seed=8)[0])


def test_digits_and_validation() -> None:
    d = load_net_data("digits")
    assert d.X.shape == (1797, 64)
    assert d.X.min() >= 0.0
    assert d.X.max() <= 1.0
    assert d.n_classes == 10
    with pytest.raises(InvalidParameterError, match="name="):
        load_net_data("cifar")
    with pytest.raises(InvalidParameterError, match="n_points=105"):
        load_net_data("mnist1d", n_points=105)


def test_constant_error_is_one_minus_the_largest_class_share() -> None:
    # digits: 1797 points, the largest class (3) has 183; MNIST's 5,000 are
    # 500 per class; breast cancer: 357 benign of 569.
    assert load_net_data("digits").constant_error == pytest.approx(1 - 183 / 1797)
    assert load_net_data("mnist5k").constant_error == pytest.approx(0.9)
    assert load_net_data("breast_cancer").constant_error == pytest.approx(212 / 569)


def test_pair_construction_is_the_linear_harness() -> None:
    problem = make_problem("logistic", "digits_binary", n_samples=100)
    P, T, n = 5, 10, 100
    lin = _draw(problem, ConstantDelay(0), T, P, seed=11)
    dr = pair_draws(
        load_net_data("digits"),
        OneStale(ConstantDelay(0)),
        n_samples=n,
        n_pairs=P,
        n_steps=T,
        seed=11,
    )
    np.testing.assert_array_equal(dr.j, lin.j)
    np.testing.assert_array_equal(dr.rows[:P], lin.perm[:, :n])
    expect = lin.perm[:, :n].copy()
    expect[np.arange(P), lin.j] = lin.perm[:, n]
    np.testing.assert_array_equal(dr.rows[P:], expect)
    np.testing.assert_array_equal(dr.test_rows[:P], lin.perm[:, n + 1 :])
