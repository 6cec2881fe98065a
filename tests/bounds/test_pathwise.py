"""Level 3, the ideal property test (docs/theory.md, "Three levels"): simulate coupled delayed-SGD runs
with a plain loop and check the realised divergence never exceeds the pathwise bound.

Models (features ||x|| <= 1, labels y in {-1, +1}):
logistic log(1 + exp(-y w.x)): convex, L = 1, beta = 1/4 ([H-cvx], [D-cvx]);
logistic + (lam/2)||w||^2, projected onto ||w|| <= 1: lam-strongly convex,
L = 1 + lam, beta = 1/4 + lam ([H-scvx]); sigmoid 1/(1 + exp(y w.x)): nonconvex,
L = 1/4, beta = 1/(6 sqrt 3) ([H-ncvx], [R-ncvx], [D-ncvx]).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bounds import THEOREMS, Theorem, pathwise_bound
from bounds.strategies import coupled_runs
from tests._tolerances import ATOL_PATHWISE, RTOL_PATHWISE

DIM = 3
LAM = 0.5  # strong-convexity modulus of the regularised logistic loss


def _sigmoid(u: float) -> float:
    return 0.5 * (1 + math.tanh(u / 2))  # overflow-free logistic function


def grad(kind: str, w: np.ndarray, x: np.ndarray, y: float) -> np.ndarray:
    u = y * float(w @ x)
    if kind == "sigmoid":  # d/dw 1/(1 + exp(u)) = -s(u)(1 - s(u)) y x
        s = _sigmoid(u)
        return -s * (1 - s) * y * x
    g = -_sigmoid(-u) * y * x  # logistic
    return g + LAM * w if kind == "ridge" else g


def model(theorem: Theorem) -> tuple[str, float, float, float | None]:
    """(kind, L, beta, gamma) with the exact constants of the table above."""
    if theorem.recursion in ("convex", "workers_convex"):
        return "logistic", 1.0, 0.25, None
    if theorem.recursion == "strongly_convex":
        return "ridge", 1.0 + LAM, 0.25 + LAM, LAM
    return "sigmoid", 0.25, 1 / (6 * math.sqrt(3)), None


def simulate(
    kind: str,
    X: np.ndarray,
    Y: np.ndarray,
    x_new: np.ndarray,
    y_new: float,
    idx: list[int],
    eta: np.ndarray,
    tau: np.ndarray,
) -> np.ndarray:
    """delta after each of T updates of coupled runs on S and S' (index 0 differs)."""
    X2, Y2 = X.copy(), Y.copy()
    X2[0], Y2[0] = x_new, y_new
    w, v = [np.zeros(DIM)], [np.zeros(DIM)]  # w[s-1] is w_s; same start
    out = []
    for t in range(1, len(eta) + 1):
        s = max(t - int(tau[t - 1]), 1)  # stale iterate; negative index reads w_1
        i = idx[t - 1]
        a = w[-1] - eta[t - 1] * grad(kind, w[s - 1], X[i], Y[i])
        b = v[-1] - eta[t - 1] * grad(kind, v[s - 1], X2[i], Y2[i])
        if kind == "ridge":  # projection onto the unit ball
            a, b = a / max(1.0, np.linalg.norm(a)), b / max(1.0, np.linalg.norm(b))
        w.append(a)
        v.append(b)
        out.append(np.linalg.norm(a - b))
    return np.array(out)


def unit_vectors(k: int) -> st.SearchStrategy[np.ndarray]:
    vec = st.lists(st.floats(-1.0, 1.0), min_size=DIM, max_size=DIM).map(np.array)
    return st.lists(vec, min_size=k, max_size=k).map(
        lambda vs: np.array([x / max(1.0, np.linalg.norm(x)) for x in vs])
    )


@pytest.mark.parametrize("theorem", list(THEOREMS.values()), ids=lambda t: t.key)
@given(data=st.data())
def test_realised_divergence_never_exceeds_pathwise_bound(
    theorem: Theorem, data: st.DataObject
) -> None:
    kind, L, beta, gamma = model(theorem)
    run = data.draw(coupled_runs(theorem, max_n_steps=30, max_delay=5, smoothness=beta))
    if kind == "sigmoid":
        run["step_sizes"] = np.minimum(run["step_sizes"], 50.0)  # keeps w moderate
    n = data.draw(st.integers(2, 6))
    X = data.draw(unit_vectors(n + 1))
    Y = np.array(
        data.draw(
            st.lists(st.sampled_from([-1.0, 1.0]), min_size=n + 1, max_size=n + 1)
        )
    )
    others = data.draw(
        st.lists(
            st.integers(1, n - 1), min_size=len(run["hits"]), max_size=len(run["hits"])
        )
    )
    idx = [0 if h else j for h, j in zip(run["hits"], others, strict=True)]
    delta = simulate(
        kind, X[:n], Y[:n], X[n], Y[n], idx, run["step_sizes"], run["delays"]
    )
    bound = pathwise_bound(
        theorem,
        step_sizes=run["step_sizes"],
        delays=run["delays"],
        hits=run["hits"],
        lipschitz=L,
        smoothness=beta,
        strong_convexity=gamma,
    )
    excess = delta - bound * (1 + RTOL_PATHWISE) - ATOL_PATHWISE
    assert (excess <= 0).all(), (delta, bound)


def test_no_hit_means_no_divergence() -> None:
    b = pathwise_bound(
        THEOREMS["delayed-ncvx"],
        step_sizes=np.full(5, 0.1),
        delays=np.full(5, 2),
        hits=np.zeros(5, bool),
        lipschitz=1,
        smoothness=1,
    )
    assert (b == 0).all()


def test_record_steps_selects_columns() -> None:
    kw = dict(
        step_sizes=np.full(4, 0.1),
        delays=np.array([0, 1, 1, 2]),
        hits=np.array([True, False, True, False]),
        lipschitz=1.0,
        smoothness=1.0,
    )
    full = pathwise_bound(THEOREMS["delayed-cvx"], **kw)
    part = pathwise_bound(THEOREMS["delayed-cvx"], record_steps=[2, 4], **kw)
    np.testing.assert_array_equal(part, full[[1, 3]])
