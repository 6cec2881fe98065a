"""A run folder holds one run: the settings it was started with, and resumes that match.

A command that writes a run folder (``verify``, ``reproduce``) records the
settings that decide its results in ``settings.json`` when it starts. ``--resume``
reads them back and refuses, before any work, to continue a run of other sizes
or settings: its results would be mixed with this one's. Settings that do not
change a result (worker counts, ``--json``, ``--no-figures``) are not recorded.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bounds import InvalidParameterError

from ._disk import write_atomic

__all__ = ["SETTINGS_FILE", "check_resume", "record_settings"]

#: The file of a run folder that holds its settings.
SETTINGS_FILE = "settings.json"


def _canonical(settings: Mapping[str, Any]) -> dict[str, Any]:
    """JSON round trip: tuples become lists, so stored and new settings compare."""
    return dict(json.loads(json.dumps(dict(settings), sort_keys=True)))


def record_settings(folder: Path, settings: Mapping[str, Any]) -> None:
    """Write ``settings`` to ``folder/settings.json`` (whole or not at all)."""
    write_atomic(
        folder / SETTINGS_FILE, json.dumps(_canonical(settings), indent=1) + "\n"
    )


def check_resume(
    folder: Path,
    settings: Mapping[str, Any],
    *,
    flags: Mapping[str, str],
    name: str = "output",
) -> bool:
    """Refuse to resume the run in ``folder`` with other ``settings``.

    Args:
        folder: the run folder.
        settings: this command's settings (JSON-ready).
        flags: the option that sets each setting, for the message.
        name: the option naming the folder.

    Returns:
        ``True`` when the folder has recorded settings (equal to these),
        ``False`` when it has none (a new folder, or one written before
        settings were recorded).

    Raises:
        InvalidParameterError: one line naming every setting that differs,
            with the earlier and the new value and the flag that sets it.
    """
    path = folder / SETTINGS_FILE
    if not path.exists():
        return False
    try:
        old = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidParameterError(
            f"{name}={str(folder)!r}: its {SETTINGS_FILE} cannot be read ({exc}); "
            "leave out --resume to start afresh (the earlier run is moved aside)"
        ) from None
    new = _canonical(settings)
    if not isinstance(old, dict):
        old = {}
    differ = [k for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)]
    if not differ:
        return True
    parts = "; ".join(
        f"{k}={old.get(k)!r} there, {new.get(k)!r} now ({flags.get(k, k)})"
        for k in differ
    )
    raise InvalidParameterError(
        f"resume: {name}={str(folder)!r} holds a run of other settings: {parts}; "
        "give the same options to continue it, or leave out --resume to start "
        "afresh (the earlier run is then moved aside)"
    )
