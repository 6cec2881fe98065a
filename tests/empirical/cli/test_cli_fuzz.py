"""Fuzzing the argument handling of ``verify``, ``sweep``, ``ps`` and ``reproduce``
(Hypothesis).

Random argument lists over every flag of the four commands: numbers at the
extremes of float64, NaN, inf, empty strings, repeated flags, unwritable and
malformed paths. The property: the command either refuses, with exit status 2
and exactly one line on stderr, or accepts; never a traceback, never a warning.

No real work starts: the point where each command would begin computing
(:func:`empirical.runs._sweep.sweep`, :func:`empirical.distributed._ray_backend.ray_session`,
``empirical.runs._reproduce.run_setting``, local worker processes) is
replaced by a stub that stops the command, so an accepted argument list is
recognised by reaching it. The profiles of ``tests/conftest.py`` set the number
of examples (``ci``: 100 per command; ``thorough``: 2000).
"""

from __future__ import annotations

import contextlib
import io
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import given
from hypothesis import strategies as st

from empirical.cli._cli import main
from empirical.distributed import _executors, _ray_backend
from empirical.runs import _sweep

try:  # reproduce's module imports JAX: the nets extra
    from empirical.runs import _reproduce
except ImportError:  # pragma: no cover - CI installs the nets extra
    _reproduce = None  # type: ignore[assignment]


class _WorkWouldStart(Exception):
    """Raised by the stubs: validation passed, the command would now compute."""


def _stop(*args: Any, **kwargs: Any) -> Any:
    raise _WorkWouldStart


NUMBERS = st.one_of(
    st.sampled_from(
        [
            "0",
            "1",
            "2",
            "-1",
            "0.5",
            "1.5",
            "3",
            "16",
            "1e300",
            "-1e300",
            "1e-320",
            "1.7976931348623157e308",
            "5e-324",
            "nan",
            "-nan",
            "inf",
            "-inf",
            "",
            " ",
            "abc",
            "1,2",
            "0x10",
            "99999999999999999999999",
        ]
    ),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)
NAMES = st.sampled_from(
    [
        "logistic",
        "sigmoid",
        "huber",
        "mlp",
        "hinge",
        "",
        "breast_cancer",
        "digits",
        "digits_binary",
        "diabetes",
        "synthetic",
        "mnist",
        "delayed-cvx",
        "hardt-cvx",
        "H-ncvx",
        "[D-ncvx]",
        "regatti-ncvx",
        "nope",
        "constant",
        "rule-tau",
        "staleness",
        "decaying",
        "rule-tau-decaying",
        "staleness-adaptive",
    ]
)
LISTS = st.lists(st.one_of(NAMES, NUMBERS), max_size=4).map(",".join)
DELAYS = st.one_of(
    st.sampled_from(
        [
            "constant",
            "uniform",
            "workers",
            "geometric",
            "geometric:0.3",
            "geometric:0.3:8",
            "geometric:2",
            "geometric:nan",
            "uniform:8",
            "workers:4",
            "workers:0",
            "workers:4:lognormal",
            "workers:4:lognormal:3",
            "workers:4:x",
            "workers:inf",
            "trace:",
            "trace:{trace}",
            "trace:{empty}",
            "trace:{huge}",
            "trace:{missing}",
            "trace:{binary}",
            "poisson",
            "",
            ":",
            "::",
        ]
    ),
    st.builds(lambda k, v: f"{k}:{v}", NAMES, NUMBERS),
)
PATHS = st.sampled_from(
    [
        "{new}",
        "{file}",
        "{dir}",
        "{trace}",
        "{empty}",
        "{huge}",
        "{binary}",
        "{missing}",
        "",
        "/proc/asyncstab-fuzz",
        "/sys/asyncstab-fuzz",
        "/proc/1/status",
    ]
)
GRID = st.builds(
    lambda k, v: f"{k}={v}",
    st.sampled_from(
        [
            "tau",
            "max_delay",
            "eta",
            "step_size",
            "c",
            "n",
            "T",
            "n_samples",
            "n_steps",
            "loss",
            "dataset",
            "schedule",
            "seed",
            "delay",
            "pairs",
            "colour",
            "",
        ]
    ),
    st.one_of(LISTS, NUMBERS),
)

ADDRESSES = st.sampled_from(["auto", "", "127.0.0.1:1", "ray://nowhere:10001"])

COMMON = {
    "--theorems": LISTS,
    "--n-pairs": NUMBERS,
    "--seed": NUMBERS,
    "--workers": NUMBERS,
    "--json": None,
}
FLAGS: dict[str, dict[str, Any]] = {
    "verify": {
        **COMMON,
        "--quick": None,
        "--full": None,
        "--table": None,
        "--losses": LISTS,
        "--datasets": LISTS,
        "--max-delays": LISTS,
        "--delays-from": PATHS,
        "--output": PATHS,
        "--resume": None,
        "--no-figures": None,
        "--worst-case": None,
        "--no-worst-case": None,
    },
    "sweep": {
        **COMMON,
        "--grid": GRID,
        "--loss": NAMES,
        "--dataset": NAMES,
        "--n-samples": NUMBERS,
        "--n-steps": NUMBERS,
        "--max-delay": NUMBERS,
        "--delay": DELAYS,
        "--step-size": NUMBERS,
        "--schedule": NAMES,
        "--results": PATHS,
        "--resume": None,
        "--backend": st.sampled_from(["local", "serial", "ray", "spark", ""]),
        "--ray-num-cpus": NUMBERS,
        "--runtime-env": st.sampled_from(["{}", "[1]", "{", "", '{"env_vars": {}}']),
        "--address": ADDRESSES,
        "--max-retries": NUMBERS,
    },
    "ps": {
        "--loss": NAMES,
        "--dataset": NAMES,
        "--n-samples": NUMBERS,
        "-K": NUMBERS,
        "--n-steps": NUMBERS,
        "--step-size": NUMBERS,
        "--rule": LISTS,
        "--tau": NUMBERS,
        "--batch-size": NUMBERS,
        "--compute-time": st.sampled_from(["exponential", "lognormal", "fixed", "x"]),
        "--mean-compute-ms": NUMBERS,
        "--slowdowns": LISTS,
        "--worker-cpus": NUMBERS,
        "--seed": NUMBERS,
        "--timeout": NUMBERS,
        "--output": PATHS,
        "--no-evaluate": None,
        "--n-pairs": NUMBERS,
        "--theorems": LISTS,
        "--json": None,
        "--ray-num-cpus": NUMBERS,
        "--runtime-env": st.sampled_from(["{}", "[1]", "{", ""]),
        "--address": ADDRESSES,
    },
    "reproduce": {
        "--quick": None,
        "--output": PATHS,
        "--device": st.sampled_from(["cpu", "gpu", "tpu", ""]),
        "--resume": None,
        "--seeds": NUMBERS,
        "--n-pairs": NUMBERS,
        "--epochs": NUMBERS,
        "--n-samples": NUMBERS,
        "--sampling": st.sampled_from(["shards", "uniform", "sorted", ""]),
        "--no-figures": None,
        "--models": LISTS,
        "--backend": st.sampled_from(["serial", "local", "ray", "spark", ""]),
        "--workers": NUMBERS,
        "--ray-num-cpus": NUMBERS,
        "--runtime-env": st.sampled_from(["{}", "[1]", "{", ""]),
        "--address": ADDRESSES,
        "--max-retries": NUMBERS,
    },
}

#: ``reproduce``'s positional argument: the three experiments and hostile names.
EXPERIMENTS = st.sampled_from(
    ["regatti2019", "deng2024", "delay-question", "", "regatti", "x y"]
)


@st.composite
def argv_of(draw: st.DrawFn, command: str) -> list[str]:
    """An argument list of ``command``: flags drawn in pairs (so that every two
    options meet often, and the contradictory pairs with them), with repeats,
    in any order."""
    flags = FLAGS[command]
    pair = st.tuples(st.sampled_from(sorted(flags)), st.sampled_from(sorted(flags)))
    pairs = draw(st.lists(pair, max_size=4))
    names = [name for p in pairs for name in p]
    argv = [command]
    if command == "reproduce" and draw(st.integers(0, 9)):  # mostly given
        argv.append(draw(EXPERIMENTS))
    if command == "sweep" and draw(st.booleans()):
        names = ["--results", *names]  # mostly past the required flag
    for name in names:
        argv.append(name)
        if flags[name] is not None:
            # Half the values are valid ones, so that a contradictory pair is
            # often the only thing wrong with the list (else another error
            # would refuse it first, and the pair would go unnoticed).
            values = flags[name]
            if name in VALID:
                values = st.one_of(st.sampled_from(VALID[name]), values)
            argv.append(draw(values))
    return argv


#: A valid value of each option a contradiction involves (or ``{file}`` keys).
VALID: dict[str, list[str]] = {
    "--workers": ["2"],
    "--backend": ["serial", "local", "ray"],
    "--max-delay": ["2"],
    "--delay": ["trace:{trace}", "workers:3", "uniform"],
    "--address": ["auto"],
    "--ray-num-cpus": ["2"],
    "--max-retries": ["1"],
    "--runtime-env": ["{}"],
    "--tau": ["1"],
    "--n-pairs": ["4"],
    "--theorems": ["delayed-cvx"],
    "--max-delays": ["0,2"],
    "--delays-from": ["{trace}"],
    "--rule": ["constant", "rule-tau", "staleness"],
    "--results": ["{new}"],
    "--output": ["{new}"],
}


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    d = tmp_path_factory.mktemp("fuzz")
    out = {"dir": str(d / "a-folder"), "new": str(d / "new" / "out")}
    (d / "a-folder").mkdir()
    for key, data in {
        "file": b"a file\n",
        "trace": b"0\n1\n2\n3\n",
        "empty": b"",
        "huge": b"0\n1e300\n",
        "binary": b"\xff\xfe\x00",
    }.items():
        (d / key).write_bytes(data)
        out[key] = str(d / key)
    out["missing"] = str(d / "missing.txt")
    return out


@contextlib.contextmanager
def _no_work() -> Iterator[None]:
    with (
        mock.patch.object(_sweep, "sweep", _stop),
        mock.patch.object(_ray_backend, "ray_session", _stop),
        # reproduce --backend local: the runs would start in worker processes
        mock.patch.object(_executors.LocalProcessExecutor, "map_unordered", _stop),
        contextlib.ExitStack() as stack,
    ):
        if _reproduce is not None:
            stack.enter_context(mock.patch.object(_reproduce, "run_setting", _stop))
        yield


def _run(argv: list[str]) -> tuple[int | str, str, str, list[str]]:
    """Exit status (or "accepted"), stdout, stderr and warnings of one invocation."""
    out, err = io.StringIO(), io.StringIO()
    with (
        warnings.catch_warnings(record=True) as caught,
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
        _no_work(),
    ):
        warnings.simplefilter("always")
        try:
            status: int | str = main(argv)
        except _WorkWouldStart:
            status = "accepted"
        except SystemExit as exc:  # argparse: usage errors (and nothing else here)
            status = exc.code if isinstance(exc.code, int) else 1
    return status, out.getvalue(), err.getvalue(), [str(w.message) for w in caught]


def _fill(arg: str, files: dict[str, str]) -> str:
    for key, path in files.items():
        arg = arg.replace("{" + key + "}", path)
    return arg


def _last(argv: list[str], flag: str, default: str | None = None) -> str | None:
    """The value of ``flag`` that argparse keeps (the last one given)."""
    values = [argv[i + 1] for i, a in enumerate(argv[:-1]) if a == flag]
    return values[-1] if values else default


_RAY_ONLY = ("--address", "--ray-num-cpus", "--runtime-env", "--max-retries")


def contradictions(argv: list[str]) -> list[str]:
    """The options of ``argv`` that cannot hold together, or would be ignored
    (the specification of :mod:`empirical.cli._conflicts`, written independently):
    any one of them must make the command refuse."""
    command, given = argv[0], set(argv)
    out = []
    if {"--address", "--ray-num-cpus"} <= given:
        out.append("--address with --ray-num-cpus")
    if command in ("sweep", "reproduce"):
        backend = _last(argv, "--backend", "local" if command == "sweep" else "serial")
        if backend != "ray" and given & set(_RAY_ONLY):
            out.append(f"a Ray option with --backend {backend}")
        # sweep: --workers sizes local processes (and a local Ray instance);
        # reproduce: local processes only
        unread = ("serial",) if command == "sweep" else ("serial", "ray")
        if "--workers" in given and backend in unread:
            out.append(f"--workers with --backend {backend}")
    if command == "sweep" and "--max-delay" in given:
        kind, _, rest = (_last(argv, "--delay") or "").partition(":")
        if kind == "trace" or (kind == "workers" and rest):
            out.append("--max-delay with a delay model of its own maximum")
    if command == "verify" and {"--max-delays", "--delays-from"} <= given:
        out.append("--max-delays with --delays-from")
    if command == "verify" and {"--quick", "--full"} <= given:
        out.append("--quick with --full")
    if command == "verify" and {"--table", "--json"} <= given:
        out.append("--table with --json")
    if command == "ps":
        rules = [
            x.strip() for x in (_last(argv, "--rule", "constant") or "").split(",")
        ]
        if "--tau" in given and "rule-tau" not in rules:
            out.append("--tau without rule-tau")
        if "--no-evaluate" in given and given & {"--n-pairs", "--theorems"}:
            out.append("a replay option with --no-evaluate")
    return out


def _check(argv: list[str], files: dict[str, str], tmp: Path) -> None:
    argv = [_fill(a, files) for a in argv]
    status, out, err, caught = _run(argv)
    wrong = contradictions(argv)
    assert not (wrong and status == "accepted"), f"{argv}: accepted {wrong}"
    assert caught == [], f"{argv}: warnings {caught}"
    assert "Traceback" not in out + err, f"{argv}: {err}"
    if status == 2:
        assert err.startswith("asyncstab: error: "), f"{argv}: {err!r}"
        assert err.count("\n") == 1, f"{argv}: not one line: {err!r}"
        assert out == "", f"{argv}: {out!r}"
    else:
        assert status == "accepted", f"{argv}: exit {status}, stderr {err!r}"


@pytest.mark.parametrize("command", ["verify", "sweep", "ps", "reproduce"])
def test_cli_fuzz(
    command: str,
    files: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if command == "reproduce" and _reproduce is None:
        pytest.skip("reproduce needs the nets extra")
    monkeypatch.chdir(tmp_path)  # default output folders land here

    @given(argv=argv_of(command))
    def prop(argv: list[str]) -> None:
        _check(argv, files, tmp_path)

    prop()
