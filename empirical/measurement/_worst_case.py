r"""Worst-case search: an estimate of uniform stability from below.

Uniform stability (Hardt et al. 2016, Definition 2.1) is
``sup_{S ~ S'} sup_z E_A [f(A(S); z) - f(A(S'); z)]``: a supremum over
neighbouring data sets and probe points of an expectation over the algorithm's
randomness. The harness's average (:attr:`Measurement.stability`) draws the
neighbours at random; this search fixes one data set ``S`` and looks for the worst
replacement and probe:

1. **Candidates** ``(i, z')``: ``i`` the replaced position of ``S``, ``z'`` its
   replacement. Held-out points of the pool (random pairs, and the pool point of
   largest norm), adversarial constructions for the largest-norm points of ``S``
   (the same ``x`` with the opposite label; ``x`` rescaled to norm ``R`` with the
   opposite label), and the pairs whose gradients differ most along the run
   (``||grad f(w; z_i) - grad f(w; z')||`` averaged over iterates of runs on
   ``S`` at ``T/2`` and ``T``).
2. **Probes** ``z``: every point of the pool and the constructions, plus
   ``x = +-R u`` along the mean direction ``u`` of ``w_T - w'_T`` with each label.
3. **Selection** on one set of seeds (index sequences and delays shared by every
   candidate: common random numbers): the ``(i, z', z)`` with the largest
   ``|mean_A (f(w_T; z) - f(w'_T; z))|``.
4. **Report** on *fresh* seeds: the winner's signed difference
   ``s (f(w_T; z) - f(w'_T; z))`` per run, its mean and interval. Selecting and
   reporting on the same runs would bias the maximum upwards; on fresh runs the
   mean is unbiased for ``s E_A[...]`` at the selected ``(S, S', z)``, which is
   ``<= sup``: a lower estimate of uniform stability.
"""

from __future__ import annotations

import dataclasses
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from bounds import InvalidParameterError, resolve_step_sizes
from bounds.internal import StepSizeLike, check_int, checked
from empirical.problems._linear_loss import LinearLoss
from empirical.problems._problem import Problem
from empirical.schedules._delays import AbstractDelay
from empirical.schedules._protocols import Chunk, WorkerProtocol
from empirical.simulators.linear._kernels_workers import run_protocol_linear
from empirical.simulators.linear._runners import Draws
from empirical.simulators.linear._simulate import DivergenceError, simulate_draws

from ._estimate import Estimate, estimate_mean

__all__ = ["WorstCase", "worst_case_stability"]

#: Roles of the seed streams: the data set, then (index, delay) for selection and
#: for the report. Distinct ``SeedSequence`` entropies, hence independent streams.
_DATA, _SELECT, _REPORT = 0, 1, 2


@dataclass(frozen=True)
class WorstCase:
    """Result of :func:`worst_case_stability`.

    Attributes:
        estimate: mean over fresh runs of the selected signed loss difference,
            with its interval (a lower estimate of uniform stability).
        selected_value: the same quantity on the selection runs (biased upwards
            by the selection; reported for comparison only).
        index: replaced position ``i`` of ``S``.
        replacement: how ``z'`` was found.
        probe: how the probe ``z`` was found.
        n_candidates: number of ``(i, z')`` candidates searched.
        n_select, n_report: runs per candidate at selection, runs at the report.
        selection_seed, report_seed: ``SeedSequence`` entropies of the two sets
            of index sequences and delays (they differ).
    """

    estimate: Estimate
    selected_value: float
    index: int
    replacement: str
    probe: str
    n_candidates: int
    n_select: int
    n_report: int
    selection_seed: tuple[int, int]
    report_seed: tuple[int, int]

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        d = asdict(self)
        d["estimate"] = self.estimate.to_dict()
        d["selection_seed"] = list(self.selection_seed)
        d["report_seed"] = list(self.report_seed)
        return d


def _streams(
    delay: AbstractDelay, seed: int, role: int, T: int, P: int, n: int
) -> tuple[NDArray[np.int32], NDArray[np.int64]]:
    s_idx, s_delay = np.random.SeedSequence((seed, role)).spawn(2)
    idx = np.random.default_rng(s_idx).integers(0, n, size=(P, T), dtype=np.int32)
    raw = delay.sample(np.random.default_rng(s_delay), T, P)
    return idx, np.minimum(raw, np.arange(T, dtype=np.int64)[None, :])


def _protocol_streams(
    protocol: WorkerProtocol, seed: int, role: int, T: int, P: int, n: int
) -> Chunk:
    """``P`` schedules of contributions of ``protocol`` for one role's seeds."""
    s_pos, s_delay = np.random.SeedSequence((seed, role)).spawn(2)
    delays = protocol.setup(np.random.default_rng(s_delay), P, T)
    return protocol.chunk(np.random.default_rng(s_pos), 1, T, n, delays)


def _run_protocol(
    problem: Problem,
    protocol: WorkerProtocol,
    S: NDArray[np.int64],
    candidate: tuple[int, int],
    chunk: Chunk,
    eta: NDArray[np.float64],
    w0: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Final iterates ``(2P, d)`` of the runs on ``S`` and on ``S`` with position
    ``i`` replaced by row ``c``, one pair per schedule of ``chunk`` (its first
    ``len(eta)`` steps)."""
    i, c = candidate
    t, P = eta.size, chunk.pos.shape[0]
    rows = np.tile(S, (2 * P, 1))
    rows[P:, i] = c
    part = Chunk(chunk.pos[:, :t], chunk.tau[:, :t], chunk.weight[:, :t])
    loss = problem.loss
    W = run_protocol_linear(
        loss.name,
        problem.dataset.X,
        np.asarray(problem.dataset.y, np.float64),
        rows,
        w0[:P],
        part,
        eta,
        protocol.clip,
        loss_param=float(getattr(loss, "threshold", 0.0)),
    )
    if not np.isfinite(W).all():
        raise DivergenceError(
            f"a run of protocol {protocol.label} diverged in the worst-case search; "
            "reduce the step size"
        )
    return W


def _grad_scale(loss: LinearLoss, W: NDArray[Any], X: NDArray[Any], y: Any) -> Any:
    """``dloss(w.x, y)`` for every (iterate, row): shape ``(k, m)``."""
    return loss.dloss(W @ X.T, np.asarray(y, np.float64)[None, :])


def _gradient_pairs(
    loss: LinearLoss,
    snaps: NDArray[np.float64],
    XS: NDArray[np.float64],
    yS: Any,
    XC: NDArray[np.float64],
    yC: Any,
    k: int,
) -> list[tuple[int, int]]:
    """The ``k`` pairs (position in S, row of C) of largest mean gradient difference.

    For a linear loss ``grad f(w; z) = a(w, z) x (+ gamma w, equal for both)``, so
    ``||a_i x_i - a_c x_c||^2 = a_i^2 |x_i|^2 + a_c^2 |x_c|^2 - 2 a_i a_c x_i.x_c``.
    """
    aS, aC = _grad_scale(loss, snaps, XS, yS), _grad_scale(loss, snaps, XC, yC)
    nS, nC = np.einsum("ij,ij->i", XS, XS), np.einsum("ij,ij->i", XC, XC)
    G = XS @ XC.T
    score = np.zeros(G.shape)
    for a, c in zip(aS, aC, strict=True):
        sq = (a * a * nS)[:, None] + (c * c * nC)[None, :] - 2 * np.outer(a, c) * G
        score += np.sqrt(np.maximum(sq, 0.0))
    flat = np.argsort(-score, axis=None)[:k]
    return [
        (int(i), int(c)) for i, c in zip(*np.unravel_index(flat, G.shape), strict=True)
    ]


def _diffs(
    loss: LinearLoss, W: NDArray[np.float64], Xp: NDArray[Any], yp: Any
) -> NDArray[np.float64]:
    """``f(w_T; z) - f(w'_T; z)`` per run (rows) and probe (columns)."""
    P = W.shape[0] // 2
    vals = loss.phi(W @ Xp.T, np.asarray(yp, np.float64)[None, :])
    if loss.reg:
        vals = vals + loss.penalty(W)[:, None]
    return np.asarray(vals[:P] - vals[P:])


@checked
def worst_case_stability(
    problem: Problem,
    *,
    step_size: StepSizeLike,
    delay: AbstractDelay,
    n_steps: int,
    seed: int,
    n_select: int = 32,
    n_report: int = 200,
    n_heldout: int = 6,
    n_index: int = 2,
    n_gradient: int = 2,
    train_rows: ArrayLike | None = None,
    confidence: float = 0.95,
    protocol: WorkerProtocol | None = None,
) -> WorstCase:
    """Search neighbours and probes on selection seeds, report on fresh seeds.

    Args:
        problem: a linear-loss :class:`~empirical.problems._problem.Problem`.
        step_size, delay, n_steps: the algorithm, as for
            :func:`~empirical.simulators.linear._simulate.simulate_pairs`.
        seed: base seed of the data set and both seed sets.
        n_select: runs per candidate at selection (>= 2).
        n_report: fresh runs of the selected candidate (>= 2).
        n_heldout: random (position, held-out point) candidates.
        n_index: largest-norm positions of ``S`` that get constructed replacements.
        n_gradient: candidates of largest gradient difference.
        train_rows: rows of the data set forming ``S`` (default: a random draw of
            ``n_samples`` rows from ``seed``).
        confidence: two-sided level of the reported interval.
        protocol: a worker protocol (:mod:`empirical.schedules._protocols`) to
            run instead of one gradient per update (``delay`` is then unused):
            its schedules of contributions take the place of the index
            sequences and delays, shared by every candidate as well.

    Raises:
        InvalidParameterError: a nonlinear loss, bad counts or ``train_rows``.
        DivergenceError: a run diverged.
    """
    if not isinstance(problem.loss, LinearLoss):
        raise InvalidParameterError(
            f"loss={problem.loss.name!r}: the worst-case search supports the "
            "linear-model losses only"
        )
    loss = problem.loss
    T = check_int(n_steps, "n_steps", min_value=1)
    seed = check_int(seed, "seed", min_value=0)
    n_sel = check_int(n_select, "n_select", min_value=2)
    n_rep = check_int(n_report, "n_report", min_value=2)
    ds, n = problem.dataset, problem.n_samples
    N, R = ds.n_points, ds.radius
    if train_rows is None:
        rng = np.random.default_rng(np.random.SeedSequence((seed, _DATA)))
        order = rng.permutation(N).astype(np.int64)
    else:
        rows = np.asarray(train_rows, dtype=np.int64).ravel()
        if rows.size != n or len(set(rows.tolist())) != n or rows.min() < 0:
            raise InvalidParameterError(
                f"train_rows must be {n} distinct rows of the data set (n_samples)"
            )
        if rows.max() >= N:
            raise InvalidParameterError(f"train_rows={int(rows.max())} must be < {N}")
        order = np.concatenate([rows, np.setdiff1d(np.arange(N), rows)])
    S, pool = order[:n], order[n:]
    X, y = ds.X, np.asarray(ds.y, np.float64)
    # Constructions for the largest-norm positions of S, appended as new rows.
    norms = np.linalg.norm(X, axis=1)
    J = np.argsort(-norms[S], kind="stable")[: max(0, int(n_index))]
    extra_x, extra_y, extra_what = [], [], []
    for i in J:
        x = X[S[i]]
        extra_x += [x, x * (R / max(float(norms[S[i]]), 1e-300))]
        extra_y += [-y[S[i]], -y[S[i]]]
        extra_what += [f"opposite label of S[{i}]", f"S[{i}] at norm R, opposite label"]
    Xa = np.vstack([X, *extra_x]) if extra_x else X
    ya = np.concatenate([y, extra_y]) if extra_x else y
    first_extra = N
    data = dataclasses.replace(ds, X=Xa, y=ya)
    prob = dataclasses.replace(problem, dataset=data)
    others = np.concatenate([pool, np.arange(N, Xa.shape[0])])

    rng_c = np.random.default_rng(np.random.SeedSequence((seed, _DATA, 1)))
    cands: dict[tuple[int, int], str] = {}
    for _ in range(max(0, int(n_heldout))):
        i, c = int(rng_c.integers(0, n)), int(rng_c.choice(pool))
        cands.setdefault((i, c), "held-out point")
    big = int(pool[np.argmax(norms[pool])])
    for i in J:
        cands.setdefault((int(i), big), "held-out point of largest norm")
        for k, what in enumerate(extra_what):
            if f"S[{i}]" in what:
                cands.setdefault((int(i), first_extra + k), what)

    if protocol is None:
        sel: Any = _streams(delay, seed, _SELECT, T, n_sel, n)
        rep: Any = _streams(delay, seed, _REPORT, T, n_rep, n)
    else:
        sel = _protocol_streams(protocol, seed, _SELECT, T, n_sel, n)
        rep = _protocol_streams(protocol, seed, _REPORT, T, n_rep, n)
        eta = resolve_step_sizes(step_size, n_steps=T)
    w0 = np.stack([loss.init(prob.dim, np.random.default_rng(0))] * max(n_sel, n_rep))

    def run(i: int, c: int, streams: Any, t: int = T) -> NDArray[np.float64]:
        if protocol is not None:
            return _run_protocol(prob, protocol, S, (i, c), streams, eta[:t], w0)
        idx, tau = streams
        P = idx.shape[0]
        perm = np.concatenate([S, [c], others[others != c]])
        dr = Draws(
            perm=np.tile(perm, (P, 1)),
            j=np.full(P, i, dtype=np.int64),
            idx=np.ascontiguousarray(idx[:, :t]),
            delays=np.ascontiguousarray(tau[:, :t]),
            w0=w0[:P],
        )
        rs = simulate_draws(prob, dr, step_size=step_size, max_delay=delay.max_delay)
        assert rs.final_iterates is not None
        return rs.final_iterates

    # Gradient-difference candidates from iterates of runs on S (T/2 and T).
    i0, c0 = next(iter(cands)) if cands else (0, int(pool[0]))
    snaps = np.concatenate(
        [run(i0, c0, sel, max(1, T // 2))[:n_sel], run(i0, c0, sel)[:n_sel]]
    )
    for i, c in _gradient_pairs(
        loss, snaps, Xa[S], ya[S], Xa[others], ya[others], max(0, int(n_gradient))
    ):
        cands.setdefault((i, int(others[c])), "largest gradient difference")

    best: tuple[float, int, int, NDArray[Any], float, str] | None = None
    for (i, c), _what in cands.items():
        W = run(i, c, sel)
        dw = (W[:n_sel] - W[n_sel:]).mean(axis=0)
        u = dw / max(float(np.linalg.norm(dw)), 1e-300)
        labels = [-1.0, 1.0] if data.task == "binary" else [-1.0, 0.0, 1.0]
        scale = 1.0 if data.task == "binary" else float(np.abs(y).max())
        cx = np.array([s * R * u for s in (1.0, -1.0) for _ in labels])
        cy = np.array([lab * scale for _ in (1.0, -1.0) for lab in labels])
        Xp, yp = np.vstack([Xa, cx]), np.concatenate([ya, cy])
        D = _diffs(loss, W, Xp, yp).mean(axis=0)
        k = int(np.argmax(np.abs(D)))
        val = float(abs(D[k]))
        if best is None or val > best[0]:
            probe = "pool point" if k < Xa.shape[0] else "along mean w_T - w'_T"
            best = (val, i, c, np.append(Xp[k], yp[k]), float(np.sign(D[k])), probe)
    assert best is not None
    val, i, c, z, sign, probe = best
    W = run(i, c, rep)
    d = sign * _diffs(loss, W, z[None, :-1], z[-1:])[:, 0]
    return WorstCase(
        estimate=estimate_mean(d, confidence=confidence),
        selected_value=val,
        index=int(i),
        replacement=cands[(i, c)],
        probe=probe,
        n_candidates=len(cands),
        n_select=n_sel,
        n_report=n_rep,
        selection_seed=(seed, _SELECT),
        report_seed=(seed, _REPORT),
    )
