"""The default verification suite of ``asyncstab verify`` and its findings.

Families of settings (a *tag* on each :class:`~empirical.runs._task.SweepTask`):

``cvx-tau``      logistic on breast_cancer, constant step, delay grid, constant vs
                 [rule-tau]: [H-cvx] at tau = 0, [D-cvx] for tau > 0.
``cvx-eta``      the same at the largest delay over a step-size grid, constant vs
                 [rule-tau] (the figure "gap against step size").
``cvx-n``        logistic, tau in {0, 4}, over n: slope of the gap against n.
``huber``        Huber on diabetes (convex regression), tau in {0, max}.
``ncvx-tau``     sigmoid on breast_cancer, decaying ``c/t``, delay grid, with and
                 without [rule-tau]: [H-ncvx], [R-ncvx], [D-ncvx].
``ncvx-digits``  sigmoid on digits_binary, decaying, a few delays.
``mlp``          tanh MLP on digits (constants estimated), tau in {0, max}.
``scvx``         L2-logistic (gamma = 0.05) on breast_cancer, projected onto a ball of
                 diameter 4, tau in {0, max}: [H-scvx] at tau = 0, [D-cvx] for tau > 0.
``lsq``          least squares on diabetes, projected (diameter 4), tau in {0, mid, max}
                 and T in {T/4, T/2, T} at the largest tau: the quadratic setting
                 ([H-cvx], [D-cvx]; slopes against [DSLST-quad]'s claimed exponents).
``dsl-tau``      logistic on breast_cancer projected (diameter 4), the setting of Deng
                 et al. 2024: a fixed step over tau in {0, mid, max}, and their Cor. 1
                 regime eta = c/(tau sqrt T) over tau in {1, mid, max}: on-average
                 model stability against tau.
``workers-a``    logistic, minibatch steps (batch 8) of one worker, tau in {0, max}:
                 [D-cvx-W] (docs/theory.md, part 3).
``workers-b``    sigmoid, Regatti et al. 2019's protocol (b): 4 workers averaged and
                 clipped, batch 2, D in {0, max}, c/t: [D-ncvx-W].
``workers-c``    logistic, Deng et al. 2024's protocol (c): 4 workers summed, batch 2,
                 fixed and random periods up to tau + 1: [D-cvx-W].
                 The ``workers-*`` settings run T/2 steps (a step costs W b
                 gradients).
``workers-c-ncvx`` the same on the sigmoid loss with c/t: [D-ncvx-W].

Every projected family (``scvx``, ``lsq``, ``dsl-tau``) satisfies Deng et al.'s
eta <= 1/(2 beta), so [DSL-excess] is checked there against the excess risk of
the weighted average on the data pool (:mod:`empirical.measurement._excess`).

Delays are ``constant`` so that the measured effect is the effect
of exactly ``tau`` (the closed forms use ``tau_t = tau``); ``--delays-from TRACE``
replaces them by a recorded trace in every one-worker setting (protocol (a));
the worker protocols (b) and (c) make their own delays and keep them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bounds import InvalidParameterError
from bounds.internal import check_int, checked
from empirical.problems._data import load_dataset
from empirical.problems._losses import LOSSES

from ._task import SweepTask, unique_tasks

__all__ = ["SuiteConfig", "build_suite", "delay_changes"]


@dataclass(frozen=True)
class SuiteConfig:
    """Sizes of the suite; :meth:`default` and :meth:`quick` are the built-ins."""

    max_delays: tuple[int, ...]
    step_sizes: tuple[float, ...]
    sample_sizes: tuple[int, ...]
    n_pairs: int
    n_steps: int
    mlp_pairs: int
    mlp_steps: int

    @classmethod
    def default(cls) -> SuiteConfig:
        """About 85 s on a quiet 2-core machine with the worst-case search (67 s without)."""
        return cls(
            (0, 1, 2, 4, 8, 16),
            (0.1, 0.25, 0.5, 1.0, 2.0),
            (50, 100, 200, 400),
            n_pairs=400,
            n_steps=4000,
            mlp_pairs=64,
            mlp_steps=2000,
        )

    @classmethod
    def quick(cls) -> SuiteConfig:
        """About twenty seconds on two cores (wider intervals)."""
        return cls(
            (0, 2, 8),
            (0.25, 1.0),
            (100, 400),
            n_pairs=100,
            n_steps=1500,
            mlp_pairs=16,
            mlp_steps=500,
        )


# Step sizes. Logistic (L = R = 1, beta = 1/4): eta = 0.5 is well inside eta <= 2/beta
# = 8 and moves the iterates visibly in 10 epochs. Sigmoid (beta = 0.0962): c = 10 puts
# beta c near 1, where the nonconvex bounds' T exponent is about 1/2 and [R-ncvx]'s
# exponent q/(q+1), q = beta c (tau + 1), visibly depends on tau.
LOGISTIC_ETA = 0.5
SIGMOID_C = 10.0
HUBER_ETA = 0.1
MLP_ETA = 0.1
# L2-logistic: beta = 1/4 + gamma = 0.3, so [H-scvx]'s eta <= 1/beta = 3.3 holds at
# 0.5; a ball of diameter 4 (||w|| <= 2) is reached in the run (the unregularised
# iterates grow past it), so the projection is active. Least squares: beta = 1,
# eta = 0.1 as for Huber, same ball.
SCVX_ETA = 0.5
LSQ_ETA = 0.1
BALL_DIAMETER = 4.0
# Deng et al. 2024 need eta <= 1/(2 beta) = 2 for the logistic loss. Their Cor. 1
# step eta = c/(tau_bar sqrt K): c = 16 gives 0.25 at tau = 1, T = 4000, well inside.
DSL_ETA = 0.5
DSL_C = 16.0

_FAMILY_LOSS = {
    "cvx-tau": "logistic",
    "cvx-eta": "logistic",
    "cvx-n": "logistic",
    "huber": "huber",
    "ncvx-tau": "sigmoid",
    "ncvx-digits": "sigmoid",
    "mlp": "mlp",
    "scvx": "logistic-l2",
    "lsq": "least-squares",
    "dsl-tau": "logistic",
    "workers-a": "logistic",
    "workers-b": "sigmoid",
    "workers-c": "logistic",
    "workers-c-ncvx": "sigmoid",
}
_FAMILY_DATASET = {
    "cvx-tau": "breast_cancer",
    "cvx-eta": "breast_cancer",
    "cvx-n": "breast_cancer",
    "huber": "diabetes",
    "ncvx-tau": "breast_cancer",
    "ncvx-digits": "digits_binary",
    "mlp": "digits",
    "scvx": "breast_cancer",
    "lsq": "diabetes",
    "dsl-tau": "breast_cancer",
    "workers-a": "breast_cancer",
    "workers-b": "breast_cancer",
    "workers-c": "breast_cancer",
    "workers-c-ncvx": "breast_cancer",
}

# Part 3 (docs/theory.md): the published protocols. Regatti et al. 2019's code
# runs 4 workers, averaged and clipped to norm 1; Deng et al. 2024's sums the
# arrivals of 16 workers (4 here) with batch 16 (2 here): a step costs up to
# W b gradients, and the suite must stay within about two minutes on 2 cores,
# so these settings also run half the steps. The logistic step 0.5 keeps
# eta K_t beta <= 2 for every K_t <= 4 ([D-cvx-W]'s condition, beta = 1/4).
WORKERS_B, WORKERS_C, WORKERS_BATCH = 4, 4, 2


def _family(tag: str, cfg: SuiteConfig, base: dict[str, Any]) -> list[dict[str, Any]]:
    taus = cfg.max_delays
    top = max(taus)
    # a middle delay where the grid has room for one (not in the quick grid)
    mid = taus[len(taus) // 2] if len(taus) > 3 else top
    out: list[dict[str, Any]] = []
    if tag == "cvx-tau":
        for tau in taus:
            out.append(
                {"max_delay": tau, "step_size": LOGISTIC_ETA, "schedule": "constant"}
            )
            if tau > 0:
                out.append(
                    {
                        "max_delay": tau,
                        "step_size": LOGISTIC_ETA,
                        "schedule": "rule-tau",
                    }
                )
    elif tag == "cvx-eta":
        for eta in cfg.step_sizes:
            for sched in ("constant", "rule-tau"):
                out.append({"max_delay": top, "step_size": eta, "schedule": sched})
    elif tag == "cvx-n":
        for tau in sorted({0, min(4, top)}):
            for n in cfg.sample_sizes:
                out.append(
                    {
                        "max_delay": tau,
                        "step_size": LOGISTIC_ETA,
                        "n_samples": n,
                        "n_steps": 10 * max(cfg.sample_sizes),
                    }
                )
    elif tag == "huber":
        out = [{"max_delay": tau, "step_size": HUBER_ETA} for tau in sorted({0, top})]
    elif tag == "ncvx-tau":
        for tau in taus:
            out.append(
                {"max_delay": tau, "step_size": SIGMOID_C, "schedule": "decaying"}
            )
            if tau > 0:
                out.append(
                    {
                        "max_delay": tau,
                        "step_size": SIGMOID_C,
                        "schedule": "rule-tau-decaying",
                    }
                )
    elif tag == "ncvx-digits":
        for tau in sorted({0, taus[len(taus) // 2], top}):
            out.append(
                {
                    "max_delay": tau,
                    "step_size": SIGMOID_C,
                    "schedule": "decaying",
                    "n_samples": 1000,
                }
            )
    elif tag == "scvx":
        out = [
            {"max_delay": tau, "step_size": SCVX_ETA, "diameter": BALL_DIAMETER}
            for tau in sorted({0, top})
        ]
    elif tag == "lsq":
        ball: dict[str, Any] = {"step_size": LSQ_ETA, "diameter": BALL_DIAMETER}
        out = [{"max_delay": tau, **ball} for tau in sorted({0, mid, top})]
        out += [{"max_delay": top, "n_steps": cfg.n_steps // k, **ball} for k in (4, 2)]
    elif tag == "dsl-tau":
        ball = {"diameter": BALL_DIAMETER, "schedule": "constant"}
        out = [
            {"max_delay": tau, "step_size": DSL_ETA, **ball}
            for tau in sorted({0, mid, top})
        ]
        out += [
            {
                "max_delay": tau,
                "step_size": DSL_C / (tau * math.sqrt(cfg.n_steps)),
                "tag": "dsl-cor1",
                **ball,
            }
            for tau in sorted({1, mid, top} - {0})
        ]
    elif tag == "workers-a":  # minibatch steps of one worker
        out = [
            {"max_delay": tau, "step_size": LOGISTIC_ETA, "batch_size": 8}
            for tau in sorted({0, top})
        ]
        out = [{"n_steps": cfg.n_steps // 2, **o} for o in out]
    elif tag == "workers-b":
        out = [
            {
                "max_delay": tau,
                "step_size": SIGMOID_C,
                "schedule": "decaying",
                "protocol": f"b:{WORKERS_B}",
                "batch_size": WORKERS_BATCH,
                "n_steps": cfg.n_steps // 2,
            }
            for tau in sorted({0, top})
        ]
    elif tag in ("workers-c", "workers-c-ncvx"):
        step = (
            {"step_size": LOGISTIC_ETA}
            if tag == "workers-c"
            else {"step_size": SIGMOID_C, "schedule": "decaying"}
        )
        out = [
            {
                "max_delay": tau,
                "protocol": f"c:{WORKERS_C}:{kind}",
                "batch_size": WORKERS_BATCH,
                "n_steps": cfg.n_steps // 2,
                **step,
            }
            for tau in sorted({0, top})
            for kind in ("fixed", "random")
            if tau > 0 or kind == "fixed"  # period 1: the two coincide
        ]
    elif tag == "mlp":
        out = [
            {
                "max_delay": tau,
                "step_size": MLP_ETA,
                "n_samples": 1000,
                "n_pairs": cfg.mlp_pairs,
                "n_steps": cfg.mlp_steps,
            }
            for tau in sorted({0, min(4, top)})
        ]
    return [{**base, "tag": tag, **o} for o in out]


@checked
def build_suite(
    *,
    quick: bool = False,
    losses: Sequence[str] | None = None,
    datasets: Sequence[str] | None = None,
    max_delays: Sequence[int] | None = None,
    n_pairs: int | None = None,
    seed: int = 0,
    theorems: Sequence[str] = (),
    delays_from: str | None = None,
    worst_case: bool = False,
) -> list[SweepTask]:
    """The tasks of the verification suite.

    Args:
        quick: the small configuration (about 20 s).
        losses: keep only the families of these losses.
        datasets: run each kept family on each of these data sets that fits its
            loss (binary / regression / multiclass) instead of its default one.
        max_delays: the delay grid (default ``0, 1, 2, 4, 8, 16``).
        n_pairs: coupled pairs per setting.
        seed: base seed (every task uses it; tasks differ by their config).
        theorems: restrict the verdicts to these theorem keys.
        delays_from: a staleness trace file (or ``example:NAME``, a shipped
            one) replacing the constant delays of the one-worker settings.
        worst_case: add the worst-case search to every linear-loss setting.

    Raises:
        InvalidParameterError: nothing is left to run, or a bad value.
    """

    cfg = SuiteConfig.quick() if quick else SuiteConfig.default()
    if max_delays is not None:
        taus = tuple(
            sorted(check_int(t, "max_delays", min_value=0) for t in max_delays)
        )
        if not taus:
            raise InvalidParameterError("max_delays must not be empty")
        if len(set(taus)) < len(taus):  # as every grid of the package: no repeats
            twice = next(t for t in taus if taus.count(t) > 1)
            raise InvalidParameterError(
                f"max_delays={list(max_delays)!r} repeats the value {twice}; give "
                "each value once"
            )
        cfg = SuiteConfig(
            taus,
            cfg.step_sizes,
            cfg.sample_sizes,
            cfg.n_pairs,
            cfg.n_steps,
            cfg.mlp_pairs,
            cfg.mlp_steps,
        )
    pairs = cfg.n_pairs if n_pairs is None else n_pairs
    base: dict[str, Any] = {
        "n_samples": 300,
        "n_steps": cfg.n_steps,
        "n_pairs": pairs,
        "seed": seed,
        "delay": "constant",
        "theorems": tuple(theorems),
    }
    rows: list[dict[str, Any]] = []
    for tag, loss in _FAMILY_LOSS.items():
        if losses is not None and loss not in losses:
            continue
        names = (
            [_FAMILY_DATASET[tag]]
            if datasets is None
            else [d for d in datasets if load_dataset(d).task == LOSSES[loss].task]
        )
        for ds in names:
            rows += [
                {"loss": loss, "dataset": ds, **r} for r in _family(tag, cfg, base)
            ]
    if n_pairs is not None:
        for r in rows:
            r["n_pairs"] = n_pairs
    if delays_from is not None:
        from empirical.schedules._delays import make_delay

        try:
            trace_tau = make_delay(f"trace:{delays_from}").max_delay
        except InvalidParameterError as exc:  # named as the caller typed it
            raise InvalidParameterError(
                str(exc).replace("path=", "delays_from=", 1)
            ) from None
        assert trace_tau is not None  # a finite trace has a largest value
        for r in rows:
            # The worker protocols (b) and (c) make their own delays and keep
            # them; the trace replaces those of the one-worker settings.
            if r["max_delay"] > 0 and r.get("protocol", "a") == "a":
                r["delay"], r["max_delay"] = f"trace:{delays_from}", trace_tau
    if worst_case:
        for r in rows:
            r["worst_case"] = r["loss"] != "mlp"
    tasks = unique_tasks(SweepTask(**r) for r in rows)
    if not tasks:
        raise InvalidParameterError(
            f"no setting of the suite matches losses={losses!r}, datasets={datasets!r}"
        )
    return tasks


def delay_changes(tasks: Sequence[SweepTask], asked: Sequence[int]) -> str | None:
    """What the suite's delays are beside the asked ``max_delays``, or ``None``.

    The families add delays of their own: every family has a no-delay baseline
    (``0``), [DSL-cor1]'s step size divides by the delay (``>= 1``), the
    sample-size and network families run ``min(4, top)``; and a family that runs
    only ``{0, top}`` drops the delays between. The suite says so, naming the
    families (a user who asked ``0`` and got ``1`` was not told before).

    Examples:
        >>> tasks = build_suite(quick=True, losses=["huber"], max_delays=[0, 2, 8])
        >>> delay_changes(tasks, [0, 2, 8])
        'max_delays=[0, 2, 8]: the suite runs max_delay 0, 8; dropped 2 (no kept family runs it)'
    """
    ran = sorted({t.max_delay for t in tasks if t.delay_spec.split(":")[0] != "trace"})
    added = [tau for tau in ran if tau not in asked]
    dropped = sorted({tau for tau in asked if tau not in ran})
    if not added and not dropped:
        return None
    parts = []
    if added:
        by = [
            f"{tau} ({', '.join(sorted({t.tag for t in tasks if t.max_delay == tau}))})"
            for tau in added
        ]
        parts.append("added " + ", ".join(by))
    if dropped:
        parts.append(f"dropped {', '.join(map(str, dropped))} (no kept family runs it)")
    return (
        f"max_delays={sorted(asked)}: the suite runs max_delay "
        f"{', '.join(map(str, ran))}; {'; '.join(parts)}"
    )
