"""Data sets for the coupled-run harness, scaled so that every row has ``||x|| <= R``.

Why the scaling: the exact Lipschitz and smoothness constants of docs/theory.md
("Losses with exact constants") are stated for features with ``||x|| <= R`` (logistic
``L = R``, ``beta = R^2 / 4``, ...). So every data set is standardised (zero mean,
unit variance per feature; constant features are left at zero) and then divided by
its largest row norm and multiplied by ``radius``. After that the declared constants
of a loss are true constants of the problem, not estimates.

All data come from scikit-learn's bundled data sets or are generated from the seed:
nothing is downloaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from sklearn import datasets as skd

from bounds.internal import check_choice, check_int, check_positive, checked

__all__ = ["DATASETS", "Dataset", "load_dataset", "pair_split"]

#: Names of the bundled data sets :func:`load_dataset` accepts.
DATASETS: tuple[str, ...] = (
    "breast_cancer",
    "digits",
    "digits_binary",
    "diabetes",
    "synthetic",
)

Task = Literal["binary", "multiclass", "regression"]


@dataclass(frozen=True, eq=False)
class Dataset:
    """A data set with features scaled into the ball of radius ``radius``.

    Attributes:
        name: one of :data:`DATASETS`.
        X: ``(N, d)`` float64 features, every row with ``||x|| <= radius`` (the
            largest row has norm ``radius`` up to rounding). Read-only.
        y: ``(N,)`` labels: ``-1.0``/``+1.0`` for ``"binary"``, ints ``0..K-1`` for
            ``"multiclass"``, standardised floats for ``"regression"``. Read-only.
        radius: the bound ``R`` on the feature norms.
        task: ``"binary"``, ``"multiclass"`` or ``"regression"``.
        n_classes: ``2`` (binary), ``K`` (multiclass) or ``0`` (regression).
    """

    name: str
    X: NDArray[np.float64]
    y: NDArray[Any]
    radius: float
    task: Task
    n_classes: int

    @property
    def n_points(self) -> int:
        """Number of rows ``N``."""
        return int(self.X.shape[0])

    @property
    def n_features(self) -> int:
        """Number of features ``d``."""
        return int(self.X.shape[1])


def _scale(X: NDArray[np.float64], radius: float) -> NDArray[np.float64]:
    """Standardise columns, then scale so the largest row norm equals ``radius``."""
    X = np.asarray(X, dtype=np.float64)
    std = X.std(axis=0)
    Z = (X - X.mean(axis=0)) / np.where(std > 0, std, 1.0)
    norms = np.sqrt(np.einsum("ij,ij->i", Z, Z))
    Z = Z * (radius / norms.max())
    # Rounding can leave a row a few ulps above ``radius``; pull it back inside so
    # that ``||x|| <= R`` holds exactly in floating point too.
    norms = np.sqrt(np.einsum("ij,ij->i", Z, Z))
    over = norms > radius
    Z[over] *= (radius / norms[over])[:, None] * (1 - 1e-15)
    return Z


def _synthetic(seed: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Two Gaussian classes in d=20, N=2000: ``x = y * mu + N(0, I)``, ``||mu|| = 1``.

    The classes overlap (Bayes error ``Phi(-1)``, about 16%), so the training
    loss cannot reach zero and the generalisation gap is not trivially zero.
    """
    rng = np.random.default_rng(np.random.SeedSequence([seed, 20, 2000]))
    d, N = 20, 2000
    mu = rng.standard_normal(d)
    mu /= np.linalg.norm(mu)
    y = rng.choice(np.array([-1.0, 1.0]), size=N)
    X = y[:, None] * mu[None, :] + rng.standard_normal((N, d))
    return X, y


@lru_cache(maxsize=32)
def _load(name: str, radius: float, seed: int) -> Dataset:
    y: NDArray[np.float64] | NDArray[np.int64]
    task: Task
    if name == "breast_cancer":
        raw = skd.load_breast_cancer()
        X, y = raw.data, 2.0 * raw.target.astype(np.float64) - 1.0
        task, k = "binary", 2
    elif name == "digits":
        raw = skd.load_digits()
        X, y = raw.data, raw.target.astype(np.int64)
        task, k = "multiclass", 10
    elif name == "digits_binary":
        raw = skd.load_digits()
        X = raw.data
        y = np.where(raw.target % 2 == 0, 1.0, -1.0)  # even digit -> +1
        task, k = "binary", 2
    elif name == "diabetes":
        raw = skd.load_diabetes()
        t = raw.target.astype(np.float64)
        X, y = raw.data, (t - t.mean()) / t.std()
        task, k = "regression", 0
    else:  # "synthetic"; the name was checked by the caller
        X, y = _synthetic(seed)
        task, k = "binary", 2
    Xs = _scale(X, radius)
    Xs.setflags(write=False)
    labels = np.array(y)
    labels.setflags(write=False)
    return Dataset(name=name, X=Xs, y=labels, radius=radius, task=task, n_classes=k)


@checked
def load_dataset(name: str, *, radius: float = 1.0, seed: int = 0) -> Dataset:
    """Load a data set by name, features scaled into the ball of radius ``radius``.

    Args:
        name: one of :data:`DATASETS`: ``"breast_cancer"`` (binary, 569 x 30),
            ``"digits"`` (10 classes, 1797 x 64), ``"digits_binary"`` (even vs odd
            digit, 1797 x 64), ``"diabetes"`` (regression, 442 x 10, standardised
            targets) or ``"synthetic"`` (binary, two Gaussian classes, 2000 x 20).
        radius: the bound ``R`` on every feature row norm.
        seed: generates ``"synthetic"``; the bundled data sets do not use it.

    Returns:
        A read-only :class:`Dataset` (cached: equal arguments return the same object).

    Raises:
        InvalidParameterError: unknown ``name``, ``radius`` not > 0, bad ``seed``.

    Examples:
        >>> ds = load_dataset("breast_cancer", radius=2.0)
        >>> ds.X.shape, ds.task, bool((ds.X**2).sum(axis=1).max() <= 4.0)
        ((569, 30), 'binary', True)
    """
    check_choice(name, "name", DATASETS)
    r = check_positive(radius, "radius")
    s = check_int(seed, "seed", min_value=0)
    return _load(name, r, s)


def pair_split(
    data_seed: np.random.SeedSequence,
    index_seed: np.random.SeedSequence,
    *,
    n_pairs: int,
    n_points: int,
    n_samples: int,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """The data split and the replaced index of each coupled pair (both harnesses).

    Args:
        data_seed: the child stream of the split.
        index_seed: the child stream of the replaced index.
        n_pairs: ``P``.
        n_points: ``N``, the rows of the data set.
        n_samples: ``n``, the training-set size (``n < N``).

    Returns:
        ``perm``: ``(P, N)`` an independent uniform permutation of the rows per pair,
        ``[:n]`` the training set ``S_p``, ``[n]`` the replacement ``z'_p``,
        ``[n + 1:]`` the test set; and ``j``: ``(P,)`` the replaced position,
        uniform on ``{0, ..., n - 1}``.
    """
    rows = np.tile(np.arange(n_points, dtype=np.int64), (n_pairs, 1))
    perm = np.random.default_rng(data_seed).permuted(rows, axis=1)
    j = np.random.default_rng(index_seed).integers(0, n_samples, size=n_pairs)
    return perm, j
