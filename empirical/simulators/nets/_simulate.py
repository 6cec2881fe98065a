"""Coupled pairs of networks under a worker protocol, on the JAX backend.

The pair construction is the linear harness's (:mod:`empirical.simulators.linear._simulate`): pair
``p`` permutes all ``N`` points; the first ``n`` are ``S_p``, the next one is the
replacement ``z'_p``, the rest are the pair's test set; ``S'_p`` is ``S_p`` with
position ``j_p`` replaced. A data set with an official test set
(``NetData.n_train``, full MNIST) permutes its training pool only, and every
pair is tested on the official test set.

Minibatch positions follow ``sampling`` (:mod:`empirical.schedules._sampling`):
``"uniform"`` (the theorems' assumption) or ``"shards"`` (the authors' loaders).

Staleness is counted in parameter versions: the number of updates applied
between the read of a gradient's iterate and the write of the update that uses
it. A step at which no gradient arrives (protocol (c)) applies no update and is
not a version: a gradient of delay ``tau`` steps is ``A_{t-1} - A_{t-1-tau}``
versions stale, ``A_s`` the updates applied in steps ``1..s``. Both runs of a pair share the initial point and the
whole schedule (positions, delays, weights, step sizes); only the data row at
position ``j_p`` differs. Independent child seeds for the split, the replaced
position, the initial points, the positions and the delays, so that changing the
delay leaves everything else unchanged (paired comparisons across delays).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from bounds import InvalidParameterError
from bounds.internal import check_choice, check_int, check_positive, checked
from empirical.problems._data import pair_split
from empirical.schedules._protocols import WorkerProtocol
from empirical.schedules._sampling import ShardReader, check_sampling
from empirical.schedules._staleness import StalenessCounter
from empirical.simulators.linear._simulate import DivergenceError

from ._backend import (
    compiled_evaluate,
    compiled_steps,
    flat_model,
    ring_from_flat,
    ring_slot_flat,
)
from ._datasets import NetData
from ._models import NetModel, label_dtype

__all__ = [
    "DEVICES",
    "DTYPES",
    "NetRunStats",
    "PairDraws",
    "check_device",
    "pair_draws",
    "regatti_step_size",
    "simulate_net_pairs",
]

DTYPES = ("float32", "float64")
DEVICES = ("cpu", "gpu")


@dataclass(frozen=True, eq=False)
class NetRunStats:
    """Measurements of ``P`` coupled pairs (``R = 2P`` replicas) at evaluation steps.

    Attributes:
        eval_steps: ``(E,)`` numbers of updates done at each evaluation.
        epochs: ``(E,)`` the same in passes over the data (``eval_steps /
            updates_per_epoch``).
        train_loss, test_loss, train_error, test_error: ``(E, R)``; replica
            ``r < P`` is the run on ``S_r`` (train set ``S_r``), ``r >= P`` the run
            on ``S'_{r-P}`` (train set ``S'``); both use the pair's test set.
        delta: ``(E, P)`` ``||w - w'||`` of each pair.
        norm2: ``(E, R)`` ``||w||^2`` of each replica, for the seed's normalised
            distance ``sqrt(||w - w'||^2 / (||w||^2 + ||w'||^2))`` (Regatti et
            al.'s code, ``src/server.py``, ``compute_parameter_distances``).
        final: ``(R, p)`` final parameters.
        gradients_per_update: mean minibatch gradients per update (realised).
        gradients: ``(E,)`` minibatch gradients computed per run up to each
            evaluation (mean over pairs; both runs of a pair compute the same).
        train_loss0: ``(R,)`` the training loss at the start ``w_1`` (to tell
            whether a run trained at all).
        applied: ``(E,)`` updates applied up to each evaluation (steps with at
            least one arrival; mean over pairs): the parameter versions.
        staleness_mean, staleness_max: the staleness of the gradients used, in
            parameter versions (mean over every gradient of every pair; max).
        sampling: ``"uniform"`` or ``"shards"``.
        replaced_on: ``None`` or the worker whose shard holds the replaced point.
    """

    model: str
    data: str
    protocol: str
    n_samples: int
    n_pairs: int
    n_steps: int
    seed: int
    dtype: str
    updates_per_epoch: int
    eval_steps: NDArray[np.int64]
    epochs: NDArray[np.float64]
    train_loss: NDArray[np.float64]
    test_loss: NDArray[np.float64]
    train_error: NDArray[np.float64]
    test_error: NDArray[np.float64]
    delta: NDArray[np.float64]
    norm2: NDArray[np.float64]
    final: NDArray[np.float64]
    gradients_per_update: float
    gradients: NDArray[np.float64]
    train_loss0: NDArray[np.float64]
    applied: NDArray[np.float64]
    staleness_mean: float
    staleness_max: int
    sampling: str = "uniform"
    replaced_on: int | None = None


class _Evaluation(NamedTuple):
    """The replicas at one evaluation step (a row of :class:`NetRunStats`'s arrays).

    Losses, errors and ``norm2`` are ``(2P,)``: the runs on ``S`` then on ``S'``;
    ``delta`` is ``(P,)``, the parameter distance of each pair.
    """

    train_loss: NDArray[np.float64]
    test_loss: NDArray[np.float64]
    train_error: NDArray[np.float64]
    test_error: NDArray[np.float64]
    delta: NDArray[np.floating[Any]]
    norm2: NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class PairDraws:
    """The random inputs of a run that do not depend on the network.

    Attributes:
        rows: ``(2P, n)`` data rows of each replica's training set.
        test_rows: ``(2P, N - n - 1)`` data rows of each replica's test set.
        j: ``(P,)`` replaced position.
        delays: the protocol's :meth:`~WorkerProtocol.setup` draw.
        rng_pos: the generator of the minibatch positions (consumed by chunks).
        init_seed: seed of the initial points (``jax.random``).
        rng_shards: the generator of the shards and their reshuffles.
    """

    rows: NDArray[np.int64]
    test_rows: NDArray[np.int64]
    j: NDArray[np.int64]
    delays: NDArray[np.int64]
    rng_pos: np.random.Generator
    init_seed: int
    rng_shards: np.random.Generator


def pair_draws(
    data: NetData,
    protocol: WorkerProtocol,
    *,
    n_samples: int,
    n_pairs: int,
    n_steps: int,
    seed: int,
) -> PairDraws:
    """Split, replaced position, delays and seeds of ``n_pairs`` coupled pairs."""
    # Separate child streams, so that changing the protocol's delays leaves the
    # split, the replaced position, the start and the positions unchanged.
    n, P, N = n_samples, n_pairs, data.n_points
    children = np.random.SeedSequence(seed).spawn(6)
    s_data, s_j, s_init, s_pos, s_delay, s_shards = children
    pool = data.train_pool
    perm, j = pair_split(s_data, s_j, n_pairs=P, n_points=pool, n_samples=n)
    rows = np.concatenate([perm[:, :n], perm[:, :n]])
    rows[P + np.arange(P), j] = perm[:, n]
    if data.n_train is None:
        test_rows = np.concatenate([perm[:, n + 1 :], perm[:, n + 1 :]])
    else:  # the official test set, the same for every replica
        test_rows = np.tile(np.arange(pool, N, dtype=np.int64), (2 * P, 1))
    return PairDraws(
        rows=rows,
        test_rows=test_rows,
        j=j,
        delays=protocol.setup(np.random.default_rng(s_delay), P, n_steps),
        rng_pos=np.random.default_rng(s_pos),
        init_seed=int(np.random.default_rng(s_init).integers(2**31 - 1)),
        rng_shards=np.random.default_rng(s_shards),
    )


def regatti_step_size(lr0: float, updates_per_epoch: int) -> Callable[[Any], Any]:
    """``lr0 / (1 + 0.05 epoch)``, epoch ``= floor((t - 1) / updates_per_epoch)``.

    The schedule of Regatti et al. 2019's public code (docs/theory.md, "How the
    published experiments produce their delays"): the epoch is a whole number of
    passes.

    Examples:
        >>> f = regatti_step_size(0.1, 10)
        >>> [round(float(v), 6) for v in f(np.array([1, 10, 11, 21]))]
        [0.1, 0.1, 0.095238, 0.090909]
    """
    lr = check_positive(lr0, "lr0")
    per = check_int(updates_per_epoch, "updates_per_epoch", min_value=1)
    return lambda t: lr / (1.0 + 0.05 * ((np.asarray(t) - 1) // per))


def _step_sizes(step_size: Any, T: int) -> NDArray[np.float64]:
    t = np.arange(1, T + 1)
    try:
        if callable(step_size):
            eta = np.asarray(step_size(t), dtype=np.float64)
        else:
            raw = np.asarray(step_size, dtype=np.float64)
            eta = np.broadcast_to(raw, (T,)).copy()
    except (TypeError, ValueError):  # not numbers (or not T of them)
        raise InvalidParameterError(
            f"step_size={step_size!r} must give T={T} finite values > 0"
        ) from None
    if eta.shape != (T,) or not np.all(np.isfinite(eta)) or np.any(eta <= 0):
        raise InvalidParameterError(
            f"step_size={step_size!r} must give T={T} finite values > 0"
        )
    return eta


def _device(device: str) -> Any:
    """The JAX device named ``device``, or a one-line refusal.

    JAX's own words on the way are silenced: without a GPU it logs (and may
    warn) "An NVIDIA GPU may be present ... Falling back to cpu" before the
    error, a second, contradictory line above the refusal. It says so once per
    process, when its backends start, so a later run says nothing either.
    """
    import logging
    import warnings

    check_choice(device, "device", DEVICES)
    loggers = [logging.getLogger(n) for n in ("jax", "jax._src.xla_bridge")]
    levels = [lg.level for lg in loggers]
    try:
        for lg in loggers:
            lg.setLevel(logging.ERROR)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import jax

            return jax.devices(device)[0]
    except RuntimeError:
        raise InvalidParameterError(
            f"device={device!r}: JAX sees no such device (install jax[cuda12] for a GPU)"
        ) from None
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


def check_device(device: str) -> None:
    """Refuse, before any work, a ``device`` this machine's JAX does not have.

    Raises:
        InvalidParameterError: one line; JAX's own warnings are silenced.
    """
    _device(device)


@checked
def simulate_net_pairs(
    model: NetModel,
    data: NetData,
    protocol: WorkerProtocol,
    *,
    n_samples: int,
    n_pairs: int,
    n_steps: int,
    step_size: Any,
    seed: int,
    eval_every: int | None = None,
    dtype: str = "float32",
    device: str = "cpu",
    n_buffer: int | None = None,
    raise_on_divergence: bool = True,
    sampling: str = "uniform",
    replaced_on: int | None = None,
    monitor: Callable[[int, Any], None] | None = None,
) -> NetRunStats:
    """Run ``n_pairs`` coupled pairs of ``model`` under ``protocol``.

    Args:
        model: the network (:class:`~empirical.simulators.nets._models.NetModel`).
        data: features and labels; ``n_samples + 2 <= data.n_points``.
        protocol: (a), (b) or (c) of :mod:`empirical.schedules._protocols`.
        n_samples: ``n``, the training-set size.
        n_pairs: ``P``.
        n_steps: ``T`` updates.
        step_size: a float, a ``(T,)`` array or a callable on 1-based steps.
        seed: everything is reproducible from it.
        eval_every: evaluate losses, errors and ``delta`` every this many updates
            (and after the last); default: once per epoch.
        dtype: ``"float32"`` (default) or ``"float64"``.
        device: ``"cpu"`` (default) or ``"gpu"``.
        n_buffer: ring slots ``B`` (default ``protocol.max_delay + 1``); a larger
            one lets runs with different delays share one compiled program.
        raise_on_divergence: raise when parameters become non-finite (default);
            ``False``: keep going (replicas are independent, so the others are
            unaffected) and leave the non-finite values in the statistics for
            the caller to count.
        sampling: ``"uniform"`` (default; every minibatch slot drawn uniformly,
            as the theorems assume) or ``"shards"`` (the authors' per-worker
            shards, read in order and reshuffled each pass;
            :mod:`empirical.schedules._sampling`).
        replaced_on: with ``"shards"``, ``None`` (the replaced point lands where
            the shuffle puts it, as in the authors' code) or the worker whose
            shard holds it.
        monitor: ``None``, or ``monitor(updates_done, W)`` called at every
            evaluation with the flat ``(2P, p)`` parameters of every replica
            (e.g. to estimate the curvature along the run); it must not keep
            ``W`` past the call.

    Raises:
        InvalidParameterError: a bad argument, or ``device`` not present.
        DivergenceError: parameters became non-finite.
    """
    import jax
    import jax.numpy as jnp

    if not isinstance(model, NetModel):
        raise InvalidParameterError(f"model={model!r} must be a NetModel")
    if not isinstance(protocol, WorkerProtocol):
        raise InvalidParameterError(f"protocol={protocol!r} must be a WorkerProtocol")
    if not isinstance(data, NetData):
        raise InvalidParameterError(f"data={data!r} must be a NetData")
    n = check_int(n_samples, "n_samples", min_value=1)
    pool = data.train_pool
    # A replacement point and, without an official test set, one test point.
    most = pool - 1 if data.n_train is not None else pool - 2
    if n > most:
        raise InvalidParameterError(
            f"n_samples={n} must be <= {most} for data={data.name!r} (a replacement "
            "point" + ("" if data.n_train is not None else " and a test point") + ")"
        )
    check_sampling(sampling)
    if replaced_on is not None and sampling != "shards":
        raise InvalidParameterError(
            f"replaced_on={replaced_on!r} needs sampling='shards' (got {sampling!r})"
        )
    P = check_int(n_pairs, "n_pairs", min_value=1)
    T = check_int(n_steps, "n_steps", min_value=1)
    seed = check_int(seed, "seed", min_value=0)
    check_choice(dtype, "dtype", DTYPES)
    per_epoch = protocol.updates_per_epoch(n)
    every = per_epoch if eval_every is None else eval_every
    every = check_int(every, "eval_every", min_value=1)
    eta = _step_sizes(step_size, T)
    dev = _device(device)

    dr = pair_draws(data, protocol, n_samples=n, n_pairs=P, n_steps=T, seed=seed)
    rng_pos = dr.rng_pos
    shards = (
        ShardReader.start(
            dr.rng_shards,
            n_pairs=P,
            n_workers=protocol.n_readers,
            n_samples=n,
            batch_size=protocol.batch_size,
            replaced=dr.j,
            replaced_on=replaced_on,
        )
        if sampling == "shards"
        else None
    )
    stale = StalenessCounter(P, T)
    B = protocol.max_delay + 1
    if n_buffer is not None:
        B = check_int(n_buffer, "n_buffer", min_value=B)

    with jax.enable_x64(dtype == "float64"), jax.default_device(dev):
        fm = flat_model(model, dtype)
        keys = jax.random.split(jax.random.PRNGKey(dr.init_seed), P)
        w0 = jax.vmap(fm.init_flat)(keys)
        ring = ring_from_flat(model, dtype, jnp.concatenate([w0, w0]), B)
        Xd = jnp.asarray(data.X, dtype=dtype)
        yd = jnp.asarray(data.y, dtype=label_dtype(model, data.y, dtype))
        rows_d = jnp.asarray(dr.rows, dtype="int32")
        test_d = jnp.asarray(dr.test_rows, dtype="int32")
        steps = compiled_steps(model, dtype, B, protocol.clip, shards is not None)
        evaluate = compiled_evaluate(model, dtype)
        loss0, _ = evaluate(jnp.concatenate([w0, w0]), Xd, yd, rows_d)
        t = jnp.asarray(1, dtype="int32")
        evals: list[_Evaluation] = []
        eval_steps: list[int] = []
        grads_at: list[float] = []
        applied_at: list[float] = []
        n_grads = 0.0
        done = 0
        while done < T:
            L = min(every, T - done)
            ch = protocol.chunk(rng_pos, done + 1, L, n, dr.delays)
            stale.add(ch, done + 1)
            pos = ch.pos if shards is None else shards.read(ch.workers())
            n_grads += float((ch.weight > 0).sum()) / P
            ring, t = steps(
                ring,
                t,
                Xd,
                yd,
                rows_d,
                jnp.asarray(np.moveaxis(pos, 1, 0)),
                jnp.asarray(np.moveaxis(ch.tau, 1, 0)),
                jnp.asarray(np.moveaxis(ch.weight, 1, 0), dtype=dtype),
                jnp.asarray(eta[None, done : done + L].T.repeat(P, 1), dtype=dtype),
            )
            done += L
            W = ring_slot_flat(ring, (done + 1) % B)
            if raise_on_divergence and not bool(jnp.all(jnp.isfinite(W))):
                raise DivergenceError(
                    f"network parameters became non-finite by step t={done}; "
                    f"reduce step_size (max {float(eta.max())!r})"
                )
            tl, tre = evaluate(W, Xd, yd, rows_d)
            te, tee = evaluate(W, Xd, yd, test_d)
            diff = W[:P] - W[P:]
            evals.append(
                _Evaluation(
                    train_loss=np.asarray(tl, dtype=np.float64),
                    test_loss=np.asarray(te, dtype=np.float64),
                    train_error=np.asarray(tre, dtype=np.float64),
                    test_error=np.asarray(tee, dtype=np.float64),
                    delta=np.sqrt(np.asarray(jnp.sum(diff * diff, axis=1))),
                    norm2=np.asarray(jnp.sum(W * W, axis=1), dtype=np.float64),
                )
            )
            eval_steps.append(done)
            if monitor is not None:
                monitor(done, W)
            grads_at.append(n_grads)
            applied_at.append(stale.applied_at(done))
        final = np.asarray(ring_slot_flat(ring, (T + 1) % B), dtype=np.float64)

    ev = np.asarray(eval_steps, dtype=np.int64)
    return NetRunStats(
        model=model.name,
        data=data.name,
        protocol=protocol.label,
        n_samples=n,
        n_pairs=P,
        n_steps=T,
        seed=seed,
        dtype=dtype,
        updates_per_epoch=per_epoch,
        eval_steps=ev,
        epochs=ev / per_epoch,
        train_loss=np.stack([e.train_loss for e in evals]),
        test_loss=np.stack([e.test_loss for e in evals]),
        train_error=np.stack([e.train_error for e in evals]),
        test_error=np.stack([e.test_error for e in evals]),
        delta=np.stack([e.delta for e in evals]).astype(np.float64),
        norm2=np.stack([e.norm2 for e in evals]),
        final=final,
        gradients_per_update=n_grads / T,
        gradients=np.asarray(grads_at, dtype=np.float64),
        train_loss0=np.asarray(loss0, dtype=np.float64),
        applied=np.asarray(applied_at, dtype=np.float64),
        staleness_mean=stale.mean,
        staleness_max=stale.most,
        sampling=sampling,
        replaced_on=replaced_on,
    )
