"""Stability bounds of delayed (asynchronous) SGD: the theorem registry as sympy objects.

Everything public is listed in ``__all__``; modules with a leading underscore are
private. The calculator never imports the simulator (``empirical``).

Names are loaded lazily (PEP 562): ``import bounds`` loads neither sympy, scipy
nor hypothesis; a name loads the private module that defines it the first time
it is read (``bounds.THEOREMS`` builds the registry, with sympy;
``bounds.strategies`` loads hypothesis).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what the lazy names are, for type checkers and editors
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

#: public name -> private module that defines it (a submodule: itself).
_EXPORTS: dict[str, str] = {
    "strategies": "strategies",
    "Assumption": "_assumption",
    "citation": "_citation",
    "LOSS_FAMILIES": "_compare",
    "ComparisonRow": "_compare",
    "ComparisonTable": "_compare",
    "RateRow": "_compare",
    "compare": "_compare",
    "plot_comparison": "_compare_cli",
    "CONVERSIONS": "_conversion",
    "HARDT_GAP": "_conversion",
    "LEI_YING_GAP": "_conversion",
    "Conversion": "_conversion",
    "deng_recursion_bound": "_deng",
    "InvalidParameterError": "_errors",
    "StepSizeConditionError": "_errors",
    "InverseSolution": "_inverse",
    "max_step_size": "_inverse",
    "min_samples": "_inverse",
    "pathwise_bound": "_levels",
    "recursion_bound": "_levels",
    "LITERATURE": "_literature",
    "BoundValue": "_parameters",
    "protocol_constants": "_protocol",
    "Quantity": "_quantity",
    "RATES": "_rate",
    "RateOnly": "_rate",
    "RateOnlyError": "_rate",
    "get_rate": "_rate",
    "Reference": "_reference",
    "REGISTRY": "_registry",
    "THEOREMS": "_registry",
    "get_theorem": "_registry",
    "StepSize": "_schedules",
    "constant": "_schedules",
    "decaying": "_schedules",
    "inverse_sqrt": "_schedules",
    "resolve_step_sizes": "_schedules",
    "rule_tau": "_schedules",
    "rule_tau_decaying": "_schedules",
    "staleness_adaptive": "_schedules",
    "Theorem": "_theorem",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    """Load a public name from its module on first use (PEP 562)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    loaded = importlib.import_module(f"{__name__}.{module}")
    value = loaded if module == name else getattr(loaded, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
