"""Five points of the bounds API (issue 28, item 4), each a test that failed before.

1. ``empirical.applicable_theorems`` lists Hardt et al.'s no-delay theorems
   only for a protocol whose delay is 0.
2. [D-ncvx-W] refuses ``step_weight`` without ``arrivals`` (and the converse)
   instead of assuming one arrival.
3. ``clip=None`` means "no clip" in ``evaluate`` as in ``recursion_bound``.
4. [D-cvx-W] accepts a Deng protocol whose period - 1 exceeds the steps.
5. [D-ncvx-W] does not assume non-increasing steps (its proof does not).
"""

from __future__ import annotations

import numpy as np
import pytest

from bounds import THEOREMS, Assumption, InvalidParameterError, recursion_bound

NCVX_W = THEOREMS["delayed-ncvx-workers"]
CVX_W = THEOREMS["delayed-cvx-workers"]
_NCVX = dict(
    c=0.5, lipschitz=1.0, smoothness=1.0, loss_bound=1.0, n_samples=100, n_steps=1000
)
_CVX = dict(step_size=0.01, lipschitz=1.0, smoothness=1.0, n_samples=100)


@pytest.mark.parametrize(
    ("delay", "args", "hardt"),
    [
        ("UniformDelay", (4,), False),
        ("ConstantDelay", (3,), False),
        ("ConstantDelay", (0,), True),
    ],
)
def test_applicable_theorems_lists_hardt_only_without_delay(
    delay: str, args: tuple[int, ...], hardt: bool
) -> None:
    empirical = pytest.importorskip("empirical")
    protocol = empirical.OneStale(getattr(empirical, delay)(*args))
    keys, _ = empirical.applicable_theorems(protocol)
    no_delay = {"hardt-cvx", "hardt-scvx", "hardt-ncvx"}
    assert {k for k in keys if k.startswith("hardt-")} == (no_delay if hardt else set())
    assert "delayed-cvx" in keys  # the delayed theorems stay


def test_applicable_theorems_of_an_unbounded_delay_has_no_hardt() -> None:
    empirical = pytest.importorskip("empirical")
    keys, _ = empirical.applicable_theorems(
        empirical.OneStale(empirical.WorkerDelay(4))  # max_delay None
    )
    assert not [k for k in keys if k.startswith("hardt-")]


@pytest.mark.parametrize(
    ("given", "missing"),
    [({"step_weight": 4}, "arrivals"), ({"arrivals": 4}, "step_weight")],
)
def test_ncvx_workers_needs_both_protocol_constants(
    given: dict[str, int], missing: str
) -> None:
    with pytest.raises(InvalidParameterError, match=f"needs {missing}"):
        NCVX_W.evaluate(**_NCVX, max_delay=4, **given)


def test_ncvx_workers_four_summed_workers() -> None:
    # four summed workers: K = M = 4, as the description gives them
    by_constants = NCVX_W.evaluate(**_NCVX, max_delay=4, step_weight=4, arrivals=4)
    described = NCVX_W.evaluate(**_NCVX, max_delay=4, n_workers=4, aggregation="sum")
    assert by_constants == described


@pytest.mark.parametrize("theorem", [NCVX_W, CVX_W], ids=lambda t: t.key)
def test_clip_none_is_no_clip_in_evaluate_as_in_recursion_bound(theorem) -> None:
    params = _NCVX if theorem is NCVX_W else {**_CVX, "n_steps": 1000}
    assert theorem.evaluate(**params, clip=None) == theorem.evaluate(**params)
    steps = np.full(50, 0.01)
    rec = dict(step_sizes=steps, n_samples=100, lipschitz=1.0, smoothness=1.0)
    assert recursion_bound(theorem, **rec, clip=None) == recursion_bound(theorem, **rec)


def test_cvx_workers_takes_a_period_longer_than_the_run() -> None:
    # Deng et al.'s staleness is min(d - 1, s) at the 0-based step s: in 10 steps
    # it never exceeds 9, whatever the period.
    deng = dict(n_workers=16, aggregation="sum")
    long = CVX_W.evaluate(**_CVX, n_steps=10, **deng, period=17)
    assert long == CVX_W.evaluate(**_CVX, n_steps=10, step_weight=1, max_delay=9)
    # a period within the run is read as before
    assert CVX_W.evaluate(**_CVX, n_steps=100, **deng, period=17) == CVX_W.evaluate(
        **_CVX, n_steps=100, step_weight=1, max_delay=16
    )


def test_ncvx_workers_does_not_assume_non_increasing_steps() -> None:
    labels = [a.value for a in NCVX_W.assumptions]
    assert not [x for x in labels if "non-increasing" in x], labels
    assert Assumption.DECAYING_STEP not in NCVX_W.assumptions
    # the one-worker theorem of part 1 keeps Hardt's hypothesis
    assert Assumption.DECAYING_STEP in THEOREMS["delayed-ncvx"].assumptions
