"""The settings of a parameter-server run (:mod:`empirical.distributed._ps`).

Plain validated data, shared by the run's driver and its Ray actors
(:mod:`empirical.distributed._ps_actors`); imports neither.
"""

from __future__ import annotations

from dataclasses import dataclass

from bounds.internal import (
    check_choice,
    check_int,
    check_nonnegative,
    check_positive,
)
from empirical.schedules._delays import check_slowdowns

__all__ = ["COMPUTE_TIMES", "RULES", "PSConfig"]

RULES = ("constant", "staleness", "rule-tau")
COMPUTE_TIMES = ("exponential", "lognormal", "fixed")


@dataclass(frozen=True)
class PSConfig:
    """Settings of one parameter-server run (validated on construction).

    ``mean_compute_s`` is a simulated compute time added to each gradient (drawn
    from ``compute_time``: exponential or lognormal with that mean, or fixed),
    times the worker's ``slowdowns[k]``: stragglers. ``batch_size=1`` is the
    one-sample model the theorems are stated for. ``tau`` is [rule-tau]'s delay
    (default ``K - 1``, the mean staleness of ``K`` busy workers). ``worker_cpus`` is
    Ray's CPU request per worker: fractional, so that ``K`` workers run at once on
    fewer cores. ``None``: the CPUs Ray has available divided by ``K + 1`` (the
    server gets the same share), at most 1, so that every actor can be scheduled.
    """

    loss: str = "logistic"
    dataset: str = "breast_cancer"
    n_samples: int = 400
    n_workers: int = 4
    n_steps: int = 2000
    step_size: float = 0.5
    rule: str = "constant"
    tau: int | None = None
    batch_size: int = 1
    compute_time: str = "exponential"
    mean_compute_s: float = 0.002
    slowdowns: tuple[float, ...] | None = None
    seed: int = 0
    worker_cpus: float | None = None
    timeout_s: float = 600.0
    stall_timeout_s: float = 60.0

    def __post_init__(self) -> None:
        K = check_int(self.n_workers, "n_workers", min_value=1)
        check_int(self.n_steps, "n_steps", min_value=1)
        check_positive(self.step_size, "step_size")
        check_choice(self.rule, "rule", RULES)
        if self.tau is not None:
            check_int(self.tau, "tau", min_value=0)
        check_int(self.batch_size, "batch_size", min_value=1)
        check_choice(self.compute_time, "compute_time", COMPUTE_TIMES)
        check_nonnegative(self.mean_compute_s, "mean_compute_s")
        if self.slowdowns is not None:
            object.__setattr__(self, "slowdowns", check_slowdowns(self.slowdowns, K))
        check_int(self.seed, "seed", min_value=0)
        for name in ("timeout_s", "stall_timeout_s"):
            check_positive(getattr(self, name), name)
        if self.worker_cpus is not None:
            check_positive(self.worker_cpus, "worker_cpus")

    @property
    def rule_tau(self) -> int:
        """The ``tau`` of [rule-tau]."""
        return self.n_workers - 1 if self.tau is None else int(self.tau)
