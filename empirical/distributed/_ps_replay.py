"""Closing the loop: the bounds under the delay process a real system produced.

A staleness trace (from :meth:`empirical.distributed._ps.PSResult.write_trace`, or a recorded
one such as those shipped with the package, :func:`empirical.example_trace`) is replayed in the coupled simulator
(:class:`~empirical.schedules._delays.TraceDelay`: each pair reads the trace cyclically
from its own random offset), and every theorem is checked on those runs
(:func:`~empirical.measurement._verdict.verify`): the closed forms of the bounded-delay
theorems with ``tau`` = the trace's maximum (real delays have no bound chosen in
advance: the maximum is the ``tau`` they must use), and the recursion level with
the per-step delays ``tau_t`` that the pairs saw. The real run's own
generalization gap (one run, no interval) is put next to them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

import bounds
from bounds.internal import check_choice, check_int, check_positive, checked
from empirical.measurement._measure import measure
from empirical.measurement._status import Status
from empirical.measurement._verdict import verify
from empirical.problems._problem import make_problem
from empirical.schedules._delays import TraceDelay
from empirical.schedules._step_sizes import make_schedule
from empirical.simulators.linear._simulate import simulate_pairs

__all__ = ["SCHEDULE_OF_RULE", "TraceEvaluation", "TraceRow", "evaluate_trace"]

#: The server's step-size rule -> the simulator's schedule of the same form.
#: ``rule-tau`` replays with ``tau`` = the trace's maximum (the real run had to
#: choose its ``tau`` in advance; see :class:`empirical.distributed._ps.PSConfig`).
SCHEDULE_OF_RULE = {
    "constant": "constant",
    "staleness": "staleness-adaptive",
    "rule-tau": "rule-tau",
}


@dataclass(frozen=True)
class TraceRow:
    """One theorem on the replayed trace (``None`` where it does not apply)."""

    theorem: str
    status: Status
    bound: float | None
    recursion: float | None
    measured_stability: float
    measured_high: float
    reason: str | None = None
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class TraceEvaluation:
    """Bounds on a replayed trace, with the simulated and the real gap.

    ``trace_mean`` is the mean of the trace file; ``mean_delay`` the mean of the
    delays the simulated pairs saw. They differ slightly: each pair reads the
    trace cyclically from its own random offset, and the simulator counts a
    delay at step ``t`` as at most ``t - 1`` (there is no earlier iterate).
    """

    trace: str
    n_steps: int
    max_delay: int
    mean_delay: float
    trace_mean: float
    sim_gap: float
    sim_gap_low: float
    sim_gap_high: float
    real_gap: float | None
    rows: tuple[TraceRow, ...]

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        d = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "rows"}
        d["rows"] = [r.__dict__ for r in self.rows]
        return d

    def table(self) -> str:
        """A plain-text table (one theorem a line)."""

        def f(v: float | None) -> str:
            return "-" if v is None or not math.isfinite(v) else f"{v:.4g}"

        head = (
            f"trace {self.trace}: T={self.n_steps}, tau = max = {self.max_delay}, "
            f"mean {self.trace_mean:.3f}; mean delay in the replay "
            f"{self.mean_delay:.3f} (random offsets per pair, delay at step t at "
            "most t - 1)\n"
            f"gap: simulated {self.sim_gap:.4g} [{self.sim_gap_low:.4g}, "
            f"{self.sim_gap_high:.4g}], real run {f(self.real_gap)}\n"
        )
        cols = f"{'theorem':<14}{'status':<24}{'closed form':>12}{'recursion':>12}"
        cols += f"{'stability':>12}{'(upper CL)':>12}"
        lines = [
            f"{r.theorem:<14}{' '.join([r.status, *r.flags]):<24}{f(r.bound):>12}{f(r.recursion):>12}"
            f"{r.measured_stability:>12.4g}{r.measured_high:>12.4g}"
            for r in self.rows
        ]
        return head + cols + "\n" + "\n".join(lines)


@checked
def evaluate_trace(
    trace: str | Path,
    *,
    loss: str = "logistic",
    dataset: str = "breast_cancer",
    n_samples: int = 400,
    step_size: float = 0.5,
    rule: str = "constant",
    n_steps: int | None = None,
    n_pairs: int = 64,
    seed: int = 0,
    theorems: tuple[str, ...] = (),
    real_gap: float | None = None,
) -> TraceEvaluation:
    """Replay ``trace`` in the coupled simulator and check every theorem on it.

    Args:
        trace: a trace file (one integer per line; PIAG CSVs use the row minimum).
        loss, dataset, n_samples, step_size, rule: the setting (as in the real run).
        n_steps: updates per simulated run (default: the trace's length).
        n_pairs: coupled pairs (the intervals come from their spread).
        seed: seed of the simulation.
        theorems: registry keys to check (default: all).
        real_gap: the real run's generalization gap, reported next to the bounds.

    Returns:
        :class:`TraceEvaluation`; ``.table()`` prints it.
    """

    check_choice(rule, "rule", tuple(SCHEDULE_OF_RULE))
    chosen = [bounds.get_theorem(k) for k in theorems] or list(bounds.THEOREMS.values())
    eta = check_positive(step_size, "step_size")
    delay = TraceDelay.from_file(trace)
    T = (
        len(delay.values)
        if n_steps is None
        else check_int(n_steps, "n_steps", min_value=1)
    )
    problem = make_problem(loss, dataset, n_samples=n_samples, seed=seed)
    schedule = make_schedule(SCHEDULE_OF_RULE[rule], eta, delay.max_delay)
    rs = simulate_pairs(
        problem, step_size=schedule, delay=delay, n_steps=T, n_pairs=n_pairs, seed=seed
    )
    m = measure(rs)
    rows = []
    for th in chosen:
        v = verify(rs, th, measurement=m, setting={"trace": str(trace)})
        rows.append(
            TraceRow(
                theorem=v.registry_key,
                status=v.status,
                bound=v.bound,
                recursion=v.recursion,
                measured_stability=m.stability.mean,
                measured_high=m.stability.high,
                reason=v.reason,
                flags=v.flags,
            )
        )
    return TraceEvaluation(
        trace=str(trace),
        n_steps=T,
        max_delay=int(delay.max_delay),
        mean_delay=float(np.mean(rs.delays)),
        trace_mean=float(np.mean(delay.values)),
        sim_gap=m.gap.mean,
        sim_gap_low=m.gap.low,
        sim_gap_high=m.gap.high,
        real_gap=real_gap,
        rows=tuple(rows),
    )
