"""The excess risk of [DSL-excess]: weighted average, certified minimiser, verdicts.

Deng et al. 2024, Theorem 3 bound ``E[F(wbar_K) - F(w*)]`` for
``wbar_K = sum_{k=1}^K eta_k w_k / sum_k eta_k`` (``w_1`` the start, ``K`` updates);
``F`` is the risk on the data pool and ``w*`` its minimiser over the ball.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import minimize

from bounds import REGISTRY
from bounds._schedules import resolve_step_sizes
from empirical.measurement._estimate import estimate_mean
from empirical.measurement._excess import (
    OPTIMUM_TARGET,
    _certificate,
    excess_samples,
    pool_optimum,
    pool_risk,
)
from empirical.measurement._measure import Measurement, measure
from empirical.measurement._table import format_table, table_rows
from empirical.measurement._verdict import measured_quantity, verify
from empirical.problems._data import Dataset
from empirical.problems._losses import LeastSquares, RegLogistic
from empirical.problems._problem import Problem, make_problem
from empirical.runs._suite import build_suite
from empirical.runs._sweep import load_results, run_task
from empirical.schedules._delays import ConstantDelay, UniformDelay
from empirical.simulators.linear._simulate import _draw, simulate_pairs
from tests._tolerances import ATOL_AVERAGE, ATOL_SCIPY_OPT, RTOL_AVERAGE, RTOL_BALL
from tests.empirical._reference import _project, ref_grad


def _plain_average(problem, *, step_size, delay, n_steps, n_pairs, seed):
    """Projected delayed SGD on S with the full history, and its weighted average."""
    dr = _draw(problem, delay, n_steps, n_pairs, seed)
    eta = resolve_step_sizes(step_size, n_steps=n_steps, delays=dr.delays)
    X, Y, n = problem.dataset.X, problem.dataset.y, problem.n_samples
    out = []
    for p in range(n_pairs):
        rows = [int(r) for r in dr.perm[p, :n]]
        hist = [dr.w0[p].copy()]  # hist[k - 1] = w_k
        for t in range(1, n_steps + 1):
            z = rows[int(dr.idx[p, t - 1])]
            g = ref_grad(
                problem.loss, hist[t - 1 - int(dr.delays[p, t - 1])], X[z], Y[z]
            )
            hist.append(_project(hist[-1] - eta[p, t - 1] * g, problem.diameter))
        num = sum(eta[p, k - 1] * hist[k - 1] for k in range(1, n_steps + 1))
        out.append(num / eta[p].sum())
    return np.array(out), hist


@pytest.fixture(scope="module")
def small_ball():
    return make_problem("logistic-l2", "breast_cancer", n_samples=30, diameter=0.6)


@pytest.mark.parametrize("backend", ["numba", "numpy"])
def test_weighted_average_matches_plain_loop(small_ball, backend):
    kw = dict(step_size=1.5, delay=UniformDelay(4), n_steps=120, n_pairs=3, seed=7)
    s = simulate_pairs(small_ball, backend=backend, **kw)
    ref, _ = _plain_average(small_ball, **kw)
    assert s.average_iterates is not None
    np.testing.assert_allclose(
        s.average_iterates, ref, rtol=RTOL_AVERAGE, atol=ATOL_AVERAGE
    )


@pytest.mark.parametrize("backend", ["numba", "numpy"])
def test_average_starts_at_w1_and_leaves_out_the_last_iterate(small_ball, backend):
    # One update: wbar_1 = w_1 (the start, 0), not w_2.
    kw = dict(step_size=1.0, delay=ConstantDelay(0), n_pairs=1, seed=0)
    one = simulate_pairs(small_ball, n_steps=1, backend=backend, **kw)
    assert one.average_iterates is not None
    assert one.final_iterates is not None
    assert (one.average_iterates == 0).all()
    assert np.abs(one.final_iterates[0]).max() > 0  # w_2 moved
    # Two updates at a constant step: (eta w_1 + eta w_2) / (2 eta) = w_2 / 2.
    two = simulate_pairs(small_ball, n_steps=2, backend=backend, **kw)
    _, hist = _plain_average(small_ball, n_steps=2, **kw)
    assert np.abs(hist[1]).max() > 0
    assert np.abs(hist[2] - hist[1]).max() > 0
    np.testing.assert_allclose(
        two.average_iterates[0], hist[1] / 2, rtol=RTOL_AVERAGE, atol=ATOL_AVERAGE
    )


def test_unprojected_runs_have_no_average_and_no_excess():
    pr = make_problem("logistic", "breast_cancer", n_samples=50)
    s = simulate_pairs(
        pr, step_size=0.5, delay=ConstantDelay(0), n_steps=50, n_pairs=4, seed=0
    )
    assert s.average_iterates is None
    m = measure(s)
    assert m.excess_risk is None
    assert "excess_risk" not in m.to_dict()
    est, reason = measured_quantity(REGISTRY["deng-excess"], m)
    assert est is None
    assert "projected" in reason


def _tiny(loss, rho, *, d=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((14, d))
    X /= np.linalg.norm(X, axis=1).max()
    if loss.task == "binary":
        y = np.where(
            X @ rng.standard_normal(d) + 0.3 * rng.standard_normal(14) > 0, 1.0, -1.0
        )
    else:
        y = X @ (3 * rng.standard_normal(d)) + 0.1 * rng.standard_normal(14)
    ds = Dataset(
        f"tiny-{seed}", X, y, 1.0, loss.task, 2 if loss.task == "binary" else 0
    )
    return Problem(
        ds,
        loss,
        10,
        1.0,
        1.0,
        None,
        True,
        False,
        "test",
        2 * rho,
        getattr(loss, "strong_convexity", None),
    )


#: An interior optimum (strongly convex, large ball) and a boundary one (least
#: squares whose unconstrained minimiser lies far outside a small ball).
CASES = [(RegLogistic(strong_convexity=0.3), 5.0), (LeastSquares(), 0.5)]


@pytest.mark.parametrize(("loss", "rho"), CASES, ids=["interior", "boundary"])
def test_ball_minimiser_against_scipy(loss, rho):
    pr = _tiny(loss, rho)
    opt = pool_optimum(pr)
    assert opt is not None
    assert np.linalg.norm(opt.w) <= rho * (1 + RTOL_BALL)
    assert opt.accuracy <= OPTIMUM_TARGET  # the solver's target met on this problem
    f = lambda w: float(pool_risk(pr, w[None, :])[0])  # noqa: E731
    best = math.inf
    for start in np.random.default_rng(1).standard_normal((5, pr.dim)):
        res = minimize(
            f,
            rho * start / np.linalg.norm(start) / 2,
            method="SLSQP",
            constraints=[{"type": "ineq", "fun": lambda w: rho**2 - w @ w}],
            options={"ftol": 1e-14, "maxiter": 1000},
        )
        if np.linalg.norm(res.x) <= rho * (1 + 1e-9):
            best = min(best, float(res.fun))
    assert math.isfinite(best)
    # the certificate: nothing feasible lies below F(w_hat) - eps ...
    assert best >= opt.risk - opt.accuracy - ATOL_SCIPY_OPT
    # ... and the solver is not worse than scipy
    assert opt.risk <= best + ATOL_SCIPY_OPT
    # ||w_1 - w*|| <= the bound: w_1 = 0, and w* within sqrt(2 eps / mu) of w_hat;
    # strong convexity makes it informative inside, on the boundary it is rho
    assert opt.init_distance >= np.linalg.norm(opt.w)
    if np.linalg.norm(opt.w) < rho / 2:
        assert opt.init_distance < rho
    else:
        assert opt.init_distance == rho


@pytest.mark.parametrize(("loss", "rho"), CASES, ids=["interior", "boundary"])
def test_ball_minimiser_against_a_grid_in_2d(loss, rho):
    pr = _tiny(loss, rho, d=2, seed=3)
    opt = pool_optimum(pr)
    assert opt is not None
    r = np.linspace(0, rho, 400)
    a = np.linspace(0, 2 * np.pi, 2000, endpoint=False)
    W = (r[:, None, None] * np.stack([np.cos(a), np.sin(a)], -1)[None]).reshape(-1, 2)
    vals = pool_risk(pr, W)
    # every grid point is feasible: none below F(w*) >= F(w_hat) - eps
    assert vals.min() >= opt.risk - opt.accuracy - ATOL_SCIPY_OPT
    # the grid is within h of every point of the ball, and |grad F| <= G there
    h = max(r[1], rho * (a[1] - a[0]))
    R = float(np.linalg.norm(pr.dataset.X, axis=1).max())
    G = pr.loss.lipschitz(
        R, ball_radius=rho, label_bound=float(np.abs(pr.dataset.y).max())
    )
    assert opt.risk <= vals.min() + G * h


def test_certificate_bounds_the_suboptimality_of_any_point():
    pr = _tiny(LeastSquares(), 0.5, seed=5)
    opt = pool_optimum(pr)
    assert opt is not None
    rng = np.random.default_rng(2)
    for _ in range(20):
        w = rng.standard_normal(pr.dim)
        w *= 0.5 * rng.uniform() / np.linalg.norm(w)
        sub = float(pool_risk(pr, w[None, :])[0]) - opt.risk
        # F(w) - F(w*) <= gap(w), and F(w*) >= F(w_hat) - eps
        assert sub <= _certificate(pr, w, 0.5) + opt.accuracy


@pytest.fixture(scope="module")
def dsl_run():
    pr = make_problem("logistic", "breast_cancer", n_samples=100, diameter=4.0)
    return simulate_pairs(
        pr, step_size=0.5, delay=ConstantDelay(2), n_steps=300, n_pairs=30, seed=0
    )


def test_excess_is_at_least_minus_eps(dsl_run):
    ex = excess_samples(dsl_run)
    assert ex is not None
    samples, opt = ex
    assert samples.shape == (30,)
    assert (samples >= -opt.accuracy).all(), (samples.min(), opt.accuracy)


def test_measured_excess_and_its_interval(dsl_run):
    m = measure(dsl_run)
    samples, opt = excess_samples(dsl_run)
    plain = estimate_mean(samples)
    assert m.excess_risk is not None
    assert m.excess_risk.mean == plain.mean
    assert m.excess_risk.low == plain.low
    assert m.excess_risk.high == plain.high + opt.accuracy  # eps only widens upward
    assert m.optimal_risk == opt.risk
    assert m.init_distance == opt.init_distance
    d = json.loads(json.dumps(m.to_dict()))
    assert d["excess_risk"]["mean"] == m.excess_risk.mean
    assert d["optimal_risk_accuracy"] == opt.accuracy


def test_measured_quantity_maps_excess_risk(dsl_run):
    m = measure(dsl_run)
    th = REGISTRY["deng-excess"]
    est, name = measured_quantity(th, m)
    assert est == m.excess_risk
    assert name == "excess risk"
    v = verify(dsl_run, th, measurement=m)
    assert v.status in ("holds", "inconclusive", "violated"), v.reason
    assert v.quantity == "excess risk"
    assert v.measured == m.excess_risk
    assert v.params["optimal_risk"] == m.optimal_risk
    assert v.params["init_distance"] == m.init_distance
    assert v.gap_status is None
    # the other [DSL-*] bounds name the same w*: they get the same certified values
    cvx = verify(dsl_run, REGISTRY["deng-cvx"], measurement=m)
    assert cvx.params["optimal_risk"] == m.optimal_risk
    assert cvx.params["init_distance"] == m.init_distance


def test_quick_suite_has_dsl_excess_rows():
    tasks = [
        t for t in build_suite(quick=True) if t.tag == "dsl-tau" and t.max_delay == 0
    ]
    assert tasks
    rec = run_task(tasks[0])
    v = next(v for v in rec["verdicts"] if v["theorem"] == "deng-excess")
    assert v["status"] != "not applicable", v["reason"]
    assert "excess_risk" in rec["samples"]
    rows = [r for r in table_rows([rec]) if r["key"] == "deng-excess"]
    assert len(rows) == 1
    assert rows[0]["bound_over_average"] > 0
    assert "measured: excess risk" in rows[0]["flags"]
    assert "[DSL-excess]" in format_table(rows, markdown=True)


def test_old_results_without_the_excess_risk_load(tmp_path: Path, dsl_run):
    task = next(t for t in build_suite(quick=True) if t.tag == "dsl-tau")
    rec = run_task(task)
    # a record as written before the excess risk was measured
    for k in ("excess_risk", "optimal_risk", "optimal_risk_accuracy", "init_distance"):
        rec["measurement"].pop(k)
    rec["samples"].pop("excess_risk")
    for v in rec["verdicts"]:
        if v["theorem"] == "deng-excess":
            v.update(
                status="not applicable",
                measured=None,
                reason="expected excess risk is not measured by the harness",
            )
    path = tmp_path / "results.jsonl"
    path.write_text(json.dumps(rec) + "\n")
    loaded = load_results(path)
    rows = table_rows(list(loaded.values()))
    assert any(
        r["key"] == "deng-excess" and r["status"] == "not applicable" for r in rows
    )
    assert Measurement.__dataclass_fields__["excess_risk"].default is None


def test_varying_step_uses_the_recursion_for_dsl_excess():
    """[DSL-excess]'s closed form is not monotone in eta (its optimisation term
    ||w_1 - w*||^2 / sum eta_k falls as the step grows): on a run whose step varies
    its value at max eta_t is no bound, so the verdict uses the level-2 recursion on
    the realised sequences. The monotone [DSL-cvx] keeps its closed form."""
    pr = make_problem("logistic", "breast_cancer", n_samples=100, diameter=4.0)
    eta = np.linspace(0.4, 0.05, 300)  # non-increasing, <= 1/(2 beta)
    run = simulate_pairs(
        pr, step_size=eta, delay=ConstantDelay(2), n_steps=300, n_pairs=20, seed=1
    )
    m = measure(run)
    v = verify(run, REGISTRY["deng-excess"], measurement=m)
    assert v.status in ("holds", "inconclusive", "violated"), v.reason
    assert v.bound == v.recursion
    assert "varying step: level-2 recursion is the bound" in v.flags
    cvx = verify(run, REGISTRY["deng-cvx"], measurement=m)
    assert "varying step: level-2 recursion is the bound" not in cvx.flags
    const = verify(
        simulate_pairs(
            pr, step_size=0.4, delay=ConstantDelay(2), n_steps=300, n_pairs=5, seed=1
        ),
        REGISTRY["deng-excess"],
    )
    assert "varying step: level-2 recursion is the bound" not in const.flags


def test_init_distance_follows_the_runs_starts(small_ball):
    """A start away from 0 (a user's Draws) moves ||w_1 - w*||: the bound uses the
    run's actual starts, and stays an upper bound on the distance to w_hat."""
    from empirical.measurement._excess import init_distance

    opt = pool_optimum(small_ball)
    r = float(small_ball.diameter)
    assert init_distance(opt, None, r) == opt.init_distance
    zero = np.zeros((3, small_ball.dim))
    assert init_distance(opt, zero, r) == pytest.approx(opt.init_distance)
    far = np.zeros((3, small_ball.dim))
    far[1] = -opt.w / max(np.linalg.norm(opt.w), 1e-12) * (r / 4)  # opposite side
    d = init_distance(opt, far, r)
    # ||w_1|| + r/2 is attained here (w_hat on the sphere, opposite the start): the
    # two sides differ by the rounding of two norms, hence 1e-12 relative.
    assert d >= np.linalg.norm(far[1] - opt.w) * (1 - 1e-12)
    assert d > init_distance(opt, zero, r)
    assert d <= r
