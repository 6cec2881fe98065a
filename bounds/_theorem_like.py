"""What the floors below :class:`~bounds.Theorem` read of a theorem: its data.

The argument checks (``_conditions.py``), the closed form (``_closed_form.py``),
the recursions (``_recursion.py``, ``_deng.py``, ``_levels.py``) and the inverse
questions (``_inverse.py``) take any object with these read-only members, so none
of them imports ``_theorem.py``; :class:`~bounds.Theorem` sits above them and
calls down (CONTRIBUTING.md, "Code layout": each floor imports only the floors
below it). A
structural type (PEP 544) and not a base class, so that every member of
``Theorem`` stays on ``Theorem`` itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import sympy as sp

    from ._assumption import Assumption
    from ._compiled import CompiledForms
    from ._quantity import Quantity
    from ._reference import Reference

__all__ = ["Evaluable", "TheoremLike"]


class Evaluable(Protocol):
    """What validating arguments and evaluating the closed form read of a theorem:
    its names and its compiled forms, no sympy expression. A
    :class:`~bounds.Theorem` is one; so is an entry of the on-disk catalogue,
    which evaluates a bound without loading sympy (``_catalogue.py``)."""

    @property
    def key(self) -> str:
        """CLI/API key, e.g. ``"hardt-cvx"``."""

    @property
    def registry_key(self) -> str:
        """Label in the registry of docs/theory.md ("The registry"), e.g. ``"[H-cvx]"``."""

    @property
    def quantity(self) -> Quantity:
        """What is bounded."""

    @property
    def assumptions(self) -> frozenset[Assumption]:
        """Hypotheses of the theorem."""

    @property
    def reference(self) -> Reference:
        """The source, with its theorem locator."""

    @property
    def parameters(self) -> tuple[str, ...]:
        """API names the closed form and its conditions use, in name-table order."""

    @property
    def accepted(self) -> tuple[str, ...]:
        """Names the closed form accepts: ``parameters`` plus optional ones."""

    @property
    def optional(self) -> tuple[str, ...]:
        """Names that change the formula used (``gamma_split``)."""

    @property
    def options(self) -> tuple[str, ...]:
        """Further names accepted that do not enter the closed form."""

    @property
    def step_parameter(self) -> str:
        """``"step_size"`` or ``"c"``: the argument the inverse question solves for."""

    @property
    def label(self) -> str:
        """The key, with " (reconstruction)" where the statement is reconstructed."""

    @property
    def compiled(self) -> CompiledForms:
        """The closed form and the conditions as numpy functions."""


class TheoremLike(Evaluable, Protocol):
    """The read-only data of a theorem (see :class:`bounds.Theorem` for each member)."""

    @property
    def expr(self) -> sp.Expr:
        """The closed form."""

    @property
    def conditions(self) -> tuple[sp.Rel, ...]:
        """Step-size / delay conditions as sympy relations."""

    @property
    def schedule(self) -> str:
        """``"constant"`` (the bound uses ``step_size``) or ``"decaying"`` (``c``)."""

    @property
    def recursion(self) -> str:
        """Which recursion implements levels 2 and 3 (``"convex"``, ..., ``"deng"``)."""

    @property
    def log_expr(self) -> sp.Expr | None:
        """Log of ``expr`` written to avoid overflow, or None for ``log(expr)``."""

    @property
    def split(self) -> sp.Expr | None:
        """The bound at a given ``gamma_split``, or None."""
