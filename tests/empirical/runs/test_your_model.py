"""Your model, your data: the user path is the built-in simulator, checked inputs,
named missing constants, labelled estimates, bounds beside the measurement.

- A built-in model passed as user functions and arrays gives exactly the
  built-in run's numbers (same seed): the user path adds no second simulator.
- With its certified constants given, the bound block equals the certified
  run's (:func:`~empirical.runs._bound_run.certified_record`), and every bound
  holds against the measured uniform-stability probe.
- Bad inputs are refused before any run, naming the argument.
- :func:`~empirical.estimate_model_constants` is labelled an estimate and, on
  softmax regression, falls between values known in closed form and the
  certified constants.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

jax = pytest.importorskip("jax")

import jax.numpy as jnp  # noqa: E402

from bounds import InvalidParameterError  # noqa: E402
from empirical import (  # noqa: E402
    ConstantDelay,
    Deng,
    ModelConstants,
    OneStale,
    RegattiDrawn,
    estimate_model_constants,
    load_net_data,
    mlp,
    regatti_worker_delays,
    run_your_model,
    simulate_net_pairs,
    softmax_ball,
)

#: Autodiff in float64 against a certified supremum: a gradient norm or a loss
#: computed from ~10^3 float64 terms carries ~1e-13 relative rounding at most;
#: 1e-9 is far above it and far below any real excess (tests/_tolerances.py
#: style, kept here since only this file uses it).
RTOL_F64 = 1e-9

#: Sizes: small enough for a few seconds each on two cores, large enough that
#: the replaced point is drawn in every pair (T * batch >> n is not needed; the
#: checks are exact equalities and one-sided bounds).
SIZES = {"n_samples": 200, "n_pairs": 3, "n_steps": 30, "step_size": 0.1, "seed": 5}
RADIUS = 5.0


@pytest.fixture(scope="module")
def digits() -> Any:
    return load_net_data("digits")


@pytest.fixture(scope="module")
def softmax() -> Any:
    return softmax_ball(64, 10, radius=RADIUS)


def _given(model: Any) -> ModelConstants:
    c = model.constants
    return ModelConstants(
        c.lipschitz, c.smoothness, c.loss_bound, c.convex, radius=RADIUS
    )


FIELDS = (
    "train_loss",
    "test_loss",
    "train_error",
    "test_error",
    "delta",
    "norm2",
    "final",
    "train_loss0",
    "applied",
)


@pytest.mark.slow
def test_user_path_is_the_builtin_run_with_its_bounds(
    digits: Any, softmax: Any
) -> None:
    """Softmax regression on a ball under (c): identical numbers and bound block."""
    from empirical.runs._bound_run import certified_record
    from empirical.runs._settings import Setting

    proto = Deng(4, 3, "random", batch_size=4)
    builtin = simulate_net_pairs(softmax, digits, proto, **SIZES)
    run = run_your_model(
        (softmax.init, softmax.apply),
        digits.X,
        digits.y,
        loss="cross_entropy",
        protocol=proto,
        constants=_given(softmax),
        **SIZES,
    )
    for f in FIELDS:  # exact: the same simulator on the same draws
        assert np.array_equal(getattr(builtin, f), getattr(run.stats, f)), f
    assert run.staleness_max == builtin.staleness_max
    setting = Setting(
        key="k", group="g", curve="c", tau=3, model=softmax, protocol=proto,
        step_size=0.1, n_steps=SIZES["n_steps"], n_buffer=4,
    )  # fmt: skip
    rec = certified_record(
        setting,
        builtin,
        digits,
        n=SIZES["n_samples"],
        seed=SIZES["seed"],
        step_sizes=np.full(SIZES["n_steps"], 0.1),
    )
    assert run.bounds is not None
    assert run.bounds["pair_probe_diff"] == rec["pair_probe_diff"]
    assert run.theorems == ("delayed-ncvx-workers", "delayed-cvx-workers")
    assert run.missing == ()
    for key, t in run.bounds["theorems"].items():
        want = rec["theorems"][key]
        assert t["closed_form"]["value"] == want["closed_form"]["value"]
        assert t["recursion"]["value"] == np.mean(want["pair_recursion"])
        # a certified bound holds against the measurement it bounds
        assert t["closed_form"]["verdict"] == "holds"
        assert t["recursion"]["verdict"] == "holds"
        assert t["pathwise_violations"] == 0
    assert run.bounds["constants_source"] == "given"
    text = run.summary()
    assert "delayed-cvx-workers: closed form" in text
    assert "not checked by the package" in text
    assert str(run.uniform_probe) in text
    assert str(run.gap_loss) in text
    json.dumps(run.to_dict())  # JSON-ready

    # constants estimated on the same model: bounds labelled as an estimate
    est = estimate_model_constants(
        (softmax.init, softmax.apply),
        digits.X,
        digits.y,
        "cross_entropy",
        convex=True,
        radius=RADIUS,
        n_points=64,
    )
    from_est = run_your_model(
        (softmax.init, softmax.apply),
        digits.X,
        digits.y,
        loss="cross_entropy",
        protocol=proto,
        constants=est,
        **SIZES,
    )
    assert from_est.from_estimate
    assert from_est.bounds is not None
    assert from_est.bounds["constants_source"] == "estimate"
    assert "ESTIMATED constants (an estimate, not a certificate)" in from_est.summary()
    assert "(from an estimate)" in repr(from_est)


@pytest.mark.slow
def test_mlp_under_regatti_without_constants(digits: Any) -> None:
    """(b) on a built-in MLP as user functions: identical numbers; missing named."""
    model = mlp([64, 16, 10])
    proto = RegattiDrawn(4, 2, worker_delays=regatti_worker_delays(4, 2))
    builtin = simulate_net_pairs(model, digits, proto, **SIZES)
    run = run_your_model(
        (model.init, model.apply),
        digits.X,
        digits.y,
        loss="cross_entropy",
        protocol=proto,
        **SIZES,
    )
    for f in FIELDS:
        assert np.array_equal(getattr(builtin, f), getattr(run.stats, f)), f
    assert run.missing == ("lipschitz", "smoothness", "loss_bound", "convex")
    assert run.bounds is None
    text = run.summary()
    assert "missing lipschitz (L), smoothness (beta), loss_bound (B)" in text
    assert "estimate_model_constants" in text
    assert run.stability_avg2 is not None
    assert run.stability_avg2.mean == pytest.approx(
        float(np.mean(builtin.delta[-1] ** 2))
    )


def test_estimate_is_labelled_and_brackets_softmax_constants(
    digits: Any, softmax: Any
) -> None:
    """Below the certified constants, above their values at the zero start.

    At ``W = 0`` the softmax is uniform over ``C = 10`` classes and every digits
    row, with its bias feature, is scaled to norm ``R = 1`` (its norm exceeds 1):
    the gradient norm is ``sqrt(1 - 1/C) R``, the Hessian's top eigenvalue
    ``R^2 / C`` and the loss ``log C``, all attained by the sample at the start.
    """
    c = softmax.constants
    est = estimate_model_constants(
        (softmax.init, softmax.apply),
        digits.X,
        digits.y,
        "cross_entropy",
        radius=RADIUS,
        n_points=64,
    )
    assert est.source == "estimate"
    assert est.estimate
    assert "estimate, not a certificate" in repr(est)
    assert "not a certificate" in est.proof
    assert est.to_dict()["estimate"] is True
    assert est.missing == ("convex",)  # convexity is stated, never estimated
    C = 10
    assert np.sqrt(1 - 1 / C) * (1 - RTOL_F64) <= est.lipschitz
    assert est.lipschitz <= c.lipschitz * (1 + RTOL_F64)
    assert 1 / C * (1 - RTOL_F64) <= est.smoothness <= c.smoothness * (1 + RTOL_F64)
    assert np.log(C) * (1 - RTOL_F64) <= est.loss_bound
    assert est.loss_bound <= c.loss_bound * (1 + RTOL_F64)


def test_partial_constants_name_what_is_missing() -> None:
    """A run with some constants lists the others and puts no bound."""
    X, y = _tiny()
    run = run_your_model(
        LINEAR3,
        X,
        y,
        loss="cross_entropy",
        protocol=OneStale(ConstantDelay(1)),
        n_samples=20,
        n_pairs=2,
        n_steps=5,
        step_size=0.1,
        constants=ModelConstants(lipschitz=1.0, convex=True),
    )
    assert run.missing == ("smoothness", "loss_bound")
    assert run.bounds is None
    assert "missing smoothness (beta), loss_bound (B)" in run.summary()
    assert "missing=['smoothness', 'loss_bound']" in repr(run)


def test_callable_loss_is_the_named_loss() -> None:
    """A user's cross-entropy gives the named loss's run (float64: the same
    arithmetic up to the order of one reduction, so 1e-12 relative)."""

    def xent(z: Any, y: Any) -> Any:
        return (
            jax.nn.logsumexp(z, axis=1)
            - jnp.take_along_axis(z, y[:, None], axis=1)[:, 0]
        )

    X, y = _tiny()
    kw: dict[str, Any] = {
        "protocol": OneStale(ConstantDelay(1)),
        "n_samples": 20,
        "n_pairs": 2,
        "n_steps": 10,
        "step_size": 0.2,
        "dtype": "float64",
    }
    a = run_your_model(LINEAR3, X, y, loss="cross_entropy", **kw)
    b = run_your_model(LINEAR3, X, y, loss=xent, **kw)
    np.testing.assert_allclose(a.stats.final, b.stats.final, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(a.stats.test_loss, b.stats.test_loss, rtol=1e-12)


def _tiny() -> tuple[Any, Any]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 5))
    return X, (X[:, 0] > 0).astype(np.int64) + (X[:, 1] > 1)


def _linear(K: int, scalar: bool = False) -> tuple[Any, Any]:
    def init(key: Any) -> Any:
        return {"W": jnp.zeros((K, 5))}

    def apply(p: Any, x: Any) -> Any:
        z = p["W"] @ x
        return z[0] if scalar else z

    return init, apply


#: One pair of functions for the tiny runs: the user path keeps one NetModel per
#: (functions, loss, radius), so the tests that share it share compiled programs.
LINEAR3 = _linear(3)


def _nan_loss(z: Any, y: Any) -> Any:
    return jnp.full(z.shape[0], jnp.nan)


def _raises_init(key: Any) -> Any:
    raise RuntimeError("no weights here")


BAD: dict[str, tuple[str, dict[str, Any]]] = {
    # id: (argument named in the message, the bad keyword arguments)
    "X-1d": ("X", {"X": np.zeros(40)}),
    "X-strings": ("X", {"X": np.full((40, 5), "a")}),
    "X-nan": ("X", {"X": np.where(np.eye(40, 5) > 0, np.nan, 1.0)}),
    "y-length": ("y", {"y": np.zeros(39, dtype=np.int64)}),
    "y-not-class": ("y", {"y": np.full(40, 0.5)}),
    "y-negative": ("y", {"y": np.full(40, -1)}),
    "y-logistic": ("y", {"loss": "logistic", "model": _linear(1, scalar=True)}),
    "X_test-alone": ("y_test", {"X_test": np.zeros((5, 5))}),
    "X_test-features": (
        "X_test",
        {"X_test": np.zeros((5, 4)), "y_test": np.zeros(5, dtype=np.int64)},
    ),
    "model-not-pair": ("model", {"model": "mlp"}),
    "model-init-raises": ("model", {"model": (_raises_init, LINEAR3[1])}),
    "model-too-few-classes": ("model", {"model": _linear(2)}),
    "model-vector-logistic": (
        "model",
        {"loss": "logistic", "y": np.where(np.arange(40) % 2 == 0, 1.0, -1.0)},
    ),
    "loss-name": ("loss", {"loss": "hinge"}),
    "loss-nan": ("loss", {"loss": _nan_loss}),
    "loss-shape": ("loss", {"loss": lambda z, y: jnp.sum(z)}),
    "protocol": ("protocol", {"protocol": "b"}),
    "n_pairs-one": ("n_pairs", {"n_pairs": 1}),
    "step_size": ("step_size", {"step_size": -0.1}),
    "eval_every": ("eval_every", {"eval_every": 0}),
    "dtype": ("dtype", {"dtype": "float16"}),
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_bad_input_refused_by_name(case: str) -> None:
    name, bad = BAD[case]
    X, y = _tiny()
    kw: dict[str, Any] = {
        "model": LINEAR3,
        "X": X,
        "y": y,
        "loss": "cross_entropy",
        "protocol": OneStale(ConstantDelay(1)),
        "n_samples": 20,
        "n_pairs": 2,
        "n_steps": 5,
        "step_size": 0.1,
    }
    kw.update(bad)
    args = kw.pop("model"), kw.pop("X"), kw.pop("y")
    with pytest.raises(InvalidParameterError, match=rf"\b{name}\b"):
        run_your_model(*args, **kw)


@pytest.mark.parametrize(
    ("field", "value"),
    [("lipschitz", -1.0), ("smoothness", 0.0), ("radius", np.nan), ("convex", 1)],
)
def test_bad_constant_refused_by_name(field: str, value: Any) -> None:
    with pytest.raises(InvalidParameterError, match=rf"\b{field}\b"):
        ModelConstants(**{field: value})


def test_equinox_module_runs_as_its_own_functions() -> None:
    """An equinox module is the pair (its own weights, its call): the run equals
    the one given those two functions, bit for bit (the same simulator)."""
    eqx = pytest.importorskip("equinox")
    X, y = _tiny()
    module = eqx.nn.Linear(5, 3, key=jax.random.PRNGKey(0))
    kw = dict(
        loss="cross_entropy",
        protocol=OneStale(ConstantDelay(1)),
        n_samples=20,
        n_pairs=2,
        n_steps=5,
        step_size=0.1,
    )
    run = run_your_model(module, X, y, **kw)
    params = {"weight": module.weight, "bias": module.bias}
    by_hand = run_your_model(
        (lambda key: params, lambda p, x: p["weight"] @ x + p["bias"]), X, y, **kw
    )
    assert run.stats.final.shape == (4, 18)
    # the same parameters in another order (leaves sorted by name vs the module's)
    assert np.array_equal(
        np.sort(run.stats.final, axis=1), np.sort(by_hand.stats.final, axis=1)
    )
    assert np.array_equal(np.asarray(run.stats.delta), np.asarray(by_hand.stats.delta))
    start = np.sort(np.concatenate([np.ravel(module.weight), np.ravel(module.bias)]))
    assert not np.allclose(np.sort(run.stats.final[0]), start)  # it trained
