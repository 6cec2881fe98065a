"""Options that contradict each other, or that would be ignored, refused by name.

Checked right after parsing, before any work: each rule names the flag the user
typed, the value and why it cannot hold with the others (the message shape of
:mod:`bounds._validation`). Which options were *typed* is read from the argument
list (:func:`given_options`), not from the parsed values: a flag given with its
default value (``--workers 1``) still counts as given.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence

from bounds import InvalidParameterError

__all__ = ["RAY_ONLY", "check_conflicts", "given_options"]

#: Options that only a Ray backend reads (``sweep``, ``reproduce``).
RAY_ONLY = ("address", "ray_num_cpus", "runtime_env", "max_retries")


def _subparser(
    parser: argparse.ArgumentParser, command: str
) -> argparse.ArgumentParser:
    for action in parser._actions:  # argparse keeps its subparsers here
        if isinstance(action, argparse._SubParsersAction):
            return action.choices[command]
    raise KeyError(command)  # pragma: no cover - every command is registered


def given_options(
    parser: argparse.ArgumentParser, command: str, argv: Sequence[str]
) -> set[str]:
    """The ``dest`` of every option of ``command`` typed in ``argv``.

    Resolves ``--opt=value`` and unambiguous prefixes (``--se`` for ``--seed``)
    as argparse does. The tokens after ``--`` are positional.

    Examples:
        >>> from empirical.cli._cli import build_parser
        >>> sorted(given_options(build_parser(), "sweep", ["sweep", "--resul", "R", "--se=3"]))
        ['results', 'seed']
    """
    sub = _subparser(parser, command)
    table = sub._option_string_actions
    out: set[str] = set()
    for token in argv:
        if token == "--":
            break
        if not token.startswith("-") or token == "-":
            continue
        name = token.split("=", 1)[0]
        action = table.get(name)
        if action is None and name.startswith("--"):
            hits = {a for s, a in table.items() if s.startswith(name)}
            action = hits.pop() if len(hits) == 1 else None
        if action is not None:
            out.add(action.dest)
    return out


def _flag(dest: str) -> str:
    return "--" + dest.replace("_", "-")


def _shown(args: argparse.Namespace, dest: str) -> str:
    return f"{dest}={getattr(args, dest, None)!r}"


Rule = Callable[[argparse.Namespace, set[str]], "str | None"]


def _only_with_ray(args: argparse.Namespace, given: set[str]) -> str | None:
    if args.backend == "ray":
        return None
    for dest in RAY_ONLY:
        if dest in given:
            return (
                f"{_shown(args, dest)} has no effect with backend={args.backend!r}: "
                f"{_flag(dest)} is read by --backend ray only; leave it out or add "
                "--backend ray"
            )
    return None


def _address_and_cpus(args: argparse.Namespace, given: set[str]) -> str | None:
    if {"address", "ray_num_cpus"} <= given:
        return (
            f"{_shown(args, 'ray_num_cpus')} contradicts {_shown(args, 'address')}: "
            "--ray-num-cpus sizes a local Ray instance, and --address connects to a "
            "cluster with its own CPUs; give one of them"
        )
    return None


def _workers_with_backend(args: argparse.Namespace, given: set[str]) -> str | None:
    if "workers" not in given:
        return None
    if args.backend == "serial":
        return (
            f"{_shown(args, 'workers')} has no effect with backend='serial' (it runs "
            "in this process): leave out --workers, or add --backend local"
        )
    if args.backend == "ray" and "ray_num_cpus" in given:
        return (
            f"{_shown(args, 'workers')} contradicts {_shown(args, 'ray_num_cpus')}: "
            "both size the local Ray instance; give one of them"
        )
    if args.backend == "ray" and "address" in given:
        return (
            f"{_shown(args, 'workers')} has no effect with --address: the cluster "
            "decides how many tasks run at once; leave out --workers"
        )
    return None


def _reproduce_workers(args: argparse.Namespace, given: set[str]) -> str | None:
    if "workers" in given and args.backend != "local":
        return (
            f"{_shown(args, 'workers')} has no effect with backend={args.backend!r}: "
            "--workers sizes --backend local only; leave it out or add --backend local"
        )
    return None


def _sweep_max_delay(args: argparse.Namespace, given: set[str]) -> str | None:
    kind, _, rest = (args.delay or "").partition(":")
    if "max_delay" in given and (kind == "trace" or (kind == "workers" and rest)):
        return (
            f"{_shown(args, 'max_delay')} has no effect with delay={args.delay!r}, "
            "which has its own maximum: leave out --max-delay"
        )
    return None


def _verify_delays(args: argparse.Namespace, given: set[str]) -> str | None:
    if {"max_delays", "delays_from"} <= given:
        return (
            f"{_shown(args, 'max_delays')} contradicts {_shown(args, 'delays_from')}: "
            "the trace replaces every delay above 0 by its own; give one of them"
        )
    return None


def _ps_tau(args: argparse.Namespace, given: set[str]) -> str | None:
    if "tau" in given and "rule-tau" not in (args.rule or ()):
        return (
            f"{_shown(args, 'tau')} has no effect with rule={','.join(args.rule or ())!r}: "
            "--tau is read by --rule rule-tau only; leave it out or add rule-tau to --rule"
        )
    return None


def _ps_replay(args: argparse.Namespace, given: set[str]) -> str | None:
    if args.no_evaluate:
        for dest in ("n_pairs", "theorems"):
            if dest in given:
                return (
                    f"{_shown(args, dest)} has no effect with --no-evaluate: "
                    f"{_flag(dest)} is read by the trace replay only; leave out one "
                    "of them"
                )
    return None


RULES: dict[str, tuple[Rule, ...]] = {
    "sweep": (
        _only_with_ray,
        _address_and_cpus,
        _workers_with_backend,
        _sweep_max_delay,
    ),
    "reproduce": (_only_with_ray, _address_and_cpus, _reproduce_workers),
    "verify": (_verify_delays,),
    "ps": (_address_and_cpus, _ps_tau, _ps_replay),
}


def check_conflicts(
    parser: argparse.ArgumentParser, args: argparse.Namespace, argv: Sequence[str]
) -> None:
    """Refuse the first contradictory or ignored option of ``args.command``.

    Raises:
        InvalidParameterError: naming the option(s) and the rule.
    """
    rules = RULES.get(args.command, ())
    if not rules:
        return
    given = given_options(parser, args.command, argv)
    for rule in rules:
        message = rule(args, given)
        if message is not None:
            raise InvalidParameterError(message)
