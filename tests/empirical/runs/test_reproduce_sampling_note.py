"""The report's sampling note names what each group read.

The certified models (``--models softmax,tanh``) and the convex experiment read
uniformly (the bounds' assumption) while the networks of regatti2019 and
deng2024 read the authors' shards: a report mixing them must say both, and
one that ran only uniform groups must not describe shards.
"""

from __future__ import annotations

from empirical.runs._reproduce_report import _sampling_note


def _results(top: str, groups: dict[str, str]) -> dict:
    return {
        "sampling": top,
        "summary": [{"group": g, "sampling": how} for g, how in groups.items()],
    }


def test_only_uniform_groups_are_described_as_uniform_whatever_the_default() -> None:
    note = _sampling_note(_results("shards", {"softmax, lr0=0.2": "uniform"}))
    assert note.startswith("Sampling: uniform")
    assert "fixed shard per worker" not in note


def test_mixed_groups_name_the_uniform_ones() -> None:
    note = _sampling_note(
        _results("shards", {"mlp, lr0=0.2": "shards", "tanh, lr0=0.2": "uniform"})
    )
    assert note.startswith("Sampling: shards")
    assert "in these groups: tanh, lr0=0.2." in note
    assert "mlp, lr0=0.2" not in note


def test_shards_only() -> None:
    note = _sampling_note(_results("shards", {"mlp, lr0=0.2": "shards"}))
    assert note.startswith("Sampling: shards")
    assert "Uniform sampling instead" not in note


def test_results_recorded_before_per_row_sampling_use_the_run_wide_value() -> None:
    res = {"sampling": "shards", "summary": [{"group": "mlp"}]}
    assert _sampling_note(res).startswith("Sampling: shards")
