"""Every public function refuses a wrong-typed argument by name (issue 28, item 3).

Generated: for each function of ``bounds.__all__`` and ``empirical.__all__``
(classes are constructors whose ``__post_init__`` validates; they are not
listed here), each argument of its signature is given a value of the wrong type
while the others keep a valid value from :data:`VALID`, and the call must raise
the package's :class:`~bounds.InvalidParameterError` naming the argument (a
string where a protocol is expected gave a bare ``AttributeError``). A new
public function fails :func:`test_every_public_function_has_a_valid_call` until
it gets a valid call here (or a reasoned entry in :data:`SKIP`).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import bounds
import empirical
from bounds import InvalidParameterError


class _Wrong:
    """A value of no type any argument takes (its repr names it in messages)."""

    def __repr__(self) -> str:
        return "<wrong>"


WRONG = _Wrong()


def _functions() -> dict[str, Callable[..., Any]]:
    out = {}
    for module in (bounds, empirical):
        for name in module.__all__:
            obj = getattr(module, name)
            if callable(obj) and not isinstance(obj, type):
                out[f"{module.__name__}.{name}"] = obj
    return out


FUNCTIONS = _functions()

#: Arguments that messages name otherwise, and why.
ALIASES: dict[tuple[str, str], str] = {
    # the key of a theorem is named as the CLI's --theorem names it
    ("bounds.get_theorem", "key"): "theorem",
}

#: Functions that cannot be called here, and why.
SKIP: dict[str, str] = {
    "empirical.run_ps": "starts a Ray cluster and a parameter server; its config "
    "is a PSConfig, whose constructor validates every field",
}


def _valid(tmp: Path) -> dict[str, tuple[tuple[Any, ...], dict[str, Any]]]:
    """A valid call of each function: positional and keyword arguments."""
    from bounds import THEOREMS, get_theorem
    from empirical import (
        ConstantDelay,
        OneStale,
        UniformDelay,
        load_dataset,
        make_problem,
        make_tasks,
    )

    cvx = THEOREMS["hardt-cvx"]
    problem = make_problem("logistic", "breast_cancer", n_samples=20)
    results = tmp / "r.jsonl"
    results.write_text("")
    deng = next(t for t in bounds.REGISTRY.values() if t.recursion == "deng")
    consts = {"lipschitz": 1.0, "smoothness": 1.0, "n_samples": 100}
    return {
        "bounds.citation": (("hardt2016",), {}),
        "bounds.compare": (("convex-smooth",), {"step_size": 0.1}),
        "bounds.constant": ((0.1,), {}),
        "bounds.decaying": ((1.0,), {}),
        "bounds.inverse_sqrt": ((0.1,), {}),
        "bounds.rule_tau": ((0.1, 2), {}),
        "bounds.rule_tau_decaying": ((1.0, 2), {}),
        "bounds.staleness_adaptive": ((0.1,), {}),
        "bounds.get_rate": ((next(iter(bounds.RATES)),), {}),
        "bounds.get_theorem": (("hardt-cvx",), {}),
        "bounds.max_step_size": ((cvx, 0.1), {**consts, "n_steps": 10}),
        "bounds.min_samples": (
            (cvx, 0.1),
            {"lipschitz": 1.0, "smoothness": 1.0, "n_steps": 10, "step_size": 0.1},
        ),
        "bounds.recursion_bound": ((cvx,), {**consts, "step_sizes": np.full(5, 0.1)}),
        "bounds.pathwise_bound": (
            (cvx,),
            {**consts, "step_sizes": np.full(5, 0.1), "hits": np.zeros(5, bool)},
        ),
        "bounds.deng_recursion_bound": (
            (deng,),
            {
                "step_sizes": np.full(5, 0.1),
                "n_samples": 100,
                "smoothness": 1.0,
                "diameter": 1.0,
            },
        ),
        "bounds.plot_comparison": (
            (
                bounds.compare(
                    "convex-smooth",
                    grid=[{"max_delay": 0}, {"max_delay": 2}],
                    step_size=0.1,
                    lipschitz=1,
                    smoothness=1,
                    n_samples=100,
                    n_steps=100,
                ),
                "max_delay",
                tmp / "p.png",
            ),
            {},
        ),
        "bounds.protocol_constants": ((4, "mean"), {"max_delay": 2}),
        "bounds.resolve_step_sizes": ((0.1,), {"n_steps": 5}),
        "empirical.affine": ((4, 3), {}),
        "empirical.cnn1d": ((40, 10), {}),
        "empirical.lenet": ((), {}),
        "empirical.mlp": (([4, 8, 2],), {}),
        "empirical.softmax_ball": ((4, 3), {}),
        "empirical.tanh_ball": ((4, 3), {"hidden": 2}),
        "empirical.applicable_theorems": ((OneStale(UniformDelay(2)),), {}),
        "empirical.bootstrap_slope": (
            ([1.0, 2.0, 4.0], np.ones((3, 4))),
            {"n_resamples": 10},
        ),
        "empirical.build_suite": ((), {"quick": True, "losses": ["huber"]}),
        "empirical.deng_worker_delays": ((4, 2), {}),
        "empirical.estimate_constants": (
            (problem.loss, load_dataset("breast_cancer")),
            {
                "rng": np.random.default_rng(0),
                "n_points": 8,
                "n_power_iter": 2,
                "n_trajectories": 1,
                "n_train_steps": 2,
            },
        ),
        "empirical.estimate_mean": (([1.0, 2.0, 3.0],), {}),
        "empirical.estimate_means": ((np.ones((3, 2)),), {}),
        "empirical.evaluate_trace": (
            ("example:PIAG_sun_MNIST",),
            {"n_samples": 50, "n_steps": 10, "n_pairs": 2},
        ),
        "empirical.example_trace": (("PIAG_sun_MNIST",), {}),
        "empirical.fidelity_table": (("regatti2019",), {}),
        "empirical.fit_slope": (
            ([1.0, 2.0, 4.0], [empirical.estimate_mean([1.0, 2.0, 3.0])] * 3),
            {},
        ),
        "empirical.held_fixed": (((2, 3),), {}),
        "empirical.max_arrivals": (((2, 3), 10), {}),
        "empirical.load_dataset": (("breast_cancer",), {}),
        "empirical.load_net_data": (("mnist1d",), {"n_points": 100}),
        "empirical.load_results": ((results,), {}),
        "empirical.make_delay": (("uniform:2",), {}),
        "empirical.make_executor": (("serial",), {}),
        "empirical.make_problem": (("logistic", "breast_cancer"), {"n_samples": 20}),
        "empirical.make_tasks": (({"n_steps": 5}, {"max_delay": [0, 1]}), {}),
        "empirical.measure": ((_stats(problem),), {}),
        "empirical.model_stability": (([0.1, 0.2, 0.3],), {}),
        "empirical.parse_grid": ((["tau=0,1"],), {}),
        "empirical.regatti_worker_delays": ((4, 2), {}),
        "empirical.reproduce": (("regatti2019", tmp / "rep"), {"quick": True}),
        "empirical.simulate_draws": (
            (problem, _draws(problem)),
            {"step_size": 0.1, "max_delay": 1},
        ),
        "empirical.simulate_net_pairs": (
            (
                empirical.mlp([10, 4, 10]),
                empirical.load_net_data("mnist1d", n_points=100),
                OneStale(ConstantDelay(0)),
            ),
            {"n_samples": 20, "n_pairs": 2, "n_steps": 2, "step_size": 0.1, "seed": 0},
        ),
        "empirical.simulate_pairs": (
            (problem,),
            {
                "step_size": 0.1,
                "delay": UniformDelay(1),
                "n_steps": 5,
                "n_pairs": 2,
                "seed": 0,
            },
        ),
        "empirical.run_your_model": (
            (_USER_MODEL, *_user_arrays()),
            {
                "loss": "cross_entropy",
                "protocol": OneStale(ConstantDelay(0)),
                "n_samples": 10,
                "n_pairs": 2,
                "n_steps": 2,
                "step_size": 0.1,
            },
        ),
        "empirical.estimate_model_constants": (
            (_USER_MODEL, *_user_arrays(), "cross_entropy"),
            {"n_points": 4, "n_params": 1, "n_power_iter": 1},
        ),
        "empirical.sweep": ((make_tasks({"n_steps": 5, "n_pairs": 2}, {}),), {}),
        "empirical.verify": ((_stats(problem), get_theorem("delayed-cvx")), {}),
        "empirical.worst_case_stability": (
            (problem,),
            {
                "step_size": 0.1,
                "delay": UniformDelay(1),
                "n_steps": 5,
                "seed": 0,
                "n_select": 2,
                "n_report": 2,
            },
        ),
        "empirical.write_report": ((tmp / "rep2", []), {"config": {}, "wall_s": 1.0}),
    }


def _user_init(key: Any) -> Any:
    import jax.numpy as jnp

    return {"W": jnp.zeros((2, 3))}


def _user_apply(params: Any, x: Any) -> Any:
    return params["W"] @ x


#: A user's model for ``run_your_model`` (JAX is imported only when it runs).
_USER_MODEL = (_user_init, _user_apply)


def _user_arrays() -> tuple[Any, Any]:
    X = np.arange(60.0).reshape(20, 3) / 60.0
    return X, np.arange(20) % 2


def _stats(problem: Any) -> Any:
    from empirical import UniformDelay, simulate_pairs

    return simulate_pairs(
        problem, step_size=0.1, delay=UniformDelay(1), n_steps=5, n_pairs=2, seed=0
    )


def _draws(problem: Any) -> Any:
    from empirical import UniformDelay
    from empirical.simulators.linear._simulate import _draw

    return _draw(problem, UniformDelay(1), 5, 2, 0)


@pytest.fixture(scope="module")
def valid(
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, tuple[tuple[Any, ...], dict[str, Any]]]:
    return _valid(tmp_path_factory.mktemp("valid"))


def test_every_public_function_has_a_valid_call(
    valid: dict[str, tuple[tuple[Any, ...], dict[str, Any]]],
) -> None:
    missing = set(FUNCTIONS) - set(valid) - set(SKIP)
    assert not missing, f"give a valid call of {sorted(missing)} (or skip it, why)"


def _wrong_calls() -> list[tuple[str, str]]:
    rows = []
    for name, fn in FUNCTIONS.items():
        if name in SKIP:
            continue
        for p in inspect.signature(fn).parameters.values():
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                continue
            rows.append((name, p.name))
    return rows


class _Ran(Exception):
    """Work began: the wrong value was not refused at the boundary."""


def _ran(*args: Any, **kwargs: Any) -> Any:
    raise _Ran


@pytest.mark.parametrize(("function", "argument"), _wrong_calls())
def test_wrong_type_refused_by_name(
    function: str,
    argument: str,
    valid: dict[str, tuple[tuple[Any, ...], dict[str, Any]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    nets = ("simulate_net_pairs", "load_net_data", "reproduce", "run_your_model")
    if function.endswith((*nets, "estimate_model_constants")):
        pytest.importorskip("jax")
    if function.endswith("reproduce"):  # minutes of networks, should it slip
        from empirical.runs import _reproduce

        monkeypatch.setattr(_reproduce, "run_setting", _ran)
    fn = FUNCTIONS[function]
    args, kwargs = valid[function]
    bound = inspect.signature(fn).bind_partial(*args, **kwargs)
    bound.arguments[argument] = WRONG
    named = ALIASES.get((function, argument), argument)
    with pytest.raises(InvalidParameterError, match=rf"\b{named}\b"):
        fn(*bound.args, **bound.kwargs)
