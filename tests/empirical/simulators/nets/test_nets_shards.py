"""Shard sampling and staleness in parameter versions in the network simulator."""

from __future__ import annotations

import numpy as np
import pytest

jax = pytest.importorskip("jax")

import jax.numpy as jnp  # noqa: E402

from bounds import InvalidParameterError  # noqa: E402
from empirical.schedules._protocols import Deng  # noqa: E402
from empirical.simulators.nets._backend import (  # noqa: E402
    compiled_steps,
    flat_model,
    ring_from_flat,
    ring_slot_flat,
)
from empirical.simulators.nets._datasets import load_net_data  # noqa: E402
from empirical.simulators.nets._models import mlp  # noqa: E402
from empirical.simulators.nets._simulate import simulate_net_pairs  # noqa: E402


def test_a_padded_minibatch_is_the_mean_over_its_real_positions() -> None:
    """A shard pass's last minibatch: positions -1 are padding, not data."""
    model = mlp([64, 8, 10])
    data = load_net_data("digits")
    with jax.enable_x64(True):
        fm = flat_model(model, "float64")
        w0 = jax.vmap(fm.init_flat)(jax.random.split(jax.random.PRNGKey(0), 1))
        X = jnp.asarray(data.X)
        y = jnp.asarray(data.y, dtype="int32")
        rows = jnp.asarray(np.tile(np.arange(100), (2, 1)), dtype="int32")
        tau = jnp.zeros((1, 1, 1), dtype="int32")
        weight = jnp.ones((1, 1, 1))
        eta = jnp.full((1, 1), 0.5)
        t = jnp.asarray(1, dtype="int32")

        def step(masked: bool, pos: list[int]) -> np.ndarray:
            ring = ring_from_flat(model, "float64", jnp.concatenate([w0, w0]), 1)
            run = compiled_steps(model, "float64", 1, None, masked)
            p = jnp.asarray([[[pos]]], dtype="int32")  # (L=1, P=1, K=1, b)
            ring, _ = run(ring, t, X, y, rows, p, tau, weight, eta)
            return np.asarray(ring_slot_flat(ring, 0))

        padded = step(True, [3, 7, -1, -1])
        plain = step(False, [3, 7])
        np.testing.assert_allclose(padded, plain, rtol=0, atol=1e-14)
        # an unpadded masked program is the plain mean
        np.testing.assert_allclose(
            step(True, [3, 7, 9, 1]), step(False, [3, 7, 9, 1]), rtol=0, atol=1e-14
        )


@pytest.mark.parametrize("sampling", ["uniform", "shards"])
def test_idle_steps_are_not_versions(sampling: str) -> None:
    """4 workers of fixed period 17: 4 updates in every 17 steps, 3 versions."""
    st = simulate_net_pairs(
        mlp([64, 8, 10]),
        load_net_data("digits"),
        Deng(4, 17, batch_size=4),
        n_samples=400,
        n_pairs=2,
        n_steps=17 * 12,
        step_size=0.05,
        seed=3,
        sampling=sampling,
    )
    assert st.staleness_max == 3
    assert 2.5 < st.staleness_mean <= 3
    assert st.applied[-1] == 4 * 12
    assert st.sampling == sampling
    assert st.train_loss0.shape == (4,)


def test_shards_differ_from_uniform_and_refuse_misuse() -> None:
    kw = {
        "n_samples": 400,
        "n_pairs": 2,
        "n_steps": 60,
        "step_size": 0.05,
        "seed": 1,
    }
    model, data, proto = mlp([64, 8, 10]), load_net_data("digits"), Deng(4, 2)
    a = simulate_net_pairs(model, data, proto, sampling="uniform", **kw)
    b = simulate_net_pairs(model, data, proto, sampling="shards", **kw)
    assert not np.allclose(a.final, b.final)
    with pytest.raises(InvalidParameterError, match="sampling='sorted'"):
        simulate_net_pairs(model, data, proto, sampling="sorted", **kw)
    with pytest.raises(InvalidParameterError, match="replaced_on=1 needs"):
        simulate_net_pairs(model, data, proto, replaced_on=1, **kw)
