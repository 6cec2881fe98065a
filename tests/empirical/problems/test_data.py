"""Data sets: shapes, label sets, feature norms bounded by the radius."""

from __future__ import annotations

import numpy as np
import pytest

from bounds import InvalidParameterError
from empirical.problems._data import DATASETS, load_dataset

SHAPES = {
    "breast_cancer": ((569, 30), "binary", 2),
    "digits": ((1797, 64), "multiclass", 10),
    "digits_binary": ((1797, 64), "binary", 2),
    "diabetes": ((442, 10), "regression", 0),
    "synthetic": ((2000, 20), "binary", 2),
}


@pytest.mark.parametrize("name", DATASETS)
@pytest.mark.parametrize("radius", [0.5, 1.0, 3.0])
def test_shapes_and_norms(name, radius):
    ds = load_dataset(name, radius=radius)
    shape, task, k = SHAPES[name]
    assert ds.X.shape == shape
    assert ds.X.dtype == np.float64
    assert ds.y.shape == (shape[0],)
    assert (ds.name, ds.task, ds.n_classes, ds.radius) == (name, task, k, radius)
    norms = np.sqrt((ds.X**2).sum(axis=1))
    assert norms.max() <= radius  # exact: the loader pulls rounding overshoot inside
    assert norms.max() == pytest.approx(radius, rel=1e-12)  # and the bound is tight
    assert np.isfinite(ds.X).all()


def test_labels():
    assert set(np.unique(load_dataset("breast_cancer").y)) == {-1.0, 1.0}
    assert set(np.unique(load_dataset("synthetic").y)) == {-1.0, 1.0}
    digits = load_dataset("digits")
    assert digits.y.dtype == np.int64
    assert set(np.unique(digits.y)) == set(range(10))
    even = load_dataset("digits_binary").y == 1.0
    np.testing.assert_array_equal(even, digits.y % 2 == 0)
    t = load_dataset("diabetes").y
    # standardised targets; 1e-12 absorbs the rounding of mean and std
    assert abs(t.mean()) < 1e-12
    assert t.std() == pytest.approx(1.0, rel=1e-12)


def test_synthetic_depends_on_seed_only():
    a, b = load_dataset("synthetic", seed=1), load_dataset("synthetic", seed=1)
    c = load_dataset("synthetic", seed=2)
    np.testing.assert_array_equal(a.X, b.X)
    assert not np.array_equal(a.X, c.X)
    # Bundled sets ignore the seed.
    np.testing.assert_array_equal(
        load_dataset("digits", seed=0).X, load_dataset("digits", seed=5).X
    )


def test_arrays_are_read_only():
    ds = load_dataset("breast_cancer")
    with pytest.raises(ValueError, match="read-only"):
        ds.X[0, 0] = 1.0
    with pytest.raises(ValueError, match="read-only"):
        ds.y[0] = 1.0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"name": "mnist"}, "name='mnist' must be one of"),
        ({"name": "digits", "radius": 0.0}, "radius=0.0 must be > 0"),
        ({"name": "digits", "radius": float("inf")}, "radius=inf must be a finite"),
        ({"name": "synthetic", "seed": -1}, "seed=-1 must be >= 0"),
    ],
    ids=["name", "radius-zero", "radius-inf", "seed"],
)
def test_invalid(kwargs, match):
    with pytest.raises(InvalidParameterError, match=match):
        load_dataset(**kwargs)
