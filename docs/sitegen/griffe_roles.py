"""A griffe extension: reST roles in docstrings (``:class:`Theorem```) shown as code.

The docstrings are Google style with occasional reST cross-reference roles;
Markdown would print the role verbatim. Each role becomes inline code of its
target (``~`` prefix dropped), so no broken cross-reference can arise.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:class|func|meth|mod|data|attr|obj|exc):`~?([^`]+)`")


class ReSTRoles(griffe.Extension):
    """Rewrite ``:role:`target``` as ``target`` in every docstring griffe loads."""

    def on_instance(self, *, obj: Any, **kwargs: Any) -> None:
        """Rewrite the docstring of each object as it is loaded."""
        if obj.docstring is not None:
            obj.docstring.value = _ROLE.sub(r"`\1`", obj.docstring.value)
