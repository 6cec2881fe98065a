"""The registry: every theorem of docs/theory.md ("The registry") as one :class:`Theorem`.

Each docstring-level statement lives in the instance (``Theorem.statement()``);
the proofs of the project's own results [D-cvx] and [D-ncvx] are in
``docs/theory.md``.
"""

from __future__ import annotations

import sympy as sp

from ._assumption import Assumption as A
from ._errors import InvalidParameterError
from ._literature import LITERATURE
from ._quantity import Quantity
from ._rate import RATES
from ._reference import REGATTI2019, THIS_PROJECT, hardt
from ._symbols import B, K, L, M, T, b_batch, beta, c, eta, gamma, n, tau
from ._theorem import Theorem

__all__ = ["REGISTRY", "THEOREMS", "get_theorem", "nonconvex_closed_form"]

_BASE = frozenset({A.LIPSCHITZ, A.SMOOTH})


def nonconvex_closed_form(
    q: sp.Expr,
    log_q: sp.Expr,
    *,
    scale: tuple[sp.Expr, sp.Expr] = (sp.Integer(1), sp.Integer(0)),
    burn: tuple[sp.Expr, sp.Expr] = (sp.Integer(1), sp.Integer(0)),
) -> tuple[sp.Expr, sp.Expr]:
    r"""Closed form of the nonconvex argument and its overflow-safe log.

    For any burn-in ``t0``: ``eps <= t0 B / n + L E[delta_T | delta_t0 = 0]`` with
    ``E[...] <= 2 L / (beta (tau+1) (n - 1)) (T / t0)^q``. Using ``1/n <= 1/(n-1)``
    and minimising over real ``t0`` (minimiser
    ``t0* = (2 c L^2 T^q / B)^{1/(q+1)}``) gives

    .. math:: \frac{1 + 1/q}{n - 1} B^{q/(q+1)} (2 c L^2)^{1/(q+1)} T^{q/(q+1)},

    which is Hardt et al. 2016, Theorem 3.12 at ``B = 1`` and ``q = beta c``.

    ``scale = (K, log K)`` and ``burn = (b M, log(b M))`` give the part-3 form
    [D-ncvx-W]: the same argument with ``c`` read as ``c K`` (growth and
    injection of a step of total weight ``K``) and the burn-in cost ``B/n`` per
    step read as ``B b M / n`` (``b M`` indices drawn per step).
    """
    k, log_k = scale
    bm, log_bm = burn
    expr = (
        (1 + 1 / q)
        / (n - 1)
        * (B * bm) ** (q / (q + 1))
        * (2 * c * k * L**2) ** (1 / (q + 1))
        * T ** (q / (q + 1))
    )
    # log written term by term so that no power is formed: finite for T = 1e300,
    # beta c = 1e-300 or c = 1e300 alike.
    log_expr = (
        sp.log(q + 1)
        - log_q
        - sp.log(n - 1)
        + q / (q + 1) * (sp.log(B) + log_bm)
        + (sp.log(2) + sp.log(c) + log_k + 2 * sp.log(L)) / (q + 1)
        + q / (q + 1) * sp.log(T)
    )
    return expr, log_expr


_q_sync = beta * c
_q_delay = beta * c * (tau + 1)
_ncvx_sync, _ncvx_sync_log = nonconvex_closed_form(_q_sync, sp.log(beta) + sp.log(c))
_ncvx_delay, _ncvx_delay_log = nonconvex_closed_form(
    _q_delay, sp.log(beta) + sp.log(c) + sp.log(tau + 1)
)
_ncvx_workers, _ncvx_workers_log = nonconvex_closed_form(
    beta * c * K,
    sp.log(beta) + sp.log(c) + sp.log(K),
    scale=(K, sp.log(K)),
    burn=(b_batch * M, sp.log(b_batch) + sp.log(M)),
)

#: Names that describe a protocol (``bounds.protocol_constants``).
_PROTOCOL = ("n_workers", "aggregation", "period")

HARDT_CVX = Theorem(
    key="hardt-cvx",
    registry_key="[H-cvx]",
    title="SGD on a convex, smooth, Lipschitz loss (no delay)",
    quantity=Quantity.UNIFORM_STABILITY,
    assumptions=_BASE | {A.CONVEX, A.NO_DELAY, A.CONSTANT_STEP},
    expr=2 * L**2 * eta * T / n,
    conditions=(sp.Le(eta, 2 / beta), sp.Eq(tau, 0)),
    reference=hardt("Theorem 3.8"),
    schedule="constant",
    recursion="convex",
    monotone={"n_steps": 1, "step_size": 1, "n_samples": -1, "lipschitz": 1},
    scaling="linear in eta T, inverse in n; general schedules: (2 L^2 / n) sum_t eta_t",
)

HARDT_SCVX = Theorem(
    key="hardt-scvx",
    registry_key="[H-scvx]",
    title="Projected SGD on a strongly convex, smooth loss (no delay)",
    quantity=Quantity.UNIFORM_STABILITY,
    assumptions=_BASE
    | {A.CONVEX, A.STRONGLY_CONVEX, A.NO_DELAY, A.CONSTANT_STEP, A.PROJECTED},
    expr=2 * L**2 / (gamma * n),
    conditions=(sp.Le(eta, 1 / beta), sp.Eq(tau, 0)),
    reference=hardt("Theorem 3.9"),
    schedule="constant",
    recursion="strongly_convex",
    monotone={"n_samples": -1, "lipschitz": 1, "strong_convexity": -1, "n_steps": 0},
    scaling="independent of T and eta, inverse in gamma n",
)

HARDT_NCVX = Theorem(
    key="hardt-ncvx",
    registry_key="[H-ncvx]",
    title="SGD on a bounded nonconvex smooth loss, eta_t <= c/t (no delay)",
    quantity=Quantity.UNIFORM_STABILITY,
    assumptions=_BASE | {A.BOUNDED_LOSS, A.NO_DELAY, A.DECAYING_STEP},
    expr=_ncvx_sync,
    conditions=(sp.Eq(tau, 0),),
    reference=hardt("Theorem 3.12"),
    schedule="decaying",
    recursion="nonconvex",
    monotone={"n_steps": 1, "n_samples": -1},
    scaling="T^(beta c / (beta c + 1)) / n",
    log_expr=_ncvx_sync_log,
)

REGATTI_NCVX = Theorem(
    key="regatti-ncvx",
    registry_key="[R-ncvx]",
    title="Delayed SGD, bounded delay tau, nonconvex (reconstructed form)",
    quantity=Quantity.UNIFORM_STABILITY,
    assumptions=_BASE
    | {A.BOUNDED_LOSS, A.BOUNDED_DELAY, A.DATA_INDEPENDENT_DELAY, A.DECAYING_STEP},
    expr=_ncvx_delay,
    conditions=(),
    reference=REGATTI2019,
    schedule="decaying",
    recursion="nonconvex_regatti",
    synchronous="hardt-ncvx",
    # Not monotone in max_delay everywhere: d/dq log(bound) has the sign of
    # log(B T / (2 c L^2)) - 1 - 1/q, negative for small T (e.g. T = 1).
    monotone={"n_steps": 1, "n_samples": -1},
    scaling=(
        "T^(q/(q+1)) / n with q = beta c (tau + 1): the delay multiplies the exponent; "
        "increasing in tau where log(B T / (2 c L^2)) >= 1 + 1/q"
    ),
    log_expr=_ncvx_delay_log,
)

DELAYED_CVX = Theorem(
    key="delayed-cvx",
    registry_key="[D-cvx]",
    title="Delayed SGD, convex smooth Lipschitz loss, delays tau_t <= tau",
    quantity=Quantity.UNIFORM_STABILITY,
    assumptions=_BASE
    | {A.CONVEX, A.BOUNDED_DELAY, A.DATA_INDEPENDENT_DELAY, A.CONSTANT_STEP},
    expr=2 * L**2 * eta * T / n + 2 * beta * L**2 * (1 - 1 / n) * eta**2 * tau * T,
    conditions=(sp.Le(eta, 2 / beta),),
    reference=THIS_PROJECT,
    schedule="constant",
    recursion="convex",
    synchronous="hardt-cvx",
    monotone={"n_steps": 1, "step_size": 1, "max_delay": 1, "lipschitz": 1},
    scaling="2 L^2 eta T / n plus a delay term 2 beta L^2 eta^2 tau T that does not vanish with n",
)

DELAYED_NCVX = Theorem(
    key="delayed-ncvx",
    registry_key="[D-ncvx]",
    title="Delayed SGD, nonconvex: Hardt's bound holds verbatim for any data-independent delays",
    quantity=Quantity.UNIFORM_STABILITY,
    assumptions=_BASE | {A.BOUNDED_LOSS, A.DATA_INDEPENDENT_DELAY, A.DECAYING_STEP},
    expr=_ncvx_sync,
    conditions=(),
    reference=THIS_PROJECT,
    schedule="decaying",
    recursion="nonconvex",
    synchronous="hardt-ncvx",
    monotone={"n_steps": 1, "n_samples": -1, "max_delay": 0},
    scaling="T^(beta c / (beta c + 1)) / n, independent of the delay",
    log_expr=_ncvx_sync_log,
)

DELAYED_NCVX_WORKERS = Theorem(
    key="delayed-ncvx-workers",
    registry_key="[D-ncvx-W]",
    title=(
        "Several workers, minibatches, averaged or summed arrivals, optional clip, "
        "idle steps: nonconvex, any data-independent delays"
    ),
    quantity=Quantity.UNIFORM_STABILITY,
    assumptions=_BASE
    | {
        A.BOUNDED_LOSS,
        A.DATA_INDEPENDENT_DELAY,
        A.STEP_BELOW_C_OVER_T,  # the proof uses eta_t <= c/t only, not monotonicity
        A.INDEPENDENT_MINIBATCHES,
    },
    expr=_ncvx_workers,
    conditions=(),
    reference=THIS_PROJECT,
    schedule="decaying",
    recursion="workers_nonconvex",
    one_worker="delayed-ncvx",
    monotone={"n_steps": 1, "n_samples": -1, "max_delay": 0},
    scaling=(
        "T^(q/(q+1)) / n with q = beta c K: averaging (K = 1) keeps the one-worker "
        "exponent; summing K arrivals multiplies it by K; the burn-in grows as "
        "(b M)^(q/(q+1))"
    ),
    log_expr=_ncvx_workers_log,
    options=(*_PROTOCOL, "clip"),
    allows=frozenset({A.PROJECTED}),  # with or without the clip
)

DELAYED_CVX_WORKERS = Theorem(
    key="delayed-cvx-workers",
    registry_key="[D-cvx-W]",
    title=(
        "Several workers, minibatches, averaged or summed arrivals, idle steps, "
        "no clip: convex, delays tau_t <= tau"
    ),
    quantity=Quantity.UNIFORM_STABILITY,
    assumptions=_BASE
    | {
        A.CONVEX,
        A.BOUNDED_DELAY,
        A.DATA_INDEPENDENT_DELAY,
        A.CONSTANT_STEP,
        A.NO_CLIPPING,
        A.INDEPENDENT_MINIBATCHES,
    },
    expr=2 * L**2 * eta * K * T / n
    + 2 * beta * L**2 * (1 - 1 / n) * eta**2 * K**2 * tau * T,
    conditions=(sp.Le(eta, 2 / (beta * K)),),
    reference=THIS_PROJECT,
    schedule="constant",
    recursion="workers_convex",
    one_worker="delayed-cvx",
    monotone={
        "n_steps": 1,
        "step_size": 1,
        "max_delay": 1,
        "lipschitz": 1,
    },
    scaling=(
        "2 L^2 eta K T / n plus 2 beta L^2 eta^2 K^2 tau T; independent of the "
        "batch size"
    ),
    options=(*_PROTOCOL, "batch_size"),
    allows=frozenset({A.PROJECTED}),  # the projected common-slot map: 1-expansive
)

#: Part 1: the uniform-stability bounds (what ``asyncstab verify`` checks), by key.
THEOREMS: dict[str, Theorem] = {
    t.key: t
    for t in (
        HARDT_CVX,
        HARDT_SCVX,
        HARDT_NCVX,
        REGATTI_NCVX,
        DELAYED_CVX,
        DELAYED_NCVX,
        DELAYED_CVX_WORKERS,
        DELAYED_NCVX_WORKERS,
    )
}

#: Every evaluable bound: part 1 plus part 2 (``LITERATURE``), by key.
REGISTRY: dict[str, Theorem] = {**THEOREMS, **LITERATURE}


def get_theorem(key: str) -> Theorem:
    """Look a theorem up by key (``"delayed-cvx"``) or registry key (``"[D-cvx]"``).

    Part 1 (``THEOREMS``) and part 2 (``LITERATURE``) are searched; a rate-only
    entry (``RATES``) is refused, with the reason.

    Raises:
        InvalidParameterError: unknown key; the message lists the known ones.
        RateOnlyError: a rate-only entry, which has no value.

    Examples:
        >>> get_theorem("[H-cvx]").key
        'hardt-cvx'
    """
    for t in REGISTRY.values():
        if key in (t.key, t.registry_key, t.registry_key.strip("[]")):
            return t
    for rate in RATES.values():
        if key in (rate.key, rate.registry_key, rate.registry_key.strip("[]")):
            rate.evaluate()
    raise InvalidParameterError(f"theorem={key!r} must be one of {', '.join(REGISTRY)}")
