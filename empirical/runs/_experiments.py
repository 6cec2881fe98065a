"""The three reproductions as data: settings (protocol, model, data, step size, length).

- ``regatti2019``: Regatti et al. 2019 (arXiv:1909.13391) as their public code
  runs it (``main.py``): protocol (b), 4 workers, batch 64 per worker, averaged
  and clipped to norm 1, ``lr0 / (1 + 0.05 epoch)``, D in {1, 8, 16, 32, 64}, lr0
  in {0.05, 0.1, 0.2, 0.4}, worker delays drawn once per D and shared; at full
  size on the official MNIST at their n = 59,999 with their shard loaders, so
  that the staleness per epoch is theirs; LeNet (their model) or, on CPU, an
  MLP (``--models mlp``, a substitute, labelled so); ``--quick`` runs an MLP on
  MNIST-1D, a fast substitute.
- ``deng2024``: Deng et al. 2024 as their code runs it (``server.py``,
  ``bashrun.sh``): protocol (c), 16 workers, batch 16, "random" delays drawn as
  their ``--seed 42`` draws them (fixed delays: a labelled variant), d in {4, 8,
  16, 32}, ``LR = 0.01`` (run script) and ``eta = 0.1 / tau_bar`` (paper text,
  tau_bar their mean delay ``avg_delay``); with shard loaders, the replaced
  point also on the fastest and on the slowest worker's shard; at full size the
  official MNIST (n = 59,999) stands in for CIFAR-10; plus their convex
  experiment (linear model, squared loss) on the closest offline data set.
- ``delay-question``: one network, data and seeds (an MLP on MNIST-1D by default;
  ``--models lenet``: LeNet on the official MNIST); delay tau in {0, 4, 8, 16, 32}
  ({0, 16} at ``--quick``); protocol (a) (one single-sample gradient per update, constant delay)
  and (c) with fixed and with random delays (period ``d = tau + 1``, so the
  largest staleness is tau), each under (i) a constant eta and (ii) ``eta = 0.1
  / tau_bar``, and each also as (iii): the same delays with every worker
  replicated so that the same number of gradients arrives at every update
  whatever the delay (:func:`~empirical.schedules._published_draws.held_fixed`).
  Under (c) the staleness in parameter versions can be far below tau (idle
  steps are not versions; :mod:`empirical.schedules._staleness`): the reports
  give both. A step-size grid under (a) (:data:`STEP_GRID`; four times longer
  runs at ``--quick``) measures the stability edge per staleness and compares
  the delays at matched training progress (:mod:`empirical.runs._edge`).
- ``--models softmax,tanh`` (every experiment): softmax regression and a
  two-layer tanh network on the official MNIST, projected onto balls, with
  certified constants; their rows carry the registry's bounds beside the
  measured quantity (:mod:`empirical.runs._bound_rows`).

Sampling (:data:`DEFAULT_SAMPLING`): the two published experiments read the
authors' per-worker shards by default (faithful), the delay question draws
uniformly (the theorems' assumption); ``sampling`` chooses either for any.

The fidelity tables (:mod:`empirical.runs._fidelity`) are generated from these
definitions.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Literal

from bounds import InvalidParameterError
from empirical.schedules._delays import ConstantDelay
from empirical.schedules._protocols import OneStale, WorkerProtocol
from empirical.schedules._published_draws import (
    DengDrawn,
    RegattiDrawn,
    deng_worker_delays,
    held_fixed,
    max_arrivals,
    mean_delay,
    regatti_worker_delays,
)
from empirical.schedules._sampling import check_sampling
from empirical.simulators.nets._certified import softmax_ball, tanh_ball
from empirical.simulators.nets._lenet import lenet
from empirical.simulators.nets._models import NetModel, affine, cnn1d, mlp

from ._settings import RegattiDecay, Setting, Sizes

__all__ = [
    "DEFAULT_MODELS",
    "DEFAULT_SAMPLING",
    "EXPERIMENTS",
    "FULL",
    "QUICK",
    "Setting",
    "Sizes",
    "experiment_settings",
]

EXPERIMENTS = ("regatti2019", "deng2024", "delay-question")

QUICK = {
    "regatti2019": Sizes(n_samples=4000, n_pairs=4, n_seeds=2, epochs=12),
    "deng2024": Sizes(n_samples=4000, n_pairs=4, n_seeds=2, epochs=8),
    "delay-question": Sizes(n_samples=500, n_pairs=6, n_seeds=2, epochs=4),
}
#: The authors' n on the official MNIST: 60,000 training images, one of them the
#: replacement point of each pair (the seed's own choice, src/server.py 644-650).
MNIST_N = 59999
FULL = {
    # The seed's sizes: n, 3 trials, 150 epochs (a GPU run with LeNet; the CPU
    # kept run cuts the epochs with --epochs, which the regime table reports).
    "regatti2019": Sizes(n_samples=MNIST_N, n_pairs=4, n_seeds=3, epochs=150),
    "deng2024": Sizes(n_samples=MNIST_N, n_pairs=8, n_seeds=3, epochs=200),
    # At Deng et al.'s staleness per epoch: with 8 workers of batch 8, n = 12,800
    # gives 200 steps per epoch, and the largest staleness (32 versions) over
    # them is their 31 / 196 within 2% (the regime rows). MNIST-1D is generated
    # at 14,000 points for it; 3 epochs keep it to hours on 2 CPU cores.
    "delay-question": Sizes(
        n_samples=12800, n_pairs=8, n_seeds=2, epochs=3, n_points=14000
    ),
}

#: How minibatches read the data when ``sampling`` is not given.
DEFAULT_SAMPLING = {
    "regatti2019": "shards",
    "deng2024": "shards",
    "delay-question": "uniform",
}

#: Network families run when ``models`` is not given: (quick, full).
DEFAULT_MODELS = {
    "regatti2019": (("mlp",), ("lenet",)),
    "deng2024": (("mlp", "affine"), ("lenet", "affine")),
    "delay-question": (("mlp",), ("mlp",)),  # --models lenet: real MNIST
}

#: Families with certified constants on balls (docs/theory.md, "Certified
#: constants on balls"), on the official MNIST: run only when named
#: (``--models softmax,tanh``), never by default. Their rows carry the registry's
#: bounds beside the measured quantity (:mod:`empirical.runs._bound_rows`).
CERTIFIED = ("softmax", "tanh")

#: Step sizes of the delay question's grid (protocol (a), constant step):
#: (quick, full). Each spans steps at which every staleness trains up to past
#: the stability edge of the smallest one.
STEP_GRID = (
    (0.003, 0.01, 0.02, 0.05, 0.1),
    (0.001, 0.003, 0.01, 0.02, 0.05, 0.1, 0.3),
)

#: The convex experiment's training-set size: ``breast_cancer`` has 569 points.
CONVEX_N = 450

_SUB_1D = "MNIST-1D stands in for MNIST: a fast substitute (minutes on 2 CPU cores)"
_SUB_CIFAR = "CIFAR-10/100 and ResNet-18 cannot be obtained offline; {what} stands in"
_SUB_RCV1 = (
    "RCV1 (LIBSVM) cannot be obtained offline; breast_cancer (scikit-learn, rows "
    "scaled to unit norm as RCV1's are) is the closest offline binary set"
)


def _nets(quick: bool, paper_data: bool = False) -> dict[str, tuple[NetModel, str]]:
    """Network family -> (model, data set).

    ``paper_data``: the published experiments at full size, where the MLP
    substitute trains on the official MNIST at the authors' n instead of
    MNIST-1D (784 inputs, one hidden layer of 64: a few seconds per epoch of
    four pairs on 2 CPU cores).
    """
    if quick:
        return {
            "mlp": (mlp([40, 64, 10]), "mnist1d"),
            "cnn1d": (
                cnn1d(40, 10, channels=8, kernel=5, stride=2, hidden=32),
                "mnist1d",
            ),
            "lenet": (lenet(), "mnist"),
        }
    if paper_data:
        return {"mlp": (mlp([784, 64, 10]), "mnist"), "lenet": (lenet(), "mnist")}
    return {
        "mlp": (mlp([40, 128, 128, 10]), "mnist1d"),
        "cnn1d": (
            cnn1d(40, 10, channels=32, kernel=5, stride=2, hidden=128),
            "mnist1d",
        ),
        "lenet": (lenet(), "mnist"),
    }


def _certified() -> dict[str, tuple[NetModel, str]]:
    """The certified families on MNIST: softmax regression (convex) and a
    two-layer tanh network (nonconvex, smooth), inputs scaled into ``||x|| <= 2``
    by the model, parameters projected onto balls after every step."""
    return {
        "softmax": (softmax_ball(784, 10, radius=5.0, input_radius=2.0), "mnist"),
        "tanh": (
            tanh_ball(784, 10, hidden=16, radius_u=4.0, radius_v=4.0, input_radius=2.0),
            "mnist",
        ),
    }


_SUB_CERT = (
    "{what} on balls, with certified constants, stands in for {paper}: the "
    "registry's bounds need L, beta and B; uniform sampling (the bounds' assumption)"
)


def _cert_sub(name: str, paper: str) -> str:
    what = "softmax regression" if name == "softmax" else "a two-layer tanh network"
    return _SUB_CERT.format(what=what, paper=paper)


def _sub(name: str, data: str) -> str:
    """Why a family stands in for the seed's LeNet on MNIST ("" for LeNet)."""
    if name == "lenet":
        return ""
    if data == "mnist":
        return "an MLP stands in for LeNet on the same MNIST: a CPU budget"
    return _SUB_1D


def _regatti(quick: bool, sz: Sizes, sampling: str) -> list[Setting]:
    Ds = (1, 8, 64) if quick else (1, 8, 16, 32, 64)
    lrs = (0.2,) if quick else (0.05, 0.1, 0.2, 0.4)
    W, b = 4, 64  # main.py lines 45-46
    out = []
    nets = {**_nets(quick, paper_data=True), **_certified()}
    for name, (model, data) in nets.items():
        sub = _sub(name, data)
        how = sampling
        if name in CERTIFIED:
            sub, how = _cert_sub(name, "LeNet"), "uniform"
        for lr0 in lrs:
            for D in Ds:
                proto = RegattiDrawn(
                    W, D, batch_size=b, worker_delays=regatti_worker_delays(W, D)
                )
                per = proto.updates_per_epoch(sz.n_samples)
                out.append(
                    Setting(
                        key=f"{name}-lr{lr0}-D{D}",
                        group=f"{name}, lr0={lr0}",
                        curve=f"D={D}",
                        tau=D,
                        model=model,
                        protocol=proto,
                        step_size=RegattiDecay(lr0),
                        n_steps=sz.epochs * per,
                        n_buffer=max(Ds) + 1,
                        data=data,
                        n_samples=sz.n_samples,
                        eval_every=per,
                        step_rule=f"lr0/(1 + 0.05 epoch), lr0 = {lr0} (main.py)",
                        substitute=sub,
                        sampling=how,
                    )
                )
    return out


def _deng(quick: bool, sz: Sizes, sampling: str) -> list[Setting]:
    ds = (4, 16) if quick else (4, 8, 16, 32)
    W, b = 16, 16  # bashrun.sh lines 18-19
    nets = _nets(quick, paper_data=True)
    nets["affine"] = (affine(30, 2), "breast_cancer")
    nets.update(_certified())
    out = []
    for name, (model, data) in nets.items():
        n = CONVEX_N if name == "affine" else sz.n_samples
        what = {"mnist": "MNIST", "mnist1d": "MNIST-1D"}.get(data, data)
        what = f"{'LeNet' if name == 'lenet' else name} on {what}"
        sub = _SUB_RCV1 if name == "affine" else _SUB_CIFAR.format(what=what)
        if name in CERTIFIED:
            sub = _cert_sub(name, "ResNet-18 on CIFAR-10")
        # uniform where the bounds are read (their assumption) or no shards exist
        how = "uniform" if name == "affine" or name in CERTIFIED else sampling
        # The convex runs are cheap: their code's 200 epochs (train_args.py line
        # 16), scaled down with the other sizes when those are overridden.
        epochs = min(200, 25 * sz.epochs) if name == "affine" else sz.epochs
        rows: list[tuple[Literal["fixed", "random"], str, str, str | None]] = [
            ("random", "LR=0.01 (bashrun.sh)", "lr0.01", None),
            ("random", "eta=0.1/tau_bar (paper)", "eta0.1-over-taubar", None),
            ("fixed", "LR=0.01 (bashrun.sh)", "lr0.01", None),
        ]
        if how == "shards":
            # Where the replaced point sits matters when workers read their
            # shards at different rates: worker 1 (period 1) is the fastest,
            # worker 0 (period d) the slowest (server.py 698-711).
            rows += [
                ("random", "LR=0.01 (bashrun.sh)", "lr0.01", "fastest"),
                ("random", "LR=0.01 (bashrun.sh)", "lr0.01", "slowest"),
            ]
        for kind, rule, tag, where in rows:
            on = {"fastest": 1, "slowest": 0}.get(where or "")
            place = (
                ""
                if where is None
                else f", replaced point on the {where} worker "
                f"({'period 1' if where == 'fastest' else 'period d'})"
            )
            for d in ds:
                periods = deng_worker_delays(W, d, kind)
                per = -(-n // (W * b))  # iterations per epoch, as their code
                K = max_arrivals(periods, epochs * per)
                proto = DengDrawn(W, d, kind, batch_size=b, periods=periods, slots=K)
                tau_bar = mean_delay(periods)
                eta = 0.01 if rule.startswith("LR") else 0.1 / tau_bar
                out.append(
                    Setting(
                        key=f"{name}-{kind}-{tag}-d{d}"
                        + ("" if where is None else f"-on-{where}"),
                        group=f"{name}, {kind} delays, {rule}{place}",
                        curve=f"d={d} (tau_bar={tau_bar:.3g})",
                        tau=d,
                        model=model,
                        protocol=proto,
                        step_size=eta,
                        n_steps=epochs * per,
                        n_buffer=max(ds),
                        data=data,
                        n_samples=n,
                        eval_every=per,
                        step_rule=rule,
                        substitute=sub,
                        sampling=how,
                        replaced_on=on,
                    )
                )
    return out


def _question(quick: bool, sz: Sizes, sampling: str) -> list[Setting]:
    taus = (0, 16) if quick else (0, 4, 8, 16, 32)
    W, b = (4, 4) if quick else (8, 8)
    n = sz.n_samples
    per_c = -(-n // (W * b))  # Deng's iterations per epoch, all delays
    T_a, T_c = sz.epochs * n, sz.epochs * per_c
    B = max(taus) + 1
    out = []
    nets = {f: _nets(quick)[f] for f in ("mlp", "lenet")} | _certified()
    # the step-size grid (protocol (a)): longer runs at --quick, so that the
    # small steps train too; evaluated often, for the matched-progress comparison
    grid = STEP_GRID[0 if quick else 1]
    T_g = 4 * T_a if quick else T_a
    every_g = max(1, T_g // 32)
    for fam, (model, data) in nets.items():
        sub = {"mlp": _SUB_1D, "lenet": ""}.get(fam) or _cert_sub(fam, "the MLP")

        def add(
            group: str,
            tau: int,
            proto: WorkerProtocol,
            eta: float,
            T: int,
            every: int,
            rule: str,
            fam: str = fam,
            model: NetModel = model,
            data: str = data,
            sub: str = sub,
            curvature: bool = False,
        ) -> None:
            tag = "-".join(w for w in re.split(r"[^A-Za-z0-9.]+", group) if w)
            out.append(
                Setting(
                    key=f"{fam}-{tag}-tau{tau}",
                    group=f"{fam}: {group}",
                    curve=f"tau={tau}",
                    tau=tau,
                    model=model,
                    protocol=proto,
                    step_size=eta,
                    n_steps=T,
                    n_buffer=B,
                    data=data,
                    n_samples=n,
                    eval_every=every,
                    step_rule=rule,
                    substitute=sub,
                    sampling=sampling,
                    curvature=curvature,
                )
            )

        for tau in taus:
            d = tau + 1
            a = OneStale(ConstantDelay(tau))
            add("(a) (i) eta=0.1", tau, a, 0.1, T_a, n, "constant 0.1")
            rule_a = "0.1/tau_bar, tau_bar = tau + 1 (Deng et al.'s rule)"
            add("(a) (ii) eta=0.1/tau_bar", tau, a, 0.1 / d, T_a, n, rule_a)
            for eta in grid:
                rule_g = f"constant {eta:g} (step-size grid)"
                add(
                    f"(a) grid eta={eta:g}",
                    tau,
                    a,
                    eta,
                    T_g,
                    every_g,
                    rule_g,
                    curvature=True,
                )
            kinds: tuple[Literal["fixed", "random"], ...] = ("fixed", "random")
            for kind in kinds:
                periods = deng_worker_delays(W, d, kind)
                tau_bar = mean_delay(periods)
                rule_ii = "0.1/tau_bar, tau_bar = mean period (Deng et al.'s paper)"
                rules = (
                    ("(i) eta=0.01", 0.01, "constant 0.01 (Deng et al.'s run script)"),
                    ("(ii) eta=0.1/tau_bar", 0.1 / tau_bar, rule_ii),
                )
                K = max_arrivals(periods, T_c)
                pub = DengDrawn(W, d, kind, batch_size=b, periods=periods, slots=K)
                ctl_p = held_fixed(periods)
                ctl = DengDrawn(
                    len(ctl_p), d, kind, batch_size=b, periods=ctl_p, arrivals=W
                )
                for label, eta, rule in rules:
                    add(f"(c) {kind} {label}", tau, pub, eta, T_c, per_c, rule)
                    add(
                        f"(c) {kind} {label} (iii) {W} grads/update",
                        tau,
                        ctl,
                        eta,
                        T_c,
                        per_c,
                        rule,
                    )
    return out


_BUILD: dict[str, Callable[[bool, Sizes, str], list[Setting]]] = {
    "regatti2019": _regatti,
    "deng2024": _deng,
    "delay-question": _question,
}


def experiment_settings(
    name: str,
    *,
    quick: bool,
    sizes: Sizes | None = None,
    sampling: str | None = None,
) -> tuple[Sizes, list[Setting]]:
    """The sizes (default: quick or full) and all settings of experiment ``name``
    (every network family; :data:`DEFAULT_MODELS` says which run by default).

    ``sampling``: ``"uniform"`` or ``"shards"``; ``None``: the experiment's
    :data:`DEFAULT_SAMPLING`.
    """
    if name not in EXPERIMENTS:
        raise InvalidParameterError(f"experiment={name!r} must be one of {EXPERIMENTS}")
    sz = (QUICK if quick else FULL)[name] if sizes is None else sizes
    how = DEFAULT_SAMPLING[name] if sampling is None else check_sampling(sampling)
    return sz, _BUILD[name](quick, sz, how)
