"""Protocols and models with a projection: which theorems apply, and why.

A projection after every step is allowed by both part-3 theorems
(``Theorem.allows``; docs/theory.md, "Projection after every step"); with a
clip only [D-ncvx-W] remains, as without a projection.
"""

from __future__ import annotations

import pytest

from bounds import REGISTRY, Assumption
from empirical.runs._applicability import loss_properties, theorems_for
from empirical.schedules._delays import ConstantDelay
from empirical.schedules._protocols import (
    PROTOCOL_THEOREMS,
    WORKER_THEOREMS,
    Deng,
    OneStale,
    Regatti,
    applicable_theorems,
)
from empirical.simulators.nets._certified import softmax_ball, tanh_ball
from empirical.simulators.nets._models import mlp

UNCLIPPED = [
    OneStale(ConstantDelay(3)),
    OneStale(ConstantDelay(3), batch_size=8),
    Regatti(4, 8, clip=None),
    Deng(16, 4, "fixed"),
    Deng(16, 4, "random"),
]


def test_declared_cases_name_only_theorems_that_allow_a_projection() -> None:
    for case in ("projected", "projected-clipped"):
        keys, why = PROTOCOL_THEOREMS[case]
        assert keys
        assert "projected" in why
        for k in keys:
            assert Assumption.PROJECTED in REGISTRY[k].allows, k


@pytest.mark.parametrize("protocol", UNCLIPPED, ids=lambda p: p.label)
def test_projected_protocol_gets_both_part3_theorems(protocol: object) -> None:
    keys, why = applicable_theorems(protocol, projected=True)  # type: ignore[arg-type]
    assert keys == WORKER_THEOREMS
    assert "projected" in why
    assert "1-Lipschitz" in why


def test_projected_and_clipped_gets_the_nonconvex_theorem_only() -> None:
    keys, why = applicable_theorems(Regatti(4, 8), projected=True)
    assert keys == ("delayed-ncvx-workers",)
    assert "projected" in why
    assert "clip" in why


def test_without_a_projection_nothing_changes() -> None:
    for protocol in [*UNCLIPPED, Regatti(4, 8)]:
        assert applicable_theorems(protocol) == applicable_theorems(
            protocol, projected=False
        )


def test_certified_models_are_covered_by_the_part3_theorems() -> None:
    soft, net = softmax_ball(6, 4), tanh_ball(6, 4)
    assert loss_properties(soft) == {
        "convex",
        "smooth",
        "lipschitz",
        "bounded",
        "projected",
    }
    assert "convex" not in loss_properties(net)
    proto = Regatti(4, 8, clip=None)
    assert theorems_for(proto, soft)[0] == WORKER_THEOREMS
    # Nonconvex: [D-cvx-W] is dropped for the loss, with the reason.
    keys, why = theorems_for(proto, net)
    assert keys == ("delayed-ncvx-workers",)
    assert "convex" in why
    # Clipped: [D-ncvx-W] only, for both.
    for model in (soft, net):
        keys, why = theorems_for(Regatti(4, 8), model)
        assert keys == ("delayed-ncvx-workers",)
        assert "projected" in why
    # An uncertified ReLU network still gets nothing.
    assert theorems_for(proto, mlp([4, 3]))[0] == ()
