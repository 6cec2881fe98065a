"""The linear backend: numba kernels and a numpy reference for coupled pairs.

``_kernels`` (one stale gradient per update), ``_kernels_workers`` (the worker
protocols), ``_protocol_runs`` (coupled pairs of a worker protocol with their
schedule and hits, for the pathwise bounds of the part-3 theorems), ``_runners``
(numba or numpy, the draws of a run), ``_simulate`` (:func:`simulate_pairs`,
:class:`RunStats`).
"""
