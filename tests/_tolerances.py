"""Every numerical tolerance of the bounds tests, with the reason for each.

Tests import these names; no tolerance is written inline.
"""

from __future__ import annotations

#: ``evaluate`` (numpy, float64, log-space: ``exp(sum of logs)``) against sympy's
#: exact value at 30 digits. Each log term carries ~1 ulp (2.2e-16) of relative
#: error, a handful of terms are added and ``exp`` amplifies an absolute error in
#: the log into the same relative error in the value; with |log value| up to ~700
#: the absolute error of the log reaches ~700 ulp ~ 1.6e-13. 1e-12 leaves margin.
RTOL_EXACT = 1e-12

#: Vectorised against element-wise evaluation: the same numpy operations on the
#: same float64 inputs; broadcasting may only change the summation order.
RTOL_VECTOR = 1e-14

#: Closed form >= recursion: both are float64 computations of nearby quantities
#: (the recursion is a sum of T terms); allow a few ulp times T of rounding.
RTOL_DOMINATE = 1e-12

#: Recursion against a plain-loop reimplementation in the test: same arithmetic
#: in a different order (prefix sums vs loops, log-space vs products).
RTOL_LOOP = 1e-9

#: Monotonicity of one recursion in its inputs (more delay, [R-ncvx] vs [D-ncvx]):
#: both sides are the same log-space computation over <= 60 steps (log1p, a
#: log-add-exp accumulation, one exp), each step off by ~1 ulp, so ties can differ
#: by ~1e-14 relative; 1e-12 leaves room and is far below any real decrease.
RTOL_MONOTONE = 1e-12

#: Pathwise bound against a simulated run. docs/theory.md ("Three levels"):
#: violations are rounding only. Both sides are sums of <= 40 terms of size <= ~10, each
#: with ~1 ulp of error; 1e-12 absolute (plus relative 1e-12) is far below any
#: real violation and far above the accumulated rounding.
ATOL_PATHWISE = 1e-12
RTOL_PATHWISE = 1e-12

#: Hand-computed known values, written as decimals: exact up to float64 rounding
#: of a handful of operations.
RTOL_KNOWN = 1e-12

#: Inverse questions: brentq is run with rtol=1e-13 on the log of the bound; the
#: closed-form root (sqrt of a quadratic) loses a few digits to cancellation.
RTOL_INVERSE = 1e-8

#: "Slightly larger" than the answer of an inverse question.
BUMP_INVERSE = 1e-6

#: Claimed monotonicity: two float64 evaluations of the same closed form at
#: nearby points; equal values (sign 0, or a bump the formula cannot see) may
#: differ by rounding of the log-space evaluation.
RTOL_MONOTONE = 1e-12

#: Seconds a killed sweep's children get to exit (tests/empirical/distributed/test_orphans.py).
#: With PR_SET_PDEATHSIG the kernel kills them at once; the parent-liveness thread
#: needs one poll (1 s); the resource tracker exits when its pipe closes. 60 s is
#: generous for a loaded 2-core machine and still far below "never" (the bug).
ORPHAN_EXIT_S = 60.0

#: Seconds a subprocess gets to start its pool workers (spawned interpreters that
#: import numpy and numba) before a test gives up: ~5 s idle, much longer when
#: other CPU-heavy jobs share the 2 cores.
PROCESS_START_S = 180.0

#: Seconds the helpers of a failed Ray start (agents started by the raylet, which
#: exit when they notice the raylet is gone) get to exit after the cleanup.
#: They poll their parent every few seconds; 60 s allows a loaded machine.
RAY_STOP_S = 60.0

#: Seconds a parameter-server test waits for its actors to start and for the
#: first progress (PSConfig.stall_timeout_s, default 60). Each actor is a fresh
#: Python process importing numpy; with other CPU-heavy jobs on the 2 cores
#: (load 10+ observed) five of them took longer than 60 s. A dead run still
#: fails, only later.
RAY_STALL_S = 300.0

#: JAX backend (float64) against the numba logistic kernel on the same draws: the
#: same arithmetic per step, but XLA's dot products sum in a different order than
#: the kernel's four interleaved partial sums and exp/log1p differ in the last
#: ulp; each step perturbs ~1e-16 and the non-expansive logistic dynamics
#: (eta <= 2/beta) carry it along without growth over a few hundred steps. The
#: issue fixes 1e-10 relative, far above that and far below any real difference.
RTOL_JAX_NUMBA = 1e-10

#: JAX backend (float64) against a plain-loop reference (per replica, a Python
#: list of past parameters, jax.grad on the unflattened network): same float64
#: operations in a different association (batched vs single matvecs, flat vs
#: pytree). A few hundred steps of a small network with a modest step size stay
#: ~1e-14 apart; 1e-9 leaves margin for the chaotic growth of ReLU networks.
RTOL_JAX_LOOP = 1e-9

#: Iterates of projected SGD against the ball ``||w|| <= D/2``: the projection
#: rescales by ``r / ||w||`` with ``||w||`` a float64 sqrt of a dot product, so
#: the rescaled norm is ``r`` up to a few ulp; 1e-12 relative is far above that
#: and far below any real escape from the ball.
RTOL_BALL = 1e-12
#: Closed form in log space against sympy's exact value, at arguments anywhere in
#: [1e-300, 1e300]: absolute error on ln(bound). Each log-space term is a product
#: of <= ~5 factors whose logs reach ~700 (ln 1e300), so it carries a relative
#: error of <= ~5 * 700 * 2.2e-16 ~ 8e-13; terms of the hand-written logs
#: ([H-ncvx], [R-ncvx]) reach ~2000 (ln of q = 1e900) and there are <= ~10 of
#: them: <= 10 * 2000 * 8e-13 ~ 2e-8 at worst; 5.8e-11 measured ([R-ncvx], 60
#: draws per theorem; every other entry, part 2 included, <= 1e-12). Far below
#: any real error (a wrong exponent moves ln(bound) by ~1 or more).
ATOL_LOG_EXTREME = 2e-8

#: The weighted average ``wbar_T`` of the simulator against a plain loop over the
#: full history: both add ``T <= 200`` terms ``eta_k w_k`` of size <= 1 in float64,
#: the simulator's iterates themselves off by the backends' 1e-12 relative (three
#: summation orders of the dot products); 1e-11 relative leaves a margin of 10.
RTOL_AVERAGE = 1e-11
ATOL_AVERAGE = 1e-13

#: Ball minimiser against scipy's SLSQP (ftol 1e-14) on a tiny problem: SLSQP
#: stops at its own tolerance, so its value may sit above F(w*) by ~1e-12 on an
#: O(1) objective; a value of scipy's below ours by more than our certificate
#: plus this would refute the certificate.
ATOL_SCIPY_OPT = 1e-12

#: Seconds a test waits for a condition it polls on a Ray cluster (a node's task
#: started, the first record written). Not a measurement: a deadline far past
#: anything seen on a busy 2-core machine (a node start took 5-25 s), so that
#: only a real hang fails; nothing is asserted about how long it took.
RAY_POLL_S = 300.0

#: LeNet (float64) in JAX against a numpy plain-loop forward pass (explicit loops
#: over channels, kernel offsets and pooling windows): the same products summed in
#: another order; a logit is a sum of ~1e3 products of size ~1, so the float64
#: rounding is ~1e-13 relative. The issue fixes 1e-10: far above rounding, far
#: below any wrong index, stride or flattening order (errors of order 1).
RTOL_LENET_REFERENCE = 1e-10

#: The explorer's JavaScript (docs/assets/explorer-data.js, printed from the sympy
#: expressions) against ``evaluate``: float64 in both, but a different order of
#: operations (``Math.pow`` and a direct product in JavaScript, ``exp`` of a
#: log-space sum in numpy) and a different ``pow``/``exp`` library. Each of a few
#: dozen operations is off by ~1 ulp, and ``exp(log x)`` turns the absolute error
#: of a log of size <= ~30 into a relative one (~1e-14); 1e-9 leaves a wide margin
#: and is still 1000 times smaller than the 1e-6 alteration the tests must catch.
RTOL_JS = 1e-9
