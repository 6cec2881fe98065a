"""Verdicts: one theorem against one batch of coupled runs.

Three checks, at the three levels of docs/theory.md ("Three levels"):

1. **Closed form** (the theorem's statement) against the measured stability,
   one-sided: the upper confidence limit below the bound is a pass ("holds"), the
   lower limit above it is a violation, anything else is "inconclusive". The
   generalization gap is checked the same way against ``|E gap| <= bound``.
2. **Recursion** on the realised step sizes and delays of each pair (never looser
   than the closed form); its mean over pairs is the bound on the measured mean
   (conditionally on pair ``i``'s delays, ``E probe_diff_i <= recursion_i``).
3. **Pathwise**: the recursion along each pair's realised index sequence is a
   deterministic upper bound on that pair's ``delta_t``. It is checked on every
   pair at every record step; an excess beyond rounding is a bug and is reported
   loudly (a :class:`PathwiseViolationWarning`, a flag and ``pathwise.status``),
   never hidden.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

import bounds
from bounds import Assumption, InvalidParameterError, Quantity, Theorem
from bounds.internal import checked

from ._estimate import Estimate
from ._measure import Measurement, measure
from ._status import STATUSES, CheckStatus, PathwiseStatus, Status

if TYPE_CHECKING:  # the simulator (numba) is loaded only by a run, not for a type
    from empirical.simulators.linear._simulate import RunStats

__all__ = [
    "PATHWISE_ATOL",
    "PATHWISE_RTOL",
    "STATUSES",
    "PathwiseCheck",
    "PathwiseViolationWarning",
    "Verdict",
    "one_sided",
    "theorem_params",
    "verify",
]


#: Recursion kinds whose pathwise bound :func:`bounds.pathwise_bound` implements.
_PATHWISE_KINDS = (
    "convex",
    "strongly_convex",
    "nonconvex",
    "nonconvex_regatti",
    "workers_convex",
    "workers_nonconvex",
)
#: The part-3 kinds, whose levels read the realised contributions of a step.
_WORKERS_KINDS = ("workers_convex", "workers_nonconvex")

#: Tolerance of the pathwise check. The pathwise bound and ``delta_t`` are both
#: float64 results of ``T`` sequential updates; each step adds a relative rounding
#: error of a few ulp (2.2e-16), so after ``T <= 1e5`` steps the accumulated
#: relative error is below ``~1e-10``. ``1e-9`` leaves a margin of 10 over that
#: and is still 7 orders of magnitude below any effect a wrong bound would have.
PATHWISE_RTOL = 1e-9
#: Absolute floor (parameter units, ``||w|| = O(1..100)`` here) for entries where
#: the bound is ~0: before the differing index is drawn both runs compute the
#: same operations, but a compiled kernel may still round them differently.
PATHWISE_ATOL = 1e-12


class PathwiseViolationWarning(UserWarning):
    """A simulated pair exceeded its deterministic pathwise bound: a bug."""


def one_sided(estimate: Estimate, bound: float) -> CheckStatus:
    """The one-sided verdict for ``E[X] <= bound`` (docs/theory.md, "What the harness measures").

    Examples:
        >>> e = Estimate(1.0, 0.8, 1.2, 50, "t")
        >>> one_sided(e, 1.3), one_sided(e, 1.0), one_sided(e, 0.7)
        ('holds', 'inconclusive', 'violated')
    """
    if estimate.high < bound:
        return "holds"
    if estimate.low > bound:
        return "violated"
    return "inconclusive"


def _gap_status(gap: Estimate, bound: float) -> CheckStatus:
    """Two one-sided checks of ``|E gap| <= bound``."""
    if gap.low > bound or gap.high < -bound:
        return "violated"
    if gap.high < bound and gap.low > -bound:
        return "holds"
    return "inconclusive"


@dataclass(frozen=True)
class PathwiseCheck:
    """Result of the pathwise check on every pair and record step."""

    status: PathwiseStatus
    n_pairs: int
    n_checked: int
    n_violations: int
    max_excess: float  # max of delta - bound (negative when every entry is below)
    worst_pair: int | None
    worst_step: int | None
    rtol: float = PATHWISE_RTOL
    atol: float = PATHWISE_ATOL
    mean_curve: tuple[float, ...] = ()
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        d = asdict(self)
        d["mean_curve"] = list(self.mean_curve)
        return d


@dataclass(frozen=True)
class Verdict:
    """A theorem checked against one setting.

    ``status`` compares the measured stability with the closed form (the theorem's
    statement); ``recursion_status`` and ``gap_status`` are the same check against
    the recursion bound and of the gap. ``ratio = stability.mean / bound``.
    """

    theorem: str
    registry_key: str
    reference: str
    setting: dict[str, Any]
    status: Status
    measured: Estimate | None
    gap: Estimate | None
    bound: float | None = None
    recursion: float | None = None
    ratio: float | None = None
    recursion_status: CheckStatus | None = None
    gap_status: CheckStatus | None = None
    flags: tuple[str, ...] = ()
    reason: str | None = None
    pathwise: PathwiseCheck | None = None
    recursion_curve: tuple[float, ...] = ()
    params: dict[str, float] = field(default_factory=dict)
    quantity: str = "uniform stability"

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        d = {k: getattr(self, k) for k in self.__dataclass_fields__}
        for k in ("measured", "gap", "pathwise"):
            v = getattr(self, k)
            d[k] = None if v is None else v.to_dict()
        d["flags"] = list(self.flags)
        d["recursion_curve"] = list(self.recursion_curve)
        return d

    @property
    def bug(self) -> bool:
        """True when the pathwise check found an excess beyond rounding."""
        return self.pathwise is not None and self.pathwise.status == "violated"


def theorem_params(
    theorem: Theorem, run_stats: RunStats, measurement: Measurement | None = None
) -> dict[str, float]:
    """The closed form's parameters, read off a run (an upper envelope of its schedule).

    ``step_size`` is the largest realised ``eta_t`` and ``c`` the largest
    ``t * eta_t``: a closed form non-decreasing in them (its ``monotone`` says so)
    is then a valid bound for the realised (possibly non-constant) schedule; for
    one that is not (e.g. [DSL-excess]), :func:`verify` uses the level-2 recursion
    on the realised sequences when the step varies.

    The data-dependent names of Deng et al. 2024 (docs/theory.md, "Names" and part 2) are
    upper estimates, so that the bound stays valid: ``diameter`` is the projection
    ball's ``r``; ``init_distance`` is ``r`` (``||w_1 - w*|| <= r`` on the ball);
    ``train_loss`` is the upper confidence limit of the measured training loss;
    ``optimal_risk`` ``F(w*) <= E F(A(S))`` is the upper confidence limit of the
    measured test loss (the risk on the data pool). A name the run cannot supply
    is left out, so the theorem reports it missing. Where the run measured them
    (projected runs of a convex linear-model loss), the certified values of
    :mod:`empirical.measurement._excess` replace both estimates for every theorem that
    names them ([DSL-cvx], [DSL-gen], [DSL-excess]: the same ``w*``, the minimiser
    over the ball of the risk on the data pool): ``optimal_risk = F(w_hat) >= F(w*)``
    and ``init_distance >= ||w_1 - w*||``. They are deterministic and tighter than
    the test loss's upper confidence limit and ``r``, and valid upper estimates.
    """
    p = run_stats.problem
    eta = np.asarray(run_stats.step_sizes, dtype=np.float64)
    t = np.arange(1, eta.shape[-1] + 1, dtype=np.float64)
    available: dict[str, Any] = {
        "n_samples": int(p.n_samples),
        "n_steps": int(run_stats.n_steps),
        "step_size": float(eta.max()),
        "c": float((eta * t).max()),
        "max_delay": int(run_stats.max_delay),
        "lipschitz": float(p.lipschitz),
        "smoothness": float(p.smoothness),
        "strong_convexity": getattr(p, "strong_convexity", None),
        "loss_bound": p.loss_bound,
        "diameter": getattr(p, "diameter", None),
        "init_distance": getattr(p, "diameter", None),
    }
    sched = getattr(run_stats, "schedule", None)
    # part 3: one stale gradient of batch 1 per update unless a protocol ran
    available["step_weight"] = 1.0 if sched is None else sched.step_weight
    available["arrivals"] = 1 if sched is None else sched.arrivals
    available["batch_size"] = 1 if sched is None else sched.batch_size
    if measurement is not None:
        available["train_loss"] = measurement.train_loss_ucl
        available["optimal_risk"] = measurement.test_loss.high
        if measurement.optimal_risk is not None:
            available["optimal_risk"] = measurement.optimal_risk
            available["init_distance"] = measurement.init_distance
    return {k: available[k] for k in theorem.parameters if available.get(k) is not None}


def _needs_recursion(theorem: Theorem, run_stats: RunStats) -> bool:
    """True when the closed form cannot stand for this run: the theorem assumes a
    constant step, the run's step varies, and the closed form is not non-decreasing
    in ``step_size`` (so its value at ``max eta_t`` is no upper envelope; e.g.
    [DSL-excess], whose optimisation term ``||w_1 - w*||^2 / sum eta_k`` falls as
    the step grows)."""
    if theorem.schedule != "constant" or "step_size" not in theorem.parameters:
        return False
    if (getattr(theorem, "monotone", None) or {}).get("step_size") == 1:
        return False
    eta = np.asarray(run_stats.step_sizes, dtype=np.float64)
    return bool(eta.size) and float(eta.max()) != float(eta.min())


def measured_quantity(theorem: Theorem, m: Measurement) -> tuple[Estimate | None, str]:
    """The measured estimate of what ``theorem`` bounds, and its name.

    Uniform stability: the average probe difference (:attr:`Measurement.stability`);
    on-average model stability: the mean of ``delta_T^2``; the generalization gap:
    the gap; the excess risk: ``F(wbar_T) - F(w*)`` on the data pool (measured for
    projected runs of a convex linear-model loss only). ``(None, reason)`` for a
    quantity the harness does not measure.
    """
    # The member's name, compared whole (a stand-in enum with the members of
    # Quantity maps the same way; tests/empirical/measurement/test_quantities.py uses one).
    q = theorem.quantity.name
    if q == Quantity.ON_AVERAGE_MODEL_STABILITY.name:
        return m.model_stability, "on-average model stability"
    if q == Quantity.GENERALIZATION_GAP.name:
        return m.gap, "generalization gap"
    if q == Quantity.UNIFORM_STABILITY.name:
        return m.stability, "uniform stability"
    if q == Quantity.EXCESS_RISK.name:
        if m.excess_risk is None:
            return None, (
                f"{theorem.quantity.value} is measured for projected runs of a "
                "convex linear-model loss only"
            )
        return m.excess_risk, "excess risk"
    return None, f"{theorem.quantity.value} is not measured by the harness"


def _mean_curve(pb: NDArray[np.float64]) -> tuple[float, ...]:
    """Mean pathwise bound over pairs; inf where the bound itself overflowed
    (the recursion multiplies by (1 + eta beta ...) every step), which is a valid,
    vacuous upper bound rather than an error."""
    with np.errstate(over="ignore"):
        return tuple(float(v) for v in pb.mean(axis=0))


def _pathwise(
    theorem: Theorem, run_stats: RunStats, strong_convexity: float | None
) -> PathwiseCheck:
    p = run_stats.problem
    delta = np.asarray(run_stats.delta, dtype=np.float64)
    schedule: dict[str, Any] = {"delays": run_stats.delays, "hits": run_stats.hits}
    sched = getattr(run_stats, "schedule", None)
    if sched is not None and theorem.recursion in _WORKERS_KINDS:
        schedule = {**sched.level_kwargs(), "hits": sched.hits}
    try:
        pb = np.asarray(
            bounds.pathwise_bound(
                theorem,
                step_sizes=run_stats.step_sizes,
                lipschitz=p.lipschitz,
                smoothness=p.smoothness,
                record_steps=run_stats.record_steps,
                strong_convexity=strong_convexity,
                **schedule,
            ),
            dtype=np.float64,
        )
    except InvalidParameterError as exc:
        return PathwiseCheck(
            "not run", delta.shape[0], 0, 0, math.nan, None, None, note=str(exc)
        )
    excess = delta - pb
    bad: NDArray[np.bool_] = excess > PATHWISE_RTOL * np.abs(pb) + PATHWISE_ATOL
    i, j = np.unravel_index(int(np.argmax(excess)), excess.shape)
    n_bad = int(bad.sum())
    check = PathwiseCheck(
        "violated" if n_bad else "ok",
        delta.shape[0],
        int(delta.size),
        n_bad,
        float(excess[i, j]),
        int(i),
        int(np.asarray(run_stats.record_steps)[j]),
        mean_curve=_mean_curve(pb),
    )
    if n_bad:
        hint = (
            " (L and beta are estimated for this loss: they may be underestimated)"
            if p.constants_estimated
            else ""
        )
        warnings.warn(
            f"BUG: pathwise bound of {theorem.key} exceeded on {n_bad} of "
            f"{delta.size} (pair, step) entries; worst pair {i} at t={check.worst_step}:"
            f" delta={delta[i, j]!r} > bound={pb[i, j]!r}{hint}",
            PathwiseViolationWarning,
            stacklevel=3,
        )
    return check


#: Parameters of the [DSL-*] recursion (Deng et al. 2024) read off the run.
_DENG_EXTRA = ("diameter", "init_distance", "optimal_risk", "train_loss")


def _recursion(
    theorem: Theorem,
    run_stats: RunStats,
    n_steps: int | None,
    strong_convexity: float | None,
    params: dict[str, float] | None = None,
) -> float:
    p = run_stats.problem
    eta = np.asarray(run_stats.step_sizes)
    tau = np.asarray(run_stats.delays)
    kw: dict[str, Any] = {}
    sched = getattr(run_stats, "schedule", None)
    if sched is not None and theorem.recursion in _WORKERS_KINDS:
        kw = sched.level_kwargs()
        tau = kw.pop("delays")
        kw["weights"] = kw["weights"][:, :n_steps]
    if n_steps is not None:
        eta, tau = eta[:, :n_steps], tau[:, :n_steps]
    if p.loss_bound is not None:
        kw["loss_bound"] = p.loss_bound
    if theorem.recursion == "deng":
        kw.update({k: v for k, v in (params or {}).items() if k in _DENG_EXTRA})
    r = theorem.recursion_bound(
        step_sizes=eta,
        delays=tau,
        n_samples=p.n_samples,
        lipschitz=p.lipschitz,
        smoothness=p.smoothness,
        strong_convexity=strong_convexity,
        **kw,
    )
    return float(np.mean(r))


def _protocol_reason(theorem: Theorem, run_stats: RunStats) -> str | None:
    """Why ``theorem`` does not cover the update rule the run used, or None.

    The one-gradient theorems (parts 1 and 2) are stated for one single-sample
    gradient per update; [D-cvx-W] excludes a clip (docs/theory.md, part 3).
    """
    sched = getattr(run_stats, "schedule", None)
    one_worker = getattr(theorem, "one_worker", None)
    if sched is None:
        if one_worker is not None:  # K = M = b = 1: the theorem is its counterpart
            return (
                f"on one single-sample gradient per update it is {one_worker} "
                "itself; checked on runs of the worker protocols"
            )
        return None
    if not getattr(theorem, "options", ()):
        return (
            "stated for one single-sample gradient per update; this run is "
            f"{sched.description}"
        )
    if Assumption.NO_CLIPPING in theorem.assumptions and sched.clip is not None:
        return (
            f"assumes no clipping; this run clips at {sched.clip:g} (a clipped step "
            "of a convex loss can expand distances)"
        )
    return None


def _pathwise_holds(theorem: Theorem, run_stats: RunStats) -> bool:
    """True when the theorem's one-step inequalities hold for this run, so its
    pathwise bound checks the simulator even where the theorem as a whole does
    not apply: they need L and beta (and convexity and no clip for the convex
    kinds), not, e.g., a bounded loss."""
    kind = theorem.recursion
    if kind not in _PATHWISE_KINDS:
        return False
    sched = getattr(run_stats, "schedule", None)
    if sched is not None and kind not in _WORKERS_KINDS:
        return False  # one-gradient inequalities say nothing of this update
    if kind in ("nonconvex", "nonconvex_regatti", "workers_nonconvex"):
        return True
    convex = bool(run_stats.problem.convex)
    if kind == "workers_convex":
        return convex and (sched is None or sched.clip is None)
    return kind == "convex" and convex


@checked
def verify(
    run_stats: RunStats,
    theorem: Theorem,
    *,
    measurement: Measurement | None = None,
    setting: dict[str, Any] | None = None,
    curves: bool = False,
    confidence: float = 0.95,
) -> Verdict:
    """Check ``theorem`` against a batch of coupled runs.

    Args:
        run_stats: a :class:`~empirical.simulators.linear._simulate.RunStats`.
        theorem: a :class:`bounds.Theorem` (e.g. ``bounds.THEOREMS["delayed-cvx"]``).
        measurement: a precomputed :func:`~empirical.measurement._measure.measure` result.
        setting: description of the setting, copied into the verdict.
        curves: also evaluate the recursion bound at every record step.
        confidence: two-sided level of the intervals.

    Returns:
        :class:`Verdict`; "not applicable" (with ``reason``) when the theorem's
        assumptions or step-size condition do not hold for this run.
    """
    p = run_stats.problem
    m = (
        measurement
        if measurement is not None
        else measure(run_stats, confidence=confidence)
    )
    strong = getattr(p, "strong_convexity", None)
    base: dict[str, Any] = {
        "theorem": theorem.key,
        "registry_key": theorem.registry_key,
        "reference": theorem.reference.short,
        "setting": dict(setting or {}),
        "gap": m.gap,
    }
    measured, quantity = measured_quantity(theorem, m)
    base["measured"], base["quantity"] = measured, quantity
    flags = ["constants estimated"] if p.constants_estimated else []
    reason = _protocol_reason(theorem, run_stats) or theorem.applicability(
        convex=bool(p.convex),
        strongly_convex=strong is not None and strong > 0,
        loss_bound=p.loss_bound,
        max_delay=int(run_stats.max_delay),
    )
    if reason is None and getattr(p, "diameter", None) is None:
        for a in theorem.assumptions:  # projected SGD: Hardt's and Deng et al.'s
            if a in (Assumption.PROJECTED, Assumption.BOUNDED_DOMAIN):
                reason = f"requires {a.value} (set a diameter)"
                break
    if reason is None and measured is None:
        reason = quantity
    if reason is not None:
        # The pathwise recursion needs only what its one-step inequalities use
        # (L, beta; convexity for the convex ones), not e.g. a bounded loss, so
        # it still checks the simulator (and estimated constants) here.
        pw = None
        if _pathwise_holds(theorem, run_stats):
            pw = _pathwise(theorem, run_stats, strong)
            if pw.status == "not run":
                pw = None
            elif pw.status == "violated":
                flags.append("BUG: pathwise bound exceeded")
        return Verdict(
            status="not applicable",
            reason=reason,
            flags=tuple(flags),
            pathwise=pw,
            **base,
        )
    assert measured is not None  # else reason was set above
    params = theorem_params(theorem, run_stats, m)
    try:
        bv = theorem.compute(**params)
        rec = _recursion(theorem, run_stats, None, strong, params)
    except InvalidParameterError as exc:  # a condition, or a missing parameter
        return Verdict(
            status="not applicable",
            reason=str(exc),
            flags=tuple(flags),
            params=params,
            **base,
        )
    bound = float(bv.value)
    if _needs_recursion(theorem, run_stats):
        # The closed form at max eta_t is not an upper envelope here (not monotone
        # in the step): the level-2 recursion on the realised sequences is the bound.
        bound = float(rec)
        flags.append("varying step: level-2 recursion is the bound")
    # The theorem flags vacuity against its own B; a convex theorem does not take
    # B, but a bound at or above the loss range says nothing for any loss.
    if bv.vacuous or (p.loss_bound is not None and bound >= p.loss_bound):
        flags.append("vacuous")
    pw = (
        _pathwise(theorem, run_stats, strong)
        if theorem.recursion in _PATHWISE_KINDS
        else None
    )
    if pw is not None and pw.status == "violated":
        flags.append("BUG: pathwise bound exceeded")
    curve: tuple[float, ...] = ()
    # The curve (recursion at every record step) is drawn beside delta_t, so it is
    # computed for the bounds on delta_t's quantity only (the pathwise kinds); the
    # [DSL-*] data-dependent inputs are those of step T, not of every step.
    if curves and theorem.recursion in _PATHWISE_KINDS:
        curve = tuple(
            _recursion(theorem, run_stats, int(t), strong, params)
            for t in m.record_steps
        )
    return Verdict(
        status=one_sided(measured, bound),
        bound=bound,
        recursion=rec,
        ratio=measured.mean / bound if bound > 0 else math.inf,
        recursion_status=one_sided(measured, rec),
        # uniform stability bounds |E gap| (Hardt et al. 2016, Thm 2.2); a gap
        # bound is the status itself; model stability needs the conversion.
        gap_status=(
            _gap_status(m.gap, bound) if quantity == "uniform stability" else None
        ),
        flags=tuple(flags),
        pathwise=pw,
        recursion_curve=curve,
        params=params,
        **base,
    )
