"""MkDocs hooks of the asyncstab site (``hooks:`` in ``mkdocs.yml``).

Generated pages come from ``sitegen`` (next to this file); MathJax is copied
from the ``jupyter-server-mathjax`` package so that the site needs no network
at view time. Every failure to generate a page truthfully stops the build.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

# The sitegen package beside this file, and the checkout's own bounds/empirical
# (documented even where another copy of the package is installed).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files
from sitegen import pages
from sitegen.cli import DocsBuildError

# Imported now, from this checkout: MkDocs restores sys.path once this file has run.
import bounds  # noqa: F401
import empirical  # noqa: F401

T = TypeVar("T")


def _checked(step: Callable[[], T]) -> T:
    """Run a generation step; its refusal becomes MkDocs's one-line build error."""
    try:
        return step()
    except DocsBuildError as err:
        raise PluginError(f"docs/sitegen: {err}") from None


def _mathjax_root() -> Path:
    import jupyter_server_mathjax

    return Path(jupyter_server_mathjax.__file__).resolve().parent / "static"


def on_config(config: Any) -> Any:
    """Set the navigation from the code's contents (theorems, notebooks, API)."""
    config.nav = _checked(pages.nav)
    return config


def on_files(files: Files, config: Any) -> Files:
    """Add every generated page and figure, and the bundled MathJax."""
    for path, content in _checked(pages.generate).items():
        files.append(File.generated(config, path, content=content))
    root = _mathjax_root()
    for asset in sorted(root.rglob("*")):
        if asset.is_file() and "localization" not in asset.parts:
            uri = "assets/mathjax/" + asset.relative_to(root).as_posix()
            files.append(File.generated(config, uri, abs_src_path=str(asset)))
    return files
