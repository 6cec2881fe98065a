"""The CLI reference, generated from the argument parser itself."""

from __future__ import annotations

import argparse

from .cli import build_parser, subcommands


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ").replace("<", "&lt;")


def _help_of(parser: argparse.ArgumentParser) -> dict[str, str]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return {a.dest: a.help or "" for a in action._choices_actions}
    return {}


def _options(parser: argparse.ArgumentParser) -> list[str]:
    rows = ["| argument | default | meaning |", "|---|---|---|"]
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction | argparse._SubParsersAction):
            continue
        names = ", ".join(action.option_strings) or action.dest
        if action.metavar and action.option_strings:
            names += f" {action.metavar}"
        default = action.default
        shown = "" if default in (None, False, argparse.SUPPRESS) else f"`{default}`"
        if action.required:
            shown = "required"
        if action.choices and not isinstance(action.choices, dict):
            choices = ", ".join(str(c) for c in action.choices)
            help_text = f"{action.help or ''} (one of: {choices})"
        else:
            help_text = action.help or ""
        rows.append(f"| `{_cell(names)}` | {_cell(shown)} | {_cell(help_text)} |")
    return rows if len(rows) > 2 else []


def page() -> str:
    """Markdown of the CLI reference: usage, then every subcommand's arguments."""
    parser = build_parser()
    subs = subcommands(parser)
    helps = _help_of(parser)
    lines = [
        "# CLI reference",
        "",
        "Generated from `asyncstab`'s argument parser when this site was built.",
        "Bad input prints one line on stderr and exits with status 2.",
        "",
        "```text",
        parser.format_usage().strip(),
        "```",
        "",
        "| subcommand | what it does |",
        "|---|---|",
    ]
    lines += [
        f"| [`{name}`](#{name}) | {_cell(helps.get(name, ''))} |" for name in subs
    ]
    lines.append("")
    for name, sub in subs.items():
        lines += [
            f"## `asyncstab {name}` {{#{name}}}",
            "",
            _cell(helps.get(name, "")),
            "",
        ]
        lines += ["```text", sub.format_usage().strip(), "```", ""]
        lines += [*_options(sub), ""]
    return "\n".join(lines)
