"""The bound explorer page: every evaluable theorem printed to JavaScript.

The page (``explorer.md``) holds the controls and the plot; its script
``assets/explorer-data.js`` is generated here from the registry, never written
by hand: each theorem's closed form and both sides of each condition are
printed from their sympy expressions by sympy's JavaScript code printer, and
the rules :meth:`bounds.Theorem.evaluate` applies around the bare expression
(argument ranges, defaults, the relations between constants, ``tau <= T``,
the protocol read as ``K`` and ``M``, the float64 range) are read from the
same tables the package validates with. ``docs/assets/explorer-engine.js``
evaluates that data the way ``evaluate`` does and ``docs/assets/explorer.js``
draws it; ``tests/docs/test_explorer.py`` compares the values with
``evaluate`` in a browser.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Mapping
from typing import Any

import sympy as sp
from sympy.printing.jscode import JavascriptCodePrinter

import bounds
from bounds.internal import parameters as _parameters
from bounds.internal import protocol as _protocol
from bounds.internal import symbols as _symbols

from .cli import DocsBuildError
from .theorems import REFERENCE, slug

#: Controls of the page: (API name, label, low, high, log scale?). Ranges span
#: the settings the theorems are read at (docs/theory.md) with room on both
#: sides; the counts and the constants use log scales.
CONTROLS: tuple[tuple[str, str, float, float, bool], ...] = (
    ("n_samples", "n (samples)", 10, 1e7, True),
    ("n_steps", "T (steps)", 10, 1e7, True),
    ("step_size", "eta (constant step)", 1e-4, 10, True),
    ("c", "c (steps eta_t = c/t)", 1e-3, 100, True),
    ("max_delay", "tau (max delay)", 0, 256, False),
    ("lipschitz", "L (Lipschitz)", 0.01, 100, True),
    ("smoothness", "beta (smoothness)", 0.01, 100, True),
    ("strong_convexity", "gamma (strong convexity)", 1e-4, 10, True),
    ("loss_bound", "B (loss range)", 0.01, 100, True),
    ("diameter", "r (diameter)", 0.01, 100, True),
    ("init_distance", "D_1 (initial distance)", 0, 100, False),
    ("optimal_risk", "F* (optimal risk)", 0, 10, False),
    ("train_loss", "F_S (training loss)", 0, 10, False),
    ("n_workers", "W (workers)", 1, 256, True),
    ("batch_size", "b (batch size)", 1, 1024, True),
)

#: The setting a page opens at: :data:`sitegen.theorems.REFERENCE` (the plots of
#: the theorem pages), with one worker and batch size 1 so that every theorem
#: has a curve, and a delay of 4 so that the no-delay theorems show their reason.
START: dict[str, float] = {
    **{k: v for k, v in REFERENCE.items() if k not in ("step_weight", "arrivals")},
    "max_delay": 4,
    "n_workers": 1,
    "batch_size": 1,
}

#: Loss classes of the selector, as the arguments of :meth:`Theorem.applicability`.
LOSS_CLASSES: dict[str, dict[str, bool]] = {
    "convex": {"convex": True, "strongly_convex": False},
    "strongly-convex": {"convex": True, "strongly_convex": True},
    "nonconvex": {"convex": False, "strongly_convex": False},
}


class _Printer(JavascriptCodePrinter):
    """sympy's JavaScript printer with each symbol read from ``p`` by API name."""

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        return f"p.{_symbols.API_NAME[expr]}"


def js_function(expr: sp.Expr) -> str:
    """``function (p) { return <expr>; }`` with ``p`` the arguments by API name.

    Raises:
        DocsBuildError: a node the JavaScript printer cannot print (it would
            otherwise leave a comment "Not supported in JavaScript" in the code).
    """
    printer = _Printer({"strict": True})
    try:
        body = printer.doprint(expr)
    except Exception as err:  # PrintMethodNotImplementedError and kin
        raise DocsBuildError(f"cannot print {expr} to JavaScript: {err}") from None
    if "Not supported" in body:
        raise DocsBuildError(f"cannot print {expr} to JavaScript: {body}")
    return f"function (p) {{ return {body}; }}"


def _applicability(theorem: Any) -> dict[str, str | None]:
    """:meth:`Theorem.applicability` at every loss class, with and without delay,
    keyed ``"<class>|<tau > 0>"`` (the page reads it; a bounded loss is given)."""
    return {
        f"{name}|{int(delayed)}": theorem.applicability(
            **flags, loss_bound=1.0, max_delay=int(delayed)
        )
        for name, flags in LOSS_CLASSES.items()
        for delayed in (False, True)
    }


def theorem_js(theorem: Any, *, factor: float = 1.0) -> str:
    """One theorem as a JavaScript object literal.

    Args:
        theorem: a registry entry.
        factor: multiplies the printed closed form (and adds its log to the
            printed log); 1 on the site. The tests print a page with a factor
            1 + 1e-6 and check that the comparison with Python then fails.
    """
    scale = sp.Float(factor, 17) if factor != 1.0 else sp.Integer(1)
    quantity = theorem.quantity
    fields: dict[str, str] = {
        "key": json.dumps(theorem.key),
        "registry": json.dumps(theorem.registry_key),
        "title": json.dumps(theorem.title),
        "label": json.dumps(theorem.label),
        "quantity": json.dumps(quantity.name),
        "quantityLabel": json.dumps(getattr(quantity, "label", str(quantity.value))),
        "schedule": json.dumps(theorem.schedule),
        "step": json.dumps(theorem.step_parameter),
        "parameters": json.dumps(list(theorem.parameters)),
        "accepted": json.dumps(list(theorem.accepted)),
        "optional": json.dumps(list(theorem.optional)),
        "options": json.dumps(list(theorem.options)),
        "boundedLoss": json.dumps(
            bounds.Assumption.BOUNDED_LOSS in theorem.assumptions
        ),
        "noClipping": json.dumps(bounds.Assumption.NO_CLIPPING in theorem.assumptions),
        "oneGradient": json.dumps(not theorem.options),
        "href": json.dumps(f"../theorems/{slug(theorem)}/"),
        "applicability": json.dumps(_applicability(theorem)),
        "value": js_function(theorem.expr * scale),
        "log": (
            "null"
            if theorem.log_expr is None
            else js_function(theorem.log_expr + sp.log(scale))
        ),
        "split": (
            "null" if theorem.split is None else js_function(theorem.split * scale)
        ),
    }
    conds = []
    for cond, compiled in zip(
        theorem.conditions, theorem.compiled.conditions, strict=True
    ):
        conds.append(
            "{"
            f"text: {json.dumps(compiled.text)}, op: {json.dumps(compiled.op)}, "
            f"name: {json.dumps(compiled.name)}, "
            f"lhs: {js_function(cond.lhs)}, rhs: {js_function(cond.rhs)}"
            "}"
        )
    fields["conditions"] = "[" + ", ".join(conds) + "]"
    body = ",\n    ".join(f"{k}: {v}" for k, v in fields.items())
    return "{\n    " + body + "\n  }"


def _tables() -> dict[str, Any]:
    """The package's validation tables, as :meth:`Theorem.evaluate` reads them."""
    rules = {
        name: {"int": is_int, "min": low, "strict": strict}
        for name, (is_int, low, strict) in _parameters._RULES.items()
    }
    return {
        "rules": rules,
        "defaults": _parameters.DEFAULTS,
        "linked": _parameters.LINKED_DEFAULTS,
        "relations": [list(r) for r in _parameters._RELATIONS],
        "protocolDefaults": _protocol.PROTOCOL_DEFAULTS,
        "descriptors": list(_protocol.DESCRIPTORS),
        "aggregations": list(_protocol.AGGREGATIONS),
        # log10 of the largest float64 and of the smallest normal one: evaluate()
        # refuses a bound outside (bounds/_closed_form.py)
        "log10Max": math.log10(sys.float_info.max),
        "log10Min": math.log10(sys.float_info.min),
    }


def _controls() -> list[dict[str, Any]]:
    for name, *_ in CONTROLS:
        if name not in _symbols.SYMBOL:
            raise DocsBuildError(f"explorer control {name!r} is not an API name")
    return [
        {
            "name": name,
            "label": text,
            "low": low,
            "high": high,
            "log": log,
            "int": _parameters._RULES[name][0],
            "start": START[name],
        }
        for name, text, low, high, log in CONTROLS
    ]


def script(*, factors: Mapping[str, float] | None = None) -> str:
    """The generated ``assets/explorer-data.js``: tables, controls, theorems.

    Args:
        factors: theorem key -> factor multiplying its printed closed form
            (tests only; see :func:`theorem_js`).
    """
    factors = dict(factors or {})
    unknown = set(factors) - set(bounds.REGISTRY)
    if unknown:
        raise DocsBuildError(f"no theorem {sorted(unknown)} to alter")
    params = {k for t in bounds.REGISTRY.values() for k in t.accepted}
    params -= {"step_weight", "arrivals"}  # read from the workers (the protocol)
    missing = params - {name for name, *_ in CONTROLS}
    if missing:
        raise DocsBuildError(
            f"the explorer has no control for {sorted(missing)}: add it to "
            "CONTROLS in docs/sitegen/explorer.py"
        )
    theorems = ",\n  ".join(
        f"{json.dumps(key)}: {theorem_js(t, factor=factors.get(key, 1.0))}"
        for key, t in bounds.REGISTRY.items()
    )
    tables = json.dumps({**_tables(), "controls": _controls()}, indent=1)
    return (
        "// Generated by docs/sitegen/explorer.py from the asyncstab registry at\n"
        "// build time: do not edit.\n"
        f"window.ASYNCSTAB_EXPLORER_DATA = Object.assign({tables}, {{\n"
        f"theorems: {{\n  {theorems}\n}}}});\n"
    )


def page() -> str:
    """Markdown of the explorer page: the controls, the plot, the scripts."""
    count = len(bounds.REGISTRY)
    rates = ", ".join(f"`{k}`" for k in getattr(bounds, "RATES", {}))
    return "\n".join(
        [
            "# Bound explorer",
            "",
            f"Every evaluable theorem of the registry ({count}), evaluated in your",
            "browser: each closed form and each condition was printed to JavaScript",
            "from its sympy expression when this site was built, and agrees with",
            "`bounds.THEOREMS[key].evaluate(...)` (the tests compare them). Move a",
            "control, or choose the parameter on the horizontal axis; a theorem whose",
            "conditions or assumptions fail at the current setting is greyed out with",
            "the reason. The address bar holds the setting: copy it to share a view.",
            "",
            f"The rate-only entries ({rates}) have no constants and no curve.",
            "",
            '<link rel="stylesheet" href="../assets/explorer.css">',
            "",
            '<div id="asyncstab-explorer" class="asyncstab-explorer">'
            "<noscript>The explorer needs JavaScript.</noscript></div>",
            "",
            '<script src="../assets/explorer-data.js"></script>',
            '<script src="../assets/explorer-engine.js"></script>',
            '<script src="../assets/explorer.js"></script>',
            "",
        ]
    )
