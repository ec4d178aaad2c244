"""PPPK contracts: the extension recommendation from the predikat of the contract's years (PP 49/2018 Pasal 37)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from enum import StrEnum

from policies import calendar
from policies.deadlines import due_date
from policies.schema import DeadlineKey, Policy
from states.enums import PREDIKAT_ORDER, FollowUpKind, Predikat


class Source(StrEnum):
    ANNUAL = "annual"  # the year's annual predikat
    PERIODIC = "periodic"  # no annual predikat yet: the latest closed periodic one stands in


@dataclass(frozen=True)
class YearResult:
    """A contract year's result as the recommendation weighs it; None when the year has none."""

    year: int
    predikat: Predikat | None
    source: Source | None = None


@dataclass(frozen=True)
class Recommendation:
    """The case to open and why: the rule that decided, the results counted and the years below the bar."""

    kind: FollowUpKind
    rule: str
    counted: tuple[YearResult, ...]
    low: tuple[int, ...]


def contract_years(mulai: date, selesai: date, as_of: date) -> range:
    """The cycle years a contract has run in by `as_of` (through its end at the latest)."""
    last = min(selesai, as_of).year
    return range(mulai.year, max(last, mulai.year) + 1)


def recommend(policy: Policy, results: Sequence[YearResult]) -> Recommendation:
    """Extension when every counted year reaches `kontrak.min_predikat`; no result at all: `kontrak.without_results`.

    `results` are the contract's years, any order; a year without a result is not counted, and with
    `kontrak.years` only the latest that many years with a result are."""
    rule = policy.kontrak
    counted = sorted((r for r in results if r.predikat is not None), key=lambda r: r.year)
    if rule.years is not None:
        counted = counted[-rule.years :]
    if not counted:
        return Recommendation(rule.without_results, "kontrak.without_results", (), ())
    bar = PREDIKAT_ORDER.index(rule.min_predikat)
    low = tuple(r.year for r in counted if r.predikat is not None and PREDIKAT_ORDER.index(r.predikat) > bar)
    kind = FollowUpKind.TIDAK_DIPERPANJANG if low else FollowUpKind.PERPANJANGAN_KONTRAK
    return Recommendation(kind, "kontrak.min_predikat", tuple(counted), low)


def recommendation_due(policy: Policy, selesai: date, tz: str | tzinfo | None = None) -> datetime:
    """The first instant at which the recommendation is late, in the unit's zone."""
    return due_date(policy, DeadlineKey.KONTRAK_RECOMMENDATION, expires_on=selesai, tz=tz)


def opens_at(policy: Policy, selesai: date, tz: str | tzinfo | None = None) -> datetime:
    """When the sweep computes the recommendation and opens the case: `kontrak.opens_days_before_due` days
    before it is due, at local midnight."""
    due = recommendation_due(policy, selesai, tz)
    return due - timedelta(days=policy.kontrak.opens_days_before_due)


def expires_at(policy: Policy, selesai: date, tz: str | tzinfo | None = None) -> datetime:
    """The first instant after the contract: 00:00 local of the day after its last day."""
    return calendar.start_of_day(selesai + timedelta(days=1), calendar.zone(policy.calendar, tz))
