"""Which published bound is tightest for a setting, and by how much?

:func:`compare` evaluates every registered bound (parts 1 and 2) at one setting,
or over a grid, says for each whether it applies (and if not, the first unmet
assumption or condition, quoted), converts it to the expected generalization
gap where a published conversion exists, and ranks the applicable ones on that
common quantity. Rate-only entries come in a separate block with their claimed
exponents. Nothing compares two different quantities without a conversion.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from ._assumption import Assumption
from ._compare_check import check_used
from ._conversion import CONVERSIONS
from ._errors import InvalidParameterError
from ._parameters import format_value, validate_parameter
from ._protocol import (
    AGGREGATIONS,
    check_description,
    one_gradient_only,
    protocol_named,
)
from ._quantity import Quantity
from ._rate import RATES, RateOnly
from ._registry import REGISTRY
from ._symbols import SYMBOL
from ._theorem import Theorem
from ._typecheck import checked
from ._validation import check_choice

__all__ = ["LOSS_FAMILIES", "ComparisonRow", "ComparisonTable", "RateRow", "compare"]

#: What each loss family guarantees (every family here is f >= 0 and beta-smooth).
LOSS_FAMILIES: dict[str, frozenset[Assumption]] = {
    "convex-smooth": frozenset({Assumption.CONVEX}),
    "strongly-convex-smooth": frozenset(
        {Assumption.CONVEX, Assumption.STRONGLY_CONVEX}
    ),
    "nonconvex-smooth": frozenset(),
}

#: Order in which unmet assumptions are reported (the first one is quoted).
_ORDER = tuple(Assumption)


@dataclass(frozen=True)
class ComparisonRow:
    """One registered bound at one setting.

    Attributes:
        point: the setting (API name -> value) of this row.
        key, registry_key: the theorem.
        quantity: what the theorem bounds.
        value: the bound on ``quantity`` (``None`` where it does not apply).
        gap: the same bound as a bound on the expected generalization gap, where
            a published conversion exists (``None`` otherwise).
        conversion: key of the conversion used (``None``: the value is the gap,
            or none exists).
        applies: the assumptions and conditions hold.
        reason: why not (quoted), or why there is no gap value.
        vacuous: at or above the trivial bound (loss range ``B``; ``r^2`` for
            ``eps_avg2``); ``None`` where no trivial bound is known.
        rank: 1 = tightest gap among the rows of this point with a gap value.
        reconstruction: the statement is reconstructed, not read from its source.
    """

    point: tuple[tuple[str, Any], ...]
    key: str
    registry_key: str
    quantity: Quantity
    value: float | None
    gap: float | None
    conversion: str | None
    applies: bool
    reason: str | None
    vacuous: bool | None
    rank: int | None
    reconstruction: bool


@dataclass(frozen=True)
class RateRow:
    """A rate-only entry: its O-expression and claimed exponents at the setting."""

    key: str
    registry_key: str
    quantity: Quantity
    rate: str
    exponent_n_steps: float | str | None
    exponent_n_samples: float | str | None
    exponent_max_delay: float | str | None
    source: str


@dataclass(frozen=True)
class ComparisonTable:
    """The answer of :func:`compare`: ranked rows, and the rate-only block."""

    rows: tuple[ComparisonRow, ...]
    rates: tuple[RateRow, ...]

    def tightest(self) -> list[ComparisonRow]:
        """The rank-1 row of every setting (one per grid point)."""
        return [r for r in self.rows if r.rank == 1]

    def to_dicts(self) -> list[dict[str, Any]]:
        """Rows as plain dicts (JSON-ready: the quantity is its label)."""
        out = []
        for r in self.rows:
            d = asdict(r)
            d.update(dict(r.point))
            del d["point"]
            d["quantity"] = r.quantity.label
            out.append(d)
        return out

    def to_pandas(self) -> Any:
        """A ``pandas.DataFrame`` of the rows (needs pandas, not a dependency).

        Raises:
            ImportError: pandas is not installed.
        """
        import pandas as pd

        return pd.DataFrame(self.to_dicts())


def _label(row: ComparisonRow) -> str:
    return row.key + (" (reconstruction)" if row.reconstruction else "")


def format_rows(table: ComparisonTable) -> list[dict[str, str]]:
    """The rows as text cells for the CLI table."""
    cells = []
    for r in table.rows:
        cells.append(
            {
                **{k: str(v) for k, v in r.point},
                "key": _label(r),
                "quantity": r.quantity.label,
                "bound": "-" if r.value is None else _fmt(r.value),
                "as gap": "-" if r.gap is None else _fmt(r.gap),
                "applies": "yes" if r.applies else "no",
                "vacuous": "VACUOUS" if r.vacuous else "",
                "rank": "" if r.rank is None else str(r.rank),
                "why / note": r.reason or "",
            }
        )
    return cells


def _fmt(x: float) -> str:
    return "0" if x == 0 else format_value(math.log10(x)) if math.isfinite(x) else "inf"


def _unmet(theorem: Theorem, have: frozenset[Assumption]) -> str | None:
    for a in _ORDER:
        if a in theorem.assumptions and a not in have:
            return f"requires {a.value!r}"
    return None


def _have(family: str, params: Mapping[str, Any]) -> frozenset[Assumption]:
    A = Assumption
    have = set(LOSS_FAMILIES[family]) | {
        A.SMOOTH,
        A.NONNEGATIVE_LOSS,
        A.BOUNDED_DELAY,
        A.DATA_INDEPENDENT_DELAY,
        A.DELAY_BELOW_STEP,
        A.INDEPENDENT_MINIBATCHES,
    }
    if params.get("clip") is None:
        have.add(A.NO_CLIPPING)
    if params.get("lipschitz") is not None:
        have.add(A.LIPSCHITZ)
    if params.get("loss_bound") is not None:
        have.add(A.BOUNDED_LOSS)
    if params.get("diameter") is not None:
        have |= {A.PROJECTED, A.BOUNDED_DOMAIN}
    if not params.get("max_delay"):
        have.add(A.NO_DELAY)
    if params.get("step_size") is not None:
        have |= {A.CONSTANT_STEP, A.NON_INCREASING_STEP}
    if params.get("c") is not None:
        have |= {A.DECAYING_STEP, A.STEP_BELOW_C_OVER_T}
    return frozenset(have)


def _row(theorem: Theorem, family: str, params: Mapping[str, Any]) -> ComparisonRow:
    point = tuple(params.items())
    base = dict(
        point=point,
        key=theorem.key,
        registry_key=theorem.registry_key,
        quantity=theorem.quantity,
        reconstruction=theorem.is_reconstruction,
        rank=None,
    )
    reason = one_gradient_only(theorem, params) or _unmet(
        theorem, _have(family, params)
    )
    if reason is None:
        takes = (*theorem.accepted, *theorem.options)
        args = {k: v for k, v in params.items() if k in takes}
        try:
            value = theorem.compute(**args)
        except InvalidParameterError as exc:  # a condition or a missing constant
            reason = str(exc)
    if reason is not None:
        return ComparisonRow(
            value=None,
            gap=None,
            conversion=None,
            applies=False,
            reason=reason,
            vacuous=None,
            **base,  # type: ignore[arg-type]
        )
    if not math.isfinite(value.value):  # the bound itself overflows float64
        return ComparisonRow(
            value=None,
            gap=None,
            conversion=None,
            applies=True,
            reason=(
                f"the bound is 10^{value.log10_value:.6g}, outside float64: not ranked "
                "(asyncstab bound reports it in log space)"
            ),
            vacuous=value.vacuous,
            **base,  # type: ignore[arg-type]
        )
    gap, conversion, note = _as_gap(theorem, value.value, params)
    vacuous: bool | None = value.vacuous
    if gap is not None and params.get("loss_bound") is not None:
        vacuous = vacuous or gap >= float(params["loss_bound"])
    if theorem.is_reconstruction:
        note = (
            "reconstruction (Regatti et al. 2019 as characterised by Deng et al. 2024)"
        )
    if theorem.one_worker is not None and not protocol_named(params):
        note = (
            f"not ranked: {theorem.one_worker} itself at one worker and batch size 1 "
            "(name a protocol: n_workers, aggregation, batch_size, ...)"
        )
    return ComparisonRow(
        value=value.value,
        gap=gap,
        conversion=conversion,
        applies=True,
        reason=note,
        vacuous=vacuous,
        **base,  # type: ignore[arg-type]
    )


def _as_gap(
    theorem: Theorem, value: float, params: Mapping[str, Any]
) -> tuple[float | None, str | None, str | None]:
    q = theorem.quantity
    if q is Quantity.GENERALIZATION_GAP:
        return value, None, None
    conv = CONVERSIONS.get(q)
    if conv is None:
        return None, None, f"no published conversion from {q.label} to the gap"
    try:
        gap = conv.convert(
            value,
            smoothness=params.get("smoothness"),
            train_loss=params.get("train_loss"),
            gamma_split=params.get("gamma_split"),
        )
    except InvalidParameterError as exc:
        return None, None, f"no gap: {exc}"
    note = None
    if conv.needs:  # a data-dependent conversion: say which one and with what
        note = (
            f"as gap via {conv.reference.short} (train_loss {params['train_loss']:g})"
        )
    return float(gap), conv.key, note


#: Two gap values closer than this (relative) tie: the same bound computed two
#: ways (a [DSL-cvx] value converted in numpy, [DSL-gen] as one sympy closed
#: form) differs by float64 rounding of a few operations, ~1e-15.
_TIE = 1e-12


def _rank(rows: list[ComparisonRow]) -> list[ComparisonRow]:
    ranked = [r for r in rows if r.gap is not None and not _duplicate(r)]
    gaps = [r.gap for r in ranked if r.gap is not None]
    out = []
    for r in rows:
        rank = None
        if r in ranked and r.gap is not None:
            rank = 1 + sum(g < r.gap * (1 - _TIE) for g in gaps)
        out.append(ComparisonRow(**{**r.__dict__, "rank": rank}))
    return out


def _duplicate(row: ComparisonRow) -> bool:
    """A part-3 row where no protocol is named: its one-worker theorem's value."""
    return bool(row.reason and row.reason.startswith("not ranked: "))


def _rate_row(rate: RateOnly, params: Mapping[str, Any]) -> RateRow:
    def expo(name: str) -> float | str | None:
        value = rate.exponent_at(name, **params)
        if value is not None:
            return value
        e = rate.exponents[name]
        return None if e is None else str(e)

    return RateRow(
        key=rate.key,
        registry_key=rate.registry_key,
        quantity=rate.quantity,
        rate=rate.label,
        exponent_n_steps=expo("n_steps"),
        exponent_n_samples=expo("n_samples"),
        exponent_max_delay=expo("max_delay"),
        source=rate.reference.short,
    )


@checked
def compare(
    loss_family: str,
    *,
    grid: Iterable[Mapping[str, Any]] | None = None,
    theorems: Sequence[str] | None = None,
    **params: Any,
) -> ComparisonTable:
    """Evaluate, convert to the gap and rank every registered bound.

    Args:
        loss_family: ``"convex-smooth"``, ``"strongly-convex-smooth"`` or
            ``"nonconvex-smooth"`` (each: ``f >= 0``, ``beta``-smooth). Giving
            ``lipschitz`` adds the Lipschitz assumption, ``loss_bound`` a bounded
            loss, ``diameter`` projection onto a convex set of that diameter.
        grid: settings overriding ``params`` one at a time (default: one, ``{}``).
        theorems: keys to keep (default: every registered one).
        **params: API names of the name table (``n_samples``, ``step_size``,
            ``max_delay``, ``train_loss``, ...), scalars. A protocol other than
            one single-sample gradient per update (``n_workers``,
            ``aggregation``, ``period``, ``batch_size``, ``clip``, ...) leaves
            only the part-3 theorems applicable; the others say why not.

    Returns:
        a :class:`ComparisonTable`; within each setting, ``rank`` orders the rows
        with a gap value (ties share a rank).

    Raises:
        InvalidParameterError: unknown family, theorem or parameter name; a
            parameter that no compared theorem reads for this family (as
            ``bound`` refuses one its theorem does not take).

    Examples:
        >>> t = compare("convex-smooth", n_samples=500, n_steps=1000, step_size=0.01,
        ...             lipschitz=1, smoothness=1)
        >>> [(r.key, r.rank) for r in t.tightest()]
        [('hardt-cvx', 1), ('delayed-cvx', 1)]
    """
    check_choice(loss_family, "loss_family", tuple(LOSS_FAMILIES))
    chosen = [REGISTRY.get(k) for k in theorems or REGISTRY]
    for k, t in zip(theorems or REGISTRY, chosen, strict=True):
        if t is None:
            check_choice(k, "theorems", tuple(REGISTRY))
    rows: list[ComparisonRow] = []
    points = [dict(params, **g) for g in (grid or [{}])]
    used = [t for t in chosen if t is not None]
    check_used(loss_family, LOSS_FAMILIES, used, points)  # as bound does, by name
    for point in points:
        for name, v in point.items():
            if name == "aggregation":
                check_choice(v, "aggregation", AGGREGATIONS)
                continue
            if name not in SYMBOL:
                raise InvalidParameterError(
                    f"{name}={v!r} is not a name of the name table "
                    f"({', '.join(SYMBOL)})"
                )
            validate_parameter(name, v)
        clean = {k: v for k, v in point.items() if v is not None}
        check_description(clean)
        rows += _rank([_row(t, loss_family, clean) for t in chosen if t is not None])
    rates = tuple(_rate_row(r, points[0]) for r in RATES.values())
    return ComparisonTable(tuple(rows), rates)
