"""``reproduce`` on an executor: local processes and Ray give the serial results.

The reference is one serial reproduction of a tiny grid (``deng2024 --quick
--models mlp`` with one seed, two pairs and one epoch: six runs). An executor then redoes two of
its runs (their files removed, the rest resumed) and ``results.json`` must come
out identical, number for number: a run's record depends only on its task.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("jax")
pytest.importorskip("mnist1d")

from bounds import InvalidParameterError
from empirical.cli import _nets_cli as nets_cli
from empirical.cli._cli import build_parser, main
from empirical.distributed import _ray_backend
from empirical.distributed._executors import LocalProcessExecutor
from empirical.runs import _reproduce
from empirical.runs._reproduce import RunTask, reproduce

TINY: dict[str, Any] = {
    "quick": True,
    "n_seeds": 1,
    "n_pairs": 2,
    "epochs": 1,
    "models": ["mlp"],
}
#: The runs an executor redoes: two settings of one group, one per worker.
REDONE = ("mlp-random-lr0.01-d4-s0", "mlp-random-lr0.01-d16-s0")


@pytest.fixture(scope="module")
def serial(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The serial reproduction of the tiny grid (the reference)."""
    out = tmp_path_factory.mktemp("serial")
    reproduce("deng2024", out, figures=False, **TINY)
    return out


def _redo_on(executor: Any, serial: Path, out: Path) -> None:
    """Copy the serial folder, remove the runs of ``REDONE``, resume on ``executor``."""
    shutil.copytree(serial, out)
    for stem in REDONE:
        (out / "runs" / f"{stem}.json").unlink()
    told: list[str] = []
    reproduce(
        "deng2024",
        out,
        resume=True,
        figures=False,
        executor=executor,
        progress=told.append,
        **TINY,
    )
    # 10 settings: 3 step rules x 2 delays, and the replaced point on the
    # fastest and on the slowest worker's shard x 2 delays (shard sampling)
    assert told[0] == f"deng2024: 2 runs to do, 8 kept from {out / 'runs'}"
    assert len(told) == 3  # the plan, then one line per finished run


def _assert_same_results(serial: Path, out: Path) -> None:
    assert json.loads((out / "results.json").read_text()) == json.loads(
        (serial / "results.json").read_text()
    )
    for stem in REDONE:  # the redone runs' files, byte for byte
        name = f"runs/{stem}.json"
        assert (out / name).read_bytes() == (serial / name).read_bytes()


@pytest.mark.slow
def test_local_processes_give_the_serial_results(serial: Path, tmp_path: Path) -> None:
    out = tmp_path / "local"
    _redo_on(LocalProcessExecutor(2, split_cores=True), serial, out)
    _assert_same_results(serial, out)


@pytest.mark.ray
@pytest.mark.slow
@pytest.mark.xdist_group("ray")  # one Ray instance at a time (see test_ray.py)
def test_ray_gives_the_serial_results(serial: Path, tmp_path: Path) -> None:
    pytest.importorskip("ray")
    # A local Ray instance of 2 CPUs, started and stopped by the executor itself
    # (or the one a fixture of test_ray.py left running, which it then keeps).
    out = tmp_path / "ray"
    _redo_on(_ray_backend.RayExecutor(workers=2), serial, out)
    _assert_same_results(serial, out)


class _Interrupt(Exception):
    """Stands for Ctrl-C in the middle of a reproduction."""


def _fake_run_setting(setting: Any, sizes: Any, seed: int, **kw: Any) -> dict[str, Any]:
    """A run's record without the network: what resume reads back."""
    return {
        "key": setting.key,
        "seed": seed,
        "n_steps": setting.n_steps,
        "sampling": setting.sampling,  # a record without it was a uniform run
    }


class _FirstThenInterrupt:
    """An executor that finishes the first task, then is interrupted."""

    def map_unordered(
        self, fn: Callable[[RunTask], Any], tasks: list[RunTask]
    ) -> Iterator[tuple[RunTask, Any]]:
        yield tasks[0], fn(tasks[0])
        raise _Interrupt


class _Recording:
    """An executor that records the tasks it is given and stops."""

    def __init__(self) -> None:
        self.tasks: list[RunTask] = []

    def map_unordered(self, fn: Any, tasks: list[RunTask]) -> Iterator[Any]:
        self.tasks = list(tasks)
        yield from ()  # a generator, as executors' map_unordered are
        raise _Interrupt


def test_each_finished_run_is_written_at_once_and_resumed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_reproduce, "run_setting", _fake_run_setting)
    with pytest.raises(_Interrupt):
        reproduce("deng2024", tmp_path, executor=_FirstThenInterrupt(), **TINY)
    (written,) = (tmp_path / "runs").iterdir()
    assert written.name == "mlp-random-lr0.01-d4-s0.json"
    rec = _Recording()
    with pytest.raises(_Interrupt):
        reproduce("deng2024", tmp_path, executor=rec, resume=True, **TINY)
    stems = [t.stem for t in rec.tasks]
    assert len(stems) == 9  # the 10 settings' runs but the one written
    assert written.stem not in stems
    # Tasks are plain data: they pickle to any executor.
    import pickle

    assert pickle.loads(pickle.dumps(rec.tasks[0])) == rec.tasks[0]


class _AllThenInterrupt:
    """An executor that finishes every task, then is interrupted (before the summary)."""

    def map_unordered(
        self, fn: Callable[[RunTask], Any], tasks: list[RunTask]
    ) -> Iterator[tuple[RunTask, Any]]:
        for t in tasks:
            yield t, fn(t)
        raise _Interrupt


def test_resume_with_more_seeds_keeps_the_runs_of_the_seeds_already_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A (setting, seed) run does not depend on how many seeds surround it, so a
    # grid grown from one seed to two redoes only the second seed's runs ...
    monkeypatch.setattr(_reproduce, "run_setting", _fake_run_setting)
    with pytest.raises(_Interrupt):
        reproduce("deng2024", tmp_path, executor=_AllThenInterrupt(), **TINY)
    rec = _Recording()
    with pytest.raises(_Interrupt):
        reproduce(
            "deng2024", tmp_path, executor=rec, resume=True, **{**TINY, "n_seeds": 2}
        )
    assert len(rec.tasks) == 10
    assert {t.seed for t in rec.tasks} == {1}
    # ... while another size (here the epochs) still redoes every run.
    rec = _Recording()
    with pytest.raises(_Interrupt):
        reproduce(
            "deng2024", tmp_path, executor=rec, resume=True, **{**TINY, "epochs": 2}
        )
    assert len(rec.tasks) == 10
    assert {t.seed for t in rec.tasks} == {0}


def _args(*argv: str) -> Any:
    return build_parser().parse_args(["reproduce", "deng2024", *argv])


@pytest.mark.parametrize(
    ("device", "expected"),
    [
        # max_retries: the default of --max-retries (a lost node's tasks run again)
        ("cpu", {"num_cpus": 1.0, "max_retries": 3, "retry_exceptions": False}),
        (
            "gpu",
            {"num_cpus": 1.0, "max_retries": 3, "retry_exceptions": False}
            | {"num_gpus": 1.0},
        ),
    ],
)
def test_ray_tasks_request_a_gpu_with_device_gpu(
    device: str, expected: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("ray")
    ex = nets_cli._executor(
        _args("--backend", "ray", "--device", device, "--address", "auto")
    )
    assert isinstance(ex, _ray_backend.RayExecutor)
    assert ex.address == "auto"
    assert ex.remote_options() == expected
    # ... and these are the options the tasks are declared with (no cluster).
    seen: list[dict[str, Any]] = []

    class FakeRay:
        @staticmethod
        def cluster_resources() -> dict[str, float]:
            return {"CPU": 2.0, "GPU": 1.0}

        @staticmethod
        def remote(**options: Any) -> Any:
            seen.append(options)
            raise _Interrupt

    @contextlib.contextmanager
    def fake_session(**kw: Any) -> Iterator[Any]:
        yield FakeRay

    monkeypatch.setattr(_ray_backend, "ray_session", fake_session)
    with pytest.raises(_Interrupt):
        list(ex.map_unordered(_reproduce.run_task, [0]))
    assert seen == [expected]


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--backend", "spark"], "backend='spark' must be one of"),
        (["--backend", ""], "backend='' must be one of"),
        # --workers sizes --backend local only: refused by name elsewhere
        (["--workers", "0"], "workers=0 has no effect with backend='serial'"),
        (["--backend", "local", "--workers", "-2"], "workers=-2 must be"),
        (["--backend", "ray", "--workers", "0"], "workers=0 has no effect with"),
        (["--backend", "ray", "--max-retries", "-1"], "max_retries=-1 must be"),
        (["--backend", "ray", "--ray-num-cpus", "nan"], "ray_num_cpus=nan must be"),
        (["--backend", "ray", "--ray-num-cpus", "0.5"], "ray_num_cpus=0.5 must be"),
        (["--backend", "ray", "--runtime-env", "{"], "runtime_env='{' is not"),
        (["--backend", "ray", "RAY-MISSING"], "Ray is not installed"),
    ],
)
def test_bad_executor_exits_2_before_any_run(
    argv: list[str],
    needle: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if "RAY-MISSING" in argv:
        argv = [a for a in argv if a != "RAY-MISSING"]
        monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    elif "ray" in argv:
        pytest.importorskip("ray")

    def no_run(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a run started")

    monkeypatch.setattr(_reproduce, "run_setting", no_run)
    monkeypatch.setattr(LocalProcessExecutor, "map_unordered", no_run)
    out = tmp_path / "out"
    rc = main(["reproduce", "deng2024", "--quick", *argv, "--output", str(out)])
    err = capsys.readouterr().err
    assert rc == 2
    assert needle in err
    assert len(err.strip().splitlines()) == 1
    assert not out.exists()  # refused before the output folder was made


def test_ray_refuses_a_gpu_request_on_a_cluster_without_gpu(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class NoGpuRay:
        @staticmethod
        def cluster_resources() -> dict[str, float]:
            return {"CPU": 2.0}

        @staticmethod
        def remote(**options: Any) -> Any:
            raise AssertionError("a task was declared")

    @contextlib.contextmanager
    def fake_session(**kw: Any) -> Iterator[Any]:
        yield NoGpuRay

    monkeypatch.setattr(_ray_backend, "ray_session", fake_session)
    ex = _ray_backend.RayExecutor(num_gpus_per_task=1)
    with pytest.raises(InvalidParameterError, match="has 0 GPUs"):
        list(ex.map_unordered(_reproduce.run_task, [0]))
    with pytest.raises(InvalidParameterError, match="num_gpus_per_task=nan"):
        _ray_backend.RayExecutor(num_gpus_per_task=float("nan"))


def test_local_workers_with_a_gpu() -> None:
    from empirical.distributed._executors import SerialExecutor

    # not one CUDA context per core on one GPU: one run at a time, in this process
    ex = nets_cli._executor(_args("--backend", "local", "--device", "gpu"))
    assert isinstance(ex, SerialExecutor)
    for argv, workers in (
        (["--device", "gpu", "--workers", "3"], 3),
        (["--device", "cpu", "--workers", "2"], 2),
    ):
        ex = nets_cli._executor(_args("--backend", "local", *argv))
        assert isinstance(ex, LocalProcessExecutor)
        assert ex.workers == workers
        assert ex.split_cores
