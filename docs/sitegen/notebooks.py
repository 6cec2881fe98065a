"""The walkthroughs: every notebook executed at build time, rendered with its figures.

Each notebook of ``notebooks/`` runs top to bottom in a Jupyter kernel with the
small sizes the test suite uses (``TEST_PARAMETERS`` of
``tests/test_notebooks.py``, read without importing pytest), injected after the
cell tagged ``parameters``; a cell that raises stops the build. The executed
notebook becomes a Markdown page: markdown cells as they are (their math is
rendered like every other page), code in Python blocks, text outputs in text
blocks, figures as PNG files beside the page.
"""

from __future__ import annotations

import ast
import base64
import functools
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .cli import DocsBuildError
from .paths import NOTEBOOKS, ROOT, cached_dir

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def notebook_paths() -> list[Path]:
    """The walkthroughs, in order (``NN_name.ipynb``)."""
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def test_parameters() -> dict[str, dict[str, Any]]:
    """``TEST_PARAMETERS`` of ``tests/test_notebooks.py``, read as a literal."""
    tree = ast.parse((ROOT / "tests" / "test_notebooks.py").read_text(encoding="utf-8"))
    for node in tree.body:
        target = (
            getattr(node, "target", None)
            or (getattr(node, "targets", None) or [None])[0]
        )
        if isinstance(target, ast.Name) and target.id == "TEST_PARAMETERS":
            value: dict[str, dict[str, Any]] = ast.literal_eval(node.value)  # type: ignore[attr-defined]
            return value
    raise DocsBuildError("tests/test_notebooks.py defines no TEST_PARAMETERS literal")


@dataclass(frozen=True)
class Walkthrough:
    """One executed notebook: its page's Markdown and the figures it links."""

    stem: str
    title: str
    markdown: str
    files: dict[str, bytes]  # name relative to the page's folder -> content


def _execute(path: Path, params: dict[str, Any], folder: Path) -> None:
    import nbclient
    import nbformat
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    nb = nbformat.read(path, as_version=4)
    k = next(
        (
            i
            for i, c in enumerate(nb.cells)
            if "parameters" in c.metadata.get("tags", [])
        ),
        None,
    )
    if k is None:
        raise DocsBuildError(f"{path.name} has no cell tagged 'parameters'")
    lines = [f"{name} = {value!r}" for name, value in params.items()]
    injected = nbformat.v4.new_code_cell("\n".join(["# sizes of this build", *lines]))
    injected.metadata["tags"] = ["injected-parameters"]
    nb.cells.insert(k + 1, injected)
    # A kernel spec pointing at this interpreter: never another environment's python3.
    spec_dir = folder / "kernels" / "asyncstab-docs"
    spec_dir.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "asyncstab docs",
        "language": "python",
        "env": {"MPLBACKEND": "Agg", "PYTHONPATH": str(ROOT)},
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    km = KernelManager(
        kernel_name="asyncstab-docs",
        kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(folder / "kernels")]),
    )
    work = folder / "cwd"
    work.mkdir()
    client = nbclient.NotebookClient(
        nb,
        km=km,
        timeout=600,
        allow_errors=False,
        resources={"metadata": {"path": str(work)}},
    )
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as err:
        raise DocsBuildError(f"notebook {path.name} failed:\n{err}") from None
    finally:
        if client.kc is not None:
            client.kc.stop_channels()
        km.cleanup_resources()
    nbformat.write(nb, folder / path.name)


def _text(source: Any) -> str:
    return "".join(source) if isinstance(source, list) else str(source)


def _fence(lang: str, body: str) -> list[str]:
    ticks = "````" if "```" in body else "```"
    return [f"{ticks}{lang}", body.rstrip("\n"), ticks, ""]


def _outputs(cell: Any, stem: str, files: dict[str, bytes]) -> list[str]:
    out: list[str] = []
    for output in cell.get("outputs", []):
        kind = output["output_type"]
        if kind == "stream":
            out += _fence("text", _ANSI.sub("", _text(output["text"])))
            continue
        data = output.get("data", {})
        if "image/png" in data:
            name = f"{stem}/figure-{len(files) + 1}.png"
            files[name] = base64.b64decode(_text(data["image/png"]))
            out += [f"![figure {len(files)} of {stem}]({name})", ""]
        elif "text/latex" in data:
            tex = _text(data["text/latex"]).strip().strip("$").strip()
            out += ["$$", tex, "$$", ""]
        elif "text/html" in data:
            out += [
                '<div class="nb-output" markdown="0">',
                _text(data["text/html"]),
                "</div>",
                "",
            ]
        elif "text/markdown" in data:
            out += [_text(data["text/markdown"]), ""]
        elif "text/plain" in data:
            out += _fence("text", _ANSI.sub("", _text(data["text/plain"])))
    return out


def render(stem: str, nb: Any, params: dict[str, Any]) -> Walkthrough:
    """The executed notebook as a Markdown page plus its figure files."""
    files: dict[str, bytes] = {}
    lines: list[str] = []
    title = stem
    sizes = ", ".join(f"`{k} = {v!r}`" for k, v in params.items())
    for k, cell in enumerate(nb["cells"]):
        source = _text(cell["source"])
        if cell["cell_type"] == "markdown":
            lines += [source, ""]
            if k == 0 and source.startswith("# "):
                title = source.splitlines()[0][2:].strip()
                lines += [
                    '!!! info "Executed when this site was built"',
                    "",
                    f"    With the small sizes of the test suite ({sizes}); the notebook",
                    f"    itself is `notebooks/{stem}.ipynb` in the repository.",
                    "",
                ]
        elif cell["cell_type"] == "code":
            lines += _fence("python", source)
            lines += _outputs(cell, stem, files)
    return Walkthrough(stem, title, "\n".join(lines), files)


def walkthroughs() -> list[Walkthrough]:
    """Execute (cached) and render every notebook."""
    params = test_parameters()
    out = []
    for path in notebook_paths():
        if path.stem not in params:
            raise DocsBuildError(
                f"{path.name} has no small sizes in tests/test_notebooks.py TEST_PARAMETERS"
            )
        p = params[path.stem]
        folder = cached_dir(
            f"nb-{path.stem}", repr(p), functools.partial(_execute, path, p)
        )
        nb = json.loads((folder / path.name).read_text(encoding="utf-8"))
        out.append(render(path.stem, nb, p))
    return out


def index_page() -> str:
    """Markdown of ``walkthroughs/index.md``: each notebook's title and first paragraph.

    Read from the notebooks themselves (their first markdown cell), not executed.
    """
    lines = [
        "# Walkthroughs",
        "",
        "The notebooks of `notebooks/`, each executed when this site was built with the",
        "small sizes of the test suite (`tests/test_notebooks.py` runs them too). Open",
        'them yourself with `pip install -e ".[test]"` and `jupyter lab notebooks/`.',
        "",
    ]
    for path in notebook_paths():
        nb = json.loads(path.read_text(encoding="utf-8"))
        first = next((c for c in nb["cells"] if c["cell_type"] == "markdown"), None)
        text = _text(first["source"]) if first is not None else ""
        paras = [p.strip() for p in text.split("\n\n") if p.strip()]
        title = path.stem
        if paras and paras[0].startswith("# "):
            title = paras.pop(0).splitlines()[0][2:].strip()
        # The first paragraph, and what it introduces when it ends with a colon.
        shown = paras[:2] if paras and paras[0].endswith(":") else paras[:1]
        lines += [f"## [{title}]({path.stem}.md)", "", *[f"{p}\n" for p in shown]]
    return "\n".join(lines)
