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

from typing import TYPE_CHECKING

from empirical._lazy import lazy_attributes

if TYPE_CHECKING:  # what the lazy names are, for type checkers and editors
    from .distributed._executors import Executor as Executor
    from .distributed._executors import LocalProcessExecutor as LocalProcessExecutor
    from .distributed._executors import SerialExecutor as SerialExecutor
    from .distributed._executors import make_executor as make_executor
    from .distributed._ps import PSResult as PSResult
    from .distributed._ps import run_ps as run_ps
    from .distributed._ps_config import PSConfig as PSConfig
    from .distributed._ps_replay import evaluate_trace as evaluate_trace
    from .distributed._ray_backend import RayExecutor as RayExecutor
    from .distributed._ray_backend import RayStartError as RayStartError
    from .measurement._estimate import Estimate as Estimate
    from .measurement._estimate import estimate_mean as estimate_mean
    from .measurement._estimate import estimate_means as estimate_means
    from .measurement._measure import Measurement as Measurement
    from .measurement._measure import measure as measure
    from .measurement._measure import model_stability as model_stability
    from .measurement._slopes import SlopeFit as SlopeFit
    from .measurement._slopes import bootstrap_slope as bootstrap_slope
    from .measurement._slopes import fit_slope as fit_slope
    from .measurement._verdict import PathwiseCheck as PathwiseCheck
    from .measurement._verdict import (
        PathwiseViolationWarning as PathwiseViolationWarning,
    )
    from .measurement._verdict import Verdict as Verdict
    from .measurement._verdict import verify as verify
    from .measurement._worst_case import WorstCase as WorstCase
    from .measurement._worst_case import worst_case_stability as worst_case_stability
    from .problems._data import DATASETS as DATASETS
    from .problems._data import Dataset as Dataset
    from .problems._data import load_dataset as load_dataset
    from .problems._losses import LOSSES as LOSSES
    from .problems._losses import MLP as MLP
    from .problems._losses import EstimatedConstants as EstimatedConstants
    from .problems._losses import Huber as Huber
    from .problems._losses import LeastSquares as LeastSquares
    from .problems._losses import Logistic as Logistic
    from .problems._losses import RegLogistic as RegLogistic
    from .problems._losses import Sigmoid as Sigmoid
    from .problems._losses import estimate_constants as estimate_constants
    from .problems._problem import Problem as Problem
    from .problems._problem import make_problem as make_problem
    from .runs._fidelity import fidelity_table as fidelity_table
    from .runs._report import write_report as write_report
    from .runs._reproduce import reproduce as reproduce
    from .runs._suite import build_suite as build_suite
    from .runs._sweep import load_results as load_results
    from .runs._sweep import sweep as sweep
    from .runs._task import SweepTask as SweepTask
    from .runs._task import make_tasks as make_tasks
    from .runs._task import parse_grid as parse_grid
    from .runs._your_model import run_your_model as run_your_model
    from .runs._your_result import YourModelRun as YourModelRun
    from .schedules._delays import AbstractDelay as AbstractDelay
    from .schedules._delays import ConstantDelay as ConstantDelay
    from .schedules._delays import GeometricDelay as GeometricDelay
    from .schedules._delays import TraceDelay as TraceDelay
    from .schedules._delays import UniformDelay as UniformDelay
    from .schedules._delays import WorkerDelay as WorkerDelay
    from .schedules._delays import make_delay as make_delay
    from .schedules._protocols import Deng as Deng
    from .schedules._protocols import OneStale as OneStale
    from .schedules._protocols import Regatti as Regatti
    from .schedules._protocols import WorkerProtocol as WorkerProtocol
    from .schedules._protocols import applicable_theorems as applicable_theorems
    from .schedules._published_draws import DengDrawn as DengDrawn
    from .schedules._published_draws import RegattiDrawn as RegattiDrawn
    from .schedules._published_draws import deng_worker_delays as deng_worker_delays
    from .schedules._published_draws import held_fixed as held_fixed
    from .schedules._published_draws import max_arrivals as max_arrivals
    from .schedules._published_draws import (
        regatti_worker_delays as regatti_worker_delays,
    )
    from .schedules._trace_file import example_trace as example_trace
    from .simulators.linear._runners import Draws as Draws
    from .simulators.linear._simulate import DivergenceError as DivergenceError
    from .simulators.linear._simulate import RunStats as RunStats
    from .simulators.linear._simulate import simulate_draws as simulate_draws
    from .simulators.linear._simulate import simulate_pairs as simulate_pairs
    from .simulators.nets._certified import softmax_ball as softmax_ball
    from .simulators.nets._certified import tanh_ball as tanh_ball
    from .simulators.nets._constants import CertifiedConstants as CertifiedConstants
    from .simulators.nets._datasets import NetData as NetData
    from .simulators.nets._datasets import load_net_data as load_net_data
    from .simulators.nets._lenet import lenet as lenet
    from .simulators.nets._models import NetModel as NetModel
    from .simulators.nets._models import affine as affine
    from .simulators.nets._models import cnn1d as cnn1d
    from .simulators.nets._models import mlp as mlp
    from .simulators.nets._simulate import NetRunStats as NetRunStats
    from .simulators.nets._simulate import simulate_net_pairs as simulate_net_pairs
    from .simulators.nets._user_constants import ModelConstants as ModelConstants
    from .simulators.nets._user_constants import (
        estimate_model_constants as estimate_model_constants,
    )

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
    "softmax_ball": "simulators.nets._certified",
    "tanh_ball": "simulators.nets._certified",
    "CertifiedConstants": "simulators.nets._constants",
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
    # your model, your data (nets extra)
    "run_your_model": "runs._your_model",
    "YourModelRun": "runs._your_result",
    "ModelConstants": "simulators.nets._user_constants",
    "estimate_model_constants": "simulators.nets._user_constants",
}

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_attributes(__name__, _EXPORTS, globals())
