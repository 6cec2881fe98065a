"""The bound explorer page in headless Chromium, against ``evaluate`` in Python.

Each evaluable theorem is evaluated by the page's generated JavaScript at 200
random settings (a seeded numpy generator; some settings violate a condition,
a relation between constants or ``tau <= T``, where both sides must refuse) and
compared with :meth:`bounds.Theorem.evaluate`. The comparison is shown to fail
on a page generated with one closed form multiplied by ``1 + 1e-6``. The URL
round-trips a setting, and a theorem whose condition fails is greyed out with
the reason. Fixtures (one build, one server, one browser) are in ``conftest.py``.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import bounds
from tests._tolerances import RTOL_JS

from ._browser import PAGE_TIMEOUT

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.docs, pytest.mark.slow, pytest.mark.xdist_group("docs-site")]

#: Settings per theorem (the issue asks for 200).
N_SETTINGS = 200
#: Theorem altered by the negative test, and by how much.
ALTERED, FACTOR = "delayed-cvx", 1.0 + 1e-6

Case = tuple[str, dict[str, Any]]
RunJs = Callable[[list[Case]], list[tuple[float | None, str | None]]]


def _sitegen() -> Any:
    sys.path.insert(0, str(ROOT / "docs"))
    try:
        from sitegen import explorer
    finally:
        sys.path.remove(str(ROOT / "docs"))
    return explorer


# ---------------------------------------------------------------- settings
def _log_uniform(rng: np.random.Generator, low: float, high: float) -> float:
    return float(np.exp(rng.uniform(np.log(low), np.log(high))))


def _count(rng: np.random.Generator, low: float, high: float) -> int:
    return round(_log_uniform(rng, low, high))


def draw(theorem: Any, rng: np.random.Generator) -> dict[str, Any]:
    """One setting of ``theorem``'s arguments, mostly inside its domain.

    About one draw in four breaks a rule on purpose: a step above the
    theorem's limit (factor up to 1.5), ``D_1 > r``, ``gamma > beta``, a delay
    where the theorem needs none, ``tau > T``, a batch larger than ``n``, or
    summed workers whose step weight takes the step past ``2 / (K beta)``.
    """
    takes = {*theorem.accepted, *theorem.options}
    p: dict[str, Any] = {"n_samples": _count(rng, 2, 1e6)}
    if "n_steps" in takes:
        p["n_steps"] = _count(rng, 1, 1e6)
    ranges = {"lipschitz": (0.1, 10), "smoothness": (0.05, 10), "c": (0.01, 10)}
    ranges |= {"diameter": (0.1, 10)}
    for name, (low, high) in ranges.items():
        if name in takes:
            p[name] = _log_uniform(rng, low, high)
    if "loss_bound" in takes and rng.random() < 0.7:  # else its default, 1
        p["loss_bound"] = _log_uniform(rng, 0.1, 10)
    if "strong_convexity" in takes:  # gamma > beta in ~5% of draws
        p["strong_convexity"] = p["smoothness"] * _log_uniform(rng, 0.01, 1.25)
    if "init_distance" in takes:  # D_1 > r in ~13% of draws
        p["init_distance"] = p["diameter"] * float(rng.uniform(0.0, 1.15))
    for name in ("optimal_risk", "train_loss"):
        if name in takes:
            p[name] = float(rng.uniform(0.0, 2.0))
    u = rng.random()
    if u < 0.35:
        p["max_delay"] = 0
    elif u < 0.95 or "n_steps" not in p:
        p["max_delay"] = _count(rng, 1, 200)
    else:  # a delay longer than the run
        p["max_delay"] = p["n_steps"] + _count(rng, 1, 100)
    if "step_weight" in theorem.parameters:
        _protocol(theorem, p, rng)
    if "batch_size" in takes:  # b > n when n is small
        p["batch_size"] = _count(rng, 1, 64)
    if theorem.schedule == "constant":
        limit = theorem.step_size_limit(**{k: v for k, v in p.items() if k != "c"})
        top = 1.0 if math.isinf(limit) else limit
        p["step_size"] = top * _log_uniform(rng, 1e-3, 1.5)
    return p


def _protocol(theorem: Any, p: dict[str, Any], rng: np.random.Generator) -> None:
    """A part-3 theorem's update: one worker (defaults), described workers
    (averaged or summed, with or without a period) or its constants K, M."""
    mode = int(rng.integers(4))
    if mode == 1:
        p["n_workers"] = _count(rng, 1, 64)
        p["aggregation"] = str(rng.choice(["mean", "sum"]))
    elif mode == 2:
        p["n_workers"] = _count(rng, 1, 64)
        p["aggregation"] = "sum"
        p["period"] = _count(rng, 1, 16)
        del p["max_delay"]  # the period sets it
    elif mode == 3:
        for name in ("step_weight", "arrivals"):
            if name in theorem.parameters:
                p[name] = _count(rng, 1, 8)


def cases(seed: int = 20260430) -> list[Case]:
    """:data:`N_SETTINGS` settings of every evaluable theorem."""
    rng = np.random.default_rng(seed)
    return [
        (key, draw(t, rng))
        for key, t in bounds.REGISTRY.items()
        for _ in range(N_SETTINGS)
    ]


# ---------------------------------------------------------------- comparison
def compare(run_js: RunJs, todo: list[Case]) -> tuple[list[str], dict[str, int]]:
    """Mismatches between the page and ``evaluate``, and the number of values
    (not refusals) compared per theorem.

    A mismatch is one side refusing where the other gives a value, both
    refusing but naming different arguments, or two values further apart than
    :data:`RTOL_JS` relative.
    """
    out: list[str] = []
    compared: dict[str, int] = dict.fromkeys(bounds.REGISTRY, 0)
    for (key, params), (value, reason) in zip(todo, run_js(todo), strict=True):
        try:
            expected: float | None = float(bounds.REGISTRY[key].evaluate(**params))
            why = ""
        except bounds.InvalidParameterError as err:
            expected, why = None, str(err)
        if expected is None and value is None:
            # both refuse, naming the same argument ("step_size=0.9 violates ...")
            if why.split("=")[0] != str(reason).split("=")[0]:
                out.append(f"{key} {params}: python says {why!r}, js {reason!r}")
            continue
        if expected is None or value is None:
            out.append(
                f"{key} {params}: python {expected} ({why}), js {value} ({reason})"
            )
            continue
        compared[key] += 1
        if not math.isclose(value, expected, rel_tol=RTOL_JS, abs_tol=0.0):
            out.append(f"{key} {params}: python {expected!r}, js {value!r}")
    return out, compared


_BATCH = """
return arguments[0].map(([key, params]) => {
  const r = window.asyncstabExplorer.evaluate(key, params);
  return [r.value, r.reason];
});
"""


def _runner(browser: Any) -> RunJs:
    def run(todo: list[Case]) -> list[tuple[float | None, str | None]]:
        out: list[tuple[float | None, str | None]] = []
        for i in range(0, len(todo), 500):  # a few large execute_script calls
            batch = [[k, p] for k, p in todo[i : i + 500]]
            out += [tuple(r) for r in browser.execute_script(_BATCH, batch)]
        return out

    return run


def _open_explorer(browser: Any, url: str) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get("about:blank")  # a new hash alone would not reload the page
    browser.get(url)
    WebDriverWait(browser, PAGE_TIMEOUT).until(
        lambda d: d.execute_script(
            "return !!window.asyncstabExplorer && window.asyncstabExplorer.drawn > 0"
        )
    )


@pytest.fixture(scope="module")
def todo() -> list[Case]:
    return cases()


# ---------------------------------------------------------------- tests
def test_page_agrees_with_evaluate(
    browser: Any, base_url: str, todo: list[Case]
) -> None:
    _open_explorer(browser, base_url + "explorer/")
    keys = browser.execute_script("return window.asyncstabExplorer.theorems")
    assert keys == list(bounds.REGISTRY), keys
    bad, compared = compare(_runner(browser), todo)
    assert not bad, f"{len(bad)} mismatches, e.g. {bad[:3]}"
    # Neither side may be vacuous: most settings give a value, some a refusal.
    for key, count in compared.items():
        assert N_SETTINGS // 4 <= count < N_SETTINGS, (key, count)


@pytest.fixture
def standalone(browser: Any, tmp_path: Path) -> Callable[..., RunJs]:
    """Open a bare HTML file holding a freshly generated data script (with the
    given factors) and the explorer's evaluation script, with no site and no
    server."""
    explorer = _sitegen()
    engine = (ROOT / "docs" / "assets" / "explorer-engine.js").read_text(
        encoding="utf-8"
    )

    def load(**factors: float) -> RunJs:
        data = explorer.script(factors=factors)
        page = tmp_path / f"explorer-{len(factors)}.html"
        page.write_text(
            f"<!doctype html><html><body><script>{data}</script>"
            f"<script>{engine}</script></body></html>",
            encoding="utf-8",
        )
        browser.get(page.as_uri())
        return _runner(browser)

    return load


def test_altered_expression_is_caught(
    standalone: Callable[..., RunJs], todo: list[Case]
) -> None:
    altered = [c for c in todo if c[0] in (ALTERED, "hardt-cvx")]
    bad, compared = compare(standalone(), altered)
    assert not bad, bad[:3]  # the unaltered page passes ...
    bad, _ = compare(standalone(**{ALTERED: FACTOR}), altered)
    # ... and the altered one fails at every value of the altered theorem, and
    # only there.
    assert len(bad) == compared[ALTERED] > 0, (len(bad), compared)
    assert all(b.startswith(ALTERED + " ") for b in bad), bad[:3]


def _state(browser: Any) -> dict[str, Any]:
    state: dict[str, Any] = browser.execute_script(
        "return window.asyncstabExplorer.state()"
    )
    return state


def test_url_round_trips_a_setting(browser: Any, base_url: str) -> None:
    url = (
        base_url + "explorer/#x=n_samples&schedule=constant&loss=nonconvex"
        "&aggregation=sum&n_samples=5000&step_size=0.01&max_delay=12&n_workers=8"
    )
    _open_explorer(browser, url)
    state = _state(browser)
    assert state["x"] == "n_samples"
    assert (state["schedule"], state["loss"], state["aggregation"]) == (
        "constant",
        "nonconvex",
        "sum",
    )
    assert state["values"]["n_samples"] == 5000
    assert state["values"]["step_size"] == 0.01
    assert state["values"]["n_workers"] == 8
    # A change made in the page goes to the address bar ...
    browser.execute_script(
        "const i = document.querySelector('input.number[name=lipschitz]');"
        "i.value = '3.5'; i.dispatchEvent(new Event('change'));"
    )
    shared = browser.current_url
    assert "lipschitz=3.5" in shared, shared
    before = _state(browser)
    # ... and a fresh load of that address restores the whole setting.
    _open_explorer(browser, shared)
    assert _state(browser) == before
    assert before["values"]["lipschitz"] == 3.5


def _rows(browser: Any) -> dict[str, tuple[str, str]]:
    rows = browser.execute_script(
        "return [...document.querySelectorAll('#asyncstab-explorer tbody tr')]"
        ".map(r => [r.dataset.key, r.className, r.querySelector('.value').textContent])"
    )
    return {k: (cls, text) for k, cls, text in rows}


def _drawn(browser: Any, key: str) -> int:
    count: int = browser.execute_script(
        f"return document.querySelectorAll('svg [data-key=\"{key}\"]').length"
    )
    return count


def test_failing_condition_is_greyed_out(browser: Any, base_url: str) -> None:
    # beta = 0.25: eta = 9 > 2/beta = 8 breaks [D-cvx] and [H-cvx]; the delay 4
    # breaks [H-ncvx] too. x = n_samples: the step and the delay are fixed.
    _open_explorer(browser, base_url + "explorer/#x=n_samples&step_size=9&max_delay=4")
    rows = _rows(browser)
    assert rows["delayed-cvx"][0] == "na", rows["delayed-cvx"]
    assert "violates eta <= 2/beta" in rows["delayed-cvx"][1], rows["delayed-cvx"]
    assert _drawn(browser, "delayed-cvx") == 0
    assert rows["hardt-ncvx"][0] == "na"
    assert "requires no delay" in rows["hardt-ncvx"][1], rows["hardt-ncvx"]
    # A theorem whose conditions hold has a value and a curve.
    assert rows["delayed-ncvx"][0] == "", rows["delayed-ncvx"]
    assert _drawn(browser, "delayed-ncvx") > 0
    # The same step within the limit: [D-cvx] is back.
    _open_explorer(
        browser, base_url + "explorer/#x=n_samples&step_size=0.05&max_delay=4"
    )
    assert _rows(browser)["delayed-cvx"][0] == ""
    assert _drawn(browser, "delayed-cvx") > 0
