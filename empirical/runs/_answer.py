"""The opening of a reproduction's report: a plain-language answer and a legend.

:func:`answer_paragraph` is generated from the summary's paired intervals, never
typed: for every group of settings it says what changed from the smallest to the
largest staleness (in parameter versions, with the nominal delay beside it), by
how much (the paired 95% interval), at which size, step size, model and sampling,
and what the comparison held fixed; a setting that did not train is named as
such and its gap is not read as generalization. It says no more than the
intervals: "no detectable change" comes with the change the interval still
allows.
"""

from __future__ import annotations

from typing import Any

from ._flags import ci_text, did_not_train, staleness_cell

__all__ = ["LEGEND", "answer_paragraph"]

#: Every label of the reports, defined once.
LEGEND = """\
- **(a)**: one stale gradient per update (the theorems' model): the update at
  step t uses a gradient computed tau steps earlier.
- **(b)**: Regatti et al.'s protocol: every update averages one stale minibatch
  gradient from each of W workers (worker delays fixed, drawn once) and clips the
  average to norm 1.
- **(c)**: Deng et al.'s protocol: worker m computes a minibatch gradient every
  d_m steps and the server sums what arrives; a step with no arrival applies no
  update (an idle step).
- **(i)**: a constant step size (0.1 for (a), 0.01, their run script's, for (c)).
- **(ii)**: eta = 0.1 / tau_bar, the step rule of Deng et al.'s text (tau_bar
  their mean delay).
- **(iii)**: the control of (c): each worker of period d_m is replicated d_m
  times, so that the same number of gradients arrives at every update whatever
  the delay; its staleness in versions is then d_m - 1 (no idle steps), larger
  than (c)'s at the same periods.
- **staleness**: the number of updates applied between the read of a gradient's
  parameters and the write of the update that uses it (parameter versions;
  idle steps are not versions); "mean (max M)" over every gradient of every
  pair, or M alone when the mean is M.
- **nominal delay**: the protocol's own parameter (tau, Regatti et al.'s D,
  Deng et al.'s d), counted in steps, idle ones included.
- **gradients per update**: minibatch gradients summed or averaged into one
  step, over all steps (idle ones count as 0).
- **sampling**: "shards" (the authors' loaders: a fixed shard of the data per
  worker, read in order and reshuffled each pass) or "uniform" (every minibatch
  slot drawn uniformly, the theorems' assumption: the bounds are proved for it
  only).
- **gap**: test loss - train loss at the end (mean of a pair's two runs);
  **delta_T^2**: squared distance of a coupled pair's final parameters
  (on-average model stability, Lei & Ying 2020).
- **did not train**: the test error's interval reaches the best constant
  prediction's error, or the training loss fell by less than a quarter of its
  start; such a setting's gap says nothing about generalization.
- **paired**: differences per pair (same seed and pair: same split, replaced
  point and start) against the group's smallest staleness; 95% Student-t
  intervals; diverged pairs left out.
"""


def _change(d: dict[str, Any] | None, base: dict[str, Any] | None, what: str) -> str:
    """Words for a paired change with its interval."""
    if d is None:
        return f"{what}: not estimable"
    if d["low"] > 0 or d["high"] < 0:
        way = "rose" if d["low"] > 0 else "fell"
        return f"{what} {way}: {ci_text(d)}"
    if base and base.get("mean"):
        pct = 100 * max(abs(d["low"]), abs(d["high"])) / abs(base["mean"])
        return f"{what}: no detectable change ({ci_text(d)}; the interval allows +-{pct:.0f}%)"
    return f"{what}: no detectable change ({ci_text(d)})"


def _held(first: dict[str, Any], last: dict[str, Any]) -> str:
    """What the comparison held fixed, in the units of the staleness axis."""
    g0, g1 = first["gradients_per_update"], last["gradients_per_update"]
    same = "data, split, replaced point, start, model, step-size rule, sampling"
    moved = []
    if first["step_size"] != last["step_size"]:  # a rule such as 0.1 / tau_bar
        moved.append(
            f"the step size went from {first['step_size']} to {last['step_size']}"
        )
    if abs(g0 - g1) >= 1e-9:
        moved.append(f"gradients per update went from {g0:.3g} to {g1:.3g}")
    else:
        same += f", and {g0:.3g} gradients per update"
    return same + ("; not held: " + "; ".join(moved) if moved else "")


def _sentence(rows: list[dict[str, Any]], group: str) -> str:
    rows = sorted(rows, key=lambda r: r["tau"])
    first, last = rows[0], rows[-1]
    head = (
        f"**{group}** ({last['model']} on {last['data']}, n = {last['n_samples']:,}, "
        f"{last['n_steps']:,} steps, step size {last['step_rule'] or last['step_size']}, "
        f"{last.get('sampling', 'uniform')} sampling): staleness "
        f"{staleness_cell(first)} -> {staleness_cell(last)} versions (nominal "
        f"{first['tau']} -> {last['tau']})"
    )
    flop = [r for r in (first, last) if did_not_train(r)]
    if flop:
        which = " and ".join(f"staleness {staleness_cell(r)}" for r in flop)
        errs = "; ".join(
            ci_text(r.get("test_error"))
            + (
                f", {r['diverged']} of {r['n_pairs_total']} pairs diverged"
                if r.get("diverged")
                else ""
            )
            for r in flop
        )
        return (
            f"{head}: did not train at {which} (test error {errs}), so its gap says "
            "nothing about generalization."
        )
    base = last.get("paired_base") or {}
    parts = [
        _change(last.get("paired_gap_loss"), base.get("gap_loss"), "the gap"),
        _change(last.get("paired_stability_avg2"), None, "delta_T^2"),
        _change(last.get("paired_test_error"), None, "the test error"),
    ]
    return f"{head}: " + "; ".join(parts) + f". Held fixed: {_held(first, last)}."


def answer_paragraph(results: dict[str, Any]) -> str:
    """Markdown: what changed with the staleness, per group, from the intervals.

    Args:
        results: a reproduction's results (``summary`` rows of
            :func:`~empirical.runs._reproduce_summary.summarise`).
    """
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in results["summary"]:
        groups.setdefault(r["group"], []).append(r)
    compared = {g: rs for g, rs in groups.items() if len(rs) > 1}
    if not compared:
        return "No group varies the staleness: nothing to compare."
    counts = {"smaller gap": 0, "larger gap": 0, "no detectable change": 0}
    flops = 0
    for rs in compared.values():
        rs = sorted(rs, key=lambda r: r["tau"])
        if any(did_not_train(r) for r in (rs[0], rs[-1])):
            flops += 1
            continue
        d = rs[-1].get("paired_gap_loss")
        if d is None:
            continue
        key = (
            "smaller gap"
            if d["high"] < 0
            else "larger gap"
            if d["low"] > 0
            else "no detectable change"
        )
        counts[key] += 1
    sz = results["sizes"]
    lines = [
        f"From the smallest to the largest staleness of each of {len(compared)} "
        f"groups ({sz['n_seeds']} seeds x {sz['n_pairs']} coupled pairs, paired 95% "
        f"intervals): the gap was smaller in {counts['smaller gap']}, larger in "
        f"{counts['larger gap']}, without detectable change in "
        f"{counts['no detectable change']}, and {flops} did not train at one end "
        "(no gap comparison). At these sizes only; per group:",
        "",
    ]
    lines += [f"- {_sentence(rs, g)}" for g, rs in compared.items()]
    return "\n".join(lines)
