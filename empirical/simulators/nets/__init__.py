"""The network backend on JAX (extra ``nets``): coupled pairs of networks.

``_models`` (MLP, 1-D CNN, your own init/apply pair), ``_lenet`` (the seed
paper's LeNet on 28x28 MNIST), ``_certified`` and ``_constants`` (softmax
regression and a two-layer tanh net projected onto balls, with certified
constants), ``_datasets`` (MNIST-1D, digits and 5,000 real
MNIST digits, offline), ``_backend`` (the compiled ``vmap`` + ``scan`` program and its
ring buffer of past parameters), ``_simulate`` (:func:`simulate_net_pairs`,
:class:`NetRunStats`). JAX is imported inside the functions that run networks.
"""
