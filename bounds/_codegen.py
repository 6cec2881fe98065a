"""Compile a theorem's sympy expressions to Python source over numpy.

The direct formulas are printed by sympy's ``NumPyPrinter`` (the printer
``lambdify(..., modules="numpy")`` uses, so the numbers are the same), the upper
limits of the step size by ``PythonCodePrinter`` (``modules="math"``), and the
log-space evaluation node by node as calls of the functions of
``_logspace.py``. The result, :class:`~bounds._compiled.CompiledForms`, runs
without sympy and is what the on-disk catalogue stores.

Nodes of the log-space evaluation: symbols, numbers, ``+``, ``*``, ``**``,
``log`` and ``exp``. An expression with any other node gets no log-space
function (``signed = None``): its log is then the direct formula alone.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import sympy as sp
from sympy.printing.numpy import NumPyPrinter
from sympy.printing.pycode import PythonCodePrinter

from ._compiled import CompiledCondition, CompiledForms
from ._logspace import Part, signed_function
from ._symbols import API_NAME, SYMBOL
from ._theorem_like import TheoremLike

__all__ = [
    "argument_symbols",
    "compile_forms",
    "cond_text",
    "log_lambdify",
    "log_lambdify_source",
]

_SETTINGS = {
    "fully_qualified_modules": True,
    "inline": True,
    "allow_unknown_functions": True,
}


class _NumpyPrinter(NumPyPrinter):
    """``NumPyPrinter`` printing each symbol as a given argument name."""

    def __init__(self, names: dict[sp.Symbol, str]) -> None:
        super().__init__(_SETTINGS)
        self._names = names

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        return self._names[expr]


class _MathPrinter(PythonCodePrinter):
    """``PythonCodePrinter`` (the ``math`` module) with given argument names."""

    def __init__(self, names: dict[sp.Symbol, str]) -> None:
        super().__init__(_SETTINGS)
        self._names = names

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        return self._names[expr]


def argument_symbols(theorem: TheoremLike) -> tuple[sp.Symbol, ...]:
    """The symbols of ``theorem.accepted``, in that order: the arguments of every
    function compiled from the theorem's expressions."""
    return tuple(SYMBOL[k] for k in theorem.accepted)


def cond_text(cond: sp.Rel) -> str:
    """A condition in plain text, e.g. ``eta <= 2/beta``."""
    op = {"==": "=", "<=": "<=", ">=": ">="}[cond.rel_op]
    return f"{sp.sstr(cond.lhs)} {op} {sp.sstr(cond.rhs)}"


def _names(args: Sequence[sp.Symbol]) -> dict[sp.Symbol, str]:
    return {s: f"a{i}" for i, s in enumerate(args)}


def _function(name: str, args: Sequence[sp.Symbol], body: list[str]) -> list[str]:
    params = ", ".join(_names(args).values())
    return [f"def {name}({params}):", *(f"    {line}" for line in body), ""]


def _direct(name: str, args: Sequence[sp.Symbol], expr: sp.Expr) -> list[str]:
    return _function(
        name, args, [f"return {_NumpyPrinter(_names(args)).doprint(expr)}"]
    )


class _Unsupported(Exception):
    """A node the log-space evaluation does not know."""


def _signed(name: str, args: Sequence[sp.Symbol], expr: sp.Expr) -> list[str]:
    """Source of ``name(*args) -> (sign, log|expr|)``; ``name = None`` when a
    node is not supported."""
    names = _names(args)
    lines: list[str] = []
    seen: dict[sp.Basic, str] = {}

    def emit(call: str) -> str:
        var = f"x{len(lines)}"
        lines.append(f"{var} = {call}")
        return var

    def build(e: sp.Basic) -> str:
        if e in seen:
            return seen[e]
        var = _node(e)
        seen[e] = var
        return var

    def _node(e: sp.Basic) -> str:
        if isinstance(e, sp.Symbol):
            if e not in names:
                raise _Unsupported(e)
            return emit(f"_sym({names[e]})")
        if e.is_Number or not e.free_symbols:  # 2, 1/2, and constants such as E
            return emit(f"_const(float({repr(float(e))!r}))")
        if isinstance(e, sp.Add | sp.Mul) and all(a.is_positive for a in e.args):
            # Fast path (the common case: every symbol is declared positive): no
            # signs to track, a sum is a log-sum-exp and a product a sum of logs.
            op = "_padd" if isinstance(e, sp.Add) else "_pmul"
            return emit(f"{op}({', '.join(build(a) for a in e.args)})")
        if isinstance(e, sp.Add | sp.Mul):
            op = "_add" if isinstance(e, sp.Add) else "_mul"
            return emit(f"{op}({', '.join(build(a) for a in e.args)})")
        if isinstance(e, sp.Pow):
            if e.exp.is_Integer:
                return emit(f"_ipow({build(e.base)}, {int(e.exp)})")
            return emit(f"_rpow({build(e.base)}, {build(e.exp)})")
        if isinstance(e, sp.log):
            return emit(f"_log({build(e.args[0])})")
        if isinstance(e, sp.exp):
            return emit(f"_exp({build(e.args[0])})")
        raise _Unsupported(type(e).__name__)

    try:
        out = build(expr)
    except _Unsupported:
        return [f"{name} = None", ""]
    return _function(name, args, [*lines, f"return {out}"])


def log_lambdify_source(
    args: Sequence[sp.Symbol], expr: sp.Expr, name: str = "signed"
) -> str:
    """Source of ``name(*args) -> (sign, log|expr|)`` (``name = None`` when
    ``expr`` has a node the log-space evaluation does not know)."""
    return "\n".join(_signed(name, args, expr))


@functools.cache
def log_lambdify(
    args: tuple[sp.Symbol, ...], expr: sp.Expr
) -> Callable[..., Part] | None:
    """``f(*values) -> (sign, log|expr|)``, or ``None`` for unsupported nodes.

    ``sign`` is ``1``, ``-1`` or ``0`` (then the log is ``-inf``); NaN marks a
    value that is not real (a fractional power of a negative number).

    Examples:
        >>> import numpy as np
        >>> x = sp.Symbol("x", positive=True)
        >>> f = log_lambdify((x,), 2 * x**2)
        >>> sign, log_value = f(1e300)
        >>> float(sign), round(float(log_value / np.log(10)), 6)
        (1.0, 600.30103)
    """
    raw = _run(log_lambdify_source(args, expr))["signed"]
    return None if raw is None else signed_function(raw)


def _run(source: str) -> dict[str, Any]:
    import math

    import numpy

    from ._logspace import NODES

    namespace: dict[str, Any] = {"numpy": numpy, "math": math, **NODES}
    exec(compile(source, "<asyncstab compiled bound>", "exec"), namespace)
    return namespace


def _log_pair(
    prefix: str, args: Sequence[sp.Symbol], expr: sp.Expr, log_expr: sp.Expr | None
) -> list[str]:
    """``direct`` (the log by formula) and ``signed`` (log space) source."""
    target = sp.log(expr) if log_expr is None else log_expr
    signed_of = expr if log_expr is None else log_expr
    return [
        *_direct(f"{prefix}direct", args, target),
        *_signed(f"{prefix}signed", args, signed_of),
    ]


def compile_forms(theorem: TheoremLike) -> CompiledForms:
    """The closed form, its split form and its conditions, compiled."""
    args = argument_symbols(theorem)
    lines = ["# generated from the sympy expressions of one theorem", ""]
    lines += _log_pair("", args, theorem.expr, theorem.log_expr)
    if theorem.split is not None:
        lines += _log_pair(
            "split_", (*args, SYMBOL["gamma_split"]), theorem.split, None
        )
    else:
        lines += ["split_direct = None", "split_signed = None", ""]
    step = SYMBOL[theorem.step_parameter]
    conditions = []
    for i, cond in enumerate(theorem.conditions):
        lines += _direct(f"lhs_{i}", args, cond.lhs)
        lines += _direct(f"rhs_{i}", args, cond.rhs)
        limit = None
        if cond.rel_op == "<=" and cond.lhs == step:
            syms = tuple(sorted(cond.rhs.free_symbols, key=str))
            limit = tuple(API_NAME[s] for s in syms)
            body = [f"return {_MathPrinter(_names(syms)).doprint(cond.rhs)}"]
            lines += _function(f"limit_{i}", syms, body)
        first = sorted(cond.lhs.free_symbols or cond.rhs.free_symbols, key=str)
        name = API_NAME[first[0]]
        conditions.append(CompiledCondition(cond_text(cond), cond.rel_op, name, limit))
    return CompiledForms(
        args=tuple(API_NAME[s] for s in args),
        source="\n".join(lines),
        hand_log=theorem.log_expr is not None,
        conditions=tuple(conditions),
    )
