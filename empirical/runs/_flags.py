"""Flags on a summary row: did the setting train, its staleness, its test error.

Shared by the report, the answer paragraph, the command's summary lines and the
documentation's tables, so that a flag reads the same everywhere.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "TRAINED_DROP",
    "at_chance",
    "ci_text",
    "did_not_train",
    "error_cell",
    "staleness_cell",
]

#: A setting "trained" only if its mean final training loss is at most
#: ``1 - TRAINED_DROP`` times its mean loss at the start. Why a quarter: a model
#: that learned nothing keeps the loss of its start (about log 10 = 2.30 for ten
#: classes); a quarter below it (1.73) already needs predictions clearly better
#: than chance, while every run that reached a test error near the papers'
#: (MNIST, below 0.1) lowers its loss by far more than half.
TRAINED_DROP = 0.25


def ci_text(e: dict[str, Any] | None) -> str:
    """``mean [low, high]`` of an estimate, or "not estimable" (no estimate)."""
    if e is None:
        return "not estimable"
    return f"{e['mean']:.3g} [{e['low']:.3g}, {e['high']:.3g}]"


def did_not_train(row: dict[str, Any]) -> bool:
    """Whether a setting did not train.

    Flagged when the test error is not detectably below chance
    (:func:`at_chance`), or when the mean training loss fell by less than
    :data:`TRAINED_DROP` of its value at the start (``loss_drop``). Results
    recorded before the starting loss was (no ``loss_drop``) use the training
    error instead, with the same quarter: flagged when it is at least ``1 -
    TRAINED_DROP`` times the chance error.
    """
    if at_chance(row):
        return True
    drop = row.get("loss_drop")
    if drop is not None:
        return bool(drop < TRAINED_DROP)
    err, chance = row.get("train_error"), row.get("chance_error")
    return err is not None and chance is not None and err >= (1 - TRAINED_DROP) * chance


def at_chance(row: dict[str, Any]) -> bool:
    """Whether a setting's test error is not detectably below chance.

    A model whose interval reaches the error of the best constant prediction
    (``chance_error``, recorded by the summary) has learned nothing detectable, so
    a gap change measured on it says nothing about generalization; results
    written before the summary recorded that level are never flagged.
    """
    e, chance = row.get("test_error"), row.get("chance_error")
    return e is not None and chance is not None and e["high"] >= chance


def error_cell(row: dict[str, Any]) -> str:
    """The test error with its interval, flagged by :func:`at_chance`."""
    text = ci_text(row.get("test_error"))
    if at_chance(row):
        text += f" (did not train: not below chance, {row['chance_error']:.3g})"
    elif did_not_train(row):
        drop = row.get("loss_drop")
        why = (
            f"training loss fell {100 * drop:.0f}%"
            if drop is not None
            else f"training error {row['train_error']:.3g}"
        )
        text += f" (did not train: {why})"
    return text


def staleness_cell(row: dict[str, Any]) -> str:
    """Staleness in parameter versions: ``mean (max M)``, or ``M`` when the mean
    is the maximum (to 0.05: the first steps' shorter delays aside).

    Examples:
        >>> staleness_cell({"staleness_mean": 4.2, "staleness_max": 15})
        '4.2 (max 15)'
        >>> staleness_cell({"staleness_mean": 2.98, "staleness_max": 3})
        '3'
    """
    mean, most = row.get("staleness_mean"), row.get("staleness_max")
    if mean is None or most is None:
        return "not recorded"
    return f"{most}" if abs(mean - most) < 0.05 else f"{mean:.3g} (max {most})"
