"""A full disk while results are written (issue 19): one line, whole records, resume.

The disk is "full" for a child process only: ``RLIMIT_FSIZE`` caps the size of
any file it writes (with ``SIGXFSZ`` ignored, a write past the cap fails with
``EFBIG``, as one past a full device fails with ``ENOSPC``). The machine's disk
is never filled.
"""

from __future__ import annotations

import json
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from empirical.cli._cli import main
from empirical.runs._disk import append_line, is_out_of_space, write_atomic

pytestmark = pytest.mark.skipif(
    not hasattr(resource, "RLIMIT_FSIZE"), reason="needs RLIMIT_FSIZE (POSIX)"
)

_SWEEP = ["sweep", "--backend", "serial", "--grid", "tau=0,1,2,3"]
_SWEEP += ["--n-steps", "30", "--n-pairs", "2", "--n-samples", "50"]


def _limited(limit: int):  # type: ignore[no-untyped-def]
    def preexec() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return preexec


def _child(argv: list[str], limit: int, cwd: Path) -> subprocess.CompletedProcess[str]:
    code = (
        "import sys; from empirical.cli._cli import main; sys.exit(main(sys.argv[1:]))"
    )
    return subprocess.run(
        [sys.executable, "-c", code, *argv],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,  # generous: a busy 2-core machine; never reached normally
        # numba's kernel cache was written by the run in this process (the
        # reference), so the child only reads it: its cap is on the results.
        preexec_fn=_limited(limit),
    )


def _strip(rec: dict) -> dict:
    return {k: v for k, v in rec.items() if k != "timing"}


def test_sweep_on_a_full_disk_keeps_whole_records_and_resumes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ref = tmp_path / "ref.jsonl"
    assert main([*_SWEEP, "--results", str(ref)]) == 0
    capsys.readouterr()
    lines = ref.read_bytes().splitlines(keepends=True)
    assert len(lines) == 4
    # room for two records and half of the third
    limit = len(lines[0]) + len(lines[1]) + len(lines[2]) // 2
    out = tmp_path / "r.jsonl"
    proc = _child([*_SWEEP, "--results", str(out)], limit, tmp_path)
    assert proc.returncode == 1, proc.stderr
    err = [x for x in proc.stderr.splitlines() if x.startswith("asyncstab: error")]
    assert err == [
        f"asyncstab: error: out of space writing {str(out)!r} (File too large): "
        "every complete result is kept; free some space, then rerun the same "
        "command with --resume"
    ]
    assert "Traceback" not in proc.stderr
    kept = out.read_bytes()
    assert kept.endswith(b"\n")  # the file ends with its last complete record
    recs = [json.loads(x) for x in kept.splitlines()]
    assert len(recs) == 2
    want = [_strip(json.loads(x)) for x in lines]
    assert [_strip(r) for r in recs] == want[:2]
    # with space again, --resume completes the grid: the same records as at once
    assert main([*_SWEEP, "--results", str(out), "--resume"]) == 0
    got = {
        r["task_id"]: _strip(r) for r in map(json.loads, out.read_bytes().splitlines())
    }
    assert sorted(got.values(), key=lambda r: r["task_id"]) == sorted(
        want, key=lambda r: r["task_id"]
    )


def test_verify_on_a_full_disk_says_so_and_resumes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def argv(out: Path) -> list[str]:
        a = ["verify", "--quick", "--losses", "huber", "--n-pairs", "2"]
        return [*a, "--no-figures", "--workers", "1", "--output", str(out)]

    ref = tmp_path / "ref"
    assert main(argv(ref)) == 0
    capsys.readouterr()
    size = (ref / "results.jsonl").stat().st_size
    # report.json holds every record and more: it is the file that cannot fit
    assert (ref / "report.json").stat().st_size > size + 1
    out = tmp_path / "out"
    proc = _child(argv(out), size + 1, tmp_path)
    assert proc.returncode == 1, proc.stderr
    err = [x for x in proc.stderr.splitlines() if x.startswith("asyncstab: error")]
    assert len(err) == 1
    assert "out of space writing" in err[0]
    assert err[0].endswith("rerun the same command with --resume")
    assert "Traceback" not in proc.stderr
    lines = (out / "results.jsonl").read_bytes().splitlines()
    assert len(lines) == 2  # every record is whole
    # with space again, --resume runs nothing more and writes the report
    assert main([*argv(out), "--resume"]) == 0
    assert "verdicts of 2 settings" in capsys.readouterr().out
    report = json.loads((out / "report.json").read_text())
    assert len(report["records"]) == 2


def test_append_and_atomic_write_leave_no_partial_data(tmp_path: Path) -> None:
    """The same, for the two writers, in a child with a 100-byte cap."""
    code = f"""
import os, sys
sys.path.insert(0, {str(Path(__file__).parents[3])!r})
from empirical.runs._disk import append_line, write_atomic, is_out_of_space
p = {str(tmp_path / "a.jsonl")!r}
append_line(p, "x" * 40)
try:
    append_line(p, "y" * 80)
except OSError as exc:
    assert is_out_of_space(exc), exc
    assert exc.filename == p
else:
    raise SystemExit("no error")
q = {str(tmp_path / "b.json")!r}
write_atomic(q, "old")
try:
    write_atomic(q, "z" * 200)
except OSError as exc:
    assert is_out_of_space(exc), exc
else:
    raise SystemExit("no error")
"""
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_limited(100),
    )
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "a.jsonl").read_text() == "x" * 40 + "\n"
    assert (tmp_path / "b.json").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.jsonl", "b.json"]


def test_out_of_space_errors() -> None:
    import errno

    assert is_out_of_space(OSError(errno.ENOSPC, "No space left on device"))
    assert is_out_of_space(OSError(errno.EFBIG, "File too large"))
    assert not is_out_of_space(OSError(errno.EACCES, "Permission denied"))
    assert not is_out_of_space(ValueError("x"))
    assert callable(append_line)
    assert callable(write_atomic)
