"""Due instants of the policy's deadlines and the escalation steps reached by a given time."""

import calendar as calendar_module
from datetime import date, datetime, timedelta, tzinfo

from policies import calendar
from policies.schema import (
    AfterEventRule,
    AfterPeriodRule,
    BeforeExpiryRule,
    DayCount,
    DeadlineKey,
    LadderStep,
    NonWorkingDay,
    Policy,
    RecurringRule,
)


def due_day(
    policy: Policy,
    key: DeadlineKey,
    *,
    cycle_year: int | None = None,
    period_end: date | None = None,
    event_at: datetime | None = None,
    expires_on: date | None = None,
    tz: str | tzinfo | None = None,
    start: date | None = None,
) -> date:
    """The last local day on which the work is on time; `start` is an SKP's own start (`anchored_on`)."""
    rule = policy.deadlines.rule(key)
    cal = policy.calendar
    if isinstance(rule, RecurringRule):
        raise ValueError(f"{key}: a recurring deadline's windows are computed by policies.feedback")
    if isinstance(rule, BeforeExpiryRule):
        if expires_on is None:
            raise ValueError(f"{key}: needs expires_on (the last day of what ends)")
        return months_before_end(expires_on, rule.months_before) - timedelta(days=1)
    if key is DeadlineKey.SKP_AGREEMENT and start and cycle_year and anchored_on(cycle_year, start):
        own = calendar.add_working_days(cal, start, policy.mid_year.agreement_working_days)
        return max(own, due_day(policy, key, cycle_year=cycle_year, tz=tz))
    if isinstance(rule, AfterEventRule):
        if event_at is None or event_at.tzinfo is None:
            raise ValueError(f"{key}: needs an aware event_at")
        event_day = event_at.astimezone(calendar.zone(cal, tz)).date()
        if rule.count is DayCount.WORKING:
            return calendar.add_working_days(cal, event_day, rule.days)
        return event_day + timedelta(days=rule.days)
    if isinstance(rule, AfterPeriodRule):
        if period_end is None:
            raise ValueError(f"{key}: needs period_end")
        month_index = period_end.year * 12 + period_end.month - 1 + rule.months_after
        day = date(month_index // 12, month_index % 12 + 1, rule.day_of_month)
    else:
        if cycle_year is None:
            raise ValueError(f"{key}: needs cycle_year")
        day = date(cycle_year + rule.year_offset, rule.month, rule.day)
    if rule.on_non_working_day is NonWorkingDay.NEXT_WORKING_DAY:
        return calendar.next_working_day(cal, day)
    return day


def due_date(
    policy: Policy,
    key: DeadlineKey,
    *,
    cycle_year: int | None = None,
    period_end: date | None = None,
    event_at: datetime | None = None,
    expires_on: date | None = None,
    tz: str | tzinfo | None = None,
    start: date | None = None,
) -> datetime:
    """The first instant at which the work is late: 00:00 local of the day after the due day.

    Fixed-date rules need cycle_year, after-period rules period_end, after-event rules an aware event_at,
    before-expiry rules expires_on (the last day, e.g. a contract's kontrak_selesai); tz is the unit's zone (IANA
    name, WIB/WITA/WIT or tzinfo), defaulting to the policy's. For skp_agreement, `start` is the SKP's own start:
    one that starts after 1 January is due `mid_year.agreement_working_days` working days after it, never before
    the cycle's own due day.
    """
    day = due_day(
        policy,
        key,
        cycle_year=cycle_year,
        period_end=period_end,
        event_at=event_at,
        expires_on=expires_on,
        tz=tz,
        start=start,
    )
    return calendar.start_of_day(day + timedelta(days=1), calendar.zone(policy.calendar, tz))


def months_before_end(last_day: date, months: int) -> date:
    """The day `months` calendar months before the end of `last_day` (the day after it), a day the month lacks
    becoming its last: a contract through 31 December 2026 ends at 1 January 2027, six months before is 1 July."""
    end = last_day + timedelta(days=1)
    index = end.year * 12 + end.month - 1 - months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(end.day, calendar_module.monthrange(year, month + 1)[1]))


def year_start(cycle_year: int) -> date:
    """The day an SKP drafted when the cycle opens starts: 1 January of the cycle year."""
    return date(cycle_year, 1, 1)


def anchored_on(cycle_year: int, start: date) -> bool:
    """Whether an SKP starting on `start` is a mid-year SKP, whose agreement deadline runs from its own start."""
    return start > year_start(cycle_year)


def step_at(due: datetime, step: LadderStep) -> datetime:
    return due + timedelta(days=step.offset_days)


def steps_due(policy: Policy, key: DeadlineKey, due: datetime, now: datetime) -> list[LadderStep]:
    """Every ladder step whose time (due + offset_days) has come by `now`, in ladder order."""
    if now.tzinfo is None or due.tzinfo is None:
        raise ValueError("due and now must be aware datetimes")
    return [s for s in policy.deadlines.rule(key).ladder if step_at(due, s) <= now]


def due_step(policy: Policy, key: DeadlineKey, due: datetime, now: datetime) -> LadderStep | None:
    """The latest ladder step reached by `now`, or None before the first."""
    reached = steps_due(policy, key, due, now)
    return reached[-1] if reached else None
