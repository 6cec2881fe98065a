"""Which registry theorems apply to a run: the protocol's list, filtered by the model.

:func:`~empirical.schedules._protocols.applicable_theorems` answers for the
worker protocol alone. Every registry theorem also assumes properties of the loss
as a function of the parameters: the convex ones (Hardt et al. 2016, Thm 3.8 and
3.9; the delayed convex bound; Deng et al. 2024, Thm 1) need a convex, smooth,
Lipschitz loss (Deng's also a projection onto a ball, which these runs do not
do); the nonconvex ones (Hardt et al. 2016, Thm 3.12 and its delayed variants)
need a loss bounded in ``[0, B]``, Lipschitz and smooth. A ReLU network is not
smooth, and softmax cross-entropy is neither convex in the weights of a network
nor bounded, so none of them applies to the networks here; that is a verdict
with its reason, not a crash.
"""

from __future__ import annotations

from bounds import REGISTRY, Assumption
from empirical.schedules._protocols import WorkerProtocol, applicable_theorems
from empirical.simulators.nets._models import NetModel

__all__ = ["loss_properties", "theorems_for"]

_LINEAR = ("affine", "linear")


def loss_properties(model: NetModel) -> frozenset[str]:
    """Declared properties of ``model``'s loss in its parameters.

    ``convex``, ``smooth``, ``lipschitz`` (globally, features of bounded norm),
    ``bounded`` (values in a fixed ``[0, B]``); a model with certified constants
    (``model.constants``) declares them on its projection set, and
    ``projected``.

    Examples:
        >>> from empirical.simulators.nets._models import affine, mlp
        >>> sorted(loss_properties(affine(3, 2)))
        ['convex', 'smooth']
        >>> sorted(loss_properties(mlp([4, 3])))
        []
    """
    if model.constants is not None:  # proved on the set it projects onto
        return model.constants.properties
    family = model.name.split("-")[0]
    if family in _LINEAR:
        if model.loss == "squared":  # gradient grows with |w|: not Lipschitz
            return frozenset({"convex", "smooth"})
        # logistic, or softmax cross-entropy of a linear map
        return frozenset({"convex", "smooth", "lipschitz"})
    return frozenset()  # ReLU networks: not smooth; cross-entropy: unbounded


def _needs(key: str) -> tuple[frozenset[str], str]:
    theorem = REGISTRY[key]
    if Assumption.CONVEX not in theorem.assumptions:
        return frozenset(
            {"bounded", "lipschitz", "smooth"}
        ), "a bounded, Lipschitz, smooth loss"
    if theorem.recursion == "deng":
        return frozenset({"convex", "smooth", "projected"}), (
            "a convex smooth loss and projected steps"
        )
    return frozenset({"convex", "lipschitz", "smooth"}), (
        "a convex, Lipschitz, smooth loss"
    )


def theorems_for(
    protocol: WorkerProtocol,
    model: NetModel,
    *,
    properties: frozenset[str] | None = None,
) -> tuple[tuple[str, ...], str]:
    """Registry keys that apply to ``protocol`` AND ``model``, with the reason.

    ``properties``: the loss's properties (as :func:`loss_properties` names
    them) where the caller knows them otherwise, a user's stated constants;
    ``None``: :func:`loss_properties` of ``model``.

    Examples:
        >>> from empirical.schedules._delays import ConstantDelay
        >>> from empirical.schedules._protocols import OneStale
        >>> from empirical.simulators.nets._models import mlp
        >>> theorems_for(OneStale(ConstantDelay(2)), mlp([4, 3]))[0]
        ()
    """
    keys, why = applicable_theorems(protocol, projected=model.project is not None)
    if not keys:
        return (), why
    have = loss_properties(model) if properties is None else properties
    kept: list[tuple[str, str]] = []
    dropped: list[tuple[str, str]] = []
    for k in keys:
        need, words = _needs(k)
        (kept if need <= have else dropped).append((k, words))
    reason = why
    if dropped:
        missing = sorted({w for _, w in dropped})
        reason = (
            f"protocol ({protocol.label}) allows {', '.join(keys)}; model "
            f"{model.name} with loss {model.loss} lacks what "
            f"{', '.join(k for k, _ in dropped)} assume ({'; '.join(missing)})"
        )
    return tuple(k for k, _ in kept), reason
