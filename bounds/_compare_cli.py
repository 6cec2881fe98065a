"""The ``compare`` subcommand and its plot. Thin: parse, call :func:`compare`, print.

matplotlib is imported only inside :func:`plot_comparison`, so the calculator
runs without it.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ._compare import LOSS_FAMILIES, ComparisonTable, compare, format_rows
from ._errors import InvalidParameterError
from ._quantity import Quantity

__all__ = ["add_compare_arguments", "plot_comparison", "run_compare"]


def add_compare_arguments(p: argparse.ArgumentParser) -> None:
    """The flags of ``compare`` beyond the name-table constants and ``--grid``."""
    p.add_argument(
        "--loss-family",
        required=True,
        help=f"one of {', '.join(LOSS_FAMILIES)} (each: f >= 0, beta-smooth)",
    )
    p.add_argument(
        "--plot", metavar="FILE", help="draw the applicable bounds (as gaps) to FILE"
    )


def plot_comparison(table: ComparisonTable, axis: str, path: str | Path) -> Path:
    """Draw every applicable bound, as a bound on the gap, against a grid axis.

    Args:
        table: a :func:`compare` result over a grid.
        axis: the API name the grid varies (the x axis).
        path: where to write the figure (format from the suffix, e.g. ``.png``).

    Returns:
        the path written.

    Raises:
        InvalidParameterError: ``axis`` is not a grid axis of ``table``, or no
            row has a gap value.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    series: dict[str, list[tuple[float, float]]] = {}
    for r in table.rows:
        point = dict(r.point)
        if axis not in point:
            raise InvalidParameterError(
                f"axis={axis!r} must be a grid axis of the table"
            )
        if r.gap is not None and r.gap > 0:
            name = r.key + (" (reconstruction)" if r.reconstruction else "")
            if r.quantity is not Quantity.GENERALIZATION_GAP:
                name += f" via {r.conversion}"
            series.setdefault(name, []).append((float(point[axis]), r.gap))
    if not series:
        raise InvalidParameterError(
            "plot=... needs at least one bound with a gap value"
        )
    fig, ax = plt.subplots(figsize=(7, 4.5))
    # Distinct markers and dashes: equal bounds (e.g. [DSL-cvx] converted and
    # [DSL-gen]) lie on top of each other and must stay distinguishable.
    styles = [
        ("o", "-", 7),
        ("s", "--", 9),
        ("^", ":", 7),
        ("x", "-.", 9),
        ("D", "-", 5),
    ]
    for i, (name, pts) in enumerate(series.items()):
        xs, ys = zip(*sorted(pts), strict=True)
        marker, dash, size = styles[i % len(styles)]
        ax.plot(xs, ys, marker=marker, linestyle=dash, markersize=size, label=name)
    ax.set_yscale("log")
    ax.set_xlabel(axis)
    ax.set_ylabel("bound on the expected generalization gap")
    ax.set_title("applicable bounds, as bounds on the gap (log scale)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    out = Path(path)
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out


def run_compare(
    args: argparse.Namespace,
    grid: Callable[[argparse.Namespace], list[dict[str, Any]]],
    print_table: Callable[[list[dict[str, Any]], Sequence[str]], None],
) -> int:
    """Run ``asyncstab compare`` (``grid`` and ``print_table`` come from ``_cli``)."""
    points = grid(args)
    table = compare(args.loss_family, grid=points)
    axes = [spec.partition("=")[0].strip().replace("-", "_") for spec in args.grid]
    if args.plot:
        if not axes:
            raise InvalidParameterError(
                f"plot={args.plot!r} needs a --grid axis to draw against"
            )
        plot_comparison(table, axes[0], args.plot)
    if args.json:
        rates = [{**r.__dict__, "quantity": r.quantity.label} for r in table.rates]
        print(json.dumps({"rows": table.to_dicts(), "rate_only": rates}, indent=2))
        return 0
    cells = format_rows(table)
    columns = [
        *axes,
        "key",
        "quantity",
        "bound",
        "as gap",
        "applies",
        "vacuous",
        "rank",
        "why / note",
    ]
    print_table(cells, columns)
    print("\nrate only (no constants published; claimed exponents at this setting):")
    rate_cells = [
        {
            "key": r.key,
            "registry": r.registry_key,
            "quantity": r.quantity.label,
            "rate": r.rate,
            "T": _expo(r.exponent_n_steps),
            "n": _expo(r.exponent_n_samples),
            "tau": _expo(r.exponent_max_delay),
            "source": r.source,
        }
        for r in table.rates
    ]
    print_table(rate_cells, list(rate_cells[0]))
    return 0


def _expo(x: float | str | None) -> str:
    if x is None:
        return "not stated"
    return f"{x:.4g}" if isinstance(x, float) else x
