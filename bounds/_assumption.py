"""The hypotheses a theorem needs; a problem (or a loss family) declares which hold."""

from __future__ import annotations

import enum

__all__ = ["Assumption"]


class Assumption(str, enum.Enum):
    """A hypothesis a theorem needs; a problem declares which it satisfies."""

    CONVEX = "convex loss"
    STRONGLY_CONVEX = "strongly convex loss"
    LIPSCHITZ = "L-Lipschitz loss"
    SMOOTH = "beta-smooth loss"
    BOUNDED_LOSS = "loss in [0, B]"
    NO_DELAY = "no delay (tau = 0)"
    BOUNDED_DELAY = "bounded delay tau_t <= tau"
    DATA_INDEPENDENT_DELAY = "delays independent of the data"
    CONSTANT_STEP = "constant step size"
    DECAYING_STEP = "non-increasing step size eta_t <= c/t"
    STEP_BELOW_C_OVER_T = "step size eta_t <= c/t at every step (monotone or not)"
    #: Required by some theorems (Hardt et al.'s strongly convex one); allowed by
    #: the part-3 theorems (``Theorem.allows``): a projection onto a closed convex
    #: set is 1-Lipschitz, and a 1-Lipschitz map after every step keeps their
    #: proofs (docs/theory.md, "Projection after every step").
    PROJECTED = "projected SGD onto a convex set"
    NONNEGATIVE_LOSS = "nonnegative loss f >= 0"
    BOUNDED_DOMAIN = "projected SGD onto a convex set of diameter r"
    NON_INCREASING_STEP = "non-increasing step sizes eta_k <= 1/(2 beta)"
    DELAY_BELOW_STEP = "delays tau_k <= k - 1 (any sequence, no bound)"
    NO_CLIPPING = "no clipping of the update"
    INDEPENDENT_MINIBATCHES = (
        "minibatch indices drawn afresh each step, independent of the past, the "
        "delays and the arrivals, each uniform on the n samples"
    )
