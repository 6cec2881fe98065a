"""Progress of ``verify`` and ``sweep`` on stderr: a bar on a terminal, lines elsewhere.

On a terminal, a tqdm bar. Without one (CI, a pipe, ``nohup``) a bar prints
nothing useful, and the first ``verify`` of a fresh install computes for minutes
(numba compiles its kernels), so one line per finished setting is printed
instead, after a first line that says how many will run:
``verify: 3/40 settings done (12 s): <setting>``.
"""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import Any, TextIO

__all__ = ["Progress"]


class Progress:
    """Context manager; :meth:`update` is called once per finished setting.

    Args:
        total: number of settings to run.
        desc: the command's name, at the start of every line.
        stream: where to write (default ``sys.stderr``); a terminal gets a bar.
    """

    def __init__(self, total: int, desc: str, stream: TextIO | None = None) -> None:
        self.total, self.desc = total, desc
        self.stream = sys.stderr if stream is None else stream
        self.done = 0
        self._start = time.perf_counter()
        self._bar: Any = None
        isatty = getattr(self.stream, "isatty", None)
        if isatty is not None and isatty():
            from tqdm import tqdm

            self._bar = tqdm(total=total, desc=desc, unit="setting", file=self.stream)
        else:
            print(
                f"{desc}: {total} settings to run (a first run on a fresh install "
                "compiles numba kernels first)",
                file=self.stream,
                flush=True,
            )

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.close()

    def update(self, task: Any = None, record: Any = None) -> None:
        """Count one finished setting (``task``: its :class:`SweepTask`, for the line)."""
        self.done += 1
        if self._bar is not None:
            self._bar.update()
            return
        what = ""
        if task is not None:
            from empirical.measurement._table import setting_label

            realised = record.get("realised") if isinstance(record, dict) else None
            what = ": " + setting_label(task.to_dict(), realised)
        wall = time.perf_counter() - self._start
        print(
            f"{self.desc}: {self.done}/{self.total} settings done ({wall:.0f} s){what}",
            file=self.stream,
            flush=True,
        )
