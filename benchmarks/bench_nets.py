"""Throughput of the JAX network backend against a per-model loop, in one run.

Workload (issue 11): MLP 40-128-128-10 (23,050 parameters), softmax
cross-entropy, single-sample updates (protocol (a)), uniform delays with
tau = 16, ``--replicas`` replicas (default 256 = 128 coupled pairs), float32.
Data: MNIST-1D-shaped Gaussian features (40 features, 10 classes, 4000 points);
throughput does not depend on the values.

Backend: :func:`empirical.simulators.nets._backend.compiled_steps` (vmap over replicas,
lax.scan over ``--steps`` steps, ring buffer of the last tau + 1 parameter sets);
timed after a warm-up call that compiles it. Baseline: one model, a Python loop
over steps, a list of past parameter pytrees and a jitted single-sample gradient
step (the shape of the papers' code); timed on ``--loop-steps`` steps after a
warm-up. Each timing is the best of ``--repeats``: other processes on a shared
machine only ever make a run slower. Prints replica-steps per second of both and
their ratio.

Run on CPU: ``python benchmarks/bench_nets.py``.
On a GPU (needs ``pip install -U "jax[cuda12]"``): ``python
benchmarks/bench_nets.py --device gpu --replicas 8192``.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default="cpu", choices=["cpu", "gpu"])
    ap.add_argument("--replicas", type=int, default=256)
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--loop-steps", type=int, default=300)
    ap.add_argument("--tau", type=int, default=16)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()

    import jax
    import jax.numpy as jnp

    from empirical.simulators.nets._backend import (
        compiled_steps,
        flat_model,
        ring_from_flat,
    )
    from empirical.simulators.nets._models import mlp

    dev = jax.devices(args.device)[0]
    R, L, tau = args.replicas, args.steps, args.tau
    if R % 2:
        ap.error(f"--replicas={R} must be even (coupled pairs)")
    P, n, N = R // 2, 2000, 4000
    model = mlp([40, 128, 128, 10])
    rng = np.random.default_rng(0)
    X = rng.standard_normal((N, 40)).astype(np.float32)
    y = rng.integers(0, 10, N).astype(np.int32)
    rows = np.stack([rng.permutation(N)[:n] for _ in range(R)]).astype(np.int32)
    B = tau + 1
    with jax.default_device(dev):
        fm = flat_model(model, "float32")
        w0 = jax.vmap(fm.init_flat)(jax.random.split(jax.random.PRNGKey(0), P))
        ring = ring_from_flat(model, "float32", jnp.concatenate([w0, w0]), B)
        run = compiled_steps(model, "float32", B, None)
        Xd, yd, rows_d = jnp.asarray(X), jnp.asarray(y), jnp.asarray(rows)
        pos = jnp.asarray(rng.integers(0, n, (L, P, 1, 1)), "int32")
        taus = np.minimum(
            rng.integers(0, tau + 1, (L, P, 1)), np.arange(L)[:, None, None]
        )
        tau_d = jnp.asarray(taus, "int32")
        wgt = jnp.ones((L, P, 1), "float32")
        eta = jnp.full((L, P), 0.01, "float32")
        t = jnp.asarray(1, "int32")
        ring, t = run(ring, t, Xd, yd, rows_d, pos, tau_d, wgt, eta)  # compile
        jax.block_until_ready(ring)
        best = np.inf
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            ring, t = run(ring, t, Xd, yd, rows_d, pos, tau_d, wgt, eta)
            jax.block_until_ready(ring)
            best = min(best, time.perf_counter() - t0)
        backend = R * L / best

        # Per-model loop: one model, a list of past parameters, one jitted step.
        params = model.init(jax.random.PRNGKey(1))

        def loss(p, x, label):  # type: ignore[no-untyped-def]
            z = model.apply(p, x)
            return jax.nn.logsumexp(z) - z[label]

        grad = jax.jit(jax.grad(loss))
        update = jax.jit(
            lambda p, g: jax.tree_util.tree_map(lambda a, b: a - 0.01 * b, p, g)
        )
        xs = [jnp.asarray(X[i]) for i in range(64)]
        best_loop = np.inf
        for rep in range(args.repeats + 1):  # the first pass compiles
            past = [params]
            t0 = time.perf_counter()
            for s in range(args.loop_steps):
                stale = past[-1 - min(int(rng.integers(0, tau + 1)), len(past) - 1)]
                g = grad(stale, xs[s % 64], int(y[s % 64]))
                past.append(update(past[-1], g))
                past = past[-(tau + 1) :]
            jax.block_until_ready(past[-1])
            if rep:
                best_loop = min(best_loop, time.perf_counter() - t0)
        loop = args.loop_steps / best_loop

    print(f"device: {dev.device_kind} ({args.device}); cores visible: {os.cpu_count()}")
    print(f"MLP 40-128-128-10, p = {fm.n_params}, tau = {tau}, R = {R}, L = {L}")
    print(f"backend (vmap + scan):  {backend:12,.0f} replica-steps/s")
    print(f"per-model Python loop:  {loop:12,.0f} replica-steps/s")
    print(f"ratio:                  {backend / loop:12,.1f}x")


if __name__ == "__main__":
    main()
