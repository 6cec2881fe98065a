"""The delay question at stable steps and matched progress.

Two analyses of a delay-question reproduction (results dict: ``summary`` and
``runs``):

- :func:`stability_edges`: on the step-size grid (groups ``"(a) grid eta=..."``),
  for every network family and staleness, the measured **stability edge**: the
  largest grid step at which the setting still trains (the repo's rule,
  :func:`~empirical.runs._flags.did_not_train`, and no pair diverged), with the
  next grid step above it (the edge lies between them); beside it the
  curvature heuristic for delayed gradient descent on a direction of curvature
  ``lambda``: stable only when ``eta lambda < 2 sin(pi / (2 (2 tau + 1)))``
  (:func:`heuristic_edge`), ``lambda`` the top Hessian eigenvalue of the training
  loss estimated along the runs, ``tau`` the staleness in versions.
- :func:`matched_progress`: for every group, the largest staleness against the
  smallest, paired over (seed, pair): at equal updates (the end), at equal
  gradients (the first evaluation where the run has computed as many gradients
  as the other run in total), and at **matched progress**: the first
  evaluation at which the pair's training loss (mean of its two runs) reaches a
  stated target, the largest final training loss over the kept pairs of the
  group's two ends (the most progress every pair reaches). Reported: the
  updates each needs to reach it, and the gap and ``delta`` there.

:func:`edge_answer` turns both into the answer paragraph's sentences: which
effect survives at stable steps and matched progress, and which appears only
past the stability edge.
"""

from __future__ import annotations

import math
import re
from typing import Any

from ._flags import did_not_train

__all__ = [
    "delay_analysis",
    "edge_answer",
    "first_reaching",
    "heuristic_edge",
    "matched_progress",
    "stability_edges",
]

_GRID = re.compile(r"^(?P<fam>[^:]+): \(a\) grid eta=(?P<eta>[0-9.e+-]+)$")


def heuristic_edge(curvature: float, staleness: float) -> float | None:
    """The largest stable step of delayed gradient descent on a quadratic of
    curvature ``lambda`` with delay ``tau``: ``2 sin(pi / (2 (2 tau + 1))) / lambda``.

    At ``tau = 0`` it is ``2 / lambda``, gradient descent's limit.

    Examples:
        >>> heuristic_edge(1.0, 0)
        2.0
        >>> round(heuristic_edge(1.0, 16), 4)
        0.0952
    """
    if curvature is None or not curvature > 0:
        return None
    return 2.0 * math.sin(math.pi / (2.0 * (2.0 * staleness + 1.0))) / curvature


def _trains(row: dict[str, Any]) -> bool:
    return not did_not_train(row) and row.get("diverged", 0) == 0


def _sharpness(row: dict[str, Any]) -> float | None:
    """The largest top-eigenvalue estimate along the row's runs (any seed)."""
    vals = [v for seed in row.get("sharpness") or [] for v in seed if v is not None]
    return max(vals) if vals else None


def stability_edges(summary: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per family and staleness: the measured edge on the grid and the heuristic's.

    ``lambda`` is the largest top-eigenvalue estimate along the trained runs of
    that staleness (over seeds, evaluations and grid steps): the sharpest the
    loss got where training worked. ``None`` entries: not measured.
    """
    cells: dict[tuple[str, int], list[tuple[float, dict[str, Any]]]] = {}
    for r in summary:
        m = _GRID.match(r["group"])
        if m:
            key = (m["fam"], r["tau"])
            cells.setdefault(key, []).append((float(m["eta"]), r))
    out = []
    for (fam, tau), items in sorted(cells.items()):
        items.sort(key=lambda e: e[0])
        trained = [eta for eta, r in items if _trains(r)]
        edge = max(trained) if trained else None
        above = [eta for eta, _ in items if edge is not None and eta > edge]
        lams = [x for _, r in items if _trains(r) and (x := _sharpness(r)) is not None]
        lam = max(lams) if lams else None
        v = items[0][1]["staleness_max"]
        out.append(
            {
                "family": fam,
                "tau": tau,
                "staleness_max": v,
                "grid": [eta for eta, _ in items],
                "trains": [_trains(r) for _, r in items],
                "edge": edge,
                "next_step": min(above) if above else None,
                "curvature": lam,
                "heuristic_edge": None if lam is None else heuristic_edge(lam, v),
                "smallest_trains": bool(items and _trains(items[0][1])),
            }
        )
    return out


def first_reaching(curve: list[float | None], target: float) -> int | None:
    """Index of the first value at or below ``target`` (``None``: never).

    Examples:
        >>> first_reaching([2.0, 1.5, 0.9, 1.2], 1.0)
        2
        >>> first_reaching([2.0, None], 1.0) is None
        True
    """
    for i, v in enumerate(curve):
        if v is not None and v <= target:
            return i
    return None


def _paired(diffs: list[float]) -> dict[str, Any] | None:
    from ._reproduce_summary import bounded_estimate

    return bounded_estimate(diffs)


def _by_seed(runs: list[dict[str, Any]], key: str) -> dict[int, dict[str, Any]]:
    return {r["seed"]: r for r in runs if r["key"] == key}


def _at(rec: dict[str, Any], field: str, e: int, p: int) -> float | None:
    v = rec[field][e][p]
    return None if v is None else float(v)


def matched_progress(
    first: dict[str, Any], last: dict[str, Any], runs: list[dict[str, Any]]
) -> dict[str, Any]:
    """``last`` (larger staleness) against ``first``, paired over (seed, pair).

    Returns the target, and paired differences (``last - first``, 95% Student-t)
    of the updates to the target, and of the gap and ``delta`` at matched
    progress, at equal gradients and at equal updates; pairs that never reach
    the target or diverged are counted and left out.
    """
    a_runs, b_runs = _by_seed(runs, first["key"]), _by_seed(runs, last["key"])
    finals = [
        v
        for rec in (*a_runs.values(), *b_runs.values())
        for v, bad in zip(rec["pair_train_loss"], rec["diverged"], strict=True)
        if v is not None and not bad
    ]
    if not finals or "pair_train_loss_curve" not in next(iter(a_runs.values()), {}):
        return {"target": None, "reason": "no per-evaluation training-loss curves"}
    # the most progress every kept pair reaches at both ends: the largest final
    # training loss among them (each pair reaches it by its end at the latest)
    target = max(finals)
    # With one evaluation per run (at the end) the target is reached there or
    # never: "matched progress" would be the end again, so it is not reported.
    evals = min(
        len(rec["pair_train_loss_curve"])
        for rec in (*a_runs.values(), *b_runs.values())
    )
    diffs: dict[str, list[float]] = {
        k: []
        for k in (
            "updates_to_target",
            "gap_at_target",
            "delta_at_target",
            "gap_equal_gradients",
            "gap_equal_updates",
        )
    }
    not_reached = 0
    for seed in sorted(set(a_runs) & set(b_runs)):
        ra, rb = a_runs[seed], b_runs[seed]
        n_pairs = len(ra["diverged"])
        budget = min(ra["gradients"][-1], rb["gradients"][-1])
        ga = next(i for i, g in enumerate(ra["gradients"]) if g >= budget - 1e-9)
        gb = next(i for i, g in enumerate(rb["gradients"]) if g >= budget - 1e-9)
        for p in range(n_pairs):
            if ra["diverged"][p] or rb["diverged"][p]:
                continue
            ca = [row[p] for row in ra["pair_train_loss_curve"]]
            cb = [row[p] for row in rb["pair_train_loss_curve"]]
            ia, ib = first_reaching(ca, target), first_reaching(cb, target)
            for name, (i, j) in (
                ("gap_equal_updates", (-1, -1)),
                ("gap_equal_gradients", (ga, gb)),
            ):
                va = _at(ra, "pair_gap_loss_curve", i, p)
                vb = _at(rb, "pair_gap_loss_curve", j, p)
                if va is not None and vb is not None:
                    diffs[name].append(vb - va)
            if ia is None or ib is None:
                not_reached += 1
                continue
            diffs["updates_to_target"].append(
                float(rb["updates"][ib]) - float(ra["updates"][ia])
            )
            for field, name in (
                ("pair_gap_loss_curve", "gap_at_target"),
                ("pair_delta_curve", "delta_at_target"),
            ):
                va, vb = _at(ra, field, ia, p), _at(rb, field, ib, p)
                if va is not None and vb is not None:
                    diffs[name].append(vb - va)
    out = {
        "target": target,
        "not_reached": not_reached,
        **{k: _paired(v) for k, v in diffs.items()},
    }
    if evals < 2:
        for k in ("updates_to_target", "gap_at_target", "delta_at_target"):
            out[k] = None
        out["not_reached"] = 0
        out["reason"] = (
            "one evaluation per run, at the end: progress cannot be matched before it"
        )
    return out


def delay_analysis(results: dict[str, Any]) -> dict[str, Any]:
    """Stability edges (grid groups) and matched-progress comparisons (every group
    whose two ends both trained)."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in results["summary"]:
        groups.setdefault(r["group"], []).append(r)
    matched = []
    for group, rows in groups.items():
        rows = sorted(rows, key=lambda r: r["tau"])
        if len(rows) < 2:
            continue
        first, last = rows[0], rows[-1]
        entry: dict[str, Any] = {
            "group": group,
            "from": first["curve"],
            "to": last["curve"],
            "staleness": [first["staleness_max"], last["staleness_max"]],
            "trained": [_trains(first), _trains(last)],
        }
        if all(entry["trained"]):
            entry.update(matched_progress(first, last, results["runs"]))
        matched.append(entry)
    return {"edges": stability_edges(results["summary"]), "matched": matched}


def _ci(e: dict[str, Any] | None) -> str:
    if e is None:
        return "not estimable"
    return f"{e['mean']:.3g} [{e['low']:.3g}, {e['high']:.3g}]"


def _word(e: dict[str, Any] | None) -> str:
    if e is None:
        return "not estimable"
    if e["low"] > 0:
        return f"larger at the larger staleness, {_ci(e)}"
    if e["high"] < 0:
        return f"smaller at the larger staleness, {_ci(e)}"
    return f"no detectable change, {_ci(e)}"


def edge_answer(analysis: dict[str, Any]) -> str:
    """Markdown sentences: the edges, then the effect at stable steps (equal
    updates, equal gradients, matched progress) and past the edge."""
    lines = []
    for e in analysis["edges"]:
        edge = "none of the grid" if e["edge"] is None else f"{e['edge']:g}"
        nxt = "" if e["next_step"] is None else f" (not at {e['next_step']:g})"
        heur = (
            "not estimated"
            if e["heuristic_edge"] is None
            else f"{e['heuristic_edge']:.3g} (lambda = {e['curvature']:.3g})"
        )
        lines.append(
            f"- **stability edge**, {e['family']}, staleness {e['staleness_max']}: "
            f"trains up to eta = {edge}{nxt}; curvature heuristic "
            f"2 sin(pi/(2(2 tau + 1)))/lambda = {heur}."
        )
    stable = [m for m in analysis["matched"] if all(m["trained"])]
    past = [m for m in analysis["matched"] if not all(m["trained"])]

    def detected(field: str) -> int:
        return sum(
            1
            for m in stable
            if m.get(field) and (m[field]["low"] > 0 or m[field]["high"] < 0)
        )

    head = (
        f"At stable steps ({len(stable)} groups whose smallest and largest "
        f"staleness both train) the gap changed detectably with the staleness in "
        f"{detected('gap_equal_updates')} at equal updates, "
        f"{detected('gap_equal_gradients')} at equal gradients and "
        f"{detected('gap_at_target')} at matched training progress; "
        f"{len(past)} groups did not train (or diverged) at one end, past the "
        "stability edge or with too few updates, where a change of the gap is that "
        "of a model that did not train."
    )
    lines.insert(0, head)
    for m in stable:
        matched = (
            f"not resolved ({m['reason']})"
            if m.get("reason")
            else f"(training loss <= {m['target']:.3g}; {m.get('not_reached', 0)} "
            f"pairs never reached it): gap {_word(m.get('gap_at_target'))}, delta "
            f"{_word(m.get('delta_at_target'))}, updates needed "
            f"{_word(m.get('updates_to_target'))}"
        )
        lines.append(
            f"- **{m['group']}**, staleness {m['staleness'][0]} -> "
            f"{m['staleness'][1]} (both train): gap at equal updates: "
            f"{_word(m.get('gap_equal_updates'))}; at equal gradients: "
            f"{_word(m.get('gap_equal_gradients'))}; at matched progress "
            f"{matched}."
        )
    for m in past:
        which = " and ".join(
            f"staleness {v}"
            for v, ok in zip(m["staleness"], m["trained"], strict=True)
            if not ok
        )
        lines.append(
            f"- **{m['group']}**: did not train or diverged at {which} (past the "
            "stability edge, or too few updates to train): its gap change is not "
            "evidence about generalization."
        )
    return "\n".join(lines)
