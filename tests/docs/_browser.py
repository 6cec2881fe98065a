"""Helpers of the browser tests (the fixtures are in ``conftest.py``): where
Chromium is, how long a page may take, how a test skips without it, and how it
opens a page and waits for its math.
"""

from __future__ import annotations

import os
import shutil
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
#: Seconds a page may take to load and typeset its math (MathJax, 2 shared cores).
PAGE_TIMEOUT = 60


def unavailable(reason: str) -> None:
    """Skip, or fail where CI requires the browser (ASYNCSTAB_REQUIRE_BROWSER=1)."""
    if os.environ.get("ASYNCSTAB_REQUIRE_BROWSER") == "1":
        pytest.fail(f"ASYNCSTAB_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


def open_page(browser: Any, url: str) -> None:
    """Load ``url`` and wait until MathJax has typeset it."""
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(url)
    WebDriverWait(browser, PAGE_TIMEOUT).until(
        lambda d: d.execute_script(
            "return document.readyState === 'complete' && !!window.MathJax"
            " && !!MathJax.Hub && MathJax.Hub.queue.pending === 0"
            " && MathJax.Hub.queue.running === 0"
        )
    )
