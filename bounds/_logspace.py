r"""Evaluate a sympy expression in log space, so that no intermediate overflows.

:func:`log_lambdify` turns an expression into a numpy function that returns
``(sign, log|value|)``. Every node is computed from its children's signs and
logs: a product adds logs, a power multiplies one, a sum is a signed
log-sum-exp. ``2 L^2 eta T / n`` at ``L = 1e300`` is ``log 2 + 2 log L + ...``
(finite) where the direct formula forms ``L^2 = inf``; ``q / (q + 1)`` at
``q = 1e600`` is ``exp(log q - logaddexp(log q, 0)) = 1`` where the direct
formula gives ``inf / inf = nan``.

Nodes: symbols, numbers, ``+``, ``*``, ``**``, ``log`` and ``exp``. Any other
node makes :func:`log_lambdify` return ``None`` and the caller falls back to
``log(expr)`` through sympy's own ``lambdify``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import sympy as sp
from numpy.typing import NDArray

__all__ = ["log_function", "log_lambdify"]

Arr = NDArray[np.float64]
Node = Callable[[Sequence[Any]], tuple[Arr, Arr]]


class _Unsupported(Exception):
    """A node the log-space evaluator does not know."""


def log_lambdify(
    args: Sequence[sp.Symbol], expr: sp.Expr
) -> Callable[..., tuple[Arr, Arr]] | None:
    """``f(*values) -> (sign, log|expr|)``, or ``None`` for unsupported nodes.

    ``sign`` is ``1``, ``-1`` or ``0`` (then the log is ``-inf``); NaN marks a
    value that is not real (a fractional power of a negative number).

    Examples:
        >>> import sympy as sp
        >>> x = sp.Symbol("x", positive=True)
        >>> f = log_lambdify([x], 2 * x**2)
        >>> sign, log_value = f(1e300)
        >>> float(sign), round(float(log_value / np.log(10)), 6)
        (1.0, 600.30103)
    """
    index = {s: i for i, s in enumerate(args)}
    try:
        node = _build(expr, index)
    except _Unsupported:
        return None

    def f(*values: Any) -> tuple[Arr, Arr]:
        vals = [np.asarray(v, dtype=np.float64) for v in values]
        with np.errstate(all="ignore"):
            return node(vals)

    return f


def _build(e: sp.Basic, index: dict[sp.Symbol, int]) -> Node:
    if isinstance(e, sp.Symbol):
        if e not in index:
            raise _Unsupported(e)
        i = index[e]
        return lambda v: (np.sign(v[i]), np.log(np.abs(v[i])))
    if e.is_Number or not e.free_symbols:  # 2, 1/2, and constants such as E
        x = float(e)
        s = np.asarray(np.sign(x), dtype=np.float64)
        lg = np.asarray(np.log(abs(x)) if x else -np.inf, dtype=np.float64)
        return lambda v: (s, lg)
    if isinstance(e, sp.Add | sp.Mul) and all(a.is_positive for a in e.args):
        # Fast path (the common case: every symbol is declared positive): no
        # signs to track, a sum is a log-sum-exp and a product a sum of logs.
        logs = [_build(a, index) for a in e.args]
        reduce = np.logaddexp.reduce if isinstance(e, sp.Add) else np.add.reduce

        def positive(v: Sequence[Any]) -> tuple[Arr, Arr]:
            parts = np.broadcast_arrays(*[f(v)[1] for f in logs])
            return _ONE, reduce(parts)

        return positive
    if isinstance(e, sp.Add):
        return _add([_build(a, index) for a in e.args])
    if isinstance(e, sp.Mul):
        return _mul([_build(a, index) for a in e.args])
    if isinstance(e, sp.Pow):
        return _pow(_build(e.base, index), e.exp, _build(e.exp, index))
    if isinstance(e, sp.log):
        inner = _build(e.args[0], index)

        def log_node(v: Sequence[Any]) -> tuple[Arr, Arr]:
            s, lg = inner(v)
            lg = np.where(s > 0, lg, np.nan)  # log of a non-positive number
            return np.sign(lg), np.log(np.abs(lg))

        return log_node
    if isinstance(e, sp.exp):
        inner = _build(e.args[0], index)

        def exp_node(v: Sequence[Any]) -> tuple[Arr, Arr]:
            s, lg = inner(v)
            return np.ones_like(lg), _value(s, lg)

        return exp_node
    raise _Unsupported(type(e).__name__)


_ONE = np.asarray(1.0)


def _value(s: Arr, lg: Arr) -> Arr:
    """The number itself (may overflow to inf: only used for exponents)."""
    return np.where(s == 0, 0.0, s * np.exp(lg))


def _add(children: list[Node]) -> Node:
    def node(v: Sequence[Any]) -> tuple[Arr, Arr]:
        parts = [c(v) for c in children]
        pos = np.logaddexp.reduce(
            np.broadcast_arrays(*[np.where(s > 0, lg, -np.inf) for s, lg in parts])
        )
        neg = np.logaddexp.reduce(
            np.broadcast_arrays(*[np.where(s < 0, lg, -np.inf) for s, lg in parts])
        )
        nan = np.logical_or.reduce(
            np.broadcast_arrays(*[np.isnan(s) | np.isnan(lg) for s, lg in parts])
        )
        big, small = np.maximum(pos, neg), np.minimum(pos, neg)
        # log(e^big - e^small) = big + log1p(-e^(small - big)); -inf when equal.
        lg = np.where(np.isneginf(big), -np.inf, big + np.log1p(-np.exp(small - big)))
        s = np.where(np.isneginf(lg), 0.0, np.where(pos >= neg, 1.0, -1.0))
        return np.where(nan, np.nan, s), np.where(nan, np.nan, lg)

    return node


def _mul(children: list[Node]) -> Node:
    def node(v: Sequence[Any]) -> tuple[Arr, Arr]:
        s, lg = children[0](v)
        for c in children[1:]:
            s2, lg2 = c(v)
            s, lg = s * s2, lg + lg2
        zero = s == 0
        return s, np.where(zero, -np.inf, lg)

    return node


def _pow(base: Node, exp: sp.Expr, exp_node: Node) -> Node:
    if exp.is_Integer:
        k = int(exp)

        def int_pow(v: Sequence[Any]) -> tuple[Arr, Arr]:
            s, lg = base(v)
            return s**k if k >= 0 else np.where(s == 0, np.nan, s**k), k * lg

        return int_pow

    def real_pow(v: Sequence[Any]) -> tuple[Arr, Arr]:
        s, lg = base(v)
        e = _value(*exp_node(v))
        # base^e = exp(e log base): a real number only for a positive base.
        lg = np.where(lg == 0, 0.0, e * lg)
        return np.where(s > 0, 1.0, np.nan), np.where(s > 0, lg, np.nan)

    return real_pow


#: Agreement of the direct and the log-space evaluation (see log_function), an
#: absolute tolerance on the log: the log-space value is off by a few ulp of its
#: largest log term (<= ~6e-11 measured, tests/bounds/test_logspace.py); a direct
#: formula that lost digits to a subnormal intermediate or to cancellation was
#: seen off by 1e-10 to 3e-7. Beyond 1e-11 the log-space value is kept.
_AGREE = 1e-11


def log_function(
    args: Sequence[sp.Symbol], expr: sp.Expr, log_expr: sp.Expr | None = None
) -> Callable[..., Any]:
    """``f(*values) -> log(expr)``; NaN where ``expr`` is not a positive real.

    ``log_expr``, when given, is the log written out by hand. Both the direct
    formula (``log_expr`` or ``log(expr)`` through numpy) and the node-by-node
    log-space evaluation are computed: the direct value is kept where it is
    finite and agrees with the log-space one to rounding (so exact cases stay
    exact, e.g. ``log(2 * 0.01 * 1000 / 500) == log(0.04)``), the log-space
    value everywhere else (an intermediate that overflowed, underflowed or
    became ``inf / inf``).
    """
    direct_fn = sp.lambdify(
        args, sp.log(expr) if log_expr is None else log_expr, modules="numpy"
    )
    signed = log_lambdify(args, expr if log_expr is None else log_expr)

    def f(*values: Any) -> Any:
        values = tuple(np.asarray(v, dtype=np.float64) for v in values)
        with np.errstate(all="ignore"):  # numpy floats: inf/0/nan, never a raise
            direct = np.asarray(direct_fn(*values), dtype=np.float64)
        if signed is None:
            return direct
        s, lg = signed(*values)
        safe = _value(s, lg) if log_expr is not None else np.where(s > 0, lg, np.nan)
        with np.errstate(invalid="ignore"):
            agree = np.isfinite(direct) & (np.abs(direct - safe) <= _AGREE)
        return np.where(agree, direct, safe)

    return f
