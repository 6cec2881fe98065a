"""The seams between the floors are typed: what crosses them is named, checked, and
refused when misspelt.

* :mod:`empirical` (and ``docs/sitegen``) reach the calculator only through
  ``bounds`` and its one sanctioned internal module, :mod:`bounds.internal`;
* verdict statuses are one ``Literal`` type, the tuple of them derived from it;
* a theorem's recursion is data on the theorem: no code compares a theorem's key;
* a recursion refuses a keyword argument it does not take, by name;
* every subcommand of ``asyncstab`` carries the function it runs;
* the lazy facade ``empirical`` names every public name for type checkers.
"""

from __future__ import annotations

import argparse
import ast
from pathlib import Path
from typing import get_args

import numpy as np
import pytest

import bounds
import bounds.internal
import empirical
from bounds import REGISTRY, InvalidParameterError, Quantity
from empirical.cli._cli import build_parser
from empirical.measurement import _status
from empirical.measurement._estimate import Estimate
from empirical.measurement._verdict import one_sided

ROOT = Path(__file__).resolve().parents[1]


def _sources(*folders: str) -> list[Path]:
    return [p for f in folders for p in sorted((ROOT / f).rglob("*.py"))]


def _private_bounds_imports(tree: ast.AST) -> list[str]:
    """``from bounds._x import ...``, ``import bounds._x``, ``from bounds import _x``."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.startswith("bounds._") or (
                node.module == "bounds"
                and any(a.name.startswith("_") for a in node.names)
            ):
                out.append(ast.unparse(node))
        elif isinstance(node, ast.Import):
            out += [a.name for a in node.names if a.name.startswith("bounds._")]
    return out


def test_private_import_check_can_fail() -> None:
    tree = ast.parse(
        "from bounds._validation import check_int\n"
        "import bounds._grid\n"
        "from bounds import _cli\n"
        "from bounds import REGISTRY\n"
        "from bounds.internal import check_int\n"
    )
    assert len(_private_bounds_imports(tree)) == 3


def test_empirical_imports_no_private_bounds_module() -> None:
    found = {
        str(p.relative_to(ROOT)): bad
        for p in _sources("empirical", "docs/sitegen")
        if (bad := _private_bounds_imports(ast.parse(p.read_text())))
    }
    assert found == {}


def test_internal_module_reexports_the_private_objects() -> None:
    """Not copies: the same functions, so behaviour cannot drift apart."""
    from bounds import (
        _cli,
        _grid,
        _parameters,
        _paths,
        _protocol,
        _schedules,
        _symbols,
        _typecheck,
        _validation,
    )

    renamed = {"register_calculator": "register", "run_calculator": "run"}
    # The name and parameter tables are re-exported as the modules themselves.
    assert bounds.internal.symbols is _symbols
    assert bounds.internal.parameters is _parameters
    assert bounds.internal.protocol is _protocol
    for name in set(bounds.internal.__all__) - {"symbols", "parameters", "protocol"}:
        modules = (_cli, _grid, _paths, _schedules, _typecheck, _validation)
        # one_line is _cli's helper, not in its __all__ (the subcommands are)
        homes = [m for m in modules if name in m.__all__ or name == "one_line"]
        home = _cli if name in renamed else homes[0]
        origin = getattr(home, renamed.get(name, name))
        assert getattr(bounds.internal, name) is origin, name
    assert "internal" not in bounds.__all__


# ------------------------------------------------------------------ statuses
def test_statuses_are_the_literal_type() -> None:
    assert _status.STATUSES == (
        "holds",
        "inconclusive",
        "violated",
        "not applicable",
    )
    assert get_args(_status.Status) == _status.STATUSES
    assert set(get_args(_status.CheckStatus)) < set(_status.STATUSES)
    from empirical.measurement._verdict import STATUSES as verdict_statuses
    from empirical.runs._summary import STATUSES as summary_statuses

    assert verdict_statuses is summary_statuses is _status.STATUSES


def test_one_sided_returns_a_check_status() -> None:
    e = Estimate(1.0, 0.8, 1.2, 50, "t")
    got = {one_sided(e, b) for b in (1.3, 1.0, 0.7)}
    assert got == set(get_args(_status.CheckStatus))


# ------------------------------------------------------ recursion is data
def _is_literal(node: ast.AST) -> bool:
    """A string constant, or a tuple/list/set of them."""
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return bool(node.elts) and all(_is_literal(e) for e in node.elts)
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _is_key(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "key"


def _key_comparisons(tree: ast.AST) -> list[str]:
    """Code that branches on a hard-coded key: ``theorem.key == "deng-gen"``,
    ``t.key in ("deng-cvx", "deng-gen")``, ``t.key.startswith("deng")``. (A
    look-up of a name the user typed, ``key == t.key``, is not one.)"""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            sides = (node.left, *node.comparators)
            if any(map(_is_key, sides)) and any(map(_is_literal, sides)):
                out.append(ast.unparse(node))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("startswith", "endswith")
            and _is_key(node.func.value)
        ):
            out.append(ast.unparse(node))
    return out


def test_key_comparison_check_can_fail() -> None:
    tree = ast.parse(
        'if theorem.key in ("deng-cvx",) or t.key == "x" or t.key.startswith("d"):\n'
        "    pass\n"
        "if key == t.key or key in (t.key, t.registry_key):\n"
        "    pass\n"
    )
    assert len(_key_comparisons(tree)) == 3


def test_no_code_compares_a_theorem_key() -> None:
    """The recursion (and the statement a recursion ends in) is read off the
    theorem's data, ``recursion`` and ``quantity``, never off its key."""
    found = [
        f"{p.relative_to(ROOT)}: {c}"
        for p in _sources("bounds", "empirical")
        for c in _key_comparisons(ast.parse(p.read_text()))
    ]
    assert found == []


@pytest.mark.parametrize("key", ["deng-cvx", "deng-gen", "deng-excess"])
def test_deng_statement_follows_the_quantity(key: str) -> None:
    """The sums of Deng et al. end in the quantity the theorem bounds."""
    theorem = REGISTRY[key]
    assert theorem.recursion == "deng"
    assert (
        theorem.quantity
        is {
            "deng-cvx": Quantity.ON_AVERAGE_MODEL_STABILITY,
            "deng-gen": Quantity.GENERALIZATION_GAP,
            "deng-excess": Quantity.EXCESS_RISK,
        }[key]
    )


def test_deng_recursion_refuses_another_theorem() -> None:
    with pytest.raises(InvalidParameterError, match="theorem='hardt-cvx'"):
        bounds.deng_recursion_bound(
            REGISTRY["hardt-cvx"],
            step_sizes=np.full(4, 0.1),
            n_samples=10,
            smoothness=1.0,
            diameter=1.0,
            optimal_risk=0.0,
        )


# ------------------------------------------------ unknown keyword arguments
_DENG = dict(n_samples=10, smoothness=1.0, diameter=1.0, optimal_risk=0.0)
_HARDT = dict(n_samples=10, lipschitz=1.0, smoothness=1.0)


@pytest.mark.parametrize(
    ("key", "constants"),
    [
        ("deng-cvx", _DENG),
        ("hardt-cvx", _HARDT),
        ("delayed-ncvx-workers", {**_HARDT, "loss_bound": 1.0}),
    ],
)
def test_recursion_refuses_a_misspelt_argument(key: str, constants: dict) -> None:
    theorem = REGISTRY[key]
    eta = np.full(4, 0.1)
    assert np.isfinite(bounds.recursion_bound(theorem, step_sizes=eta, **constants))
    with pytest.raises(InvalidParameterError, match=r"^smothness=2\.0 .*step_sizes"):
        bounds.recursion_bound(theorem, step_sizes=eta, smothness=2.0, **constants)


def test_deng_accepts_the_shared_constants_unused() -> None:
    """verify passes the constants of every recursion; Deng's do not use them."""
    theorem = REGISTRY["deng-cvx"]
    eta = np.full(4, 0.1)
    plain = bounds.recursion_bound(theorem, step_sizes=eta, **_DENG)
    more = bounds.recursion_bound(
        theorem, step_sizes=eta, loss_bound=3.0, strong_convexity=0.5, **_DENG
    )
    assert more == plain


def test_pathwise_refuses_a_misspelt_argument() -> None:
    theorem = REGISTRY["hardt-cvx"]
    with pytest.raises(InvalidParameterError, match=r"^hit=.* hits"):
        bounds.pathwise_bound(
            theorem,
            step_sizes=np.full(4, 0.1),
            hit=np.zeros(4, dtype=bool),
            lipschitz=1.0,
            smoothness=1.0,
        )


def test_deng_direct_call_refuses_a_misspelt_argument() -> None:
    """The public function itself no longer swallows unknown names."""
    with pytest.raises(TypeError, match="stepsizes"):
        bounds.deng_recursion_bound(
            REGISTRY["deng-cvx"],
            step_sizes=np.full(4, 0.1),
            stepsizes=np.full(4, 0.1),
            **_DENG,
        )


# ------------------------------------------------------------------- the CLI
def test_every_subcommand_carries_its_function() -> None:
    parser = build_parser()
    (sub,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert set(sub.choices) >= {"bound", "list", "show", "verify", "sweep", "ps"}
    for name, p in sub.choices.items():
        assert callable(p.get_default("func")), name
    for name in ("bound", "compare", "step-size", "samples", "list", "show"):
        assert callable(sub.choices[name].get_default("calculator")), name


# ---------------------------------------------------- the facade, typed
def test_facade_names_every_lazy_export_for_type_checkers() -> None:
    """The ``if TYPE_CHECKING:`` block of ``empirical/__init__.py`` imports each
    name of ``_EXPORTS`` from the module ``_EXPORTS`` gives, and nothing else."""
    tree = ast.parse((ROOT / "empirical" / "__init__.py").read_text())
    (block,) = (
        n
        for n in tree.body
        if isinstance(n, ast.If) and ast.unparse(n.test) == "TYPE_CHECKING"
    )
    typed = {
        alias.name: node.module
        for node in block.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert typed == dict(empirical._EXPORTS)


# ------------------------------------------------------- step-size rules
def test_regatti_settings_carry_the_decay_rule() -> None:
    """A setting's epoch decay is a small frozen object, not a tagged tuple; the
    summary spells it as before (``lr0/(1+0.05 epoch)``)."""
    pytest.importorskip("jax")
    from empirical.runs._experiments import experiment_settings
    from empirical.runs._settings import RegattiDecay

    _, settings = experiment_settings("regatti2019", quick=True)
    rules = {s.step_size for s in settings}
    assert rules
    assert all(isinstance(r, RegattiDecay) for r in rules)
    assert RegattiDecay(0.1).label == "0.1/(1+0.05 epoch)"
    assert RegattiDecay(0.1) == RegattiDecay(0.1)  # frozen, compared by value
