"""The only place that creates sympy symbols. Everything else imports these.

Name table (math <-> API), the vocabulary of the API, the CLI and the docs:

============  ====================  =========================================
math          API name              meaning
============  ====================  =========================================
n             ``n_samples``         training-set size
T             ``n_steps``           number of SGD updates (not epochs)
eta           ``step_size``         (constant) learning rate
c             ``c``                 constant of a decaying schedule eta_t = c/t
tau           ``max_delay``         bound on the staleness tau_t <= tau
L             ``lipschitz``         sup ||grad f(w; z)||
beta          ``smoothness``        gradient Lipschitz constant
gamma         ``strong_convexity``  strong-convexity modulus
B             ``loss_bound``        f(w; z) in [0, B]
r             ``diameter``          diameter of the projection set Omega
D_1           ``init_distance``     ||w_1 - w*|| (default: ``diameter``)
F^*           ``optimal_risk``      F(w*), population risk of a minimiser
F_S           ``train_loss``        expected training loss E[F_S(A(S))]
gamma_s       ``gamma_split``       free gamma of Lei & Ying 2020, Thm 2(b)
t0            ``t0``                burn-in step of the nonconvex argument
epsilon       (none)                value of a bounded quantity (conversions)
m             (none)                number of workers (rate-only entries)
W             ``n_workers``         workers of a multi-worker protocol (part 3)
b             ``batch_size``        minibatch size of one contribution
d             ``period``            a worker's period: it arrives every d steps
                                    (staleness d - 1; Deng et al.'s fixed delays)
K             ``step_weight``       max_t K_t, K_t = sum of the weights a_{t,m} of
                                    step t's contributions (1 when averaging)
M             ``arrivals``          max_t |M_t|, contributions in one update
C             ``clip``              clip threshold: C(v) = v min(1, C/||v||)
(none)        ``aggregation``       ``"mean"`` (averaged workers) or ``"sum"``
============  ====================  =========================================

``n_workers``, ``aggregation`` and ``period`` describe a protocol; the theorems of
part 3 read them as ``step_weight``, ``arrivals`` and ``max_delay``
(:func:`bounds.protocol_constants`).
"""

from __future__ import annotations

import sympy as sp

from ._names import NAMES

__all__ = [
    "API_NAME",
    "D1",
    "F_S",
    "SYMBOL",
    "B",
    "C_clip",
    "F_star",
    "K",
    "L",
    "M",
    "T",
    "W",
    "b_batch",
    "beta",
    "c",
    "d_period",
    "epsilon",
    "eta",
    "gamma",
    "gamma_s",
    "m",
    "n",
    "r",
    "t0",
    "tau",
]

n = sp.Symbol("n", positive=True, integer=True)
T = sp.Symbol("T", positive=True, integer=True)
eta = sp.Symbol("eta", positive=True)
c = sp.Symbol("c", positive=True)
tau = sp.Symbol("tau", nonnegative=True, integer=True)
L = sp.Symbol("L", positive=True)
beta = sp.Symbol("beta", positive=True)
gamma = sp.Symbol("gamma", positive=True)
B = sp.Symbol("B", positive=True)
t0 = sp.Symbol("t_0", positive=True)
r = sp.Symbol("r", positive=True)
D1 = sp.Symbol("D_1", nonnegative=True)
F_star = sp.Symbol("F^*", nonnegative=True)
F_S = sp.Symbol("F_S", nonnegative=True)
gamma_s = sp.Symbol("gamma_s", positive=True)
epsilon = sp.Symbol("epsilon", nonnegative=True)
m = sp.Symbol("m", positive=True, integer=True)
W = sp.Symbol("W", positive=True, integer=True)
b_batch = sp.Symbol("b", positive=True, integer=True)
d_period = sp.Symbol("d", positive=True, integer=True)
K = sp.Symbol("K", positive=True)
M = sp.Symbol("M", positive=True, integer=True)
C_clip = sp.Symbol("C", positive=True)

#: API name -> sympy symbol.
SYMBOL: dict[str, sp.Symbol] = {
    "n_samples": n,
    "n_steps": T,
    "step_size": eta,
    "c": c,
    "max_delay": tau,
    "lipschitz": L,
    "smoothness": beta,
    "strong_convexity": gamma,
    "loss_bound": B,
    "diameter": r,
    "init_distance": D1,
    "optimal_risk": F_star,
    "train_loss": F_S,
    "gamma_split": gamma_s,
    "n_workers": W,
    "batch_size": b_batch,
    "period": d_period,
    "step_weight": K,
    "arrivals": M,
    "clip": C_clip,
}

assert tuple(SYMBOL) == NAMES, "_names.py and _symbols.py must list the same names"

#: sympy symbol -> API name.
API_NAME: dict[sp.Symbol, str] = {s: k for k, s in SYMBOL.items()}
