"""Floor 3, simulators: coupled pairs of delayed-SGD runs, one subpackage per backend.

:mod:`empirical.simulators.linear` (numba kernels, numpy reference: linear models
and the small MLP) and :mod:`empirical.simulators.nets` (networks on JAX, extra
``nets``). Both follow one interface: a call takes a problem (linear) or a model and
its data (nets), a step size, a delay model (linear) or worker protocol (nets),
``n_pairs``, ``n_steps`` and ``seed``, draws
each pair's data split and replaced index with
:func:`empirical.problems._data.pair_split` (so both backends see the same
pairs for the same seed), runs both members of every pair on the same schedule of
indices and delays, and returns a frozen record of plain arrays,
:class:`~empirical.simulators.linear._simulate.RunStats` or
:class:`~empirical.simulators.nets._simulate.NetRunStats`. Their common fields:
``n_pairs``, ``n_steps``, ``seed``; ``delta``, the divergence
``||w_t - w'_t||`` of each pair at the recorded steps (``record_steps`` /
``eval_steps``); and each run's ``train_loss`` and ``test_loss`` (the run on
``S'`` in ``*_prime`` for the linear backend, in replicas ``P..2P-1`` for the
network backend). A run that leaves the floating-point range raises
:class:`~empirical.simulators.linear._simulate.DivergenceError` in both.
"""
