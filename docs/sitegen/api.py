"""The API reference: one entry for every name in ``bounds.__all__`` and ``empirical.__all__``.

Classes and functions are rendered by mkdocstrings from their docstrings (with
their examples); a public module (``bounds.strategies``) gets a page of its own;
data (the registries ``THEOREMS``, ``LOSSES``, the ``DATASETS`` names) is
described from the ``#:`` comment above its definition and its entries. A public
name without its own docstring or ``#:`` comment stops the build.
"""

from __future__ import annotations

import importlib
import inspect
import re
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .cli import DocsBuildError

#: The packages whose ``__all__`` is the public API.
PACKAGES = ("bounds", "empirical")


@dataclass(frozen=True)
class Entry:
    """Where one public name is documented."""

    package: str
    name: str
    kind: str  # "module" | "object" | "data"
    identifier: str  # dotted path rendered by mkdocstrings, or the data's module
    page: str  # docs-relative path of the page holding the entry

    @property
    def anchor(self) -> str:
        """HTML id of the entry: the public dotted name, e.g. ``empirical.sweep``."""
        return f"{self.package}.{self.name}"


def _own_doc(obj: Any) -> str:
    doc = obj.__doc__ if isinstance(obj.__doc__, str) else ""
    name = getattr(obj, "__name__", "")
    if (
        inspect.isclass(obj)
        and (
            doc.startswith(f"{name}(")  # dataclass's generated signature
            or any(doc == getattr(b, "__doc__", None) for b in obj.__mro__[1:])
        )
    ):
        return ""
    return doc.strip()


def data_comment(module: types.ModuleType, name: str) -> str:
    """The ``#:`` comment lines right above ``name``'s definition in ``module``."""
    lines = Path(inspect.getfile(module)).read_text(encoding="utf-8").splitlines()
    for k, line in enumerate(lines):
        if re.match(rf"{re.escape(name)}\s*[:=]", line):
            doc: list[str] = []
            for prev in reversed(lines[:k]):
                if not prev.startswith("#:"):
                    break
                doc.insert(0, prev[2:].strip())
            return " ".join(doc)
    return ""


def _defining_module(package: str, name: str, obj: Any) -> types.ModuleType:
    """The module (in ``package``'s folder tree) that assigns ``name`` at top level."""
    folder = Path(inspect.getfile(importlib.import_module(package))).parent
    pattern = re.compile(rf"^{re.escape(name)}\s*[:=]", flags=re.M)
    for path in sorted(folder.rglob("*.py")):
        if path.stem in ("__init__", "__main__"):
            continue
        if not pattern.search(path.read_text(encoding="utf-8")):
            continue
        parts = path.relative_to(folder).with_suffix("").parts
        module = importlib.import_module(".".join((package, *parts)))
        if getattr(module, name, None) is obj:
            return module
    raise DocsBuildError(f"{package}.{name}: cannot find the module that defines it")


def entries() -> list[Entry]:
    """Every public name and where it is documented.

    Raises:
        DocsBuildError: a public name has no docstring (or ``#:`` comment).
    """
    out = []
    for package in PACKAGES:
        pkg = importlib.import_module(package)
        for name in pkg.__all__:
            obj = getattr(pkg, name)
            if isinstance(obj, types.ModuleType):
                doc, kind, ident = _own_doc(obj), "module", obj.__name__
                page = f"reference/{obj.__name__}.md"
            elif inspect.isclass(obj) or inspect.isroutine(obj):
                doc, kind = _own_doc(obj), "object"
                ident = f"{obj.__module__}.{obj.__qualname__}"
                page = f"reference/{package}.md"
            else:
                mod = _defining_module(package, name, obj)
                doc, kind, ident = data_comment(mod, name), "data", mod.__name__
                page = f"reference/{package}.md"
            if not doc:
                raise DocsBuildError(
                    f"{package}.{name} is public (in __all__) but has no docstring"
                    + (
                        " (a '#:' comment above its definition)"
                        if kind == "data"
                        else ""
                    )
                )
            out.append(Entry(package, name, kind, ident, page))
    return out


def _module_title(dotted: str) -> str:
    doc = importlib.import_module(dotted).__doc__ or dotted
    first = doc.strip().splitlines()[0].rstrip(".")
    return re.sub(r":\w+:`~?([^`]+)`", r"`\1`", first)  # reST roles as code


def _data_block(entry: Entry) -> list[str]:
    pkg = importlib.import_module(entry.package)
    obj = getattr(pkg, entry.name)
    mod = importlib.import_module(entry.identifier)
    lines = [
        f"### `{entry.name}` {{#{entry.anchor}}}",
        "",
        data_comment(mod, entry.name),
        "",
    ]
    if isinstance(obj, dict):
        lines += [f"`dict` of {len(obj)} entries:", ""]
        for key, value in obj.items():
            where = type(value).__name__
            if entry.name == "THEOREMS":
                where = f"[{value.registry_key}](../theorems/{key}.md)"
            lines.append(f"- `{key!r}`: {where}")
    elif isinstance(obj, tuple | list | frozenset | set):
        lines += [", ".join(f"`{v!r}`" for v in obj)]
    else:
        lines += [f"`{obj!r}`"]
    return [*lines, ""]


def package_page(package: str, all_entries: list[Entry]) -> str:
    """Markdown of ``reference/<package>.md``, grouped by defining module."""
    mine = [e for e in all_entries if e.package == package and e.kind != "module"]
    pkg = importlib.import_module(package)
    lines = [f"# `{package}`", "", (pkg.__doc__ or "").strip(), ""]
    groups: dict[str, list[Entry]] = {}
    for e in mine:
        groups.setdefault(
            e.identifier.rsplit(".", 1)[0] if e.kind == "object" else e.identifier, []
        ).append(e)
    for module in sorted(groups):
        lines += [f"## {_module_title(module)}", ""]
        for e in groups[module]:
            if e.kind == "data":
                lines += _data_block(e)
            else:
                lines += [f"[](){{#{e.anchor}}}", "", f"::: {e.identifier}", ""]
    return "\n".join(lines)


def module_page(entry: Entry) -> str:
    """Markdown of a public module's own page (``bounds.strategies``)."""
    return "\n".join(
        [
            f"# `{entry.identifier}`",
            "",
            f"::: {entry.identifier}",
            "    options:",
            "      show_root_heading: false",
            "      heading_level: 2",
            "",
        ]
    )


def index_page(all_entries: list[Entry]) -> str:
    """Markdown of the reference index: every public name, linked to its entry."""
    lines = [
        "# API reference",
        "",
        "Every name in `bounds.__all__` and `empirical.__all__` (the public API;",
        "modules whose names start with an underscore are private), generated from",
        "the docstrings when this site was built. The command line: [CLI reference](../cli.md).",
        "",
        "| name | kind | summary |",
        "|---|---|---|",
    ]
    for e in all_entries:
        obj = getattr(importlib.import_module(e.package), e.name)
        if e.kind == "data":
            summary = data_comment(importlib.import_module(e.identifier), e.name)
        else:
            summary = _own_doc(obj).splitlines()[0]
        target = e.page.removeprefix("reference/")
        if e.kind != "module":
            target += f"#{e.anchor}"
        summary = summary.replace("|", "\\|")
        lines.append(f"| [`{e.anchor}`]({target}) | {e.kind} | {summary} |")
    return "\n".join([*lines, ""])
