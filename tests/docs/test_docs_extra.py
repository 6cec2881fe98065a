"""The ``docs`` extra is enough to build the site from a fresh clone.

``pip install -e ".[docs]" && mkdocs serve`` is the documented set-up. The build
runs the README's ``asyncstab reproduce ... --quick`` (networks on JAX), so the
``docs`` extra must hold every requirement of the ``nets`` extra. ``.ci/run``
checks the same on a real install: a second, fresh virtual environment with only
``.[docs]`` builds the site.
"""

from __future__ import annotations

from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # Python >= 3.11

ROOT = Path(__file__).resolve().parents[2]


def test_docs_extra_holds_the_nets_extra() -> None:
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))[
        "project"
    ]["optional-dependencies"]
    missing = set(extras["nets"]) - set(extras["docs"])
    assert not missing, f"the docs extra lacks {sorted(missing)} of the nets extra"
