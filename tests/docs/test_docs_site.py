"""The documentation site in a real browser: built strictly, served on localhost,
opened in headless Chromium (Debian's ``chromium`` and ``chromium-driver``).

Checks what a reader sees: the math rendered (no raw ``$...$``, ``\\(``, or
``\\frac`` left in the visible text), a walkthrough shows its figures, a theorem
page shows its plot, the search answers "on-average", every public name has its
anchor in the API reference, and nothing is loaded from outside localhost.

``ASYNCSTAB_DOCS_SITE=DIR`` reuses a site already built with ``mkdocs build
--strict`` (CI builds it once); otherwise the test builds it. Without a browser
the tests skip, unless ``ASYNCSTAB_REQUIRE_BROWSER=1`` (CI), where they fail.
``ASYNCSTAB_DOCS_SCREENSHOTS=DIR`` saves screenshots of two pages there.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import pytest

from ._browser import PAGE_TIMEOUT, open_page

ROOT = Path(__file__).resolve().parents[2]
# One xdist worker runs them all: they share one build, one server, one browser.
pytestmark = [pytest.mark.docs, pytest.mark.slow, pytest.mark.xdist_group("docs-site")]

#: Text of the article that a reader sees as prose: no code, no scripts, no
#: typeset math (MathJax keeps the TeX source in a hidden script element).
_VISIBLE_PROSE = """
const out = [];
const walker = document.createTreeWalker(document.querySelector('article'), NodeFilter.SHOW_TEXT);
while (walker.nextNode()) {
  const el = walker.currentNode.parentElement;
  if (el.closest('pre, code, script, style, .MathJax, .MathJax_Display, .MJX_Assistive_MathML')) continue;
  if (!el.offsetParent && getComputedStyle(el).position !== 'fixed') continue;
  out.push(walker.currentNode.textContent);
}
return out.join(' ');
"""


def _assert_math_rendered(browser: Any, page: str) -> int:
    text = browser.execute_script(_VISIBLE_PROSE)
    assert "\\frac" not in text, f"{page}: raw \\frac in the visible text"
    raw = re.findall(r"\$[^$\s][^$]*?\$|\\\(|\\\[", text)
    assert not raw, f"{page}: raw math in the visible text: {raw[:3]}"
    typeset: int = browser.execute_script(
        "return document.querySelectorAll('article .MathJax, article .MathJax_Display').length"
    )
    return typeset


@pytest.mark.parametrize(
    "page",
    ["theory/", "stability/", "theorems/delayed-cvx/", "walkthroughs/01_bounds_tour/"],
)
def test_math_is_rendered(browser: Any, base_url: str, page: str) -> None:
    open_page(browser, base_url + page)
    assert _assert_math_rendered(browser, page) > 0, f"{page}: no typeset formula"


def test_every_page_has_no_raw_math(browser: Any, base_url: str, site: Path) -> None:
    pages = sorted(
        p.parent.relative_to(site).as_posix() for p in site.rglob("index.html")
    )
    pages = [p for p in pages if not p.startswith(("assets", "search"))]
    assert len(pages) > 10
    for page in pages:
        open_page(browser, base_url + ("" if page == "." else page + "/"))
        _assert_math_rendered(browser, page)


def _images(browser: Any) -> list[tuple[str, int]]:
    return browser.execute_script(
        "return [...document.querySelectorAll('article img')]"
        ".map(i => [i.getAttribute('src'), i.complete ? i.naturalWidth : 0]);"
    )


def test_walkthrough_shows_its_figures(browser: Any, base_url: str) -> None:
    open_page(browser, base_url + "walkthroughs/02_convex_verification/")
    images = _images(browser)
    assert images, "no figure on the walkthrough page"
    assert all(width > 100 for _, width in images), images


def test_theorem_page_shows_its_plot(browser: Any, base_url: str) -> None:
    open_page(browser, base_url + "theorems/regatti-ncvx/")
    images = _images(browser)
    assert len(images) == 1, images
    assert images[0][1] > 100, images
    assert "Reconstruction" in browser.find_element("css selector", "article").text


def test_search_answers_on_average(browser: Any, base_url: str, site: Path) -> None:
    index = json.loads(
        (site / "search" / "search_index.json").read_text(encoding="utf-8")
    )
    if not any(
        "on-average" in d["text"].lower() or "on-average" in d["title"].lower()
        for d in index["docs"]
    ):
        pytest.skip("'on-average' does not occur in the docs yet")
    from selenium.webdriver.support.ui import WebDriverWait

    open_page(browser, base_url)
    browser.find_element(
        "css selector", "label.md-search__icon, .md-search__input"
    ).click()
    box = browser.find_element("css selector", "input.md-search__input")
    box.send_keys("on-average")
    # The result list is re-rendered as the query is typed: read it in one script.
    links: list[str] = []

    def answered(d: Any) -> bool:
        links[:] = d.execute_script(
            "return [...document.querySelectorAll('.md-search-result__item a')]"
            ".map(a => a.href)"
        )
        return any("/stability/" in h for h in links)

    try:
        WebDriverWait(browser, PAGE_TIMEOUT).until(answered)
    except Exception:
        pytest.fail(f"search for 'on-average' did not list the stability page: {links}")


def test_everything_loads_from_localhost(browser: Any, base_url: str) -> None:
    for page in [
        "",
        "theory/",
        "walkthroughs/01_bounds_tour/",
        "reference/bounds/",
        "explorer/",
    ]:
        open_page(browser, base_url + page)
        names = browser.execute_script(
            "return performance.getEntriesByType('resource').map(e => e.name)"
        )
        outside = [n for n in names if not n.startswith(base_url)]
        assert not outside, f"{page or 'home'} loads {outside[:3]}"


def test_every_public_name_has_an_anchor(site: Path) -> None:
    sys.path.insert(0, str(ROOT / "docs"))
    try:
        from sitegen import api
    finally:
        sys.path.remove(str(ROOT / "docs"))
    for entry in api.entries():
        page = site / entry.page.removesuffix(".md") / "index.html"
        html = page.read_text(encoding="utf-8")
        anchor = entry.identifier if entry.kind == "module" else entry.anchor
        assert f'id="{anchor}"' in html, f"{entry.anchor}: no anchor in {entry.page}"
        role = re.search(r":(class|func|meth|mod|data|attr):`", html)
        assert role is None, f"{entry.page}: a reST role printed verbatim"


def test_screenshots(browser: Any, base_url: str) -> None:
    folder = os.environ.get("ASYNCSTAB_DOCS_SCREENSHOTS")
    if not folder:
        pytest.skip("ASYNCSTAB_DOCS_SCREENSHOTS is not set")
    Path(folder).mkdir(parents=True, exist_ok=True)
    for page, name in [
        ("theorems/delayed-cvx/", "theorem"),
        ("walkthroughs/02_convex_verification/", "walkthrough"),
    ]:
        open_page(browser, base_url + page)
        if name == "walkthrough":  # show its first figure
            browser.execute_script(
                "document.querySelector('article img').scrollIntoView({block: 'center'})"
            )
        assert browser.save_screenshot(str(Path(folder) / f"{name}.png"))
