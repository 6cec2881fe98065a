"""The step-size schedules of a sweep, by name (``--schedule``).

Each name maps to a schedule object of :mod:`bounds` (``eta_t`` as a function of
the step ``t``), so the simulator and the bounds evaluate the same schedule.
"""

from __future__ import annotations

from collections.abc import Callable

import bounds
from bounds import StepSize
from bounds.internal import check_choice

__all__ = ["SCHEDULES", "make_schedule"]

#: Step-size schedules a task can use ([rule-tau] in three forms: docs/theory.md,
#: "The step-size rule [rule-tau]").
SCHEDULES = (
    "constant",
    "rule-tau",
    "decaying",
    "rule-tau-decaying",
    "staleness-adaptive",
)


def make_schedule(schedule: str, step_size: float, max_delay: int) -> StepSize:
    """The step-size schedule named ``schedule`` (one of :data:`SCHEDULES`).

    ``step_size`` is ``eta0`` (or ``c`` for the decaying forms); ``max_delay`` is
    the ``tau`` of the [rule-tau] forms (the others ignore it).
    """
    makers: dict[str, Callable[[], StepSize]] = {
        "constant": lambda: bounds.constant(step_size),
        "rule-tau": lambda: bounds.rule_tau(step_size, max_delay),
        "decaying": lambda: bounds.decaying(step_size),
        "rule-tau-decaying": lambda: bounds.rule_tau_decaying(step_size, max_delay),
        "staleness-adaptive": lambda: bounds.staleness_adaptive(step_size),
    }
    return makers[check_choice(schedule, "schedule", SCHEDULES)]()
