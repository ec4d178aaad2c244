"""Pola distribusi: the head-count range of each predikat group for a unit, and its violations (domain.md §5.4)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from policies.schema import Constraint, DistributionMode, Policy, Rounding
from states.enums import CapaianLevel, Predikat
from states.messages import Problem

MinSource = Literal["none", "min_share", "at_least_one", "majority"]


@dataclass(frozen=True)
class Limit:
    """Allowed head count [min, max] of one constraint's group in a unit of n; applies=False when waived."""

    constraint: Constraint
    n: int
    min: int
    max: int
    applies: bool
    min_from: MinSource = "none"


@dataclass(frozen=True)
class Violation:
    """One broken bound; blocking when the policy's distribution mode is hard."""

    level: CapaianLevel
    predikat: tuple[Predikat, ...]
    found: int
    message: Problem  # the English sentence, carrying its catalogue message
    blocking: bool

    def __str__(self) -> str:
        return self.message


Bound = Literal["min", "max"]


def head_count(share: float, n: int, rounding: Rounding, bound: Bound = "max") -> int:
    """share × n as the head count of a `bound`; exact arithmetic. strict rounds a maximum down and a minimum up, so
    `found <= max` and `found >= min` hold exactly when found/n keeps to the share; 'round' is half up."""
    exact = Fraction(str(share)) * n
    if rounding is Rounding.STRICT:
        rounding = Rounding.FLOOR if bound == "max" else Rounding.CEIL
    if rounding is Rounding.FLOOR:
        return math.floor(exact)
    if rounding is Rounding.CEIL:
        return math.ceil(exact)
    return math.floor(exact + Fraction(1, 2))


def enforced(policy: Policy, n: int) -> bool:
    """Whether the curve is checked at all for a unit of n (empty units and units below min_unit_size are not)."""
    return n > 0 and n >= policy.distribution.min_unit_size


def limits(policy: Policy, level: CapaianLevel, n: int) -> list[Limit]:
    """The head-count range of each constraint of `level` for a unit of n (for a distribution calculator)."""
    if n < 0:
        raise ValueError(f"unit size must be ≥ 0, got {n}")
    return [_limit(policy, c, n) for c in policy.distribution.levels[level]]


def _limit(policy: Policy, c: Constraint, n: int) -> Limit:
    dist = policy.distribution
    if not enforced(policy, n) or n < (c.min_unit_size or 1):
        return Limit(c, n, 0, n, applies=False)
    hi = 0 if c.none_allowed else n if c.max_share is None else head_count(c.max_share, n, dist.rounding, "max")
    bounds: list[tuple[int, MinSource]] = []
    if c.min_share is not None:
        bounds.append((head_count(c.min_share, n, dist.rounding, "min"), "min_share"))
    if c.at_least_one:
        bounds.append((1, "at_least_one"))
    if c.majority and dist.majority_minimum:
        # More than half, but never beyond the cap: in a unit of 2 "max 70%" allows 1, so 1 is the majority asked.
        bounds.append((min(n // 2 + 1, hi), "majority"))
    lo, source = max(bounds, key=lambda b: b[0], default=(0, "none"))
    return Limit(c, n, min(lo, n), hi, applies=True, min_from=source)


def check(policy: Policy, level: CapaianLevel, counts: Mapping[Predikat, int]) -> list[Violation]:
    """Violations of the curve for `level` by a unit's predikat counts; empty when the unit fits or is exempt."""
    if any(v < 0 for v in counts.values()):
        raise ValueError("counts must be ≥ 0")
    n = sum(counts.values())
    blocking = policy.distribution.mode is DistributionMode.HARD
    found: list[Violation] = []
    for limit in limits(policy, level, n):
        if not limit.applies:
            continue
        c = limit.constraint
        group = tuple(c.predikat)
        x = sum(counts.get(p, 0) for p in group)
        for message in _messages(c, limit, x):
            found.append(Violation(level, group, x, message, blocking))
    return found


def _messages(c: Constraint, limit: Limit, x: int) -> list[Problem]:
    names = {"id": " atau ".join(p.value for p in c.predikat), "en": " or ".join(p.value for p in c.predikat)}
    n, least = limit.n, limit.min
    out: list[Problem] = []
    if c.none_allowed and x > 0:
        out.append(Problem.say("distribution.none_allowed", names=names, x=x))
    if x < limit.min:
        if limit.min_from == "min_share" and c.min_share is not None:
            out.append(
                Problem.say("distribution.min_share", share=_pct(c.min_share), names=names, least=least, n=n, x=x)
            )
        elif limit.min_from == "majority":
            out.append(Problem.say("distribution.majority", names=names, least=least, n=n, x=x))
        else:
            out.append(Problem.say("distribution.at_least_one", names=names, x=x))
    if c.max_share is not None and x > limit.max:
        out.append(
            Problem.say("distribution.max_share", share=_pct(c.max_share), names=names, most=limit.max, n=n, x=x)
        )
    return out


def _pct(share: float) -> str:
    return f"{share * 100:g}%"
