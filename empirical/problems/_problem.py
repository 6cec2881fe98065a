"""A problem: a data set, a loss and the constants ``L``, ``beta``, ``B`` it declares."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bounds import InvalidParameterError
from bounds.internal import check_choice, check_int, check_positive, checked

from ._data import DATASETS, Dataset, load_dataset
from ._losses import LOSSES, MLP, Loss, estimate_constants

__all__ = ["MIN_TEST_POINTS", "Problem", "check_problem", "make_problem"]

#: Every coupled pair keeps at least this many points for its test set.
MIN_TEST_POINTS = 50


@dataclass(frozen=True, eq=False)
class Problem:
    """A data set and a loss, with the constants the theorems need.

    Attributes:
        dataset: the scaled :class:`~empirical.problems._data.Dataset`.
        loss: the loss object (``Logistic``, ``Sigmoid``, ``Huber`` or ``MLP``).
        n_samples: training-set size ``n`` of every run.
        lipschitz: ``L``; exact for the linear losses, estimated for the MLP.
        smoothness: ``beta``; exact for the linear losses, estimated for the MLP.
        loss_bound: ``B`` with ``f in [0, B]``, or ``None`` when unbounded.
        convex: whether the loss is convex in the parameters.
        constants_estimated: ``True`` when ``L`` and ``beta`` are estimates.
        constants_method: ``"exact (docs/theory.md, losses with exact
            constants)"`` or how they were estimated.
        diameter: ``D`` of the projection ball ``||w|| <= D/2`` of projected
            SGD, or ``None`` (no projection).
        strong_convexity: ``gamma`` of a strongly convex loss, else ``None``.
    """

    dataset: Dataset
    loss: Loss
    n_samples: int
    lipschitz: float
    smoothness: float
    loss_bound: float | None
    convex: bool
    constants_estimated: bool
    constants_method: str
    diameter: float | None = None
    strong_convexity: float | None = None

    @property
    def dim(self) -> int:
        """Number of parameters ``p``."""
        return self.loss.dim(self.dataset.n_features, self.dataset.n_classes)


@checked
def make_problem(
    loss: str | Loss,
    dataset: str,
    *,
    n_samples: int,
    radius: float = 1.0,
    seed: int = 0,
    diameter: float | None = None,
) -> Problem:
    """Build a :class:`Problem` from a loss name and a data-set name.

    Args:
        loss: a key of :data:`~empirical.problems._losses.LOSSES` (``"logistic"``,
            ``"sigmoid"``, ``"huber"``, ``"logistic-l2"``, ``"least-squares"``,
            ``"mlp"``) or a loss instance such as ``Huber(threshold=2.0)``;
            ``"logistic-l2"`` and ``"least-squares"`` need a ``diameter``.
        dataset: a name in :data:`~empirical.problems._data.DATASETS`.
        n_samples: training-set size ``n >= 2``; the data set must hold
            ``n_samples + 1 + MIN_TEST_POINTS`` points (the training set, the
            replacement point of ``S'`` and a test set).
        radius: bound ``R`` on the feature norms.
        seed: seeds the synthetic data and the MLP constant estimation.
        diameter: run projected SGD onto the ball ``||w|| <= diameter / 2``
            (``None``: no projection).

    Raises:
        InvalidParameterError: unknown name, a loss that does not fit the task
            (logistic/sigmoid need a binary set, huber a regression set, mlp a
            multiclass set), or ``n_samples`` too large for the data.

    Examples:
        >>> p = make_problem("logistic", "breast_cancer", n_samples=200)
        >>> p.lipschitz, p.smoothness, p.convex
        (1.0, 0.25, True)
    """
    loss_obj, ds, n = check_problem(
        loss, dataset, n_samples=n_samples, radius=radius, seed=seed
    )
    r, s = float(radius), int(seed)
    dia = None if diameter is None else check_positive(diameter, "diameter")
    if isinstance(loss_obj, MLP):
        est = estimate_constants(loss_obj, ds, rng=np.random.default_rng(s))
        lip, smooth, method = est.lipschitz, est.smoothness, est.method
    else:
        ball = {
            "ball_radius": None if dia is None else dia / 2,
            "label_bound": float(np.abs(np.asarray(ds.y, np.float64)).max()),
        }
        lip = loss_obj.lipschitz(r, **ball)
        smooth = loss_obj.smoothness(r, **ball)
        method = "exact (docs/theory.md, losses with exact constants)"
    return Problem(
        dataset=ds,
        loss=loss_obj,
        n_samples=n,
        lipschitz=lip,
        smoothness=smooth,
        loss_bound=loss_obj.loss_bound,
        convex=loss_obj.convex,
        constants_estimated=loss_obj.constants_estimated,
        constants_method=method,
        diameter=dia,
        strong_convexity=getattr(loss_obj, "strong_convexity", None),
    )


def check_problem(
    loss: str | Loss,
    dataset: str,
    *,
    n_samples: int,
    radius: float = 1.0,
    seed: int = 0,
) -> tuple[Loss, Dataset, int]:
    """Validate the arguments of :func:`make_problem` without estimating constants.

    Cheap (the data set is loaded from its cache), so a command can refuse a bad
    combination before it starts anything expensive (Ray, a pool of workers).

    Returns:
        The loss object, the data set and ``n_samples`` as an int.

    Raises:
        InvalidParameterError: as :func:`make_problem`.
    """
    if isinstance(loss, str):
        loss_obj = LOSSES[check_choice(loss, "loss", tuple(LOSSES))]
    elif isinstance(loss, tuple(type(v) for v in LOSSES.values())):
        loss_obj = loss
    else:
        raise InvalidParameterError(
            f"loss={loss!r} must be one of {', '.join(map(repr, LOSSES))} or a loss"
        )
    check_choice(dataset, "dataset", DATASETS)
    r = check_positive(radius, "radius")
    s = check_int(seed, "seed", min_value=0)
    ds = load_dataset(dataset, radius=r, seed=s)
    if loss_obj.task != ds.task:
        raise InvalidParameterError(
            f"loss={loss_obj.name!r} needs a {loss_obj.task} data set, but "
            f"dataset={dataset!r} is {ds.task}"
        )
    n_max = ds.n_points - 1 - MIN_TEST_POINTS
    n = check_int(n_samples, "n_samples", min_value=2)
    if n > n_max:
        raise InvalidParameterError(
            f"n_samples={n_samples!r} must be <= {n_max}: dataset={dataset!r} has "
            f"{ds.n_points} points and each pair needs n_samples + 1 (the "
            f"replacement point) + {MIN_TEST_POINTS} (test set)"
        )
    return loss_obj, ds, n
