"""The verification table of a run: one row per (theorem, setting), as text or Markdown.

Works on the JSON records of :func:`~empirical._sweep.run_task`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from ._measure import Estimate

__all__ = ["COLUMNS", "format_table", "pathwise_bugs", "setting_label", "table_rows"]

COLUMNS = (
    "theorem",
    "setting",
    "stability [95% CI]",
    "gap [95% CI]",
    "closed form",
    "recursion",
    "ratio",
    "verdict",
    "flags",
)


def _est(d: dict[str, Any] | None) -> str:
    return "-" if d is None else str(Estimate.from_dict(d))


def _num(x: float | None) -> str:
    return "-" if x is None else f"{x:.3g}"


def pathwise_bugs(records: Sequence[dict[str, Any]]) -> list[tuple[str, str]]:
    """``(task_id, registry_key)`` of every verdict whose pathwise check failed."""
    return [
        (r["task_id"], v["registry_key"])
        for r in records
        for v in r["verdicts"]
        if v["pathwise"] and v["pathwise"]["status"] == "violated"
    ]


def setting_label(cfg: dict[str, Any]) -> str:
    """Short text of a setting: loss/data, n, T, step, schedule, delay."""
    step = "c" if "decaying" in cfg["schedule"] else "eta"
    delay = (
        cfg["delay"]
        if cfg["delay"].startswith("trace:")
        else (f"tau={cfg['max_delay']} ({cfg['delay']})")
    )
    return (
        f"{cfg['loss']}/{cfg['dataset']} n={cfg['n_samples']} T={cfg['n_steps']} "
        f"{step}={cfg['step_size']:g} {cfg['schedule']} {delay}"
    )


def _row(
    theorem: str,
    setting: str,
    *,
    flags: list[str],
    key: str,
    task_id: str | None,
    stability: dict[str, Any] | None = None,
    gap: dict[str, Any] | None = None,
    bound: float | None = None,
    recursion: float | None = None,
    ratio: float | None = None,
    status: str = "not applicable",
) -> dict[str, Any]:
    """One table row; the keys in the order report.json has always written them."""
    return {
        "theorem": theorem,
        "setting": setting,
        "stability": stability,
        "gap": gap,
        "bound": bound,
        "recursion": recursion,
        "ratio": ratio,
        "status": status,
        "flags": flags,
        "key": key,
        "task_id": task_id,
    }


def table_rows(
    records: Sequence[dict[str, Any]], theorems: Sequence[str] | None = None
) -> list[dict[str, Any]]:
    """One row per applicable (theorem, setting); a theorem never applicable gets one
    "not applicable" row with its most common reason, so every theorem appears."""
    rows: list[dict[str, Any]] = []
    reasons: dict[str, Counter[str]] = {}
    seen: set[str] = set()
    order: list[str] = []
    for rec in records:
        if "diverged" in rec:
            rows.append(
                _row(
                    "(none)",
                    setting_label(rec["config"]),
                    flags=["diverged: " + rec["diverged"]],
                    key="(none)",
                    task_id=rec["task_id"],
                )
            )
            continue
        applicable = [v for v in rec["verdicts"] if v["status"] != "not applicable"]
        if not applicable and rec["verdicts"]:
            # No theorem covers this setting (e.g. the MLP: unbounded nonconvex
            # loss); show its measurements and pathwise checks anyway.
            vs = rec["verdicts"]
            pw = [
                f"pathwise {v['registry_key']} {v['pathwise']['status']}"
                for v in vs
                if v["pathwise"]
            ]
            rows.append(
                _row(
                    "(none)",
                    setting_label(rec["config"]),
                    stability=vs[0]["measured"],
                    gap=vs[0]["gap"],
                    flags=[
                        *vs[0]["flags"],
                        *pw,
                        "no theorem applies: "
                        + "; ".join(sorted({v["reason"] for v in vs if v["reason"]})),
                    ],
                    key="(none)",
                    task_id=rec["task_id"],
                )
            )
        for v in rec["verdicts"]:
            key = v["theorem"]
            if theorems and key not in theorems:
                continue
            if key not in order:
                order.append(key)
            if v["status"] == "not applicable":
                reasons.setdefault(key, Counter())[v["reason"]] += 1
                continue
            seen.add(key)
            rows.append(
                _row(
                    v["registry_key"],
                    setting_label(rec["config"]),
                    stability=v["measured"],
                    gap=v["gap"],
                    bound=v["bound"],
                    recursion=v["recursion"],
                    ratio=v["ratio"],
                    status=v["status"],
                    flags=v["flags"],
                    key=key,
                    task_id=rec["task_id"],
                )
            )
    for key in order:
        if key not in seen:
            reason = reasons[key].most_common(1)[0][0]
            reg = next(
                v["registry_key"]
                for r in records
                for v in r["verdicts"]
                if v["theorem"] == key
            )
            rows.append(
                _row(reg, f"every setting: {reason}", flags=[], key=key, task_id=None)
            )
    rank = {k: i for i, k in enumerate([*order, "(none)"])}
    rows.sort(key=lambda r: rank[r["key"]])
    return rows


def _theorem_cell(r: dict[str, Any]) -> str:
    """The registry key, labelled where the statement is a reconstruction."""
    from bounds._registry import REGISTRY

    theorem = REGISTRY.get(r.get("key") or "")
    if theorem is not None and theorem.is_reconstruction:
        return f"{r['theorem']} (reconstruction)"
    return str(r["theorem"])


def _cells(r: dict[str, Any]) -> list[str]:
    return [
        _theorem_cell(r),
        r["setting"],
        _est(r["stability"]),
        _est(r["gap"]),
        _num(r["bound"]),
        _num(r["recursion"]),
        _num(r["ratio"]),
        r["status"],
        ", ".join(r["flags"]),
    ]


def format_table(rows: Sequence[dict[str, Any]], *, markdown: bool = False) -> str:
    """The verification table as aligned text (or a Markdown table)."""
    body = [_cells(r) for r in rows]
    if markdown:
        lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
        lines += [
            "| " + " | ".join(c.replace("|", "/") for c in b) + " |" for b in body
        ]
        return "\n".join(lines)
    widths = [max(len(h), *(len(b[i]) for b in body)) for i, h in enumerate(COLUMNS)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    sep = "  ".join("-" * w for w in widths)
    return "\n".join([fmt.format(*COLUMNS), sep, *(fmt.format(*b) for b in body)])
