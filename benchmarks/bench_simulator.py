"""Throughput of ``simulate_pairs`` against a baseline written like published code.

Workload: logistic loss on ``digits_binary`` (dim 64), 256 pairs (512 replicas),
T = 10_000 steps, uniform delays with tau = 16, constant step size 0.5.

Baseline: one model at a time, a Python loop over steps, a list of past iterates
(the way experiment code for delayed SGD is usually written). It is timed on
fewer replicas and steps and extrapolated per replica-step (its cost per step is
constant). ``simulate_pairs`` is timed end to end (data split, delays, step sizes,
kernel, final losses) after a warm-up call that compiles the numba kernel; the
compile time is excluded. Each timing is the best of ``--repeats`` runs, since
other processes on a shared machine only ever make a run slower.

Run: ``python benchmarks/bench_simulator.py``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from empirical.problems._problem import make_problem
from empirical.schedules._delays import UniformDelay
from empirical.simulators.linear._simulate import simulate_pairs


def baseline(X, y, n, T, tau, eta, seed) -> float:
    """One replica: delayed SGD with a list of past iterates; returns seconds."""
    rng = np.random.default_rng(seed)
    w = np.zeros(X.shape[1])
    history = [w]
    t0 = time.perf_counter()
    for t in range(1, T + 1):
        d = min(int(rng.integers(0, tau + 1)), t - 1)
        i = int(rng.integers(0, n))
        stale = history[-1 - d]
        margin = y[i] * (X[i] @ stale)
        grad = -y[i] * X[i] / (1.0 + np.exp(margin))
        w = w - eta * grad
        history.append(w)
        if len(history) > tau + 1:
            history.pop(0)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=256)
    ap.add_argument("--steps", type=int, default=10_000)
    ap.add_argument("--tau", type=int, default=16)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--baseline-replicas", type=int, default=4)
    ap.add_argument("--baseline-steps", type=int, default=5_000)
    args = ap.parse_args()

    prob = make_problem("logistic", "digits_binary", n_samples=1000)
    X, y = prob.dataset.X, np.asarray(prob.dataset.y, dtype=np.float64)
    kw = dict(step_size=0.5, delay=UniformDelay(args.tau), seed=0)

    b_times = [
        sum(
            baseline(X, y, 1000, args.baseline_steps, args.tau, 0.5, s)
            for s in range(args.baseline_replicas)
        )
        for _ in range(args.repeats)
    ]
    b_rate = args.baseline_replicas * args.baseline_steps / min(b_times)

    t0 = time.perf_counter()
    simulate_pairs(prob, n_steps=50, n_pairs=2, **kw)  # warm-up: numba compile/load
    warm = time.perf_counter() - t0
    times, stats = [], None
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        stats = simulate_pairs(prob, n_steps=args.steps, n_pairs=args.pairs, **kw)
        times.append(time.perf_counter() - t0)
    assert stats is not None
    work = 2 * args.pairs * args.steps
    rate = work / min(times)

    import numba

    print(
        f"workload: logistic / digits_binary (dim {prob.dim}), {args.pairs} pairs = "
        f"{2 * args.pairs} replicas, T={args.steps}, uniform delay tau={args.tau}"
    )
    print(f"numba threads: {numba.get_num_threads()}; backend used: {stats.backend}")
    print(f"warm-up call (numba compile or cache load, excluded): {warm:.2f} s")
    print(
        f"simulate_pairs: best {min(times):.3f} s of {args.repeats} -> "
        f"{rate / 1e6:.2f} M replica-steps/s"
    )
    print(
        f"baseline (one model, Python loop, list of iterates; "
        f"{args.baseline_replicas} x {args.baseline_steps} steps, extrapolated per "
        f"replica-step): {b_rate / 1e3:.1f} k replica-steps/s"
    )
    print(f"ratio: {rate / b_rate:.0f}x")


if __name__ == "__main__":
    main()
