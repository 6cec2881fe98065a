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

from empirical.schedules._protocols import Deng, OneStale, Regatti, WorkerProtocol
from empirical.schedules._staleness import schedule_staleness

from ._experiments import DEFAULT_MODELS, Setting, Sizes, experiment_settings
from ._settings import RegattiDecay

__all__ = ["AUTHORS", "Regime", "fidelity_table", "ours", "regime"]

_R = "JayanthRR/Async-Distributed-SGD"
_D = "xiaogdeng/Generalization-ASGD"

#: The seed's sizes: 59,999 MNIST images (one kept for the neighbour,
#: src/server.py 644-650), 4 shards of 14,999, batch 64: ``len(shard) // 64 + 1``
#: updates per epoch (src/server.py 728), every one applied (no idle steps).
_R_PER = (59999 // 4) // 64 + 1
_R_T = 150 * _R_PER
#: Deng's: 50,000 CIFAR images, 16 shards of batch 16 (server.py 354).
_D_PER = (50000 // 16) // 16 + 1
_D_T = 200 * _D_PER

_LETTER = {"a": "(a)", "b": "(b)", "c": "(c)"}

#: parameter -> (value, source), per experiment; ``delays (x)`` and
#: ``staleness (x)`` rows are per protocol.
AUTHORS: dict[str, dict[str, tuple[str, str]]] = {
    "regatti2019": {
        "data set": ("MNIST (or CIFAR-10)", f"{_R} main.py 41-42"),
        "training points n": ("59,999 of 60,000", f"{_R} src/server.py 644-650"),
        "test set": ("official, 10,000", f"{_R} src/server.py 109-129"),
        "augmentation": ("none", f"{_R} src/server.py 117-127"),
        "model": ("LeNet (2 conv + 3 dense)", f"{_R} src/custom_models.py 105-135"),
        "workers": ("4", f"{_R} main.py 45"),
        "batch per worker": ("64", f"{_R} main.py 46"),
        "epochs": ("150", f"{_R} main.py 43"),
        "updates per epoch": (str(_R_PER), f"{_R} src/server.py 728"),
        "total updates": (f"{_R_T:,}", "150 x the above"),
        "delays (b)": (
            "D, 0, U{0..D} per worker; D in {1, 8, 16, 32, 64}",
            f"{_R} main.py 36, 85-98",
        ),
        "staleness (b)": ("D (no idle steps)", f"{_R} src/server.py 38-45"),
        "step size": (
            "lr0/(1 + 0.05 epoch), lr0 in {0.05, 0.1, 0.2, 0.4}",
            f"{_R} main.py 37, 48-49; src/server.py 312-322",
        ),
        "clipping": ("average to norm 1", f"{_R} src/server.py 335-365, 493"),
        "aggregation": ("mean of W stale gradients", f"{_R} src/server.py 480-501"),
        "sampling": (
            "shards, in order, reshuffled each epoch",
            f"{_R} src/server.py 642-693",
        ),
        "replaced point": (
            "uniform position, any shard",
            f"{_R} src/server.py 644-650",
        ),
        "runs per setting": (
            "3 trials x 1 coupled pair",
            f"{_R} main.py 97; src/server.py 864-867",
        ),
        "distance": ("sqrt(|p-q|^2/(|p|^2+|q|^2))", f"{_R} src/server.py 696-721"),
        "curves": (
            "|train - test| loss and error vs epoch",
            f"{_R} plts.py 64-65, 94-95",
        ),
    },
    "deng2024": {
        "data set": (
            "CIFAR-10/100; RCV1 (convex)",
            f"{_D} train_args.py 11, server.py 85-130",
        ),
        "training points n": (
            "50,000 (CIFAR); 20,242 (RCV1)",
            f"{_D} server.py 85-130",
        ),
        "test set": ("official, 10,000 (CIFAR)", f"{_D} server.py 85-130"),
        "augmentation": ("random crop + flip (CIFAR-10)", f"{_D} server.py 89-95"),
        "model": ("ResNet-18; linear + MSE (convex)", f"{_D} models.py 127-139"),
        "workers": ("16", f"{_D} bashrun.sh 18"),
        "batch per worker": ("16", f"{_D} bashrun.sh 19"),
        "epochs": ("200", f"{_D} bashrun.sh 20, train_args.py 16"),
        "updates per epoch": (f"{_D_PER} (CIFAR)", f"{_D} server.py 354"),
        "total updates": (f"{_D_T:,}", "200 x the above"),
        "delays (c)": (
            "random: d, 1, U{1..d} (seed 42); fixed: all d; d in {4, 8, 16, 32}",
            f"{_D} server.py 612-631, 698-711; bashrun.sh 26-53",
        ),
        "staleness (c)": (
            "d - 1 (random); min(d, W) - 1 (fixed)",
            f"{_D} server.py 612-631",
        ),
        "step size": (
            "LR = 0.01 (run script)",
            f"{_D} bashrun.sh 24, train_args.py 24",
        ),
        "clipping": ("none", f"{_D} server.py 502-511"),
        "aggregation": (
            "sum of arrivals; none: no update",
            f"{_D} server.py 471-476, 502-511",
        ),
        "sampling": (
            "shards, in order, reshuffled each pass",
            f"{_D} server.py 23-29, 165-190",
        ),
        "replaced point": (
            "a duplicated sample at a uniform place",
            f"{_D} server.py 193-224",
        ),
        "runs per setting": (
            "1 seed, 2 runs not coupled [note]",
            f"{_D} server.py 262-268",
        ),
        "distance": ("|w-w'| and |w-w'|/(|w|+|w'|)", f"{_D} server.py 414-419"),
        "curves": ("train/test loss and accuracy per epoch", f"{_D} server.py 376-382"),
    },
}
AUTHORS["delay-question"] = {
    k: (f"(c) of Deng et al.: {v}", s)
    for k, (v, s) in AUTHORS["deng2024"].items()
    if k not in ("data set", "training points n", "model", "augmentation", "curves")
}


@dataclass(frozen=True)
class _Reason:
    """Why ours differs: a short cell and, when longer, a note under the table."""

    cell: str
    note: str = ""


#: Experiment -> parameter -> why ours differs (specific to that experiment).
_REASONS: dict[str, dict[str, _Reason]] = {
    "regatti2019": {
        "data set": _Reason("quick: MNIST-1D substitute"),
        "training points n": _Reason("quick: CPU budget"),
        "test set": _Reason(
            "quick: no official split",
            "MNIST-1D has no official test set: each pair tests on the points it "
            "does not train on (about 1,000 of 5,000). At full size the official "
            "10,000 MNIST test images, as theirs.",
        ),
        "model": _Reason(
            "MLP on CPU",
            "LeNet at 150 epochs is a GPU run; on 2 CPU cores an MLP (one hidden "
            "layer of 64) trains on the same MNIST at their n, labelled a substitute.",
        ),
        "epochs": _Reason("CPU budget; the regime rows say by how much"),
        "updates per epoch": _Reason("quick: smaller n"),
        "total updates": _Reason("epochs x updates per epoch"),
        "delays (b)": _Reason(
            "their draw is unseeded",
            "Their worker delays come from numpy's unseeded global generator "
            "(main.py 85-95) and cannot be replayed; ours draw the same "
            "distribution from a fixed seed per D, shared by every trial, lr0 and "
            "pair, as theirs are shared.",
        ),
        "step size": _Reason("quick: one lr0"),
        "sampling": _Reason(
            "uniform: the theorems' assumption",
            "With --sampling uniform every minibatch slot is drawn uniformly from "
            "all n points: the replaced point is read Binomial(T b W, 1/n) times, "
            "zero times in about 37% of epochs and through random workers, where "
            "their shards read it exactly once per epoch, always by the same worker "
            "at that worker's fixed delay. The registry's bounds assume uniform "
            "sampling.",
        ),
        "runs per setting": _Reason("more pairs: intervals"),
    },
    "deng2024": {
        "data set": _Reason(
            "offline: MNIST for CIFAR",
            "CIFAR-10/100 and RCV1 cannot be obtained offline. The official MNIST "
            "(60,000 training images, n = 59,999 with one kept as the replacement) "
            "stands in for CIFAR-10 (50,000): with 16 workers and batch 16 an epoch "
            "holds 235 updates against their 196, within 1.2x of their staleness per "
            "epoch. breast_cancer (rows scaled to unit norm, as RCV1's) stands in for "
            "RCV1.",
        ),
        "training points n": _Reason("MNIST's 60,000 (see data set)"),
        "test set": _Reason("MNIST's official 10,000"),
        "augmentation": _Reason("none: MNIST, as the seed"),
        "model": _Reason(
            "ResNet-18 not feasible",
            "ResNet-18 on CIFAR is out of reach of 2 CPU cores; an MLP (MNIST, one "
            "hidden layer of 64) or LeNet (GPU) stands in; the convex experiment's "
            "linear model with squared loss is theirs.",
        ),
        "epochs": _Reason("CPU budget; the regime rows say by how much"),
        "updates per epoch": _Reason("MNIST's n (see data set)"),
        "total updates": _Reason("epochs x updates per epoch"),
        "delays (c)": _Reason("both kinds; their draw replayed exactly"),
        "step size": _Reason("also 0.1/tau_bar, the paper's text"),
        "sampling": _Reason(
            "uniform: the theorems' assumption",
            "With --sampling uniform every slot is drawn uniformly from all n "
            "points. Their shards make a fast worker's shard supply most gradients: "
            "under their seed-42 random delays the period-1 worker's 1/16 of the "
            "data supplies 13 / 22 / 33 / 48% of all gradients at d = 4 / 8 / 16 / "
            "32. The report's rows with the replaced point on the fastest and on "
            "the slowest worker measure what that does.",
        ),
        "replaced point": _Reason(
            "coupled: one point replaced",
            "Their neighbour duplicates one sample (its list entry at a uniform "
            "place takes its predecessor's value) in an independently shuffled "
            "copy of the shards; ours replaces the point at a uniform position by "
            "a fresh one, and both runs share shards, shuffles and start.",
        ),
        "runs per setting": _Reason(
            "coupled pairs: a stability estimate",
            "Their two runs are independently initialised (load_model and "
            "load_model_copy each call init_params, server.py 139-160, 262-268) "
            "and read independently shuffled shards, so their |w - w'| measures "
            "two independent trainings, not the stability of one algorithm under "
            "one replaced point. Ours: coupled pairs (same start, shards, "
            "shuffles, delays), seeds x pairs.",
        ),
        "distance": _Reason(
            "the seed's normalisation",
            "We report delta_T^2 and the seed's sqrt(|p-q|^2/(|p|^2+|q|^2)); "
            "Deng et al. divide |w - w'| by |w| + |w'|, which is the seed's "
            "quantity times sqrt(|p|^2+|q|^2)/(|p|+|q|), between 1/sqrt 2 and 1.",
        ),
        "curves": _Reason("gap and stability curves"),
    },
    "delay-question": {
        "delays (a)": _Reason(
            "(a): the theorems' model",
            "Protocol (a), one single-sample gradient per update with a constant "
            "delay tau, is the model the one-gradient theorems are stated for; it "
            "is not in the authors' code.",
        ),
        "staleness (a)": _Reason("(a): no idle steps"),
        "delays (c)": _Reason("tau + 1 periods; (iii) control"),
        "staleness (c)": _Reason(
            "(c) fixed: at most W - 1",
            "With W workers of fixed period d = tau + 1 > W, only W of every d "
            "steps apply an update, so a gradient is W - 1 versions stale, not tau. "
            "The (iii) control replicates each worker d_m times: every step then "
            "applies an update, and the staleness is d_m - 1 versions.",
        ),
        "workers": _Reason("(iii): d_m copies of each worker"),
        "batch per worker": _Reason("CPU budget; (a): single samples"),
        "epochs": _Reason("CPU budget"),
        "updates per epoch": _Reason("full: n set for their staleness per epoch"),
        "total updates": _Reason("epochs x updates per epoch"),
        "step size": _Reason("(i) and (ii) rules"),
        "clipping": _Reason("none, as theirs"),
        "aggregation": _Reason("(a): one gradient per update"),
        "sampling": _Reason(
            "uniform: the theorems' assumption",
            "The delay question asks what the theorems predict, so it draws "
            "uniformly by default; --sampling shards reads per-worker shards "
            "as the authors' code does.",
        ),
        "replaced point": _Reason("coupled: one point replaced"),
        "runs per setting": _Reason("coupled pairs: a stability estimate"),
        "distance": _Reason("the seed's normalisation"),
    },
}


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
    return f"{len(rules)} rule{'s' if len(rules) > 1 else ''}: " + "; ".join(rules)


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
    most = sorted({schedule_staleness(s.protocol, min(s.n_steps, 4096))[1] for s in ps})
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
        _, most, share = schedule_staleness(s.protocol, min(s.n_steps, 4096))
        applied_epoch = max(1.0, _per_epoch(s) * share)
        per = max(per, most / applied_epoch)
        tot = max(tot, most / max(1.0, s.n_steps * share))
    return Regime(per, tot)


def _authors_regime(name: str) -> Regime:
    if name == "regatti2019":
        return Regime(64 / _R_PER, 64 / _R_T)
    # random delays, d = 32: worker 0 is 31 versions stale (worker 1 applies an
    # update at every step); fixed d = 32 gives 15 / (196 / 2), slightly less.
    return Regime(31 / _D_PER, 31 / _D_T)


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
    reasons = _REASONS[name]
    for k, (val, src) in AUTHORS[name].items():
        vals = [c[k] for _, c in cols]
        if all(v == "-" for v in vals) and k.split(" (")[0] in ("delays", "staleness"):
            continue  # a protocol this experiment does not run
        why = reasons.get(k, _Reason(""))
        cell = why.cell
        if why.note:
            notes.append(why.note)
            cell += f" [{len(notes)}]"
        lines.append(f"| {k} | {val} ({src}) | " + " | ".join(vals) + f" | {cell} |")
    for k in ("delays (a)", "staleness (a)", "delays (c)", "staleness (c)"):
        if k in AUTHORS[name] or all(c[k] == "-" for _, c in cols):
            continue
        why = reasons.get(k, _Reason("not in the authors' code"))
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
