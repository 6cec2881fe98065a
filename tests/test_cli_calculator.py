"""The calculator subcommands: bound, step-size, samples, list, show.

Happy paths check values computed by hand; the invalid-input table covers every
argument of every calculator command: one line on stderr, exit status 2.
"""

from __future__ import annotations

import json

import pytest

from bounds import RATES, REGISTRY, THEOREMS
from empirical._cli import main

_CVX = [
    "--n-samples",
    "500",
    "--n-steps",
    "1000",
    "--lipschitz",
    "1",
    "--smoothness",
    "1",
]
_NCVX = [
    "--n-samples",
    "50000",
    "--n-steps",
    "100000",
    "--c",
    "0.5",
    "--lipschitz",
    "1",
    "--smoothness",
    "1",
]


def _json(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> list[dict[str, object]]:
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def test_bound_known_value(capsys: pytest.CaptureFixture[str]) -> None:
    rows = _json(
        ["bound", "--theorem", "hardt-cvx", "--step-size", "0.01", *_CVX], capsys
    )
    # 2 L^2 eta T / n = 2 * 1 * 0.01 * 1000 / 500 = 0.04; float rounding only.
    assert rows[0]["value"] == pytest.approx(0.04, rel=1e-12)
    assert rows[0]["vacuous"] is False


def test_bound_grid_is_cartesian_and_matches_api(
    capsys: pytest.CaptureFixture[str],
) -> None:
    rows = _json(
        [
            "bound",
            "--theorem",
            "regatti-ncvx",
            *_NCVX,
            "--grid",
            "max_delay=0,4,32",
            "--grid",
            "n_samples=1000,50000",
        ],
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
        [
            "step-size",
            "--theorem",
            "delayed-cvx",
            "--target-gap",
            "0.05",
            *_CVX,
            "--grid",
            "max_delay=0,1,8,32",
        ],
        capsys,
    )
    values = [r["value"] for r in rows]
    assert values == sorted(values, reverse=True)
    assert values[0] > values[-1]
    # tau = 0: eta = target n / (2 L^2 T) = 0.05 * 500 / 2000 = 0.0125
    assert values[0] == pytest.approx(0.0125, rel=1e-12)


def test_samples_known_value(capsys: pytest.CaptureFixture[str]) -> None:
    rows = _json(
        [
            "samples",
            "--theorem",
            "hardt-cvx",
            "--target-gap",
            "0.04",
            "--n-steps",
            "1000",
            "--step-size",
            "0.01",
            "--lipschitz",
            "1",
            "--smoothness",
            "1",
        ],
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
    assert "@article{regatti2019distributed" in out
    assert main(["show", "[D-cvx]", "--latex"]) == 0
    assert capsys.readouterr().out.startswith(r"\epsilon_{\mathrm{stab}} \le")


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (["bound", "--theorem", "nope", *_CVX], "theorem='nope'"),
        (["bound", "--theorem", "hardt-cvx", *_CVX], "needs step_size"),
        (
            [
                "bound",
                "--theorem",
                "hardt-cvx",
                "--step-size",
                "0.5",
                *_CVX[:6],
                "--smoothness",
                "10",
            ],
            "step_size=0.5 violates eta <= 2/beta",
        ),
        (
            [
                "bound",
                "--theorem",
                "hardt-cvx",
                "--step-size",
                "0.01",
                "--max-delay",
                "3",
                *_CVX,
            ],
            "max_delay=3 violates tau = 0",
        ),
        (
            ["bound", "--theorem", "hardt-cvx", "--step-size", "nan", *_CVX],
            "step_size=nan",
        ),
        (
            ["bound", "--theorem", "hardt-cvx", "--step-size", "inf", *_CVX],
            "step_size=inf",
        ),
        (
            ["bound", "--theorem", "hardt-cvx", "--step-size", "-0.1", *_CVX],
            "step_size=-0.1",
        ),
        (
            ["bound", "--theorem", "hardt-cvx", "--step-size", "abc", *_CVX],
            "step_size='abc'",
        ),
        (
            [
                "bound",
                "--theorem",
                "hardt-cvx",
                "--step-size",
                "0.01",
                *_CVX[2:],
                "--n-samples",
                "1",
            ],
            "n_samples=1",
        ),
        (
            [
                "bound",
                "--theorem",
                "hardt-cvx",
                "--step-size",
                "0.01",
                *_CVX[2:],
                "--n-samples",
                "2.5",
            ],
            "n_samples=2.5",
        ),
        (
            [
                "bound",
                "--theorem",
                "hardt-cvx",
                "--step-size",
                "0.01",
                *_CVX[:2],
                "--n-steps",
                "0",
                *_CVX[4:],
            ],
            "n_steps=0",
        ),
        (
            [
                "bound",
                "--theorem",
                "delayed-cvx",
                "--step-size",
                "0.01",
                "--max-delay",
                "2000",
                *_CVX,
            ],
            "max_delay=2000 must be <= n_steps=1000",
        ),
        (
            [
                "bound",
                "--theorem",
                "delayed-cvx",
                "--step-size",
                "0.01",
                "--max-delay",
                "-1",
                *_CVX,
            ],
            "max_delay=-1",
        ),
        (
            [
                "bound",
                "--theorem",
                "hardt-cvx",
                "--step-size",
                "0.01",
                *_CVX[:6],
                "--smoothness",
                "0",
            ],
            "smoothness=0",
        ),
        (
            [
                "bound",
                "--theorem",
                "hardt-cvx",
                "--step-size",
                "0.01",
                *_CVX[:4],
                "--lipschitz",
                "-1",
                *_CVX[6:],
            ],
            "lipschitz=-1",
        ),
        (
            [
                "bound",
                "--theorem",
                "hardt-scvx",
                "--step-size",
                "0.1",
                "--n-samples",
                "10",
                "--lipschitz",
                "1",
                "--smoothness",
                "1",
                "--strong-convexity",
                "0",
            ],
            "strong_convexity=0",
        ),
        (
            ["bound", "--theorem", "hardt-ncvx", *_NCVX, "--loss-bound", "0"],
            "loss_bound=0",
        ),
        (
            ["bound", "--theorem", "hardt-ncvx", *_NCVX[:4], "--c", "0", *_NCVX[6:]],
            "c=0",
        ),
        (
            ["bound", "--theorem", "hardt-ncvx", *_NCVX, "--step-size", "0.1"],
            "step_size=0.1 is not a parameter of hardt-ncvx",
        ),
        (
            [
                "bound",
                "--theorem",
                "hardt-cvx",
                "--step-size",
                "0.01",
                *_CVX,
                "--grid",
                "eta",
            ],
            "grid='eta'",
        ),
        (
            [
                "bound",
                "--theorem",
                "delayed-cvx",
                "--step-size",
                "0.01",
                *_CVX,
                "--grid",
                "max_delay=0,-4",
            ],
            "max_delay=-4",
        ),
        (
            ["step-size", "--theorem", "delayed-cvx", "--target-gap", "0", *_CVX],
            "target_gap=0",
        ),
        (
            ["step-size", "--theorem", "delayed-cvx", "--target-gap", "-1", *_CVX],
            "target_gap=-1",
        ),
        (
            ["step-size", "--theorem", "delayed-cvx", "--target-gap", "x", *_CVX],
            "target_gap='x'",
        ),
        (
            [
                "step-size",
                "--theorem",
                "delayed-cvx",
                "--target-gap",
                "0.1",
                "--step-size",
                "0.1",
                *_CVX,
            ],
            "step_size=0.1 must not be given",
        ),
        (
            [
                "step-size",
                "--theorem",
                "hardt-scvx",
                "--target-gap",
                "1e-9",
                "--n-samples",
                "10",
                "--lipschitz",
                "1",
                "--smoothness",
                "1",
                "--strong-convexity",
                "0.1",
            ],
            "target_gap=1e-09 is below",
        ),
        (
            ["step-size", "--theorem", "zzz", "--target-gap", "0.1", *_CVX],
            "theorem='zzz'",
        ),
        (
            [
                "samples",
                "--theorem",
                "delayed-cvx",
                "--target-gap",
                "0.01",
                "--n-steps",
                "1000",
                "--step-size",
                "0.1",
                "--lipschitz",
                "1",
                "--smoothness",
                "1",
                "--max-delay",
                "8",
            ],
            "no n_samples",
        ),
        (
            [
                "samples",
                "--theorem",
                "hardt-cvx",
                "--target-gap",
                "nan",
                "--n-steps",
                "1000",
                "--step-size",
                "0.1",
                "--lipschitz",
                "1",
                "--smoothness",
                "1",
            ],
            "target_gap=nan",
        ),
        (["show", "nope"], "theorem='nope'"),
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
