"""Output paths checked once, resolved, before any work (issue 28, item 3).

Each output option (``sweep --results``, ``verify``/``reproduce``/``ps
--output``, ``compare --plot``) meets the same hostile paths: no name of its
own (``.``, ``..``), a symbolic-link loop (at the end, or on the way), a name
longer than the file system takes, and a part that is a file. Each is refused in
one line naming the option, exit status 2, with nothing written (they ended in
tracebacks before).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from empirical.cli._cli import main
from empirical.distributed import _ray_backend
from empirical.runs import _sweep

#: The hostile paths (relative to a scratch folder) and what the refusal says.
PATHS = {
    "dot": (".", "has no name of its own"),
    "dot-dot": ("sub/..", "has no name of its own"),
    "loop": ("loop", "is a loop of symbolic links"),
    "through-loop": ("loop/x", "is a loop of symbolic links"),
    # 300 bytes: over NAME_MAX (255 on Linux, macOS and Windows file systems)
    "too-long": ("a" * 300, "has a name of 300 bytes"),
    "under-a-file": ("afile/x", "is not a folder (it is a file)"),
}

#: Each output option: the command (``{p}``: the path) and the option's name.
COMMANDS = {
    "sweep": ("sweep --backend serial --n-steps 5 --results {p}", "results"),
    "verify": ("verify --quick --workers 1 --output {p}", "output"),
    "reproduce": ("reproduce regatti2019 --quick --output {p}", "output"),
    "ps": ("ps --output {p}", "output"),
}


def _no_work(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("work started before the path was checked")


def _scratch(tmp_path: Path) -> list[Path]:
    (tmp_path / "sub").mkdir()
    (tmp_path / "afile").write_text("mine")
    os.symlink("loop", tmp_path / "loop")
    return sorted(tmp_path.iterdir())


def _refused(argv: list[str], name: str, match: str, capsys: Any) -> None:
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"asyncstab: error: {name}=")
    assert err.count("\n") == 1, err
    assert match in err, err


@pytest.mark.parametrize("kind", sorted(PATHS))
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_output_path_refused_in_one_line(
    command: str,
    kind: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if command == "reproduce":
        for extra in ("jax", "mlxtend", "mnist1d"):  # reproduce needs the nets extra
            pytest.importorskip(extra)
        from empirical.runs import _reproduce

        monkeypatch.setattr(_reproduce, "reproduce", _no_work)
    before = _scratch(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(_sweep, "sweep", _no_work)
    monkeypatch.setattr(_ray_backend, "ray_session", _no_work)
    path, match = PATHS[kind]
    template, name = COMMANDS[command]
    argv = [a.replace("{p}", path) for a in template.split()]
    _refused(argv, name, match, capsys)
    assert sorted(tmp_path.iterdir()) == before  # nothing written
    assert (tmp_path / "afile").read_text() == "mine"


@pytest.mark.parametrize("kind", ["loop", "through-loop", "too-long", "under-a-file"])
def test_plot_path_refused_in_one_line(
    kind: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = _scratch(tmp_path)
    monkeypatch.chdir(tmp_path)
    path, match = PATHS[kind]
    argv = ["compare", "--loss-family", "convex-smooth", "--step-size", "0.1"]
    argv += ["--grid", "max_delay=0,2", "--plot", path + ".png"]
    if kind == "loop":  # 'loop.png' is a new file beside the loop: loop it too
        os.symlink("loop.png", tmp_path / "loop.png")
        before = sorted(tmp_path.iterdir())
    _refused(argv, "plot", match.replace("300", "304"), capsys)
    assert sorted(tmp_path.iterdir()) == before


def test_delays_from_is_named_as_typed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The trace reader's own argument (``path=``) is not what the user typed."""
    argv = ["verify", "--quick", "--delays-from", str(tmp_path / "none.csv")]
    _refused(argv, "delays_from", "must be an existing file", capsys)
