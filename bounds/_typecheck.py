"""A public function's arguments checked against its annotations, at the boundary.

:func:`checked` wraps a public function: an argument whose type its annotation
rules out (a string where a protocol or a number is expected, an object where a
callable is) is refused with :class:`~bounds.InvalidParameterError` naming the
argument, before the function runs, instead of a bare ``AttributeError`` or
``TypeError`` from deep inside. Only the *kind* of value is checked; its range
stays the function's own validation (``check_positive`` and friends).

What an annotation admits: ``int`` and ``float`` any real number but a bool
(``1000.0`` for a count is the function's to accept or refuse); unions, ``None``
and ``Literal`` as written; ``str``, ``Path`` and ``os.PathLike`` a path;
``Callable`` anything callable; an array annotation (numpy's ``ArrayLike``) any
value numpy reads as numbers; ``list``, ``tuple`` and ``Sequence`` any sequence
or array (the kind, not the container); ``dict`` any mapping; a protocol its
members; a dataclass its instances, or a stand-in that has its fields. An annotation it cannot read (a name only imported for type checkers)
admits anything.
"""

from __future__ import annotations

import builtins
import collections.abc as cabc
import dataclasses
import functools
import inspect
import numbers
import os
import re
import sys
import types
import typing
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

from ._errors import InvalidParameterError

__all__ = ["accepts", "checked"]

F = TypeVar("F", bound=Callable[..., Any])

_ARRAY_NAMES = ("ArrayLike", "NDArray", "ndarray")

#: Annotations read as "a sequence": a list, a tuple or an array fits each.
_SEQUENCES = (list, tuple, cabc.Sequence)


def _is_array_hint(hint: Any) -> bool:
    text = repr(hint)
    return any(n in text for n in _ARRAY_NAMES) or hint is np.ndarray


def _numeric(value: Any) -> bool:
    try:
        arr = np.asarray(value)
    except Exception:
        return False
    return arr.dtype.kind in "biuf"


def accepts(hint: Any, value: Any) -> bool:
    """Whether ``value`` is of a kind the annotation ``hint`` admits."""
    if hint is Any or isinstance(hint, TypeVar | str | typing.ForwardRef):
        return True  # anything, or an annotation left as text: the function decides
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        arrays = any(_is_array_hint(a) for a in args)
        if arrays and value is not None and _numeric(value):
            return True
        return any(accepts(a, value) for a in args)
    if hint is None or hint is type(None):
        return value is None
    if origin is typing.Literal:  # the kind; which value is the function's to say
        return isinstance(value, tuple({type(a) for a in args}))
    if _is_array_hint(hint):
        return _numeric(value)
    if hint is bool:
        return isinstance(value, bool | np.bool_)
    if hint in (int, float):
        return isinstance(value, numbers.Real) and not isinstance(
            value, bool | np.bool_
        )
    if hint is str:
        return isinstance(value, str)
    if hint in (os.PathLike, os.PathLike[str]) or origin is os.PathLike:
        return isinstance(value, os.PathLike)
    if origin in (cabc.Callable, typing.Callable) or hint is cabc.Callable:
        return callable(value)
    if origin in _SEQUENCES or hint in _SEQUENCES:  # the kind, not the container
        return isinstance(value, cabc.Sequence | np.ndarray)
    if origin in (cabc.Iterable, cabc.Collection) or hint in (
        cabc.Iterable,
        cabc.Collection,
    ):
        return isinstance(value, cabc.Iterable)
    if origin in (dict, cabc.Mapping) or hint in (dict, cabc.Mapping):
        return isinstance(value, cabc.Mapping)
    if origin is not None and isinstance(origin, type):
        return _instance(origin, value)
    if isinstance(hint, type):
        return _instance(hint, value)
    return True  # an annotation this cannot read: the function decides


def _instance(cls: type, value: Any) -> bool:
    if getattr(cls, "_is_protocol", False) and not getattr(
        cls, "_is_runtime_protocol", False
    ):
        members = [
            m for m in getattr(cls, "__annotations__", {}) if not m.startswith("_")
        ]
        members += [
            m
            for m, v in vars(cls).items()
            if not m.startswith("_") and (callable(v) or isinstance(v, property))
        ]
        return all(hasattr(value, m) for m in members)
    try:
        if isinstance(value, cls):
            return True
    except TypeError:  # a generic alias or a class isinstance cannot test
        return True
    if dataclasses.is_dataclass(cls) and not isinstance(value, type):
        # a stand-in with the class's fields (duck typing: a namespace holding
        # what the function reads) is let through by field name
        return any(hasattr(value, f.name) for f in dataclasses.fields(cls))
    return False


def _describe(hint: Any) -> str:
    """``hint`` in words: ``str or Logistic``, ``AbstractDelay``, ``Sequence[int]``."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        parts = dict.fromkeys(_describe(a) for a in typing.get_args(hint))
        return " or ".join(parts)
    if origin is typing.Literal:
        return f"one of {', '.join(map(repr, typing.get_args(hint)))}"
    if hint is None or hint is type(None):
        return "None"
    if isinstance(hint, type) and origin is None:
        return hint.__name__
    text = repr(hint).replace("typing.", "").replace("collections.abc.", "")
    return re.sub(r"\b(?:[A-Za-z_]\w*\.)+(\w+)", r"\1", text)  # no module paths


def _hints(fn: Callable[..., Any]) -> dict[str, Any]:
    """The annotations of ``fn`` that resolve (one at a time: a name imported
    only for type checkers leaves its own argument unchecked, not the others)."""
    try:
        return typing.get_type_hints(fn)
    except Exception:  # resolved one by one below
        pass
    out = {}
    scope = _Scope(fn.__globals__)
    for name, text in getattr(fn, "__annotations__", {}).items():
        try:
            out[name] = (
                eval(text, fn.__globals__, scope) if isinstance(text, str) else text
            )
        except Exception:  # a name defined nowhere that is loaded: unchecked
            continue
    return out


class _Scope(dict[str, Any]):
    """Names of annotations imported only for type checkers (``RunStats``), found
    in the modules of this project that are loaded: a value of that class comes
    from one of them, so it is loaded when the value exists."""

    def __init__(self, namespace: dict[str, Any]) -> None:
        super().__init__()
        self.namespace = namespace

    def __missing__(self, key: str) -> Any:
        if key in self.namespace:
            return self.namespace[key]
        if hasattr(builtins, key):
            return getattr(builtins, key)
        for mod_name, module in list(sys.modules.items()):
            if mod_name.split(".")[0] in ("bounds", "empirical"):
                value = getattr(module, key, None)
                if isinstance(value, type):
                    return value
        raise KeyError(key)


def checked(fn: F) -> F:
    """``fn``, refusing a wrong-typed argument by name (see the module doc).

    Examples:
        >>> @checked
        ... def half(x: float) -> float:
        ...     return x / 2
        >>> half("3")
        Traceback (most recent call last):
        ...
        bounds._errors.InvalidParameterError: x='3' must be float, got type str
    """
    sig = inspect.signature(fn)
    hints: dict[str, Any] = {}
    resolved = False

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        nonlocal hints, resolved
        if not resolved:
            hints, resolved = _hints(fn), True
        try:
            bound = sig.bind(*args, **kwargs)
        except TypeError:
            return fn(*args, **kwargs)  # Python's own message for a wrong call
        for name, value in bound.arguments.items():
            p = sig.parameters[name]
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) or name not in hints:
                continue
            if not accepts(hints[name], value):
                raise InvalidParameterError(
                    f"{name}={value!r} must be {_describe(hints[name])}, got type "
                    f"{type(value).__name__}"
                )
        return fn(*args, **kwargs)

    return typing.cast(F, wrapper)
