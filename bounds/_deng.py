r"""Level 2 of the [DSL-*] bounds: the sums of Deng et al. 2024 on actual sequences.

The proofs of Deng et al. (NeurIPS 2024, Theorems 1 and 3) end in sums over the
realised step sizes ``eta_l`` and delays ``tau_l`` (read as ``min(tau_l, l - 1)``):

* ``S1 = sum eta_l``, ``S2 = sum eta_l^2``,
  ``D_k = sum_{l<=k} eta_l sum_{j=1}^{tau_l} eta_{l-j}``, ``W = sum_k eta_k D_k``;
* [DSL-cvx]: ``16 beta e (1 + K/n)/n [eta_1 D_1^2 + (4 beta r^2 + 2 F*) S2]
  + 2 beta^2 r^2 e D_K``, or its data-dependent form (eq. B.4):
  ``8 beta e (1 + K/n)/n sum_l eta_l^2 E[F_S(w_{l - tau_l})] + 2 beta^2 r^2 e D_K``,
  which at ``tau = 0`` is Lei & Ying 2020, Theorem 3 with ``p = n/K``;
* [DSL-gen]: [DSL-cvx] through :data:`bounds._conversion.LEI_YING_GAP`;
* [DSL-excess]: Theorem 3 with these sums (see :mod:`bounds._literature`).

Their proofs take expectations over the sample index at every step (the
``(1 + p)`` Young split of Lei & Ying), so no bound along one realised run
follows from them: these theorems have no pathwise level (level 3).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ._conditions import step_size_limit
from ._conversion import LEI_YING_GAP
from ._errors import InvalidParameterError, StepSizeConditionError
from ._parameters import Value, validate_parameter
from ._quantity import Quantity
from ._recursion import _arrays, _check_step_limit, _stale_sum
from ._theorem_like import TheoremLike
from ._typecheck import checked
from ._validation import check_array

__all__ = ["deng_recursion_bound"]


def _param(name: str, value: Any, key: str) -> float:
    if value is None:
        raise InvalidParameterError(f"{name}=None must be given: {key} uses it")
    return float(validate_parameter(name, value))


@checked
def deng_recursion_bound(
    theorem: TheoremLike,
    *,
    step_sizes: ArrayLike,
    delays: ArrayLike | None = None,
    n_samples: int,
    smoothness: float,
    diameter: float,
    init_distance: float | None = None,
    optimal_risk: float | None = None,
    lipschitz: float | None = None,
    train_loss: float | None = None,
    train_losses: ArrayLike | None = None,
    gamma_split: float | None = None,
    loss_bound: float | None = None,
    strong_convexity: float | None = None,
) -> Value:
    r"""Level 2 of [DSL-cvx], [DSL-gen] and [DSL-excess] on actual sequences.

    Args:
        theorem: ``deng-cvx``, ``deng-gen`` or ``deng-excess``.
        step_sizes: non-increasing ``eta_t`` of shape ``(..., K)``, ``<= 1/(2 beta)``.
        delays: ``tau_t``, same shape (zeros when omitted).
        n_samples, smoothness, diameter: ``n``, ``beta``, ``r``.
        init_distance: ``||w_1 - w*||`` (default ``diameter``).
        optimal_risk: ``F(w*)``; not needed by the B.4 form.
        lipschitz: ``L`` ([DSL-excess] only).
        train_loss: upper estimate of ``E[F_S(A(S))]`` ([DSL-gen] only).
        train_losses: ``E[F_S(w_t)]`` for ``t = 1..K`` (or upper estimates),
            shape ``(..., K)``: selects the data-dependent form B.4 of [DSL-cvx]
            (also inside [DSL-gen]).
        gamma_split: the free gamma ([DSL-gen], [DSL-excess]); default optimal.
        loss_bound, strong_convexity: constants of the other recursions, accepted
            (so that one call serves every theorem) and unused. Any other name is
            refused.

    Returns:
        the bound on the theorem's quantity, shape ``step_sizes.shape[:-1]``.

    Raises:
        InvalidParameterError: a missing or bad argument.
        StepSizeConditionError: ``eta_t > 1/(2 beta)``, an increasing schedule or
            ``init_distance > diameter``.

    Examples:
        >>> import numpy as np
        >>> from bounds import get_theorem
        >>> cvx = get_theorem("deng-cvx")
        >>> kw = dict(n_samples=100, smoothness=1.0, diameter=1.0, optimal_risk=0.0)
        >>> rec = deng_recursion_bound(cvx, step_sizes=np.full(10, 0.1), **kw)
        >>> bool(np.isclose(rec, cvx.evaluate(n_steps=10, step_size=0.1, **kw)))
        True
    """
    key = f"{theorem.reference.short} {theorem.registry_key}"
    if theorem.recursion != "deng":
        raise InvalidParameterError(f"theorem={theorem.key!r} is not a [DSL-*] bound")
    del loss_bound, strong_convexity  # the [DSL-*] bounds do not use them
    n = float(validate_parameter("n_samples", n_samples))
    beta = float(validate_parameter("smoothness", smoothness))
    r = float(validate_parameter("diameter", diameter))
    d1 = r if init_distance is None else _param("init_distance", init_distance, key)
    if d1 > r:
        raise StepSizeConditionError(
            f"init_distance={init_distance!r} violates D_1 <= r (= {r:.6g}) "
            f"required by {key}"
        )
    eta, tau = _arrays(theorem, step_sizes, delays)
    _check_step_limit(theorem, eta, step_size_limit(theorem, smoothness=beta))
    if (np.diff(eta, axis=-1) > 0).any():
        raise StepSizeConditionError(
            f"step_sizes must be non-increasing, as required by {key}"
        )
    K = eta.shape[-1]
    growth = (1 + K / n) / n
    stale = eta * _stale_sum(eta, tau)  # eta_l sum_{j=1}^{tau_l} eta_{l-j}
    D = np.cumsum(stale, -1)  # D_k, k = 1..K
    S1, S2, eta1 = eta.sum(-1), (eta**2).sum(-1), eta[..., 0]
    e = math.e
    # One recursion, three statements: the quantity a [DSL-*] theorem bounds says
    # which of Deng et al.'s sums it is (Theorem 1 and its gap form, Theorem 3).
    if theorem.quantity in (
        Quantity.ON_AVERAGE_MODEL_STABILITY,
        Quantity.GENERALIZATION_GAP,
    ):
        if train_losses is not None:
            fs = check_array(train_losses, "train_losses")
            if fs.shape[-1] != K or (fs < 0).any():
                raise InvalidParameterError(
                    f"train_losses of shape {fs.shape} must be >= 0 with last axis "
                    f"n_steps={K}"
                )
            fs = np.broadcast_to(fs, eta.shape)
            read = np.arange(K) - tau  # 0-based index of w_{l - tau_l}
            at = np.take_along_axis(fs, read, -1)
            first = 8 * beta * e * growth * (eta**2 * at).sum(-1)
        else:
            fstar = _param("optimal_risk", optimal_risk, key)
            first = (
                16
                * beta
                * e
                * growth
                * (eta1 * d1**2 + (4 * beta * r**2 + 2 * fstar) * S2)
            )
        out = first + 2 * beta**2 * r**2 * e * D[..., -1]
        if theorem.quantity is Quantity.GENERALIZATION_GAP:
            out = LEI_YING_GAP.convert(
                out,
                smoothness=beta,
                train_loss=_param("train_loss", train_loss, key),
                gamma_split=gamma_split,
            )
    elif theorem.quantity is Quantity.EXCESS_RISK:
        fstar = _param("optimal_risk", optimal_risk, key)
        L = _param("lipschitz", lipschitz, key)
        W = (eta * D).sum(-1)
        X = (
            (0.5 + 2 * beta * eta1) * d1**2
            + 4 * beta * fstar * S2
            + 8 * beta**2 * r**2 * S2
            + beta * L * r * D[..., -1]
        )
        Y = eta1 * d1**2 + 2 * fstar * S2 + 4 * beta * r**2 * S2
        A = 8 * beta * e * growth * Y + beta**2 * r**2 * e * W / S1
        C = beta * (X / S1 + fstar)
        base = X / S1 + 8 * beta**2 * e * growth * Y + beta**3 * r**2 * e * W / S1
        if gamma_split is None:
            out = base + 2 * np.sqrt(A * C)
        else:
            g = float(validate_parameter("gamma_split", gamma_split))
            out = base + g * A + C / g
    else:
        raise InvalidParameterError(f"theorem={theorem.key!r} is not a [DSL-*] bound")
    return float(out) if np.ndim(out) == 0 else np.asarray(out, dtype=np.float64)


def no_pathwise_level(theorem: TheoremLike) -> InvalidParameterError:
    """The error raised when a pathwise bound of a [DSL-*] theorem is asked for."""
    return InvalidParameterError(
        f"theorem={theorem.key!r} has no pathwise level: the proof of "
        f"{theorem.reference.short} {theorem.registry_key} bounds an expectation over "
        "the sample index at every step, not one realised run"
    )
