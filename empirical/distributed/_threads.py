"""Worker counts and the thread pools of worker processes (the bottom of the executors).

Shared by the local executors (:mod:`empirical.distributed._executors`) and the
Ray executor (:mod:`empirical.distributed._ray_backend`). Imports no numerical
library: a spawned worker reads :data:`THREAD_ENV_VARS` before numpy/numba load.
"""

from __future__ import annotations

from typing import Any

__all__ = ["THREAD_ENV_VARS", "check_workers"]

#: Thread-pool sizes pinned to 1 in every worker: with K workers on K cores, a
#: BLAS/OpenMP/numba pool per worker would oversubscribe the machine K-fold.
THREAD_ENV_VARS = (
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMBA_NUM_THREADS",
)


def check_workers(workers: Any) -> int:
    """Return ``workers``; raise unless it is an ``int >= 1`` (not a bool).

    Stricter than ``check_int`` on purpose (``2.0`` is refused), and importing
    ``bounds`` only on error keeps numpy out of this module's import.
    """
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        from bounds import InvalidParameterError

        raise InvalidParameterError(f"workers={workers!r} must be an integer >= 1")
    return workers
