"""The Ray actors of the parameter server (:mod:`empirical.distributed._ps`): server and workers.

Plain classes; :class:`empirical.distributed._ps.PSRun` turns them into actors with
``ray.remote``. Ray is imported only inside :meth:`_Worker.run`, so importing this
module does not import Ray. The staleness rule, the accounting identity and the
failure policy are described in :mod:`empirical.distributed._ps`.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from ._ps_config import PSConfig

__all__ = ["_Server", "_Worker"]


class _Server:
    """The parameter-server actor (Ray runs its methods one at a time)."""

    def __init__(self, w0: NDArray[np.float64], cfg: PSConfig) -> None:
        self.w = np.array(w0, dtype=np.float64)
        self.version = 0
        self.cfg = cfg
        self.last_read = np.zeros(cfg.n_workers, dtype=np.int64)  # all read w0
        self.stale: list[int] = []
        self.worker: list[int] = []
        self.eta: list[float] = []
        self.discarded = 0
        self.diverged: str | None = None
        self.t_first: float | None = None
        self.t_last: float | None = None

    def push(
        self, k: int, grad: NDArray[np.float64], read: int
    ) -> tuple[NDArray[np.float64] | None, int, bool, tuple[int, int, float] | None]:
        """Apply a gradient; return the worker's next read ``(w, version, done)``
        and the applied update ``(t, tau_t, eta_t)`` (``None``: not applied).

        The worker keeps the applied updates it was told of, so that the trace
        survives the server (:meth:`_Worker.run`)."""
        if self.version >= self.cfg.n_steps or self.diverged:
            self.discarded += 1  # arrived after the last update: not applied
            return None, self.version, True, None
        now = time.perf_counter()
        self.t_first = now if self.t_first is None else self.t_first
        tau = self.version - read
        c = self.cfg
        eta = {
            "constant": c.step_size,
            "staleness": c.step_size / (tau + 1),
            "rule-tau": c.step_size / (c.rule_tau + 1),
        }[c.rule]
        self.w = self.w - eta * grad  # a new array: reads already sent stay valid
        self.version += 1
        self.stale.append(tau)
        self.worker.append(k)
        self.eta.append(eta)
        self.last_read[k] = self.version
        self.t_last = time.perf_counter()
        if not np.isfinite(self.w).all():
            self.diverged = (
                f"weights not finite after update t={self.version} (worker {k}, "
                f"step size {eta!r}, staleness {tau}); reduce the step size"
            )
        done = self.version >= c.n_steps or bool(self.diverged)
        return self.w, self.version, done, (self.version, tau, eta)

    def progress(self) -> int:
        return self.version

    def since(self, n: int) -> list[tuple[int, int, float]]:
        """The updates ``(tau_t, worker, eta_t)`` applied after the first ``n``:
        the driver copies the trace as it grows, so a lost server loses at
        most the updates since the driver's last poll (and workers know those)."""
        return list(zip(self.stale[n:], self.worker[n:], self.eta[n:], strict=True))

    def state(self) -> dict[str, Any]:
        return {
            "w": self.w, "stale": np.asarray(self.stale, dtype=np.int64),
            "worker": np.asarray(self.worker, dtype=np.int64),
            "eta": np.asarray(self.eta), "last_read": self.last_read.copy(),
            "discarded": self.discarded, "diverged": self.diverged,
            "span_s": (self.t_last or 0.0) - (self.t_first or 0.0),
        }  # fmt: skip


class _Worker:
    """A worker actor: gradients on its shard at the weights it last read."""

    def __init__(
        self, k: int, X: NDArray[np.float64], y: NDArray[Any], loss: Any, cfg: PSConfig
    ) -> None:
        self.k, self.X, self.y, self.loss, self.cfg = k, X, y, loss, cfg
        s_batch, s_time = np.random.SeedSequence([cfg.seed, k]).spawn(2)
        self.rng_batch = np.random.default_rng(s_batch)
        self.rng_time = np.random.default_rng(s_time)
        self.slow = 1.0 if cfg.slowdowns is None else cfg.slowdowns[k]

    def ready(self) -> int:
        return self.k

    def _compute_time(self) -> float:
        c = self.cfg
        if c.mean_compute_s == 0:
            return 0.0
        if c.compute_time == "exponential":
            d = self.rng_time.exponential(c.mean_compute_s)
        elif c.compute_time == "lognormal":  # sigma = 1, mean mean_compute_s
            d = c.mean_compute_s * self.rng_time.lognormal(-0.5, 1.0)
        else:
            d = c.mean_compute_s
        return float(d) * self.slow

    def run(
        self, server: Any, w: NDArray[np.float64], version: int, timeout_s: float
    ) -> dict[str, Any]:
        """Pull/compute/push until the server says done, or dies.

        Returns ``{"pushes": n, "applied": [(t, tau_t, eta_t), ...],
        "server_lost": None | reason}``: the updates of this worker that the
        server applied and acknowledged, from which the driver rebuilds the
        trace when the server is lost (:mod:`empirical.distributed._ps`).
        """
        import ray

        b, n_push = self.cfg.batch_size, 0
        applied: list[tuple[int, int, float]] = []
        while True:
            idx = self.rng_batch.integers(0, len(self.y), size=b)
            W = np.broadcast_to(w, (b, w.shape[0]))
            g = self.loss.grad(W, self.X[idx], self.y[idx]).mean(axis=0)
            time.sleep(self._compute_time())
            ref = server.push.remote(self.k, g, version)
            try:
                w_new, version, done, update = ray.get(ref, timeout=timeout_s)
            except ray.exceptions.RayActorError as exc:  # the server is gone
                lost = f"{type(exc).__name__}"
                return {"pushes": n_push, "applied": applied, "server_lost": lost}
            n_push += 1
            if update is not None:
                applied.append(update)
            if done:
                return {"pushes": n_push, "applied": applied, "server_lost": None}
            w = w_new
