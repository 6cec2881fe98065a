"""JAX backend: float64 against the numba kernel and against plain-loop references."""

from __future__ import annotations

import numpy as np
import pytest

jax = pytest.importorskip("jax")

from empirical.problems._problem import make_problem  # noqa: E402
from empirical.schedules._delays import UniformDelay  # noqa: E402
from empirical.simulators.linear._runners import run_numba  # noqa: E402
from empirical.simulators.linear._simulate import _draw  # noqa: E402
from empirical.simulators.nets._backend import (  # noqa: E402
    compiled_steps,
    ring_from_flat,
    ring_slot_flat,
)
from empirical.simulators.nets._lenet import lenet  # noqa: E402
from empirical.simulators.nets._models import NetModel, cnn1d, flatten, linear, mlp  # noqa: E402
from tests._tolerances import RTOL_JAX_LOOP, RTOL_JAX_NUMBA  # noqa: E402


class _NoBar:
    def update(self, k: int) -> None:
        pass


def _run_backend(
    model: NetModel,
    X: np.ndarray,
    y: np.ndarray,
    rows: np.ndarray,
    w0: np.ndarray,
    pos: np.ndarray,
    tau: np.ndarray,
    eta: np.ndarray,
) -> np.ndarray:
    """One gradient per update on the compiled core, float64; final ``(R, p)``."""
    import jax.numpy as jnp

    P, T = pos.shape
    B = int(tau.max()) + 1
    with jax.enable_x64(True):
        ring = ring_from_flat(model, "float64", np.concatenate([w0, w0]), B)
        run = compiled_steps(model, "float64", B, None)
        ring, _ = run(
            ring,
            jnp.asarray(1, dtype="int32"),
            jnp.asarray(X),
            jnp.asarray(y),
            jnp.asarray(rows, dtype="int32"),
            jnp.asarray(pos.T[:, :, None, None], dtype="int32"),
            jnp.asarray(tau.T[:, :, None], dtype="int32"),
            jnp.ones((T, P, 1)),
            jnp.asarray(np.repeat(eta[None, :], P, 0).T),
        )
        return np.asarray(ring_slot_flat(ring, (T + 1) % B))


def _rows(perm: np.ndarray, j: np.ndarray, n: int) -> np.ndarray:
    P = perm.shape[0]
    rows = np.concatenate([perm[:, :n], perm[:, :n]])
    rows[P + np.arange(P), j] = perm[:, n]
    return rows


def test_float64_matches_numba_logistic_kernel() -> None:
    problem = make_problem("logistic", "breast_cancer", n_samples=100)
    P, T, n = 6, 400, problem.n_samples
    dr = _draw(problem, UniformDelay(5), T, P, seed=3)
    eta = np.full((P, T), 0.8)  # below 2/beta = 8 for R = 1
    rec = np.array([T], dtype=np.int64)
    W_nb, delta_nb, _ = run_numba(problem, dr, eta, rec, [(1, T + 1)], _NoBar())
    ds = problem.dataset
    W_jx = _run_backend(
        linear(ds.n_features),
        ds.X,
        np.asarray(ds.y, dtype=np.float64),
        _rows(dr.perm, dr.j, n),
        dr.w0,
        dr.idx,
        dr.delays,
        eta[0],
    )
    assert np.abs(W_nb).max() > 0.1  # the runs moved
    np.testing.assert_allclose(W_jx, W_nb, rtol=RTOL_JAX_NUMBA, atol=0)
    delta = np.linalg.norm(W_jx[:P] - W_jx[P:], axis=1)
    assert (delta_nb[:, -1] > 0).any()  # some pair drew the replaced index
    np.testing.assert_allclose(delta, delta_nb[:, -1], rtol=RTOL_JAX_NUMBA, atol=0)


def _plain_loop(
    model: NetModel,
    X: np.ndarray,
    y: np.ndarray,
    rows: np.ndarray,
    w0: np.ndarray,
    pos: np.ndarray,
    tau: np.ndarray,
    eta: np.ndarray,
) -> np.ndarray:
    """One model at a time, a list of past parameter pytrees, jax.grad per step."""
    import jax.numpy as jnp
    from jax.flatten_util import ravel_pytree

    P, T = pos.shape
    with jax.enable_x64(True):
        example = jax.tree_util.tree_map(
            lambda a: jnp.asarray(a, "float64"), model.init(jax.random.PRNGKey(0))
        )
        _, unravel = ravel_pytree(example)

        def loss(params, x, label):  # type: ignore[no-untyped-def]
            z = model.apply(params, x)
            return jax.nn.logsumexp(z) - z[label]

        grad = jax.jit(jax.grad(loss))
        out = []
        for r in range(2 * P):
            p = r % P
            hist = [unravel(jnp.asarray(w0[p]))]
            for t in range(1, T + 1):
                stale = hist[t - 1 - int(tau[p, t - 1])]
                row = int(rows[r, pos[p, t - 1]])
                g = grad(stale, jnp.asarray(X[row]), int(y[row]))
                hist.append(
                    jax.tree_util.tree_map(
                        lambda w, gi, e=eta[t - 1]: w - e * gi, hist[-1], g
                    )
                )
            out.append(np.asarray(ravel_pytree(hist[-1])[0]))
        return np.stack(out)


@pytest.mark.parametrize(
    ("model", "d"),
    [
        (mlp([12, 8, 3], activation="tanh"), 12),
        (cnn1d(12, 3, channels=2, kernel=3, hidden=4), 12),
        (lenet(3), 784),
    ],
    ids=["mlp", "cnn", "lenet"],
)
def test_float64_matches_plain_loop(model: NetModel, d: int) -> None:
    rng = np.random.default_rng(0)
    N, n, P, T, tau_max = 30, 20, 2, 40, 3
    X = rng.standard_normal((N, d))
    y = rng.integers(0, 3, N)
    perm = np.stack([rng.permutation(N) for _ in range(P)])
    j = rng.integers(0, n, P)
    pos = rng.integers(0, n, (P, T))
    pos[:, ::5] = j[:, None]  # make sure the replaced sample is drawn
    tau = np.minimum(rng.integers(0, tau_max + 1, (P, T)), np.arange(T)[None, :])
    eta = np.full(T, 0.1)
    with jax.enable_x64(True):
        fm = flatten(model, "float64")
        w0 = np.stack(
            [
                np.asarray(fm.init_flat(k))
                for k in jax.random.split(jax.random.PRNGKey(1), P)
            ]
        )
    rows = _rows(perm, j, n)
    got = _run_backend(model, X, y, rows, w0, pos, tau, eta)
    want = _plain_loop(model, X, y, rows, w0, pos, tau, eta)
    assert np.linalg.norm(got[:P] - got[P:]) > 1e-3  # the pairs differ
    np.testing.assert_allclose(got, want, rtol=RTOL_JAX_LOOP, atol=RTOL_JAX_LOOP)


def test_validation_and_missing_gpu() -> None:
    from bounds import InvalidParameterError
    from empirical.schedules._delays import ConstantDelay
    from empirical.schedules._protocols import OneStale
    from empirical.simulators.nets._datasets import load_net_data
    from empirical.simulators.nets._simulate import simulate_net_pairs

    data = load_net_data("digits")
    kw = {"n_samples": 50, "n_pairs": 2, "n_steps": 5, "step_size": 0.1, "seed": 0}
    proto = OneStale(ConstantDelay(1))
    with pytest.raises(InvalidParameterError, match="dtype="):
        simulate_net_pairs(mlp([64, 10]), data, proto, dtype="float16", **kw)
    with pytest.raises(InvalidParameterError, match="n_samples=1796"):
        simulate_net_pairs(mlp([64, 10]), data, proto, **{**kw, "n_samples": 1796})
    with pytest.raises(InvalidParameterError, match="step_size="):
        simulate_net_pairs(mlp([64, 10]), data, proto, **{**kw, "step_size": -1.0})
    if not any(d.platform == "gpu" for d in jax.devices()):
        with pytest.raises(InvalidParameterError, match="device='gpu'"):
            simulate_net_pairs(mlp([64, 10]), data, proto, device="gpu", **kw)
