"""Ray as an executor of sweeps: one Ray task per grid point.

Optional: Ray is imported inside functions only, so ``import empirical`` works
without it (``pip install -e ".[ray]"`` in this checkout adds it). :class:`RayExecutor`
implements the :class:`~empirical.distributed._executors.Executor` protocol, so
:func:`~empirical.runs._sweep.sweep` appends every record to its results file as the
task finishes, exactly as with the local backend; a task's result depends only on
its config, so the records are the same as the local backend's, bit for bit
(only ``timing`` differs).

Who starts Ray stops it: :func:`ray_session` connects to ``address`` or starts a
local instance (no dashboard) when Ray is not running yet, and shuts it down on
exit only if it started it. Every remote wait has a timeout.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from bounds import InvalidParameterError
from bounds.internal import check_int

from ._lost import TasksLostError
from ._threads import THREAD_ENV_VARS, check_workers

__all__ = [
    "START_ATTEMPTS_ENV",
    "RayExecutor",
    "RayStartError",
    "RayTimeoutError",
    "import_ray",
    "ray_session",
    "start_ray",
]

T = TypeVar("T")
R = TypeVar("R")

#: Ray's exceptions of a task lost to the infrastructure, not to its own code:
#: its node died, its worker process crashed or was killed (out of memory), its
#: result was lost with a node. Retried by Ray up to ``max_retries`` times; past
#: that, the task is reported lost (:class:`TasksLostError`), not raised.
_LOST = (
    "NodeDiedError",
    "WorkerCrashedError",
    "ObjectLostError",
    "OutOfMemoryError",
    "LocalRayletDiedError",
    "TaskUnschedulableError",
)

#: Default seconds a sweep waits for *some* task to finish before it gives up.
DEFAULT_TASK_TIMEOUT_S = 3600.0
_POLL_S = 1.0


#: Environment variable: how many times a local Ray start is tried (default 3).
START_ATTEMPTS_ENV = "ASYNCSTAB_RAY_START_ATTEMPTS"
DEFAULT_START_ATTEMPTS = 3


class RayTimeoutError(TimeoutError):
    """A remote wait ran past its timeout (nothing finished, nothing progressed)."""


class RayStartError(RuntimeError):
    """Ray could not be started (or connected to); what it started was stopped."""


def _start_attempts() -> int:
    text = os.environ.get(START_ATTEMPTS_ENV, str(DEFAULT_START_ATTEMPTS))
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise InvalidParameterError(
            f"{START_ATTEMPTS_ENV}={text!r} must be an integer >= 1"
        )
    return n


def _clean_failed_start(ray: Any, exc: BaseException) -> None:
    """Stop every process a failed ``ray.init`` started.

    When the node's start-up fails (Ray's raylet wait is a fixed 30 s, which a
    busy machine can exceed), ``ray.init`` raises before it records the node, so
    ``ray.shutdown()`` does not know its processes. The node object is still in
    the traceback's frames: its ``kill_all_processes`` stops (and reaps) them.
    """
    try:
        from ray._private.node import Node  # private: guarded against Ray changes
    except ImportError:  # pragma: no cover - a Ray without this module
        Node = ()  # type: ignore[assignment,misc]
    tb = exc.__traceback__
    nodes: list[Any] = []
    while tb is not None:
        candidate = tb.tb_frame.f_locals.get("self")
        if isinstance(candidate, Node) and candidate not in nodes:
            nodes.append(candidate)
        tb = tb.tb_next
    for node in nodes:
        with contextlib.suppress(Exception):
            node.kill_all_processes(check_alive=False, allow_graceful=True, wait=True)
    with contextlib.suppress(Exception):
        ray.shutdown()


def start_ray(ray: Any, attempts: int | None = None, **init_kwargs: Any) -> None:
    """``ray.init(**init_kwargs)``, tried ``attempts`` times; a failure cleans up.

    Args:
        ray: the ``ray`` module.
        attempts: tries (default: the environment variable
            :data:`START_ATTEMPTS_ENV`, else 3). A slow machine can miss Ray's
            fixed start-up wait once and make it on the next try.
        init_kwargs: passed to ``ray.init``.

    Raises:
        RayStartError: every try failed; each one's processes were stopped.
    """
    n = _start_attempts() if attempts is None else attempts
    first = ""
    for k in range(n):
        try:
            ray.init(**init_kwargs)
            return
        except Exception as exc:  # Ray raises bare Exception on a start-up timeout
            _clean_failed_start(ray, exc)
            first = first or (str(exc).splitlines() or [type(exc).__name__])[0]
            if k + 1 < n:
                time.sleep(2.0 * (k + 1))  # let the machine catch up
    where = "connect to Ray" if "address" in init_kwargs else "start Ray"
    raise RayStartError(
        f"could not {where} in {n} attempt(s): {first} (on a busy machine, set "
        f"{START_ATTEMPTS_ENV} higher, or start Ray yourself with "
        "`ray start --head` and pass --address auto)"
    )


def import_ray() -> Any:
    """Import Ray, or raise a clear error that says how to install it."""
    try:
        import ray
    except ImportError as exc:
        raise InvalidParameterError(
            'Ray is not installed: in this checkout, `pip install -e ".[ray]"`'
        ) from exc
    return ray


def _job_runtime_env(runtime_env: dict[str, Any] | None) -> dict[str, Any]:
    """The job's runtime environment: the user's, plus one thread per BLAS/numba pool.

    Why: Ray runs several tasks per machine, each on one CPU; a numerical thread
    pool per task sized to the machine would oversubscribe it (the same reason
    :class:`~empirical.distributed._executors.LocalProcessExecutor` pins threads). A value the
    user set wins.
    """
    env = dict(runtime_env or {})
    env_vars = {var: "1" for var in THREAD_ENV_VARS}
    env_vars.update(env.get("env_vars") or {})
    env["env_vars"] = env_vars
    return env


@contextlib.contextmanager
def ray_session(
    *,
    address: str | None = None,
    num_cpus: float | None = None,
    runtime_env: dict[str, Any] | None = None,
) -> Iterator[Any]:
    """Yield the ``ray`` module with Ray initialised; shut it down if started here.

    Args:
        address: an existing cluster (``"ray://host:10001"``, ``"host:6379"`` or
            ``"auto"``); ``None`` starts a local instance.
        num_cpus: CPUs of a local instance (``None``: all); ignored with ``address``.
        runtime_env: Ray runtime environment of the job (``env_vars``,
            ``working_dir``, ``pip``, ...); thread pools are pinned to 1 unless set.

    If Ray is already initialised (a test fixture, a notebook), it is used as it
    is and left running. Start-up is tried several times (:func:`start_ray`).

    Raises:
        RayStartError: Ray did not start; the processes it began were stopped.
    """
    ray = import_ray()
    if ray.is_initialized():
        yield ray
        return
    kw: dict[str, Any] = {
        "include_dashboard": False,
        "runtime_env": _job_runtime_env(runtime_env),
        "log_to_driver": True,
    }
    if address is not None:
        kw["address"] = address
    elif num_cpus is not None:
        kw["num_cpus"] = num_cpus
    start_ray(ray, **kw)
    try:
        yield ray
    finally:
        ray.shutdown()


def _first_line(exc: BaseException) -> str:
    """``"NodeDiedError: Task failed because the node ... is dead or unavailable."``:
    the exception's name and its first sentence (Ray's messages run on)."""
    lines = str(exc).strip().splitlines()
    first = lines[0] if lines else ""
    head, dot, _ = first.partition(". ")
    return f"{type(exc).__name__}: {head}{dot.strip()}".rstrip(": ")


class RayExecutor:
    """Runs each task as one Ray task; yields ``(task, result)`` as they finish.

    Args:
        workers: CPUs of a local Ray instance started on demand (``None``: all).
        address: connect to this cluster instead (see :func:`ray_session`).
        runtime_env: passed to ``ray.init``.
        num_cpus_per_task: Ray's CPU request of one task (default 1: the
            simulator is single-threaded, see the thread pinning above).
        num_gpus_per_task: Ray's GPU request of one task (default 0; 1 for a
            task that computes on a GPU, such as ``reproduce --device gpu``:
            Ray then runs it on a node with a free GPU and sets
            ``CUDA_VISIBLE_DEVICES`` to that GPU).
        task_timeout_s: seconds to wait for the *next* task to finish; past it
            the remaining tasks are cancelled and :class:`RayTimeoutError` raised.
        max_retries: Ray's retries of a task whose node or worker process dies
            (default 3, Ray's own default). An error raised by the task's own
            code is not retried: it propagates, as with local processes. A
            task lost more often is reported, after every other task finished,
            by :class:`~empirical.distributed._executors.TasksLostError`.

    ``fn`` and the tasks must be picklable; on a remote cluster the package must
    be importable on every node (install it there, or ship it with
    ``runtime_env={"py_modules": [...]}``; see ``docs/ray.md``).
    """

    def __init__(
        self,
        workers: int | None = None,
        *,
        address: str | None = None,
        runtime_env: dict[str, Any] | None = None,
        num_cpus_per_task: float = 1.0,
        num_gpus_per_task: float = 0.0,
        task_timeout_s: float = DEFAULT_TASK_TIMEOUT_S,
        max_retries: int = 3,
    ) -> None:
        check_int(max_retries, "max_retries", min_value=0)
        if workers is not None:
            check_workers(workers)
        if not num_cpus_per_task > 0:
            raise InvalidParameterError(
                f"num_cpus_per_task={num_cpus_per_task!r} must be > 0"
            )
        if not 0 <= num_gpus_per_task < float("inf"):
            raise InvalidParameterError(
                f"num_gpus_per_task={num_gpus_per_task!r} must be finite and >= 0"
            )
        if not task_timeout_s > 0:
            raise InvalidParameterError(
                f"task_timeout_s={task_timeout_s!r} must be > 0"
            )
        self.workers = workers
        self.address = address
        self.runtime_env = runtime_env
        self.num_cpus_per_task = float(num_cpus_per_task)
        self.num_gpus_per_task = float(num_gpus_per_task)
        self.task_timeout_s = float(task_timeout_s)
        self.max_retries = int(max_retries)

    def remote_options(self) -> dict[str, Any]:
        """The options of ``ray.remote`` for each task: resources, retries.

        ``num_gpus`` appears only when GPUs are requested (Ray's default is 0).
        ``max_retries`` covers a lost node or worker process; exceptions of the
        task's own code are not retried (``retry_exceptions=False``): a bug
        fails the run at once, as with local processes.
        """
        opts: dict[str, Any] = {
            "num_cpus": self.num_cpus_per_task,
            "max_retries": self.max_retries,
            "retry_exceptions": False,
        }
        if self.num_gpus_per_task > 0:
            opts["num_gpus"] = self.num_gpus_per_task
        return opts

    def map_unordered(
        self, fn: Callable[[T], R], tasks: Iterable[T]
    ) -> Iterator[tuple[T, R]]:
        """Yield ``(task, fn(task))`` as Ray tasks finish; a task's error propagates.

        Raises:
            TasksLostError: after every other task's result was yielded, when
                some tasks were lost (node or worker died) past their retries.
        """
        todo = list(tasks)
        if not todo:
            return
        with ray_session(
            address=self.address, num_cpus=self.workers, runtime_env=self.runtime_env
        ) as ray:
            gpus = ray.cluster_resources().get("GPU", 0)
            if self.num_gpus_per_task > gpus:
                # Ray would wait for ever for a GPU node; say so before any task.
                raise InvalidParameterError(
                    f"num_gpus_per_task={self.num_gpus_per_task:g} but the Ray "
                    f"cluster has {gpus:g} GPUs (`ray status` lists its resources)"
                )
            remote_fn = ray.remote(**self.remote_options())(fn)
            lost_types = tuple(
                getattr(ray.exceptions, n) for n in _LOST if hasattr(ray.exceptions, n)
            )
            pending: dict[Any, T] = {remote_fn.remote(t): t for t in todo}
            lost: list[T] = []
            reason = ""
            last = time.monotonic()
            try:
                while pending:
                    ready, _ = ray.wait(list(pending), num_returns=1, timeout=_POLL_S)
                    if not ready:
                        if time.monotonic() - last > self.task_timeout_s:
                            raise RayTimeoutError(
                                f"no sweep task finished in {self.task_timeout_s:g} s "
                                f"({len(pending)} pending); raise task_timeout_s or "
                                "check the cluster (`ray status`)"
                            )
                        continue
                    for ref in ready:
                        task = pending.pop(ref)
                        # Ready, so this get does not block; the timeout is a guard.
                        try:
                            result = ray.get(ref, timeout=self.task_timeout_s)
                        except lost_types as exc:
                            lost.append(task)
                            reason = _first_line(exc)
                            continue
                        yield task, result
                    last = time.monotonic()
                if lost:
                    order = {id(t): i for i, t in enumerate(todo)}
                    lost.sort(key=lambda t: order[id(t)])
                    raise TasksLostError(lost, self.max_retries, reason)
            finally:
                for ref in pending:
                    with contextlib.suppress(Exception):
                        ray.cancel(ref, force=True)
