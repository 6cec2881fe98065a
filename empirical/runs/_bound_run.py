"""Per run: the registry's bounds on the realised schedule, and what they bound.

For a model with certified constants (``NetModel.constants``: ``L``, ``beta``,
``B`` on its projection set, docs/theory.md, "Certified constants on balls"),
:func:`certified_record` adds to a run's record, for every theorem that applies
(:func:`~empirical.runs._applicability.theorems_for`):

- the closed form (``bounds.THEOREMS[key].evaluate``) at the upper envelope of
  the realised schedule (the largest step weight ``K``, arrivals ``M``, delay,
  step ``eta`` and ``c = max t eta_t`` over the pairs: each closed form is
  non-decreasing in them);
- the recursion (``bounds.recursion_bound``) on each pair's realised schedule
  (step sizes, weights and delays of every contribution);
- the pathwise bound (``bounds.pathwise_bound``) on each pair's ``delta_t`` at
  every evaluation, from where the replaced position was drawn: a deterministic
  bound, so an excess beyond rounding is a bug, counted and reported.

and the measured quantity every theorem bounds, per pair: uniform stability
through the probe ``max_z |f(w_T; z) - f(w'_T; z)|`` over ``z`` in the pair's
training sets, its replacement point and its test set (the linear harness's
probe, :mod:`empirical.measurement._measure`: each proof bounds ``E max_z`` through
``L E delta_T``, so both are recorded), evaluated in float64 on the final
parameters.

The schedule is replayed from the seed exactly as the simulator drew it
(:func:`~empirical.simulators.nets._simulate.pair_draws`, the same chunks): it
depends on the seed only, never on the data.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

import bounds
from bounds import InvalidParameterError, StepSizeConditionError
from empirical.schedules._protocols import WorkerProtocol
from empirical.simulators.nets._models import NetModel

from ._applicability import theorems_for
from ._settings import Setting

__all__ = [
    "PATHWISE_ATOL",
    "PATHWISE_RTOL",
    "bound_record",
    "certified_record",
    "probe_differences",
    "replay_protocol",
    "replay_schedule",
    "run_probe",
]

#: Tolerance of the pathwise check on float32 runs: a few thousand float32 steps
#: (relative rounding 6e-8 each) stay far below 1e-3 relative; the absolute
#: floor covers entries whose bound is 0 (before the replaced point is drawn).
PATHWISE_RTOL = 1e-3
PATHWISE_ATOL = 1e-6


def replay_schedule(
    setting: Setting, data: Any, *, n: int, n_pairs: int, seed: int
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.int64]]:
    """Each pair's delays, weights and replaced-position hits, ``(P, T, K)`` each.

    The same draws as :func:`~empirical.simulators.nets._simulate.simulate_net_pairs`
    (the same child streams and chunks of ``eval_every`` steps); uniform
    sampling only (the bounds' assumption). :func:`replay_protocol` on the
    setting's protocol, steps and evaluation interval.
    """
    return replay_protocol(
        setting.protocol,
        data,
        n=n,
        n_pairs=n_pairs,
        n_steps=setting.n_steps,
        eval_every=setting.eval_every or None,
        seed=seed,
    )


def replay_protocol(
    protocol: WorkerProtocol,
    data: Any,
    *,
    n: int,
    n_pairs: int,
    n_steps: int,
    eval_every: int | None,
    seed: int,
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.int64]]:
    """:func:`replay_schedule` for a run given by its pieces (``eval_every``
    ``None``: once per epoch, the simulator's default)."""
    from empirical.simulators.nets._simulate import pair_draws

    proto, T = protocol, n_steps
    dr = pair_draws(data, proto, n_samples=n, n_pairs=n_pairs, n_steps=T, seed=seed)
    every = eval_every or proto.updates_per_epoch(n)
    taus, weights, hits = [], [], []
    done = 0
    while done < T:
        L = min(every, T - done)
        ch = proto.chunk(dr.rng_pos, done + 1, L, n, dr.delays)
        taus.append(ch.tau.astype(np.int64))
        weights.append(ch.weight.astype(np.float64))
        hits.append((ch.pos == dr.j[:, None, None, None]).sum(-1).astype(np.int64))
        done += L
    return (
        np.concatenate(taus, 1),
        np.concatenate(weights, 1),
        np.concatenate(hits, 1),
    )


def probe_differences(
    model: Any, data: Any, rows: Any, test_rows: Any, final: Any
) -> NDArray[np.float64]:
    """Per pair ``max_z |f(w; z) - f(w'; z)|`` over its training sets, replacement
    and test set (float64 losses at the final parameters)."""
    import jax
    import jax.numpy as jnp

    from empirical.simulators.nets._backend import flat_model
    from empirical.simulators.nets._models import label_dtype

    R = final.shape[0]
    P = R // 2
    out = np.zeros(P)
    with jax.enable_x64(True):
        fm = flat_model(model, "float64")
        per = jax.jit(
            jax.vmap(
                jax.vmap(fm.loss_fn, in_axes=(None, 0, 0)), in_axes=(0, None, None)
            )
        )
        X = jnp.asarray(data.X, dtype="float64")
        ydt = label_dtype(model, data.y, "float64")
        y = jnp.asarray(data.y, dtype=ydt)
        for p in range(P):
            idx = np.unique(np.concatenate([rows[p], rows[P + p], test_rows[p]]))
            w = jnp.asarray(final[[p, P + p]], dtype="float64")
            worst = 0.0
            for k in range(0, idx.size, 4096):
                blk = jnp.asarray(idx[k : k + 4096])
                loss = np.asarray(per(w, X[blk], y[blk]))
                worst = max(worst, float(np.abs(loss[0] - loss[1]).max()))
            out[p] = worst
    return out


def run_probe(
    model: Any, data: Any, protocol: Any, stats: Any, *, n: int, seed: int
) -> NDArray[np.float64]:
    """Per pair of a finished run, ``max_z |f(w_T; z) - f(w'_T; z)|``
    (:func:`probe_differences`) over the training sets, replacement and test set
    the simulator drew from ``seed`` (replayed by
    :func:`~empirical.simulators.nets._simulate.pair_draws`)."""
    from empirical.simulators.nets._simulate import pair_draws

    dr = pair_draws(
        data,
        protocol,
        n_samples=n,
        n_pairs=stats.n_pairs,
        n_steps=stats.n_steps,
        seed=seed,
    )
    return probe_differences(model, data, dr.rows, dr.test_rows, stats.final)


def _envelope(
    eta: NDArray[np.float64], tau: NDArray[np.int64], a: NDArray[np.float64]
) -> dict[str, float]:
    """The closed forms' parameters at the upper envelope of every pair's schedule."""
    t = np.arange(1, eta.shape[-1] + 1, dtype=np.float64)
    live = a > 0
    return {
        "n_steps": int(eta.shape[-1]),
        "step_size": float(eta.max()),
        "c": float((eta * t).max()),
        "step_weight": float(a.sum(-1).max()),
        "arrivals": int(live.sum(-1).max()),
        "max_delay": int(np.where(live, tau, 0).max()),
    }


def _closed_form(key: str, params: dict[str, Any]) -> dict[str, Any]:
    th = bounds.THEOREMS[key]
    use = {k: v for k, v in params.items() if k in th.parameters}
    try:
        return {"value": float(th.evaluate(**use)), "params": use}
    except (StepSizeConditionError, InvalidParameterError) as exc:
        return {"value": None, "params": use, "reason": str(exc)}


def certified_record(
    setting: Setting,
    stats: Any,
    data: Any,
    *,
    n: int,
    seed: int,
    step_sizes: NDArray[np.float64],
) -> dict[str, Any]:
    """The bound block of one run's record (see the module doc); JSON-ready.

    Args:
        setting: the run's setting (its model has ``constants``).
        stats: the run's :class:`~empirical.simulators.nets._simulate.NetRunStats`.
        data: its :class:`~empirical.simulators.nets._datasets.NetData`.
        n: training-set size.
        seed: the run's seed.
        step_sizes: ``(T,)`` the realised step sizes.
    """
    c = setting.model.constants
    assert c is not None  # callers check
    return bound_record(
        setting.model,
        setting.protocol,
        c,
        stats,
        data,
        n=n,
        seed=seed,
        step_sizes=step_sizes,
        eval_every=setting.eval_every or None,
        sampling=setting.sampling,
    )


def bound_record(
    model: NetModel,
    protocol: WorkerProtocol,
    constants: Any,
    stats: Any,
    data: Any,
    *,
    n: int,
    seed: int,
    step_sizes: NDArray[np.float64],
    eval_every: int | None,
    sampling: str,
    properties: frozenset[str] | None = None,
) -> dict[str, Any]:
    """The bound block of a run given by its pieces: the one computation behind
    :func:`certified_record` and a user's run
    (:func:`~empirical.runs._your_model.run_your_model`).

    Args:
        model: the network that ran.
        protocol: its worker protocol.
        constants: ``lipschitz``, ``smoothness``, ``loss_bound``, ``convex`` and
            ``proof`` (where they come from) as attributes: a
            :class:`~empirical.simulators.nets._constants.CertifiedConstants`,
            or a user's constants.
        stats, data, n, seed, step_sizes: as for :func:`certified_record`.
        eval_every: the run's evaluation interval (``None``: once per epoch).
        sampling: the run's minibatch sampling, recorded.
        properties: the loss's properties the theorems are filtered by
            (:func:`~empirical.runs._applicability.theorems_for`); ``None``: the
            model's own.
    """
    c = constants
    P, proto = stats.n_pairs, protocol
    keys, why = theorems_for(proto, model, properties=properties)
    tau, a, hits = replay_protocol(
        proto,
        data,
        n=n,
        n_pairs=P,
        n_steps=stats.n_steps,
        eval_every=eval_every,
        seed=seed,
    )
    eta = np.broadcast_to(step_sizes, (P, step_sizes.size)).copy()
    probe = run_probe(model, data, proto, stats, n=n, seed=seed)
    delta_T = np.asarray(stats.delta[-1], dtype=np.float64)
    const = {
        "n_samples": n,
        "lipschitz": c.lipschitz,
        "smoothness": c.smoothness,
        "loss_bound": c.loss_bound,
        "batch_size": proto.batch_size,
    }
    env = _envelope(eta, tau, a)
    out: dict[str, Any] = {
        "constants": {**const, "convex": c.convex, "proof": c.proof},
        "envelope": env,
        "theorems_why": why,
        "sampling": sampling,
        "pair_probe_diff": probe.tolist(),
        "pair_L_delta": (c.lipschitz * delta_T).tolist(),
        "theorems": {},
    }
    for key in keys:
        th = bounds.THEOREMS[key]
        clip = proto.clip if th.recursion == "workers_nonconvex" else None
        sched = {"step_sizes": eta, "weights": a, "delays": tau, "clip": clip}
        entry: dict[str, Any] = {"closed_form": _closed_form(key, {**const, **env})}
        try:
            rec = bounds.recursion_bound(
                th, **sched, **{k: v for k, v in const.items()}
            )
            entry["pair_recursion"] = np.atleast_1d(rec).astype(float).tolist()
            path = bounds.pathwise_bound(
                th,
                **sched,
                hits=hits,
                batch_size=proto.batch_size,
                lipschitz=c.lipschitz,
                smoothness=c.smoothness,
                record_steps=stats.eval_steps,
            )  # (P, E)
            d = np.asarray(stats.delta, dtype=np.float64).T  # (P, E)
            with np.errstate(invalid="ignore"):
                excess = d - path - (PATHWISE_ATOL + PATHWISE_RTOL * path)
            bad = np.isfinite(excess) & (excess > 0)
            entry["pathwise"] = {
                "n_checked": int(np.isfinite(d).sum()),
                "n_violations": int(bad.sum()),
                "max_excess": float(
                    np.nanmax(np.where(np.isfinite(d), d - path, -np.inf))
                ),
                "pair_bound_T": np.asarray(path[:, -1], dtype=float).tolist(),
            }
        except (StepSizeConditionError, InvalidParameterError) as exc:
            entry["reason"] = str(exc)
        out["theorems"][key] = entry
    return out
