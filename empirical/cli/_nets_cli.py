"""The ``asyncstab reproduce`` subcommand (registered by :mod:`empirical.cli._cli`).

Registering it imports neither JAX nor the network modules; they load when the
command runs. Without the ``nets`` extra the command says so in one line and
exits with status 2.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

__all__ = ["register", "run"]

_NAMES = ("regatti2019", "deng2024", "delay-question")


def register(sub: Any) -> argparse.ArgumentParser:
    """Add ``reproduce`` to an argparse subparsers object."""
    p = sub.add_parser(
        "reproduce",
        help="reproduce a published network experiment (needs the nets extra)",
        description="Coupled pairs of networks on MNIST-1D under a published worker "
        "protocol: the papers' gap curves plus on-average stability, with paired "
        "intervals. Writes results.json, report.md and figures.",
    )
    p.add_argument("experiment", choices=_NAMES)
    p.add_argument(
        "--quick", action="store_true", help="small sizes (minutes on 2 cores)"
    )
    p.add_argument("--output", help="results folder (default: reproduce-EXPERIMENT)")
    p.add_argument("--device", default="cpu", choices=["cpu", "gpu"])
    p.add_argument(
        "--resume", action="store_true", help="keep finished runs in OUTPUT/runs"
    )
    p.add_argument("--seeds", type=int, help="number of seeds (overrides the size)")
    p.add_argument("--n-pairs", type=int, help="coupled pairs per seed (>= 2)")
    p.add_argument("--epochs", type=int, help="epochs (overrides the size)")
    p.add_argument("--no-figures", action="store_true", help="skip the PNG figures")
    return p


def run(args: argparse.Namespace) -> int:
    """Run ``asyncstab reproduce``; 0 on success, 2 without the nets extra."""
    try:
        import jax  # noqa: F401
        import mnist1d  # noqa: F401
    except ImportError as exc:
        print(
            f"asyncstab: error: reproduce needs the nets extra ({exc.name} is missing): "
            'pip install -e ".[nets]"',
            file=sys.stderr,
        )
        return 2
    from empirical.runs._reproduce import reproduce
    from empirical.runs._reproduce_report import delay_verdict

    out = args.output or f"reproduce-{args.experiment}"
    res = reproduce(
        args.experiment,
        out,
        quick=args.quick,
        device=args.device,
        resume=args.resume,
        n_seeds=args.seeds,
        n_pairs=args.n_pairs,
        epochs=args.epochs,
        figures=not args.no_figures,
        progress=lambda m: print(m, file=sys.stderr, flush=True),
    )

    def ci(est: dict[str, Any], fmt: str = ".3g") -> str:
        """``mean [low, high]`` of an estimate (95% interval over pairs and seeds)."""
        return f"{est['mean']:{fmt}} [{est['low']:{fmt}}, {est['high']:{fmt}}]"

    for r in res["summary"]:
        verdict = f"  {delay_verdict(r)}" if "paired_gap_loss" in r else ""
        print(
            f"{r['group']:<36} {r['curve']:<12} "
            f"test error {ci(r['test_error'], '.3f')}  gap {ci(r['gap_loss'])}  "
            f"stability {ci(r['stability_avg2'])}{verdict}"
        )
    print(f"\nreport: {out}/report.md")
    return 0
