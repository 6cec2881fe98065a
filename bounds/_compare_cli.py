"""The ``compare`` subcommand and its plot. Thin: parse, call :func:`compare`, print.

matplotlib is imported only inside :func:`plot_comparison`, so the calculator
runs without it; the comparison itself (sympy) only when one is made, so that
the parser is built without it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._assumption import Assumption
from ._catalogue import catalogue
from ._errors import InvalidParameterError
from ._paths import check_output_path
from ._quantity import Quantity
from ._typecheck import checked

if TYPE_CHECKING:
    from ._compare import ComparisonTable

__all__ = [
    "add_compare_arguments",
    "check_compare_args",
    "plot_comparison",
    "run_compare",
]

#: Figure formats matplotlib writes, by file suffix (without one, matplotlib
#: would add ``.png`` to the name: a file the user did not name).
PLOT_SUFFIXES = (".png", ".pdf", ".svg", ".svgz", ".eps", ".ps", ".jpg", ".jpeg")

#: The flag that declares each assumption a comparison can be missing.
_FLAG_OF = {
    Assumption.LIPSCHITZ: "add --lipschitz L",
    Assumption.BOUNDED_LOSS: "add --loss-bound B",
    Assumption.BOUNDED_DOMAIN: "add --diameter r",
    Assumption.PROJECTED: "add --diameter r",
    Assumption.STRONGLY_CONVEX: "use --loss-family strongly-convex-smooth "
    "with --strong-convexity",
    Assumption.CONVEX: "use --loss-family convex-smooth",
    Assumption.CONSTANT_STEP: "add --step-size",
    Assumption.NON_INCREASING_STEP: "add --step-size",
    Assumption.DECAYING_STEP: "add --c",
    Assumption.STEP_BELOW_C_OVER_T: "add --c",
}


def check_compare_args(
    args: argparse.Namespace, points: Sequence[dict[str, Any]], axes: Sequence[str]
) -> None:
    """Refuse, before any work, options of ``compare`` that cannot hold together.

    * ``step_size`` and ``c`` at one point: the constant-step bounds would be
      ranked against the decaying-step ones as if they described one run.
    * ``--plot``: a grid axis to draw against, a file name with a figure
      suffix, not a folder, in an existing writable folder.

    Raises:
        InvalidParameterError: naming the options and the rule.
    """
    for p in points:
        if "step_size" in p and "c" in p:
            raise InvalidParameterError(
                f"step_size={p['step_size']!r} contradicts c={p['c']!r}: a run has "
                "a constant step (--step-size) or the decaying eta_t = c/t (--c), "
                "not both; compare one schedule at a time"
            )
    if args.plot is None:
        return
    _check_plot_path(args.plot)
    if not axes:
        raise InvalidParameterError(
            f"plot={args.plot!r} needs a --grid axis to draw against: add "
            "--grid NAME=V1,V2,..."
        )


def _check_plot_path(text: str) -> None:
    path = Path(text)
    is_folder = text == "" or os.path.isdir(text)  # False on any OSError
    if not is_folder:  # name, loops, lengths, parts
        check_output_path(text, "plot", folder=False)
    if is_folder:
        raise InvalidParameterError(
            f"plot={text!r} is a folder; it must name a figure file, e.g. "
            f"{str(path / 'compare.png')!r}"
        )
    if path.suffix.lower() not in PLOT_SUFFIXES:
        raise InvalidParameterError(
            f"plot={text!r} must end with one of {', '.join(PLOT_SUFFIXES)} "
            "(the figure's format)"
        )
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise InvalidParameterError(
            f"plot={text!r}: the folder {str(folder)!r} does not exist"
        )
    # Tried, not asked: os.access says yes to root on a read-only file system.
    try:
        if path.exists():
            with path.open("ab"):
                pass
        else:
            fd, probe = tempfile.mkstemp(prefix=".asyncstab-probe-", dir=folder)
            os.close(fd)
            os.unlink(probe)
    except OSError as exc:
        raise InvalidParameterError(
            f"plot={text!r} is not writable ({exc.strerror or type(exc).__name__})"
        ) from None


def _name_flags(table: ComparisonTable) -> ComparisonTable:
    """``table`` with the flag that declares it added to each 'requires ...'."""
    by_text = {f"requires {a.value!r}": flag for a, flag in _FLAG_OF.items()}
    rows = tuple(
        replace(r, reason=f"{r.reason}: {by_text[r.reason]}")
        if r.reason in by_text
        else r
        for r in table.rows
    )
    return replace(table, rows=rows)


def add_compare_arguments(p: argparse.ArgumentParser) -> None:
    """The flags of ``compare`` beyond the name-table constants and ``--grid``."""
    p.add_argument(
        "--loss-family",
        required=True,
        help=f"what the loss is: one of {', '.join(catalogue().loss_families)} "
        "(each: f >= 0, beta-smooth); decides which theorems apply",
    )
    p.add_argument(
        "--plot",
        metavar="FILE",
        help="draw the applicable bounds, as bounds on the gap, against the first "
        "--grid axis to FILE (.png, .pdf, .svg, ...)",
    )


@checked
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
    # matplotlib is loaded only when a figure is drawn
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    series = _series(table, axis)
    if not series:
        raise InvalidParameterError(
            "table= has no applicable bound with a value on the gap at any point: "
            "there is nothing to draw"
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


def _series(table: ComparisonTable, axis: str) -> dict[str, list[tuple[float, float]]]:
    """The points of each applicable bound's curve, as bounds on the gap."""
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
    return series


def _collapse(
    cells: list[dict[str, str]], axes: Sequence[str], n_points: int
) -> list[dict[str, str]]:
    """Over a grid, one line for each bound that applies at no point.

    Its reason is the reasons met, each once (in the order of the points).
    """
    if n_points < 2:
        return cells
    applies: dict[str, bool] = {}
    reasons: dict[str, list[str]] = {}
    for c in cells:
        applies[c["key"]] = applies.get(c["key"], False) or c["applies"] == "yes"
        why = reasons.setdefault(c["key"], [])
        if c["why / note"] not in why:
            why.append(c["why / note"])
    kept = [c for c in cells if applies[c["key"]]]
    done: set[str] = set()
    for c in cells:
        key = c["key"]
        if applies[key] or key in done:
            continue
        done.add(key)
        kept.append(
            {
                **c,
                **{a: "all" for a in axes},
                "why / note": f"at no grid point: {'; '.join(reasons[key])}",
            }
        )
    return kept


def run_compare(
    args: argparse.Namespace,
    grid: Callable[[argparse.Namespace], list[dict[str, Any]]],
    print_table: Callable[[list[dict[str, Any]], Sequence[str], str], None],
) -> int:
    """Run ``asyncstab compare`` (``grid`` and ``print_table`` come from ``_cli``)."""
    from ._compare import compare, format_rows

    points = grid(args)
    axes = [spec.partition("=")[0].strip().replace("-", "_") for spec in args.grid]
    check_compare_args(args, points, axes)  # before any bound is evaluated
    table = compare(args.loss_family, grid=points)
    table = _name_flags(table)
    written = None
    if args.plot:
        if _series(table, axes[0]):
            written = plot_comparison(table, axes[0], args.plot)
        else:
            print(
                f"asyncstab: note: no figure written to {args.plot!r}: no bound "
                "applies with a value on the gap at any grid point (see the table "
                "for why)",
                file=sys.stderr,
            )
    if args.format == "json":
        rates = [{**r.__dict__, "quantity": r.quantity.label} for r in table.rates]
        print(json.dumps({"rows": table.to_dicts(), "rate_only": rates}, indent=2))
        _say_written(written, sys.stderr)
        return 0
    cells = _collapse(format_rows(table), axes, len(points))
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
    print_table(cells, columns, args.format)
    title = "rate only (no constants published; claimed exponents at this setting):"
    # a second table after a blank line; its title a comment where one exists
    print({"csv": "", "latex": f"\n% {title}"}.get(args.format, f"\n{title}"))
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
    print_table(rate_cells, list(rate_cells[0]), args.format)
    _say_written(written, sys.stdout)
    return 0


def _say_written(path: Path | None, stream: Any) -> None:
    if path is not None:
        print(f"\nfigure: {path}", file=stream)


def _expo(x: float | str | None) -> str:
    if x is None:
        return "not stated"
    return f"{x:.4g}" if isinstance(x, float) else x
