"""A finished reproduction's results, read back: its settings, staleness and regime.

Kept runs (``docs/kept-runs/``) are ``results.json`` files as ``asyncstab
reproduce`` wrote them. Their settings are rebuilt from the experiment
definitions with the recorded sizes, sampling and keys, so the regime of a kept
run (:func:`~empirical.runs._fidelity.regime`) is computed, never typed. Results
written before each run recorded its staleness in parameter versions get it from
the setting's schedule (:func:`~empirical.schedules._staleness.schedule_staleness`):
the staleness depends on the schedule only (the protocol, its delays and the
number of steps), never on the data or the model, so this is exact; such rows
say so (``staleness_source``).
"""

from __future__ import annotations

import copy
from typing import Any

from empirical.schedules._staleness import schedule_staleness

from ._experiments import Setting, Sizes, experiment_settings
from ._fidelity import Regime, regime

__all__ = ["kept_regime", "kept_settings", "with_staleness"]


def kept_settings(results: dict[str, Any]) -> list[Setting]:
    """The settings of ``results``'s summary rows, rebuilt by key."""
    sz = Sizes(**results["sizes"])
    _, settings = experiment_settings(
        results["experiment"],
        quick=bool(results["quick"]),
        sizes=sz,
        sampling=results.get("sampling"),
    )
    keys = {r["key"] for r in results["summary"]}
    return [s for s in settings if s.key in keys]


def with_staleness(results: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``results`` whose every summary row has its staleness in versions
    and its mean final training error (for the "did not train" flag).

    Rows that recorded them are unchanged; the others get the mean and largest
    staleness of their setting's schedule, with ``staleness_source = "schedule"``,
    and the mean of their runs' final training errors.
    """
    out = copy.deepcopy(results)
    for r in out["summary"]:
        if "train_error" not in r:
            errs = [
                run["train_error"]
                for run in out["runs"]
                if run["key"] == r["key"] and run.get("train_error") is not None
            ]
            r["train_error"] = sum(errs) / len(errs) if errs else None
    missing = [r for r in out["summary"] if "staleness_max" not in r]
    if not missing:
        return out
    by_key = {s.key: s for s in kept_settings(results)}
    for r in missing:
        s = by_key[r["key"]]
        mean, most, _ = schedule_staleness(s.protocol, s.n_steps)
        r.update(staleness_mean=mean, staleness_max=most, staleness_source="schedule")
    return out


def kept_regime(results: dict[str, Any]) -> Regime:
    """The regime (:func:`~empirical.runs._fidelity.regime`) of a kept run."""
    return regime(kept_settings(results))
