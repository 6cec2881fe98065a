"""What the on-disk catalogue holds, built from the registry (with sympy).

:func:`build` reads every theorem of the registry and every rate-only entry and
returns a JSON-ready document: each theorem's names, compiled forms
(``_codegen.py``) and printed texts, the rows of ``asyncstab list`` and the
loss families of ``compare``. ``_catalogue.py`` writes it to disk once per
version of the package and reads it back without sympy.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ._codegen import cond_text
from ._compare import LOSS_FAMILIES
from ._rate import RATES
from ._registry import REGISTRY
from ._theorem import Theorem

__all__ = ["build", "list_rows"]


def list_rows() -> list[dict[str, Any]]:
    """The rows of ``asyncstab list``: every theorem, then every rate-only entry."""
    rows = [
        {
            "key": t.key,
            "registry": t.registry_key,
            "schedule": t.schedule,
            "assumptions": ", ".join(sorted(a.name.lower() for a in t.assumptions)),
            "conditions": "; ".join(map(cond_text, t.conditions)) or "-",
            "quantity": t.quantity.label,
            "source": t.reference.short
            + (" (reconstruction)" if t.is_reconstruction else ""),
        }
        for t in REGISTRY.values()
    ]
    rows += [
        {
            "key": r.key,
            "registry": r.registry_key,
            "schedule": "rate only",
            "assumptions": ", ".join(r.assumptions),
            "conditions": r.label,
            "quantity": r.quantity.label,
            "source": r.reference.short + " (rate only)",
        }
        for r in RATES.values()
    ]
    return rows


def _show_json(t: Theorem) -> dict[str, Any]:
    return {
        "key": t.key,
        "registry": t.registry_key,
        "title": t.title,
        "statement": t.statement(),
        "latex": t.latex(),
        "assumptions": sorted(a.value for a in t.assumptions),
        "conditions": [cond_text(c) for c in t.conditions],
        "parameters": list(t.parameters),
        "schedule": t.schedule,
        "scaling": t.scaling,
        "source": t.reference.short,
        "reconstruction": t.is_reconstruction,
        "bibtex": t.reference.bibtex(),
    }


def _theorem(t: Theorem) -> dict[str, Any]:
    return {
        "key": t.key,
        "registry_key": t.registry_key,
        "quantity": t.quantity.name,
        "assumptions": sorted(a.name for a in t.assumptions),
        "reference": dataclasses.asdict(t.reference),
        "parameters": list(t.parameters),
        "accepted": list(t.accepted),
        "optional": list(t.optional),
        "options": list(t.options),
        "step_parameter": t.step_parameter,
        "label": t.label,
        "is_reconstruction": t.is_reconstruction,
        "compiled": t.compiled.to_dict(),
        "statement": t.statement(),
        "latex": t.latex(),
        "bibtex": t.reference.bibtex(),
        "json": _show_json(t),
    }


def build() -> dict[str, Any]:
    """The catalogue document (without its format and version stamp)."""
    rates = [
        {
            "key": r.key,
            "registry_key": r.registry_key,
            "statement": r.statement(),
            "bibtex": r.reference.bibtex(),
            "json": {
                "key": r.key,
                "registry": r.registry_key,
                "rate_only": True,
                "statement": r.statement(),
                "bibtex": r.reference.bibtex(),
            },
        }
        for r in RATES.values()
    ]
    return {
        "theorems": [_theorem(t) for t in REGISTRY.values()],
        "rates": rates,
        "list_rows": list_rows(),
        "loss_families": list(LOSS_FAMILIES),
    }
