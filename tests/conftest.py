"""Hypothesis profiles and float64 throughout.

Select a profile with ``HYPOTHESIS_PROFILE=dev|ci|thorough`` (default ``ci``).
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("dev", max_examples=50)
settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_configure(config: pytest.Config) -> None:
    """Load the per-file progress lines (``tests/_progress.py``)."""
    from tests import _progress

    name = "tests._progress"
    if not config.pluginmanager.is_blocked(
        name
    ) and not config.pluginmanager.has_plugin(name):
        config.pluginmanager.register(_progress, name)


# Every computation in the tests is float64: numpy's default, asserted here so a
# change of default (or an accidental float32 array) cannot slip in unnoticed.
assert np.zeros(1).dtype == np.float64
