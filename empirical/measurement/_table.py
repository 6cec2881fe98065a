"""The verification table of a run: one row per (theorem, setting), as text or Markdown.

Works on the JSON records of :func:`~empirical.runs._sweep.run_task`.
"""

from __future__ import annotations

import textwrap
from collections import Counter
from collections.abc import Sequence
from typing import Any

from bounds import REGISTRY

from ._estimate import Estimate
from ._status import Status

__all__ = [
    "COLUMNS",
    "KEEP_ORDER",
    "WORST_COLUMNS",
    "format_table",
    "pathwise_bugs",
    "setting_label",
    "table_rows",
]

COLUMNS = (
    "theorem",
    "setting",
    "stability [95% CI]",
    "gap [95% CI]",
    "closed form",
    "recursion",
    "bound/avg",
    "worst-case [95% CI]",
    "bound/worst",
    "verdict",
    "flags",
)
#: The columns of the worst-case search ("-" with ``--no-worst-case``).
WORST_COLUMNS = ("worst-case [95% CI]", "bound/worst")


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


def setting_label(cfg: dict[str, Any], realised: dict[str, Any] | None = None) -> str:
    """Short text of a setting: loss/data, n, T, step, schedule, delay, ball.

    The delay is labelled with the ``tau`` the bounds used: ``cfg["max_delay"]``
    for a model capped by it, and the realised maximum (``realised["max_delay"]``
    of the record) for a trace or a ``workers:K...`` spec, whose own maximum
    replaces ``max_delay``.
    """
    step = "c" if "decaying" in cfg["schedule"] else "eta"
    spec = cfg["delay"]
    own_max = spec.startswith("trace:") or (
        spec.startswith("workers:") and spec != "workers:"
    )
    if not own_max:
        delay = f"tau={cfg['max_delay']} ({spec})"
    elif realised is not None and realised.get("max_delay") is not None:
        delay = f"tau={realised['max_delay']} (max of {spec})"
    else:
        delay = spec
    ball = f" ball D={cfg['diameter']:g}" if cfg.get("diameter") is not None else ""
    proto, batch = cfg.get("protocol", "a"), cfg.get("batch_size", 1)
    workers = "" if proto == "a" and batch == 1 else f" protocol {proto} batch {batch}"
    return (
        f"{cfg['loss']}/{cfg['dataset']} n={cfg['n_samples']} T={cfg['n_steps']} "
        f"{step}={cfg['step_size']:g} {cfg['schedule']} {delay}{ball}{workers}"
    )


def protocol_label(cfg: dict[str, Any]) -> str:
    """``"a"``, ``"b"`` or ``"c"``: the worker protocol of a task's config."""
    return str(cfg.get("protocol", "a")).split(":")[0]


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
    status: Status = "not applicable",
    worst_case: dict[str, Any] | None = None,
    bound_over_worst: float | None = None,
) -> dict[str, Any]:
    """One table row; the keys in the order report.json has always written them,
    then the tightness ratios (``bound / average``, ``bound / worst-case``)."""
    avg = None if stability is None else Estimate.from_dict(stability).mean
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
        "bound_over_average": (
            None if bound is None or avg is None or avg <= 0 else bound / avg
        ),
        "worst_case": worst_case,
        "bound_over_worst": bound_over_worst,
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
        first = len(rows)
        _rows_of_record(rec, rows, reasons, seen, order, theorems)
        for row in rows[first:]:
            row["protocol"] = protocol_label(rec["config"])
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
            rows[-1]["protocol"] = None  # a summary over settings
    rank = {k: i for i, k in enumerate([*order, "(none)"])}
    rows.sort(key=lambda r: rank[r["key"]])
    return rows


def _rows_of_record(
    rec: dict[str, Any],
    rows: list[dict[str, Any]],
    reasons: dict[str, Counter[str]],
    seen: set[str],
    order: list[str],
    theorems: Sequence[str] | None,
) -> None:
    """Append the rows of one record; collect the reasons of its
    not-applicable verdicts."""
    if "diverged" in rec:
        rows.append(
            _row(
                "(none)",
                setting_label(rec["config"], rec.get("realised")),
                flags=["diverged: " + rec["diverged"]],
                key="(none)",
                task_id=rec["task_id"],
            )
        )
        return
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
                setting_label(rec["config"], rec.get("realised")),
                stability=next(
                    (v["measured"] for v in vs if v["measured"] is not None), None
                ),
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
        q = v.get("quantity", "uniform stability")
        rows.append(
            _row(
                v["registry_key"],
                setting_label(rec["config"], rec.get("realised")),
                stability=v["measured"],
                gap=v["gap"],
                bound=v["bound"],
                recursion=v["recursion"],
                ratio=v["ratio"],
                status=v["status"],
                flags=[
                    *v["flags"],
                    *([] if q == "uniform stability" else [f"measured: {q}"]),
                ],
                key=key,
                task_id=rec["task_id"],
                # the search estimates uniform stability: shown on its rows only
                worst_case=(
                    (rec.get("worst_case") or {}).get("estimate")
                    if q == "uniform stability"
                    else None
                ),
                bound_over_worst=v.get("bound_over_worst"),
            )
        )


def _theorem_cell(r: dict[str, Any]) -> str:
    """The registry key, labelled where the statement is a reconstruction."""

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
        _num(r.get("bound_over_average")),
        _est(r.get("worst_case")),
        _num(r.get("bound_over_worst")),
        r["status"],
        ", ".join(r["flags"]),
    ]


#: Columns in the order they are kept when the terminal is narrow (the last
#: ones are dropped first); every column stays in report.md.
KEEP_ORDER = (
    "theorem",
    "verdict",
    "setting",
    "closed form",
    "gap [95% CI]",
    "flags",
    "stability [95% CI]",
    "bound/avg",
    "recursion",
    "worst-case [95% CI]",
    "bound/worst",
)
#: Columns that wrap onto several lines, with the narrowest width they get, in
#: the order they get room back when there is some.
WRAP_MIN = {
    "verdict": 12,
    "gap [95% CI]": 16,
    "stability [95% CI]": 16,
    "setting": 22,
    "flags": 16,
    "theorem": 16,
    "worst-case [95% CI]": 16,
}
#: Columns of estimates: a narrow one puts the interval under the mean.
_ESTIMATES = ("stability [95% CI]", "gap [95% CI]", "worst-case [95% CI]")
_SEP = "  "


def _fit(widths: dict[str, int], width: int) -> tuple[list[str], dict[str, int]]:
    """The columns kept and their widths, so that a line has at most ``width`` chars."""
    kept = list(KEEP_ORDER)
    least = {c: min(widths[c], WRAP_MIN.get(c, widths[c])) for c in widths}

    def need(cols: list[str]) -> int:
        return sum(least[c] for c in cols) + len(_SEP) * (len(cols) - 1)

    while len(kept) > 3 and need(kept) > width:
        kept.pop()
    out = {c: least[c] for c in kept}
    spare = width - need(kept)
    for c in WRAP_MIN:
        if c in out and spare > 0:
            extra = min(spare, widths[c] - out[c])
            out[c] += extra
            spare -= extra
    return [c for c in COLUMNS if c in kept], out


def format_table(
    rows: Sequence[dict[str, Any]], *, markdown: bool = False, width: int | None = None
) -> str:
    """The verification table as aligned text (or a Markdown table).

    Args:
        rows: rows of :func:`table_rows`.
        markdown: a Markdown table with every column (for report.md).
        width: fit a terminal of this many columns: the setting and the flags
            wrap onto several lines, and if that is not enough the columns last in
            :data:`KEEP_ORDER` are left out (a closing line names them). ``None``:
            every column at its full width.
    """
    body = [_cells(r) for r in rows]
    if markdown:
        lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
        lines += [
            "| " + " | ".join(c.replace("|", "/") for c in b) + " |" for b in body
        ]
        return "\n".join(lines)
    natural = {
        h: max(len(h), *(len(b[i]) for b in body)) for i, h in enumerate(COLUMNS)
    }
    cols, widths = list(COLUMNS), natural
    if width is not None:  # a header may wrap at its spaces: its longest word counts
        words = {
            h: max(*(len(w) for w in h.split()), *(len(b[i]) for b in body))
            for i, h in enumerate(COLUMNS)
        }
        cols, widths = _fit(words, width)
    idx = [COLUMNS.index(c) for c in cols]

    def cell_lines(text: str, c: str) -> list[str]:
        if len(text) <= widths[c]:
            return [text]
        if c in _ESTIMATES and " [" in text:
            mean, _, interval = text.partition(" [")
            return [*cell_lines(mean, c), *cell_lines("[" + interval, c)]
        return textwrap.wrap(text, widths[c], break_on_hyphens=False) or [""]

    def render(cells: list[str]) -> list[str]:
        parts = [cell_lines(cells[i], c) for i, c in zip(idx, cols, strict=True)]
        height = max(len(p) for p in parts)
        return [
            _SEP.join(
                f"{p[k] if k < len(p) else '':<{widths[c]}}"
                for p, c in zip(parts, cols, strict=True)
            ).rstrip()
            for k in range(height)
        ]

    lines = render(list(COLUMNS))
    lines.append(_SEP.join("-" * widths[c] for c in cols))
    for b in body:
        lines += render(b)
    dropped = [c for c in COLUMNS if c not in cols]
    if dropped:
        note = f"(left out at this width: {', '.join(dropped)}; every column is in report.md)"
        lines += textwrap.wrap(note, width) if width else [note]
    return "\n".join(lines)
