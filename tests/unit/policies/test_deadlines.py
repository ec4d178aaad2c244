from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from policies.calendar import add_working_days, is_working_day, zone
from policies.deadlines import due_date, due_day, due_step, steps_due
from policies.periods import Period, ends_at, find, periods
from policies.schema import AutoAction, DeadlineKey, LadderAction, Policy

from .conftest import Derive

WIB = ZoneInfo("Asia/Jakarta")
KEY = DeadlineKey


def wib(year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=WIB)


@pytest.mark.parametrize(
    ("key", "cycle_year", "expected_day"),
    [
        (KEY.SKP_AGREEMENT, 2026, date(2026, 1, 31)),
        (KEY.ANNUAL_ASSESSMENT, 2026, date(2027, 1, 31)),
    ],
)
def test_fixed_dates(preset: Policy, key: DeadlineKey, cycle_year: int, expected_day: date) -> None:
    assert due_day(preset, key, cycle_year=cycle_year) == expected_day
    # Late from the first instant of the next local day.
    assert due_date(preset, key, cycle_year=cycle_year) == datetime.combine(
        expected_day + timedelta(days=1), datetime.min.time(), WIB
    )


def test_a_due_day_off_work_can_move_to_the_next_working_day(derive: Derive) -> None:
    policy = derive({"deadlines": {"skp_agreement": {"on_non_working_day": "next_working_day"}}})
    assert due_day(policy, KEY.SKP_AGREEMENT, cycle_year=2026) == date(2026, 2, 2)  # 31 Jan 2026 is a Saturday


@pytest.mark.parametrize(
    ("key", "period_end", "expected_day"),
    [
        (KEY.REALISASI, date(2026, 1, 31), date(2026, 2, 5)),
        (KEY.PERIODIC_EVALUATION, date(2026, 1, 31), date(2026, 2, 10)),
        (KEY.REALISASI, date(2026, 3, 31), date(2026, 4, 5)),  # first quarter
        (KEY.PERIODIC_EVALUATION, date(2026, 6, 30), date(2026, 7, 10)),  # second quarter, first semester
        (KEY.REALISASI, date(2026, 12, 31), date(2027, 1, 5)),  # December rolls into the next year
        (KEY.PERIODIC_EVALUATION, date(2026, 12, 31), date(2027, 1, 10)),
        (KEY.PERIODIC_EVALUATION, date(2026, 11, 30), date(2026, 12, 10)),
    ],
)
def test_day_of_the_month_after_the_period(
    preset: Policy, key: DeadlineKey, period_end: date, expected_day: date
) -> None:
    assert due_day(preset, key, period_end=period_end) == expected_day


def test_every_period_of_every_kind_gets_a_due_day_in_the_next_month(derive: Derive) -> None:
    for kind in ("MONTHLY", "QUARTERLY", "SEMESTER"):
        policy = derive({"periods": {"kind": kind}})
        for period in periods(policy, 2026):
            day = due_day(policy, KEY.REALISASI, period_end=period.end)
            after = period.end + timedelta(days=1)
            assert (day.year, day.month, day.day) == (after.year, after.month, 5)


@pytest.mark.parametrize(
    ("count", "event_at", "expected_day"),
    [
        ("calendar", wib(2026, 4, 24, 10), date(2026, 5, 8)),
        # Friday 24 April + 14 working days skips 3 weekends and Labour Day (Friday 1 May).
        ("working", wib(2026, 4, 24, 10), date(2026, 5, 15)),
        # Saturday: counting starts on Monday.
        ("working", wib(2026, 4, 25, 10), date(2026, 5, 15)),
        ("working", wib(2026, 4, 27, 10), date(2026, 5, 18)),
        # 23:30 UTC on the 24th is already the 25th in Jakarta.
        ("calendar", datetime(2026, 4, 24, 23, 30, tzinfo=UTC), date(2026, 5, 9)),
    ],
)
def test_days_after_an_event(derive: Derive, count: str, event_at: datetime, expected_day: date) -> None:
    policy = derive({"deadlines": {"keberatan_filing": {"count": count}}})
    assert due_day(policy, KEY.KEBERATAN_FILING, event_at=event_at) == expected_day


def test_holidays_are_policy(derive: Derive) -> None:
    policy = derive({"calendar": {"holidays": []}, "deadlines": {"keberatan_filing": {"count": "working"}}})
    assert due_day(policy, KEY.KEBERATAN_FILING, event_at=wib(2026, 4, 24, 10)) == date(2026, 5, 14)


@pytest.mark.parametrize(
    ("key", "days"),
    [(KEY.KEBERATAN_FILING, 14), (KEY.KEBERATAN_DECISION, 14), (KEY.COACHING_SCHEDULE, 30)],
)
def test_event_deadlines_of_the_preset(preset: Policy, key: DeadlineKey, days: int) -> None:
    assert due_day(preset, key, event_at=wib(2026, 3, 2, 9)) == date(2026, 3, 2) + timedelta(days=days)


@pytest.mark.parametrize(
    ("tz", "utc_hour"),
    [("WIB", 17), ("WITA", 16), ("WIT", 15), ("Asia/Makassar", 16), (ZoneInfo("Asia/Jayapura"), 15), (None, 17)],
)
def test_the_unit_time_zone_sets_the_instant(preset: Policy, tz: str | ZoneInfo | None, utc_hour: int) -> None:
    due = due_date(preset, KEY.REALISASI, period_end=date(2026, 1, 31), tz=tz)
    assert due.astimezone(UTC) == datetime(2026, 2, 5, utc_hour, tzinfo=UTC)


@pytest.mark.parametrize(
    ("key", "kwargs"),
    [
        (KEY.SKP_AGREEMENT, {}),
        (KEY.REALISASI, {"cycle_year": 2026}),
        (KEY.KEBERATAN_FILING, {}),
        (KEY.KEBERATAN_FILING, {"event_at": datetime(2026, 1, 1, 9)}),  # naive
    ],
)
def test_missing_inputs_are_refused(preset: Policy, key: DeadlineKey, kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=key.value):
        due_date(preset, key, **kwargs)  # type: ignore[arg-type]


class TestLadder:
    DUE = wib(2026, 3, 17)  # keberatan decision due instant: -3 reminder, 0 notice, +3 escalate, +7 flag_hr

    @pytest.mark.parametrize(
        ("now", "actions"),
        [
            (DUE - timedelta(days=30), []),
            (DUE - timedelta(days=3, microseconds=1), []),
            (DUE - timedelta(days=3), [LadderAction.REMINDER]),
            (DUE - timedelta(seconds=1), [LadderAction.REMINDER]),
            (DUE, [LadderAction.REMINDER, LadderAction.NOTICE]),
            (DUE + timedelta(days=3), [LadderAction.REMINDER, LadderAction.NOTICE, LadderAction.ESCALATE]),
            (
                DUE + timedelta(days=90),
                [LadderAction.REMINDER, LadderAction.NOTICE, LadderAction.ESCALATE, LadderAction.AUTO_ACTION],
            ),
        ],
    )
    def test_steps_reached(self, preset: Policy, now: datetime, actions: list[LadderAction]) -> None:
        reached = steps_due(preset, KEY.KEBERATAN_DECISION, self.DUE, now)
        assert [s.action for s in reached] == actions
        latest = due_step(preset, KEY.KEBERATAN_DECISION, self.DUE, now)
        assert (latest.action if latest else None) == (actions[-1] if actions else None)

    def test_now_in_another_zone_compares_as_an_instant(self, preset: Policy) -> None:
        now = (self.DUE - timedelta(days=3)).astimezone(UTC)
        step = due_step(preset, KEY.KEBERATAN_DECISION, self.DUE, now)
        assert step is not None
        assert step.action is LadderAction.REMINDER
        assert step.notify == ["atasan_penilai"]

    def test_objection_window_closes_at_the_due_instant(self, preset: Policy) -> None:
        due = due_date(preset, KEY.KEBERATAN_FILING, event_at=wib(2026, 3, 2, 9))
        assert due == wib(2026, 3, 17)
        assert due_step(preset, KEY.KEBERATAN_FILING, due, due - timedelta(microseconds=1)) is None
        step = due_step(preset, KEY.KEBERATAN_FILING, due, due)
        assert step is not None
        assert step.auto_action is AutoAction.CLOSE_OBJECTION_WINDOW

    def test_naive_times_are_refused(self, preset: Policy) -> None:
        with pytest.raises(ValueError, match="aware"):
            steps_due(preset, KEY.REALISASI, self.DUE, datetime(2026, 3, 17))


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("QUARTERLY", [(1, "01-01", "03-31"), (2, "04-01", "06-30"), (3, "07-01", "09-30"), (4, "10-01", "12-31")]),
        ("SEMESTER", [(1, "01-01", "06-30"), (2, "07-01", "12-31")]),
    ],
)
def test_periods(derive: Derive, kind: str, expected: list[tuple[int, str, str]]) -> None:
    got = periods(derive({"periods": {"kind": kind}}), 2026)
    assert got == [Period(n, date.fromisoformat(f"2026-{s}"), date.fromisoformat(f"2026-{e}")) for n, s, e in expected]


def test_monthly_periods_cover_the_year(preset: Policy) -> None:
    got = periods(preset, 2028)
    assert [p.n for p in got] == list(range(1, 13))
    assert got[1] == Period(2, date(2028, 2, 1), date(2028, 2, 29))  # leap year
    assert got[-1].end == date(2028, 12, 31)
    assert all(b.start - a.end == timedelta(days=1) for a, b in pairwise(got))


def test_a_period_ends_at_midnight_after_its_last_day_in_the_unit_zone(preset: Policy) -> None:
    january = find(preset, 2026, 1)
    assert january is not None and find(preset, 2026, 13) is None
    assert ends_at(preset, january, "WIT") == datetime(2026, 1, 31, 15, 0, tzinfo=UTC)
    assert ends_at(preset, january, "WIB") == datetime(2026, 1, 31, 17, 0, tzinfo=UTC)
    assert ends_at(preset, january) == ends_at(preset, january, "WIB")  # the policy's default zone


def test_working_days(preset: Policy) -> None:
    cal = preset.calendar
    assert [is_working_day(cal, date(2026, 8, d)) for d in (14, 15, 16, 17, 18)] == [True, False, False, False, True]
    assert add_working_days(cal, date(2026, 8, 14), 1) == date(2026, 8, 18)
    assert add_working_days(cal, date(2026, 8, 14), 0) == date(2026, 8, 14)
    assert zone(cal) == WIB
