"""Delay models: distributions match their definitions; validation; parsing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from bounds import InvalidParameterError
from empirical.schedules._delays import (
    AbstractDelay,
    ConstantDelay,
    GeometricDelay,
    TraceDelay,
    UniformDelay,
    WorkerDelay,
    make_delay,
)
from empirical.schedules._trace_file import EXAMPLE_TRACES, example_trace

# Chi-square tests use fixed seeds, so they are deterministic; ALPHA = 1e-3 is the
# false-alarm rate each would have were the seed drawn at random.
ALPHA = 1e-3


def _chi2_pvalue(sample: np.ndarray, pmf: np.ndarray) -> float:
    counts = np.bincount(sample.ravel(), minlength=len(pmf))
    assert len(counts) == len(pmf), "values outside the support"
    expected = pmf * sample.size
    return float(stats.chisquare(counts, expected).pvalue)


def _rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def test_constant():
    d = ConstantDelay(4)
    assert d.max_delay == 4
    np.testing.assert_array_equal(d.sample(_rng(), 5, 2), np.full((2, 5), 4))


def test_uniform_distribution():
    d = UniformDelay(8)
    x = d.sample(_rng(1), 20_000, 3)
    assert x.shape == (3, 20_000)
    assert x.dtype == np.int64
    assert _chi2_pvalue(x, np.full(9, 1 / 9)) > ALPHA


@pytest.mark.parametrize(("p", "tau"), [(0.3, 8), (0.05, 5), (0.9, 2)])
def test_geometric_is_truncated_by_conditioning(p, tau):
    d = GeometricDelay(p, tau)
    x = d.sample(_rng(2), 30_000, 2)
    k = np.arange(tau + 1)
    conditioned = p * (1 - p) ** k / (1 - (1 - p) ** (tau + 1))
    np.testing.assert_allclose(d.pmf(), conditioned, rtol=1e-12)  # same formula
    assert _chi2_pvalue(x, conditioned) > ALPHA
    # Clipping would put the whole tail mass (1-p)^tau on tau; conditioning puts
    # only p (1-p)^tau / (1 - (1-p)^(tau+1)) there. For p=0.05, tau=5 these are
    # 0.77 vs 0.18 of the mass; a 5-sigma band tells them apart.
    share = np.mean(x == tau)
    sd = np.sqrt(conditioned[-1] * (1 - conditioned[-1]) / x.size)
    assert abs(share - conditioned[-1]) < 5 * sd


def test_geometric_p_one_is_no_delay():
    assert (GeometricDelay(1.0, 5).sample(_rng(), 100, 2) == 0).all()


def test_workers_single_worker_has_no_delay():
    assert (WorkerDelay(1).sample(_rng(), 500, 2) == 0).all()


def test_workers_exponential_staleness_is_geometric():
    # Equal exponential compute times are memoryless: after a worker reads, each
    # next arrival is any of the K workers with probability 1/K, so its staleness
    # is geometric on {0, 1, ...} with success 1/K (mean K - 1). The first
    # gradients (all read at time 0) are not; skip a warm-up of 200 steps.
    K = 4
    x = WorkerDelay(K).sample(_rng(3), 6000, 4)[:, 200:]
    top = 15  # bins 0..14 and the merged tail >= 15
    k = np.arange(top)
    pmf = np.append((1 / K) * (1 - 1 / K) ** k, (1 - 1 / K) ** top)
    assert _chi2_pvalue(np.minimum(x, top), pmf) > ALPHA
    assert WorkerDelay(K).max_delay is None


def test_workers_cap_discards_stale_gradients():
    d = WorkerDelay(8, "lognormal", max_delay=3)
    x = d.sample(_rng(4), 3000, 3)
    assert d.max_delay == 3
    assert x.max() <= 3
    assert x.min() >= 0
    assert (x == 3).any()  # the cap is reached, not avoided


def test_workers_slowdowns_make_the_slow_worker_stale():
    # A worker 20x slower sees many updates while it computes; its gradients
    # are the staler ones, so the largest delays grow.
    fast = WorkerDelay(4).sample(_rng(5), 4000, 2)
    slow = WorkerDelay(4, slowdowns=(1.0, 1.0, 1.0, 20.0)).sample(_rng(5), 4000, 2)
    assert slow.max() > fast.max()


def test_trace_replays_cyclically_from_random_offsets():
    values = (0, 1, 2, 5, 3, 7, 4)
    d = TraceDelay(values)
    assert d.max_delay == 7
    x = d.sample(_rng(6), 30, 50)
    m = len(values)
    trace = np.array(values)
    offsets = set()
    for row in x:
        o = int(np.flatnonzero(trace == row[0])[0])  # values are distinct
        np.testing.assert_array_equal(row, trace[(o + np.arange(30)) % m])
        offsets.add(o)
    assert len(offsets) == m  # 50 pairs hit every offset of 7 (P(miss) < 1e-3)
    fixed = TraceDelay(values, random_offset=False).sample(_rng(6), 10, 2)
    np.testing.assert_array_equal(fixed, np.tile(trace, 2)[:10][None].repeat(2, axis=0))


def test_trace_from_file_columns(tmp_path):
    rows = np.array([[0.0, 3.0, 1.0], [2.0, 1.0, 4.0], [5.0, 6.0, 0.0]])
    f = tmp_path / "piag.csv"
    np.savetxt(f, rows, delimiter=",", fmt="%.18e")  # the trace files' format
    assert TraceDelay.from_file(f).values == (0, 1, 0)  # row minimum
    assert TraceDelay.from_file(f, column=1).values == (3, 1, 6)
    one = tmp_path / "bcd.csv"
    np.savetxt(one, [0.0, 1.0, 2.0, 2.0], fmt="%.18e")
    assert TraceDelay.from_file(one).values == (0, 1, 2, 2)
    with pytest.raises(InvalidParameterError, match="column=3 must be <= 2"):
        TraceDelay.from_file(f, column=3)
    bad = tmp_path / "bad.csv"
    np.savetxt(bad, [0.0, 1.5], fmt="%.18e")
    with pytest.raises(
        InvalidParameterError,
        match=r"bad.csv', line 2: the delay .*\(= 1\.5\) must be an int",
    ):
        TraceDelay.from_file(bad)
    with pytest.raises(InvalidParameterError, match="must be an existing file"):
        TraceDelay.from_file(tmp_path / "missing.csv")


def test_recorded_traces_match_their_readme():
    # The numbers of the table in empirical/data/delay_traces/README.md.
    sun = TraceDelay.from_file(example_trace("BCD_sun_MNIST"))
    assert (len(sun.values), sun.max_delay) == (3001, 16)
    davis = TraceDelay.from_file(example_trace("BCD_Davis_RCV1"))
    assert (len(davis.values), davis.max_delay) == (2001, 22)
    piag = example_trace("PIAG_sun_MNIST")
    columns = [TraceDelay.from_file(piag, k).values for k in range(8)]
    assert {len(c) for c in columns} == {1500}
    assert max(max(c) for c in columns) == 29
    # The row minimum (the default) is never above any column.
    freshest = TraceDelay.from_file(piag).values
    assert all(v == min(c[i] for c in columns) for i, v in enumerate(freshest))


def test_example_traces_are_files_of_the_installed_package():
    import empirical

    root = Path(empirical.__file__).resolve().parent / "data" / "delay_traces"
    for name in EXAMPLE_TRACES:
        path = example_trace(name)
        assert path.is_file()
        assert path.resolve() == root / f"{name}.csv"
    assert empirical.example_trace is example_trace  # the public name


def test_example_prefix_names_a_shipped_trace(tmp_path, monkeypatch):
    by_name = make_delay("trace:example:PIAG_sun_MNIST")
    assert by_name == TraceDelay.from_file(example_trace("PIAG_sun_MNIST"))
    assert by_name.max_delay == 7  # row minimum: the freshest of the 8 gradients
    # A file whose name starts with "example:" is still reachable as ./example:...
    monkeypatch.chdir(tmp_path)
    np.savetxt(tmp_path / "example:mine", [0.0, 3.0], fmt="%.18e")
    assert make_delay("trace:./example:mine").max_delay == 3


def test_sampling_is_reproducible():
    for d in (UniformDelay(5), GeometricDelay(0.2, 9), WorkerDelay(3)):
        np.testing.assert_array_equal(
            d.sample(_rng(7), 300, 2), d.sample(_rng(7), 300, 2)
        )


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("constant:8", ConstantDelay(8)),
        ("uniform:8", UniformDelay(8)),
        ("geometric:0.3:8", GeometricDelay(0.3, 8)),
        ("workers:8", WorkerDelay(8)),
        ("workers:4:lognormal", WorkerDelay(4, "lognormal")),
        ("workers:4:exponential:10", WorkerDelay(4, "exponential", max_delay=10)),
    ],
)
def test_make_delay(spec, expected):
    assert make_delay(spec) == expected


def test_make_delay_trace(tmp_path):
    f = tmp_path / "t.csv"
    np.savetxt(f, [0.0, 4.0, 1.0], fmt="%.18e")
    d = make_delay(f"trace:{f}")
    assert isinstance(d, TraceDelay)
    assert d.max_delay == 4


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: ConstantDelay(-1), "tau=-1 must be >= 0"),
        (lambda: UniformDelay(-1), "max_delay=-1 must be >= 0"),
        (lambda: UniformDelay(2.5), "max_delay=2.5 must be an integer"),
        (lambda: GeometricDelay(0.0, 3), r"p=0.0 must be in \(0, 1\]"),
        (lambda: GeometricDelay(1.5, 3), r"p=1.5 must be in \(0, 1\]"),
        (lambda: GeometricDelay(0.5, -2), "max_delay=-2 must be >= 0"),
        (lambda: WorkerDelay(0), "n_workers=0 must be >= 1"),
        (lambda: WorkerDelay(2, "gamma"), "compute_time='gamma' must be one of"),
        (lambda: WorkerDelay(2, slowdowns=(1.0,)), "slowdowns has 1 entries"),
        (
            lambda: WorkerDelay(2, slowdowns=(1.0, 0.0)),
            r"slowdowns\[1\]=0.0 must be > 0",
        ),
        (lambda: WorkerDelay(2, max_delay=-1), "max_delay=-1 must be >= 0"),
        (lambda: TraceDelay(()), "values must not be empty"),
        (lambda: TraceDelay((1, -2)), r"values\[1\]=.*must be >= 0"),
        (lambda: UniformDelay(2).sample(_rng(), 0, 1), "n_steps=0 must be >= 1"),
        (lambda: UniformDelay(2).sample(_rng(), 5, 0), "n_pairs=0 must be >= 1"),
        (lambda: UniformDelay(2).sample(0, 5, 1), "rng=0 must be a numpy Generator"),
        (lambda: make_delay("uniform"), "spec='uniform' is missing MAX"),
        (lambda: make_delay("geometric"), "spec='geometric' is missing P and MAX"),
        (lambda: make_delay("geometric:0.3"), "spec='geometric:0.3' is missing MAX"),
        (lambda: make_delay("poisson:3"), "the kind 'poisson' must be one of"),
        (lambda: make_delay("uniform:3:4"), r"1 field\(s\) too many \('4'\)"),
        (lambda: make_delay("uniform:x"), "spec='uniform:x': MAX='x' must be a number"),
        (lambda: make_delay("trace:"), "spec='trace:' is missing PATH"),
        (
            lambda: make_delay("trace:example:BCD_sun"),
            r"path='example:BCD_sun' names no shipped trace: the examples are "
            r"'example:BCD_sun_MNIST', .* is written './example:BCD_sun'",
        ),
        (lambda: example_trace("mnist"), "name='mnist' must be one of"),
        (lambda: make_delay("constant:-1"), "tau=-1 must be >= 0"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_invalid(make, match):
    with pytest.raises(InvalidParameterError, match=match):
        make()


def test_models_are_frozen_and_abstract():
    with pytest.raises(TypeError):
        AbstractDelay()  # type: ignore[abstract]
    with pytest.raises(AttributeError):
        UniformDelay(3).max_delay = 4  # type: ignore[misc]


@pytest.mark.parametrize(
    ("overrides", "match"),
    [
        ({"mean_compute_s": -1.0}, "mean_compute_s=-1.0 must be >= 0"),
        ({"mean_compute_s": float("nan")}, "mean_compute_s=nan must be a finite"),
        ({"mean_compute_s": "2ms"}, "mean_compute_s='2ms' must be a finite"),
        ({"n_workers": 2, "slowdowns": (1.0,)}, "slowdowns has 1 entries"),
    ],
    ids=["negative", "nan", "str", "slowdowns"],
)
def test_ps_config_invalid(overrides, match):
    # PSConfig (the parameter server's settings; it shares check_slowdowns with
    # WorkerDelay) validates on construction, without Ray.
    from empirical.distributed._ps import PSConfig

    with pytest.raises(InvalidParameterError, match=match):
        PSConfig(**overrides)


def test_verify_suite_replays_a_shipped_trace():
    # `asyncstab verify --delays-from example:BCD_sun_MNIST`: every delayed
    # setting replays the trace, with tau = the trace's largest delay.
    from empirical.runs._suite import build_suite

    tasks = build_suite(quick=True, delays_from="example:BCD_sun_MNIST")
    one_worker = [t for t in tasks if t.protocol == "a" and t.max_delay > 0]
    assert one_worker
    assert {(t.delay, t.max_delay) for t in one_worker} == {
        ("trace:example:BCD_sun_MNIST", 16)
    }
    # The worker protocols make their own delays (a trace there is refused).
    workers = [t for t in tasks if t.protocol != "a"]
    assert workers
    assert {t.delay for t in workers} == {"constant"}
