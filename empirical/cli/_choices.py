"""The names the command line offers, for its help: data sets, losses, schedules.

Copies of :data:`empirical.problems._data.DATASETS`,
``tuple(empirical.problems._losses.LOSSES)`` and
:data:`empirical.schedules._step_sizes.SCHEDULES` (a test checks that they are
equal), because importing those modules loads scikit-learn and scipy, and
``asyncstab --help`` should answer at once.
"""

from __future__ import annotations

__all__ = ["DATASET_NAMES", "LOSS_NAMES", "SCHEDULE_NAMES", "examples"]

#: The data sets of ``--dataset`` (``empirical.problems._data.DATASETS``).
DATASET_NAMES = ("breast_cancer", "digits", "digits_binary", "diabetes", "synthetic")

#: The losses of ``--loss`` (the keys of ``empirical.problems._losses.LOSSES``).
LOSS_NAMES = ("logistic", "sigmoid", "huber", "logistic-l2", "least-squares", "mlp")

#: The step-size schedules of ``--schedule``
#: (``empirical.schedules._step_sizes.SCHEDULES``).
SCHEDULE_NAMES = (
    "constant",
    "rule-tau",
    "decaying",
    "rule-tau-decaying",
    "staleness-adaptive",
)


def examples(*commands: str) -> str:
    """The end of a subcommand's help: its examples, one a line."""
    return "examples:\n" + "\n".join(f"  {c}" for c in commands)
