"""The error of tasks lost to the infrastructure (a node or worker process died).

Its own module so that every executor (local, Ray) can raise it and the
commands can catch it without importing one another.
"""

from __future__ import annotations

from typing import Any

__all__ = ["TasksLostError"]


class TasksLostError(RuntimeError):
    """Some tasks were lost to the infrastructure (a node or worker process died)
    more often than the executor retries; every other task's result was yielded.

    Attributes:
        tasks: the lost tasks, in submission order.
        retries: the retries each one had.
        reason: the last failure, in one line.
    """

    def __init__(self, tasks: list[Any], retries: int, reason: str) -> None:
        self.tasks = list(tasks)
        self.retries = int(retries)
        self.reason = reason
        super().__init__(
            f"{len(self.tasks)} task(s) lost after {self.retries} retries each: "
            f"{reason}"
        )
