"""The three reproductions as data: settings (protocol, model, step size, length).

- ``regatti2019``: Regatti et al. 2019 (arXiv:1909.13391), protocol (b): W workers
  at fixed delays up to D, averaged and clipped to norm 1, ``lr0 / (1 + 0.05
  epoch)``; grid D x lr0; an MLP and a small 1-D CNN on MNIST-1D (the paper:
  LeNet on MNIST, VGG on CIFAR-10; D in {1, 8, 16, 32, 64}, lr0 in {0.05, 0.1,
  0.2, 0.4}, 3 trials).
- ``deng2024``: Deng et al. 2024 and arXiv:2308.09430, protocol (c) with
  "random" delays, tau_bar (their period d) in {1, 4, 8, 16, 32}, ``eta =
  0.1 / d`` and a constant ``eta = 0.01``, the same number of iterations for
  every delay.
- ``delay-question``: one network, data and seeds; staleness tau_bar in
  {0, 4, 8, 16, 32}; protocol (a) (one single-sample gradient per update,
  constant delay tau_bar) and (c) (fixed period ``d = tau_bar + 1``, so the
  staleness is tau_bar); (i) equal eta, (ii) ``eta = 0.1 / d`` (Deng's rule in
  their delay ``d``), (iii) protocol (c) with ``W (tau_bar + 1)`` workers, so
  that exactly ``W`` gradients arrive at every update whatever the delay.

``--quick`` sizes run on 2 CPU cores in minutes; the full sizes are the papers'.
"""

from __future__ import annotations

from dataclasses import dataclass

from bounds._errors import InvalidParameterError
from empirical.schedules._protocols import Deng, OneStale, Regatti, WorkerProtocol
from empirical.simulators.nets._models import NetModel, cnn1d, mlp

__all__ = ["EXPERIMENTS", "Setting", "Sizes", "experiment_settings"]

EXPERIMENTS = ("regatti2019", "deng2024", "delay-question")


@dataclass(frozen=True)
class Sizes:
    """Run sizes: training-set size, pairs per seed, seeds, epochs, MNIST-1D size."""

    n_samples: int
    n_pairs: int
    n_seeds: int
    epochs: int
    n_points: int = 5000


QUICK = {
    "regatti2019": Sizes(
        n_samples=1000, n_pairs=4, n_seeds=2, epochs=10, n_points=2000
    ),
    "deng2024": Sizes(n_samples=1000, n_pairs=4, n_seeds=2, epochs=10, n_points=2000),
    "delay-question": Sizes(
        n_samples=500, n_pairs=6, n_seeds=2, epochs=4, n_points=2000
    ),
}
FULL = {
    "regatti2019": Sizes(n_samples=4000, n_pairs=16, n_seeds=3, epochs=30),
    "deng2024": Sizes(n_samples=4000, n_pairs=16, n_seeds=3, epochs=30),
    "delay-question": Sizes(n_samples=4000, n_pairs=32, n_seeds=3, epochs=10),
}


@dataclass(frozen=True, eq=False)
class Setting:
    """One configuration of an experiment (run once per seed).

    Attributes:
        key: unique, file-name safe.
        group: figure panel and table block (settings compared with each other).
        curve: legend label inside the group.
        tau: the delay parameter the group varies (for ordering and pairing).
        model: the network.
        protocol: the worker protocol.
        step_size: ``float`` or ``("regatti", lr0)`` (epoch decay).
        n_steps: number of updates.
        n_buffer: ring slots shared by the group (one compile per group).
    """

    key: str
    group: str
    curve: str
    tau: int
    model: NetModel
    protocol: WorkerProtocol
    step_size: float | tuple[str, float]
    n_steps: int
    n_buffer: int


def _models(quick: bool) -> dict[str, NetModel]:
    if quick:
        return {
            "mlp": mlp([40, 64, 10]),
            "cnn": cnn1d(40, 10, channels=8, kernel=5, stride=2, hidden=32),
        }
    return {
        "mlp": mlp([40, 128, 128, 10]),
        "cnn": cnn1d(40, 10, channels=32, kernel=5, stride=2, hidden=128),
    }


def _regatti(quick: bool, sz: Sizes) -> list[Setting]:
    Ds = (1, 8, 32) if quick else (1, 8, 16, 32, 64)
    lrs = (0.2,) if quick else (0.05, 0.1, 0.2, 0.4)
    W, b = (4, 8) if quick else (8, 16)
    out = []
    for name, model in _models(quick).items():
        for lr0 in lrs:
            for D in Ds:
                proto = Regatti(W, D, batch_size=b)
                T = sz.epochs * proto.updates_per_epoch(sz.n_samples)
                out.append(
                    Setting(
                        key=f"{name}-lr{lr0}-D{D}",
                        group=f"{name}, lr0={lr0}",
                        curve=f"D={D}",
                        tau=D,
                        model=model,
                        protocol=proto,
                        step_size=("regatti", lr0),
                        n_steps=T,
                        n_buffer=max(Ds) + 1,
                    )
                )
    return out


def _deng(quick: bool, sz: Sizes) -> list[Setting]:
    ds = (1, 4, 16) if quick else (1, 4, 8, 16, 32)
    W, b = (8, 8) if quick else (16, 16)
    models = {"mlp": _models(quick)["mlp"]} if quick else _models(quick)
    out = []
    for name, model in models.items():
        for rule in ("0.1/d", "0.01"):
            for d in ds:
                proto = Deng(W, d, "random", batch_size=b)
                eta = 0.1 / d if rule == "0.1/d" else 0.01
                out.append(
                    Setting(
                        key=f"{name}-eta{rule.replace('/', '_')}-d{d}",
                        group=f"{name}, eta={rule}",
                        curve=f"d={d}",
                        tau=d,
                        model=model,
                        protocol=proto,
                        step_size=eta,
                        n_steps=sz.epochs * proto.updates_per_epoch(sz.n_samples),
                        n_buffer=max(ds),
                    )
                )
    return out


def _question(quick: bool, sz: Sizes) -> list[Setting]:
    from empirical.schedules._delays import ConstantDelay

    taus = (0, 4, 16) if quick else (0, 4, 8, 16, 32)
    W, b = (4, 4) if quick else (8, 8)
    model = _models(quick)["mlp"]
    n = sz.n_samples
    T_a = sz.epochs * n
    T_c = sz.epochs * Deng(W, 1, batch_size=b).updates_per_epoch(n)
    B = max(taus) + 1
    out = []
    for tau in taus:
        d = tau + 1
        a = OneStale(ConstantDelay(tau))
        c = Deng(W, d, "fixed", batch_size=b)
        c_fixed = Deng(W * d, d, "fixed", batch_size=b)
        rows = [
            ("a, (i) eta=0.1", a, 0.1, T_a),
            ("a, (ii) eta=0.1/d", a, 0.1 / d, T_a),
            ("c, (i) eta=0.01", c, 0.01, T_c),
            ("c, (ii) eta=0.1/d", c, 0.1 / d, T_c),
            ("c, (iii) W grads/update, eta=0.01", c_fixed, 0.01, T_c),
        ]
        for group, proto, eta, T in rows:
            tag = group.split(")")[0].replace(", (", "-")
            out.append(
                Setting(
                    key=f"{tag}-tau{tau}",
                    group=group,
                    curve=f"tau_bar={tau}",
                    tau=tau,
                    model=model,
                    protocol=proto,
                    step_size=eta,
                    n_steps=T,
                    n_buffer=B,
                )
            )
    return out


def experiment_settings(
    name: str, *, quick: bool, sizes: Sizes | None = None
) -> tuple[Sizes, list[Setting]]:
    """The sizes (default: quick or full) and settings of experiment ``name``."""
    if name not in EXPERIMENTS:
        raise InvalidParameterError(f"experiment={name!r} must be one of {EXPERIMENTS}")
    sz = (QUICK if quick else FULL)[name] if sizes is None else sizes
    build = {"regatti2019": _regatti, "deng2024": _deng, "delay-question": _question}
    return sz, build[name](quick, sz)
