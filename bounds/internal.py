"""Internal but stable API of :mod:`bounds` for :mod:`empirical`.

Like ``hypothesis.internal``: not part of the public API (nothing here is in
``bounds.__all__``, and the README's promise of stability does not cover it), but
the one module of ``bounds`` that :mod:`empirical` may import beside ``bounds``
itself, so that the simulator never reaches into a private module (a name with a
leading underscore) of the calculator. Renaming or splitting a private module of
``bounds`` then only has to keep this file's names.

What it re-exports:

* the validation vocabulary (``check_int``, ``check_positive``, ...), whose
  messages quote the argument (``n_samples=0 must be >= 2``);
* the command-line parsers of numbers, value lists and grids (``parse_number``,
  ``parse_values``, ``parse_grid``), so that one input gives one behaviour in
  every subcommand, and the one check of an output path (``check_output_path``);
* ``StepSizeLike``, what a simulator accepts as ``step_size`` (a float, a
  schedule, a callable or an array; :func:`bounds.resolve_step_sizes`);
* the calculator's subcommands (``OneLineParser``, ``HelpFormatter``, ``register_calculator``,
  ``run_calculator``), which the full ``asyncstab`` CLI mounts beside its own,
  and ``one_line``, which keeps every error message on one line;
* ``checked``, the wrapper of a public function that refuses a wrong-typed
  argument by name (``empirical``'s facade applies it to its functions);
* the tables of names and parameter rules (``symbols``: the symbol of each name
  and, in its docstring, the name table; ``parameters``: each parameter's rule and
  default), from which the documentation site generates its name table, and
  ``protocol`` (the worker-protocol descriptors, aggregations and defaults), from
  which it generates the bound explorer's checks.

The rest of what :mod:`empirical` uses from the calculator (``REGISTRY``,
``Theorem``, ``InvalidParameterError``, ``resolve_step_sizes``, ...) is public and
is imported from ``bounds``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from . import _parameters as parameters
from . import _protocol as protocol
from ._cli import OneLineParser as OneLineParser
from ._cli import one_line as one_line
from ._cli import register as register_calculator
from ._cli import run as run_calculator
from ._cli_help import HelpFormatter as HelpFormatter
from ._grid import parse_grid as parse_grid
from ._grid import parse_number as parse_number
from ._grid import parse_values as parse_values
from ._paths import check_output_path as check_output_path
from ._schedules import StepSizeLike as StepSizeLike
from ._typecheck import checked as checked
from ._validation import check_array as check_array
from ._validation import check_bool_array as check_bool_array
from ._validation import check_choice as check_choice
from ._validation import check_finite as check_finite
from ._validation import check_int as check_int
from ._validation import check_int_array as check_int_array
from ._validation import check_nonnegative as check_nonnegative
from ._validation import check_positive as check_positive
from ._validation import check_probability as check_probability

if TYPE_CHECKING:  # loaded on first use (sympy): see __getattr__
    from . import _symbols as symbols

__all__ = [
    "HelpFormatter",
    "OneLineParser",
    "StepSizeLike",
    "check_array",
    "check_bool_array",
    "check_choice",
    "check_finite",
    "check_int",
    "check_int_array",
    "check_nonnegative",
    "check_output_path",
    "check_positive",
    "check_probability",
    "checked",
    "one_line",
    "parameters",
    "parse_grid",
    "parse_number",
    "parse_values",
    "protocol",
    "register_calculator",
    "run_calculator",
    "symbols",
]


def __getattr__(name: str) -> Any:
    """``symbols`` loads on first use: it imports sympy, which the command line
    does not need (PEP 562)."""
    if name == "symbols":
        return importlib.import_module(f"{__package__}._symbols")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
