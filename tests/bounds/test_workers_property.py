"""The pathwise bounds of [D-ncvx-W] and [D-cvx-W] on simulated coupled runs of
the general protocol (docs/theory.md, part 3), over adversarial schedules.

Hypothesis draws the structure of a schedule (workers, batch size, delays at
their extremes, clusters of steps that draw the replaced sample, idle
stretches, a clip at a small threshold) and a seed for the rest; the coupled
runs are simulated here in plain numpy on two linear losses with exact
constants (``||x|| <= 1``): logistic (convex, ``L = 1``, ``beta = 1/4``) and
sigmoid (nonconvex, in ``[0, 1]``, ``L = 1/4``, ``beta = 1/(6 sqrt 3)``). Any
``delta_t`` above its bound beyond rounding is a bug.

The thorough profile (``HYPOTHESIS_PROFILE=thorough``) runs 10,000 schedules per
protocol and loss.
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bounds import THEOREMS, pathwise_bound
from tests._tolerances import ATOL_PATHWISE, RTOL_PATHWISE

DIM = 3
#: Added to the norm before clipping, as in the simulators and the published code.
CLIP_EPS = 1e-6
EXAMPLES = 10_000 if os.environ.get("HYPOTHESIS_PROFILE") == "thorough" else 100
LOSSES = {  # name: (L, beta, theorem)
    "logistic": (1.0, 0.25, "delayed-cvx-workers"),
    "sigmoid": (0.25, 1 / (6 * math.sqrt(3)), "delayed-ncvx-workers"),
}


def grad(kind: str, w: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Gradients at ``w`` of the loss on rows ``x`` (``(..., DIM)``)."""
    m = y * (x @ w)
    if kind == "logistic":  # log(1 + exp(-m))
        s = -0.5 * (1 - np.tanh(m / 2))  # -1 / (1 + exp(m)), overflow-free
    else:  # sigmoid loss 1 / (1 + exp(m)): derivative -e/(1+e)^2
        s = -0.25 / np.cosh(m / 2) ** 2
    return (s * y)[..., None] * x


def schedule(protocol: str, draw: Any, rng: np.random.Generator) -> dict[str, Any]:
    """Weights (T, K), delays (T, K) and the batch size of one adversarial run."""
    T = draw(st.integers(1, 40))
    b = draw(st.integers(1, 4))
    if protocol == "a":  # one minibatch gradient per update, any delays
        a = np.ones((T, 1))
        big = draw(st.integers(0, 8))
        d = (
            rng.choice([0, big], size=(T, 1))
            if draw(st.booleans())
            else np.full((T, 1), big)
        )
    elif protocol == "b":  # Regatti: W workers averaged, fixed per-worker delays
        W = draw(st.integers(2, 6))
        D = draw(st.integers(0, 12))
        dw = rng.integers(0, D + 1, size=W)
        dw[0], dw[1] = D, 0
        a, d = np.full((T, W), 1.0 / W), np.broadcast_to(dw, (T, W)).copy()
    else:  # Deng: W workers of periods d_m, summed; idle steps when W < d_m
        W = draw(st.integers(1, 6))
        dmax = draw(st.integers(1, 12))
        per = np.full(W, dmax)
        if draw(st.booleans()):  # "random" delays: 0 at dmax, 1 at 1, others uniform
            per = rng.integers(1, dmax + 1, size=W)
            per[0] = dmax
            if W > 1:
                per[1] = 1
        s = np.arange(T)[:, None]
        a = ((s - np.arange(W)[None, :]) % per[None, :] == 0).astype(float)
        d = np.broadcast_to(per - 1, (T, W)).copy()
    return {"a": a, "d": np.minimum(d, np.arange(T)[:, None]), "b": b}


def positions(draw: Any, rng: np.random.Generator, shape: tuple, n: int) -> Any:
    """Minibatch positions; position 0 is the replaced sample. Hits come
    sparse, dense, or in a cluster of consecutive steps."""
    rate = draw(st.sampled_from([0.0, 0.02, 0.2, 0.5, 1.0]))
    pos = rng.integers(1, n, size=shape)
    hit = rng.random(shape) < rate
    if draw(st.booleans()):  # a cluster: every slot of steps t1..t2 hits
        t1 = draw(st.integers(0, shape[0] - 1))
        t2 = draw(st.integers(t1, shape[0] - 1))
        hit[t1 : t2 + 1] = True
    return np.where(hit, 0, pos)


def simulate(kind: str, X, Y, xz, yz, sch, pos, eta, clip) -> np.ndarray:  # type: ignore[no-untyped-def]
    """``delta_t`` after each update of the coupled runs on S and S'."""
    X2, Y2 = X.copy(), Y.copy()
    X2[0], Y2[0] = xz, yz
    a, d, b = sch["a"], sch["d"], sch["b"]
    w, v = [np.zeros(DIM)], [np.zeros(DIM)]
    out = []
    for t in range(len(eta)):
        steps = []
        for it, Xs, Ys in ((w, X, Y), (v, X2, Y2)):
            u = np.zeros(DIM)
            for m in range(a.shape[1]):
                if a[t, m] == 0:
                    continue
                stale = it[t - d[t, m]]
                rows = pos[t, m]
                u += a[t, m] * grad(kind, stale, Xs[rows], Ys[rows]).sum(0) / b
            if clip is not None:
                u = u * min(1.0, clip / (np.linalg.norm(u) + CLIP_EPS))
            steps.append(it[t] - eta[t] * u)
        w.append(steps[0])
        v.append(steps[1])
        out.append(np.linalg.norm(steps[0] - steps[1]))
    return np.array(out)


@pytest.mark.parametrize("loss", sorted(LOSSES))
@pytest.mark.parametrize("protocol", ["a", "b", "c"])
@settings(max_examples=EXAMPLES)
@given(data=st.data(), seed=st.integers(0, 2**32 - 1))
def test_pathwise_bound_never_exceeded(
    protocol: str, loss: str, data: st.DataObject, seed: int
) -> None:
    L, beta, key = LOSSES[loss]
    theorem = THEOREMS[key]
    rng = np.random.default_rng(seed)
    sch = schedule(protocol, data.draw, rng)
    T, K = sch["a"].shape
    n = data.draw(st.integers(2, 8))
    X = rng.normal(size=(n, DIM))
    X /= np.maximum(1.0, np.linalg.norm(X, axis=1))[:, None] * rng.uniform(
        1.0, 2.0, size=(n, 1)
    )  # ||x|| <= 1, some on the sphere's inside
    Y = rng.choice([-1.0, 1.0], size=n)
    xz = rng.normal(size=DIM)
    xz /= max(1.0, float(np.linalg.norm(xz)))
    yz = float(rng.choice([-1.0, 1.0]))
    pos = positions(data.draw, rng, (T, K, sch["b"]), n)
    frac = data.draw(st.sampled_from([1.0, 0.5]) | st.floats(1e-3, 1.0))
    clip = None
    if theorem.recursion == "workers_convex":  # constant step at eta K_t beta <= 2
        eta = np.full(T, frac * 2 / (beta * max(1.0, sch["a"].sum(1).max())))
    else:
        c = data.draw(st.floats(0.01, 100.0))
        eta = c / np.arange(1, T + 1)
        if protocol == "b" or data.draw(st.booleans()):
            clip = data.draw(st.sampled_from([1e-3, 0.1, 1.0]))
    delta = simulate(loss, X, Y, xz, yz, sch, pos, eta, clip)
    bound = pathwise_bound(
        theorem,
        step_sizes=eta,
        weights=sch["a"],
        delays=sch["d"],
        hits=(pos == 0).sum(-1),
        batch_size=sch["b"],
        lipschitz=L,
        smoothness=beta,
        clip=clip,
    )
    excess = delta - bound
    assert (excess <= RTOL_PATHWISE * bound + ATOL_PATHWISE).all(), (
        float(excess.max()),
        int(np.argmax(excess)),
    )
