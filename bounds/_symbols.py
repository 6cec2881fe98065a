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
t0            ``t0``                burn-in step of the nonconvex argument
============  ====================  =========================================
"""

from __future__ import annotations

import sympy as sp

__all__ = [
    "API_NAME",
    "SYMBOL",
    "B",
    "L",
    "T",
    "beta",
    "c",
    "eta",
    "gamma",
    "n",
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
}

#: sympy symbol -> API name.
API_NAME: dict[sp.Symbol, str] = {s: k for k, s in SYMBOL.items()}
