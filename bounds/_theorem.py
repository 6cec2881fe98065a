"""A theorem is data: a frozen object holding a sympy expression and its conditions.

New theorems are new *instances* (see ``_registry.py``), not subclasses (diffrax's
``ButcherTableau``). Methods stay thin: each calls the floor below that does the
work, the argument checks and conditions (``_conditions.py``), the closed form
(``_closed_form.py``), levels 2 and 3 (``_levels.py``) or the inverse questions
(``_inverse.py``). Those floors read a theorem through
:class:`~bounds._theorem_like.TheoremLike` and never import this module; the
registry (``_literature.py``, ``_registry.py``) is the floor above.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import sympy as sp

from . import _closed_form, _codegen, _conditions, _inverse, _levels
from ._assumption import Assumption
from ._compiled import CompiledForms
from ._parameters import DEFAULTS, BoundValue, Value
from ._quantity import Quantity
from ._reference import Reference
from ._symbols import SYMBOL

__all__ = ["Theorem"]


@dataclass(frozen=True)
class Theorem:
    """One stability bound of the registry.

    Attributes:
        key: CLI/API key, e.g. ``"hardt-cvx"``.
        registry_key: label in the registry of docs/theory.md ("The
            registry"), e.g. ``"[H-cvx]"``.
        title: one line.
        quantity: what is bounded.
        assumptions: hypotheses of the theorem.
        expr: closed form, built only from the symbols of ``_symbols.py``.
        conditions: step-size / delay conditions as sympy relations.
        reference: the source, with its theorem locator.
        schedule: ``"constant"`` (uses ``step_size``) or ``"decaying"`` (uses ``c``).
        recursion: which recursion implements levels 2 and 3 (``_recursion.py``).
        synchronous: key of the synchronous counterpart it reduces to at tau = 0.
        one_worker: key of the one-gradient theorem a part-3 theorem is at one
            worker and batch size 1 (``step_weight = arrivals = batch_size = 1``).
        monotone: API name -> +1 (non-decreasing), -1 (non-increasing), 0 (constant).
        scaling: the claimed scaling, in words.
        log_expr: log of ``expr`` written to avoid overflow (default ``log(expr)``).
        split: the bound at a given ``gamma_split`` (Lei & Ying 2020, Thm 2(b));
            ``expr`` is then its minimum over ``gamma_split``, used when the
            caller gives none.
        options: further names accepted that do not enter the closed form: a
            protocol's description (``n_workers``, ``aggregation``, ``period``,
            read as ``step_weight``, ``arrivals``, ``max_delay`` by
            :func:`bounds.protocol_constants`), ``clip`` (used by levels 2-3),
            ``batch_size`` where the bound does not depend on it.
        allows: what a run may add that the proof does not need but survives,
            as assumptions it then satisfies: ``PROJECTED`` (a projection onto a
            closed convex set, or any 1-Lipschitz map, after every step, by both
            runs of a pair; docs/theory.md, "Projection after every step").
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
        "convex",
        "strongly_convex",
        "nonconvex",
        "nonconvex_regatti",
        "deng",
        "workers_convex",
        "workers_nonconvex",
    ]
    synchronous: str | None = None
    one_worker: str | None = None
    monotone: Mapping[str, int] = field(default_factory=dict)
    scaling: str = ""
    log_expr: sp.Expr | None = None
    split: sp.Expr | None = None
    options: tuple[str, ...] = ()
    allows: frozenset[Assumption] = frozenset()

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
        assert set(self.options) <= {*SYMBOL, "aggregation"}, self.options
        assert not self.allows & self.assumptions, self.allows & self.assumptions

    # ----------------------------------------------------------------- names
    # Cached: validation and evaluation read them several times a call, and
    # free_symbols walks the whole expression each time (the object is frozen).
    @functools.cached_property
    def parameters(self) -> tuple[str, ...]:
        """API names the closed form and its conditions use, in name-table order."""
        used = self.expr.free_symbols.union(*(c.free_symbols for c in self.conditions))
        return tuple(name for name, s in SYMBOL.items() if s in used)

    @functools.cached_property
    def accepted(self) -> tuple[str, ...]:
        """Names :meth:`evaluate` accepts: ``parameters`` plus optional ones."""
        extra = [k for k in DEFAULTS if k not in self.parameters]
        return (*self.parameters, *extra)

    @functools.cached_property
    def compiled(self) -> CompiledForms:
        """The closed form and the conditions compiled to numpy functions (once)."""
        return _codegen.compile_forms(self)

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
        return _conditions.validate(self, params)

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
        return _conditions.step_size_limit(self, **constants)

    # ------------------------------------------------------------ evaluation
    def log_evaluate(self, **params: Any) -> Value:
        """Natural log of the closed form, computed in log space: finite for any
        arguments float64 holds, also where the value itself over- or underflows.
        """
        return _closed_form.log_evaluate(self, params)

    def evaluate(self, **params: Any) -> Value:
        """Closed form (level 1), vectorised: array arguments broadcast.

        Returns a float for scalar arguments, an array otherwise.

        Raises:
            InvalidParameterError: bad argument, or a bound outside the range of
                normal float64 numbers (use :meth:`compute` or
                :meth:`log_evaluate` there).
            StepSizeConditionError: the theorem's condition is violated.
        """
        return _closed_form.evaluate(self, params)

    def compute(self, **params: Any) -> BoundValue:
        """Closed form at one point, with ``log10`` and the vacuity flag.

        A bound at or above the loss range ``B`` (``loss_bound``, default 1 for the
        theorems that assume a bounded loss) is returned but flagged vacuous; for
        an unbounded loss no flag is set unless ``loss_bound`` is given.
        """
        return _closed_form.compute(self, params)

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
        return _closed_form.evaluate_exact(self, params)

    # ------------------------------------------------------------- rendering
    def latex(self) -> str:
        r"""LaTeX of the statement, e.g. ``\epsilon_{stab} \le <expr>``."""
        return self.quantity.latex + r" \le " + sp.latex(self.expr)

    def statement(self) -> str:
        """The theorem in plain text: bound, assumptions, conditions, source."""
        conds = "; ".join(c.text for c in self.compiled.conditions) or "none"
        lines = [
            f"{self.registry_key} {self.key}: {self.title}",
            f"  {self.quantity.symbol} <= {sp.sstr(self.expr)}",
            f"  assumptions: {', '.join(sorted(a.value for a in self.assumptions))}",
            f"  conditions: {conds}",
            *(
                [f"  allows: {', '.join(sorted(a.value for a in self.allows))}"]
                if self.allows
                else []
            ),
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
        return _levels.recursion_bound(self, **kwargs)

    def max_step_size(self, target_gap: float, **params: Any) -> Any:
        """Largest ``step_size`` (or ``c``) keeping the bound <= ``target_gap``.

        See :func:`bounds.max_step_size`.
        """
        return _inverse.max_step_size(self, target_gap, **params)

    def min_samples(self, target_gap: float, **params: Any) -> Any:
        """Smallest ``n_samples`` keeping the bound <= ``target_gap``."""
        return _inverse.min_samples(self, target_gap, **params)
