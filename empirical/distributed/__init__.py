"""Floor 5, where tasks run: executors, Ray, and the asynchronous parameter server.

``_threads`` (worker-count check, thread pools pinned to one), ``_executors``
(serial and local-process executors, :func:`make_executor`), ``_ray_backend``
(the Ray executor and session; Ray is imported when used), ``_ps_config``,
``_ps`` and ``_ps_actors`` (the parameter server on Ray), ``_ps_replay`` (its
staleness trace replayed in the simulator and checked against the bounds).
"""
