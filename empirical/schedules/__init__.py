"""Floor 2, schedules: which stale parameters each update reads, and its step size.

``_delays`` (delay models: constant, uniform, geometric, workers, traces),
``_trace_file`` (staleness traces on disk), ``_step_sizes`` (the step-size
schedules of a sweep, by name), ``_protocols`` (the published worker protocols:
which workers contribute at each step and with what delay). Backend-independent:
numpy only, no numba or JAX. Imports only :mod:`empirical.problems` below it.
"""
