"""The annual predikat of a pegawai with several SKPs in a year (mutasi, a status ending): the policy's combination."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from policies.schema import AnnualCombine, Policy
from states.enums import PREDIKAT_ORDER, Predikat


@dataclass(frozen=True)
class SkpPart:
    """One rated SKP of the pegawai's year: the days it ran (its periode) and its predikat."""

    skp_id: int
    start: date
    end: date
    predikat: Predikat


def days_in_year(part: SkpPart, year: int) -> int:
    """The days of `year` the SKP ran (at least 1: an SKP closed on the day it started still counts that day)."""
    first, last = max(part.start, date(year, 1, 1)), min(part.end, date(year, 12, 31))
    return max((last - first).days + 1, 1)


def months_covered(start: date, end: date) -> int:
    """The calendar months an SKP running from `start` to `end` touches (15 July – 31 December: 6)."""
    return max((end.year - start.year) * 12 + end.month - start.month + 1, 0)


def _ordered(parts: Sequence[SkpPart]) -> list[SkpPart]:
    return sorted(parts, key=lambda p: (p.start, p.skp_id))


def combine(policy: Policy, parts: Sequence[SkpPart], year: int) -> Predikat | None:
    """The annual predikat of the SKPs of one pegawai in `year` under `mid_year.annual_combine`; None without any.

    months_weighted ranks the predikat (SANGAT_BAIK best … SANGAT_KURANG), averages the ranks weighted by the days
    each SKP ran in the year, and takes the nearest predikat; an exact half goes the way of the latest SKP.
    """
    if not parts:
        return None
    ordered = _ordered(parts)
    latest = ordered[-1].predikat
    rule = policy.mid_year.annual_combine
    if len(ordered) == 1 or rule is AnnualCombine.LATEST:
        return latest
    rank = PREDIKAT_ORDER.index
    if rule is AnnualCombine.LOWEST:
        return PREDIKAT_ORDER[max(rank(p.predikat) for p in ordered)]
    weights = [days_in_year(p, year) for p in ordered]
    mean = Fraction(sum(w * rank(p.predikat) for w, p in zip(weights, ordered, strict=True)), sum(weights))
    low, high = math.floor(mean), math.ceil(mean)
    if mean - low < Fraction(1, 2):
        return PREDIKAT_ORDER[low]
    if mean - low > Fraction(1, 2):
        return PREDIKAT_ORDER[high]
    return PREDIKAT_ORDER[low if rank(latest) <= low else high]
