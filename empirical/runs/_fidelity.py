"""Fidelity tables: each experiment's parameters beside the authors' code, line by line.

The authors' column is data, each value with its repository, file and line (read
from the public code: GitHub JayanthRR/Async-Distributed-SGD at commit 8855749,
xiaogdeng/Generalization-ASGD at commit 8cf7a49). Our columns are computed from
the experiment definitions (:func:`~empirical.runs._experiments.experiment_settings`)
at ``--quick``, at full size and for the run at hand, never typed, so the table
cannot drift from what runs. Cells stay short; a longer reason is a numbered note
under the table. One delays row (and one staleness row) per protocol.

The regime rows decide whether our numbers can be put beside the authors': the
largest staleness in parameter versions (updates applied between a gradient's
read and its write, :mod:`empirical.schedules._staleness`) over the updates
applied in an epoch, and over all updates applied.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bounds.internal import checked
from empirical.schedules._protocols import Deng, OneStale, Regatti, WorkerProtocol
from empirical.schedules._staleness import schedule_staleness

from ._experiments import DEFAULT_MODELS, Setting, Sizes, experiment_settings
from ._fidelity_sources import (
    AUTHORS,
    AUTHORS_D_PER,
    AUTHORS_R_PER,
    AUTHORS_T,
    REASONS,
    Reason,
)
from ._settings import RegattiDecay

__all__ = ["AUTHORS", "Regime", "fidelity_table", "ours", "regime"]


def _fmt(values: Sequence[object]) -> str:
    vals = set(values)
    if all(isinstance(v, int) for v in vals):
        return ", ".join(str(v) for v in sorted(vals))  # type: ignore[type-var]
    return ", ".join(str(v) for v in sorted(vals, key=str))


def _per_epoch(s: Setting) -> int:
    """Steps per epoch: every setting is evaluated once per epoch."""
    return s.eval_every or s.protocol.updates_per_epoch(s.n_samples)


def _of(ss: list[Setting], label: str) -> list[Setting]:
    return [s for s in ss if s.protocol.label == label]


#: Steps of a setting's schedule read for its staleness: the published schedules
#: repeat with the workers' periods (at most 64 steps here), so 4,096 steps hold
#: every pattern many times over and keep the tables fast for 47,000-step runs.
SCHEDULE_STEPS = 4096


def _setting_staleness(s: Setting) -> tuple[float, int, float]:
    """:func:`schedule_staleness` of a setting, over its first :data:`SCHEDULE_STEPS`."""
    return schedule_staleness(s.protocol, min(s.n_steps, SCHEDULE_STEPS))


def _nominal(p: WorkerProtocol) -> int:
    """The protocol's own delay parameter: tau (a), D (b), the period d (c)."""
    if isinstance(p, Regatti):
        return p.max_worker_delay
    if isinstance(p, Deng):
        return p.period
    return p.max_delay


def _steps(ss: list[Setting]) -> str:
    """The step-size rules, short: Regatti's decay with its lr0 grid, else the rules."""
    lr0 = sorted({s.step_size.lr0 for s in ss if isinstance(s.step_size, RegattiDecay)})
    if lr0 and len(lr0) == len({s.step_rule for s in ss}):
        return f"lr0/(1 + 0.05 epoch), lr0 in {{{_fmt(lr0)}}}"
    rules = sorted({s.step_rule.split(" (")[0] for s in ss})
    consts = [r.split(" ", 1)[1] for r in rules if r.startswith("constant ")]
    rest = [r for r in rules if not r.startswith("constant ")]
    if consts:  # one entry for the constant steps: "constant {0.01, 0.1}"
        rest.insert(0, "constant {" + ", ".join(sorted(consts, key=float)) + "}")
    return f"{len(rules)} rule{'s' if len(rules) > 1 else ''}: " + "; ".join(rest)


def _delays(ss: list[Setting], label: str) -> str:
    ps = _of(ss, label)
    if not ps:
        return "-"
    grid = _fmt(sorted({_nominal(s.protocol) for s in ps}))
    p: WorkerProtocol = ps[0].protocol
    if isinstance(p, Regatti):
        return f"D, 0, U{{0..D}}; D in {{{grid}}}"
    if isinstance(p, Deng):
        kinds = _fmt([s.protocol.delays for s in ps])  # type: ignore[attr-defined]
        return f"{kinds}; d in {{{grid}}}"
    assert isinstance(p, OneStale)
    return f"constant tau in {{{grid}}}"


def _staleness(ss: list[Setting], label: str) -> str:
    ps = _of(ss, label)
    if not ps:
        return "-"
    most = sorted({_setting_staleness(s)[1] for s in ps})
    return f"largest {most[-1]} (of {{{_fmt(most)}}})"


def _sampling(ss: list[Setting]) -> str:
    kinds = sorted({s.sampling for s in ss if s.model.name.split("-")[0] != "affine"})
    return ", ".join(kinds) or "uniform"


def _test_set(ss: list[Setting]) -> str:
    from empirical.simulators.nets._datasets import NET_DATASETS

    out = []
    for s in ss:
        if s.data == "mnist":
            out.append("official, 10,000")
        elif s.data in NET_DATASETS:
            out.append(f"{s.data}: the points not trained on")
    return _fmt(out)


_OURS: dict[str, Callable[[list[Setting], Sizes], str]] = {
    "data set": lambda ss, sz: _fmt([s.data for s in ss]),
    "training points n": lambda ss, sz: _fmt([f"{s.n_samples:,}" for s in ss]),
    "test set": lambda ss, sz: _test_set(ss),
    "augmentation": lambda ss, sz: "none",
    "model": lambda ss, sz: _fmt(
        [s.model.name + (" (substitute)" if s.substitute else "") for s in ss]
    ),
    "workers": lambda ss, sz: _fmt([s.protocol.n_readers for s in ss]),
    "batch per worker": lambda ss, sz: _fmt([s.protocol.batch_size for s in ss]),
    "epochs": lambda ss, sz: _fmt([s.n_steps // _per_epoch(s) for s in ss]),
    "updates per epoch": lambda ss, sz: _fmt([_per_epoch(s) for s in ss]),
    "total updates": lambda ss, sz: _fmt([f"{s.n_steps:,}" for s in ss]),
    "delays (a)": lambda ss, sz: _delays(ss, "a"),
    "delays (b)": lambda ss, sz: _delays(ss, "b"),
    "delays (c)": lambda ss, sz: _delays(ss, "c"),
    "staleness (a)": lambda ss, sz: _staleness(ss, "a"),
    "staleness (b)": lambda ss, sz: _staleness(ss, "b"),
    "staleness (c)": lambda ss, sz: _staleness(ss, "c"),
    "step size": lambda ss, sz: _steps(ss),
    "clipping": lambda ss, sz: _fmt(
        [
            "none" if s.protocol.clip is None else f"to norm {s.protocol.clip:g}"
            for s in ss
        ]
    ),
    "aggregation": lambda ss, sz: _fmt(
        [
            {"a": "one gradient", "b": "mean of W", "c": "sum of arrivals"}[
                s.protocol.label
            ]
            for s in ss
        ]
    ),
    "sampling": lambda ss, sz: _sampling(ss),
    "replaced point": lambda ss, sz: "uniform position, coupled pair",
    "runs per setting": lambda ss, sz: f"{sz.n_seeds} seeds x {sz.n_pairs} pairs",
    "distance": lambda ss, sz: "delta_T^2; the seed's normalisation",
    "curves": lambda ss, sz: "|gap|, delta_t^2, test error vs updates",
}


@dataclass(frozen=True)
class Regime:
    """The largest staleness (versions) over updates applied per epoch and in all."""

    per_epoch: float
    of_all: float


def regime(settings: Sequence[Setting]) -> Regime:
    """The regime of ``settings``: the largest, over the network settings (the
    convex experiment, on its own small data set, is left out), of the staleness
    in versions over the updates applied per epoch, and over all updates applied."""
    per, tot = 0.0, 0.0
    for s in settings:
        if s.family == "affine":  # the convex experiment: its own data and n
            continue
        _, most, share = _setting_staleness(s)
        applied_epoch = max(1.0, _per_epoch(s) * share)
        per = max(per, most / applied_epoch)
        tot = max(tot, most / max(1.0, s.n_steps * share))
    return Regime(per, tot)


def _authors_regime(name: str) -> Regime:
    if name == "regatti2019":
        return Regime(64 / AUTHORS_R_PER, 64 / AUTHORS_T["regatti2019"])
    # random delays, d = 32: worker 0 is 31 versions stale (worker 1 applies an
    # update at every step); fixed d = 32 gives 15 / (196 / 2), slightly less.
    return Regime(31 / AUTHORS_D_PER, 31 / AUTHORS_T["deng2024"])


def _default(name: str, quick: bool, sizes: Sizes | None) -> list[Setting]:
    _, ss = experiment_settings(name, quick=quick, sizes=sizes)
    fams = DEFAULT_MODELS[name][0 if quick else 1]
    return [s for s in ss if s.family in fams]


def ours(settings: list[Setting], sizes: Sizes) -> dict[str, str]:
    """Our value of every parameter, computed from ``settings``."""
    return {k: f(settings, sizes) for k, f in _OURS.items()}


def regime_rows(name: str, columns: Sequence[tuple[str, Regime]]) -> list[str]:
    """Markdown rows: the authors' regime and each column's, with the ratios."""
    a = _authors_regime(name)
    lines = [
        "| regime | authors | " + " | ".join(c for c, _ in columns) + " |",
        "|---|---|" + "---|" * len(columns),
        "| largest staleness (versions) / updates applied per epoch | "
        + " | ".join(f"{r.per_epoch:.3g}" for r in [a, *(r for _, r in columns)])
        + " |",
        "| largest staleness / all updates applied | "
        + " | ".join(f"{r.of_all:.3g}" for r in [a, *(r for _, r in columns)])
        + " |",
        "| ours / authors' (per epoch; all updates) | 1 | "
        + " | ".join(
            f"{r.per_epoch / a.per_epoch:.3g}x; {r.of_all / a.of_all:.3g}x"
            for _, r in columns
        )
        + " |",
    ]
    return lines


@checked
def fidelity_table(
    name: str,
    *,
    run: tuple[list[Setting], Sizes, str] | None = None,
) -> str:
    """Markdown: the authors' value (with source), ours at ``--quick``, at full
    size and (``run``) in the run at hand, why ours differs, numbered notes, then
    the regime rows.

    Args:
        name: the experiment.
        run: optionally the settings, sizes and command actually run: a third
            column "this run" is added.
    """
    q_sz, _ = experiment_settings(name, quick=True)
    f_sz, _ = experiment_settings(name, quick=False)
    sets = [("--quick", _default(name, True, None), q_sz)]
    sets.append(("full size", _default(name, False, None), f_sz))
    if run is not None:
        sets.append(("this run", run[0], run[1]))
    cols = [(c, ours(ss, sz)) for c, ss, sz in sets]
    head = (
        "| parameter | authors' code (source) | "
        + " | ".join(c for c, _ in cols)
        + " | why ours differs |"
    )
    lines = [head, "|" + "---|" * (len(cols) + 3)]
    notes: list[str] = []
    reasons = REASONS[name]
    for k, (val, src) in AUTHORS[name].items():
        vals = [c[k] for _, c in cols]
        if all(v == "-" for v in vals) and k.split(" (")[0] in ("delays", "staleness"):
            continue  # a protocol this experiment does not run
        why = reasons.get(k, Reason(""))
        cell = why.cell
        if why.note:
            notes.append(why.note)
            cell += f" [{len(notes)}]"
        lines.append(f"| {k} | {val} ({src}) | " + " | ".join(vals) + f" | {cell} |")
    for k in ("delays (a)", "staleness (a)", "delays (c)", "staleness (c)"):
        if k in AUTHORS[name] or all(c[k] == "-" for _, c in cols):
            continue
        why = reasons.get(k, Reason("not in the authors' code"))
        cell = why.cell
        if why.note:
            notes.append(why.note)
            cell += f" [{len(notes)}]"
        row = " | ".join(c[k] for _, c in cols)
        lines.append(f"| {k} | - | {row} | {cell} |")
    if notes:
        lines += ["", "Notes:", ""]
        lines += [f"{i}. {t}" for i, t in enumerate(notes, 1)]
    lines += [""]
    lines += regime_rows(name, [(c, regime(ss)) for c, ss, _ in sets])
    lines += [
        "",
        "Staleness: updates applied between a gradient's read and the write of "
        "the update that uses it (parameter versions; idle steps are not "
        "versions). The regime decides whether our numbers can be put beside "
        "theirs: a ratio of 1 is their staleness per epoch. Network settings only "
        "(the convex experiment runs on its own small data set).",
    ]
    return "\n".join(lines)
