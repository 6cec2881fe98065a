"""Base of the linear-model losses ``f(w; (x, y)) = phi(w.x, y) + penalty(w)``."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

__all__ = ["F64", "Labels", "LinearLoss", "Task"]

Task = Literal["binary", "multiclass", "regression"]
F64 = NDArray[np.float64]
Labels = NDArray[Any]  # float labels (binary, regression) or class indices


class LinearLoss:
    """Base of the linear-model losses ``f(w; (x, y)) = phi(w.x, y) + penalty(w)``.

    Subclasses define :meth:`phi` (the loss of the margin/prediction ``m = w.x``)
    and :meth:`dloss` (``d phi / d m``); ``value`` and ``grad`` follow. The
    ``penalty`` (default none) is ``(gamma/2) ||w||^2`` of a regularised loss,
    with gradient ``gamma w`` (:attr:`reg`, 0 without one).
    """

    name: str
    task: Task
    #: ``gamma`` of the penalty ``(gamma/2) ||w||^2``; 0 without one.
    reg: float = 0.0

    def dim(self, d_features: int, n_classes: int) -> int:
        """Number of parameters: ``d_features`` (no bias; a bias is a feature)."""
        return int(d_features)

    def init(self, dim: int, rng: np.random.Generator) -> F64:
        """Initial point ``w_1 = 0`` (deterministic; ``rng`` is not used)."""
        return np.zeros(dim, dtype=np.float64)

    def phi(self, m: F64, y: F64) -> F64:
        raise NotImplementedError

    def dloss(self, m: F64, y: F64) -> F64:
        raise NotImplementedError

    def penalty(self, W: F64) -> F64:
        """``(reg/2) ||w||^2`` of each row of ``W (r, p)``, shape ``(r,)``."""
        return 0.5 * self.reg * np.einsum("rp,rp->r", W, W)

    def value(self, W: F64, X: F64, y: Labels) -> F64:
        """Per-sample losses ``(r, m)`` of ``W (r, p)`` on ``X (r, m, d)``."""
        v = self.phi(np.einsum("rmd,rd->rm", X, W), np.asarray(y, np.float64))
        return v + self.penalty(W)[:, None] if self.reg else v

    def grad(self, W: F64, x: F64, y: Labels) -> F64:
        """Gradients ``(r, p)``: ``dloss(w.x, y) * x + reg * w`` for each replica."""
        m = np.einsum("rd,rd->r", W, x)
        g = self.dloss(m, np.asarray(y, np.float64))[:, None] * x
        return g + self.reg * W if self.reg else g
