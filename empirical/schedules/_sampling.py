"""Which training points each minibatch reads: uniform draws, or the authors' shards.

Two samplings of the minibatch positions of a worker protocol
(:mod:`empirical.schedules._protocols`):

- ``"uniform"``: every slot of every minibatch is drawn independently and
  uniformly from the ``n`` training positions (with replacement). This is the
  (Sampling) assumption of the part-3 theorems [D-ncvx-W] and [D-cvx-W] and of
  the one-gradient theorems (docs/theory.md): the bounds are proved for it only.
- ``"shards"``: the loaders of the published code. The positions are permuted
  once per pair and cut into ``W`` contiguous shards of ``floor(n / W)``
  positions, one per worker; the ``n mod W`` left over are never read (Regatti
  et al.'s ``shared_randomness_partitions``, GitHub
  JayanthRR/Async-Distributed-SGD ``src/server.py`` 642-669; Deng et al.'s
  ``data_partition``, xiaogdeng/Generalization-ASGD ``server.py`` 165-190).
  Worker ``m`` reads its shard in order, ``b`` positions per gradient it
  computes, without replacement; the last minibatch of a pass holds the
  ``floor(n / W) mod b`` positions left (a ``DataLoader`` without
  ``drop_last``); then the shard is reshuffled and the next pass begins
  (Regatti: ``sync_data_loader`` at every epoch's end, ``src/server.py``
  672-693, where every worker makes one pass per epoch; Deng: a fresh
  ``torch.randperm`` each pass of the worker's ``SubsetSequentialSampler``,
  ``server.py`` 23-29). Both runs of a coupled pair share the shards and every
  reshuffle, so they differ only where the replaced position is read. A worker
  that computes every ``d_m`` steps reads its shard ``d_m`` times more slowly:
  under Deng et al.'s random delays a fast worker's shard supplies far more of
  the gradients than a slow one's.

Where the replaced point sits. In the seed's code the replaced position is a
uniform one before the shuffle, so it lands in a uniformly random shard and place
(and, with probability ``(n mod W) / n``, among the positions never read); in
Deng et al.'s, the neighbour changes the entry at a uniform place of the
shuffled list. ``replaced_on=None`` keeps that (the harness's replaced
position ``j`` is uniform and independent of the shuffle); ``replaced_on=m``
moves it into worker ``m``'s shard (swapped with a uniform position of that
shard), to measure the effect of uneven arrival rates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from bounds import InvalidParameterError
from bounds.internal import check_choice, check_int

__all__ = ["SAMPLINGS", "ShardReader", "check_sampling"]

SAMPLINGS = ("uniform", "shards")


def check_sampling(sampling: str) -> str:
    """``sampling`` if it is one of :data:`SAMPLINGS` (else the package's error)."""
    return check_choice(sampling, "sampling", SAMPLINGS)


@dataclass(eq=False)
class ShardReader:
    """The shard loaders of ``P`` coupled pairs (mutable: the read positions).

    Attributes:
        order: ``(P, W, s)`` the current pass order of each worker's shard
            (positions in ``0..n-1``), ``s = floor(n / W)``.
        cursor: ``(P, W)`` how many positions of the current pass were read.
        batch_size: ``b``.
        rng: the generator of the reshuffles.
        passes: ``(P, W)`` completed passes of each worker (for tests and reports).
    """

    order: NDArray[np.int64]
    cursor: NDArray[np.int64]
    batch_size: int
    rng: np.random.Generator
    passes: NDArray[np.int64]

    @classmethod
    def start(
        cls,
        rng: np.random.Generator,
        *,
        n_pairs: int,
        n_workers: int,
        n_samples: int,
        batch_size: int,
        replaced: NDArray[np.int64] | None = None,
        replaced_on: int | None = None,
    ) -> ShardReader:
        """Shuffle and cut the ``n`` positions of each pair into ``W`` shards.

        Args:
            rng: the generator of the shards and of every later reshuffle.
            n_pairs, n_workers, n_samples, batch_size: ``P``, ``W``, ``n``, ``b``.
            replaced: ``(P,)`` the replaced position of each pair (needed with
                ``replaced_on``).
            replaced_on: ``None`` (the replaced position lands where the
                shuffle puts it) or a worker index whose shard must hold it.

        Raises:
            InvalidParameterError: fewer positions than workers, a bad worker.
        """
        P = check_int(n_pairs, "n_pairs", min_value=1)
        W = check_int(n_workers, "n_workers", min_value=1)
        n = check_int(n_samples, "n_samples", min_value=1)
        b = check_int(batch_size, "batch_size", min_value=1)
        s = n // W
        if s < 1:
            raise InvalidParameterError(
                f"n_samples={n} must be >= n_workers={W} for shards (one position "
                "per worker at least)"
            )
        perm = np.stack([rng.permutation(n) for _ in range(P)]).astype(np.int64)
        if replaced_on is not None:
            m = check_int(replaced_on, "replaced_on", min_value=0)
            if m >= W:
                raise InvalidParameterError(
                    f"replaced_on={m} must be a worker index < n_workers={W}"
                )
            if replaced is None or np.shape(replaced) != (P,):
                raise InvalidParameterError(
                    f"replaced={replaced!r} must give the replaced position of "
                    f"each of the {P} pairs when replaced_on is set"
                )
            for p in range(P):
                here = int(np.flatnonzero(perm[p] == replaced[p])[0])
                if not m * s <= here < (m + 1) * s:
                    there = m * s + int(rng.integers(s))
                    perm[p, [here, there]] = perm[p, [there, here]]
        order = perm[:, : W * s].reshape(P, W, s).copy()
        zeros = np.zeros((P, W), dtype=np.int64)
        return cls(order, zeros, b, rng, zeros.copy())

    @property
    def shard_size(self) -> int:
        """``s = floor(n / W)``, the positions of one shard."""
        return int(self.order.shape[2])

    def read(self, worker: NDArray[np.int64]) -> NDArray[np.int32]:
        """The positions read by the contributions of ``L`` steps.

        Args:
            worker: ``(P, L, K)`` the worker of each contribution slot, ``-1``
                where the slot is empty (nothing is read).

        Returns:
            ``(P, L, K, b)`` int32 positions; ``-1`` pads a pass's last,
            shorter minibatch and every empty slot.
        """
        P, L, K = worker.shape
        b, s = self.batch_size, self.shard_size
        out = np.full((P, L, K, b), -1, dtype=np.int32)
        offsets = np.arange(b)
        rows = np.arange(P)[:, None]
        for t in range(L):
            w = worker[:, t, :]  # (P, K)
            live = w >= 0
            if not live.any():
                continue
            ws = np.where(live, w, 0)
            start = self.cursor[rows, ws]  # (P, K)
            idx = start[..., None] + offsets  # (P, K, b)
            ok = (idx < s) & live[..., None]
            got = self.order[rows[..., None], ws[..., None], np.minimum(idx, s - 1)]
            out[:, t] = np.where(ok, got, -1)
            p_live, k_live = np.nonzero(live)
            m_live = w[p_live, k_live]
            end = start[p_live, k_live] + b
            self.cursor[p_live, m_live] = end
            for p, m in zip(*np.nonzero(self.cursor >= s), strict=True):
                self.order[p, m] = self.order[p, m, self.rng.permutation(s)]
                self.cursor[p, m] = 0
                self.passes[p, m] += 1
        return out
