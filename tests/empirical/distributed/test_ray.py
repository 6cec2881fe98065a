"""Ray backend and the asynchronous parameter server (one local 2-CPU Ray instance).

Skipped as a whole when Ray is not installed (it is an optional extra).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

ray = pytest.importorskip("ray")

from empirical.distributed._executors import make_executor  # noqa: E402
from empirical.distributed._ps import (  # noqa: E402
    PSFailureError,
    PSResult,
    PSServerLostError,
    start_ps,
)
from empirical.distributed._ps_replay import evaluate_trace  # noqa: E402
from empirical.distributed._ray_backend import (  # noqa: E402
    RayExecutor,
    _job_runtime_env,
    start_ray,
)
from empirical.problems._problem import make_problem  # noqa: E402
from empirical.runs._sweep import load_results, sweep  # noqa: E402
from empirical.runs._task import make_tasks  # noqa: E402
from empirical.schedules._delays import TraceDelay  # noqa: E402
from empirical.simulators.linear._simulate import simulate_pairs  # noqa: E402
from tests._tolerances import RAY_STALL_S, RAY_STOP_S  # noqa: E402
from tests.empirical._procs import descendants, has_proc  # noqa: E402

# No warning filter: with ray 2.60 these tests emit no warning under the
# project's filterwarnings=error (checked); a future Ray warning should be seen.
# xdist_group: CI runs `pytest -n 2 --dist loadgroup`; one worker runs this whole
# module, so there is one Ray instance, not one per xdist worker.
pytestmark = [pytest.mark.ray, pytest.mark.slow, pytest.mark.xdist_group("ray")]

#: Mean staleness of K identical workers. The server's accounting identity
#: (empirical/distributed/_ps.py) makes it exactly ``K - 1 - R/T``, with ``R >= 0`` the total
#: age of the reads outstanding when the run stops: about ``K - 1`` per worker for
#: busy identical workers, so ``R/T ~ K(K-1)/T = 0.02`` here. 0.1 allows final
#: ages five times larger (an unlucky scheduling stall of a worker at the end on
#: a loaded 2-core machine) and is still far below the 1.0 that a server which
#: lost or double-counted one update per round would produce.
MEAN_STALENESS_ATOL = 0.1

K, T = 4, 600


@pytest.fixture(scope="module")
def ray_local():
    """One local Ray instance for the module: 2 CPUs, no dashboard; shut down after."""
    if ray.is_initialized():  # pragma: no cover - a leftover session
        ray.shutdown()
    # start_ray: retried on a busy machine, and a failed try stops what it started
    start_ray(
        ray, num_cpus=2, include_dashboard=False, runtime_env=_job_runtime_env(None)
    )
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def ps_result(ray_local) -> PSResult:
    return start_ps(
        n_workers=K,
        n_steps=T,
        mean_compute_s=0.001,
        seed=3,
        stall_timeout_s=RAY_STALL_S,
    ).wait()


def _strip_timing(records):
    return [json.dumps({k: v for k, v in r.items() if k != "timing"}, sort_keys=True)
            for r in records]  # fmt: skip


def test_ray_sweep_matches_local_bit_for_bit(ray_local, tmp_path):
    tasks = make_tasks(
        {"n_samples": 100, "n_steps": 200, "n_pairs": 8, "theorems": ("delayed-cvx",)},
        {"max_delay": [0, 4], "step_size": [0.1, 0.5]},
    )
    local = sweep(tasks, executor=make_executor("local", workers=2))
    path = tmp_path / "results.jsonl"
    remote = sweep(tasks, results=path, executor=RayExecutor(), resume=False)
    assert _strip_timing(remote) == _strip_timing(local)
    # every record was appended to the results file as it finished
    assert set(load_results(path)) == {t.task_id for t in tasks}


def test_ray_executor_propagates_task_errors(ray_local):
    with pytest.raises(ZeroDivisionError):
        list(RayExecutor().map_unordered(lambda x: 1 // x, [1, 0]))


def test_one_nonnegative_staleness_per_update(ps_result):
    r = ps_result
    assert len(r.staleness) == len(r.worker) == len(r.step_sizes) == T
    assert r.staleness.dtype == np.int64
    assert (r.staleness >= 0).all()
    # tau_t <= t - 1: a gradient cannot be older than the run
    assert (r.staleness <= np.arange(T)).all()
    assert r.histogram.sum() == T
    assert r.dead_workers == {}


def _check_reads_chain(r: PSResult) -> None:
    """Each worker's read is the version its previous push returned (0 at first)."""
    applied = np.arange(T)  # version before update i is i
    read = applied - r.staleness
    for k in range(r.config.n_workers):
        idx = np.flatnonzero(r.worker == k)
        expected = np.concatenate([[0], idx[:-1] + 1])
        np.testing.assert_array_equal(read[idx], expected)


def test_staleness_accounting_and_mean_close_to_k_minus_1(ps_result):
    r = ps_result
    _check_reads_chain(r)
    assert int(r.staleness.sum()) + r.residual == (K - 1) * T  # exact identity
    assert abs(r.staleness.mean() - (K - 1)) <= MEAN_STALENESS_ATOL
    # K workers really ran concurrently (fractional CPUs on 2 cores)
    assert set(np.unique(r.worker)) == set(range(K))


def test_model_beats_majority_class(ps_result):
    assert ps_result.baseline_accuracy is not None
    assert ps_result.accuracy is not None
    assert ps_result.accuracy > ps_result.baseline_accuracy + 0.1
    assert np.isfinite(ps_result.gap)


def test_trace_replays_in_simulator(ps_result, tmp_path):
    path = ps_result.write_trace(tmp_path / "trace.txt")
    lines = path.read_text().splitlines()
    assert [int(x) for x in lines] == ps_result.staleness.tolist()
    delay = TraceDelay.from_file(path, random_offset=False)
    assert delay.max_delay == int(ps_result.staleness.max())
    pr = make_problem("logistic", "breast_cancer", n_samples=100)
    rs = simulate_pairs(pr, step_size=0.1, delay=delay, n_steps=T, n_pairs=2, seed=0)
    # tau_t <= t - 1 holds for a real trace, so the effective delays are the trace
    np.testing.assert_array_equal(rs.delays[0], ps_result.staleness)


def test_evaluate_trace_uses_trace_maximum_and_per_step_delays(ps_result, tmp_path):
    path = ps_result.write_trace(tmp_path / "trace.txt")
    ev = evaluate_trace(
        path, n_samples=400, step_size=0.5, n_pairs=8, theorems=("delayed-cvx",),
        real_gap=ps_result.gap,
    )  # fmt: skip
    assert ev.max_delay == int(ps_result.staleness.max())
    assert ev.real_gap == ps_result.gap
    (row,) = ev.rows
    assert row.theorem == "[D-cvx]"
    assert row.bound is not None
    assert row.recursion is not None
    assert row.recursion <= row.bound  # per-step delays <= the maximum everywhere
    assert "[D-cvx]" in ev.table()


def test_killed_worker_is_reported_and_run_continues(ray_local):
    run = start_ps(
        n_workers=K,
        n_steps=T,
        mean_compute_s=0.002,
        seed=5,
        stall_timeout_s=RAY_STALL_S,
    )
    deadline = time.monotonic() + RAY_STALL_S
    while run.progress() < T // 4:
        assert time.monotonic() < deadline, "the run made no progress"
        time.sleep(0.02)
    ray.kill(run.workers[1])
    r = run.wait()
    assert set(r.dead_workers) == {1}
    assert len(r.staleness) == T
    assert (r.staleness >= 0).all()
    _check_reads_chain(r)  # accounting stays right across the death
    assert int(r.staleness.sum()) + r.residual == (K - 1) * T
    assert (r.worker[-T // 4 :] != 1).all()  # nothing from the dead worker at the end


def test_lost_server_stops_with_the_exact_trace_so_far(ray_local, tmp_path):
    run = start_ps(
        n_workers=K,
        n_steps=1_000_000,  # far more than run before the server is killed
        mean_compute_s=0.002,
        seed=7,
        stall_timeout_s=RAY_STALL_S,
    )
    deadline = time.monotonic() + RAY_STALL_S
    while run.progress() < 200:
        assert time.monotonic() < deadline, "the run made no progress"
        time.sleep(0.02)
    before = ray.get(run.server.state.remote(), timeout=RAY_STALL_S)
    ray.kill(run.server)
    with pytest.raises(PSServerLostError, match="parameter server died") as info:
        run.wait()
    exc = info.value
    n, stale = len(exc.staleness), before["stale"]
    # A worker pushes again only once its previous update is acknowledged: every
    # update in `before` but each worker's last one was acknowledged, so the
    # trace reaches at least the earliest of those last updates.
    last = [int(np.flatnonzero(before["worker"] == k).max()) for k in range(K)]
    assert n >= min(last)
    # exact: the server's own records, on the updates both have
    m = min(n, len(stale))
    np.testing.assert_array_equal(exc.staleness[:m], stale[:m])
    np.testing.assert_array_equal(exc.worker[:m], before["worker"][:m])
    np.testing.assert_array_equal(exc.step_sizes[:m], before["eta"][:m])
    # saved and replayable
    path = exc.write_trace(tmp_path / "trace.txt")
    assert TraceDelay.from_file(path).values == tuple(exc.staleness.tolist())


def test_all_workers_dead_is_a_clear_error(ray_local):
    run = start_ps(
        n_workers=2,
        n_steps=100_000,
        mean_compute_s=0.002,
        seed=6,
        stall_timeout_s=RAY_STALL_S,
    )
    for w in run.workers:
        ray.kill(w)
    with pytest.raises(PSFailureError, match="all 2 workers died"):
        run.wait()


def test_modules_do_not_import_ray():
    code = (
        "import sys, empirical, empirical.distributed._ps, empirical.cli._ps_cli, empirical.distributed._ps_replay, "
        "empirical.distributed._ray_backend; assert 'ray' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


_FAILING_START = """
import ctypes, sys, time
# A child subreaper (prctl(2), PR_SET_CHILD_SUBREAPER = 36): an orphaned
# grandchild (a raylet's agent) is reparented here, so the test still sees it.
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)
import ray
import ray._private.node as node_mod
from empirical.distributed._ray_backend import RayStartError, ray_session

real = node_mod.Node.start_ray_processes

def start_then_time_out(self):
    real(self)  # the raylet and its helpers are running now
    raise Exception("The current node timed out during startup. (simulated)")

node_mod.Node.start_ray_processes = start_then_time_out
try:
    with ray_session(num_cpus=1):
        pass
except RayStartError as exc:
    print("RayStartError:", exc, flush=True)
    time.sleep(60)  # stay alive: the test inspects this process's children
sys.exit(3)
"""


@pytest.mark.skipif(not has_proc(), reason="reads the process table in /proc")
def test_failed_ray_start_stops_what_it_started():
    env = {**os.environ, "ASYNCSTAB_RAY_START_ATTEMPTS": "2"}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[3])
    proc = subprocess.Popen(
        [sys.executable, "-c", _FAILING_START],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        line = proc.stdout.readline()  # blocks until the start has failed twice
        assert line.startswith("RayStartError: could not start Ray in 2 attempt(s)")
        assert "timed out during startup" in line
        assert proc.poll() is None
        deadline = time.monotonic() + RAY_STOP_S
        while (left := descendants(proc.pid)) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert left == {}, f"processes of the failed start still running: {left}"
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()


def test_cli_reports_a_failed_ray_start_in_one_line(monkeypatch, capsys, tmp_path):
    from empirical.cli._cli import main
    from empirical.distributed import _ray_backend

    def fail(ray_module, attempts=None, **kw):
        raise _ray_backend.RayStartError("could not start Ray in 3 attempt(s): boom")

    monkeypatch.setattr(ray, "is_initialized", lambda: False)
    monkeypatch.setattr(_ray_backend, "start_ray", fail)
    argv = ["sweep", "--backend", "ray", "--results", str(tmp_path / "r.jsonl")]
    assert main([*argv, "--n-steps", "5", "--n-pairs", "2", "--n-samples", "50"]) == 1
    err = capsys.readouterr().err
    # the only other line is the progress header ("sweep: 1 settings to run ...")
    assert [x for x in err.splitlines() if not x.startswith("sweep: ")] == [
        "asyncstab: error: could not start Ray in 3 attempt(s): boom"
    ]
