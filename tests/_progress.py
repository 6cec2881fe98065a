"""One line per finished test file, from the start of the run (a pytest plugin).

With ``-n 2`` (pytest-xdist) pytest prints one character per finished test, and
the long files (simulations, Ray clusters, notebooks) run for minutes each: on a
busy machine the suite printed about 15 characters in its first 14 minutes. This
plugin (loaded by ``tests/conftest.py``; active in xdist's controller, the
process that reports) adds, as soon as a file's last test finishes, a line::

    [  3/118 files, 0:42] tests/bounds/test_registry.py: 57 passed

Off with ``-v`` (pytest prints every test there) or ``-p no:tests._progress``.
"""

from __future__ import annotations

import collections
import time
from typing import Any

import pytest

#: Counts of the outcomes of each file's tests, and how many remain.
_left: dict[str, int] = {}
_outcomes: dict[str, collections.Counter[str]] = {}
_files = {"done": 0}
_start = time.monotonic()
#: The run's config, once this process is the one that reports.
_state: dict[str, Any] = {"config": None}


def _file(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


def _count(nodeids: list[str]) -> None:
    if _left or _state["config"] is None:  # every xdist worker reports the same
        return
    for nodeid in nodeids:
        f = _file(nodeid)
        _left[f] = _left.get(f, 0) + 1
        _outcomes.setdefault(f, collections.Counter())


def _active(config: pytest.Config) -> bool:
    """The xdist controller, not verbose: without xdist pytest already writes
    each file's name before its tests' characters."""
    return (
        bool(getattr(config.option, "numprocesses", None))
        and not hasattr(config, "workerinput")  # not inside an xdist worker
        and config.get_verbosity() <= 0
    )


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    if session.items:  # without xdist (its controller collects nothing)
        _count([item.nodeid for item in session.items])


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node: Any, ids: list[str]) -> None:
    _count(list(ids))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    f = _file(report.nodeid)
    if f not in _left:
        return
    if report.when == "call" or (report.when == "setup" and not report.passed):
        _outcomes[f][report.outcome] += 1
    elif report.when == "teardown" and report.failed:
        _outcomes[f]["error"] += 1
    if report.when != "teardown":
        return
    _left[f] -= 1
    if _left[f] == 0:
        _files["done"] += 1
        _say(report, f)


def _say(report: pytest.TestReport, f: str) -> None:
    tr = _state["config"].pluginmanager.get_plugin("terminalreporter")
    if tr is None:  # -p no:terminal
        return
    minutes, seconds = divmod(int(time.monotonic() - _start), 60)
    counts = ", ".join(f"{n} {k}" for k, n in sorted(_outcomes[f].items()))
    if tr._tw.width_of_current_line:  # after the tests' characters
        tr._tw.line()
    tr.write_line(
        f"[{_files['done']:>3}/{len(_left)} files, {minutes}:{seconds:02d}] {f}: "
        f"{counts or 'done'}"
    )
    tr.flush()


def pytest_configure(config: pytest.Config) -> None:
    if _active(config):
        _state["config"] = config
