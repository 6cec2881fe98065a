"""Invalid-input table: every public argument of every public function of ``bounds``.

Each row is (id, call, expected exception, pattern the message must contain); the
message names the argument and its value (``name=value``), so the pattern is
``"<argname>="`` wherever there is a value to show.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import bounds
from bounds import THEOREMS, InvalidParameterError, StepSizeConditionError
from bounds import strategies as bst
from bounds._parameters import _RULES, DEFAULTS
from bounds._protocol import PROTOCOL_DEFAULTS

GOOD: dict[str, dict[str, Any]] = {
    "hardt-cvx": dict(
        n_samples=100, n_steps=10, step_size=0.1, lipschitz=1, smoothness=1
    ),
    "hardt-scvx": dict(
        n_samples=100, step_size=0.1, lipschitz=1, smoothness=1, strong_convexity=0.5
    ),
    "hardt-ncvx": dict(n_samples=100, n_steps=10, c=0.5, lipschitz=1, smoothness=1),
    "regatti-ncvx": dict(
        n_samples=100, n_steps=10, c=0.5, lipschitz=1, smoothness=1, max_delay=2
    ),
    "delayed-cvx": dict(
        n_samples=100, n_steps=10, step_size=0.1, lipschitz=1, smoothness=1, max_delay=2
    ),
    "delayed-ncvx": dict(
        n_samples=100, n_steps=10, c=0.5, lipschitz=1, smoothness=1, max_delay=2
    ),
    "delayed-cvx-workers": dict(
        n_samples=100,
        n_steps=10,
        step_size=0.1,
        lipschitz=1,
        smoothness=1,
        max_delay=2,
        step_weight=2,
    ),
    "delayed-ncvx-workers": dict(
        n_samples=100,
        n_steps=10,
        c=0.5,
        lipschitz=1,
        smoothness=1,
        batch_size=4,
        step_weight=2,
        arrivals=4,
    ),
}
assert set(GOOD) == set(THEOREMS)

Row = tuple[str, Callable[[], Any], type[Exception], str]


def _bad_values(name: str) -> list[tuple[str, Any]]:
    is_int, minimum, strict = _RULES[name]
    bad: list[tuple[str, Any]] = [
        ("nan", math.nan),
        ("inf", math.inf),
        ("-inf", -math.inf),
        ("negative", -1),
        ("str", "1"),
        ("None", None),
        ("bool", True),
        ("list-of-str", ["a"]),
    ]
    if strict or minimum >= 1:
        bad.append(("zero", 0))
    if is_int:
        bad.append(("non-integer", 2.5))
        if minimum >= 2:
            bad.append(("below-minimum", minimum - 1))
    return bad


def _method_rows() -> list[Row]:
    rows: list[Row] = []
    for key, good in GOOD.items():
        t = THEOREMS[key]
        for method in ("evaluate", "compute", "log_evaluate"):
            fn = getattr(t, method)
            for name in t.accepted:
                for label, value in _bad_values(name):
                    kw = {**good, name: value}
                    rows.append(
                        (
                            f"{key}.{method}-{name}-{label}",
                            lambda fn=fn, kw=kw: fn(**kw),
                            InvalidParameterError,
                            f"{name}=",
                        )
                    )
            # Part 3: a protocol's description (n_workers, aggregation, period)
            # and clip. None means "not given" for a description, so it is not
            # among their bad values.
            described = {
                k: v for k, v in good.items() if k not in ("step_weight", "arrivals")
            }
            described.update(n_workers=4, aggregation="sum")
            for name in t.options:
                values = (
                    [("word", "avg"), ("number", 1), ("bool", True)]
                    if name == "aggregation"
                    else [b for b in _bad_values(name) if b[0] != "None"]
                )
                for label, value in values:
                    kw = {**described, name: value}
                    rows.append(
                        (
                            f"{key}.{method}-{name}-{label}",
                            lambda fn=fn, kw=kw: fn(**kw),
                            InvalidParameterError,
                            f"{name}=",
                        )
                    )
            # Part-3 constants default to one worker and batch size 1.
            defaulted = {*DEFAULTS, *PROTOCOL_DEFAULTS}
            for name in (k for k in t.parameters if k not in defaulted):
                kw = {k: v for k, v in good.items() if k != name}
                rows.append(
                    (
                        f"{key}.{method}-{name}-missing",
                        lambda fn=fn, kw=kw: fn(**kw),
                        InvalidParameterError,
                        f"needs .*{name}",
                    )
                )
            rows.append(
                (
                    f"{key}.{method}-unknown-name",
                    lambda fn=fn, good=good: fn(**good, learning_rate=0.1),
                    InvalidParameterError,
                    "learning_rate=",
                )
            )
            if "n_steps" in t.accepted:
                kw = {**good, "max_delay": 11}
                rows.append(
                    (
                        f"{key}.{method}-delay-above-steps",
                        lambda fn=fn, kw=kw: fn(**kw),
                        InvalidParameterError,
                        "max_delay=11 must be <= n_steps=10",
                    )
                )
        for name in ("target_gap",):
            for label, value in [
                ("nan", math.nan),
                ("zero", 0),
                ("negative", -1),
                ("str", "x"),
                ("None", None),
                ("inf", math.inf),
            ]:
                for inv in ("max_step_size", "min_samples"):
                    unknown = (
                        t.step_parameter if inv == "max_step_size" else "n_samples"
                    )
                    kw = {k: v for k, v in good.items() if k != unknown}
                    rows.append(
                        (
                            f"{key}.{inv}-{name}-{label}",
                            lambda inv=inv, t=t, v=value, kw=kw: getattr(bounds, inv)(
                                t, v, **kw
                            ),
                            InvalidParameterError,
                            f"{name}=",
                        )
                    )
    return rows


def _condition_rows() -> list[Row]:
    cvx = GOOD["hardt-cvx"]
    return [
        (
            "hardt-cvx-step-above-2/beta",
            lambda: THEOREMS["hardt-cvx"].evaluate(**{**cvx, "step_size": 3.0}),
            StepSizeConditionError,
            r"step_size=3.0 violates .*Hardt et al. 2016",
        ),
        (
            "hardt-cvx-with-delay",
            lambda: THEOREMS["hardt-cvx"].evaluate(**cvx, max_delay=1),
            StepSizeConditionError,
            r"max_delay=1 violates .*\[H-cvx\]",
        ),
        (
            "delayed-cvx-step-above-2/beta",
            lambda: THEOREMS["delayed-cvx"].evaluate(
                **{**GOOD["delayed-cvx"], "step_size": 2.5}
            ),
            StepSizeConditionError,
            r"step_size=2.5 violates .*\[D-cvx\]",
        ),
        (
            "hardt-scvx-step-above-1/beta",
            lambda: THEOREMS["hardt-scvx"].evaluate(
                **{**GOOD["hardt-scvx"], "step_size": 1.5}
            ),
            StepSizeConditionError,
            r"step_size=1.5 violates .*Theorem 3.9",
        ),
        (
            "recursion-step-above-2/beta",
            lambda: bounds.recursion_bound(
                THEOREMS["delayed-cvx"],
                step_sizes=[0.1, 3.0],
                n_samples=10,
                lipschitz=1,
                smoothness=1,
            ),
            StepSizeConditionError,
            r"step_sizes\[1\]=3.0 violates",
        ),
        (
            "recursion-hardt-with-delays",
            lambda: bounds.recursion_bound(
                THEOREMS["hardt-ncvx"],
                step_sizes=[0.1, 0.1],
                delays=[0, 1],
                n_samples=10,
                lipschitz=1,
                smoothness=1,
            ),
            StepSizeConditionError,
            r"delays .*\[H-ncvx\]",
        ),
    ]


def _array_rows() -> list[Row]:
    t = THEOREMS["delayed-cvx"]
    rec = dict(
        step_sizes=[0.1, 0.1], delays=[0, 1], n_samples=10, lipschitz=1, smoothness=1
    )
    path = dict(
        step_sizes=[0.1, 0.1],
        delays=[0, 1],
        hits=[True, False],
        lipschitz=1,
        smoothness=1,
    )
    rows: list[Row] = []
    for fname, base in (("recursion_bound", rec), ("pathwise_bound", path)):
        fn = getattr(bounds, fname)
        cases: list[tuple[str, str, Any, str]] = [
            ("step_sizes", "nan", [0.1, math.nan], "step_sizes"),
            ("step_sizes", "zero", [0.1, 0.0], "step_sizes"),
            ("step_sizes", "negative", [-0.1, 0.1], "step_sizes"),
            ("step_sizes", "str", ["a", "b"], "step_sizes="),
            ("step_sizes", "empty", [], "step_sizes"),
            ("step_sizes", "scalar", 0.1, "step_sizes"),
            ("delays", "negative", [0, -1], r"delays\[1\]="),
            ("delays", "non-integer", [0, 1.5], r"delays\[1\]="),
            ("delays", "nan", [0, math.nan], r"delays\[1\]="),
            ("delays", "shape", [0, 1, 1], "delays"),
            ("lipschitz", "nan", math.nan, "lipschitz="),
            ("lipschitz", "zero", 0, "lipschitz="),
            ("smoothness", "negative", -1, "smoothness="),
            ("smoothness", "str", "1", "smoothness="),
        ]
        if fname == "recursion_bound":
            cases += [
                ("n_samples", "one", 1, "n_samples="),
                ("n_samples", "non-integer", 10.5, "n_samples="),
                ("loss_bound", "zero", 0, "loss_bound="),
                ("strong_convexity", "nan", math.nan, "strong_convexity="),
            ]
        else:
            cases += [
                ("hits", "shape", [True], "hits"),
                ("record_steps", "zero", [0], "record_steps"),
                ("record_steps", "above-T", [3], "record_steps"),
                ("strong_convexity", "nan", math.nan, "strong_convexity="),
            ]
        for arg, label, value, pattern in cases:
            theorem = THEOREMS["hardt-scvx"] if arg == "strong_convexity" else t
            kw = {**base, arg: value}
            if theorem.key == "hardt-scvx":
                kw.pop("delays")
            rows.append(
                (
                    f"{fname}-{arg}-{label}",
                    lambda fn=fn, theorem=theorem, kw=kw: fn(theorem, **kw),
                    InvalidParameterError,
                    pattern,
                )
            )
    return rows


def _misc_rows() -> list[Row]:
    t = THEOREMS["delayed-cvx"]
    return [
        (
            "get_theorem-unknown",
            lambda: bounds.get_theorem("[X-cvx]"),
            InvalidParameterError,
            r"theorem='\[X-cvx\]'",
        ),
        (
            "get_theorem-None",
            lambda: bounds.get_theorem(None),  # type: ignore[arg-type]
            InvalidParameterError,
            "theorem=None",
        ),
        (
            "compute-array",
            lambda: t.compute(**{**GOOD["delayed-cvx"], "n_samples": [10, 20]}),
            InvalidParameterError,
            "compute",
        ),
        (
            "max_step_size-unknown-given",
            lambda: bounds.max_step_size(t, 0.1, **GOOD["delayed-cvx"]),
            InvalidParameterError,
            "step_size=",
        ),
        (
            "constant-nan",
            lambda: bounds.constant(math.nan),
            InvalidParameterError,
            "step_size=",
        ),
        (
            "constant-zero",
            lambda: bounds.constant(0),
            InvalidParameterError,
            "step_size=",
        ),
        (
            "constant-str",
            lambda: bounds.constant("0.1"),
            InvalidParameterError,
            "step_size=",
        ),
        ("decaying-negative", lambda: bounds.decaying(-1), InvalidParameterError, "c="),
        ("decaying-bool", lambda: bounds.decaying(True), InvalidParameterError, "c="),
        (
            "inverse_sqrt-inf",
            lambda: bounds.inverse_sqrt(math.inf),
            InvalidParameterError,
            "step_size=",
        ),
        (
            "rule_tau-step-zero",
            lambda: bounds.rule_tau(0, 2),
            InvalidParameterError,
            "step_size=",
        ),
        (
            "rule_tau-delay-negative",
            lambda: bounds.rule_tau(0.1, -1),
            InvalidParameterError,
            "max_delay=",
        ),
        (
            "rule_tau-delay-non-integer",
            lambda: bounds.rule_tau(0.1, 1.5),
            InvalidParameterError,
            "max_delay=",
        ),
        (
            "rule_tau_decaying-c-None",
            lambda: bounds.rule_tau_decaying(None, 1),
            InvalidParameterError,
            "c=",
        ),
        (
            "rule_tau_decaying-delay-str",
            lambda: bounds.rule_tau_decaying(0.5, "1"),
            InvalidParameterError,
            "max_delay=",
        ),
        (
            "staleness_adaptive-nan",
            lambda: bounds.staleness_adaptive(math.nan),
            InvalidParameterError,
            "step_size=",
        ),
        (
            "resolve_step_sizes-n_steps-zero",
            lambda: bounds.resolve_step_sizes(0.1, n_steps=0),
            InvalidParameterError,
            "n_steps=",
        ),
        (
            "resolve_step_sizes-n_steps-float",
            lambda: bounds.resolve_step_sizes(0.1, n_steps=2.5),
            InvalidParameterError,
            "n_steps=",
        ),
        (
            "resolve_step_sizes-negative-schedule",
            lambda: bounds.resolve_step_sizes(lambda t: -1.0, n_steps=2),
            InvalidParameterError,
            "step_size",
        ),
        (
            "resolve_step_sizes-array-shape",
            lambda: bounds.resolve_step_sizes(np.ones(3), n_steps=2),
            InvalidParameterError,
            "step_size",
        ),
        (
            "resolve_step_sizes-step-nan",
            lambda: bounds.resolve_step_sizes(math.nan, n_steps=2),
            InvalidParameterError,
            "step_size=",
        ),
        (
            "strategies.theorem_params-max_n_steps-zero",
            lambda: bst.theorem_params(t, max_n_steps=0),
            InvalidParameterError,
            "max_n_steps=",
        ),
        (
            "strategies.theorem_params-max_delay-negative",
            lambda: bst.theorem_params(t, max_delay=-1),
            InvalidParameterError,
            "max_delay=",
        ),
        (
            "strategies.theorem_params-max_n_samples-one",
            lambda: bst.theorem_params(t, max_n_samples=1),
            InvalidParameterError,
            "max_n_samples=",
        ),
        (
            "strategies.delay_sequences-n_steps-zero",
            lambda: bst.delay_sequences(0, 1),
            InvalidParameterError,
            "n_steps=",
        ),
        (
            "strategies.delay_sequences-max_delay-float",
            lambda: bst.delay_sequences(3, 0.5),
            InvalidParameterError,
            "max_delay=",
        ),
        (
            "strategies.schedules-smoothness-zero",
            lambda: bst.schedules(t, 3, smoothness=0),
            InvalidParameterError,
            "smoothness=",
        ),
        (
            "strategies.schedules-n_steps-None",
            lambda: bst.schedules(t, None, smoothness=1),  # type: ignore[arg-type]
            InvalidParameterError,
            "n_steps=",
        ),
        (
            "strategies.schedules-c-nan",
            lambda: bst.schedules(THEOREMS["hardt-ncvx"], 3, smoothness=1, c=math.nan),
            InvalidParameterError,
            "c=",
        ),
        (
            "strategies.coupled_runs-smoothness-nan",
            lambda: bst.coupled_runs(t, smoothness=math.nan),
            InvalidParameterError,
            "smoothness=",
        ),
        (
            "strategies.coupled_runs-max_n_steps-zero",
            lambda: bst.coupled_runs(t, smoothness=1, max_n_steps=0),
            InvalidParameterError,
            "max_n_steps=",
        ),
        (
            "strategies.step_size_limit-missing",
            lambda: bst.step_size_limit(t),
            InvalidParameterError,
            "smoothness=",
        ),
    ]


def _hardening_rows() -> list[Row]:
    """Issue 12: inputs that used to give a raw numpy/Python error or a wrong value."""
    cvx, scvx = THEOREMS["delayed-cvx"], THEOREMS["hardt-scvx"]
    impossible = {**GOOD["hardt-scvx"], "strong_convexity": 2.0}  # gamma > beta = 1
    gamma_rule = r"strong_convexity=2\.0 must be <= smoothness=1\.0"
    path = dict(step_sizes=np.full(3, 0.1), lipschitz=1, smoothness=1)
    rows: list[Row] = [
        (
            "evaluate-shapes-do-not-broadcast",
            lambda: cvx.evaluate(
                n_samples=500,
                n_steps=1000,
                lipschitz=1,
                smoothness=1,
                step_size=np.array([0.01, 0.02, 0.03]),
                max_delay=np.arange(4),
            ),
            InvalidParameterError,
            r"step_size of shape \(3,\), max_delay of shape \(4,\) must broadcast",
        ),
        (
            "evaluate-bool-array",
            lambda: cvx.evaluate(
                **{**GOOD["delayed-cvx"], "n_samples": np.array([True, False])}
            ),
            InvalidParameterError,
            r"n_samples=\[True, False\] .*bool",
        ),
        (
            "max_step_size-array-max_delay",
            lambda: bounds.max_step_size(
                cvx,
                0.05,
                n_samples=500,
                n_steps=1000,
                lipschitz=1,
                smoothness=1,
                max_delay=np.arange(3),
            ),
            InvalidParameterError,
            r"max_delay=\[0\.0, 1\.0, 2\.0\] must be a scalar",
        ),
        (
            "min_samples-array-lipschitz",
            lambda: bounds.min_samples(
                cvx, 0.05, n_steps=1000, step_size=0.01, lipschitz=[1, 2], smoothness=1
            ),
            InvalidParameterError,
            "lipschitz=.* must be a scalar",
        ),
        (
            "pathwise_bound-hits-nan",
            lambda: bounds.pathwise_bound(cvx, **path, hits=np.array([0, math.nan, 1])),
            InvalidParameterError,
            r"hits\[1\]=nan must be True/False",
        ),
        (
            "pathwise_bound-hits-two",
            lambda: bounds.pathwise_bound(cvx, **path, hits=[2, 0, 1]),
            InvalidParameterError,
            r"hits\[0\]=2\.0 must be True/False",
        ),
        (
            "pathwise_bound-hits-str",
            lambda: bounds.pathwise_bound(cvx, **path, hits=["a", "b", "c"]),
            InvalidParameterError,
            "hits=",
        ),
        (
            "recursion_bound-delays-bool-array",
            lambda: bounds.recursion_bound(
                cvx,
                step_sizes=np.full(3, 0.1),
                delays=np.array([True, False, True]),
                n_samples=10,
                lipschitz=1,
                smoothness=1,
            ),
            InvalidParameterError,
            "delays=.*bool",
        ),
        (
            "recursion_bound-step_sizes-bool-array",
            lambda: bounds.recursion_bound(
                cvx,
                step_sizes=np.array([True, True]),
                n_samples=10,
                lipschitz=1,
                smoothness=1,
            ),
            InvalidParameterError,
            "step_sizes=.*bool",
        ),
        (
            "hardt-scvx.evaluate-gamma-above-beta",
            lambda: scvx.evaluate(**impossible),
            InvalidParameterError,
            gamma_rule,
        ),
        (
            "hardt-scvx.compute-gamma-above-beta",
            lambda: scvx.compute(**impossible),
            InvalidParameterError,
            gamma_rule,
        ),
        (
            "hardt-scvx.evaluate-gamma-above-beta-array",
            lambda: scvx.evaluate(
                **{**GOOD["hardt-scvx"], "strong_convexity": np.array([0.5, 2.0])}
            ),
            InvalidParameterError,
            gamma_rule,
        ),
        (
            "hardt-scvx.max_step_size-gamma-above-beta",
            lambda: bounds.max_step_size(
                scvx,
                1.0,
                **{k: v for k, v in impossible.items() if k != "step_size"},
            ),
            InvalidParameterError,
            gamma_rule,
        ),
        (
            "hardt-scvx.min_samples-gamma-above-beta",
            lambda: bounds.min_samples(
                scvx,
                1.0,
                **{k: v for k, v in impossible.items() if k != "n_samples"},
            ),
            InvalidParameterError,
            gamma_rule,
        ),
        (
            "hardt-scvx.recursion_bound-gamma-above-beta",
            lambda: bounds.recursion_bound(
                scvx,
                step_sizes=np.full(3, 0.5),
                n_samples=10,
                lipschitz=1,
                smoothness=1,
                strong_convexity=2.0,
            ),
            InvalidParameterError,
            gamma_rule,
        ),
        (
            "hardt-scvx.pathwise_bound-gamma-above-beta",
            lambda: bounds.pathwise_bound(
                scvx, **path, hits=[True, False, False], strong_convexity=2.0
            ),
            InvalidParameterError,
            gamma_rule,
        ),
        # 2 L^2 eta T / n = 2 L^2 * 0.1 * 10 / 100 = 0.02 L^2: 2e398 and 2e-402.
        (
            "evaluate-overflows-float64",
            lambda: THEOREMS["hardt-cvx"].evaluate(
                **{**GOOD["hardt-cvx"], "lipschitz": 1e200}
            ),
            InvalidParameterError,
            r"hardt-cvx's bound is 2e\+398, outside the float64 range",
        ),
        (
            "evaluate-underflows-float64",
            lambda: THEOREMS["hardt-cvx"].evaluate(
                **{**GOOD["hardt-cvx"], "lipschitz": 1e-200}
            ),
            InvalidParameterError,
            r"hardt-cvx's bound is 2e-402, outside the float64 range",
        ),
        (
            "max_step_size-answer-below-float64",
            lambda: bounds.max_step_size(
                cvx,
                1e12,
                n_samples=2,
                n_steps=1e300,
                lipschitz=1e300,
                smoothness=1e-300,
                max_delay=1e300,
            ),
            InvalidParameterError,
            r"step_size for target_gap=1000000000000\.0 is 1e-888",
        ),
    ]
    return rows


ROWS = (
    _method_rows()
    + _condition_rows()
    + _array_rows()
    + _misc_rows()
    + _hardening_rows()
)


@pytest.mark.parametrize(
    ("call", "exc", "pattern"), [r[1:] for r in ROWS], ids=[r[0] for r in ROWS]
)
def test_invalid_input_raises(
    call: Callable[[], Any], exc: type[Exception], pattern: str
) -> None:
    with pytest.raises(exc, match=pattern):
        call()


def test_condition_error_is_an_invalid_parameter_error() -> None:
    assert issubclass(StepSizeConditionError, InvalidParameterError)
    assert issubclass(InvalidParameterError, ValueError)
