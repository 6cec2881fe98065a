"""Stability bounds of delayed (asynchronous) SGD: the theorem registry as sympy objects.

Everything public is listed in ``__all__``; modules with a leading underscore are
private. The calculator never imports the simulator (``empirical``).
"""

from . import strategies as strategies
from ._assumption import Assumption as Assumption
from ._citation import citation as citation
from ._compare import LOSS_FAMILIES as LOSS_FAMILIES
from ._compare import ComparisonRow as ComparisonRow
from ._compare import ComparisonTable as ComparisonTable
from ._compare import RateRow as RateRow
from ._compare import compare as compare
from ._compare_cli import plot_comparison as plot_comparison
from ._conversion import CONVERSIONS as CONVERSIONS
from ._conversion import HARDT_GAP as HARDT_GAP
from ._conversion import LEI_YING_GAP as LEI_YING_GAP
from ._conversion import Conversion as Conversion
from ._deng import deng_recursion_bound as deng_recursion_bound
from ._errors import InvalidParameterError as InvalidParameterError
from ._errors import StepSizeConditionError as StepSizeConditionError
from ._inverse import InverseSolution as InverseSolution
from ._inverse import max_step_size as max_step_size
from ._inverse import min_samples as min_samples
from ._levels import pathwise_bound as pathwise_bound
from ._levels import recursion_bound as recursion_bound
from ._literature import LITERATURE as LITERATURE
from ._parameters import BoundValue as BoundValue
from ._protocol import protocol_constants as protocol_constants
from ._quantity import Quantity as Quantity
from ._rate import RATES as RATES
from ._rate import RateOnly as RateOnly
from ._rate import RateOnlyError as RateOnlyError
from ._rate import get_rate as get_rate
from ._reference import Reference as Reference
from ._registry import REGISTRY as REGISTRY
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
from ._theorem import Theorem as Theorem

__all__ = [
    "CONVERSIONS",
    "HARDT_GAP",
    "LEI_YING_GAP",
    "LITERATURE",
    "LOSS_FAMILIES",
    "RATES",
    "REGISTRY",
    "THEOREMS",
    "Assumption",
    "BoundValue",
    "ComparisonRow",
    "ComparisonTable",
    "Conversion",
    "InvalidParameterError",
    "InverseSolution",
    "Quantity",
    "RateOnly",
    "RateOnlyError",
    "RateRow",
    "Reference",
    "StepSize",
    "StepSizeConditionError",
    "Theorem",
    "citation",
    "compare",
    "constant",
    "decaying",
    "deng_recursion_bound",
    "get_rate",
    "get_theorem",
    "inverse_sqrt",
    "max_step_size",
    "min_samples",
    "pathwise_bound",
    "plot_comparison",
    "protocol_constants",
    "recursion_bound",
    "resolve_step_sizes",
    "rule_tau",
    "rule_tau_decaying",
    "staleness_adaptive",
    "strategies",
]
