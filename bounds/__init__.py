"""Stability bounds of delayed (asynchronous) SGD: the theorem registry as sympy objects.

Everything public is listed in ``__all__``; modules with a leading underscore are
private. The calculator never imports the simulator (``empirical``).
"""

from . import strategies as strategies
from ._citation import citation as citation
from ._errors import InvalidParameterError as InvalidParameterError
from ._errors import StepSizeConditionError as StepSizeConditionError
from ._inverse import InverseSolution as InverseSolution
from ._inverse import max_step_size as max_step_size
from ._inverse import min_samples as min_samples
from ._parameters import BoundValue as BoundValue
from ._recursion import pathwise_bound as pathwise_bound
from ._recursion import recursion_bound as recursion_bound
from ._reference import Reference as Reference
from ._registry import THEOREMS as THEOREMS
from ._registry import get_theorem as get_theorem
from ._schedules import StepSize as StepSize
from ._schedules import constant as constant
from ._schedules import decaying as decaying
from ._schedules import inverse_sqrt as inverse_sqrt
from ._schedules import resolve_step_sizes as resolve_step_sizes
from ._schedules import rule_tau as rule_tau
from ._schedules import rule_tau_decaying as rule_tau_decaying
from ._schedules import staleness_adaptive as staleness_adaptive
from ._theorem import Assumption as Assumption
from ._theorem import Quantity as Quantity
from ._theorem import Theorem as Theorem

__all__ = [
    "THEOREMS",
    "Assumption",
    "BoundValue",
    "InvalidParameterError",
    "InverseSolution",
    "Quantity",
    "Reference",
    "StepSize",
    "StepSizeConditionError",
    "Theorem",
    "citation",
    "constant",
    "decaying",
    "get_theorem",
    "inverse_sqrt",
    "max_step_size",
    "min_samples",
    "pathwise_bound",
    "recursion_bound",
    "resolve_step_sizes",
    "rule_tau",
    "rule_tau_decaying",
    "staleness_adaptive",
    "strategies",
]
