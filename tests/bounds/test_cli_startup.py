"""Start-up: what ``import bounds`` and the quick subcommands load, and the
on-disk catalogue they read (``bounds/_catalogue.py``).

Speed itself is measured by ``benchmarks/bench_cli.py``, never asserted here;
these tests check the imports that the speed depends on, each in a fresh
interpreter (``sys.modules`` of the test process holds everything).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bounds import REGISTRY
from bounds._catalogue import Catalogue, cache_dir, catalogue, version_hash

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("sympy", "scipy", "hypothesis", "matplotlib", "numba", "sklearn")
README_BOUND = [
    "bound",
    "--theorem",
    "delayed-cvx",
    "--n-samples",
    "500",
    "--n-steps",
    "1000",
    "--step-size",
    "0.01",
    "--lipschitz",
    "1",
    "--smoothness",
    "1",
    "--grid",
    "max_delay=0,8,32",
]


def _loaded(code: str, env: dict[str, str] | None = None) -> set[str]:
    """The heavy packages a fresh interpreter has loaded after running ``code``."""
    probe = (
        f"{code}\nimport sys\n"
        f"print('loaded:' + ','.join(m for m in {HEAVY!r} if m in sys.modules), "
        "file=sys.stderr)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {}), "PYTHONPATH": str(ROOT)},
        check=True,
    )
    (line,) = (x for x in done.stderr.splitlines() if x.startswith("loaded:"))
    return set(filter(None, line.removeprefix("loaded:").split(",")))


def test_import_bounds_loads_no_heavy_package() -> None:
    assert _loaded("import bounds") == set()
    assert _loaded("from bounds import InvalidParameterError, Assumption") == set()


def test_the_registry_loads_sympy_but_not_hypothesis_or_scipy() -> None:
    assert _loaded("from bounds import THEOREMS, get_theorem") == {"sympy"}
    assert "hypothesis" in _loaded("import bounds.strategies")


@pytest.fixture(scope="module")
def warm_cache(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A cache folder of its own, with the catalogue written into it."""
    env = {"ASYNCSTAB_CACHE_DIR": str(tmp_path_factory.mktemp("cache"))}
    _loaded("from empirical.cli._cli import main; main(['list'])", env)
    return env


@pytest.mark.parametrize(
    "argv", [["--help"], ["list"], ["show", "delayed-cvx", "--latex"], README_BOUND]
)
def test_quick_subcommands_load_no_heavy_package(
    argv: list[str], warm_cache: dict[str, str]
) -> None:
    code = (
        "import contextlib, io\nfrom empirical.cli._cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    try:\n        main({argv!r})\n    except SystemExit:\n        pass"
    )
    assert _loaded(code, warm_cache) == set()


# ---------------------------------------------------------------- the catalogue
def test_catalogue_holds_what_the_registry_computes() -> None:
    cat = catalogue()
    assert list(cat.entries) == list(REGISTRY)
    for key, theorem in REGISTRY.items():
        entry = cat.entries[key]
        assert entry.compiled == theorem.compiled  # the same generated source
        assert entry.texts["statement"] == theorem.statement()
        assert entry.texts["latex"] == theorem.latex()
        assert entry.parameters == theorem.parameters
        assert entry.accepted == theorem.accepted
        assert entry.reference == theorem.reference
        assert entry.label == theorem.label
        assert cat.get(theorem.registry_key) is entry


def test_catalogue_entry_evaluates_as_the_theorem() -> None:
    params = dict(
        n_samples=500, n_steps=1000, step_size=0.01, lipschitz=1, smoothness=1
    )
    for tau in (0, 8, 32):
        got = catalogue().get("delayed-cvx").compute(max_delay=tau, **params)
        want = REGISTRY["delayed-cvx"].compute(max_delay=tau, **params)
        assert got == want


def _fresh(monkeypatch: pytest.MonkeyPatch, folder: Path) -> Catalogue:
    monkeypatch.setenv("ASYNCSTAB_CACHE_DIR", str(folder))
    catalogue.cache_clear()
    try:
        return catalogue()
    finally:
        catalogue.cache_clear()


def test_catalogue_is_written_once_and_read_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _fresh(monkeypatch, tmp_path)
    assert cache_dir() == tmp_path
    (path,) = tmp_path.glob("catalogue-*.json")
    assert path.name == f"catalogue-{version_hash()}.json"
    written = path.stat().st_mtime_ns
    again = _fresh(monkeypatch, tmp_path)
    assert path.stat().st_mtime_ns == written  # read, not rebuilt
    assert again.entries == first.entries
    assert again.list_rows == first.list_rows


def test_a_damaged_or_stale_catalogue_is_rebuilt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / f"catalogue-{version_hash()}.json"
    for damaged in ("{not json", json.dumps({"version": "other"}), "[]"):
        path.write_text(damaged)
        cat = _fresh(monkeypatch, tmp_path)
        assert list(cat.entries) == list(REGISTRY)
        assert json.loads(path.read_text())["version"] == version_hash()
    doc = json.loads(path.read_text())
    del doc["theorems"][0]["compiled"]  # readable JSON, wrong content
    path.write_text(json.dumps(doc))
    assert list(_fresh(monkeypatch, tmp_path).entries) == list(REGISTRY)


def test_an_unwritable_cache_folder_is_no_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    cat = _fresh(monkeypatch, blocker / "cache")  # mkdir fails: built in memory
    assert list(cat.entries) == list(REGISTRY)


def test_the_version_hash_follows_the_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bounds._catalogue as module

    before = version_hash()
    copy = tmp_path / "bounds"
    copy.mkdir()
    for f in Path(module.__file__).parent.glob("*.py"):
        (copy / f.name).write_bytes(f.read_bytes())
    monkeypatch.setattr(module, "__file__", str(copy / "_catalogue.py"))
    assert version_hash() == before
    (copy / "_registry.py").write_text("# changed\n", encoding="utf-8")
    assert version_hash() != before
