r"""A multi-worker protocol, read as the constants of the part-3 theorems.

The general protocol (``docs/theory.md``, part 3): at update ``t`` a set ``M_t``
of contributions arrives, contribution ``m`` the mean gradient of a minibatch of
``b`` samples at the stale iterate ``w_{t - d_{t,m}}``, with weight ``a_{t,m}``;
the update is ``w_{t+1} = w_t - eta_t C(sum_m a_{t,m} g_{t,m})``. The bounds
[D-ncvx-W] and [D-cvx-W] need only

* ``step_weight`` ``K = max_t sum_m a_{t,m}`` (the step's total weight),
* ``arrivals`` ``M = max_t |M_t|`` (contributions in one update),
* ``max_delay`` ``tau = max d_{t,m}`` and ``batch_size`` ``b``.

:func:`protocol_constants` reads them off a description of the protocol:

* one worker (``n_workers=1``): ``K = M = 1``;
* ``aggregation="mean"`` (Regatti et al. 2019: every update averages one
  contribution per worker): ``K = 1``, ``M = W``;
* ``aggregation="sum"`` with a ``period`` ``d`` (Deng et al. 2024's fixed
  delays: worker ``m`` arrives at the steps ``s = m (mod d)``, staleness
  ``d - 1``): at most ``ceil(W/d)`` workers arrive together, so
  ``K = M = ceil(W/d)`` and ``max_delay = d - 1`` (a theorem caps it at
  ``n_steps - 1``: the staleness ``min(d - 1, s)`` at the 0-based step ``s``);
* ``aggregation="sum"`` without a period (any delays, e.g. Deng et al.'s random
  ones): ``K = M = W``; the recursion on the realised schedule
  (:func:`bounds.recursion_bound`) is sharper there.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ._assumption import Assumption
from ._errors import InvalidParameterError
from ._theorem_like import Evaluable, TheoremLike
from ._typecheck import checked
from ._validation import check_choice, check_int

__all__ = [
    "AGGREGATIONS",
    "DESCRIPTORS",
    "PROTOCOL_DEFAULTS",
    "check_description",
    "one_gradient_only",
    "protocol_constants",
    "protocol_named",
    "resolve_protocol",
]

#: How a server combines the contributions of one update.
AGGREGATIONS = ("mean", "sum")

#: Names that describe a protocol rather than enter a closed form.
DESCRIPTORS = ("n_workers", "aggregation", "period")

#: The constants the descriptors determine.
_DERIVED = ("step_weight", "arrivals")

#: Values of a part-3 theorem's constants when neither they nor a description
#: are given: one worker, batch size 1 (the one-gradient model).
PROTOCOL_DEFAULTS: dict[str, int] = {"step_weight": 1, "arrivals": 1, "batch_size": 1}


@checked
def protocol_constants(
    n_workers: int,
    aggregation: str | None = None,
    *,
    period: int | None = None,
    max_delay: int | None = None,
) -> dict[str, int]:
    """``step_weight``, ``arrivals`` and ``max_delay`` of a described protocol.

    Args:
        n_workers: ``W >= 1``.
        aggregation: ``"mean"`` or ``"sum"`` (required when ``W > 1``).
        period: ``d``: every worker arrives every ``d`` steps (``"sum"`` only);
            sets ``max_delay = d - 1``.
        max_delay: the largest staleness (not with ``period``); default 0.

    Raises:
        InvalidParameterError: a bad value or a combination that describes no
            protocol, naming the arguments.

    Examples:
        >>> protocol_constants(4, "mean", max_delay=64)
        {'step_weight': 1, 'arrivals': 4, 'max_delay': 64}
        >>> protocol_constants(16, "sum", period=17)
        {'step_weight': 1, 'arrivals': 1, 'max_delay': 16}
        >>> protocol_constants(16, "sum", period=4)
        {'step_weight': 4, 'arrivals': 4, 'max_delay': 3}
    """
    W = check_int(n_workers, "n_workers", min_value=1)
    if aggregation is not None:
        check_choice(aggregation, "aggregation", AGGREGATIONS)
    elif W > 1:
        raise InvalidParameterError(
            f"aggregation=None with n_workers={W}: give aggregation 'mean' (the "
            "server averages one contribution per worker, Regatti et al. 2019) or "
            "'sum' (it sums the arrivals, Deng et al. 2024)"
        )
    if period is not None:
        d = check_int(period, "period", min_value=1)
        if aggregation == "mean":
            raise InvalidParameterError(
                f"period={d} with aggregation='mean': with averaging every worker "
                "contributes to every update; period describes workers that arrive "
                "every d steps and are summed (aggregation='sum'); give max_delay "
                "instead"
            )
        if max_delay is not None:
            raise InvalidParameterError(
                f"period={d} and max_delay={max_delay} both given: period sets "
                f"max_delay = period - 1 = {d - 1}; give one of them"
            )
        k = -(-W // d)
        return {"step_weight": k, "arrivals": k, "max_delay": d - 1}
    tau = 0 if max_delay is None else check_int(max_delay, "max_delay", min_value=0)
    if W == 1:
        return {"step_weight": 1, "arrivals": 1, "max_delay": tau}
    k = 1 if aggregation == "mean" else W
    return {"step_weight": k, "arrivals": W, "max_delay": tau}


def check_description(params: Mapping[str, Any]) -> dict[str, int] | None:
    """The constants of the protocol ``params`` describe, or None if they
    describe none; a description that cannot hold is refused.

    The one gate of a description: :func:`resolve_protocol` (one theorem) and
    ``compare`` (every theorem at a setting, checked once before any work) call it.

    Raises:
        InvalidParameterError: constants given beside a description, a
            description without ``n_workers``, or as :func:`protocol_constants`,
            naming the arguments.
    """
    given = [k for k in DESCRIPTORS if params.get(k) is not None]
    if not given:
        return None
    both = [k for k in _DERIVED if params.get(k) is not None]
    if both:
        raise InvalidParameterError(
            f"{both[0]}={params[both[0]]!r} and {given[0]}={params[given[0]]!r} both "
            "given: describe the protocol (n_workers, aggregation, period) or give "
            "its constants (step_weight, arrivals), not both"
        )
    if params.get("n_workers") is None:
        raise InvalidParameterError(
            f"{given[0]}={params[given[0]]!r} needs n_workers (missing)"
        )
    return protocol_constants(
        params["n_workers"],
        params.get("aggregation"),
        period=params.get("period"),
        max_delay=params.get("max_delay"),
    )


def resolve_protocol(theorem: Evaluable, params: Mapping[str, Any]) -> dict[str, Any]:
    """The arguments of a part-3 theorem with its descriptors read as constants.

    For a theorem whose closed form uses ``step_weight``: the descriptors
    (``n_workers``, ``aggregation``, ``period``) become ``step_weight``,
    ``arrivals`` and ``max_delay``; without them the defaults are one worker and
    batch size 1 (``K = M = b = 1``), where the theorem is its one-gradient
    counterpart. A ``clip`` is refused by a theorem that assumes no clipping.
    Other theorems get ``params`` back unchanged (their validation refuses the
    names they do not take).

    Raises:
        InvalidParameterError: descriptors and constants both given, a clip for
            a theorem that assumes none, or a bad descriptor.
    """
    out = {k: v for k, v in params.items() if v is not None or k not in DESCRIPTORS}
    if "step_weight" not in theorem.parameters:
        return out
    if "clip" in out and out["clip"] is None:
        del out["clip"]  # no clip, as recursion_bound(clip=None) reads it
    if Assumption.NO_CLIPPING in theorem.assumptions and out.get("clip") is not None:
        raise InvalidParameterError(
            f"clip={out['clip']!r}: {theorem.registry_key} {theorem.key} assumes no "
            "clipping: a clipped gradient step of a convex loss can expand distances "
            "(docs/theory.md, part 3, 'Clipping breaks the convex argument'); "
            "delayed-ncvx-workers allows a clip"
        )
    derived = check_description(out)
    if derived is None:
        _check_pair(theorem, out)
    else:
        period = out.get("period")
        for name in (*DESCRIPTORS, "max_delay"):
            out.pop(name, None)
        if period is not None:
            derived["max_delay"] = _within_run(derived["max_delay"], out)
        out.update({k: v for k, v in derived.items() if k in theorem.parameters})
    for name, value in PROTOCOL_DEFAULTS.items():
        if name in theorem.parameters:
            out.setdefault(name, value)
    return out


def _check_pair(theorem: Evaluable, params: Mapping[str, Any]) -> None:
    """``step_weight`` and ``arrivals`` go together where the closed form uses
    both: the default of the missing one (1) describes another protocol (four
    summed workers are ``K = M = 4``; ``K = 4, M = 1`` is 2.3x smaller)."""
    names = [k for k in _DERIVED if k in theorem.parameters]
    given = [k for k in names if k in params]  # None: refused by its validation
    if len(names) == 2 and len(given) == 1:
        (have,) = given
        (need,) = (k for k in names if k != have)
        raise InvalidParameterError(
            f"{have}={params[have]!r}: {theorem.registry_key} {theorem.key} needs "
            f"{need} too (K, the step's total weight, and M, the contributions in "
            "one update); give both, or describe the protocol (n_workers, "
            "aggregation, period)"
        )


def _within_run(tau: int, params: Mapping[str, Any]) -> Any:
    """A period's ``max_delay = d - 1`` capped at ``n_steps - 1``: Deng et al.'s
    staleness ``min(d - 1, s)`` at the 0-based step ``s`` never exceeds it.

    ``n_steps`` is validated later; a value that is not a number is left to it.
    """
    T = params.get("n_steps")
    try:
        last = np.asarray(T, dtype=float) - 1
    except (TypeError, ValueError):
        return tau
    if T is None or not np.all(np.isfinite(last)) or not np.all(last >= 0):
        return tau
    capped = np.minimum(tau, np.floor(last))
    return int(capped) if capped.ndim == 0 else capped


#: Names that describe an update other than one single-sample gradient.
_PROTOCOL_NAMES = (
    "n_workers",
    "aggregation",
    "period",
    "batch_size",
    "step_weight",
    "arrivals",
    "clip",
)


def protocol_named(params: Mapping[str, Any]) -> list[str]:
    """The names in ``params`` that describe an update other than one
    single-sample gradient (``n_workers=1`` or ``batch_size=1`` do not)."""
    trivial = {"n_workers": 1, "batch_size": 1, "step_weight": 1, "arrivals": 1}
    return [
        k
        for k in _PROTOCOL_NAMES
        if params.get(k) is not None and trivial.get(k) != params[k]
    ]


def one_gradient_only(theorem: TheoremLike, params: Mapping[str, Any]) -> str | None:
    """Why a theorem stated for one single-sample gradient per update does not
    apply to the protocol ``params`` describe (None if it does)."""
    if theorem.options:  # part 3: any protocol
        return None
    given = protocol_named(params)
    if not given:
        return None
    what = ", ".join(f"{k}={params[k]!r}" for k in given)
    return (
        f"stated for one single-sample gradient per update, not for {what}; "
        "delayed-ncvx-workers and delayed-cvx-workers cover such protocols"
    )
