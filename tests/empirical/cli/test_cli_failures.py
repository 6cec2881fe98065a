"""The one line of a run that lost grid points (issue 19), and ``--resume`` after it.

The executor is replaced by one that loses two grid points the way
:class:`~empirical.distributed._ray_backend.RayExecutor` reports a lost node
(every other result first, then :class:`TasksLostError`); the real node loss
is in ``test_ray_faults.py``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from empirical.cli import _ps_cli
from empirical.cli._cli import main
from empirical.distributed._executors import SerialExecutor, TasksLostError

_ARGV = ["sweep", "--grid", "tau=0,1,2,3", "--grid", "eta=0.1,0.5"]
_ARGV += ["--n-steps", "20", "--n-pairs", "2", "--n-samples", "50"]
_ARGV += ["--backend", "ray"]


class _Losing:
    """Runs every task but those with ``max_delay == 2``, which it reports lost."""

    def map_unordered(
        self, fn: Callable[[Any], Any], tasks: Iterable[Any]
    ) -> Iterator[tuple[Any, Any]]:
        lost = []
        for t in tasks:
            if t.max_delay == 2:
                lost.append(t)
                continue
            yield t, fn(t)
        if lost:
            raise TasksLostError(lost, 3, "NodeDiedError: the node died.")


def test_lost_points_named_in_one_line_then_resume(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r.jsonl"
    monkeypatch.setattr(_ps_cli, "ray_executor", lambda args: _Losing())
    assert main([*_ARGV, "--results", str(out)]) == 1
    err = capsys.readouterr().err.splitlines()
    errors = [x for x in err if x.startswith("asyncstab: error:")]
    assert errors == [
        "asyncstab: error: 2 grid point(s) lost after 3 retries each "
        "(NodeDiedError: the node died.): max_delay=2 step_size=0.1; "
        f"max_delay=2 step_size=0.5; every other result is in {str(out)!r}: "
        "rerun with --resume to complete them (--max-retries sets the retries)"
    ]
    recs = [json.loads(x) for x in out.read_text().splitlines()]
    assert sorted(r["config"]["max_delay"] for r in recs) == [0, 0, 1, 1, 3, 3]
    monkeypatch.setattr(_ps_cli, "ray_executor", lambda args: SerialExecutor())
    assert main([*_ARGV, "--results", str(out), "--resume"]) == 0
    stdout = capsys.readouterr().out
    assert stdout.strip().splitlines()[-1].startswith("verdicts of 8 tasks")
    recs = [json.loads(x) for x in out.read_text().splitlines()]
    assert len(recs) == 8


def test_ps_lost_server_one_line_and_the_trace_saved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import contextlib

    import numpy as np

    from empirical.distributed import _ps, _ray_backend
    from empirical.schedules._delays import TraceDelay

    stale = np.array([0, 1, 2, 3, 3, 2], dtype=np.int64)

    class _LostRun:
        def __init__(self, cfg: Any) -> None:
            pass

        def wait(self) -> Any:
            raise _ps.PSServerLostError(
                "the parameter server died (ActorDiedError) after at least 6 of "
                "2000 updates",
                stale,
                np.zeros(6, dtype=np.int64),
                np.full(6, 0.5),
            )

    monkeypatch.setattr(_ps, "PSRun", _LostRun)
    monkeypatch.setattr(
        _ray_backend, "ray_session", lambda **kw: contextlib.nullcontext()
    )
    out = tmp_path / "ps"
    assert main(["ps", "--output", str(out)]) == 1
    err = capsys.readouterr().err
    trace = out / "trace.txt"
    assert err == (
        "asyncstab: ps failed: rule=constant: the parameter server died "
        "(ActorDiedError) after at least 6 of 2000 updates; their staleness trace "
        f"is in {str(trace)!r} (replay it with --delay trace:{trace})\n"
    )
    assert TraceDelay.from_file(trace).values == tuple(stale.tolist())
