"""Worker protocols against slow references: schedules, averaging/summing, clipping, lr."""

from __future__ import annotations

import numpy as np
import pytest

jax = pytest.importorskip("jax")

from bounds import InvalidParameterError  # noqa: E402
from empirical.schedules._delays import UniformDelay  # noqa: E402
from empirical.schedules._protocols import (  # noqa: E402
    Deng,
    OneStale,
    Regatti,
    WorkerProtocol,
    applicable_theorems,
)
from empirical.simulators.nets._datasets import load_net_data  # noqa: E402
from empirical.simulators.nets._models import flatten, mlp  # noqa: E402
from empirical.simulators.nets._simulate import (  # noqa: E402
    pair_draws,
    regatti_step_size,
    simulate_net_pairs,
)
from tests._tolerances import RTOL_JAX_LOOP  # noqa: E402


def _reference_schedule(
    protocol: WorkerProtocol, delays: np.ndarray, T: int
) -> list[list[list[tuple[int, int, float]]]]:
    """Per pair and step, the contributions ``(slot, stale iterate index, weight)``.

    Simulates the workers: a Regatti worker reads the iterate ``d_m`` updates back
    (the oldest one early on); a Deng worker holds the model it pulled after its
    last contribution and contributes when ``(s - m) mod d_m == 0``; arrivals
    fill the slots in worker order. Iterate index 0 is ``w_1``.
    """
    out = []
    for p in range(delays.shape[0]):
        steps = []
        held = np.zeros(protocol.n_slots, dtype=np.int64)  # Deng: pulled iterate
        for s in range(T):
            contrib = []
            if isinstance(protocol, OneStale):
                contrib.append((0, max(0, s - int(delays[p, s])), 1.0))
            for m in range(
                protocol.n_slots if not isinstance(protocol, OneStale) else 0
            ):
                d = int(delays[p, m])
                if isinstance(protocol, Regatti):
                    contrib.append((m, max(0, s - d), 1.0 / protocol.n_slots))
                elif (s - m) % d == 0:
                    contrib.append((len(contrib), int(held[m]), 1.0))
                    held[m] = s + 1  # pulls the iterate after this update
            steps.append(contrib)
        out.append(steps)
    return out


def _reference_run(protocol, data, model, n, P, T, seed, lr):  # type: ignore[no-untyped-def]
    """Plain loops over replicas and steps, a list of past flat iterates, float64."""
    import jax.numpy as jnp

    dr = pair_draws(data, protocol, n_samples=n, n_pairs=P, n_steps=T, seed=seed)
    pos = protocol.chunk(dr.rng_pos, 1, T, n, dr.delays).pos
    sched = _reference_schedule(protocol, dr.delays, T)
    with jax.enable_x64(True):
        fm = flatten(model, "float64")
        keys = jax.random.split(jax.random.PRNGKey(dr.init_seed), P)
        w0 = [np.asarray(fm.init_flat(k)) for k in keys]
        grad = jax.jit(jax.grad(fm.loss_fn))
        finals = []
        for r in range(2 * P):
            p = r % P
            hist = [w0[p]]
            for s in range(T):
                u = np.zeros_like(w0[p])
                for slot, src, weight in sched[p][s]:
                    g = np.mean(
                        [
                            np.asarray(
                                grad(
                                    jnp.asarray(hist[src]),
                                    jnp.asarray(data.X[dr.rows[r, i]]),
                                    int(data.y[dr.rows[r, i]]),
                                )
                            )
                            for i in pos[p, s, slot]
                        ],
                        axis=0,
                    )
                    u += weight * g
                if protocol.clip is not None:
                    u *= min(1.0, protocol.clip / (np.linalg.norm(u) + 1e-6))
                hist.append(hist[-1] - lr(s + 1) * u)
            finals.append(hist[-1])
    return np.stack(finals)


CASES = [
    OneStale(UniformDelay(3)),
    Regatti(3, 4, batch_size=2),
    Deng(3, 3, "fixed", batch_size=2),
    Deng(4, 3, "random", batch_size=2),
]


@pytest.mark.slow
@pytest.mark.parametrize("protocol", CASES, ids=lambda p: f"{p.label}-{p.n_slots}")
def test_protocol_matches_slow_reference(protocol: WorkerProtocol) -> None:
    data = load_net_data("digits")
    model = mlp([64, 5, 10], activation="tanh")
    n, P, T, seed = 30, 2, 24, 5
    per = protocol.updates_per_epoch(n)
    if isinstance(protocol, Regatti):
        # the epoch decay, computed here from its definition
        def lr(t: int) -> float:
            return 0.5 / (1 + 0.05 * ((t - 1) // int(np.ceil(n / (3 * 2)))))

        step = regatti_step_size(0.5, per)
    else:

        def lr(t: int) -> float:
            return 0.3

        step = 0.3
    st = simulate_net_pairs(
        model,
        data,
        protocol,
        n_samples=n,
        n_pairs=P,
        n_steps=T,
        step_size=step,
        seed=seed,
        eval_every=T,
        dtype="float64",
    )
    want = _reference_run(protocol, data, model, n, P, T, seed, lr)
    assert (
        np.abs(want[0] - want[P]).max() > 0 or np.abs(want[1] - want[P + 1]).max() > 0
    )
    np.testing.assert_allclose(st.final, want, rtol=RTOL_JAX_LOOP, atol=RTOL_JAX_LOOP)


def test_schedules() -> None:
    rng = np.random.default_rng(0)
    d = Regatti(6, 8).setup(rng, 50, 10)
    assert (d[:, 0] == 8).all()
    assert (d[:, 1] == 0).all()
    assert d[:, 2:].min() >= 0
    assert d[:, 2:].max() <= 8
    d = Deng(6, 5, "random").setup(rng, 50, 10)
    assert (d[:, 0] == 5).all()
    assert (d[:, 1] == 1).all()
    assert d[:, 2:].min() >= 1
    assert d[:, 2:].max() <= 5
    # fixed delays, W = k * period workers: exactly k arrivals per step
    proto = Deng(8, 4, "fixed")
    ch = proto.chunk(rng, 1, 40, 10, proto.setup(rng, 3, 40))
    np.testing.assert_array_equal(ch.weight.sum(axis=2), np.full((3, 40), 2.0))
    assert proto.mean_gradients_per_update == 2.0
    assert ch.tau.max() == 3
    assert ch.tau[:, 0].max() == 0


def test_declared_theorems_and_validation() -> None:
    both = ("delayed-ncvx-workers", "delayed-cvx-workers")
    keys, _ = applicable_theorems(OneStale(UniformDelay(2)))
    assert "delayed-ncvx" in keys
    assert set(both) <= set(keys)  # batch 1: the part-3 theorems contain (a)
    # minibatches: only the part-3 theorems (the others are stated for b = 1)
    assert applicable_theorems(OneStale(UniformDelay(2), batch_size=4))[0] == both
    # (b) clips by default: the convex argument fails for a clipped step
    keys, why = applicable_theorems(Regatti(4, 2))
    assert keys == ("delayed-ncvx-workers",)
    assert "clip" in why
    assert applicable_theorems(Regatti(4, 2, clip=None))[0] == both
    assert applicable_theorems(Deng(4, 2))[0] == both
    assert applicable_theorems(Deng(4, 2, "random", batch_size=3))[0] == both
    # a clip removes the convex theorem from every protocol
    assert applicable_theorems(Deng(4, 2, clip=1.0))[0] == both[:1]
    assert applicable_theorems(OneStale(UniformDelay(2), clip=1.0))[0] == both[:1]
    with pytest.raises(InvalidParameterError, match="n_workers="):
        Regatti(1, 4)
    with pytest.raises(InvalidParameterError, match="period="):
        Deng(4, 0)
    with pytest.raises(InvalidParameterError, match="delays="):
        Deng(4, 2, "sometimes")  # type: ignore[arg-type]


def test_pathwise_bounds_hold_for_protocol_a() -> None:
    """Where the declaration says a theorem applies, its pathwise bound holds."""
    from bounds import THEOREMS, pathwise_bound
    from empirical.problems._data import load_dataset
    from empirical.simulators.nets._datasets import NetData
    from empirical.simulators.nets._models import linear
    from tests._tolerances import ATOL_PATHWISE, RTOL_PATHWISE

    ds = load_dataset("digits_binary")
    data = NetData("digits_binary", ds.X, np.asarray(ds.y, dtype=np.float64), 2)
    proto = OneStale(UniformDelay(6))
    n, P, T, every, seed = 60, 8, 300, 25, 2
    eta = 1.5  # logistic, R = 1: beta = 1/4, eta <= 2/beta = 8
    st = simulate_net_pairs(
        linear(ds.n_features),
        data,
        proto,
        n_samples=n,
        n_pairs=P,
        n_steps=T,
        step_size=eta,
        seed=seed,
        eval_every=every,
        dtype="float64",
    )
    dr = pair_draws(data, proto, n_samples=n, n_pairs=P, n_steps=T, seed=seed)
    chunks = [
        proto.chunk(dr.rng_pos, t0, every, n, dr.delays) for t0 in range(1, T, every)
    ]
    pos = np.concatenate([c.pos[:, :, 0, 0] for c in chunks], axis=1)
    tau = np.concatenate([c.tau[:, :, 0] for c in chunks], axis=1)
    hits = pos == dr.j[:, None]
    assert hits.any()
    keys, _ = applicable_theorems(proto)
    for key in ("delayed-cvx", "delayed-ncvx"):
        assert key in keys
        bound = pathwise_bound(
            THEOREMS[key],
            step_sizes=np.full((P, T), eta),
            delays=tau,
            hits=hits,
            lipschitz=1.0,
            smoothness=0.25,
            record_steps=st.eval_steps,
        )
        assert (bound * (1 + RTOL_PATHWISE) + ATOL_PATHWISE >= st.delta.T).all(), key
        assert st.delta.max() > 0


@pytest.mark.parametrize(
    "protocol",
    [Regatti(3, 4, batch_size=2), Deng(4, 3, "random", batch_size=3)],
    ids=["b", "c"],
)
def test_numba_protocol_kernel_matches_jax_backend(protocol: WorkerProtocol) -> None:
    """Protocols (b) and (c) in both backends: numba (linear) against JAX (float64)."""
    from empirical.problems._data import load_dataset
    from empirical.simulators.linear._kernels_workers import run_protocol_linear
    from empirical.simulators.nets._datasets import NetData
    from empirical.simulators.nets._models import linear
    from tests._tolerances import RTOL_JAX_NUMBA

    # radius 20: minibatch gradients of norm ~5 at the start, so (b)'s clipping
    # to norm 1 is active (a run without clipping fails this test).
    ds = load_dataset("breast_cancer", radius=20.0)
    data = NetData("breast_cancer", ds.X, np.asarray(ds.y, dtype=np.float64), 2)
    n, P, T, seed, eta = 80, 3, 150, 4, 0.05
    st = simulate_net_pairs(
        linear(ds.n_features),
        data,
        protocol,
        n_samples=n,
        n_pairs=P,
        n_steps=T,
        step_size=eta,
        seed=seed,
        eval_every=T,
        dtype="float64",
    )
    dr = pair_draws(data, protocol, n_samples=n, n_pairs=P, n_steps=T, seed=seed)
    ch = protocol.chunk(dr.rng_pos, 1, T, n, dr.delays)
    W = run_protocol_linear(
        "logistic",
        ds.X,
        data.y,
        dr.rows,
        np.zeros((P, ds.n_features)),
        ch,
        np.full(T, eta),
        protocol.clip,
    )
    assert np.abs(W).max() > 0.1  # the runs moved
    assert np.abs(W[:P] - W[P:]).max() > 0  # and the pairs differ
    np.testing.assert_allclose(
        st.final, W, rtol=RTOL_JAX_NUMBA, atol=RTOL_JAX_NUMBA * np.abs(W).max()
    )


@pytest.mark.parametrize(
    ("protocol", "keys"),
    [
        (Regatti(3, 4, batch_size=2), ("delayed-ncvx-workers",)),
        (
            Deng(4, 3, "random", batch_size=3),
            ("delayed-ncvx-workers", "delayed-cvx-workers"),
        ),
        (
            Deng(4, 2, "fixed", batch_size=2),
            ("delayed-ncvx-workers", "delayed-cvx-workers"),
        ),
    ],
    ids=["b", "c-random", "c-fixed"],
)
def test_part3_pathwise_bounds_hold_on_jax_runs(
    protocol: WorkerProtocol, keys: tuple[str, ...]
) -> None:
    """The part-3 pathwise bounds on the JAX backend's float64 runs of (b) and (c).

    A one-layer network with the logistic loss on data scaled to ``||x|| <= R``:
    its constants are known exactly (``L = R``, ``beta = R^2/4``), and the
    pathwise inequalities need only those (docs/theory.md, part 3), so
    [D-ncvx-W]'s holds on this unbounded loss too. R = 20 makes (b)'s clip to
    norm 1 active.
    """
    from bounds import THEOREMS, pathwise_bound
    from empirical.problems._data import load_dataset
    from empirical.simulators.nets._datasets import NetData
    from empirical.simulators.nets._models import linear
    from tests._tolerances import ATOL_PATHWISE, RTOL_PATHWISE

    R = 20.0
    ds = load_dataset("breast_cancer", radius=R)
    data = NetData("breast_cancer", ds.X, np.asarray(ds.y, dtype=np.float64), 2)
    n, P, T, every, seed = 80, 4, 150, 50, 3
    # convex condition eta K_t beta <= 2 with K_t <= 4 workers summed, beta = 100
    eta = 0.004
    st = simulate_net_pairs(
        linear(ds.n_features),
        data,
        protocol,
        n_samples=n,
        n_pairs=P,
        n_steps=T,
        step_size=eta,
        seed=seed,
        eval_every=every,
        dtype="float64",
    )
    dr = pair_draws(data, protocol, n_samples=n, n_pairs=P, n_steps=T, seed=seed)
    chunks = [
        protocol.chunk(dr.rng_pos, t0, every, n, dr.delays) for t0 in range(1, T, every)
    ]
    weights = np.concatenate([c.weight for c in chunks], axis=1)
    tau = np.concatenate([c.tau for c in chunks], axis=1)
    pos = np.concatenate([c.pos for c in chunks], axis=1)
    hits = (pos == dr.j[:, None, None, None]).sum(-1) * (weights > 0)
    assert hits.sum() > 0
    assert st.delta.max() > 0
    declared, _ = applicable_theorems(protocol)
    for key in keys:
        assert key in declared
        kw = {} if protocol.clip is None else {"clip": protocol.clip}
        bound = pathwise_bound(
            THEOREMS[key],
            step_sizes=np.full((P, T), eta),
            weights=weights,
            delays=tau,
            hits=hits,
            batch_size=protocol.batch_size,
            lipschitz=R,
            smoothness=R**2 / 4,
            record_steps=st.eval_steps,
            **kw,
        )
        assert (bound * (1 + RTOL_PATHWISE) + ATOL_PATHWISE >= st.delta.T).all(), key
