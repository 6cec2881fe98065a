"""Worked examples: one calculator command per theorem, and the API from Python.

Every output on the page is produced by running the command (or the Python
code) when the site is built, in a cached folder; a command that fails, or that
exits with another status than the one it is meant to show, stops the build.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from .cli import DocsBuildError, run_cli
from .paths import ROOT, cached_dir

#: (what it shows, command, expected exit status), in page order.
COMMANDS: tuple[tuple[str, str, int], ...] = (
    (
        "[H-cvx]: convex, no delay",
        "asyncstab bound --theorem hardt-cvx --n-samples 500 --n-steps 1000 "
        "--step-size 0.01 --lipschitz 1 --smoothness 1",
        0,
    ),
    (
        "[H-scvx]: strongly convex, projected",
        "asyncstab bound --theorem hardt-scvx --n-samples 1000 --step-size 0.1 "
        "--lipschitz 1 --smoothness 1 --strong-convexity 0.1",
        0,
    ),
    (
        "[H-ncvx]: nonconvex, decaying step c/t",
        "asyncstab bound --theorem hardt-ncvx --n-samples 50000 --n-steps 100000 "
        "--c 0.5 --lipschitz 1 --smoothness 1",
        0,
    ),
    (
        "[R-ncvx] (reconstruction) against the delay",
        "asyncstab bound --theorem regatti-ncvx --n-samples 50000 --n-steps 100000 "
        "--c 0.5 --lipschitz 1 --smoothness 1 --grid max_delay=0,1,4,16,32",
        0,
    ),
    (
        "[D-cvx]: convex with delay",
        "asyncstab bound --theorem delayed-cvx --n-samples 500 --n-steps 1000 "
        "--step-size 0.01 --lipschitz 1 --smoothness 1 --grid max_delay=0,8,32",
        0,
    ),
    (
        "[D-ncvx]: nonconvex, any data-independent delays",
        "asyncstab bound --theorem delayed-ncvx --n-samples 50000 --n-steps 100000 "
        "--c 0.5 --lipschitz 1 --smoothness 1 --grid max_delay=0,16,1000",
        0,
    ),
    (
        "[D-ncvx-W]: the seed code's protocol (4 workers averaged, batch 64, clip 1)",
        "asyncstab bound --theorem delayed-ncvx-workers --n-samples 60000 "
        "--n-steps 35000 --c 0.1 --lipschitz 1 --smoothness 1 --n-workers 4 "
        "--aggregation mean --batch-size 64 --max-delay 64 --clip 1",
        0,
    ),
    (
        "[D-cvx-W]: Deng et al.'s summed arrivals, fixed period",
        "asyncstab bound --theorem delayed-cvx-workers --n-samples 500 --n-steps 1000 "
        "--step-size 0.01 --lipschitz 1 --smoothness 1 --n-workers 4 "
        "--aggregation sum --period 4",
        0,
    ),
    (
        "[DSL-cvx]: on-average model stability, projected, no Lipschitz constant",
        "asyncstab bound --theorem deng-cvx --n-samples 5000 --n-steps 20000 "
        "--step-size 0.05 --max-delay 16 --smoothness 0.25 --diameter 1 "
        "--optimal-risk 0.6931",
        0,
    ),
    (
        "[DSL-excess]: the excess risk of the weighted average",
        "asyncstab bound --theorem deng-excess --n-samples 5000 --n-steps 20000 "
        "--step-size 0.05 --max-delay 16 --smoothness 0.25 --lipschitz 1 "
        "--diameter 1 --optimal-risk 0.6931",
        0,
    ),
    (
        "[DSL-gen]: Deng et al. 2024 as a bound on the generalization gap",
        "asyncstab bound --theorem deng-gen --n-samples 5000 --n-steps 20000 "
        "--step-size 0.05 --max-delay 16 --smoothness 0.25 --diameter 1 "
        "--optimal-risk 0.6931 --train-loss 0.3",
        0,
    ),
    (
        "The largest step size for a target gap, against the delay",
        "asyncstab step-size --theorem delayed-cvx --target-gap 0.05 --n-samples 500 "
        "--n-steps 1000 --lipschitz 1 --smoothness 1 --grid max_delay=0,1,8,32",
        0,
    ),
    (
        "The smallest training set for a target gap",
        "asyncstab samples --theorem hardt-ncvx --target-gap 0.01 --n-steps 100000 "
        "--c 0.5 --lipschitz 1 --smoothness 1",
        0,
    ),
    (
        "A refused input: one line on stderr, exit status 2",
        "asyncstab bound --theorem hardt-cvx --n-samples 500 --n-steps 1000 "
        "--step-size 0.5 --lipschitz 1 --smoothness 10",
        2,
    ),
)

#: The API from Python, run as a script; its printed lines are shown below it.
PYTHON = """\
import numpy as np
from bounds import THEOREMS, recursion_bound

d_cvx = THEOREMS["delayed-cvx"]
setting = dict(n_samples=500, n_steps=1000, lipschitz=1, smoothness=1)
# vectorised over max_delay
print(d_cvx.evaluate(step_size=0.01, max_delay=np.arange(9), **setting))
# the largest step size for a target gap of 0.05 at tau = 8
print(d_cvx.max_step_size(0.05, max_delay=8, **setting))
# the proof's recursion on an actual schedule and delay sequence
delays = np.random.default_rng(0).integers(0, 9, 1000)
print(
    recursion_bound(
        d_cvx,
        step_sizes=np.full(1000, 0.01),
        delays=delays,
        n_samples=500,
        lipschitz=1,
        smoothness=1,
    )
)
"""

_PROSE = """\
`asyncstab list` lists every theorem with its conditions and source;
`asyncstab show delayed-cvx --latex --bibtex` prints the statement, its LaTeX and
the BibTeX entry. `--json` (`bound`, `step-size`, `samples`, `list`, `show`) gives
full-precision numbers, counts as integers, and `"value": null` with a finite
`log10_bound` where a bound lies outside the float64 range (the table still prints
it). Bounds are evaluated in log space, so no intermediate overflows. A bound at or
above the loss range is flagged `VACUOUS`. `--grid` takes each axis once, not
together with a constant of the same name, and no empty value; a number float64
cannot hold (an overflow, an underflow, a subnormal) is refused by name, never
rounded to `inf` or `0`.
"""


def _record(folder: Path) -> None:
    runs = []
    for _, command, status in COMMANDS:
        run = run_cli(command, folder, status=status)
        runs.append({"command": command, "stdout": run.stdout, "stderr": run.stderr})
    (folder / "runs.json").write_text(json.dumps(runs), encoding="utf-8")
    script = folder / "example.py"
    script.write_text(PYTHON, encoding="utf-8")
    env = dict(os.environ, MPLBACKEND="Agg")
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(ROOT), env.get("PYTHONPATH")])
    )
    proc = subprocess.run(
        [sys.executable, str(script)],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if proc.returncode != 0:
        raise DocsBuildError(f"the Python example failed:\n{proc.stderr[-2000:]}")
    (folder / "python.txt").write_text(proc.stdout, encoding="utf-8")


def page() -> str:
    """Markdown of ``examples.md``."""
    key = json.dumps([COMMANDS, PYTHON])
    folder = cached_dir("worked-examples", key, _record)
    runs = json.loads((folder / "runs.json").read_text(encoding="utf-8"))
    lines = [
        "# Worked examples",
        "",
        "One calculator command per theorem, then the inverse questions and a refused",
        "input. Every output on this page was produced by running the command when",
        "this site was built. The parameters are those of the [name table](names.md).",
        "",
    ]
    for (title, _, _), run in zip(COMMANDS, runs, strict=True):
        shown = (run["stdout"] + run["stderr"]).rstrip()
        lines += [f"## {title}", "", "```text", f"$ {run['command']}", shown, "```", ""]
    lines += ["## Output formats and input rules", "", _PROSE]
    lines += [
        "## From Python",
        "",
        "The same theorems as objects (`bounds.THEOREMS`, `bounds.REGISTRY`): the",
        "closed form, the inverse questions and the proof's recursion.",
        "",
        "```python",
        PYTHON.rstrip(),
        "```",
        "",
        "prints (run when this site was built):",
        "",
        "```text",
        (folder / "python.txt").read_text(encoding="utf-8").rstrip(),
        "```",
        "",
        "Every public name: [API reference](reference/index.md).",
        "",
    ]
    return "\n".join(lines)
