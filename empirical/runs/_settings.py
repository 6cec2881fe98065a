"""The nouns of a reproduction: run sizes and one setting (see ``_experiments``)."""

from __future__ import annotations

from dataclasses import dataclass

from empirical.schedules._protocols import WorkerProtocol
from empirical.simulators.nets._models import NetModel

__all__ = ["RegattiDecay", "Setting", "Sizes"]


@dataclass(frozen=True)
class RegattiDecay:
    """The epoch decay of Regatti et al.'s code: ``eta = lr0 / (1 + 0.05 epoch)``.

    A setting holds the rule; the schedule on steps needs the protocol's updates
    per epoch at the run's ``n``
    (:func:`~empirical.simulators.nets._simulate.regatti_step_size`).
    """

    lr0: float

    @property
    def label(self) -> str:
        """The rule in words, as ``summary.json`` gives it."""
        return f"{self.lr0}/(1+0.05 epoch)"


@dataclass(frozen=True)
class Sizes:
    """Run sizes: training-set size, pairs per seed, seeds, epochs, MNIST-1D size.

    ``n_samples`` is the size for the image data sets; the convex experiment's
    data set is smaller and uses its own (``_experiments.CONVEX_N``).
    """

    n_samples: int
    n_pairs: int
    n_seeds: int
    epochs: int
    n_points: int = 5000


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
        step_size: ``float`` or :class:`RegattiDecay` (epoch decay).
        n_steps: number of updates.
        n_buffer: ring slots shared by the group (one compile per group).
        data: the data set (:func:`~empirical.simulators.nets._datasets.load_net_data`).
        n_samples: training-set size ``n``.
        eval_every: updates between evaluations (the same for the whole group,
            so that every curve of a group is sampled at the same updates).
        step_rule: the step-size rule in words, with its source.
        substitute: empty, or why this model/data stands in for the paper's.
        sampling: ``"uniform"`` or ``"shards"`` (:mod:`empirical.schedules._sampling`).
        replaced_on: ``None`` (the replaced point lands where the shuffle puts
            it) or the worker whose shard holds it (``"shards"`` only).
        curvature: estimate the top Hessian eigenvalue of the training loss at
            every evaluation (power iteration on Hessian-vector products), for
            the curvature heuristic of the stability edge.
    """

    key: str
    group: str
    curve: str
    tau: int
    model: NetModel
    protocol: WorkerProtocol
    step_size: float | RegattiDecay
    n_steps: int
    n_buffer: int
    data: str = "mnist1d"
    n_samples: int = 0
    eval_every: int = 0
    step_rule: str = ""
    substitute: str = ""
    sampling: str = "uniform"
    replaced_on: int | None = None
    curvature: bool = False

    @property
    def family(self) -> str:
        """The network family: the model name's first word (``lenet``, ``mlp``, ...)."""
        return self.model.name.split("-")[0]
