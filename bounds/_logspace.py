r"""Evaluate a closed form in log space, so that no intermediate overflows: the
numeric side (numpy only).

A closed form is compiled (``_codegen.py``, with sympy) into Python source that
calls the node functions below; each takes and returns ``(sign, log|value|)``. A
product adds logs, a power multiplies one, a sum is a signed log-sum-exp.
``2 L^2 eta T / n`` at ``L = 1e300`` is ``log 2 + 2 log L + ...`` (finite) where
the direct formula forms ``L^2 = inf``; ``q / (q + 1)`` at ``q = 1e600`` is
``exp(log q - logaddexp(log q, 0)) = 1`` where the direct formula gives
``inf / inf = nan``.

:func:`log_function` combines the direct formula with the log-space one (see
there). This module imports no sympy, so that a compiled closed form (cached on
disk, ``_catalogue.py``) evaluates without it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "NODES",
    "log_function",
    "signed_function",
]

Arr = NDArray[np.float64]
Part = tuple[Arr, Arr]

_ONE = np.asarray(1.0)


def _sym(x: Arr) -> Part:
    return np.sign(x), np.log(np.abs(x))


def _const(x: float) -> Part:
    s = np.asarray(np.sign(x), dtype=np.float64)
    lg = np.asarray(np.log(abs(x)) if x else -np.inf, dtype=np.float64)
    return s, lg


def _padd(*parts: Part) -> Part:
    """A sum of positive terms (every symbol declared positive): a log-sum-exp."""
    return _ONE, np.logaddexp.reduce(np.broadcast_arrays(*[p[1] for p in parts]))


def _pmul(*parts: Part) -> Part:
    """A product of positive factors: a sum of logs."""
    return _ONE, np.add.reduce(np.broadcast_arrays(*[p[1] for p in parts]))


def _value(s: Arr, lg: Arr) -> Arr:
    """The number itself (may overflow to inf: only used for exponents)."""
    return np.where(s == 0, 0.0, s * np.exp(lg))


def _add(*parts: Part) -> Part:
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


def _mul(*parts: Part) -> Part:
    s, lg = parts[0]
    for s2, lg2 in parts[1:]:
        s, lg = s * s2, lg + lg2
    zero = s == 0
    return s, np.where(zero, -np.inf, lg)


def _ipow(base: Part, k: int) -> Part:
    s, lg = base
    return s**k if k >= 0 else np.where(s == 0, np.nan, s**k), k * lg


def _rpow(base: Part, exponent: Part) -> Part:
    s, lg = base
    e = _value(*exponent)
    # base^e = exp(e log base): a real number only for a positive base.
    lg = np.where(lg == 0, 0.0, e * lg)
    return np.where(s > 0, 1.0, np.nan), np.where(s > 0, lg, np.nan)


def _log(inner: Part) -> Part:
    s, lg = inner
    lg = np.where(s > 0, lg, np.nan)  # log of a non-positive number
    return np.sign(lg), np.log(np.abs(lg))


def _exp(inner: Part) -> Part:
    s, lg = inner
    return np.ones_like(lg), _value(s, lg)


#: The node functions compiled source calls, by the name it calls them.
NODES: dict[str, Callable[..., Part]] = {
    "_sym": _sym,
    "_const": _const,
    "_padd": _padd,
    "_pmul": _pmul,
    "_add": _add,
    "_mul": _mul,
    "_ipow": _ipow,
    "_rpow": _rpow,
    "_log": _log,
    "_exp": _exp,
}


def signed_function(raw: Callable[..., Part]) -> Callable[..., Part]:
    """``f(*values) -> (sign, log|value|)`` from compiled node calls ``raw``.

    ``sign`` is ``1``, ``-1`` or ``0`` (then the log is ``-inf``); NaN marks a
    value that is not real (a fractional power of a negative number).
    """

    def f(*values: Any) -> Part:
        vals = [np.asarray(v, dtype=np.float64) for v in values]
        with np.errstate(all="ignore"):
            return raw(*vals)

    return f


#: Agreement of the direct and the log-space evaluation (see log_function), an
#: absolute tolerance on the log: the log-space value is off by a few ulp of its
#: largest log term (<= ~6e-11 measured, tests/bounds/test_logspace.py); a direct
#: formula that lost digits to a subnormal intermediate or to cancellation was
#: seen off by 1e-10 to 3e-7. Beyond 1e-11 the log-space value is kept.
_AGREE = 1e-11


def log_function(
    direct_fn: Callable[..., Any],
    signed: Callable[..., Part] | None,
    *,
    hand_log: bool,
) -> Callable[..., Any]:
    """``f(*values) -> log(expr)``; NaN where ``expr`` is not a positive real.

    ``direct_fn`` is the direct formula of the log (a hand-written log, when
    ``hand_log``, else ``log(expr)``); ``signed`` the node-by-node log-space
    evaluation of the same expression (of the hand-written log when
    ``hand_log``), or None where it has a node the log-space evaluation does not
    know. Both are computed: the direct value is kept where it is finite and
    agrees with the log-space one to rounding (so exact cases stay exact, e.g.
    ``log(2 * 0.01 * 1000 / 500) == log(0.04)``), the log-space value everywhere
    else (an intermediate that overflowed, underflowed or became ``inf / inf``).
    """

    def f(*values: Any) -> Any:
        values = tuple(np.asarray(v, dtype=np.float64) for v in values)
        with np.errstate(all="ignore"):  # numpy floats: inf/0/nan, never a raise
            direct = np.asarray(direct_fn(*values), dtype=np.float64)
        if signed is None:
            return direct
        s, lg = signed(*values)
        safe = _value(s, lg) if hand_log else np.where(s > 0, lg, np.nan)
        with np.errstate(invalid="ignore"):
            agree = np.isfinite(direct) & (np.abs(direct - safe) <= _AGREE)
        return np.where(agree, direct, safe)

    return f
