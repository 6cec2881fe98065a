"""PEP 562 lazy attributes for a package facade.

A facade lists its public names and the private module that defines each; the
module is imported the first time one of its names is read, so importing the
facade stays light (no numba, JAX or Ray until a name that needs them is used).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_attributes"]


def lazy_attributes(
    package: str, exports: Mapping[str, str], namespace: dict[str, Any]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The module-level ``__getattr__`` and ``__dir__`` of the facade ``package``.

    Args:
        package: dotted name of the facade (its ``__name__``).
        exports: public name -> module that defines it, relative to ``package``
            (``"problems._data"`` means ``package + ".problems._data"``).
        namespace: the facade's ``globals()``; a loaded name is cached there, so
            ``__getattr__`` runs once per name.

    Returns:
        ``(__getattr__, __dir__)`` as PEP 562 expects them. An unknown name raises
        :class:`AttributeError` naming the package and the attribute.
    """

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(exports))

    return __getattr__, __dir__
