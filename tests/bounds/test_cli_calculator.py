"""The calculator subcommands: bound, step-size, samples, list, show.

Happy paths check values computed by hand; the invalid-input table covers every
argument of every calculator command: one line on stderr, exit status 2.
"""

from __future__ import annotations

import json
import shlex

import pytest

from bounds import RATES, REGISTRY, THEOREMS
from empirical.cli._cli import main
from tests._tolerances import RTOL_EXACT

_CVX = "--n-samples 500 --n-steps 1000 --lipschitz 1 --smoothness 1"
_NCVX = "--n-samples 50000 --n-steps 100000 --c 0.5 --lipschitz 1 --smoothness 1"


_SCVX = "--n-samples 1000 --lipschitz 1 --smoothness 1 --strong-convexity 10"


def _json(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> list[dict[str, object]]:
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def test_bound_known_value(capsys: pytest.CaptureFixture[str]) -> None:
    rows = _json(
        shlex.split(f"bound --theorem hardt-cvx --step-size 0.01 {_CVX}"), capsys
    )
    # 2 L^2 eta T / n = 2 * 1 * 0.01 * 1000 / 500 = 0.04; float rounding only.
    assert rows[0]["value"] == pytest.approx(0.04, rel=1e-12)
    assert rows[0]["vacuous"] is False


def test_bound_grid_is_cartesian_and_matches_api(
    capsys: pytest.CaptureFixture[str],
) -> None:
    rows = _json(
        shlex.split(
            "bound --theorem regatti-ncvx --n-steps 100000 --c 0.5"
            " --lipschitz 1 --smoothness 1 --grid max_delay=0,4,32"
            " --grid n_samples=1000,50000"
        ),
        capsys,
    )
    assert len(rows) == 6
    for r in rows:
        expected = THEOREMS["regatti-ncvx"].evaluate(
            n_samples=r["n_samples"],
            n_steps=100000,
            c=0.5,
            lipschitz=1,
            smoothness=1,
            max_delay=r["max_delay"],
        )
        # same log-space evaluator on both sides: equal up to float rounding
        assert r["value"] == pytest.approx(expected, rel=1e-12)
    # [R-ncvx] at tau = 32, n = 50000 is above the loss range B = 1
    assert [
        r["vacuous"] for r in rows if r["max_delay"] == 32 and r["n_samples"] == 50000
    ] == [True]


def test_step_size_shrinks_with_delay(capsys: pytest.CaptureFixture[str]) -> None:
    rows = _json(
        shlex.split(
            f"step-size --theorem delayed-cvx --target-gap 0.05 {_CVX}"
            " --grid max_delay=0,1,8,32"
        ),
        capsys,
    )
    values = [r["value"] for r in rows]
    assert values == sorted(values, reverse=True)
    assert values[0] > values[-1]
    # tau = 0: eta = target n / (2 L^2 T) = 0.05 * 500 / 2000 = 0.0125
    assert values[0] == pytest.approx(0.0125, rel=1e-12)


def test_samples_known_value(capsys: pytest.CaptureFixture[str]) -> None:
    rows = _json(
        shlex.split(
            "samples --theorem hardt-cvx --target-gap 0.04 --n-steps 1000"
            " --step-size 0.01 --lipschitz 1 --smoothness 1"
        ),
        capsys,
    )
    assert rows[0]["value"] == 500  # 2 * 0.01 * 1000 / n <= 0.04  <=>  n >= 500


def test_list_and_show(capsys: pytest.CaptureFixture[str]) -> None:
    rows = _json(["list"], capsys)
    assert [r["key"] for r in rows] == [*REGISTRY, *RATES]
    by_key = {r["key"]: r for r in rows}
    assert "reconstruction" in by_key["regatti-ncvx"]["source"]
    for key in RATES:
        assert "rate only" in by_key[key]["source"]
        assert "rate only" in by_key[key]["conditions"]
    assert main(["show", "regatti-ncvx", "--bibtex"]) == 0
    out = capsys.readouterr().out
    assert "Reconstruction" in out
    assert "@inproceedings{regatti2019distributed" in out
    assert main(["show", "[D-cvx]", "--latex"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("[D-cvx] delayed-cvx")  # the statement stays
    assert lines[-1] == THEOREMS["delayed-cvx"].latex()


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (shlex.split(f"bound --theorem nope {_CVX}"), "theorem='nope'"),
        (shlex.split(f"bound --theorem hardt-cvx {_CVX}"), "needs step_size"),
        (
            shlex.split(
                "bound --theorem hardt-cvx --step-size 0.5 --n-samples 500"
                " --n-steps 1000 --lipschitz 1 --smoothness 10"
            ),
            "step_size=0.5 violates eta <= 2/beta",
        ),
        (
            shlex.split(
                f"bound --theorem hardt-cvx --step-size 0.01 --max-delay 3 {_CVX}"
            ),
            "max_delay=3 violates tau = 0",
        ),
        (
            shlex.split(f"bound --theorem hardt-cvx --step-size nan {_CVX}"),
            "step_size=nan",
        ),
        (
            shlex.split(f"bound --theorem hardt-cvx --step-size inf {_CVX}"),
            "step_size=inf",
        ),
        (
            shlex.split(f"bound --theorem hardt-cvx --step-size -0.1 {_CVX}"),
            "step_size=-0.1",
        ),
        (
            shlex.split(f"bound --theorem hardt-cvx --step-size abc {_CVX}"),
            "step_size='abc'",
        ),
        (
            shlex.split(
                "bound --theorem hardt-cvx --step-size 0.01 --n-steps 1000"
                " --lipschitz 1 --smoothness 1 --n-samples 1"
            ),
            "n_samples=1",
        ),
        (
            shlex.split(
                "bound --theorem hardt-cvx --step-size 0.01 --n-steps 1000"
                " --lipschitz 1 --smoothness 1 --n-samples 2.5"
            ),
            "n_samples=2.5",
        ),
        (
            shlex.split(
                "bound --theorem hardt-cvx --step-size 0.01 --n-samples 500"
                " --n-steps 0 --lipschitz 1 --smoothness 1"
            ),
            "n_steps=0",
        ),
        (
            shlex.split(
                f"bound --theorem delayed-cvx --step-size 0.01 --max-delay 2000 {_CVX}"
            ),
            "max_delay=2000 must be <= n_steps=1000",
        ),
        (
            shlex.split(
                f"bound --theorem delayed-cvx --step-size 0.01 --max-delay -1 {_CVX}"
            ),
            "max_delay=-1",
        ),
        (
            shlex.split(
                "bound --theorem hardt-cvx --step-size 0.01 --n-samples 500"
                " --n-steps 1000 --lipschitz 1 --smoothness 0"
            ),
            "smoothness=0",
        ),
        (
            shlex.split(
                "bound --theorem hardt-cvx --step-size 0.01 --n-samples 500"
                " --n-steps 1000 --lipschitz -1 --smoothness 1"
            ),
            "lipschitz=-1",
        ),
        (
            shlex.split(
                "bound --theorem hardt-scvx --step-size 0.1 --n-samples 10"
                " --lipschitz 1 --smoothness 1 --strong-convexity 0"
            ),
            "strong_convexity=0",
        ),
        (
            shlex.split(f"bound --theorem hardt-ncvx {_NCVX} --loss-bound 0"),
            "loss_bound=0",
        ),
        (
            shlex.split(
                "bound --theorem hardt-ncvx --n-samples 50000 --n-steps 100000"
                " --c 0 --lipschitz 1 --smoothness 1"
            ),
            "c=0",
        ),
        (
            shlex.split(f"bound --theorem hardt-ncvx {_NCVX} --step-size 0.1"),
            "step_size=0.1 is not a parameter of hardt-ncvx",
        ),
        (
            shlex.split(
                f"bound --theorem hardt-cvx --step-size 0.01 {_CVX} --grid eta"
            ),
            "grid='eta'",
        ),
        (
            shlex.split(
                f"bound --theorem delayed-cvx --step-size 0.01 {_CVX}"
                " --grid max_delay=0,-4"
            ),
            "max_delay=-4",
        ),
        (
            shlex.split(f"step-size --theorem delayed-cvx --target-gap 0 {_CVX}"),
            "target_gap=0",
        ),
        (
            shlex.split(f"step-size --theorem delayed-cvx --target-gap -1 {_CVX}"),
            "target_gap=-1",
        ),
        (
            shlex.split(f"step-size --theorem delayed-cvx --target-gap x {_CVX}"),
            "target_gap='x'",
        ),
        (
            shlex.split(
                "step-size --theorem delayed-cvx --target-gap 0.1 --step-size 0.1"
                f" {_CVX}"
            ),
            "step_size=0.1 must not be given",
        ),
        (
            shlex.split(
                "step-size --theorem hardt-scvx --target-gap 1e-9 --n-samples 10"
                " --lipschitz 1 --smoothness 1 --strong-convexity 0.1"
            ),
            "target_gap=1e-09 is below",
        ),
        (
            shlex.split(f"step-size --theorem zzz --target-gap 0.1 {_CVX}"),
            "theorem='zzz'",
        ),
        (
            shlex.split(
                "samples --theorem delayed-cvx --target-gap 0.01 --n-steps 1000"
                " --step-size 0.1 --lipschitz 1 --smoothness 1 --max-delay 8"
            ),
            "no n_samples",
        ),
        (
            shlex.split(
                "samples --theorem hardt-cvx --target-gap nan --n-steps 1000"
                " --step-size 0.1 --lipschitz 1 --smoothness 1"
            ),
            "target_gap=nan",
        ),
        (shlex.split("show nope"), "theorem='nope'"),
        # issue 12: grids and numbers, one parser and one behaviour
        (
            shlex.split(
                f"bound --theorem delayed-cvx --step-size 0.01 {_CVX}"
                " --grid max_delay=1 --grid max_delay=2"
            ),
            "grid='max_delay=2' repeats the axis max_delay",
        ),
        (
            shlex.split(
                f"step-size --theorem delayed-cvx --target-gap 0.1 {_CVX}"
                " --grid max_delay=1 --grid max-delay=2"
            ),
            "repeats the axis max_delay",
        ),
        (
            shlex.split(
                "samples --theorem hardt-cvx --target-gap 0.1 --step-size 0.01"
                " --lipschitz 1 --smoothness 1 --grid n_steps=1 --grid n_steps=2"
            ),
            "repeats the axis n_steps",
        ),
        (
            shlex.split(
                f"bound --theorem delayed-cvx --step-size 0.01 {_CVX}"
                " --max-delay 3 --grid max_delay=0,8"
            ),
            "grid='max_delay=0,8' sets max_delay, which is also given as a constant",
        ),
        (
            shlex.split(
                f"bound --theorem delayed-cvx --step-size 0.01 {_CVX}"
                " --grid max_delay=0,,2"
            ),
            "empty value at position 2",
        ),
        (
            shlex.split(
                f"bound --theorem delayed-cvx --step-size 0.01 {_CVX}"
                " --grid max_delay=0,2,"
            ),
            "empty value at position 3",
        ),
        (
            shlex.split(f"bound --theorem hardt-cvx --step-size 1e-400 {_CVX}"),
            "step_size='1e-400' is below the float64 range",
        ),
        (
            shlex.split(f"bound --theorem hardt-cvx --step-size 1e-320 {_CVX}"),
            "step_size='1e-320' is below the float64 range",
        ),
        (
            shlex.split(
                "bound --theorem hardt-cvx --step-size 0.01 --n-steps 1000"
                " --lipschitz 1 --smoothness 1 --n-samples 1e309"
            ),
            "n_samples='1e309' is beyond the float64 range",
        ),
        (
            shlex.split(f"step-size --theorem hardt-cvx --target-gap 1e-400 {_CVX}"),
            "target_gap='1e-400' is below the float64 range",
        ),
        # impossible constants: gamma > beta, in every subcommand
        (
            shlex.split(f"bound --theorem hardt-scvx --step-size 0.1 {_SCVX}"),
            "strong_convexity=10.0 must be <= smoothness=1.0",
        ),
        (
            shlex.split(f"step-size --theorem hardt-scvx --target-gap 1 {_SCVX}"),
            "strong_convexity=10.0 must be <= smoothness=1.0",
        ),
        (
            shlex.split(
                "samples --theorem hardt-scvx --target-gap 1 --step-size 0.1"
                " --lipschitz 1 --smoothness 1 --strong-convexity 10"
            ),
            "strong_convexity=10.0 must be <= smoothness=1.0",
        ),
        # extreme magnitudes: a refusal naming the value that is out of range
        (
            shlex.split(
                "step-size --theorem delayed-cvx --target-gap 1e12 --n-samples 2"
                " --n-steps 1e300 --lipschitz 1e300 --smoothness 1e-300"
                " --max-delay 1e300"
            ),
            "step_size for target_gap=1000000000000.0 is 1e-888, outside the float64",
        ),
        (
            shlex.split(
                "bound --theorem hardt-ncvx --n-samples 50000 --c 0.5"
                " --lipschitz 1 --smoothness 1 --n-steps 1e300 --max-delay 1e300"
            ),
            "max_delay=1e+300 violates tau = 0",
        ),
    ],
    ids=lambda x: "_".join(x[:4]) if isinstance(x, list) else None,
)
def test_bad_input_is_one_line_exit_2(
    argv: list[str], match: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("asyncstab: error: ")
    assert err.count("\n") == 1, err  # one line, no traceback
    assert match in err, err


@pytest.mark.parametrize(
    "argv",
    [
        ["bound"],
        ["step-size", "--theorem", "hardt-cvx"],
        ["show"],
        ["frobnicate"],
        ["list", "--colour"],
    ],
    ids=lambda x: "_".join(x),
)
def test_argparse_errors_are_one_line_exit_2(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("asyncstab: error:"), err
    assert err.count("\n") == 1, err


@pytest.mark.parametrize(
    "target", ["1e300", "1e305", "1.7e308", "1.7976931348623157e308"]
)
def test_huge_target_gives_the_condition_step(
    target: str, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = _json(
        shlex.split(
            f"step-size --theorem delayed-cvx --target-gap {target} {_CVX}"
            " --max-delay 8"
        ),
        capsys,
    )
    # every step size the condition eta <= 2/beta allows keeps the bound below
    # such a target: the answer is the condition's limit 2/beta = 2, exactly.
    assert rows[0]["value"] == 2.0
    assert rows[0]["binding"] == "condition"


def test_extreme_magnitudes_print_in_log_space(
    capsys: pytest.CaptureFixture[str],
) -> None:
    base = ["bound", "--theorem", "hardt-cvx", "--n-samples", "2", "--n-steps"]
    base += ["1000", "--step-size", "1", "--smoothness", "1", "--lipschitz"]
    # 2 L^2 eta T / n = 1000 L^2: 1e313 at L = 1e155, 1e-337 at L = 1e-170
    for lipschitz, log10 in (("1e155", 313.0), ("1e-170", -337.0)):
        rows = _json([*base, lipschitz], capsys)
        assert rows[0]["value"] is None  # outside float64: JSON says so, no 0 or inf
        # log-space rounding only (RTOL_EXACT's reason)
        assert rows[0]["log10_bound"] == pytest.approx(log10, rel=RTOL_EXACT)
        assert main([*base, lipschitz]) == 0
        assert f"1e{log10:+.0f}" in capsys.readouterr().out


@pytest.mark.parametrize("key", ["hardt-ncvx", "regatti-ncvx", "delayed-ncvx"])
def test_nonconvex_at_1e300_is_finite_and_right(
    key: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["bound", "--theorem", key]
    for name in THEOREMS[key].accepted:
        if name != "max_delay" or key != "hardt-ncvx":
            argv += [f"--{name.replace('_', '-')}", "1e300"]
    rows = _json(argv, capsys)
    # q = beta c (tau + 1) >= 1e600: q/(q+1) = 1 and 1/(q+1) = 0 to far below
    # float64 resolution, so the bound is (1 + 1/q) B T / (n - 1) = 1e300.
    assert rows[0]["log10_bound"] == pytest.approx(300.0, rel=RTOL_EXACT)


def test_counts_print_as_integers_and_mantissas_stay_below_10(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["bound", "--theorem", "hardt-cvx", "--n-samples", "2", "--lipschitz"]
    argv += ["1", "--smoothness", "1", "--step-size", "1", "--n-steps"]
    # 2 L^2 eta T / n = T = 999996000000000 = 9.99996e14, which rounds to 1e+15
    assert main([*argv, "999996000000000"]) == 0
    out = capsys.readouterr().out
    assert "1e+15" in out.split()
    assert "10e+14" not in out
    assert main([*argv, "1e15"]) == 0
    out = capsys.readouterr().out
    assert "1000000000000000" in out.split()  # not 1000000000000000.0
    rows = _json([*argv, "1e15"], capsys)
    assert rows[0]["n_steps"] == 10**15
    assert isinstance(rows[0]["n_steps"], int)


def test_tiny_values_leak_no_warning(capsys: pytest.CaptureFixture[str]) -> None:
    # pytest turns warnings into errors (filterwarnings = error): a leaked
    # RuntimeWarning fails this test. At n = 2 the bound is
    # 2 * 1e-600 * 1e-300 * 1 / 2 = 1e-900 <= 1e-300: n = 2.
    rows = _json(
        shlex.split(
            "samples --theorem hardt-cvx --target-gap 1e-300 --n-steps 1"
            " --step-size 1e-300 --lipschitz 1e-300 --smoothness 1"
        ),
        capsys,
    )
    assert rows[0]["value"] == 2


def test_show_json_and_latex_bibtex_keep_the_statement(
    capsys: pytest.CaptureFixture[str],
) -> None:
    t = THEOREMS["delayed-cvx"]
    assert main(["show", "delayed-cvx", "--latex", "--bibtex"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(t.statement())
    assert t.latex() in out
    assert t.reference.bibtex() in out
    assert main(["show", "delayed-cvx", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["key"] == "delayed-cvx"
    assert d["statement"] == t.statement()
    assert d["latex"] == t.latex()
    assert d["bibtex"] == t.reference.bibtex()
    rows = _json(["list"], capsys)
    assert {r["key"] for r in rows} == {*REGISTRY, *RATES}
    rate = next(iter(RATES.values()))
    assert main(["show", rate.key, "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["rate_only"] is True
    assert d["statement"] == rate.statement()


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (
            shlex.split(
                f"bound --theorem hardt-cvx --step-size 0.01 {_CVX} --lipschitz 2"
            ),
            "lipschitz='2': --lipschitz is already given (lipschitz='1')",
        ),
        (
            shlex.split(
                "bound --theorem hardt-cvx --theorem delayed-cvx --step-size 0.01"
                f" {_CVX}"
            ),
            "--theorem is already given",
        ),
        (
            shlex.split(
                f"step-size --theorem hardt-cvx --target-gap 1 --target-gap 2 {_CVX}"
            ),
            "--target-gap is already given",
        ),
    ],
    ids=["constant", "theorem", "target-gap"],
)
def test_a_flag_given_twice_is_refused(
    argv: list[str], match: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert match in err, err
