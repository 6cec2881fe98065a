"""A theorem is data: a frozen object holding a sympy expression and its conditions.

New theorems are new *instances* (see ``_registry.py``), not subclasses (diffrax's
``ButcherTableau``). Methods stay thin: validate, check the condition, call the
cached ``lambdify``.
"""

from __future__ import annotations

import functools
import math
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import sympy as sp

from ._assumption import Assumption
from ._errors import InvalidParameterError, StepSizeConditionError
from ._logspace import log_function
from ._parameters import (
    COUNTS,
    DEFAULTS,
    LINKED_DEFAULTS,
    BoundValue,
    Value,
    check_relations,
    format_value,
    validate_parameter,
)
from ._quantity import Quantity
from ._reference import Reference
from ._symbols import API_NAME, SYMBOL

__all__ = ["Assumption", "Quantity", "Theorem"]

#: log10 of the largest float64 and of the smallest normal one.
_LOG10_MAX = math.log10(sys.float_info.max)
_LOG10_MIN = math.log10(sys.float_info.min)


@dataclass(frozen=True)
class Theorem:
    """One stability bound of the registry.

    Attributes:
        key: CLI/API key, e.g. ``"hardt-cvx"``.
        registry_key: key of THEORY.md, e.g. ``"[H-cvx]"``.
        title: one line.
        quantity: what is bounded.
        assumptions: hypotheses of the theorem.
        expr: closed form, built only from the symbols of ``_symbols.py``.
        conditions: step-size / delay conditions as sympy relations.
        reference: the source, with its theorem locator.
        schedule: ``"constant"`` (uses ``step_size``) or ``"decaying"`` (uses ``c``).
        recursion: which recursion implements levels 2 and 3 (``_recursion.py``).
        synchronous: key of the synchronous counterpart it reduces to at tau = 0.
        monotone: API name -> +1 (non-decreasing), -1 (non-increasing), 0 (constant).
        scaling: the claimed scaling, in words.
        log_expr: log of ``expr`` written to avoid overflow (default ``log(expr)``).
        split: the bound at a given ``gamma_split`` (Lei & Ying 2020, Thm 2(b));
            ``expr`` is then its minimum over ``gamma_split``, used when the
            caller gives none.
    """

    key: str
    registry_key: str
    title: str
    quantity: Quantity
    assumptions: frozenset[Assumption]
    expr: sp.Expr
    conditions: tuple[sp.Rel, ...]
    reference: Reference
    schedule: Literal["constant", "decaying"]
    recursion: Literal[
        "convex", "strongly_convex", "nonconvex", "nonconvex_regatti", "deng"
    ]
    synchronous: str | None = None
    monotone: Mapping[str, int] = field(default_factory=dict)
    scaling: str = ""
    log_expr: sp.Expr | None = None
    split: sp.Expr | None = None

    def __post_init__(self) -> None:
        known = set(SYMBOL.values())
        assert self.expr.free_symbols <= known, self.expr.free_symbols - known
        for cond in self.conditions:
            assert isinstance(cond, sp.core.relational.Relational), cond
            assert cond.free_symbols <= known
        if self.log_expr is not None:
            assert self.log_expr.free_symbols <= known
        if self.split is not None:
            assert self.split.free_symbols <= known
            assert SYMBOL["gamma_split"] in self.split.free_symbols
        assert set(self.monotone) <= set(SYMBOL), self.monotone

    # ----------------------------------------------------------------- names
    @property
    def parameters(self) -> tuple[str, ...]:
        """API names the closed form and its conditions use, in name-table order."""
        used = self.expr.free_symbols.union(*(c.free_symbols for c in self.conditions))
        return tuple(name for name, s in SYMBOL.items() if s in used)

    @property
    def accepted(self) -> tuple[str, ...]:
        """Names :meth:`evaluate` accepts: ``parameters`` plus optional ones."""
        extra = [k for k in DEFAULTS if k not in self.parameters]
        return (*self.parameters, *extra)

    @property
    def optional(self) -> tuple[str, ...]:
        """Names :meth:`evaluate` also accepts that change the formula used:
        ``gamma_split`` (the bound at that gamma instead of the optimal one)."""
        return ("gamma_split",) if self.split is not None else ()

    @property
    def step_parameter(self) -> str:
        """``"step_size"`` or ``"c"``: the argument the inverse question solves for."""
        return "step_size" if self.schedule == "constant" else "c"

    @property
    def label(self) -> str:
        """The key, with " (reconstruction)" where the statement is reconstructed."""
        return self.key + (" (reconstruction)" if self.is_reconstruction else "")

    @property
    def is_reconstruction(self) -> bool:
        """True when the statement is reconstructed rather than read from its source."""
        return "Reconstruction" in self.reference.note

    # ------------------------------------------------------------ validation
    def validate(self, params: Mapping[str, Any]) -> dict[str, Value]:
        """Check names, types, ranges and the theorem's conditions.

        Returns:
            the validated values (floats or arrays), defaults filled in.

        Raises:
            InvalidParameterError: unknown, missing or out-of-domain arguments.
            StepSizeConditionError: a condition of the theorem is violated.
        """
        takes = (*self.accepted, *self.optional)
        unknown = sorted(set(params) - set(takes))
        if unknown:
            raise InvalidParameterError(
                f"{unknown[0]}={params[unknown[0]]!r} is not a parameter of "
                f"{self.label}; it takes {', '.join(takes)}"
            )
        values = {k: validate_parameter(k, v) for k, v in params.items()}
        for k, v in DEFAULTS.items():
            values.setdefault(k, v)
        for k, source in LINKED_DEFAULTS.items():
            if k in self.parameters and k not in values and source in params:
                values[k] = values[source]
        missing = [k for k in self.parameters if k not in values]
        if missing:
            raise InvalidParameterError(
                f"{self.label} needs {', '.join(missing)} (missing)"
            )
        arrays = {k: v for k, v in values.items() if np.ndim(v)}
        try:
            np.broadcast_shapes(*(np.shape(v) for v in arrays.values()))
        except ValueError:
            shapes = ", ".join(f"{k} of shape {np.shape(v)}" for k, v in arrays.items())
            raise InvalidParameterError(
                f"{shapes} must broadcast together (numpy broadcasting rules)"
            ) from None
        check_relations(values)
        if "n_steps" in values:
            tau, T = np.asarray(values["max_delay"]), np.asarray(values["n_steps"])
            bad = np.broadcast_to(tau > T, np.broadcast(tau, T).shape)
            if bad.any():
                raise InvalidParameterError(
                    f"max_delay={_show(values['max_delay'])} must be <= n_steps="
                    f"{_show(values['n_steps'])} (a delay cannot exceed the number of steps)"
                )
        self._check_conditions(values)
        return values

    def _check_conditions(self, values: Mapping[str, Value]) -> None:
        for cond, (lhs, rhs) in zip(self.conditions, self._condition_fns, strict=True):
            args = [values[API_NAME[s]] for s in self._condition_args]
            left, right = np.asarray(lhs(*args)), np.asarray(rhs(*args))
            ok = {"<=": left <= right, ">=": left >= right, "==": left == right}[
                cond.rel_op
            ]
            if not np.all(ok):
                name = API_NAME[sorted(cond.lhs.free_symbols, key=str)[0]]
                i = np.unravel_index(np.argmin(ok), np.shape(ok)) if np.ndim(ok) else ()
                val = np.broadcast_to(np.asarray(values[name]), np.shape(ok))[i]
                limit = np.broadcast_to(right, np.shape(ok))[i]
                shown = _show(val) if name in COUNTS else repr(float(val))
                raise StepSizeConditionError(
                    f"{name}={shown} violates {_cond_text(cond)} (= {float(limit):.6g}) "
                    f"required by {self.reference.short} {self.registry_key}"
                )

    @functools.cached_property
    def _condition_args(self) -> tuple[sp.Symbol, ...]:
        return tuple(SYMBOL[k] for k in self.accepted)

    @functools.cached_property
    def _condition_fns(
        self,
    ) -> tuple[tuple[Callable[..., Any], Callable[..., Any]], ...]:
        args = self._condition_args
        return tuple(
            (
                sp.lambdify(args, c.lhs, modules="numpy"),
                sp.lambdify(args, c.rhs, modules="numpy"),
            )
            for c in self.conditions
        )

    @functools.cached_property
    def _limit_fns(self) -> tuple[tuple[tuple[str, ...], Callable[..., Any]], ...]:
        x = SYMBOL[self.step_parameter]
        out = []
        for cond in self.conditions:
            if cond.rel_op == "<=" and cond.lhs == x:
                syms = tuple(sorted(cond.rhs.free_symbols, key=str))
                out.append(
                    (
                        tuple(API_NAME[s] for s in syms),
                        sp.lambdify(syms, cond.rhs, modules="math"),
                    )
                )
        return tuple(out)

    def step_size_limit(self, **constants: Any) -> float:
        """Largest ``step_size`` (or ``c``) the theorem's conditions allow.

        Args:
            **constants: values of the symbols the conditions use (``smoothness``);
                others are ignored.

        Returns:
            the limit, e.g. ``2 / smoothness`` for [H-cvx]; ``inf`` if none.

        Raises:
            InvalidParameterError: a constant a condition needs is missing or bad.

        Examples:
            >>> from bounds import THEOREMS
            >>> THEOREMS["hardt-scvx"].step_size_limit(smoothness=4.0)
            0.25
        """
        limit = math.inf
        for names, fn in self._limit_fns:
            for name in names:
                if constants.get(name) is None:
                    raise InvalidParameterError(
                        f"{name}=None must be given: {self.key}'s condition uses it"
                    )
            vals = [float(validate_parameter(k, constants[k])) for k in names]
            limit = min(limit, float(fn(*vals)))
        return limit

    # ------------------------------------------------------------ evaluation
    @functools.cached_property
    def _log_fn(self) -> Callable[..., Any]:
        return log_function(self._condition_args, self.expr, self.log_expr)

    @functools.cached_property
    def _split_log_fn(self) -> Callable[..., Any]:
        assert self.split is not None
        args = (*self._condition_args, SYMBOL["gamma_split"])
        return log_function(args, self.split)

    def log_evaluate(self, **params: Any) -> Value:
        """Natural log of the closed form, computed in log space: finite for any
        arguments float64 holds, also where the value itself over- or underflows.
        """
        values = self.validate(params)
        names = [API_NAME[s] for s in self._condition_args]
        if "gamma_split" in values:
            fn = self._split_log_fn
            names.append("gamma_split")
        else:
            fn = self._log_fn
        args = [values[k] for k in names]
        out = np.asarray(fn(*args), dtype=np.float64)
        out = np.broadcast_to(out, np.broadcast(*[np.asarray(a) for a in args]).shape)
        if not np.isfinite(out).all():
            i = int(np.flatnonzero(~np.isfinite(out).ravel())[0])
            at = ", ".join(
                f"{k}={float(np.broadcast_to(values[k], out.shape).ravel()[i])!r}"
                for k in names
            )
            raise InvalidParameterError(
                f"{self.key} has no finite float64 logarithm at {at}"
            )
        return float(out) if out.ndim == 0 else np.array(out)

    def evaluate(self, **params: Any) -> Value:
        """Closed form (level 1), vectorised: array arguments broadcast.

        Returns a float for scalar arguments, an array otherwise.

        Raises:
            InvalidParameterError: bad argument, or a bound outside the range of
                normal float64 numbers (use :meth:`compute` or
                :meth:`log_evaluate` there).
            StepSizeConditionError: the theorem's condition is violated.
        """
        log_value = self.log_evaluate(**params)
        log10 = np.asarray(log_value) / np.log(10.0)
        outside = (log10 > _LOG10_MAX) | (log10 < _LOG10_MIN)
        if outside.any():
            i = int(np.flatnonzero(outside.ravel())[0])
            where = f" (element {i})" if np.ndim(log_value) else ""
            raise InvalidParameterError(
                f"{self.key}'s bound is {format_value(float(log10.ravel()[i]))}{where}, "
                "outside the float64 range; compute() and log_evaluate() give its "
                "logarithm"
            )
        out = np.exp(log_value)
        return float(out) if np.ndim(out) == 0 else out

    def compute(self, **params: Any) -> BoundValue:
        """Closed form at one point, with ``log10`` and the vacuity flag.

        A bound at or above the loss range ``B`` (``loss_bound``, default 1 for the
        theorems that assume a bounded loss) is returned but flagged vacuous; for
        an unbounded loss no flag is set unless ``loss_bound`` is given.
        """
        log_value = self.log_evaluate(**params)
        if np.ndim(log_value) != 0:
            raise InvalidParameterError(
                "compute() takes scalar arguments; use evaluate()"
            )
        log_value = float(log_value)
        bound = params.get("loss_bound")
        if bound is None and Assumption.BOUNDED_LOSS in self.assumptions:
            bound = DEFAULTS["loss_bound"]
        log_range = None if bound is None else math.log(float(bound))
        if self.quantity is Quantity.ON_AVERAGE_MODEL_STABILITY:
            # ||A(S) - A(S')|| <= r on a set of diameter r: eps_avg2 <= r^2 always
            # (compared in logs: r^2 overflows at r = 1e300).
            log_range = 2 * math.log(float(params["diameter"]))
        vacuous = log_range is not None and log_value >= log_range
        with np.errstate(over="ignore"):
            value = float(np.exp(log_value))
        return BoundValue(value, log_value / np.log(10.0), bool(vacuous), self.key)

    def evaluate_exact(self, **params: Any) -> sp.Expr:
        """Exact evaluation in sympy: floats are read as the decimals they print as.

        Rational-function bounds come back as a number; bounds with fractional
        powers come back as an unevaluated exact expression (call ``.evalf(n)``).

        Examples:
            >>> from bounds import THEOREMS
            >>> THEOREMS["hardt-cvx"].evaluate_exact(
            ...     n_samples=500, n_steps=1000, step_size=0.01, lipschitz=1, smoothness=1)
            1/25
        """
        values = self.validate(params)
        subs = {
            SYMBOL[k]: _exact(params.get(k, values[k]))
            for k in (*self.accepted, *self.optional)
            if k in values
        }
        expr = self.split if "gamma_split" in values else self.expr
        assert expr is not None
        if expr.is_rational_function():
            return expr.xreplace(subs)
        # Powers with rational exponents of exact rationals make sympy factor huge
        # integers (minutes); keep them unevaluated: still exact, and
        # ``.evalf(digits)`` gives any precision at once.
        with sp.evaluate(False):
            return expr.xreplace(subs)

    # ------------------------------------------------------------- rendering
    def latex(self) -> str:
        r"""LaTeX of the statement, e.g. ``\epsilon_{stab} \le <expr>``."""
        return self.quantity.latex + r" \le " + sp.latex(self.expr)

    def statement(self) -> str:
        """The theorem in plain text: bound, assumptions, conditions, source."""
        conds = "; ".join(_cond_text(c) for c in self.conditions) or "none"
        lines = [
            f"{self.registry_key} {self.key}: {self.title}",
            f"  {self.quantity.symbol} <= {sp.sstr(self.expr)}",
            f"  assumptions: {', '.join(sorted(a.value for a in self.assumptions))}",
            f"  conditions: {conds}",
            f"  scaling: {self.scaling}",
            f"  source: {self.reference.short} "
            f"({self.reference.arxiv or self.reference.venue})",
        ]
        if self.split is not None:
            lines.insert(2, f"  at a given gamma_split: {sp.sstr(self.split)}")
        if self.reference.note:
            lines.append(f"  note: {self.reference.note}")
        return "\n".join(lines)

    # ---------------------------------------------------------- applicability
    def applicability(
        self,
        *,
        convex: bool,
        strongly_convex: bool = False,
        loss_bound: float | None = None,
        max_delay: int = 0,
    ) -> str | None:
        """None if the theorem's assumptions hold for such a problem, else why not.

        Examples:
            >>> from bounds import THEOREMS
            >>> THEOREMS["hardt-cvx"].applicability(convex=True, max_delay=4)
            'requires no delay (tau = 0)'
        """
        a = self.assumptions
        if Assumption.STRONGLY_CONVEX in a and not strongly_convex:
            return "requires a strongly convex loss"
        if Assumption.CONVEX in a and not (convex or strongly_convex):
            return "requires a convex loss"
        if Assumption.BOUNDED_LOSS in a and loss_bound is None:
            return "requires a bounded loss"
        if Assumption.NO_DELAY in a and max_delay != 0:
            return "requires no delay (tau = 0)"
        return None

    # ------------------------------------------------- levels 2 and 3, inverse
    def recursion_bound(self, **kwargs: Any) -> Value:
        """Level 2: see :func:`bounds.recursion_bound`."""
        from ._levels import recursion_bound

        return recursion_bound(self, **kwargs)

    def max_step_size(self, target_gap: float, **params: Any) -> Any:
        """Largest ``step_size`` (or ``c``) keeping the bound <= ``target_gap``.

        See :func:`bounds.max_step_size`.
        """
        from ._inverse import max_step_size

        return max_step_size(self, target_gap, **params)

    def min_samples(self, target_gap: float, **params: Any) -> Any:
        """Smallest ``n_samples`` keeping the bound <= ``target_gap``."""
        from ._inverse import min_samples

        return min_samples(self, target_gap, **params)


def _show(value: Value) -> str:
    """Print a validated count the way the user typed it (no trailing ``.0``)."""
    if np.ndim(value) == 0:
        x = float(value)
        return repr(int(x)) if x == int(x) and abs(x) < 1e16 else repr(x)
    return np.array2string(np.asarray(value))


def _cond_text(cond: sp.Rel) -> str:
    op = {"==": "=", "<=": "<=", ">=": ">="}[cond.rel_op]
    return f"{sp.sstr(cond.lhs)} {op} {sp.sstr(cond.rhs)}"


def _exact(value: Any) -> sp.Expr:
    if isinstance(value, int | np.integer):
        return sp.Integer(int(value))
    x = float(value)
    return sp.Integer(int(x)) if x == int(x) else sp.Rational(repr(x))
