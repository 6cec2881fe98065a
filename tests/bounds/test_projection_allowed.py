"""The registry declares which theorems survive a projection after every step.

docs/theory.md, "Projection after every step": a 1-Lipschitz map after each
update (a projection onto a closed convex set) keeps the proofs of both part-3
theorems, [D-ncvx-W] with or without its clip and [D-cvx-W]; the declaration is
``Theorem.allows``, and it is not an assumption (a run without a projection is
covered as before).
"""

from __future__ import annotations

from bounds import REGISTRY, THEOREMS, Assumption


def test_both_part3_theorems_allow_a_projection() -> None:
    for key in ("delayed-ncvx-workers", "delayed-cvx-workers"):
        theorem = THEOREMS[key]
        assert Assumption.PROJECTED in theorem.allows
        assert Assumption.PROJECTED not in theorem.assumptions  # allowed, not needed
        assert "allows: projected SGD onto a convex set" in theorem.statement()


def test_only_the_proved_theorems_declare_it() -> None:
    allowing = {k for k, t in REGISTRY.items() if Assumption.PROJECTED in t.allows}
    assert allowing == {"delayed-ncvx-workers", "delayed-cvx-workers"}
    for theorem in REGISTRY.values():
        assert not theorem.allows & theorem.assumptions
        if not theorem.allows:
            assert "allows:" not in theorem.statement()


def test_the_clip_stays_where_the_theorem_allows_it() -> None:
    # [D-ncvx-W] takes a clip, [D-cvx-W] refuses one, projected or not.
    assert Assumption.NO_CLIPPING in THEOREMS["delayed-cvx-workers"].assumptions
    assert Assumption.NO_CLIPPING not in THEOREMS["delayed-ncvx-workers"].assumptions
    assert "clip" in THEOREMS["delayed-ncvx-workers"].options
