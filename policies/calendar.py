"""Working days and time zones of a policy's calendar."""

from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from policies.schema import ZONE_ALIASES, Calendar


def zone_name(calendar: Calendar, tz: str | None = None) -> str:
    """The IANA name of a unit's zone: its own (an IANA name or WIB/WITA/WIT), or the policy's default."""
    name = tz or calendar.default_timezone
    return ZONE_ALIASES.get(name, name)


def zone(calendar: Calendar, tz: str | tzinfo | None = None) -> tzinfo:
    """The unit's zone: a tzinfo, an IANA name, WIB/WITA/WIT, or None for the policy's default."""
    if isinstance(tz, tzinfo):
        return tz
    return ZoneInfo(zone_name(calendar, tz))


def is_working_day(calendar: Calendar, day: date) -> bool:
    return day.isoweekday() in calendar.working_days and day not in calendar.holidays


def next_working_day(calendar: Calendar, day: date) -> date:
    """`day` itself when it is a working day, else the first working day after it."""
    while not is_working_day(calendar, day):
        day += timedelta(days=1)
    return day


def add_working_days(calendar: Calendar, day: date, n: int) -> date:
    """The n-th working day after `day` (`day` itself is not counted)."""
    if n < 0:
        raise ValueError(f"n must be ≥ 0, got {n}")
    while n:
        day += timedelta(days=1)
        if is_working_day(calendar, day):
            n -= 1
    return day


def start_of_day(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz)
