"""Floor 6, runs: tasks, sweeps, the verification suite, reports and the reproductions.

``_task`` (a grid point as plain data), ``_sweep`` (resumable sweeps on any
executor), ``_suite`` (the built-in verification suite), ``_paths`` and
``_progress`` (output folders, progress bars), ``_figures`` and ``_report``
(the report of a run), ``_experiments``, ``_reproduce`` and
``_reproduce_report`` (``asyncstab reproduce``: the published experiments on the
network backend).
"""
