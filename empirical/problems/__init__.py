"""Floor 1, problems: data sets, losses and their constants, and the pair of both.

``_data`` (bundled data sets, the neighbouring-pair split), ``_linear_loss`` (the
interface of a loss on a linear model), ``_losses`` and ``_ball_losses`` (the
losses and their Lipschitz, smoothness and convexity constants), ``_problem``
(a loss on a data set at a size). Imports nothing else from :mod:`empirical`.
"""
