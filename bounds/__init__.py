"""Stability bounds of delayed (asynchronous) SGD: the theorem registry as sympy objects."""

from ._errors import InvalidParameterError as InvalidParameterError
from ._errors import StepSizeConditionError as StepSizeConditionError
from ._schedules import StepSize as StepSize
from ._schedules import constant as constant
from ._schedules import decaying as decaying
from ._schedules import inverse_sqrt as inverse_sqrt
from ._schedules import resolve_step_sizes as resolve_step_sizes
from ._schedules import rule_tau as rule_tau
from ._schedules import rule_tau_decaying as rule_tau_decaying
from ._schedules import staleness_adaptive as staleness_adaptive

__all__ = [
    "InvalidParameterError",
    "StepSizeConditionError",
    "StepSize",
    "constant",
    "decaying",
    "inverse_sqrt",
    "resolve_step_sizes",
    "rule_tau",
    "rule_tau_decaying",
    "staleness_adaptive",
]
