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

from empirical._lazy import lazy_attributes

#: public name -> private module that defines it.
_EXPORTS: dict[str, str] = {
    # data, losses, problems
    "DATASETS": "problems._data",
    "Dataset": "problems._data",
    "load_dataset": "problems._data",
    "LOSSES": "problems._losses",
    "Logistic": "problems._losses",
    "Sigmoid": "problems._losses",
    "Huber": "problems._losses",
    "MLP": "problems._losses",
    "RegLogistic": "problems._losses",
    "LeastSquares": "problems._losses",
    "EstimatedConstants": "problems._losses",
    "estimate_constants": "problems._losses",
    "Problem": "problems._problem",
    "make_problem": "problems._problem",
    # delay models
    "AbstractDelay": "schedules._delays",
    "ConstantDelay": "schedules._delays",
    "UniformDelay": "schedules._delays",
    "GeometricDelay": "schedules._delays",
    "WorkerDelay": "schedules._delays",
    "TraceDelay": "schedules._delays",
    "make_delay": "schedules._delays",
    "example_trace": "schedules._trace_file",
    # simulation and measurement
    "RunStats": "simulators.linear._simulate",
    "DivergenceError": "simulators.linear._simulate",
    "simulate_pairs": "simulators.linear._simulate",
    "simulate_draws": "simulators.linear._simulate",
    "Draws": "simulators.linear._runners",
    "WorstCase": "measurement._worst_case",
    "worst_case_stability": "measurement._worst_case",
    "Estimate": "measurement._estimate",
    "Measurement": "measurement._measure",
    "SlopeFit": "measurement._slopes",
    "estimate_mean": "measurement._estimate",
    "estimate_means": "measurement._estimate",
    "bootstrap_slope": "measurement._slopes",
    "model_stability": "measurement._measure",
    "fit_slope": "measurement._slopes",
    "measure": "measurement._measure",
    "Verdict": "measurement._verdict",
    "PathwiseCheck": "measurement._verdict",
    "PathwiseViolationWarning": "measurement._verdict",
    "verify": "measurement._verdict",
    # sweeps and executors
    "SweepTask": "runs._task",
    "make_tasks": "runs._task",
    "parse_grid": "runs._task",
    "load_results": "runs._sweep",
    "sweep": "runs._sweep",
    "Executor": "distributed._executors",
    "SerialExecutor": "distributed._executors",
    "LocalProcessExecutor": "distributed._executors",
    "make_executor": "distributed._executors",
    "build_suite": "runs._suite",
    "write_report": "runs._report",
    # Ray (optional extra; importing these names does not import Ray)
    "RayExecutor": "distributed._ray_backend",
    "RayStartError": "distributed._ray_backend",
    "PSConfig": "distributed._ps_config",
    "PSResult": "distributed._ps",
    "run_ps": "distributed._ps",
    "evaluate_trace": "distributed._ps_replay",
    # networks on JAX (optional extra nets; importing these names does not import JAX)
    "NetModel": "simulators.nets._models",
    "mlp": "simulators.nets._models",
    "cnn1d": "simulators.nets._models",
    "lenet": "simulators.nets._lenet",
    "affine": "simulators.nets._models",
    "NetData": "simulators.nets._datasets",
    "load_net_data": "simulators.nets._datasets",
    "WorkerProtocol": "schedules._protocols",
    "OneStale": "schedules._protocols",
    "Regatti": "schedules._protocols",
    "Deng": "schedules._protocols",
    "applicable_theorems": "schedules._protocols",
    "RegattiDrawn": "schedules._published_draws",
    "DengDrawn": "schedules._published_draws",
    "deng_worker_delays": "schedules._published_draws",
    "regatti_worker_delays": "schedules._published_draws",
    "held_fixed": "schedules._published_draws",
    "max_arrivals": "schedules._published_draws",
    "fidelity_table": "runs._fidelity",
    "NetRunStats": "simulators.nets._simulate",
    "simulate_net_pairs": "simulators.nets._simulate",
    "reproduce": "runs._reproduce",
}

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_attributes(__name__, _EXPORTS, globals())
