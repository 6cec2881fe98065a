"""One page per registry entry, generated from the :class:`bounds.Theorem` objects.

Each page shows the statement with rendered math, the quantity bounded, the
assumptions and conditions, the citation with its BibTeX, the reconstruction or
rate-only label where it applies, and the bound against the delay tau at the
reference setting :data:`REFERENCE` (a PNG drawn at build time).
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import sympy as sp

import bounds

from .cli import DocsBuildError

#: The reference setting of the plots: the logistic loss on features in the unit
#: ball (L = 1, beta = 1/4), n = 1000, T = 10 000, eta = 0.05 or eta_t = 2/t, a
#: strong-convexity modulus 0.1; the names of the later registry additions get
#: values of the same setting (domain diameter 4, training loss 0.3, F(w*) 0.1);
#: the part-3 theorems are drawn for 4 workers averaged (Regatti et al.'s
#: protocol: step weight K = 1, M = 4 arrivals a step) with batch size 16.
REFERENCE: dict[str, float] = {
    "n_samples": 1000,
    "n_steps": 10_000,
    "step_size": 0.05,
    "c": 2.0,
    "lipschitz": 1.0,
    "smoothness": 0.25,
    "strong_convexity": 0.1,
    "loss_bound": 1.0,
    "diameter": 4.0,
    "init_distance": 4.0,
    "optimal_risk": 0.1,
    "train_loss": 0.3,
    "step_weight": 1.0,
    "arrivals": 4,
    "batch_size": 16,
}
TAUS = np.arange(0, 33)


def entries() -> list[Any]:
    """Every registry entry: the evaluable bounds (``REGISTRY``, or ``THEOREMS`` where
    there is no part 2), then the rate-only entries (``RATES``) where they exist."""
    evaluable = getattr(bounds, "REGISTRY", bounds.THEOREMS)
    return [*evaluable.values(), *getattr(bounds, "RATES", {}).values()]


def slug(theorem: Any) -> str:
    """File name of a theorem's page (its key)."""
    return str(theorem.key)


def label(theorem: Any) -> str:
    """ "reconstruction", "rate only" or "" (from the object, not from a list here)."""
    if getattr(theorem, "is_reconstruction", False):
        return "reconstruction"
    rate_only = getattr(theorem, "rate_only", False) or getattr(
        theorem, "is_rate_only", False
    )
    if rate_only or "rate only" in theorem.statement().lower():
        return "rate only"
    return ""


def _value(x: Any) -> str:
    return str(getattr(x, "value", x))


def _math(theorem: Any) -> str | None:
    try:
        return str(theorem.latex())
    except Exception:  # a rate-only entry may have no statement to render
        return None


def plot(theorem: Any) -> tuple[bytes | None, str]:
    """PNG of the bound against tau at :data:`REFERENCE`, and a caption."""
    if label(theorem) == "rate only":
        return None, "Rate only: no constants, so no value to plot."
    missing = [p for p in theorem.parameters if p not in REFERENCE and p != "max_delay"]
    if missing:
        raise DocsBuildError(
            f"{theorem.key} takes {', '.join(missing)}: add a reference value to "
            "REFERENCE in docs/sitegen/theorems.py"
        )
    params = {p: REFERENCE[p] for p in theorem.parameters if p in REFERENCE}
    accepted = getattr(theorem, "accepted", theorem.parameters)
    grid = [int(t) for t in TAUS] if "max_delay" in accepted else [None]
    taus: list[int | None] = []
    values: list[float] = []
    for tau in grid:
        extra = {} if tau is None else {"max_delay": tau}
        try:
            values.append(float(theorem.evaluate(**params, **extra)))
            taus.append(tau)
        except bounds.InvalidParameterError:  # its condition excludes this tau
            continue
    if not taus:
        raise DocsBuildError(f"{theorem.key} has no admissible tau at REFERENCE")
    xs = [int(t) for t in TAUS] if taus == [None] else [int(t or 0) for t in taus]
    if taus == [None]:  # the theorem takes no delay: the same value at every tau
        values = values * len(xs)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.0, 3.0), dpi=110)
    style = "o" if len(xs) == 1 else "-o"
    ax.plot(xs, values, style, markersize=3, label=theorem.registry_key)
    ax.set_yscale("log")
    ax.set_xlabel("max_delay tau")
    ax.set_ylabel("bound")
    ax.set_xlim(-1, int(TAUS[-1]) + 1)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    setting = ", ".join(f"{k} = {v:g}" for k, v in params.items())
    caption = f"The closed form against tau at {setting}."
    if taus == [None]:
        caption += " The theorem does not depend on the delay."
    elif len(xs) == 1:
        caption += " The theorem's conditions allow tau = 0 only."
    return buf.getvalue(), caption


def page(theorem: Any, png_name: str | None, caption: str) -> str:
    """Markdown of one theorem's page."""
    ref = theorem.reference
    kind = label(theorem)
    lines = [f"# {theorem.registry_key} `{theorem.key}`", "", theorem.title, ""]
    if kind == "reconstruction":
        lines += ['!!! warning "Reconstruction"', "", f"    {ref.note}", ""]
    elif kind == "rate only":
        lines += [
            '!!! note "Rate only"',
            "",
            "    No constants were published or could be read: this entry gives a",
            "    claimed rate or exponent, never a value or a verdict.",
            "",
        ]
    latex = _math(theorem)
    if latex is not None:
        lines += ["## Statement", "", "$$", latex, "$$", ""]
    elif getattr(theorem, "rate", None) is not None:
        big_o = r"\tilde{O}" if getattr(theorem, "soft", False) else "O"
        rate = sp.latex(theorem.rate)
        lines += ["## Claimed rate", "", "$$", rf"{big_o}\left({rate}\right)", "$$", ""]
        exponents = getattr(theorem, "exponents", {})
        if exponents:
            lines += ["| in | claimed log-log slope |", "|---|---|"]
            for name, value in exponents.items():
                shown = "not stated" if value is None else f"${sp.latex(value)}$"
                lines.append(f"| `{name}` | {shown} |")
            lines.append("")
    lines += ["```text", theorem.statement(), "```", ""]
    lines += ["## Quantity bounded", "", _value(theorem.quantity), ""]
    lines += ["## Assumptions", ""]
    lines += [f"- {_value(a)}" for a in sorted(theorem.assumptions, key=_value)]
    lines += ["", "## Conditions", ""]
    conds = [f"- ${sp.latex(c)}$" for c in getattr(theorem, "conditions", ())]
    lines += [*(conds or ["None beyond the assumptions."]), ""]
    if getattr(theorem, "scaling", ""):
        lines += ["## Scaling", "", theorem.scaling, ""]
    lines += ["## Bound against the delay", ""]
    if png_name is not None:
        lines += [f"![{theorem.key} against tau]({png_name})", ""]
    lines += [caption, ""]
    lines += [
        "## Source",
        "",
        f"{ref.authors}, *{ref.title}*, {ref.venue}, {ref.year}.",
    ]
    lines += [f"Locator: {ref.locator}."]
    if ref.arxiv:
        lines += [f"arXiv: [{ref.arxiv}](https://arxiv.org/abs/{ref.arxiv})."]
    notes = [ref.note, getattr(theorem, "note", "")]
    for note in dict.fromkeys(x for x in notes if x):
        if kind != "reconstruction" or note != ref.note:
            lines += ["", note]
    lines += ["", "```bibtex", ref.bibtex(), "```", ""]
    return "\n".join(lines)


def _cell(text: object) -> str:
    """Text in a Markdown table cell: a ``|`` (as in ``||w||``) escaped."""
    return str(text).replace("|", "\\|")


def _row(t: Any) -> str:
    return (
        f"| [`{t.key}`]({slug(t)}.md) | {t.registry_key} | {_cell(_value(t.quantity))} "
        f"| {label(t)} | {_cell(t.reference.short)} |"
    )


def summary_table() -> str:
    """The README's theorem table: key, registry label, quantity bounded, source.

    One row per registry entry (:func:`entries`); the reconstruction and
    rate-only labels follow the registry label. ``tests/docs/test_readme.py`` checks
    that the README holds exactly this table.
    """
    lines = ["| key | registry | bounds | source |", "|---|---|---|---|"]
    for t in entries():
        name = t.registry_key + (f" ({label(t)})" if label(t) else "")
        quantity = getattr(t.quantity, "label", _value(t.quantity))
        lines.append(
            f"| `{t.key}` | {name} | {_cell(quantity)} | {_cell(t.reference.short)} |"
        )
    return "\n".join(lines)


def index_page() -> str:
    """Markdown of the theorem index: every registry entry, then the conversions."""
    head = ["| key | registry | bounds | label | source |", "|---|---|---|---|---|"]
    part1 = list(bounds.THEOREMS.values())
    rest = [t for t in entries() if t not in part1]
    lines = [
        "# The theorems",
        "",
        "One page per registry entry, generated from the registry objects.",
        "The [bound explorer](../explorer.md) plots every evaluable one against a",
        "parameter of your choice, in the browser.",
        "",
        "## Part 1: uniform stability (`bounds.THEOREMS`)",
        "",
        *head,
        *[_row(t) for t in part1],
        "",
    ]
    if rest:
        lines += [
            "## Part 2 and rate-only entries",
            "",
            *head,
            *[_row(t) for t in rest],
            "",
        ]
    conversions = getattr(bounds, "CONVERSIONS", {})
    if conversions:
        lines += [
            "## Conversions",
            "",
            "Two bounds are compared only on the same quantity; these registry objects",
            "turn a stability bound into a bound on the expected generalization gap.",
            "",
        ]
        for conv in conversions.values():
            lines += [f"### `{conv.key}`", "", "```text", conv.statement(), "```", ""]
            lines += ["```bibtex", conv.reference.bibtex(), "```", ""]
    return "\n".join(lines)
