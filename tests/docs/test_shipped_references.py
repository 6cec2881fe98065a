"""The package refers only to what it ships.

*Shipped* is every file git tracks (a new file counts once it is added): the
source distribution, the packages of the wheel with their data, the
documentation site's sources, the notebooks, README, pyproject.toml, mkdocs.yml,
CITATION.cff, CHANGELOG.md, the tests and the CI script. The one exception is
this file, which has to name what it looks for.

No shipped text file may name

* a relative path that climbs out of the repository: ``../`` repeated more often
  than the file's folder is deep (a link ``../theorems/x.md`` from ``docs/sitegen/``
  stays inside; ``../../x`` from ``docs/`` does not);
* a ``shared`` folder beside the checkout (``../shared``, ``parent / "shared"``),
  or the working notes kept there: ``THEORY.md``, ``DESIGN.md``, ``STYLE.md``
  (what the package cites lives in ``docs/theory.md`` and ``CONTRIBUTING.md``);
* an absolute path of a developer's machine (``/work/``, ``/home/``,
  ``/root/``, ``/Users/``).

A cited section must exist: ``docs/theory.md, "Setting"`` (or ``docs/theory.md
("Setting")``, and the same for ``CONTRIBUTING.md``) names a heading of that file.
A last test checks that every non-Python file inside a package is package data in
pyproject.toml, so that a non-editable install has it (the example traces of
:func:`empirical.example_trace`).
"""

from __future__ import annotations

import fnmatch
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
THIS = Path(__file__).resolve().relative_to(ROOT).as_posix()

#: (pattern, what it names). Matched line by line, case-sensitively.
FORBIDDEN: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"\b(?:THEORY|DESIGN|STYLE)\.md\b"),
        "a working note outside the repository (cite docs/theory.md or CONTRIBUTING.md)",
    ),
    (
        re.compile(r"\.\.[/\\]shared\b|[/\\]\s*[\"']shared[\"']"),
        "the shared/ folder beside the checkout",
    ),
    (
        re.compile(r"(?<![\w.~-])/(?:work|home|root|Users)/"),
        "an absolute path of a developer's machine",
    ),
)

#: A run of ``../`` (or ``..\\``) that starts a path: at the start of a line or
#: after a space, quote, bracket, ``=``, ``:`` or ``,``.
_CLIMB = re.compile(r"(?:^|(?<=[\s\"'`(\[{<=:,]))((?:\.\.[/\\])+)")


def offences(root: Path, files: list[str]) -> list[str]:
    """``"path:line: what (text)"`` for every forbidden reference in ``files``.

    ``files`` are paths relative to ``root``; files that are not UTF-8 text
    (figures) are skipped.
    """
    found = []
    for rel in files:
        try:
            text = (root / rel).read_text(encoding="utf-8")
        except (UnicodeDecodeError, IsADirectoryError, FileNotFoundError):
            continue
        if "\x00" in text:
            continue
        depth = len(Path(rel).parts) - 1  # folders between the root and the file
        for number, line in enumerate(text.splitlines(), start=1):
            where = f"{rel}:{number}"
            for pattern, what in FORBIDDEN:
                for m in pattern.finditer(line):
                    found.append(f"{where}: {what} ({m.group(0)!r})")
            for m in _CLIMB.finditer(line):
                ups = len(m.group(1)) // 3
                if ups > depth:
                    found.append(
                        f"{where}: a relative path that climbs {ups} folder(s) up "
                        f"from a file {depth} folder(s) deep, out of the repository "
                        f"({line.strip()[:80]!r})"
                    )
    return found


def shipped_files(root: Path) -> list[str]:
    """The files git tracks, relative to ``root`` (run outputs a user leaves in
    the checkout, such as ``reproduce-regatti2019/``, are not shipped)."""
    git = shutil.which("git")
    if git is None or not (root / ".git").exists():
        pytest.skip("needs a git checkout to know which files are shipped")
    out = subprocess.run(
        [git, "ls-files", "-z", "--cached"],
        cwd=root,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return sorted({f for f in out.split("\0") if f and (root / f).is_file()})


def test_shipped_files_refer_only_to_the_repository() -> None:
    files = [f for f in shipped_files(ROOT) if f != THIS]
    # The set must cover what is shipped, or the check below proves nothing.
    for must in ("README.md", "pyproject.toml", "mkdocs.yml", "docs/theory.md"):
        assert must in files
    assert any(f.startswith("notebooks/") and f.endswith(".ipynb") for f in files)
    assert any(f.startswith("empirical/") for f in files)
    found = offences(ROOT, files)
    assert not found, "shipped files refer to what is not shipped:\n" + "\n".join(found)


def test_checker_finds_each_kind_of_reference(tmp_path: Path) -> None:
    """A checker that finds nothing would pass the test above: it is tried on
    files written here, each with one reference that must be found, and on files
    whose references stay inside."""
    bad = {
        "a.md": "see THEORY.md, section 3",
        "pkg/b.py": '"""Layers (DESIGN.md)."""',
        "pkg/c.py": "# STYLE.md says so",
        "docs/d.md": "asyncstab verify --delays-from ../shared/data/x.csv",
        "tests/e.py": 'TRACES = Path(__file__).parents[2].parent / "shared"',
        "f.ipynb": '{"source": ["open(\\"/work/shared/data/x.csv\\")"]}',
        "g.md": "cat /home/someone/trace.csv",
        "docs/h.md": "[up](../../outside.md)",
        "i.toml": 'readme = "../README.md"',
    }
    good = {
        "docs/sitegen/api.py": 'where = f"[{key}](../theorems/{key}.md)"',
        "docs/j.md": "[CLI reference](../cli.md) and `docs/theory.md`",
        "k.md": "a shared pair effect; THEORY of stability; /tmp/x is fine",
        "notebooks/l.ipynb": '{"source": ["Path(\\"../docs/figures\\")"]}',
    }
    for rel, text in {**bad, **good}.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text + "\n", encoding="utf-8")
    (tmp_path / "m.png").write_bytes(b"\x89PNG\x00../../THEORY.md")
    found = offences(tmp_path, [*bad, *good, "m.png"])
    flagged = {f.split(":", 1)[0] for f in found}
    assert flagged == set(bad), found


#: A citation of a section: the file, then (after a comma, a space or a
#: parenthesis) the heading in double quotes.
_SECTION = re.compile(
    r"(docs/theory\.md|CONTRIBUTING\.md)(?:,\s*|\s*\(\s*)\"([^\"]+)\""
)

#: What starts a continued comment line (``#``, ``#:``) or docstring line.
_LINE_START = re.compile(r"\n[ \t]*(?:#:?[ \t]*)?")


def headings(path: Path) -> set[str]:
    """The text of every Markdown heading of ``path``."""
    return {
        line.lstrip("#").strip()
        for line in path.read_text(encoding="utf-8").splitlines()
        if re.match(r"#{1,6} ", line)
    }


def cited_sections(root: Path, files: list[str]) -> list[tuple[str, str, str]]:
    """``(citing file, cited file, heading)`` for every section citation.

    A heading split over two lines of a comment or docstring is joined.
    """
    out = []
    for rel in files:
        try:
            text = (root / rel).read_text(encoding="utf-8")
        except (UnicodeDecodeError, IsADirectoryError, FileNotFoundError):
            continue
        flat = _LINE_START.sub(" ", text)
        out += [(rel, m.group(1), m.group(2)) for m in _SECTION.finditer(flat)]
    return out


def test_cited_sections_exist() -> None:
    files = [f for f in shipped_files(ROOT) if f != THIS]
    cited = cited_sections(ROOT, files)
    # Code, docstrings and tests cite docs/theory.md by section: far more than this.
    assert len(cited) >= 20, cited
    known = {f: headings(ROOT / f) for f in ("docs/theory.md", "CONTRIBUTING.md")}
    missing = [c for c in cited if c[2] not in known[c[1]]]
    assert not missing, "cited sections that are no headings:\n" + "\n".join(
        f"{rel}: {target}, {name!r}" for rel, target, name in missing
    )


def test_section_checker_joins_lines_and_finds_a_wrong_name(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(
        '#: x (docs/theory.md, "The step-size\n#: rule") and CONTRIBUTING.md, "Nope"\n'
        '"""Doc (docs/theory.md ("Setting"))."""\n',
        encoding="utf-8",
    )
    assert cited_sections(tmp_path, ["a.py"]) == [
        ("a.py", "docs/theory.md", "The step-size rule"),
        ("a.py", "CONTRIBUTING.md", "Nope"),
        ("a.py", "docs/theory.md", "Setting"),
    ]


def _package_data(pyproject: str) -> dict[str, list[str]]:
    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11
    data: dict[str, list[str]] = tomllib.loads(pyproject)["tool"]["setuptools"][
        "package-data"
    ]
    return data


def test_every_data_file_of_a_package_is_package_data() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    globs = _package_data(pyproject)
    missing = []
    for rel in shipped_files(ROOT):
        top = rel.split("/", 1)[0]
        if top not in ("bounds", "empirical") or rel.endswith(".py"):
            continue
        inside = rel.split("/", 1)[1]
        if not any(fnmatch.fnmatch(inside, g) for g in globs.get(top, [])):
            missing.append(rel)
    assert not missing, f"not package data in pyproject.toml: {missing}"
    # The example traces are among them (empirical.example_trace).
    assert any(
        fnmatch.fnmatch("data/delay_traces/BCD_sun_MNIST.csv", g)
        for g in globs["empirical"]
    )
