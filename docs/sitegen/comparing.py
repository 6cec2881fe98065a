"""Comparing bounds: ``asyncstab compare`` run at build time, with its plot and answer.

The table and the figure are the CLI's output at :data:`SETTING`; the sentences
that answer "which bound is tightest here, and by how much?" are computed from
``bounds.compare`` at the same setting, and at the same setting on a smaller set
(:data:`SMALL_DIAMETER`), so no number on the page is typed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .cli import run_cli
from .paths import cached_dir

#: The logistic loss with ||x|| <= 1 (L = 1, beta = 1/4) on a set of diameter 4;
#: F(w*) <= F(0) = log 2 because 0 lies in the set.
SETTING: dict[str, str] = {
    "loss-family": "convex-smooth",
    "n-samples": "5000",
    "n-steps": "20000",
    "step-size": "0.05",
    "max-delay": "16",
    "smoothness": "0.25",
    "lipschitz": "1",
    "diameter": "4",
    "optimal-risk": "0.6931",
    "train-loss": "0.3",
}
DELAYS = "0,1,2,4,8,16,32"
SMALL_DIAMETER = "1"
PLOT = "compare_max_delay.png"

_INTRO = """\
# Comparing bounds

`asyncstab compare` evaluates every registered bound at one setting and answers
"which published bound is tightest here, and by how much?". Each row says what the
bound bounds (uniform stability, on-average model stability, generalization gap,
excess risk), its value, the same bound as a bound on the **expected generalization
gap** where a published conversion exists (uniform stability: Hardt et al. 2016,
Thm 2.2; on-average model stability: Lei & Ying 2020, Thm 2(b), which needs an upper
estimate of the expected training loss, `--train-loss`), whether it applies (if not,
the first unmet assumption or condition, quoted), and the rank among the gap values
(ties share a rank). No two quantities are compared without the conversion that
links them; excess risk has none, so it is shown but not ranked. Rate-only entries
follow in their own block, with their claimed exponents at this setting.

The setting below is the logistic loss with $\\|x\\| \\le 1$ ($L = 1$, $\\beta = 1/4$)
on a set of diameter 4, where $F(w^*) \\le F(0) = \\log 2$ because 0 lies in the set.
The output was produced by running the command when this site was built.
"""


def _command(setting: dict[str, str], extra: str = "") -> str:
    flags = " ".join(f"--{k} {v}" for k, v in setting.items())
    return f"asyncstab compare {flags}{extra}"


def _without_delay() -> dict[str, str]:
    return {k: v for k, v in SETTING.items() if k != "max-delay"}


def _record(folder: Path) -> None:
    small = dict(SETTING, diameter=SMALL_DIAMETER)
    runs = {
        "table": run_cli(_command(SETTING), folder).stdout,
        "json": run_cli(_command(SETTING, " --json"), folder).stdout,
        "small": run_cli(_command(small, " --json"), folder).stdout,
    }
    grid = f" --grid max_delay={DELAYS} --plot {PLOT}"
    run_cli(_command(_without_delay(), grid), folder)
    (folder / "runs.json").write_text(json.dumps(runs), encoding="utf-8")


def _gap_rows(payload: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(payload)["rows"]
    return sorted((r for r in rows if r.get("rank")), key=lambda r: r["rank"])


def _fmt(x: float) -> str:
    return f"{x:.4g}"


def answer(payload: str) -> str:
    """The tightest gap bound at a setting, and the next rank's first, from ``--json``.

    A clause (lower case) for the page's sentences; rows that share a rank are
    equally tight, so "the next" is the first row of the next rank.
    """
    rows = _gap_rows(payload)
    if not rows:
        return "no registered bound applies at this setting."
    best = rows[0]
    text = (
        f"the tightest bound on the gap is `{best['key']}` ({_fmt(best['gap'])}, "
        f"bounding {best['quantity']})"
    )
    worse = [r for r in rows if r["rank"] > best["rank"]]
    if worse:
        nxt = worse[0]
        text += (
            f"; the next is `{nxt['key']}` ({_fmt(nxt['gap'])} as a gap), "
            f"{_fmt(nxt['gap'] / best['gap'])} times larger"
        )
    return text + "."


def page() -> tuple[str, dict[str, bytes]]:
    """Markdown of ``comparing.md`` and its figure."""
    key = json.dumps([SETTING, DELAYS, SMALL_DIAMETER])
    folder = cached_dir("comparing", key, _record)
    runs = json.loads((folder / "runs.json").read_text(encoding="utf-8"))
    lines = [
        _INTRO,
        "```text",
        f"$ {_command(SETTING)}",
        runs["table"].rstrip(),
        "```",
        "",
        f"**Answer at this setting:** {answer(runs['json'])} At diameter "
        f"{SMALL_DIAMETER} (the same setting otherwise), {answer(runs['small'])}",
        "",
        "`--grid` with `--plot FILE` draws the applicable bounds, as gap bounds, against",
        "the delay:",
        "",
        "```text",
        f"$ {_command(_without_delay(), f' --grid max_delay={DELAYS} --plot {PLOT}')}",
        "```",
        "",
        f"![applicable bounds against the delay]({PLOT})",
        "",
        'From Python: `bounds.compare("convex-smooth", n_samples=5000, ...)` returns a',
        "table of frozen rows (`.tightest()`, `.to_dicts()`, `.to_pandas()` when pandas",
        "is installed). The walkthrough *06 compare bounds* maps the comparison out as",
        "the delay grows, at a fixed step and at a step that shrinks with the delay.",
        "",
    ]
    return "\n".join(lines), {PLOT: (folder / PLOT).read_bytes()}
