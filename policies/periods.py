"""The periodic-evaluation periods of a cycle year (monthly, quarterly or semester)."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from policies import calendar
from policies.deadlines import due_date
from policies.schema import DeadlineKey, Policy
from states.enums import PeriodKind

MONTHS_PER_PERIOD: dict[PeriodKind, int] = {PeriodKind.MONTHLY: 1, PeriodKind.QUARTERLY: 3, PeriodKind.SEMESTER: 6}


@dataclass(frozen=True)
class Period:
    n: int
    start: date
    end: date


def periods(policy: Policy, year: int) -> list[Period]:
    """Periods 1..k of `year` for the policy's period kind; the last ends on 31 December."""
    step = MONTHS_PER_PERIOD[policy.periods.kind]
    out: list[Period] = []
    for n, first_month in enumerate(range(1, 13, step), start=1):
        start = date(year, first_month, 1)
        after = date(year + 1, 1, 1) if first_month + step > 12 else date(year, first_month + step, 1)
        out.append(Period(n, start, after - timedelta(days=1)))
    return out


def ends_at(policy: Policy, period: Period, tz: str | tzinfo | None = None) -> datetime:
    """The instant the period is over: 00:00 of the day after its last day, in the unit's zone."""
    return calendar.start_of_day(period.end + timedelta(days=1), calendar.zone(policy.calendar, tz))


def closes_at(policy: Policy, period: Period, tz: str | tzinfo | None = None) -> datetime:
    """The instant the period closes in the unit's zone: its periodic evaluation's due instant plus the policy's
    `close_days_after_evaluation_due`. Realisasi and evaluations of the period are accepted until then."""
    due = due_date(policy, DeadlineKey.PERIODIC_EVALUATION, period_end=period.end, tz=tz)
    return due + timedelta(days=policy.periods.close_days_after_evaluation_due)


def find(policy: Policy, year: int, n: int) -> Period | None:
    """Period n of `year`, or None when the policy's period kind has no such period."""
    return next((p for p in periods(policy, year) if p.n == n), None)
