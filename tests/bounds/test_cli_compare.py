"""``asyncstab compare`` and ``bounds.compare``: happy paths computed by hand,
the reconstruction label, the plot, and an invalid-input table (one line on
stderr, exit status 2)."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest

from bounds import REGISTRY, InvalidParameterError, Quantity, compare
from empirical.cli._cli import main
from tests._tolerances import RTOL_KNOWN

# The README's default setting.
README = shlex.split(
    "--loss-family convex-smooth --n-samples 5000 --n-steps 20000"
    " --step-size 0.05 --max-delay 16 --smoothness 0.25 --lipschitz 1"
    " --diameter 4 --optimal-risk 0.6931 --train-loss 0.3"
)


def _compare_json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> dict:
    assert main(["compare", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def test_readme_setting(capsys: pytest.CaptureFixture[str]) -> None:
    out = _compare_json(README, capsys)
    rows = {r["key"]: r for r in out["rows"]}
    assert list(rows) == list(REGISTRY)
    # [D-cvx]: 2 L^2 eta T / n + 2 beta L^2 (1 - 1/n) eta^2 tau T
    # = 2 * 0.05 * 20000 / 5000 + 2 * 0.25 * 0.9998 * 0.0025 * 16 * 20000 = 0.4 + 399.92
    d = rows["delayed-cvx"]
    assert d["value"] == pytest.approx(400.32, rel=RTOL_KNOWN)
    assert d["gap"] == d["value"]  # Hardt et al. 2016, Thm 2.2
    assert d["conversion"] == "hardt-gap"
    assert d["rank"] == 1
    # [DSL-cvx] converted is [DSL-gen]: the same bound, so the same rank
    assert rows["deng-cvx"]["gap"] == pytest.approx(
        rows["deng-gen"]["value"], rel=1e-12
    )
    assert rows["deng-cvx"]["rank"] == rows["deng-gen"]["rank"] == 2
    assert rows["deng-cvx"]["conversion"] == "lei-ying-gap"
    assert "Lei & Ying 2020, Theorem 2(b)" in rows["deng-cvx"]["reason"]
    assert rows["deng-cvx"]["vacuous"] is True  # above r^2 = 16
    assert rows["deng-excess"]["gap"] is None  # no conversion to the gap exists
    assert "no published conversion" in rows["deng-excess"]["reason"]
    assert rows["hardt-cvx"]["applies"] is False
    assert rows["hardt-cvx"]["reason"] == "requires 'no delay (tau = 0)'"
    assert rows["regatti-ncvx"]["reconstruction"] is True
    assert [r["key"] for r in out["rate_only"]] == [
        "r-rate",
        "dslst-quad-cvx",
        "dslst-quad-scvx",
        "xl-26",
    ]
    assert out["rate_only"][0]["exponent_n_steps"] == 4.0  # beta tau = 0.25 * 16


def test_text_table_labels(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", *README]) == 0
    out = capsys.readouterr().out
    assert "regatti-ncvx (reconstruction)" in out
    assert "rate only" in out
    assert out.count("[rate only]") == 4


def test_bound_labels_the_reconstruction(capsys: pytest.CaptureFixture[str]) -> None:
    argv = shlex.split(
        "bound --theorem regatti-ncvx --n-samples 100 --n-steps 100"
        " --c 0.5 --lipschitz 1 --smoothness 1"
    )
    assert main(argv) == 0
    assert "RECONSTRUCTION" in capsys.readouterr().out
    assert main([*argv, "--json"]) == 0
    assert "RECONSTRUCTION" in json.loads(capsys.readouterr().out)[0]["note"]
    assert main([*argv[:3], "--n-samples", "1", *argv[5:]]) == 2
    assert "reconstruction" not in capsys.readouterr().err  # a plain range error
    # c given once, out of range (a flag given twice is refused before that)
    assert main([*argv[:7], "--c", "-1", *argv[9:]]) == 2


def test_grid_and_plot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    png = tmp_path / "compare.png"
    i = README.index("--max-delay")  # the grid sets max_delay: not also a constant
    argv = [*README[:i], *README[i + 2 :], "--grid", "max_delay=0,4,16"]
    argv += ["--plot", str(png)]
    out = _compare_json(argv, capsys)
    assert len(out["rows"]) == 3 * len(REGISTRY)
    tight = {r["max_delay"]: r["key"] for r in out["rows"] if r["rank"] == 1}
    assert set(tight) == {0, 4, 16}
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_api_matches_cli_and_to_pandas() -> None:
    table = compare(
        "convex-smooth",
        n_samples=500,
        n_steps=1000,
        step_size=0.01,
        lipschitz=1,
        smoothness=1,
        max_delay=8,
    )
    rows = {r.key: r for r in table.rows}
    assert rows["delayed-cvx"].quantity is Quantity.UNIFORM_STABILITY
    # 0.04 + 2 * 1 * 1 * 0.998 * 1e-4 * 8 * 1000 = 0.04 + 1.5968 = 1.6368
    assert rows["delayed-cvx"].value == pytest.approx(1.6368, rel=RTOL_KNOWN)
    assert "requires 'projected SGD" in (rows["deng-cvx"].reason or "")
    pd = pytest.importorskip("pandas")
    frame = table.to_pandas()
    assert isinstance(frame, pd.DataFrame)
    assert len(frame) == len(REGISTRY)


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (
            ["--loss-family", "quadratic", "--n-samples", "10"],
            "loss_family='quadratic'",
        ),
        ([*README[:2], "--n-samples", "1"], "n_samples=1 must be >= 2"),
        ([*README[:2], "--diameter", "-4"], "diameter=-4"),
        ([*README[:2], "--train-loss", "nan"], "train_loss=nan"),
        ([*README[:2], "--gamma-split", "0"], "gamma_split=0 must be > 0"),
        ([*README, "--grid", "nope=1,2"], "grid='nope=1,2'"),
        ([*README, "--plot", "x.png"], "plot='x.png' needs a --grid axis"),
    ],
    ids=["family", "n", "diameter", "train-loss", "gamma", "grid", "plot"],
)
def test_invalid_input(
    argv: list[str], match: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["compare", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("asyncstab: error: ")
    assert match in err


def test_missing_family_is_an_argparse_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["compare", "--n-samples", "10"])
    assert exc.value.code == 2


def test_api_invalid_input() -> None:
    with pytest.raises(InvalidParameterError, match="theorems='nope'"):
        compare("convex-smooth", theorems=["nope"], n_samples=10)
    with pytest.raises(InvalidParameterError, match="width=3 is not a name"):
        compare("convex-smooth", width=3)
    with pytest.raises(InvalidParameterError, match="step_size=-1"):
        compare("convex-smooth", grid=[{"step_size": -1}])
    table = compare("convex-smooth", theorems=["deng-gen"], n_samples=10, step_size=0.1)
    assert [r.key for r in table.rows] == ["deng-gen"]
    assert (
        table.rows[0].reason
        == "requires 'projected SGD onto a convex set of diameter r'"
    )


def test_a_bound_past_float64_is_shown_not_ranked(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # 2 L^2 eta T / n with L = 1e154, eta = 2, T = n = 2: 4e308 overflows float64.
    argv = "compare --loss-family convex-smooth --n-samples 2 --n-steps 2 --step-size 2 --max-delay 0 --lipschitz 1e154 --smoothness 1 --json"
    assert main(argv.split()) == 0
    rows = {r["key"]: r for r in json.loads(capsys.readouterr().out)["rows"]}
    row = rows["hardt-cvx"]
    assert row["value"] is None
    assert row["gap"] is None
    assert row["rank"] is None
    assert "10^308.602" in row["reason"]
