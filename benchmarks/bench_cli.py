"""Start-up of the ``asyncstab`` command against ``python -c "import numpy"``.

Times, in one run, ``asyncstab --help``, ``asyncstab list`` and the README's
``bound`` example (``asyncstab bound --theorem delayed-cvx ... --grid
max_delay=0,8,32``), each as a fresh process, and divides each by the wall time
of ``python -c "import numpy"`` measured in the same run. The commands are run
in turns (numpy, help, list, bound, numpy, ...) so that a change of load hits
them alike, and each time is the median of ``--repeats`` runs. Targets on a
quiet 2-core machine: ``--help`` and ``list`` at most 3x, ``bound`` at most 6x.

The first run of a new version builds the catalogue that ``list``, ``show`` and
``bound`` read (sympy, about a second; cached on disk, see ``bounds/_catalogue.py``):
a warm-up run comes first, and the first run against an empty cache is timed
once and printed apart.

Prints numbers only; nothing is asserted. Run: ``python benchmarks/bench_cli.py``
(``--command asyncstab`` times the installed console script instead of
``python -m empirical.cli._cli``).
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

README_BOUND = (
    "bound --theorem delayed-cvx --n-samples 500 --n-steps 1000 --step-size 0.01 "
    "--lipschitz 1 --smoothness 1 --grid max_delay=0,8,32"
)

#: name, arguments of asyncstab, target ratio.
COMMANDS = (
    ("asyncstab --help", "--help", 3.0),
    ("asyncstab list", "list", 3.0),
    ("asyncstab bound (README)", README_BOUND, 6.0),
)


def _wall(argv: list[str], env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, cwd=ROOT, env=env)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=9, help="runs of each command")
    ap.add_argument(
        "--command",
        default=f"{shlex.quote(sys.executable)} -m empirical.cli._cli",
        help="how to start asyncstab (default: this Python, -m empirical.cli._cli)",
    )
    args = ap.parse_args()
    cli = shlex.split(args.command)
    numpy = [sys.executable, "-c", "import numpy"]
    runs = [shlex.split(a) for _, a, _ in COMMANDS]
    for argv in runs:  # warm-up: the catalogue is built and cached once
        _wall([*cli, *argv])
    times: dict[int, list[float]] = {i: [] for i in range(-1, len(runs))}
    for _ in range(args.repeats):
        times[-1].append(_wall(numpy))
        for i, argv in enumerate(runs):
            times[i].append(_wall([*cli, *argv]))
    with tempfile.TemporaryDirectory() as empty:
        cold = _wall([*cli, "list"], env={**os.environ, "ASYNCSTAB_CACHE_DIR": empty})

    base = statistics.median(times[-1])
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, load average {load:.2f} (1 min) at the end"
    )
    print(f"median of {args.repeats} runs each; ratio = time / time of numpy\n")
    print(f"{'command':<28}  {'median s':>8}  {'ratio':>5}  target")
    numpy_name = 'python -c "import numpy"'
    print(f"{numpy_name:<28}  {base:8.3f}  {1.0:5.2f}")
    for i, (name, _, target) in enumerate(COMMANDS):
        t = statistics.median(times[i])
        ratio = t / base
        verdict = "ok" if ratio <= target else "ABOVE"
        print(f"{name:<28}  {t:8.3f}  {ratio:5.2f}  <= {target:g} {verdict}")
    print(f"\nfirst run, empty catalogue cache: asyncstab list {cold:.3f} s")


if __name__ == "__main__":
    main()
