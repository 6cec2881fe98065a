"""Staleness in parameter versions: idle steps are not versions."""

from __future__ import annotations

import pytest

from empirical.schedules._delays import ConstantDelay
from empirical.schedules._protocols import Deng, OneStale, Regatti
from empirical.schedules._published_draws import DengDrawn, held_fixed
from empirical.schedules._staleness import schedule_staleness


@pytest.mark.parametrize(
    ("protocol", "most"),
    [
        (OneStale(ConstantDelay(5)), 5),  # no idle steps: versions = steps
        (Regatti(4, 16), 16),
        # 4 workers of period 17: 4 updates in every 17 steps, 3 versions stale
        (Deng(4, 17), 3),
        (Deng(16, 32), 15),  # fixed d = 32 with 16 workers: 15, not 31
        (Deng(16, 8), 7),  # W >= d: every step applies an update
        # the (iii) control of the same periods: every step applies one
        (DengDrawn(68, 17, "fixed", periods=held_fixed((17,) * 4), arrivals=4), 16),
    ],
)
def test_largest_staleness_in_versions(protocol: object, most: int) -> None:
    mean, got, share = schedule_staleness(protocol, 17 * 40)  # type: ignore[arg-type]
    assert got == most
    assert 0 < mean <= most
    assert 0 < share <= 1


def test_share_of_steps_that_apply_an_update() -> None:
    assert schedule_staleness(Deng(4, 17), 17 * 40)[2] == pytest.approx(4 / 17)
    assert schedule_staleness(Regatti(4, 3), 100)[2] == 1.0
