r"""Coupled runs of a worker protocol on a linear loss, with what level 3 needs.

:func:`run_protocol_pairs` draws ``P`` neighbouring pairs ``(S_p, S'_p)``, which
differ at the replaced position ``j_p``, runs both members of each pair on the
same schedule with the numba kernel
(:func:`empirical.simulators.linear._kernels_workers.run_protocol_linear`), and
returns, per pair,

* ``delta_t = ||w_{t+1} - w'_{t+1}||`` after ``t`` updates, at the record steps;
* the realised schedule: weights ``a_{t,m}`` and effective delays ``d_{t,m}``,
  shape ``(P, T, K)`` (protocols of :mod:`empirical.schedules._protocols`: (a)
  one stale minibatch per update, (b) Regatti et al. 2019, arXiv:1909.13391,
  averaged and clipped, (c) Deng et al., NeurIPS 2024, summed arrivals with idle
  steps);
* the hits ``h_{t,m} = |{k : pos_{t,m,k} = j_p}|``, how many of the ``b`` slots of
  contribution ``(t, m)`` drew the replaced position (0 for an empty slot,
  ``a_{t,m} = 0``: it contributes nothing).

These are the arguments of :func:`bounds.pathwise_bound` for the part-3 theorems
[D-ncvx-W] and [D-cvx-W] (docs/theory.md, part 3), whose level 3 bounds
``delta_t`` of every realised pair, up to floating-point rounding
(:meth:`ProtocolPairs.pathwise_kwargs`).

The draws mirror :func:`empirical.simulators.nets._simulate.pair_draws` (the same
child streams of ``seed``), so a seed gives the same split, replaced position,
delays and positions in both backends.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from bounds import InvalidParameterError
from bounds.internal import check_int
from empirical.problems._data import pair_split
from empirical.schedules._protocols import Chunk, WorkerProtocol

from ._kernels import LOSS_IDS
from ._kernels_workers import protocol_sgd_linear

__all__ = ["ProtocolPairs", "protocol_hits", "run_protocol_pairs"]


def _run_segments(
    loss_name: str,
    X: NDArray[np.float64],
    y: NDArray[np.float64],
    rows: NDArray[np.int64],
    w0: NDArray[np.float64],
    chunk: Chunk,
    eta: NDArray[np.float64],
    clip: float | None,
    loss_param: float,
    stops: list[int],
) -> dict[int, NDArray[np.float64]]:
    """The iterates ``(2P, d)`` after ``t`` updates for each ``t`` in ``stops``.

    One pass of :func:`~empirical.simulators.linear._kernels_workers.protocol_sgd_linear`,
    cut at the stops. The kernel keeps ``w`` of local step ``s`` at ring slot
    ``s % B`` (local step 1 reads slot 1); after a segment of ``m`` steps the
    newest iterate is at slot ``(m + 1) % B``, and rolling the ring by ``-m``
    puts it back at slot 1 with the older ones behind it, so the next segment
    reads ``w_{t - d}`` (global ``t``, effective ``d <= B - 1``) where the
    single pass would. The result equals that of
    :func:`~empirical.simulators.linear._kernels_workers.run_protocol_linear`
    on each prefix (checked in the tests).
    """
    P = w0.shape[0]
    B = int(chunk.tau.max()) + 1
    ring = np.zeros((P, 2, B, X.shape[1]))
    ring[:, :, 1 % B, :] = w0[:, None, :]
    Xc = np.ascontiguousarray(X, dtype=np.float64)
    yc = np.ascontiguousarray(y, dtype=np.float64)
    rc = np.ascontiguousarray(rows, dtype=np.int64)
    out: dict[int, NDArray[np.float64]] = {}
    done = 0
    for t in stops:
        seg = slice(done, t)
        protocol_sgd_linear(
            LOSS_IDS[loss_name],
            loss_param,
            Xc,
            yc,
            rc,
            np.ascontiguousarray(chunk.pos[:, seg], dtype=np.int32),
            np.ascontiguousarray(chunk.tau[:, seg], dtype=np.int32),
            np.ascontiguousarray(chunk.weight[:, seg], dtype=np.float64),
            np.ascontiguousarray(eta[seg], dtype=np.float64),
            -1.0 if clip is None else float(clip),
            ring,
        )
        ring = np.ascontiguousarray(np.roll(ring, -(t - done), axis=2))
        done = t
        now = ring[:, :, 1 % B, :]
        out[t] = np.concatenate([now[:, 0], now[:, 1]])
    return out


@dataclass(frozen=True, eq=False)
class ProtocolPairs:
    """``P`` coupled pairs of one protocol: distances, schedule and hits.

    Attributes:
        delta: ``(P, R)`` ``||w_{t+1} - w'_{t+1}||`` after ``t = record_steps[r]``
            updates.
        record_steps: ``(R,)`` steps ``t`` in ``[1, T]``.
        step_sizes: ``(T,)`` ``eta_t``, shared by every pair.
        weights: ``(P, T, K)`` ``a_{t,m}`` (0: empty slot).
        delays: ``(P, T, K)`` effective delays ``d_{t,m} <= t - 1``.
        hits: ``(P, T, K)`` ``h_{t,m}`` in ``[0, b]``.
        batch_size: ``b``.
        clip: the clip threshold of the update, ``None`` without one.
        replaced: ``(P,)`` the replaced position ``j_p``.
        split: ``(P, N)`` each pair's rows of ``X``: ``[:n]`` is ``S_p``, ``[n]``
            the replacement ``z'_p``, ``[n+1:]`` its test set.
        final: ``(2P, d)`` the final iterates, runs ``r < P`` on ``S``.
    """

    delta: NDArray[np.float64]
    record_steps: NDArray[np.int64]
    step_sizes: NDArray[np.float64]
    weights: NDArray[np.float64]
    delays: NDArray[np.int64]
    hits: NDArray[np.int64]
    batch_size: int
    clip: float | None
    replaced: NDArray[np.int64]
    split: NDArray[np.int64]
    final: NDArray[np.float64]

    @property
    def step_weights(self) -> NDArray[np.float64]:
        """``(P, T)`` ``K_t = sum_m a_{t,m}``."""
        return np.asarray(self.weights.sum(-1))

    def pathwise_kwargs(self) -> dict[str, Any]:
        """The schedule keywords of :func:`bounds.pathwise_bound` (add the loss's
        ``lipschitz`` and ``smoothness``). ``clip`` is included only when set,
        since [D-cvx-W] refuses any clip."""
        P, T = self.weights.shape[:2]
        out: dict[str, Any] = {
            "step_sizes": np.broadcast_to(self.step_sizes, (P, T)),
            "weights": self.weights,
            "delays": self.delays,
            "hits": self.hits,
            "batch_size": self.batch_size,
            "record_steps": self.record_steps,
        }
        if self.clip is not None:
            out["clip"] = self.clip
        return out


def protocol_hits(chunk: Chunk, replaced: NDArray[np.int64]) -> NDArray[np.int64]:
    """``h_{t,m}``: slots of contribution ``(t, m)`` that drew position ``j_p``.

    Args:
        chunk: positions ``pos (P, T, K, b)`` and weights ``(P, T, K)``.
        replaced: ``(P,)`` the replaced position of each pair.

    Returns:
        ``(P, T, K)`` counts in ``[0, b]``; 0 where ``a_{t,m} = 0`` (no contribution).

    Examples:
        >>> pos = np.array([[[[3, 1, 3]], [[0, 0, 2]]]], dtype=np.int32)
        >>> ch = Chunk(pos, np.zeros((1, 2, 1), np.int32), np.array([[[1.0], [0.0]]]))
        >>> protocol_hits(ch, np.array([3])).tolist()
        [[[2], [0]]]
    """
    j = np.asarray(replaced, dtype=np.int64)[:, None, None, None]
    h = (np.asarray(chunk.pos) == j).sum(-1, dtype=np.int64)
    return np.where(np.asarray(chunk.weight) > 0, h, 0)


def run_protocol_pairs(
    protocol: WorkerProtocol,
    loss_name: str,
    X: NDArray[np.float64],
    y: NDArray[np.float64],
    *,
    n_samples: int,
    n_pairs: int,
    step_sizes: NDArray[np.float64],
    seed: int,
    record_steps: ArrayLike | None = None,
    loss_param: float = 0.0,
) -> ProtocolPairs:
    """Run ``n_pairs`` coupled pairs of ``protocol`` on a linear loss from ``w_1 = 0``.

    The update (docs/theory.md, part 3) is ``w_{t+1} = w_t - eta_t C(sum_m a_{t,m}
    (1/b) sum_k grad f(w_{t - d_{t,m}}; z_{pos_{t,m,k}}))`` with ``C`` the clip of
    ``protocol`` (or the identity); both runs of a pair share ``w_1``, the step
    sizes, the weights, the delays and the positions, and differ only in the
    sample at position ``j_p``.

    Args:
        protocol: (a) :class:`~empirical.schedules._protocols.OneStale`, (b)
            ``Regatti`` or (c) ``Deng``.
        loss_name: a key of
            :data:`empirical.simulators.linear._kernels.LOSS_IDS` (``"logistic"``,
            ``"sigmoid"``, ...).
        X: ``(N, d)`` features; y: ``(N,)`` targets (``+-1`` for binary losses).
        n_samples: ``n < N``, the training-set size.
        n_pairs: ``P``.
        step_sizes: ``(T,)`` ``eta_t > 0``; ``T`` is the number of updates.
        seed: the seed of the split, replaced position, delays and positions.
        record_steps: steps ``t`` in ``[1, T]`` at which ``delta_t`` is recorded
            (the kernel runs segment by segment between them, in one pass);
            default ``(T,)``.
        loss_param: the loss's parameter (Huber threshold, L2 weight).

    Returns:
        A :class:`ProtocolPairs`.

    Raises:
        InvalidParameterError: an unknown loss, ``n_samples >= N``, bad step
            sizes or record steps.
    """
    if loss_name not in LOSS_IDS:
        raise InvalidParameterError(
            f"loss_name={loss_name!r} must be one of {sorted(LOSS_IDS)}"
        )
    N = int(np.shape(X)[0])
    n = check_int(n_samples, "n_samples", min_value=1)
    P = check_int(n_pairs, "n_pairs", min_value=1)
    if n >= N:
        raise InvalidParameterError(
            f"n_samples={n} must be < the {N} rows of X (one row replaces z_j)"
        )
    eta = np.asarray(step_sizes, dtype=np.float64)
    if eta.ndim != 1 or eta.size == 0 or not np.all(np.isfinite(eta) & (eta > 0)):
        raise InvalidParameterError(
            "step_sizes must be a non-empty 1-d array of finite values > 0"
        )
    T = eta.size
    steps = np.asarray([T] if record_steps is None else record_steps, dtype=np.int64)
    if steps.ndim != 1 or steps.size == 0 or steps.min() < 1 or steps.max() > T:
        raise InvalidParameterError(f"record_steps must lie in [1, n_steps={T}]")
    # The child streams of pair_draws: split, replaced index, init, positions, delays.
    s_data, s_j, _s_init, s_pos, s_delay = np.random.SeedSequence(seed).spawn(5)
    perm, j = pair_split(s_data, s_j, n_pairs=P, n_points=N, n_samples=n)
    rows = np.concatenate([perm[:, :n], perm[:, :n]])
    rows[P + np.arange(P), j] = perm[:, n]
    delays = protocol.setup(np.random.default_rng(s_delay), P, T)
    chunk = protocol.chunk(np.random.default_rng(s_pos), 1, T, n, delays)
    w0 = np.zeros((P, int(np.shape(X)[1])))
    finals = _run_segments(
        loss_name,
        X,
        y,
        rows,
        w0,
        chunk,
        eta,
        protocol.clip,
        loss_param,
        sorted({*steps.tolist(), T}),
    )
    delta = np.stack(
        [np.linalg.norm(finals[t][:P] - finals[t][P:], axis=1) for t in steps], axis=1
    )
    return ProtocolPairs(
        delta=delta,
        record_steps=steps,
        step_sizes=eta,
        weights=np.asarray(chunk.weight, dtype=np.float64),
        delays=np.asarray(chunk.tau, dtype=np.int64),
        hits=protocol_hits(chunk, j),
        batch_size=protocol.batch_size,
        clip=protocol.clip,
        replaced=j,
        split=perm,
        final=finals[T],
    )
