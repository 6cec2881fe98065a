"""The shard sampler against a direct transcription of the authors' loaders.

Regatti et al.'s ``shared_randomness_partitions`` and ``sync_data_loader``
(GitHub JayanthRR/Async-Distributed-SGD, ``src/server.py`` 642-693): positions
permuted once, cut into ``W`` shards of ``floor(n / W)`` (the rest never read);
each worker reads its shard in order, ``b`` at a time, the last minibatch of a
pass shorter; the shard is reshuffled at the end of each pass. Here every worker
contributes at every step (protocol (b)), so a pass is an epoch and every point
of a shard must be read exactly once per epoch, by its own worker.
"""

from __future__ import annotations

import numpy as np
import pytest

from bounds import InvalidParameterError
from empirical.schedules._protocols import Regatti
from empirical.schedules._published_draws import DengDrawn
from empirical.schedules._sampling import ShardReader


def _transcription(order: np.ndarray, b: int) -> list[list[int]]:
    """The authors' loader over one pass: ``DataLoader(batch_size=b,
    sampler=SubsetSequentialSampler(order))`` without ``drop_last``."""
    return [list(order[k : k + b]) for k in range(0, len(order), b)]


@pytest.mark.parametrize(("n", "W", "b"), [(59, 4, 4), (64, 4, 4), (37, 3, 5)])
def test_every_point_is_read_once_per_epoch_by_its_own_worker(
    n: int, W: int, b: int
) -> None:
    rng = np.random.default_rng(0)
    reader = ShardReader.start(rng, n_pairs=2, n_workers=W, n_samples=n, batch_size=b)
    s = n // W
    per_epoch = -(-s // b)  # ceil(s / b) minibatches per pass
    proto = Regatti(W, 3, batch_size=b)
    delays = proto.setup(rng, 2, 10 * per_epoch)
    shards0 = [set(reader.order[p, m]) for p in range(2) for m in range(W)]
    unread = [set(range(n)) - set(reader.order[p].ravel()) for p in range(2)]
    for epoch in range(4):
        orders = reader.order.copy()  # this pass's order, before it is read
        ch = proto.chunk(rng, 1 + epoch * per_epoch, per_epoch, n, delays)
        pos = reader.read(ch.workers())  # (P, L, W, b)
        for p in range(2):
            for m in range(W):
                got = [
                    [int(v) for v in pos[p, t, m] if v >= 0] for t in range(per_epoch)
                ]
                assert got == [
                    [int(v) for v in batch] for batch in _transcription(orders[p, m], b)
                ]
                flat = sorted(v for batch in got for v in batch)
                assert flat == sorted(shards0[p * W + m])  # once each, own worker
            assert unread[p].isdisjoint(set(pos[p].ravel()))  # the rest: never
        assert (reader.passes == epoch + 1).all()
    # Shards are fixed; the order within them is reshuffled between passes.
    assert any(
        not np.array_equal(orders[p, m], np.sort(orders[p, m]))
        for p in range(2)
        for m in range(W)
    )


def test_a_fast_worker_reads_its_shard_more_often() -> None:
    """Deng et al.'s arrivals: worker m computes every d_m steps, so it makes
    passes over its shard at rate 1/d_m (server.py 23-29: a fresh order each pass)."""
    rng = np.random.default_rng(1)
    periods = (8, 1, 2, 4)
    proto = DengDrawn(4, 8, "random", batch_size=2, periods=periods, slots=4)
    n, T = 64, 8 * 40
    reader = ShardReader.start(rng, n_pairs=1, n_workers=4, n_samples=n, batch_size=2)
    delays = proto.setup(rng, 1, T)
    reads = np.zeros(4)
    ch = proto.chunk(rng, 1, T, n, delays)
    pos = reader.read(ch.workers())
    workers = ch.workers()
    for m in range(4):
        reads[m] = (pos[workers == m] >= 0).sum()
    # 16 positions per shard, 2 per gradient: worker m reads T / d_m gradients.
    assert reads.tolist() == [2 * T / d for d in periods]
    assert reader.passes[0].tolist() == [2 * T / d // 16 for d in periods]


@pytest.mark.parametrize("worker", [0, 3])
def test_the_replaced_point_can_be_put_on_a_chosen_worker(worker: int) -> None:
    rng = np.random.default_rng(2)
    j = np.array([0, 5, 17, 30, 31])
    reader = ShardReader.start(
        rng,
        n_pairs=5,
        n_workers=4,
        n_samples=32,
        batch_size=2,
        replaced=j,
        replaced_on=worker,
    )
    for p in range(5):
        assert j[p] in set(reader.order[p, worker])
        assert sorted(reader.order[p].ravel()) == list(range(32))  # still a partition


def test_bad_arguments_are_refused_by_name() -> None:
    rng = np.random.default_rng(0)
    with pytest.raises(InvalidParameterError, match="replaced_on=4 must be"):
        ShardReader.start(
            rng,
            n_pairs=1,
            n_workers=4,
            n_samples=8,
            batch_size=1,
            replaced=np.array([0]),
            replaced_on=4,
        )
    with pytest.raises(InvalidParameterError, match="n_samples=3 must be >= n_workers"):
        ShardReader.start(rng, n_pairs=1, n_workers=4, n_samples=3, batch_size=1)
