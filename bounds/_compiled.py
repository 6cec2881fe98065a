"""A theorem's closed form and conditions compiled to Python source over numpy.

The source is generated once from the sympy expressions (``_codegen.py``) and
executed here, in a namespace holding only ``numpy``, ``math`` and the
log-space node functions (``_logspace.py``): this module needs no sympy, so a
compiled form read back from the on-disk catalogue (``_catalogue.py``) evaluates
without it. Only the registry's own expressions are compiled (``exec``, as
sympy's ``lambdify`` does).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["CompiledCondition", "CompiledForms"]


@dataclass(frozen=True)
class CompiledCondition:
    """One condition of a theorem, e.g. ``eta <= 2/beta``.

    Attributes:
        text: the condition in plain text.
        op: ``"<="``, ``">="`` or ``"=="``.
        name: API name of the first symbol of the left side (named when violated).
        limit: the API names the right side uses, when the condition is an
            upper limit ``step <= rhs`` on the step parameter; None otherwise.
    """

    text: str
    op: str
    name: str
    limit: tuple[str, ...] | None


@dataclass(frozen=True)
class CompiledForms:
    """The numpy functions of one theorem, from generated source.

    ``source`` defines ``direct`` (the direct formula of the log), ``signed`` (its
    log-space evaluation, or None), ``split_direct`` and ``split_signed`` (the
    same at a given ``gamma_split``, or None), and for condition ``i``
    ``lhs_i``/``rhs_i`` (numpy, over ``args``) and, for an upper limit,
    ``limit_i`` (``math``, over the condition's ``limit`` names).

    Attributes:
        args: API names of the arguments of every function, in order
            (``gamma_split`` follows them for the split functions).
        source: the generated Python source.
        hand_log: ``direct``/``signed`` evaluate a hand-written log of the bound.
        conditions: the conditions, in the theorem's order.
    """

    args: tuple[str, ...]
    source: str
    hand_log: bool
    conditions: tuple[CompiledCondition, ...]

    @functools.cached_property
    def _namespace(self) -> dict[str, Any]:
        import numpy

        from ._logspace import NODES

        namespace: dict[str, Any] = {"numpy": numpy, "math": math, **NODES}
        exec(compile(self.source, "<asyncstab compiled bound>", "exec"), namespace)
        return namespace

    def _log(self, prefix: str, hand_log: bool) -> Callable[..., Any] | None:
        from ._logspace import log_function, signed_function

        direct = self._namespace[f"{prefix}direct"]
        if direct is None:
            return None
        raw = self._namespace[f"{prefix}signed"]
        signed = None if raw is None else signed_function(raw)
        return log_function(direct, signed, hand_log=hand_log)

    @functools.cached_property
    def log_fn(self) -> Callable[..., Any]:
        """``log`` of the closed form, a numpy function of ``args``."""
        fn = self._log("", self.hand_log)
        assert fn is not None
        return fn

    @functools.cached_property
    def split_log_fn(self) -> Callable[..., Any] | None:
        """Like :attr:`log_fn` at a given ``gamma_split`` (the last argument)."""
        return self._log("split_", False)

    @functools.cached_property
    def condition_fns(
        self,
    ) -> tuple[tuple[Callable[..., Any], Callable[..., Any]], ...]:
        """Both sides of each condition as numpy functions of ``args``."""
        ns = self._namespace
        return tuple(
            (ns[f"lhs_{i}"], ns[f"rhs_{i}"]) for i in range(len(self.conditions))
        )

    @functools.cached_property
    def limit_fns(self) -> tuple[tuple[tuple[str, ...], Callable[..., Any]], ...]:
        """The upper limits ``step <= rhs``: (names rhs uses, rhs over ``math``)."""
        return tuple(
            (c.limit, self._namespace[f"limit_{i}"])
            for i, c in enumerate(self.conditions)
            if c.limit is not None
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (the on-disk catalogue)."""
        return {
            "args": list(self.args),
            "source": self.source,
            "hand_log": self.hand_log,
            "conditions": [
                [c.text, c.op, c.name, None if c.limit is None else list(c.limit)]
                for c in self.conditions
            ],
        }

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> CompiledForms:
        """Inverse of :meth:`to_dict`."""
        return cls(
            args=tuple(doc["args"]),
            source=doc["source"],
            hand_log=bool(doc["hand_log"]),
            conditions=tuple(
                CompiledCondition(text, op, name, None if lim is None else tuple(lim))
                for text, op, name, lim in doc["conditions"]
            ),
        )
