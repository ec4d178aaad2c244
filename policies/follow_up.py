"""Which follow-up case a predikat opens, and when the sanction path's periods end (domain.md §7)."""

import calendar as months
from datetime import datetime, tzinfo

from policies import calendar
from policies.schema import Policy
from states.enums import FollowUpKind, Predikat


def kind_for(policy: Policy, predikat: Predikat) -> FollowUpKind | None:
    """The case to open for this predikat, or None when the policy opens none."""
    return policy.follow_up.by_predikat[predikat]


def add_months(at: datetime, n: int) -> datetime:
    """The same wall time n calendar months later; a day the target month lacks becomes its last day."""
    index = at.year * 12 + at.month - 1 + n
    year, month = divmod(index, 12)
    day = min(at.day, months.monthrange(year, month + 1)[1])
    return at.replace(year=year, month=month + 1, day=day)


def improvement_ends(policy: Policy, since: datetime, tz: str | tzinfo | None = None) -> datetime:
    """When the improvement period that began at `since` has elapsed, counted in the unit's zone."""
    return _months_after(policy, since, policy.follow_up.sanction.improvement_months, tz)


def placement_ends(policy: Policy, since: datetime, tz: str | tzinfo | None = None) -> datetime:
    """When the longest temporary placement that began at `since` has elapsed, counted in the unit's zone."""
    return _months_after(policy, since, policy.follow_up.sanction.temporary_placement_max_months, tz)


def _months_after(policy: Policy, since: datetime, n: int, tz: str | tzinfo | None) -> datetime:
    if since.tzinfo is None:
        raise ValueError("since must be an aware datetime")
    return add_months(since.astimezone(calendar.zone(policy.calendar, tz)), n)
