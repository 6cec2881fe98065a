"""A sweep killed with SIGKILL leaves no process behind (pool workers, resource tracker)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests._tolerances import ORPHAN_EXIT_S, PROCESS_START_S
from tests.empirical._procs import alive, descendants, has_proc

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not has_proc(), reason="reads the process table in /proc"),
]


def test_sigkilled_sweep_leaves_no_child_alive(tmp_path: Path) -> None:
    # Long enough that the workers are still computing when the parent is killed.
    code = (
        "import sys; from empirical.cli._cli import main; sys.exit(main(["
        "'sweep', '--grid', 'tau=0,1,2,3,4,5,6,7', '--n-steps', '200000', "
        "'--n-pairs', '64', '--n-samples', '100', '--workers', '2', "
        f"'--results', {str(tmp_path / 'r.jsonl')!r}]))"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])}
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        deadline = time.monotonic() + PROCESS_START_S
        kids: dict[int, int] = {}
        while len(kids) < 3:  # two pool workers and the resource tracker
            assert proc.poll() is None, "the sweep ended before it could be killed"
            assert time.monotonic() < deadline, f"only {len(kids)} children started"
            time.sleep(0.2)
            kids = descendants(proc.pid)
        time.sleep(1.0)  # let the workers get into their tasks
        kids = descendants(proc.pid)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    deadline = time.monotonic() + ORPHAN_EXIT_S
    while (left := [p for p, s in kids.items() if alive(p, s)]) and (
        time.monotonic() < deadline
    ):
        time.sleep(0.2)
    for pid in left:  # clean up before failing, so no test leaves an orphan
        os.kill(pid, signal.SIGKILL)
    assert left == [], f"children still alive {ORPHAN_EXIT_S} s after SIGKILL"
