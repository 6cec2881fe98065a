"""Floor 7, the ``asyncstab`` command.

``_cli`` (the entry point: the calculator subcommands of :mod:`bounds`, ``verify``
and ``sweep``), ``_args`` (argument parsers shared by the subcommands),
``_ps_cli`` (``asyncstab ps``, the Ray options), ``_nets_cli``
(``asyncstab reproduce``).
"""
