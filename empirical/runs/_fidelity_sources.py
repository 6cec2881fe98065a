"""The authors' side of the fidelity tables, and why ours differs: data, with sources.

Each value cites its repository, file and lines (GitHub
JayanthRR/Async-Distributed-SGD at commit 8855749, xiaogdeng/Generalization-ASGD
at commit 8cf7a49). :mod:`empirical.runs._fidelity` sets our computed values
beside them. A reason is a short cell and, where it needs more words, a numbered
note under the table; reasons are written per experiment, never shared.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "AUTHORS",
    "AUTHORS_D_PER",
    "AUTHORS_R_PER",
    "AUTHORS_T",
    "REASONS",
    "Reason",
]

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
class Reason:
    """Why ours differs: a short cell and, when longer, a note under the table."""

    cell: str
    note: str = ""


#: Experiment -> parameter -> why ours differs (specific to that experiment).
REASONS: dict[str, dict[str, Reason]] = {
    "regatti2019": {
        "data set": Reason("quick: MNIST-1D substitute"),
        "training points n": Reason("quick: CPU budget"),
        "test set": Reason(
            "quick: no official split",
            "MNIST-1D has no official test set: each pair tests on the points it "
            "does not train on (about 1,000 of 5,000). At full size the official "
            "10,000 MNIST test images, as theirs.",
        ),
        "model": Reason(
            "MLP on CPU",
            "LeNet at 150 epochs is a GPU run; on 2 CPU cores an MLP (one hidden "
            "layer of 64) trains on the same MNIST at their n, labelled a substitute.",
        ),
        "epochs": Reason("CPU budget; the regime rows say by how much"),
        "updates per epoch": Reason("quick: smaller n"),
        "total updates": Reason("epochs x updates per epoch"),
        "delays (b)": Reason(
            "their draw is unseeded",
            "Their worker delays come from numpy's unseeded global generator "
            "(main.py 85-95) and cannot be replayed; ours draw the same "
            "distribution from a fixed seed per D, shared by every trial, lr0 and "
            "pair, as theirs are shared.",
        ),
        "step size": Reason("quick: one lr0"),
        "sampling": Reason(
            "uniform: the theorems' assumption",
            "With --sampling uniform every minibatch slot is drawn uniformly from "
            "all n points: the replaced point is read Binomial(T b W, 1/n) times, "
            "zero times in about 37% of epochs and through random workers, where "
            "their shards read it exactly once per epoch, always by the same worker "
            "at that worker's fixed delay. The registry's bounds assume uniform "
            "sampling.",
        ),
        "runs per setting": Reason("more pairs: intervals"),
    },
    "deng2024": {
        "data set": Reason(
            "offline: MNIST for CIFAR",
            "CIFAR-10/100 and RCV1 cannot be obtained offline. The official MNIST "
            "(60,000 training images, n = 59,999 with one kept as the replacement) "
            "stands in for CIFAR-10 (50,000): with 16 workers and batch 16 an epoch "
            "holds 235 updates against their 196, within 1.2x of their staleness per "
            "epoch. breast_cancer (rows scaled to unit norm, as RCV1's) stands in for "
            "RCV1.",
        ),
        "training points n": Reason("MNIST's 60,000 (see data set)"),
        "test set": Reason("MNIST's official 10,000"),
        "augmentation": Reason("none: MNIST, as the seed"),
        "model": Reason(
            "ResNet-18 not feasible",
            "ResNet-18 on CIFAR is out of reach of 2 CPU cores; an MLP (MNIST, one "
            "hidden layer of 64) or LeNet (GPU) stands in; the convex experiment's "
            "linear model with squared loss is theirs.",
        ),
        "epochs": Reason("CPU budget; the regime rows say by how much"),
        "updates per epoch": Reason("MNIST's n (see data set)"),
        "total updates": Reason("epochs x updates per epoch"),
        "delays (c)": Reason("both kinds; their draw replayed exactly"),
        "step size": Reason("also 0.1/tau_bar, the paper's text"),
        "sampling": Reason(
            "uniform: the theorems' assumption",
            "With --sampling uniform every slot is drawn uniformly from all n "
            "points. Their shards make a fast worker's shard supply most gradients: "
            "under their seed-42 random delays the period-1 worker's 1/16 of the "
            "data supplies 13 / 22 / 33 / 48% of all gradients at d = 4 / 8 / 16 / "
            "32. The report's rows with the replaced point on the fastest and on "
            "the slowest worker measure what that does.",
        ),
        "replaced point": Reason(
            "coupled: one point replaced",
            "Their neighbour duplicates one sample (its list entry at a uniform "
            "place takes its predecessor's value) in an independently shuffled "
            "copy of the shards; ours replaces the point at a uniform position by "
            "a fresh one, and both runs share shards, shuffles and start.",
        ),
        "runs per setting": Reason(
            "coupled pairs: a stability estimate",
            "Their two runs are independently initialised (load_model and "
            "load_model_copy each call init_params, server.py 139-160, 262-268) "
            "and read independently shuffled shards, so their |w - w'| measures "
            "two independent trainings, not the stability of one algorithm under "
            "one replaced point. Ours: coupled pairs (same start, shards, "
            "shuffles, delays), seeds x pairs.",
        ),
        "distance": Reason(
            "the seed's normalisation",
            "We report delta_T^2 and the seed's sqrt(|p-q|^2/(|p|^2+|q|^2)); "
            "Deng et al. divide |w - w'| by |w| + |w'|, which is the seed's "
            "quantity times sqrt(|p|^2+|q|^2)/(|p|+|q|), between 1/sqrt 2 and 1.",
        ),
        "curves": Reason("gap and stability curves"),
    },
    "delay-question": {
        "delays (a)": Reason(
            "(a): the theorems' model",
            "Protocol (a), one single-sample gradient per update with a constant "
            "delay tau, is the model the one-gradient theorems are stated for; it "
            "is not in the authors' code.",
        ),
        "staleness (a)": Reason("(a): no idle steps"),
        "delays (c)": Reason("tau + 1 periods; (iii) control"),
        "staleness (c)": Reason(
            "(c) fixed: at most W - 1",
            "With W workers of fixed period d = tau + 1 > W, only W of every d "
            "steps apply an update, so a gradient is W - 1 versions stale, not tau. "
            "The (iii) control replicates each worker d_m times: every step then "
            "applies an update, and the staleness is d_m - 1 versions.",
        ),
        "workers": Reason("(iii): d_m copies of each worker"),
        "batch per worker": Reason("CPU budget; (a): single samples"),
        "epochs": Reason("CPU budget"),
        "updates per epoch": Reason("full: n set for their staleness per epoch"),
        "total updates": Reason("epochs x updates per epoch"),
        "step size": Reason("(i) and (ii) rules"),
        "clipping": Reason("none, as theirs"),
        "aggregation": Reason("(a): one gradient per update"),
        "sampling": Reason(
            "uniform: the theorems' assumption",
            "The delay question asks what the theorems predict, so it draws "
            "uniformly by default; --sampling shards reads per-worker shards "
            "as the authors' code does.",
        ),
        "replaced point": Reason("coupled: one point replaced"),
        "runs per setting": Reason("coupled pairs: a stability estimate"),
        "distance": Reason("the seed's normalisation"),
    },
}


#: Updates per epoch of the authors' runs (every one applied: no idle steps in
#: Regatti et al.'s; Deng et al.'s random delays have a period-1 worker).
AUTHORS_R_PER = _R_PER
AUTHORS_D_PER = _D_PER
#: Their total updates.
AUTHORS_T = {"regatti2019": _R_T, "deng2024": _D_T}
