"""Coupled pairs of a worker protocol on a linear loss, as :class:`RunStats`.

:func:`simulate_protocol_pairs` is :func:`~empirical.simulators.linear._simulate.simulate_pairs`
for the protocols (a) with minibatches, (b) Regatti et al. 2019 (averaged,
clipped) and (c) Deng et al. 2024 (summed arrivals, idle steps) of
:mod:`empirical.schedules._protocols`: the same split of the data pool into
``S``, ``z'`` and a test set (per pair), the same measurements (losses of the
final iterates, the probe difference), and the realised schedule of
contributions (:class:`ContributionSchedule`) that the part-3 bounds read. The
runs use the numba kernel of :mod:`empirical.simulators.linear._kernels_workers`
through :func:`~empirical.simulators.linear._protocol_runs.run_protocol_pairs`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from bounds import InvalidParameterError, resolve_step_sizes
from bounds.internal import StepSizeLike, check_int
from empirical.problems._problem import Problem
from empirical.schedules._protocols import WorkerProtocol

from ._kernels import DIVERGED_NORM, LOSS_IDS, final_stats_linear
from ._protocol_runs import run_protocol_pairs
from ._schedule_record import ContributionSchedule
from ._simulate import DivergenceError, RunStats

__all__ = ["PROTOCOL_LOSSES", "describe_protocol", "simulate_protocol_pairs"]

#: Linear losses the protocol kernel runs as the theory states them (no penalty
#: term, no projection ball).
PROTOCOL_LOSSES = ("logistic", "sigmoid", "huber")


def describe_protocol(protocol: WorkerProtocol) -> str:
    """The protocol in words, e.g. ``"(b) 4 workers averaged, D = 8, clip 1"``."""
    b = f", batch {protocol.batch_size}"
    clip = "" if protocol.clip is None else f", clip {protocol.clip:g}"
    if protocol.label == "b":
        W = protocol.n_slots
        return f"(b) {W} workers averaged, D = {protocol.max_delay}{b}{clip}"
    if protocol.label == "c":
        kind = getattr(protocol, "delays", "fixed")
        d = protocol.max_delay + 1
        return f"(c) {protocol.n_slots} workers summed, {kind} periods <= {d}{b}{clip}"
    return f"(a) one stale gradient per update{b}{clip}"


def simulate_protocol_pairs(
    problem: Problem,
    protocol: WorkerProtocol,
    *,
    step_size: StepSizeLike,
    n_steps: int,
    n_pairs: int,
    seed: int,
    record_steps: ArrayLike | None = None,
) -> RunStats:
    """Run ``n_pairs`` coupled pairs of ``protocol`` and return their statistics.

    Args:
        problem: a linear-model problem without a projection ball (losses
            :data:`PROTOCOL_LOSSES`).
        protocol: a worker protocol of :mod:`empirical.schedules._protocols`.
        step_size: a float, a schedule of :mod:`bounds._schedules` or an array
            ``(n_steps,)``; the same ``eta_t`` for every pair.
        n_steps, n_pairs, seed: as in ``simulate_pairs``.
        record_steps: steps at which ``delta_t`` is recorded (each reruns the
            prefix of the schedule); default a few log-spaced steps and ``T``.

    Returns:
        :class:`RunStats` with ``schedule`` set; ``delays`` and ``hits`` are per
        step (the largest delay among the step's contributions; whether any of
        its slots drew the replaced sample).

    Raises:
        InvalidParameterError: an unsupported problem or a bad argument.
        DivergenceError: the iterates became non-finite or huge.
    """
    loss = problem.loss
    if loss.name not in PROTOCOL_LOSSES or problem.diameter is not None:
        raise InvalidParameterError(
            f"loss={loss.name!r}: worker protocols run on the linear losses "
            f"{', '.join(PROTOCOL_LOSSES)} without a projection ball"
        )
    if not isinstance(protocol, WorkerProtocol):
        raise InvalidParameterError(f"protocol={protocol!r} must be a WorkerProtocol")
    T = check_int(n_steps, "n_steps", min_value=1)
    P = check_int(n_pairs, "n_pairs", min_value=1)
    seed = check_int(seed, "seed", min_value=0)
    n = problem.n_samples
    if protocol.batch_size > n:
        raise InvalidParameterError(
            f"batch_size={protocol.batch_size} must be <= n_samples={n}"
        )
    eta = resolve_step_sizes(step_size, n_steps=T)
    if record_steps is None:
        rec = np.unique(np.round(np.geomspace(1, T, 5)).astype(np.int64))
    else:
        rec = np.unique(np.asarray(record_steps, dtype=np.int64))
    rec = np.union1d(rec, [T]).astype(np.int64)
    X = problem.dataset.X
    y = np.asarray(problem.dataset.y, dtype=np.float64)
    param = float(getattr(loss, "threshold", 0.0))
    pp = run_protocol_pairs(
        protocol,
        loss.name,
        X,
        y,
        n_samples=n,
        n_pairs=P,
        step_sizes=eta,
        seed=seed,
        record_steps=rec,
        loss_param=param,
    )
    W = np.asarray(pp.final)
    norms = np.linalg.norm(W, axis=1)
    if not np.isfinite(W).all() or (norms > DIVERGED_NORM).any():
        raise DivergenceError(
            f"a run of {describe_protocol(protocol)} diverged (||w|| > "
            f"{DIVERGED_NORM:g} or not finite) with max step_size={float(eta.max())!r}; "
            "reduce the step size"
        )
    out = np.empty((5, P))
    final_stats_linear(
        LOSS_IDS[loss.name], param, X, y, W, pp.split, pp.replaced, n, out, 0.0
    )
    tr, te, trp, tep, probe = out
    active = pp.weights > 0
    sched = ContributionSchedule(
        protocol=protocol.label,
        weights=pp.weights,
        delays=pp.delays,
        hits=pp.hits,
        batch_size=pp.batch_size,
        clip=pp.clip,
        description=describe_protocol(protocol),
    )
    return RunStats(
        problem=problem,
        n_pairs=P,
        n_steps=T,
        seed=seed,
        backend="numba",
        max_delay=int(protocol.max_delay),
        record_steps=rec,
        delta=pp.delta,
        delays=np.where(active, pp.delays, 0).max(-1),
        step_sizes=np.broadcast_to(eta, (P, T)).copy(),
        hits=np.asarray((pp.hits > 0).any(-1), dtype=np.bool_),
        train_loss=tr,
        test_loss=te,
        train_loss_prime=trp,
        test_loss_prime=tep,
        probe_diff=probe,
        final_iterates=W,
        schedule=sched,
    )
