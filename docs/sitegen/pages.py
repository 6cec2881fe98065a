"""Every generated page of the site, and the navigation that lists them."""

from __future__ import annotations

from typing import Any

from . import (
    api,
    benchmarks,
    cli_reference,
    comparing,
    explorer,
    findings,
    getting_started,
    layout,
    names,
    notebooks,
    reproductions,
    theorems,
    worked_examples,
)


def nav() -> list[Any]:
    """The site's navigation; the generated sections follow the code's contents."""
    entries = api.entries()
    modules = [e.page for e in entries if e.kind == "module"]
    return [
        {"Home": "index.md"},
        {
            "Using asyncstab": [
                "getting-started.md",
                "examples.md",
                "comparing.md",
                "verify.md",
                "networks.md",
            ]
        },
        {"Theory": ["stability.md", "theory.md"]},
        {
            "Theorems": [
                "theorems/index.md",
                "explorer.md",
                *[f"theorems/{theorems.slug(t)}.md" for t in theorems.entries()],
            ]
        },
        {
            "Walkthroughs": [
                "walkthroughs/index.md",
                *[f"walkthroughs/{p.stem}.md" for p in notebooks.notebook_paths()],
            ]
        },
        {"Findings": "findings.md"},
        {"Reproductions": "reproductions.md"},
        {
            "Reference": [
                "reference/index.md",
                "names.md",
                "layout.md",
                *[f"reference/{p}.md" for p in api.PACKAGES],
                *modules,
                "cli.md",
            ]
        },
        {"Ray": "ray.md"},
        {"Benchmarks": "benchmarks.md"},
        {"About this site": "about-this-site.md"},
    ]


def generate() -> dict[str, str | bytes]:
    """Docs-relative path -> content of every generated page and figure."""
    out: dict[str, str | bytes] = {}
    entries = api.entries()
    out["reference/index.md"] = api.index_page(entries)
    for package in api.PACKAGES:
        out[f"reference/{package}.md"] = api.package_page(package, entries)
    for e in entries:
        if e.kind == "module":
            out[e.page] = api.module_page(e)
    out["cli.md"] = cli_reference.page()
    out["names.md"] = names.page()
    out["layout.md"] = layout.page()
    out["benchmarks.md"] = benchmarks.page()
    out["examples.md"] = worked_examples.page()
    text, figures = comparing.page()
    out["comparing.md"] = text
    out.update(figures)
    out["walkthroughs/index.md"] = notebooks.index_page()
    out["reproductions.md"] = reproductions.page()
    out["theorems/index.md"] = theorems.index_page()
    out["explorer.md"] = explorer.page()
    out["assets/explorer-data.js"] = explorer.script()
    for t in theorems.entries():
        png, caption = theorems.plot(t)
        name = f"{theorems.slug(t)}-tau.png" if png is not None else None
        if png is not None and name is not None:
            out[f"theorems/{name}"] = png
        out[f"theorems/{theorems.slug(t)}.md"] = theorems.page(t, name, caption)
    for w in notebooks.walkthroughs():
        out[f"walkthroughs/{w.stem}.md"] = w.markdown
        out.update({f"walkthroughs/{k}": v for k, v in w.files.items()})
    examples = getting_started.run_examples()
    out["getting-started.md"] = getting_started.page(examples)
    text, files = findings.page(examples)
    out["findings.md"] = text
    out.update(files)
    return out
