"""Your model, your data: coupled delayed SGD on a user's JAX model and arrays.

:func:`run_your_model` turns a user's ``(init, apply)`` (or equinox module),
arrays ``(X, y)`` and loss into the backend's inputs
(:mod:`empirical.simulators.nets._user`), runs the one simulator of the
built-in networks (:func:`~empirical.simulators.nets._simulate.simulate_net_pairs`)
under any worker protocol, and measures what the built-in runs measure
(:mod:`empirical.runs._reproduce`), per coupled pair ``(S, S')`` (``S'`` is ``S``
with one point replaced) at the last step ``T``, pooled into means with 95%
intervals over the pairs:

- the generalization gap ``F_test(w_T) - F_S(w_T)`` (loss and 0-1 error) and
  the test error;
- on-average model stability, squared, ``E ||w_T - w'_T||^2`` (Lei & Ying 2020,
  arXiv:2006.08157v1);
- the uniform-stability probe ``E max_z |f(w_T; z) - f(w'_T; z)|`` (Hardt,
  Recht & Singer 2016, arXiv:1509.01240v2, Definition 2.1, read on the points
  at hand), in float64;
- the staleness of the gradients used, in parameter versions.

With constants (``ModelConstants``: ``L``, ``beta``, ``B``, convexity and
optionally a projection radius), the registry's bounds that apply to the
protocol and the stated properties sit beside the probe, computed by the same
code as for the certified built-in models
(:func:`~empirical.runs._bound_run.bound_record`,
:func:`~empirical.runs._bound_rows.bound_row`); bounds from estimated
constants (:func:`~empirical.simulators.nets._user_constants.estimate_model_constants`)
are labelled as such. Without them, the result names the missing constants.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from bounds import InvalidParameterError
from bounds.internal import check_choice, check_int, checked
from empirical.measurement._estimate import Estimate
from empirical.schedules._protocols import WorkerProtocol
from empirical.simulators.nets._user_constants import ModelConstants

from ._intervals import bounded_estimate
from ._reproduce_summary import RANGES
from ._your_result import YourModelRun

__all__ = ["run_your_model"]

#: Each measured quantity -> the per-pair quantity of the built-in summary whose
#: range it shares (:data:`~empirical.runs._reproduce_summary.RANGES`): pooled
#: the same way, a t interval for signed quantities and a BCa bootstrap for the
#: nonnegative, skewed ones (the probe as :mod:`empirical.runs._bound_rows`
#: pools it, in ``[0, inf)``).
_RANGE_OF = {
    "gap_loss": "pair_gap_loss",
    "gap_error": "pair_gap_error",
    "test_error": "pair_test_error",
    "train_error": "pair_test_error",
    "stability_avg2": "pair_delta2",
    "uniform_probe": "pair_delta2",
}


def _pooled(name: str, values: Any) -> Estimate | None:
    lo, hi = RANGES[_RANGE_OF[name]]
    method: Literal["t", "bca"] = "t" if lo is None or lo < 0 else "bca"
    x = np.asarray(values, dtype=np.float64)
    e = bounded_estimate(x[np.isfinite(x)].tolist(), lo, hi, method)
    return None if e is None else Estimate.from_dict(e)


@checked
def run_your_model(
    model: Any,
    X: Any,
    y: Any,
    *,
    loss: Any,
    protocol: WorkerProtocol,
    n_samples: int,
    n_pairs: int,
    n_steps: int,
    step_size: Any,
    seed: int = 0,
    X_test: Any = None,
    y_test: Any = None,
    constants: ModelConstants | None = None,
    eval_every: int | None = None,
    dtype: str = "float32",
    name: str = "model",
) -> YourModelRun:
    """Coupled delayed SGD on your model and data, measured, with bounds when possible.

    Args:
        model: ``(init, apply)``: ``init(key) -> params`` (a pytree of float
            arrays; ``key`` a ``jax.random`` key, one per pair) and
            ``apply(params, x) -> outputs`` for ONE sample ``x`` of shape
            ``(d,)``; or an equinox module (its arrays are every pair's start).
        X: ``(N, d)`` real features (numpy).
        y: ``(N,)`` labels: ``0..K-1`` (``"cross_entropy"``, ``"squared"``),
            ``-1/+1`` (``"logistic"``), real numbers (a callable loss).
        loss: ``"cross_entropy"``, ``"squared"``, ``"logistic"``, or a callable
            ``loss(outputs, labels) -> (m,)`` per-example losses on a batch.
        protocol: the worker protocol, (a) :class:`~empirical.OneStale`, (b)
            :class:`~empirical.Regatti` / :class:`~empirical.RegattiDrawn`
            (Regatti et al. 2019) or (c) :class:`~empirical.Deng` /
            :class:`~empirical.DengDrawn` (Deng et al. 2024).
        n_samples: ``n``, the training-set size of each run.
        n_pairs: ``P >= 2`` coupled pairs (the intervals are over them).
        n_steps: ``T`` updates.
        step_size: a float, a ``(T,)`` array or a callable on 1-based steps.
        seed: everything is reproducible from it; the same seed and arguments
            give the same numbers as the built-in run of the same model.
        X_test, y_test: an official test set for every pair, or ``None`` (each
            pair tests on the points of ``X`` it does not train on).
        constants: :class:`~empirical.ModelConstants` given or estimated, or
            ``None``; with a ``radius``, every iterate is projected onto that
            ball of all parameters.
        eval_every: updates between evaluations (default once per epoch; only
            the last evaluation is measured here, the rest is in ``stats``).
        dtype: ``"float32"`` (default) or ``"float64"``.
        name: a label (the model is called ``user-<name>``).

    Returns:
        :class:`~empirical.YourModelRun`: ``summary()``, ``to_dict()``.

    Raises:
        InvalidParameterError: a bad argument, named with its value and the
            rule (a wrong shape, dtype or label; a model whose outputs do not
            fit the loss; a loss that is not finite).
        DivergenceError: the parameters became non-finite.

    Examples:
        >>> import numpy as np, jax.numpy as jnp
        >>> from empirical import OneStale, ConstantDelay
        >>> rng = np.random.default_rng(0)
        >>> X = rng.normal(size=(60, 3)); y = (X[:, 0] > 0).astype(int)
        >>> def init(key):
        ...     return {"W": jnp.zeros((2, 3))}
        >>> def apply(p, x):
        ...     return p["W"] @ x
        >>> r = run_your_model((init, apply), X, y, loss="cross_entropy",
        ...     protocol=OneStale(ConstantDelay(2)), n_samples=30, n_pairs=4,
        ...     n_steps=20, step_size=0.1)
        >>> r.missing
        ('lipschitz', 'smoothness', 'loss_bound', 'convex')
    """
    from empirical.simulators.nets._simulate import (
        _step_sizes,
        simulate_net_pairs,
    )
    from empirical.simulators.nets._user import check_model, user_data, user_model

    from ._bound_rows import bound_row
    from ._bound_run import bound_record, run_probe

    if not isinstance(protocol, WorkerProtocol):
        raise InvalidParameterError(f"protocol={protocol!r} must be a WorkerProtocol")
    n = check_int(n_samples, "n_samples", min_value=1)
    P = check_int(n_pairs, "n_pairs", min_value=2)
    T = check_int(n_steps, "n_steps", min_value=1)
    seed = check_int(seed, "seed", min_value=0)
    if eval_every is not None:
        check_int(eval_every, "eval_every", min_value=1)
    check_choice(dtype, "dtype", ("float32", "float64"))
    eta = _step_sizes(step_size, T)
    data = user_data(X, y, loss, X_test=X_test, y_test=y_test, name="X")
    radius = None if constants is None else constants.radius
    net = user_model(model, loss, radius=radius, name=name)
    check_model(net, data, model, dtype)

    with np.errstate(all="ignore"):
        st = simulate_net_pairs(
            net,
            data,
            protocol,
            n_samples=n,
            n_pairs=P,
            n_steps=T,
            step_size=step_size,
            seed=seed,
            eval_every=eval_every,
            dtype=dtype,
        )

    def pair_mean(a: Any) -> Any:  # (R,) -> (P,): the runs on S and S' averaged
        return (a[:P] + a[P:]) / 2

    missing = ModelConstants().missing if constants is None else constants.missing
    bounds_out: dict[str, Any] | None = None
    theorems: tuple[str, ...] = ()
    gap_l = pair_mean(st.test_loss[-1] - st.train_loss[-1])
    gap = _pooled("gap_loss", gap_l)
    if constants is not None and not missing:
        rec = bound_record(
            net,
            protocol,
            constants,
            st,
            data,
            n=n,
            seed=seed,
            step_sizes=eta,
            eval_every=eval_every,
            sampling=st.sampling,
            properties=constants.properties,
        )
        probe = np.asarray(rec["pair_probe_diff"], dtype=np.float64)
        theorems, why = tuple(rec["theorems"]), rec["theorems_why"]
        row = bound_row(
            [{"bounds": rec, "diverged": [False] * P}],
            None if gap is None else gap.to_dict(),
        )
        bounds_out = {"constants_source": constants.source, **row}
    else:
        from ._applicability import theorems_for

        probe = run_probe(net, data, protocol, st, n=n, seed=seed)
        why = theorems_for(protocol, net)[1]
    return YourModelRun(
        model=net.name,
        protocol=protocol.label,
        protocol_repr=repr(protocol),
        n_samples=n,
        n_pairs=P,
        n_steps=T,
        seed=seed,
        dtype=dtype,
        gap_loss=gap,
        gap_error=_pooled(
            "gap_error", pair_mean(st.test_error[-1] - st.train_error[-1])
        ),
        test_error=_pooled("test_error", pair_mean(st.test_error[-1])),
        train_error=_pooled("train_error", pair_mean(st.train_error[-1])),
        stability_avg2=_pooled("stability_avg2", st.delta[-1] ** 2),
        uniform_probe=_pooled("uniform_probe", probe),
        staleness_mean=float(st.staleness_mean),
        staleness_max=int(st.staleness_max),
        applied=float(st.applied[-1]),
        constants=constants,
        missing=missing,
        theorems=theorems,
        theorems_why=why,
        bounds=bounds_out,
        stats=st,
    )
