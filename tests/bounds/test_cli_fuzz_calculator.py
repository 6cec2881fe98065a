"""Fuzzing the calculator subcommands: ``bound``, ``step-size``, ``samples``,
``compare``, ``list`` and ``show``, called in-process through the CLI's
``main(argv)``.

Argument lists are drawn over every flag: numbers at the extremes of float64
(and beyond: ``1e309``, ``1e-400``, subnormals), NaN, inf, empty strings, text,
repeated flags and grids. The property, for every argument list:

* exit status 0 with well-formed, finite output (JSON that a strict parser reads,
  without NaN or Infinity; a table without ``nan``/``inf`` cells), nothing on
  stderr; or
* exit status 2 with exactly one line on stderr, ``asyncstab: error: ...``,
  and nothing on stdout;
* never a traceback (any other exception fails the test) and never a warning.

Examples per subcommand: 3x the profile's ``max_examples`` (300 under ``ci``,
6000 under ``thorough``).
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import warnings
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bounds import RATES, REGISTRY
from bounds._symbols import SYMBOL
from empirical.cli._cli import main

EXAMPLES = 3 * settings.default.max_examples

#: Literals at and beyond the edges of float64, and other hostile spellings.
EDGES = [
    "0",
    "-0",
    "0.0",
    "1",
    "2",
    "-1",
    "1e308",
    "1.7976931348623157e308",
    "1.8e308",
    "1e309",
    "2.2250738585072014e-308",
    "2.225e-308",
    "1e-310",
    "5e-324",
    "1e-400",
    "1e300",
    "1e-300",
    "1e155",
    "1e-170",
    "1e15",
    "1e16",
    "9007199254740993",
    "1" + "0" * 400,
    "nan",
    "-nan",
    "inf",
    "-inf",
    "Infinity",
    "",
    " ",
    "1_000",
    "0x10",
    "1e",
    "abc",
]
_TEXT = st.text(
    st.characters(blacklist_categories=("Cs",)), max_size=6
)  # no lone surrogates: argv comes from the OS as valid text

#: A number as typed: mostly plausible, often extreme, sometimes garbage.
NUMBER = st.one_of(
    st.sampled_from(EDGES),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.floats(1e-300, 1e300).map(repr),
    st.floats(1e-3, 1e3).map(lambda x: f"{x:.3g}"),
    st.integers(-5, 10**6).map(str),
    st.integers(0, 2**80).map(str),
    _TEXT,
)

NAMES = [*SYMBOL, "tau", "max-delay", "eta", "", "colour"]
THEOREM = st.one_of(
    st.sampled_from(
        [*REGISTRY, *RATES, *(t.registry_key for t in REGISTRY.values()), "nope", ""]
    ),
    _TEXT,
)


@st.composite
def grid_spec(draw: st.DrawFn) -> str:
    name = draw(st.sampled_from(NAMES))
    values = draw(st.lists(NUMBER, min_size=0, max_size=3))
    sep = draw(st.sampled_from(["=", "=", "=", ":", ""]))
    return f"{name}{sep}{','.join(values)}"


def _flag(name: str) -> str:
    return f"--{name.replace('_', '-')}"


#: A positive real anywhere in float64's normal range (log-uniform exponent).
REAL = st.floats(-300.0, 300.0).map(lambda e: repr(10.0**e))
#: A count: small integers as typed, or powers of ten up to 1e300.
COUNT = st.one_of(
    st.integers(2, 10**9).map(str), st.integers(1, 300).map(lambda k: f"1e{k}")
)


@st.composite
def admissible(draw: st.DrawFn, key: str, skip: str | None) -> dict[str, str]:
    """Every argument of theorem ``key`` (but ``skip``), inside its domain and
    conditions, with magnitudes across float64's whole range."""
    theorem = REGISTRY[key]
    out: dict[str, str] = {
        k: draw(REAL) for k in (*theorem.accepted, *theorem.optional)
    }
    for name in ("n_samples", "n_steps"):
        out[name] = draw(COUNT)
    for name in ("lipschitz", "smoothness", "c", "loss_bound"):
        out[name] = draw(REAL)
    beta = float(out["smoothness"])
    u = draw(st.floats(1e-3, 1.0))
    out["step_size"] = repr(u * theorem.step_size_limit(smoothness=beta))
    out["strong_convexity"] = repr(draw(st.floats(1e-3, 1.0)) * beta)
    # part 3: the protocol's constants, or its description (then not both)
    out["batch_size"] = draw(st.integers(1, 64).map(str))
    out["arrivals"] = draw(st.integers(1, 64).map(str))
    if theorem.options and draw(st.booleans()):
        del out["step_weight"], out["arrivals"]
        out["n_workers"] = draw(st.integers(1, 32).map(str))
        out["aggregation"] = draw(st.sampled_from(["mean", "sum"]) | _TEXT)
        if draw(st.booleans()):
            out["period"] = draw(st.integers(1, 32).map(str))
        if "clip" in theorem.options and draw(st.booleans()):
            out["clip"] = draw(REAL)
    if "no delay (tau = 0)" in {a.value for a in theorem.assumptions}:
        out["max_delay"] = "0"
    else:
        n_steps = float(out["n_steps"])
        out["max_delay"] = draw(
            st.one_of(
                st.integers(0, int(min(n_steps, 10**9))).map(str),
                st.just(out["n_steps"]),
            )
        )
    if "period" in out:  # period sets max_delay
        out.pop("max_delay", None)
    return {
        k: v
        for k, v in out.items()
        if k in (*theorem.accepted, *theorem.optional, *theorem.options)
        and k != skip
        and draw(st.floats(0, 1)) < (0.3 if k in theorem.optional else 0.95)
    }


@st.composite
def calculator_argv(draw: st.DrawFn, command: str) -> list[str]:
    """An argument list for ``command``: admissible, or admissible then mutated."""
    key = draw(st.sampled_from(list(REGISTRY)))
    theorem = REGISTRY[key]
    unknown = {"step-size": theorem.step_parameter, "samples": "n_samples"}.get(command)
    params = draw(admissible(key, unknown))
    argv = [command, "--theorem", key]
    if command != "bound":
        argv += ["--target-gap", draw(REAL)]
    mutate = draw(st.booleans())
    if mutate:  # a few arguments replaced by hostile text
        for name in draw(st.lists(st.sampled_from(sorted(params)), max_size=2)):
            params[name] = draw(NUMBER)
    if params and draw(st.booleans()):  # one axis as a grid instead of a constant
        axis = draw(st.sampled_from(sorted(params)))
        values = [params.pop(axis)]
        values += [
            draw(admissible(key, unknown)).get(axis, values[0])
            for _ in range(draw(st.integers(0, 2)))
        ]
        argv += ["--grid", f"{axis}={','.join(values)}"]
    for name, value in params.items():
        argv += [_flag(name), value]
    if draw(st.booleans()):
        argv.append("--json")
    if mutate:
        argv[1:] = [
            token if i != 1 else draw(st.one_of(st.just(token), THEOREM))
            for i, token in enumerate(argv[1:])
        ]
        extras = draw(
            st.lists(
                st.one_of(
                    st.tuples(
                        st.sampled_from(
                            [_flag(n) for n in SYMBOL] + ["--theorem", "--target-gap"]
                        ),
                        NUMBER,
                    ).map(list),
                    st.tuples(
                        st.just("--aggregation"),
                        st.sampled_from(["mean", "sum"]) | _TEXT,
                    ).map(list),
                    grid_spec().map(lambda g: ["--grid", g]),
                    st.just(["--json"]),
                ),
                max_size=3,
            )
        )
        for extra in extras:
            argv += extra
    return argv


#: ``compare``'s loss families, and hostile spellings of one.
FAMILY = st.one_of(
    st.sampled_from(["convex-smooth", "strongly-convex-smooth", "nonconvex-smooth"]),
    _TEXT,
)


@st.composite
def compare_argv(draw: st.DrawFn) -> list[str]:
    """``compare``: one theorem's admissible arguments (so that some rows apply),
    the part-2 constants, then perhaps mutated like the other subcommands'."""
    argv = calculator_argv("bound").map(lambda a: a[3:])  # drop bound --theorem K
    rest = draw(argv)
    argv_out = ["compare", "--loss-family", draw(FAMILY), *rest]
    # The step of the other schedule too, now and then: a contradiction the
    # property must see refused (a constant step and eta_t = c/t, not one run).
    if draw(st.floats(0, 1)) < 0.25:
        other = "--c" if "--step-size" in rest else "--step-size"
        argv_out += [other, draw(REAL)]
    for name in ("diameter", "optimal_risk", "train_loss", "init_distance"):
        if name not in rest and draw(st.floats(0, 1)) < 0.5:
            argv_out += [_flag(name), draw(st.one_of(REAL, NUMBER))]
    return argv_out


@st.composite
def list_or_show_argv(draw: st.DrawFn) -> list[str]:
    if draw(st.booleans()):
        flags = ["--json", "--colour"] if draw(st.booleans()) else ["--json"]
        return ["list", *draw(st.lists(st.sampled_from(flags), max_size=2))]
    key = draw(st.one_of(st.sampled_from([*REGISTRY, *RATES]), THEOREM))
    flags = ["--json", "--latex", "--bibtex"]
    return ["show", key, *draw(st.lists(st.sampled_from(flags), max_size=4))]


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with (
        warnings.catch_warnings(record=True) as caught,
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        warnings.simplefilter("always")
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse's errors (and --help)
            code = int(exc.code or 0)
    assert not caught, [str(w.message) for w in caught]
    return code, out.getvalue(), err.getvalue()


def _no_nonfinite(_: str) -> Any:
    raise AssertionError("NaN or Infinity in JSON output")


def _contradictory(argv: list[str]) -> bool:
    """``compare`` with a constant step and a decaying one's ``c`` (both flags)."""
    return argv[0] == "compare" and {"--step-size", "--c"} <= set(argv)


def check(argv: list[str]) -> None:
    code, out, err = _run(argv)
    assert not (code == 0 and _contradictory(argv)), f"accepted: {argv}"
    if code == 0:
        # only notes naming an option without effect (show --json --latex)
        notes = err.splitlines()
        assert all(x.startswith("asyncstab: note: --") for x in notes), err
        assert out.strip(), argv
        if "--json" in argv and not out.startswith("usage:"):  # --help is text
            json.loads(out, parse_constant=_no_nonfinite)
        else:
            cells = {c.lower() for c in out.split()}
            assert not cells & {"nan", "inf", "-inf"}, out
    else:
        assert code == 2, (code, argv, out, err)
        assert out == "", out
        assert err.startswith("asyncstab: error: "), err
        assert err.endswith("\n"), err
        assert err.count("\n") == 1, err


@settings(max_examples=EXAMPLES)
@given(argv=calculator_argv("bound"))
def test_fuzz_bound(argv: list[str]) -> None:
    check(argv)


@settings(max_examples=EXAMPLES)
@given(argv=calculator_argv("step-size"))
def test_fuzz_step_size(argv: list[str]) -> None:
    check(argv)


@settings(max_examples=EXAMPLES)
@given(argv=calculator_argv("samples"))
def test_fuzz_samples(argv: list[str]) -> None:
    check(argv)


@settings(max_examples=EXAMPLES)
@given(argv=compare_argv())
def test_fuzz_compare(argv: list[str]) -> None:
    check(argv)


@settings(max_examples=EXAMPLES)
@given(argv=list_or_show_argv())
def test_fuzz_list_and_show(argv: list[str]) -> None:
    check(argv)


def _fake_nan_json(argv: list[str]) -> int:
    print(json.dumps([{"value": float("nan")}]))
    return 0


def _fake_two_lines(argv: list[str]) -> int:
    print("asyncstab: error: one\ntwo", file=sys.stderr)
    return 2


def _fake_warning(argv: list[str]) -> int:
    warnings.warn("overflow encountered", RuntimeWarning, stacklevel=1)
    print("0.04")
    return 0


def _fake_inf_table(argv: list[str]) -> int:
    print("bound\n-----\ninf")
    return 0


@pytest.mark.parametrize(
    "fake", [_fake_nan_json, _fake_two_lines, _fake_warning, _fake_inf_table]
)
def test_the_property_can_fail(
    fake: Callable[[list[str]], int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys.modules[__name__], "main", fake)
    with pytest.raises(AssertionError):
        check(["bound", "--json"] if fake is _fake_nan_json else ["bound"])
