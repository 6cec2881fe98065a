"""The result of a user's run: measurements with 95% intervals, bounds beside them.

Built by :func:`~empirical.runs._your_model.run_your_model`; plain data, with a
readable :meth:`YourModelRun.summary` and a JSON-ready :meth:`YourModelRun.to_dict`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from empirical.measurement._estimate import Estimate
from empirical.simulators.nets._user_constants import CONSTANT_NAMES, ModelConstants

__all__ = ["YourModelRun", "missing_message"]


def missing_message(missing: tuple[str, ...]) -> str:
    """What a run without (all) constants says instead of a bound.

    Examples:
        >>> print(missing_message(("lipschitz", "convex")))  # doctest: +ELLIPSIS
        no bound beside the measurements: missing lipschitz (L), convex (convexity); ...
    """
    names = ", ".join(f"{k} ({CONSTANT_NAMES[k]})" for k in missing)
    return (
        f"no bound beside the measurements: missing {names}; give them as "
        "constants=ModelConstants(lipschitz=..., smoothness=..., loss_bound=..., "
        "convex=...), or estimate them with estimate_model_constants(model, X, y, "
        "loss) (an estimate, not a certificate)"
    )


def _est(e: Estimate | None) -> str:
    return "not estimable (fewer than 2 pairs)" if e is None else str(e)


def _num(v: Any) -> str:
    return "-" if v is None else f"{v:.3g}"


def _verdict(check: dict[str, Any]) -> str:
    """A bound's verdict, flagged vacuous when it is at least the loss range ``B``."""
    return check["verdict"] + (", vacuous: >= B" if check.get("vacuous") else "")


@dataclass(frozen=True, eq=False)
class YourModelRun:
    """Coupled delayed SGD on a user's model and data: what was measured.

    Each measurement is a mean over ``n_pairs`` independent coupled pairs with a
    95% interval (:class:`~empirical.measurement._estimate.Estimate`), at the
    last step ``T``; runs on ``S`` and on ``S'`` (one point replaced) are
    averaged within a pair.

    Attributes:
        model, protocol: the model's name and the protocol's label and repr.
        n_samples, n_pairs, n_steps, seed, dtype: the run's sizes.
        gap_loss: generalization gap, test loss minus training loss.
        gap_error: the same for the 0-1 error.
        test_error, train_error: 0-1 errors.
        stability_avg2: on-average model stability ``E ||w_T - w'_T||^2``
            (Lei & Ying 2020, arXiv:2006.08157v1: their l2 on-average model
            stability, squared, estimated by one replaced point per pair).
        uniform_probe: ``E max_z |f(w_T; z) - f(w'_T; z)|`` over each pair's
            training sets, replacement point and test set: the quantity the
            uniform-stability bounds bound (Hardt, Recht & Singer 2016,
            arXiv:1509.01240v2, Definition 2.1), read on the points at hand.
        staleness_mean, staleness_max: staleness of the gradients used, in
            parameter versions (updates between a gradient's read and its use).
        applied: updates applied (steps with at least one arrival).
        constants: the constants given or estimated, or ``None``.
        missing: names of the constants a bound needs and that were not given.
        theorems: registry keys that apply (protocol and constants), and
            ``theorems_why`` the reason.
        bounds: ``None``, or the registry's bounds beside the measurement: per
            theorem the closed form and the recursion on the realised schedule,
            each with its ratio to the measured ``uniform_probe`` and its
            one-sided verdict; ``bounds["constants_source"]`` is ``"given"`` or
            ``"estimate"``.
        stats: the simulator's raw
            :class:`~empirical.simulators.nets._simulate.NetRunStats`.
    """

    model: str
    protocol: str
    protocol_repr: str
    n_samples: int
    n_pairs: int
    n_steps: int
    seed: int
    dtype: str
    gap_loss: Estimate | None
    gap_error: Estimate | None
    test_error: Estimate | None
    train_error: Estimate | None
    stability_avg2: Estimate | None
    uniform_probe: Estimate | None
    staleness_mean: float
    staleness_max: int
    applied: float
    constants: ModelConstants | None
    missing: tuple[str, ...]
    theorems: tuple[str, ...]
    theorems_why: str
    bounds: dict[str, Any] | None
    stats: Any

    @property
    def from_estimate(self) -> bool:
        """Whether the bounds shown rest on estimated constants (not a certificate)."""
        return self.constants is not None and self.constants.estimate

    def _bound_lines(self) -> list[str]:
        if self.missing:
            return [missing_message(self.missing)]
        assert self.constants is not None
        head = (
            "bounds from ESTIMATED constants (an estimate, not a certificate)"
            if self.from_estimate
            else "bounds from the constants given (not checked by the package)"
        )
        lines = [f"{head}: {self.constants!r}"]
        if not self.theorems:
            return [*lines, f"no registry theorem applies: {self.theorems_why}"]
        assert self.bounds is not None
        for key, t in self.bounds["theorems"].items():
            cf, rec = t["closed_form"], t["recursion"]
            lines.append(
                f"  {key}: closed form {_num(cf['value'])} ({_verdict(cf)}), "
                f"recursion {_num(rec['value'])} ({_verdict(rec)}) "
                f"vs uniform probe {_est(self.uniform_probe)}"
                + (f"; {t['reason']}" if "reason" in t else "")
            )
        return lines

    def summary(self) -> str:
        """The measurements with their 95% intervals, and the bounds or what is missing."""
        return "\n".join(
            [
                f"{self.model} under protocol ({self.protocol}) {self.protocol_repr}",
                f"  n={self.n_samples}, T={self.n_steps} steps, {self.n_pairs} "
                f"coupled pairs, seed {self.seed}, {self.dtype}",
                f"  staleness (parameter versions): mean "
                f"{self.staleness_mean:.3g}, max {self.staleness_max}; "
                f"{self.applied:.0f} updates applied",
                "  means over pairs, 95% intervals:",
                f"  generalization gap (test - train loss): {_est(self.gap_loss)}",
                f"  test error: {_est(self.test_error)} (train {_est(self.train_error)})",
                "  on-average model stability E||w_T - w'_T||^2 (Lei & Ying 2020): "
                f"{_est(self.stability_avg2)}",
                "  uniform-stability probe E max_z |f(w_T;z) - f(w'_T;z)| "
                f"(Hardt et al. 2016): {_est(self.uniform_probe)}",
                *("  " + line for line in self._bound_lines()),
            ]
        )

    def __repr__(self) -> str:
        tail = (
            f"missing={list(self.missing)}"
            if self.missing
            else f"bounds={list(self.theorems)}"
            + (" (from an estimate)" if self.from_estimate else "")
        )
        return (
            f"YourModelRun({self.model}, protocol=({self.protocol}), "
            f"n={self.n_samples}, T={self.n_steps}, pairs={self.n_pairs}, "
            f"gap={_est(self.gap_loss)}, "
            f"stability_avg2={_est(self.stability_avg2)}, {tail})"
        )

    def __str__(self) -> str:
        return self.summary()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: every field but ``stats``; non-finite numbers as ``None``."""

        def e(x: Estimate | None) -> dict[str, Any] | None:
            return None if x is None else x.to_dict()

        def clean(v: Any) -> Any:
            if isinstance(v, float):
                return v if math.isfinite(v) else None
            if isinstance(v, dict):
                return {k: clean(w) for k, w in v.items()}
            if isinstance(v, list | tuple):
                return [clean(w) for w in v]
            return v

        return clean(
            {
                "model": self.model,
                "protocol": self.protocol,
                "protocol_repr": self.protocol_repr,
                "n_samples": self.n_samples,
                "n_pairs": self.n_pairs,
                "n_steps": self.n_steps,
                "seed": self.seed,
                "dtype": self.dtype,
                "gap_loss": e(self.gap_loss),
                "gap_error": e(self.gap_error),
                "test_error": e(self.test_error),
                "train_error": e(self.train_error),
                "stability_avg2": e(self.stability_avg2),
                "uniform_probe": e(self.uniform_probe),
                "staleness_mean": self.staleness_mean,
                "staleness_max": self.staleness_max,
                "applied": self.applied,
                "constants": None
                if self.constants is None
                else self.constants.to_dict(),
                "missing": list(self.missing),
                "theorems": list(self.theorems),
                "theorems_why": self.theorems_why,
                "bounds": self.bounds,
            }
        )
