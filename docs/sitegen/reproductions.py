"""The reproductions page: each experiment's fidelity table against the authors' code.

Generated from the experiment definitions at build time
(:func:`empirical.runs._fidelity.fidelity_table`), never pasted, so the page
cannot drift from what ``asyncstab reproduce`` runs. Needs only the package
(no JAX run): the tables are computed from the settings.
"""

from __future__ import annotations

_INTRO = """# Reproductions: what is the same, what differs, and why

`asyncstab reproduce regatti2019 | deng2024 | delay-question` re-runs the published
experiments under their worker protocols on coupled pairs. Each table below sets
every parameter beside the value in the authors' public code (repository, file and
line), ours at `--quick` and at full size, and the reason for each difference. The
two regime rows decide comparability: the largest delay (staleness, in updates) as
a fraction of an epoch and of all updates. Every `report.md` opens with the same
table, with a column for the sizes it actually ran.
"""

_TITLES = {
    "regatti2019": "Regatti et al. 2019 (`asyncstab reproduce regatti2019`)",
    "deng2024": "Deng et al. 2024 (`asyncstab reproduce deng2024`)",
    "delay-question": "The delay question (`asyncstab reproduce delay-question`)",
}


def page() -> str:
    """Markdown of ``reproductions.md``."""
    from empirical.runs._experiments import EXPERIMENTS
    from empirical.runs._fidelity import fidelity_table

    lines = [_INTRO]
    for name in EXPERIMENTS:
        lines += [f"## {_TITLES[name]}", "", fidelity_table(name), ""]
    return "\n".join(lines)
