"""A lost Ray node (issue 19): two nodes on this machine, one removed mid-run.

``ray.cluster_utils.Cluster`` runs a head node and a worker node (one CPU each)
as real raylets on this machine; removing the worker node kills its raylet and
every process on it, as a preempted machine would. Nothing here depends on
timing: the task that must be lost *blocks* on the doomed node until the node
is removed (so the removal always hits a running task), and every wait is a
poll against a generous deadline (``RAY_POLL_S``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ray = pytest.importorskip("ray")

from ray.cluster_utils import Cluster  # noqa: E402

from empirical.distributed._executors import TasksLostError  # noqa: E402
from empirical.distributed._ray_backend import (  # noqa: E402
    RayExecutor,
    _clean_failed_start,
    start_ray,
)
from empirical.runs._sweep import load_results, sweep  # noqa: E402
from empirical.runs._task import SweepTask, make_tasks  # noqa: E402
from tests._tolerances import RAY_POLL_S  # noqa: E402

pytestmark = [pytest.mark.ray, pytest.mark.slow, pytest.mark.xdist_group("ray")]

_BASE = {"n_samples": 50, "n_steps": 200, "n_pairs": 4, "theorems": ("delayed-cvx",)}


def _head_node() -> Cluster:
    """A one-CPU head node, tried twice.

    Ray waits a fixed 30 s for a new node to register (``ray._private.node``),
    which a machine at load 15 on 2 cores can miss once; the failed try's
    processes are stopped (as :func:`start_ray` does for ``ray.init``) and the
    start is tried once more.
    """
    for attempt in (1, 2):
        try:
            return Cluster(
                initialize_head=True,
                head_node_args={"num_cpus": 1, "include_dashboard": False},
            )
        except Exception as exc:  # Ray raises bare Exception on a start-up timeout
            _clean_failed_start(ray, exc)
            if attempt == 2:
                raise
            time.sleep(2.0)  # let the machine catch up
    raise AssertionError("unreachable")  # pragma: no cover


def _add_node(cluster: Cluster) -> Any:
    """A one-CPU worker node, tried twice (Ray's same fixed 30 s wait)."""
    for attempt in (1, 2):
        try:
            return cluster.add_node(num_cpus=1)
        except Exception as exc:  # Ray raises bare Exception on a start-up timeout
            _clean_failed_start(ray, exc)
            if attempt == 2:
                raise
            start_ray(ray, attempts=2, address=cluster.address)  # reconnect
    raise AssertionError("unreachable")  # pragma: no cover


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    """A one-CPU head node for the module; each test adds the node it removes."""
    if ray.is_initialized():  # pragma: no cover - a leftover session
        ray.shutdown()
    c = _head_node()
    try:
        start_ray(ray, attempts=2, address=c.address)  # a retry on a busy machine
        yield c
    finally:
        ray.shutdown()
        c.shutdown()


def _poll(what: str, cond: Callable[[], Any]) -> Any:
    deadline = time.monotonic() + RAY_POLL_S
    while time.monotonic() < deadline:
        value = cond()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"no {what} within {RAY_POLL_S:g} s")


def _strip(records: list[dict[str, Any]]) -> list[str]:
    return sorted(
        json.dumps({k: v for k, v in r.items() if k != "timing"}, sort_keys=True)
        for r in records
    )


def _marking_fn(marks: Path, doomed: str) -> Callable[[SweepTask], dict[str, Any]]:
    """``run_task`` that leaves a file per attempt, ``<task>.<node>.<n>``; on the
    node ``doomed`` it never finishes (the node's removal ends it), and on the
    others it first waits until a task has started there (so the removal after
    the first result always hits a running task, however Ray places them: the
    busy head node makes Ray send the waiting tasks to the other node)."""

    poll_s = RAY_POLL_S

    def fn(task: SweepTask) -> dict[str, Any]:
        import os
        import time
        import uuid

        import ray

        from empirical.runs._sweep import run_task

        node = ray.get_runtime_context().get_node_id()
        (marks / f"{task.task_id}.{node}.{uuid.uuid4().hex[:8]}").write_text("")
        if node == doomed:
            time.sleep(3600)  # until the node is removed
            os._exit(1)  # pragma: no cover - never reached
        deadline = time.monotonic() + poll_s
        while time.monotonic() < deadline:
            if any(doomed in p.name for p in marks.iterdir()):
                break
            time.sleep(0.05)
        return run_task(task)

    return fn


def _remove_on_first_result(
    cluster: Cluster, node: Any, marks: Path
) -> Callable[[Any, Any], None]:
    """An ``on_result`` that, at the first result, waits until a task runs on
    ``node`` and then removes the node."""
    done: list[float] = []

    def on_result(task: Any, rec: Any) -> None:
        if done:
            return
        _poll(
            "task started on the node to remove",
            lambda: any(node.node_id in p.name for p in marks.iterdir()),
        )
        cluster.remove_node(node)
        done.append(time.monotonic())

    return on_result


def test_a_lost_node_costs_retries_not_the_grid(
    cluster: Cluster, tmp_path: Path
) -> None:
    tasks = make_tasks(_BASE, {"max_delay": [0, 1, 2, 3, 4, 5]})
    serial = sweep(tasks)
    node = _add_node(cluster)
    cluster.wait_for_nodes()
    marks = tmp_path / "marks"
    marks.mkdir()
    path = tmp_path / "r.jsonl"
    records = sweep(
        tasks,
        results=path,
        executor=RayExecutor(max_retries=3),
        fn=_marking_fn(marks, node.node_id),
        on_result=_remove_on_first_result(cluster, node, marks),
    )
    # every grid point equal to the serial run's, and in the results file
    assert _strip(records) == _strip(serial)
    assert set(load_results(path)) == {t.task_id for t in tasks}
    lost = {p.name.split(".")[0] for p in marks.iterdir() if node.node_id in p.name}
    assert lost  # the removal hit a running task ...
    attempts = [p.name.split(".")[0] for p in marks.iterdir()]
    for tid in lost:  # ... which Ray ran again on the head node
        assert attempts.count(tid) >= 2


def test_retries_run_out_then_resume_completes(
    cluster: Cluster, tmp_path: Path
) -> None:
    tasks = make_tasks(_BASE, {"max_delay": [0, 1, 2, 3]})
    node = _add_node(cluster)
    cluster.wait_for_nodes()
    marks = tmp_path / "marks"
    marks.mkdir()
    path = tmp_path / "r.jsonl"
    with pytest.raises(TasksLostError) as info:
        sweep(
            tasks,
            results=path,
            executor=RayExecutor(max_retries=0),
            fn=_marking_fn(marks, node.node_id),
            on_result=_remove_on_first_result(cluster, node, marks),
        )
    exc = info.value
    doomed = {p.name.split(".")[0] for p in marks.iterdir() if node.node_id in p.name}
    assert {t.task_id for t in exc.tasks} == doomed
    assert exc.retries == 0
    assert exc.reason.startswith("NodeDiedError")  # Ray's name for a lost node
    # every other grid point is in the file; --resume runs only the lost ones
    assert set(load_results(path)) == {t.task_id for t in tasks} - doomed
    ran: list[str] = []
    records = sweep(
        tasks,
        results=path,
        resume=True,
        executor=RayExecutor(),
        on_result=lambda t, r: ran.append(t.task_id),
    )
    assert set(ran) == doomed
    assert _strip(records) == _strip(sweep(tasks))


def test_cli_sweep_survives_a_lost_node(cluster: Cluster, tmp_path: Path) -> None:
    """As a user runs it: ``asyncstab sweep --backend ray --address ...``, a node
    removed once the first record is written. Whether a task was running on it
    at that moment is up to Ray; either way the grid must finish, equal to
    serial."""
    grid = ["--grid", "tau=0,1,2,3,4,5,6,7", "--n-pairs", "4", "--n-samples", "50"]
    grid += ["--n-steps", "3000", "--theorems", "delayed-cvx"]
    ref = tmp_path / "ref.jsonl"
    code = (
        "import sys; from empirical.cli._cli import main; sys.exit(main(sys.argv[1:]))"
    )
    cmd = [sys.executable, "-c", code, "sweep", *grid]
    subprocess.run(
        [*cmd, "--backend", "serial", "--results", str(ref), "--json"],
        check=True,
        capture_output=True,
        timeout=600,  # generous; a guard against a hang, not a measurement
    )
    node = _add_node(cluster)
    cluster.wait_for_nodes()
    out = tmp_path / "r.jsonl"
    proc = subprocess.Popen(
        [*cmd, "--backend", "ray", "--address", cluster.address, "--results", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        _poll("first record", lambda: out.exists() and out.read_bytes().count(b"\n"))
        cluster.remove_node(node)
        stdout, stderr = proc.communicate(timeout=RAY_POLL_S)
    finally:
        if proc.poll() is None:  # pragma: no cover - only when the test fails
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert stdout.strip().splitlines()[-1].startswith("verdicts of 8 tasks")
    got = list(load_results(out).values())
    assert _strip(got) == _strip(list(load_results(ref).values()))
