"""A real asynchronous parameter server on Ray, recording the staleness it produces.

One server actor holds the weights ``w`` and a version counter (the number of
updates applied). ``K`` worker actors each loop: compute a mini-batch gradient on
their shard at the weights they read, push ``(gradient, version read)``, and get
the new ``(weights, version)`` back in the same call. The server applies every
gradient on arrival, ``w <- w - eta_t g``, and records its staleness
``tau_t = version now - version read``: the model of docs/theory.md ("Setting")
with the delays produced by the system's timing. Three step-size rules
(docs/theory.md, "The step-size rule [rule-tau]"): ``"constant"`` ``eta_t = eta0``, ``"staleness"`` ``eta0 / (tau_t + 1)``
and ``"rule-tau"`` ``eta0 / (tau + 1)`` with a ``tau`` chosen in advance.

Accounting identity. Every worker holds exactly one read at all times (its push
returns its next read atomically, and all workers first read version 0 before any
update), so each applied update ages the K - 1 other reads by one:
``sum_t tau_t + sum_k (T - last_read_k) = (K - 1) T``. The mean staleness is
therefore ``K - 1 - R / T`` with ``R >= 0`` the age of the reads outstanding at the
end, whatever the timing; :attr:`PSResult.residual` is ``R``.

Worker-failure policy: a worker that dies (killed, crashed, or its gradient code
raised) is reported with its id and cause in :attr:`PSResult.dead_workers`, and
the run **continues with the remaining workers**; staleness stays right because
it is computed by the server from each push's own read version, and a push that
reached the server before the death counts as applied. If every worker dies
before ``T`` updates, :class:`PSFailureError` names them; if no update arrives
for ``stall_timeout_s``, or the run exceeds ``timeout_s``, the run stops with an
error. Every remote wait has a timeout: nothing hangs silently.

Server-failure policy: the run cannot go on without the weights, so it stops
with :class:`PSServerLostError`, which carries the staleness trace of the
updates applied before the loss, exact and replayable. The trace is kept in two
places besides the server: the driver copies it as it grows (every poll,
``_POLL_S``), and each worker keeps the updates of its own that the server
acknowledged. Together they give every update up to the loss except those whose
acknowledgement died with the server (at most one per worker, the last ones);
the trace is the longest prefix ``t = 1, 2, ...`` with no update missing.
"""

from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from bounds import InvalidParameterError
from bounds.internal import checked
from empirical.problems._problem import make_problem

from ._ps_actors import _Server, _Worker
from ._ps_config import RULES, PSConfig
from ._ray_backend import import_ray, ray_session

__all__ = [
    "RULES",
    "PSConfig",
    "PSFailureError",
    "PSResult",
    "PSRun",
    "PSServerLostError",
    "run_ps",
    "start_ps",
]

_POLL_S = 0.2


class PSFailureError(RuntimeError):
    """The parameter-server run cannot finish: all workers or the server died, or it stalled."""


class PSServerLostError(PSFailureError):
    """The server died: the run stopped; the trace of the updates before the loss.

    Attributes:
        staleness, worker, step_sizes: ``tau_t``, the sending worker and
            ``eta_t`` of the updates ``t = 1 .. len(staleness)``, exact (the
            server's own records, as copied by the driver and the workers).
    """

    def __init__(
        self,
        message: str,
        staleness: NDArray[np.int64],
        worker: NDArray[np.int64],
        step_sizes: NDArray[np.float64],
    ) -> None:
        super().__init__(message)
        self.staleness = staleness
        self.worker = worker
        self.step_sizes = step_sizes

    def write_trace(self, path: str | Path) -> Path:
        """Write the staleness trace as :meth:`PSResult.write_trace` does."""
        return _write_trace(self.staleness, path)


def _write_trace(staleness: NDArray[np.int64], path: str | Path) -> Path:
    """One integer a line, whole or not at all (written beside, then renamed)."""

    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(f".{p.name}.partial")
    try:
        tmp.write_text("".join(f"{int(s)}\n" for s in staleness))
        os.replace(tmp, p)
    finally:
        tmp.unlink(missing_ok=True)
    return p


@dataclass(frozen=True, eq=False)
class PSResult:
    """Outcome of a parameter-server run.

    ``staleness[t]`` is ``tau_{t+1}`` of the ``t``-th applied update (one per update)
    and ``worker[t]`` the worker that sent it. ``gap`` is ``test_loss - train_loss``.
    ``accuracy`` and ``baseline_accuracy`` (majority class of the training set,
    evaluated on the test set) are ``None`` for regression. ``residual`` is ``R``
    of the accounting identity (module docstring).
    """

    config: PSConfig
    weights: NDArray[np.float64]
    staleness: NDArray[np.int64]
    worker: NDArray[np.int64]
    step_sizes: NDArray[np.float64]
    train_loss: float
    test_loss: float
    accuracy: float | None
    train_accuracy: float | None
    baseline_accuracy: float | None
    wall_s: float
    updates_per_s: float
    residual: int
    discarded: int
    dead_workers: dict[int, str] = field(default_factory=dict)

    @property
    def gap(self) -> float:
        """Generalization gap of this run: test loss - train loss."""
        return self.test_loss - self.train_loss

    @property
    def histogram(self) -> NDArray[np.int64]:
        """``histogram[s]`` = number of updates with staleness ``s``."""
        return np.bincount(self.staleness)

    def write_trace(self, path: str | Path) -> Path:
        """Write the staleness trace, one integer per line (read by ``TraceDelay.from_file``)."""
        return _write_trace(self.staleness, path)

    def summary(self) -> dict[str, Any]:
        """JSON-ready numbers (no arrays but the histogram)."""
        s = self.staleness
        return {
            "config": asdict(self.config), "n_updates": len(s),
            "staleness_mean": float(s.mean()), "staleness_max": int(s.max()),
            "staleness_histogram": self.histogram.tolist(),
            "train_loss": self.train_loss, "test_loss": self.test_loss, "gap": self.gap,
            "accuracy": self.accuracy, "train_accuracy": self.train_accuracy,
            "baseline_accuracy": self.baseline_accuracy, "wall_s": self.wall_s,
            "updates_per_s": self.updates_per_s, "residual": self.residual,
            "discarded": self.discarded,
            "dead_workers": {str(k): v for k, v in self.dead_workers.items()},
        }  # fmt: skip


def _accuracy(loss: Any, w: NDArray[np.float64], X: Any, y: Any) -> float | None:
    if loss.task == "regression":
        return None
    if loss.task == "binary":
        return float(np.mean(np.where(X @ w >= 0, 1.0, -1.0) == y))
    W1, b1, W2, b2 = loss._unpack(w[None, :], X.shape[1])
    out = np.einsum("kh,mh->mk", W2[0], np.tanh(X @ W1[0].T + b1[0])) + b2[0]
    return float(np.mean(out.argmax(axis=1) == y))


class PSRun:
    """A started run: ``server`` and ``workers`` are Ray actor handles (tests kill them)."""

    def __init__(self, cfg: PSConfig) -> None:
        import ray

        self.cfg = cfg
        self.problem = pr = make_problem(
            cfg.loss, cfg.dataset, n_samples=cfg.n_samples, seed=cfg.seed
        )
        ds, n = pr.dataset, pr.n_samples
        rng = np.random.default_rng(np.random.SeedSequence([cfg.seed, 1]))
        perm = rng.permutation(ds.n_points)
        self.train, self.test = perm[:n], perm[n:]
        w0 = pr.loss.init(pr.dim, rng)
        cpus = cfg.worker_cpus
        if cpus is None:
            free = float(ray.available_resources().get("CPU", 1.0))
            # Ray accepts 4 decimals; round down so that K + 1 shares still fit.
            cpus = min(1.0, np.floor(1e4 * free / (cfg.n_workers + 1)) / 1e4)
        self.worker_cpus = cpus
        opts = {"num_cpus": cpus, "max_restarts": 0}
        self.server: Any = ray.remote(_Server).options(**opts).remote(w0, cfg)
        shards = np.array_split(self.train, cfg.n_workers)
        if min(len(s) for s in shards) == 0:
            raise InvalidParameterError(
                f"n_workers={cfg.n_workers} must be <= n_samples={n} (one shard each)"
            )
        self.workers: list[Any] = [
            ray.remote(_Worker)
            .options(**opts)
            .remote(k, ds.X[s], ds.y[s], pr.loss, cfg)
            for k, s in enumerate(shards)
        ]
        # Wait until every actor is up, so that all workers start from version 0 together.
        try:
            ray.get(
                [w.ready.remote() for w in self.workers], timeout=cfg.stall_timeout_s
            )
        except Exception as exc:
            for actor in [*self.workers, self.server]:
                ray.kill(actor)
            if isinstance(exc, ray.exceptions.GetTimeoutError):
                raise PSFailureError(
                    f"the {cfg.n_workers} workers did not start within "
                    f"{cfg.stall_timeout_s:g} s: the cluster may lack CPUs for "
                    f"{cfg.n_workers + 1} actors of num_cpus={cpus:g} (lower worker_cpus)"
                ) from exc
            raise
        self.start = time.perf_counter()
        self.refs = {
            w.run.remote(self.server, w0, 0, cfg.stall_timeout_s): k
            for k, w in enumerate(self.workers)
        }

    def progress(self) -> int:
        """Updates applied so far."""
        import ray

        try:
            return int(
                ray.get(self.server.progress.remote(), timeout=self.cfg.stall_timeout_s)
            )
        except ray.exceptions.RayActorError as exc:
            raise PSFailureError(f"the parameter server died: {exc}") from exc

    def wait(self) -> PSResult:
        """Wait for the run (see the failure policy in the module docstring)."""
        import ray

        cfg, pending, dead = self.cfg, dict(self.refs), {}
        seen, last_change = -1, time.monotonic()
        copied: list[tuple[int, int, float]] = []  # the trace, as the server grows it
        logs: dict[int, dict[str, Any]] = {}
        try:
            while pending:
                ready, _ = ray.wait(
                    list(pending), num_returns=len(pending), timeout=_POLL_S
                )
                for ref in ready:
                    k = pending.pop(ref)
                    try:
                        logs[k] = ray.get(ref, timeout=cfg.stall_timeout_s)
                    except ray.exceptions.RayActorError as exc:
                        dead[k] = f"actor died: {type(exc).__name__}"
                    except ray.exceptions.RayError as exc:
                        dead[k] = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
                try:
                    copied += ray.get(
                        self.server.since.remote(len(copied)),
                        timeout=cfg.stall_timeout_s,
                    )
                except ray.exceptions.RayActorError as exc:
                    raise self._server_lost(exc, copied, pending, logs) from None
                version = len(copied)
                if version != seen:
                    seen, last_change = version, time.monotonic()
                elif pending and time.monotonic() - last_change > cfg.stall_timeout_s:
                    raise PSFailureError(
                        f"no update for {cfg.stall_timeout_s:g} s at {version} of "
                        f"{cfg.n_steps} updates; workers still running: {sorted(pending.values())}"
                    )
                if time.perf_counter() - self.start > cfg.timeout_s:
                    raise PSFailureError(f"run exceeded timeout_s={cfg.timeout_s:g}")
            wall = time.perf_counter() - self.start
            try:
                st = ray.get(self.server.state.remote(), timeout=cfg.stall_timeout_s)
            except ray.exceptions.RayActorError as exc:
                raise self._server_lost(exc, copied, pending, logs) from None
        finally:
            for actor in [*self.workers, self.server]:
                ray.kill(actor)
        return self._result(st, dead, wall)

    def _server_lost(
        self,
        exc: BaseException,
        copied: list[tuple[int, int, float]],
        pending: dict[Any, int],
        logs: dict[int, dict[str, Any]],
    ) -> PSServerLostError:
        """The error of a lost server, with the longest exact trace prefix."""
        import ray

        for ref, k in pending.items():  # each worker returns once its push fails
            try:
                logs[k] = ray.get(ref, timeout=self.cfg.stall_timeout_s)
            except Exception:
                continue
        updates = {t: (tau, k, eta) for t, (tau, k, eta) in enumerate(copied, 1)}
        for k, log in logs.items():
            for t, tau, eta in log["applied"]:
                updates.setdefault(int(t), (int(tau), k, float(eta)))
        n = 0
        while n + 1 in updates:
            n += 1
        rows = [updates[t] for t in range(1, n + 1)]
        return PSServerLostError(
            f"the parameter server died ({type(exc).__name__}) after at least {n} "
            f"of {self.cfg.n_steps} updates",
            np.asarray([r[0] for r in rows], dtype=np.int64),
            np.asarray([r[1] for r in rows], dtype=np.int64),
            np.asarray([r[2] for r in rows], dtype=np.float64),
        )

    def _result(
        self, st: dict[str, Any], dead: dict[int, str], wall: float
    ) -> PSResult:
        cfg, pr = self.cfg, self.problem
        if st["diverged"]:
            raise PSFailureError(st["diverged"])
        T = len(st["stale"])
        if cfg.n_steps > T:
            raise PSFailureError(
                f"all {cfg.n_workers} workers died after {T} of {cfg.n_steps} updates: "
                + "; ".join(f"worker {k}: {why}" for k, why in sorted(dead.items()))
            )
        ds, w = pr.dataset, st["w"]
        Xtr, ytr, Xte, yte = (
            ds.X[self.train],
            ds.y[self.train],
            ds.X[self.test],
            ds.y[self.test],
        )

        def mean_loss(X: Any, y: Any) -> float:
            return float(pr.loss.value(w[None, :], X[None], y[None]).mean())

        base = None
        if pr.loss.task != "regression":
            labels, counts = np.unique(ytr, return_counts=True)
            base = float(np.mean(yte == labels[np.argmax(counts)]))
        return PSResult(
            config=cfg,
            weights=w,
            staleness=st["stale"],
            worker=st["worker"],
            step_sizes=st["eta"],
            train_loss=mean_loss(Xtr, ytr),
            test_loss=mean_loss(Xte, yte),
            accuracy=_accuracy(pr.loss, w, Xte, yte),
            train_accuracy=_accuracy(pr.loss, w, Xtr, ytr),
            baseline_accuracy=base,
            wall_s=wall,
            updates_per_s=T / wall if wall > 0 else float("inf"),
            residual=int((T - st["last_read"]).sum()),
            discarded=int(st["discarded"]),
            dead_workers=dead,
        )


def start_ps(config: PSConfig | None = None, **overrides: Any) -> PSRun:
    """Start a run on the Ray instance already initialised; ``.wait()`` finishes it."""

    cfg = PSConfig(**{**asdict(config or PSConfig()), **overrides})
    if not import_ray().is_initialized():
        raise InvalidParameterError(
            "start_ps needs ray.init() first; run_ps starts Ray itself"
        )
    return PSRun(cfg)


@checked
def run_ps(
    config: PSConfig | None = None,
    *,
    address: str | None = None,
    num_cpus: float | None = None,
    runtime_env: dict[str, Any] | None = None,
    **overrides: Any,
) -> PSResult:
    """Run asynchronous SGD on a parameter server (Ray started here if needed).

    Args:
        config: a :class:`PSConfig`; keyword ``overrides`` replace its fields.
        address, num_cpus, runtime_env: see :func:`empirical.distributed._ray_backend.ray_session`.

    Raises:
        PSFailureError: every worker died, the server died, or the run stalled.
    """

    cfg = PSConfig(**{**asdict(config or PSConfig()), **overrides})
    with ray_session(address=address, num_cpus=num_cpus, runtime_env=runtime_env):
        return PSRun(cfg).wait()
