"""Neural networks on a JAX backend (optional extra ``nets``).

Coupled pairs of networks under the worker protocols of the published
experiments, MNIST-1D and digits data generated or bundled offline, and the
``asyncstab reproduce`` experiments. Importing this package does not import JAX;
the modules that run networks import it when they are used.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS: dict[str, str] = {
    "NetModel": "_models",
    "mlp": "_models",
    "cnn1d": "_models",
    "linear": "_models",
    "NetData": "_datasets",
    "load_net_data": "_datasets",
    "WorkerProtocol": "_protocols",
    "OneStale": "_protocols",
    "Regatti": "_protocols",
    "Deng": "_protocols",
    "applicable_theorems": "_protocols",
    "NetRunStats": "_simulate",
    "simulate_net_pairs": "_simulate",
    "regatti_step_size": "_simulate",
    "reproduce": "_reproduce",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'empirical.nets' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
