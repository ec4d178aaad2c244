"""The periodic coaching rule: low periodic predikat in consecutive closed periods open a coaching case."""

from __future__ import annotations

from collections.abc import Mapping

from policies.schema import Policy
from states.enums import PREDIKAT_ORDER, Predikat


def is_low(policy: Policy, predikat: Predikat | None) -> bool:
    """A periodic predikat worse than the policy's `coaching_below`; a period with no predikat (lapsed) is not."""
    below = policy.follow_up.periodic.coaching_below
    if below is None or predikat is None:
        return False
    return PREDIKAT_ORDER.index(predikat) > PREDIKAT_ORDER.index(below)


def opens_coaching(policy: Policy, closed: Mapping[int, Predikat | None], period_no: int) -> bool:
    """Whether closing `period_no` opens coaching: it and the `coaching_after_periods - 1` periods just before it
    all closed with a low predikat. `closed` maps period numbers to their predikat (None: lapsed, no predikat).
    A gap (a period not evaluated) breaks the run: consecutive means one period after the other."""
    rule = policy.follow_up.periodic
    if rule.coaching_below is None:
        return False
    run = range(period_no - rule.coaching_after_periods + 1, period_no + 1)
    return run.start >= 1 and all(n in closed and is_low(policy, closed[n]) for n in run)
