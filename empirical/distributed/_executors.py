"""Executors: where the tasks of a sweep run.

An executor is anything with ``map_unordered(fn, tasks) -> iterator of (task,
result)``: results come back as tasks finish, in any order, so the caller can
append each one to the results file at once. ``SerialExecutor`` runs in this
process; ``LocalProcessExecutor`` runs on local worker processes. A distributed
engine (Ray) plugs in by implementing the same protocol in its own module.

This module imports no numerical library at import time on purpose: a spawned
worker imports it to run :func:`_pin_threads` before numpy/numba are loaded, so
that their thread pools start with one thread.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import queue
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, Protocol, TypeVar, runtime_checkable

from bounds.internal import checked

from ._lost import TasksLostError
from ._threads import THREAD_ENV_VARS, check_workers

__all__ = [
    "THREAD_ENV_VARS",
    "Executor",
    "LocalProcessExecutor",
    "SerialExecutor",
    "TasksLostError",
    "check_workers",
    "core_blocks",
    "make_executor",
]

T = TypeVar("T")
R = TypeVar("R")


@runtime_checkable
class Executor(Protocol):
    """Runs ``fn(task)`` for every task and yields ``(task, result)`` as they finish."""

    def map_unordered(
        self, fn: Callable[[T], R], tasks: Iterable[T]
    ) -> Iterator[tuple[T, R]]: ...


class SerialExecutor:
    """Runs the tasks one after the other in this process (the reference)."""

    def map_unordered(
        self, fn: Callable[[T], R], tasks: Iterable[T]
    ) -> Iterator[tuple[T, R]]:
        """Yield ``(task, fn(task))`` in task order."""
        for task in tasks:
            yield task, fn(task)


#: Seconds between two checks of a worker that its parent is still alive.
PARENT_POLL_S = 1.0
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _die_with_parent(parent: int) -> None:
    """Make this worker exit when the process ``parent`` dies (no orphans).

    Two mechanisms, because a worker killed with its parent must not go on
    computing (and then idle forever) under PID 1:

    * Linux: ``prctl(PR_SET_PDEATHSIG, SIGKILL)``, the kernel kills this process
      the moment its parent dies (prctl(2)); checked once more right after the
      call, in case the parent died before it.
    * Everywhere: a daemon thread checks every :data:`PARENT_POLL_S` seconds
      that the parent is still the parent (``os.getppid()`` changes when a process
      is reparented) and ends the process otherwise.

    With the workers gone, the multiprocessing resource tracker reads end-of-file
    on its pipe (the workers held the last copies of its write end) and exits too.
    """
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        except (OSError, AttributeError):  # pragma: no cover - no prctl in libc
            pass
    if os.getppid() != parent:
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(PARENT_POLL_S)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="asyncstab-parent-watch", daemon=True).start()


def _init_worker(parent: int, cores: Any = None) -> None:
    """Worker initializer: exit with the parent, one thread per numerical library;
    with a queue of core sets ``cores``, run on the next set in it."""
    _die_with_parent(parent)
    _pin_threads()
    if cores is not None:
        _claim_cores(cores)


def core_blocks(cores: Iterable[int], workers: int) -> list[set[int]]:
    """Split ``cores`` into ``min(workers, len(cores))`` disjoint, near-equal blocks.

    Examples:
        >>> core_blocks(range(5), 2)
        [{0, 1, 2}, {3, 4}]
        >>> core_blocks([0, 1], 4)
        [{0}, {1}]
    """
    cs = sorted(cores)
    k = min(check_workers(workers), len(cs))
    q, r = divmod(len(cs), k)
    starts = [i * q + min(i, r) for i in range(k + 1)]
    return [set(cs[starts[i] : starts[i + 1]]) for i in range(k)]


def _claim_cores(cores: Any) -> None:
    """Restrict this worker to the next free block of cores (Linux; else nothing).

    Why: a library that sizes its thread pool by the cores this process may use
    and has no setting that limits it (JAX's XLA on CPU) would otherwise run one
    pool of all the machine's cores in every worker. With a block of its own, each
    worker's pool fits its share.
    """

    if not hasattr(os, "sched_setaffinity"):  # pragma: no cover - not Linux
        return
    try:
        block = cores.get(timeout=PARENT_POLL_S)
    except queue.Empty:  # more workers than blocks: keep the parent's cores
        return
    os.sched_setaffinity(0, block)


def _pin_threads() -> None:
    """One thread per numerical library (part of the worker initializer)."""
    for var in THREAD_ENV_VARS:
        os.environ[var] = "1"
    if "numba" in sys.modules:  # numba read NUMBA_NUM_THREADS at import
        sys.modules["numba"].set_num_threads(1)
    try:  # libraries already imported (none, with the spawn context)
        # imported here: a spawned worker imports this module before numpy
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except ImportError:  # pragma: no cover - threadpoolctl ships with scikit-learn
        pass


class LocalProcessExecutor:
    """Runs tasks on ``workers`` local processes (``spawn`` context, threads pinned).

    The workers exit when this process dies, even by ``SIGKILL`` (see
    :func:`_die_with_parent`): an interrupted sweep leaves no orphan behind.
    With ``split_cores=True`` (Linux) each worker runs on a block of its own of
    this process's cores (:func:`core_blocks`): for tasks whose library sizes its
    thread pool by the usable cores, such as JAX on CPU.

    ``spawn`` rather than ``fork``: forking a parent that has started numba or
    OpenMP threads can deadlock, and a fresh interpreter lets :func:`_pin_threads`
    run before numpy is imported. ``fn`` and the tasks must be picklable
    (module-level function, plain-data tasks).
    """

    def __init__(
        self, workers: int | None = None, *, split_cores: bool = False
    ) -> None:
        self.workers = check_workers(
            workers if workers is not None else (os.cpu_count() or 1)
        )
        self.split_cores = bool(split_cores)

    def map_unordered(
        self, fn: Callable[[T], R], tasks: Iterable[T]
    ) -> Iterator[tuple[T, R]]:
        """Yield ``(task, result)`` as workers finish; errors propagate."""
        todo = list(tasks)
        if not todo:
            return
        ctx = multiprocessing.get_context("spawn")
        n = min(self.workers, len(todo))
        cores = None
        if self.split_cores and hasattr(os, "sched_getaffinity"):
            cores = ctx.Queue()
            for block in core_blocks(os.sched_getaffinity(0), n):
                cores.put(block)
        with ProcessPoolExecutor(
            max_workers=n,
            mp_context=ctx,
            initializer=_init_worker,
            initargs=(os.getpid(), cores),
        ) as pool:
            pending: dict[Future[R], T] = {pool.submit(fn, t): t for t in todo}
            try:
                while pending:
                    done, _ = wait(pending, return_when=FIRST_COMPLETED)
                    for fut in done:
                        task = pending.pop(fut)
                        yield task, fut.result()
            finally:
                for fut in pending:
                    fut.cancel()


@checked
def make_executor(
    backend: str = "local", *, workers: int | None = None, split_cores: bool = False
) -> Executor:
    """``"serial"`` or ``"local"`` (processes; ``split_cores`` as in
    :class:`LocalProcessExecutor`); ``"ray"`` when its module exists."""
    if backend == "serial":
        return SerialExecutor()
    if backend == "local":
        if workers == 1:
            return SerialExecutor()
        return LocalProcessExecutor(workers, split_cores=split_cores)
    if backend == "ray":
        # imported here: the Ray backend only when it is asked for
        from ._ray_backend import RayExecutor  # Ray itself is imported lazily there

        return RayExecutor(workers=workers)
    from bounds import InvalidParameterError

    raise InvalidParameterError(
        f"backend={backend!r} must be one of 'local', 'serial', 'ray'"
    )
