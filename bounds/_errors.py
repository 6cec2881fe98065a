"""The one exception family of the project.

Bugs in *user input* raise these; bugs in the project's own data are ``assert``s.
Every message has the shape ``"{name}={value!r} must ..."`` so that it names the
argument, its value and the rule.
"""

from __future__ import annotations

__all__ = ["InvalidParameterError", "StepSizeConditionError"]


class InvalidParameterError(ValueError):
    """An argument is outside its domain (wrong type, NaN, negative, ...).

    Examples:
        >>> from bounds import InvalidParameterError
        >>> issubclass(InvalidParameterError, ValueError)
        True
    """


class StepSizeConditionError(InvalidParameterError):
    """A theorem's step-size or delay condition is violated by the arguments.

    The message names the theorem, e.g. ``step_size=0.5 violates eta <= 2/beta
    (= 0.2) required by Hardt et al. 2016, Theorem 3.8``.
    """
