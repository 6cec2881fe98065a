"""Figures of a verification run (PNG, matplotlib's Agg backend, no display needed).

1. ``delta_t.png``: measured ``E delta_t`` (95% band) against the step ``t`` with the
   mean pathwise bound and the recursion bound divided by ``L`` (the recursion
   bounds stability, ``L E delta_T`` for the convex proofs).
2. ``gap_vs_tau.png``: generalization gap and stability against the delay with the
   closed-form and recursion bounds (convex and nonconvex families).
3. ``gap_vs_step_size.png``: gap against ``eta0`` with constant step and [rule-tau].
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from empirical.measurement._table import setting_label

__all__ = ["make_figures"]


def _plt() -> Any:
    # matplotlib is loaded only when a figure is drawn
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _err(ests: Sequence[dict[str, Any]]) -> tuple[list[float], list[list[float]]]:
    m = [e["mean"] for e in ests]
    return m, [
        [e["mean"] - e["low"] for e in ests],
        [e["high"] - e["mean"] for e in ests],
    ]


def _pick(
    records: Sequence[dict[str, Any]], tag: str, sched: str
) -> list[dict[str, Any]]:
    return sorted(
        (
            r
            for r in records
            if r["config"].get("tag") == tag and r["config"]["schedule"] == sched
        ),
        key=lambda r: r["config"]["max_delay"],
    )


def _delta_panel(ax: Any, rec: dict[str, Any], title: str) -> None:
    m = rec["measurement"]
    t = m["record_steps"]
    ax.plot(t, [e["mean"] for e in m["delta_curve"]], "k-", label="measured E delta_t")
    means = [e["mean"] for e in m["delta_curve"] if e["mean"] > 0]
    floor = 0.3 * min(means) if means else 1e-12
    ax.fill_between(
        t,
        [max(e["low"], floor) for e in m["delta_curve"]],
        [e["high"] for e in m["delta_curve"]],
        color="k",
        alpha=0.2,
        label="95% CI",
    )
    L = rec["problem"]["lipschitz"]
    for v in rec["verdicts"]:
        pw = v["pathwise"]
        if pw and pw["mean_curve"] and v["status"] != "not applicable":
            ax.plot(
                t, pw["mean_curve"], "--", label=f"pathwise {v['registry_key']} (mean)"
            )
        if v["recursion_curve"]:
            ax.plot(
                t,
                [x / L for x in v["recursion_curve"]],
                ":",
                label=f"recursion {v['registry_key']} / L",
            )
    ax.set_xscale("log")
    ax.set_yscale("log")
    if means:  # keep the measurement readable; much larger bounds leave the frame
        ax.set_ylim(floor, 1e4 * max(means))
        title += "\n(frame clipped at 1e4 x measured)"
    ax.set_xlabel("step t (updates)")
    ax.set_ylabel("||w_t - w'_t||")
    ax.set_title(title, fontsize=7)
    ax.legend(fontsize=6)


def make_figures(out_dir: Path, records: Sequence[dict[str, Any]]) -> list[Path]:
    """Write the figures the records allow; return their paths."""
    plt = _plt()

    paths: list[Path] = []
    records = [r for r in records if "diverged" not in r]
    panels = []
    for tag, sched in (("cvx-tau", "constant"), ("ncvx-tau", "decaying")):
        rs = _pick(records, tag, sched)
        panels += [rs[0], rs[-1]] if len(rs) > 1 else rs
    if not panels:
        panels = list(records[:1])
    if panels:
        fig, axes = plt.subplots(
            1, len(panels), figsize=(4.5 * len(panels), 4), squeeze=False
        )
        for ax, rec in zip(axes[0], panels, strict=True):
            _delta_panel(ax, rec, setting_label(rec["config"]))
        fig.tight_layout()
        paths.append(out_dir / "delta_t.png")
        fig.savefig(paths[-1], dpi=110)
        plt.close(fig)

    series = [
        (tag, sched)
        for tag, sched in (("cvx-tau", "constant"), ("ncvx-tau", "decaying"))
        if len(_pick(records, tag, sched)) > 1
    ]
    if series:
        fig, axes = plt.subplots(
            1, len(series), figsize=(6 * len(series), 4.2), squeeze=False
        )
        for ax, (tag, sched) in zip(axes[0], series, strict=True):
            rs = _pick(records, tag, sched)
            taus = [r["config"]["max_delay"] for r in rs]
            for q, fmt in (("gap", "o-"), ("stability", "s-")):
                m, e = _err([r["measurement"][q] for r in rs])
                ax.errorbar(
                    taus,
                    m,
                    yerr=e,
                    fmt=fmt,
                    capsize=3,
                    label=f"measured {q} ({sched} step)",
                )
            rule = _pick(
                records, tag, "rule-tau" if tag == "cvx-tau" else "rule-tau-decaying"
            )
            if rule:
                m, e = _err([r["measurement"]["gap"] for r in rule])
                ax.errorbar(
                    [r["config"]["max_delay"] for r in rule],
                    m,
                    yerr=e,
                    fmt="^-",
                    capsize=3,
                    label="measured gap ([rule-tau])",
                )
            for key in sorted({v["theorem"] for r in rs for v in r["verdicts"]}):
                pts = [
                    (r["config"]["max_delay"], v)
                    for r in rs
                    for v in r["verdicts"]
                    if v["theorem"] == key and v["status"] != "not applicable"
                ]
                if pts:
                    reg = pts[0][1]["registry_key"]
                    ax.plot(
                        [p[0] for p in pts],
                        [p[1]["bound"] for p in pts],
                        "--",
                        label=f"{reg} closed form",
                    )
                    ax.plot(
                        [p[0] for p in pts],
                        [p[1]["recursion"] for p in pts],
                        ":",
                        label=f"{reg} recursion",
                    )
            ax.set_yscale("symlog", linthresh=1e-4)
            ax.set_xlabel("max delay tau (updates)")
            ax.set_ylabel("gap / stability / bound")
            ax.set_title(setting_label(rs[0]["config"]).split(" tau=")[0], fontsize=8)
            ax.legend(fontsize=6)
        fig.tight_layout()
        paths.append(out_dir / "gap_vs_tau.png")
        fig.savefig(paths[-1], dpi=110)
        plt.close(fig)

    eta = [r for r in records if r["config"].get("tag") == "cvx-eta"]
    if eta:  # a setting shared with the delay grid carries that family's tag
        top = eta[0]["config"]["max_delay"]
        eta += [
            r
            for r in records
            if r["config"].get("tag") == "cvx-tau" and r["config"]["max_delay"] == top
        ]
    if eta:
        fig, ax = plt.subplots(figsize=(6, 4.2))
        for sched, fmt in (("constant", "o-"), ("rule-tau", "^-")):
            rs = sorted(
                (r for r in eta if r["config"]["schedule"] == sched),
                key=lambda r: r["config"]["step_size"],
            )
            if rs:
                m, e = _err([r["measurement"]["gap"] for r in rs])
                ax.errorbar(
                    [r["config"]["step_size"] for r in rs],
                    m,
                    yerr=e,
                    fmt=fmt,
                    capsize=3,
                    label=f"gap, {sched} step",
                )
        ax.set_xscale("log")
        ax.set_xlabel("base step size eta0 ([rule-tau] uses eta0 / (tau + 1))")
        ax.set_ylabel("generalization gap (test - train loss)")
        ax.set_title(
            setting_label(eta[0]["config"]).split(" eta=")[0]
            + f" tau={eta[0]['config']['max_delay']}",
            fontsize=8,
        )
        ax.legend(fontsize=7)
        fig.tight_layout()
        paths.append(out_dir / "gap_vs_step_size.png")
        fig.savefig(paths[-1], dpi=110)
        plt.close(fig)
    return paths
