"""Ray backend overhead on a sweep, and parameter-server throughput against K.

1. Sweep wall time, local processes against Ray, on the same grid (8 tasks:
   logistic, breast cancer, n = 200, T = 2000, 64 pairs, tau in {0, 2, 8, 16} x
   eta in {0.1, 0.5}); both with 2 workers. The Ray time includes starting the
   local Ray instance (as `asyncstab sweep --backend ray` does) and is also given
   without it (Ray already running); the local time includes spawning its
   processes. Overhead ratio = Ray / local.
2. Parameter server: updates per second for K = 1, 2, 4, 8 workers (2000 updates,
   exponential compute times with mean ``--compute-ms``; 0 measures the pure
   messaging cost), with the mean staleness next to K - 1.

Prints numbers only; nothing is asserted. Run: ``python benchmarks/bench_ray.py``.
"""

from __future__ import annotations

import argparse
import time


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cpus", type=int, default=2, help="CPUs for both backends")
    ap.add_argument("--compute-ms", type=float, default=2.0)
    ap.add_argument("--workers", default="1,2,4,8", help="K values of the PS part")
    ap.add_argument("--n-steps", type=int, default=2000, help="PS updates per run")
    args = ap.parse_args()

    import ray

    from empirical.distributed._executors import make_executor
    from empirical.distributed._ps import start_ps
    from empirical.distributed._ray_backend import (
        RayExecutor,
        _job_runtime_env,
        start_ray,
    )
    from empirical.runs._sweep import sweep
    from empirical.runs._task import make_tasks

    tasks = make_tasks(
        {
            "n_samples": 200,
            "n_steps": 2000,
            "n_pairs": 64,
            "theorems": ("delayed-cvx",),
        },
        {"max_delay": [0, 2, 8, 16], "step_size": [0.1, 0.5]},
    )
    t0 = time.perf_counter()
    sweep(tasks, executor=make_executor("local", workers=args.cpus))
    local = time.perf_counter() - t0
    t0 = time.perf_counter()
    sweep(tasks, executor=RayExecutor(args.cpus))  # starts and stops Ray itself
    ray_cold = time.perf_counter() - t0

    start_ray(
        ray,
        num_cpus=args.cpus,
        include_dashboard=False,
        runtime_env=_job_runtime_env(None),
    )
    try:
        sweep(tasks[:2], executor=RayExecutor())  # warm the Ray workers
        t0 = time.perf_counter()
        sweep(tasks, executor=RayExecutor())
        ray_warm = time.perf_counter() - t0
        print(f"sweep of {len(tasks)} tasks on {args.cpus} CPUs:")
        print(f"  local processes          {local:7.2f} s")
        print(
            f"  ray (starts Ray)         {ray_cold:7.2f} s   ratio {ray_cold / local:.2f}"
        )
        print(
            f"  ray (already running)    {ray_warm:7.2f} s   ratio {ray_warm / local:.2f}"
        )
        print(
            f"parameter server, {args.n_steps} updates, compute {args.compute_ms:g} ms "
            "(exponential):"
        )
        print("   K   updates/s   mean staleness   K-1   max staleness")
        for K in (int(k) for k in args.workers.split(",")):
            r = start_ps(
                n_workers=K, n_steps=args.n_steps, mean_compute_s=args.compute_ms / 1e3
            ).wait()
            s = r.staleness
            print(
                f"{K:4d} {r.updates_per_s:11.0f} {s.mean():16.3f} {K - 1:5d} {s.max():15d}"
            )
    finally:
        ray.shutdown()


if __name__ == "__main__":
    main()
