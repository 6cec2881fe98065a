"""Empirical harness: delayed SGD on coupled pairs of neighbouring data sets,
measured stability and generalization gap with confidence intervals, verdicts
against the bounds of :mod:`bounds`, sweeps, reports, and a real asynchronous
parameter server on Ray (optional extra), and networks on a JAX backend with the
published worker protocols (optional extra ``nets``).

Everything public is listed in ``__all__``. Names are loaded lazily (PEP 562), so
that ``import empirical`` and the calculator subcommands of the CLI do not load
the simulator, numba or Ray until a name is used.
"""

from __future__ import annotations

import importlib
from typing import Any

#: public name -> private module that defines it.
_EXPORTS: dict[str, str] = {
    # data, losses, problems
    "DATASETS": "_data",
    "Dataset": "_data",
    "load_dataset": "_data",
    "LOSSES": "_losses",
    "Logistic": "_losses",
    "Sigmoid": "_losses",
    "Huber": "_losses",
    "MLP": "_losses",
    "RegLogistic": "_losses",
    "LeastSquares": "_losses",
    "EstimatedConstants": "_losses",
    "estimate_constants": "_losses",
    "Problem": "_problem",
    "make_problem": "_problem",
    # delay models
    "AbstractDelay": "_delays",
    "ConstantDelay": "_delays",
    "UniformDelay": "_delays",
    "GeometricDelay": "_delays",
    "WorkerDelay": "_delays",
    "TraceDelay": "_delays",
    "make_delay": "_delays",
    # simulation and measurement
    "RunStats": "_simulate",
    "DivergenceError": "_simulate",
    "simulate_pairs": "_simulate",
    "simulate_draws": "_simulate",
    "Draws": "_runners",
    "WorstCase": "_worst_case",
    "worst_case_stability": "_worst_case",
    "Estimate": "_measure",
    "Measurement": "_measure",
    "SlopeFit": "_measure",
    "estimate_mean": "_measure",
    "estimate_means": "_measure",
    "bootstrap_slope": "_measure",
    "model_stability": "_measure",
    "fit_slope": "_measure",
    "measure": "_measure",
    "Verdict": "_verdict",
    "PathwiseCheck": "_verdict",
    "PathwiseViolationWarning": "_verdict",
    "verify": "_verdict",
    # sweeps and executors
    "SweepTask": "_task",
    "make_tasks": "_task",
    "parse_grid": "_task",
    "load_results": "_sweep",
    "sweep": "_sweep",
    "Executor": "_executors",
    "SerialExecutor": "_executors",
    "LocalProcessExecutor": "_executors",
    "make_executor": "_executors",
    "build_suite": "_suite",
    "write_report": "_report",
    # Ray (optional extra; importing these names does not import Ray)
    "RayExecutor": "_ray_backend",
    "RayStartError": "_ray_backend",
    "PSConfig": "_ps",
    "PSResult": "_ps",
    "run_ps": "_ps",
    "evaluate_trace": "_ps_replay",
    # networks on JAX (optional extra nets; importing these names does not import JAX)
    "NetModel": "nets._models",
    "mlp": "nets._models",
    "cnn1d": "nets._models",
    "NetData": "nets._datasets",
    "load_net_data": "nets._datasets",
    "WorkerProtocol": "nets._protocols",
    "OneStale": "nets._protocols",
    "Regatti": "nets._protocols",
    "Deng": "nets._protocols",
    "applicable_theorems": "nets._protocols",
    "NetRunStats": "nets._simulate",
    "simulate_net_pairs": "nets._simulate",
    "reproduce": "nets._reproduce",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'empirical' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
