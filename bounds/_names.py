"""The API names of the name table, with what each means and in which units.

The same names as ``_symbols.py`` (which adds their sympy symbols and asserts
that both list the same names, in the same order), without sympy: the
command-line help of every calculator option is written from :data:`HELP`, and
the parser is built without loading sympy.
"""

from __future__ import annotations

__all__ = ["HELP", "NAMES"]

#: API name -> CLI help: the meaning, then the units and the range.
HELP: dict[str, str] = {
    "n_samples": "training-set size n (a count of samples, >= 2)",
    "n_steps": "number of SGD updates T (a count of updates, not epochs; >= 1)",
    "step_size": "constant step size eta (the learning rate: a parameter moves "
    "eta times a gradient per update; > 0)",
    "c": "constant of the decaying schedule eta_t = c/t (the step size at update "
    "1; > 0)",
    "max_delay": "largest staleness tau, tau_t <= tau (in updates between read "
    "and write; >= 0, default 0)",
    "lipschitz": "L = sup ||grad f(w; z)||, the loss's Lipschitz constant (loss "
    "units per parameter unit; > 0)",
    "smoothness": "beta, the gradient's Lipschitz constant (loss units per "
    "parameter unit squared; > 0)",
    "strong_convexity": "gamma, the strong-convexity modulus (same units as "
    "beta; 0 < gamma <= beta)",
    "loss_bound": "B: the loss lies in [0, B] (loss units; > 0; default 1 where "
    "a theorem assumes a bounded loss)",
    "diameter": "r, diameter of the projection set Omega (parameter units; > 0)",
    "init_distance": "D_1 = ||w_1 - w*||, distance of the starting point to a "
    "population minimiser (parameter units; >= 0; default: --diameter)",
    "optimal_risk": "F(w*), population risk at a minimiser (loss units; >= 0; "
    "default: --loss-bound where the loss is bounded)",
    "train_loss": "E[F_S(A(S))], an upper estimate of the expected training loss "
    "of the output (loss units; >= 0)",
    "gamma_split": "the free gamma > 0 of Lei & Ying 2020, Thm 2(b) "
    "(dimensionless; default: the gamma that minimises the bound)",
    "n_workers": "W, workers of a multi-worker protocol (a count, >= 1; part-3 "
    "theorems, with --aggregation)",
    "batch_size": "b, samples in one contribution's minibatch (a count, >= 1 and "
    "<= n_samples; default 1)",
    "period": "d: each worker arrives every d updates, staleness d - 1 (in "
    "updates, >= 1; Deng et al.'s fixed delays, with --aggregation sum)",
    "step_weight": "K = max_t of the summed weights of one update's "
    "contributions (dimensionless, > 0; 1 when averaging; default 1)",
    "arrivals": "M = max_t of the contributions in one update (a count, >= 1; "
    "default 1)",
    "clip": "C: an update's combined gradient is clipped to norm <= C "
    "(gradient-norm units, loss units per parameter unit; > 0; default: no clip)",
}

#: The API names, in name-table order.
NAMES: tuple[str, ...] = tuple(HELP)
