"""Argument types shared by the subcommands of ``asyncstab`` (the bottom of the CLI)."""

from __future__ import annotations

__all__ = ["csv_list"]


def csv_list(text: str) -> list[str]:
    """``"a, b,,c"`` -> ``["a", "b", "c"]``: comma-separated, blanks dropped."""
    return [x.strip() for x in text.split(",") if x.strip()]
