"""Mid-year SKPs: the agreement deadline from an SKP's own start in working days, and how a year's SKPs combine into
one annual predikat (policy `mid_year`)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from policies.annual import SkpPart, combine, days_in_year, months_covered
from policies.deadlines import anchored_on, due_date, due_day
from policies.loader import PolicyError
from policies.schema import DeadlineKey, Policy
from states.enums import Predikat

from .conftest import Derive

AGREE = DeadlineKey.SKP_AGREEMENT
SB, B, BP, K, SK = (
    Predikat.SANGAT_BAIK,
    Predikat.BAIK,
    Predikat.BUTUH_PERBAIKAN,
    Predikat.KURANG,
    Predikat.SANGAT_KURANG,
)


@pytest.mark.parametrize(
    ("start", "working_days", "holidays", "expected"),
    [
        # the whole year: the cycle's own 31 January
        (date(2026, 1, 1), 20, [], date(2026, 1, 31)),
        # starts on 2 January: its 20th working day (30 January) is before the cycle's, which it keeps
        (date(2026, 1, 2), 20, [], date(2026, 1, 31)),
        # starts on 5 January: the 20th working day after it is 2 February, later than the cycle's
        (date(2026, 1, 5), 20, [], date(2026, 2, 2)),
        # a mutasi on Wednesday 15 July: 20 working days, Monday to Friday, end on Wednesday 12 August
        (date(2026, 7, 15), 20, [], date(2026, 8, 12)),
        # from 3 August the count passes 17 August (a holiday) and ends a day later, on 1 September
        (date(2026, 8, 3), 20, [date(2026, 8, 17)], date(2026, 9, 1)),
        # without the holiday it would be 31 August
        (date(2026, 8, 3), 20, [], date(2026, 8, 31)),
        # a start on a Saturday counts from the Monday after: 5 working days end on Friday
        (date(2026, 7, 18), 5, [], date(2026, 7, 24)),
        # 1 June (Hari Lahir Pancasila) is skipped: from Wednesday 27 May, 5 working days end on 4 June
        (date(2026, 5, 27), 5, [date(2026, 6, 1)], date(2026, 6, 4)),
        # an SKP starting on 31 December: the first working day of the next year that is not a holiday
        (date(2026, 12, 31), 1, [date(2027, 1, 1)], date(2027, 1, 4)),
    ],
)
def test_a_mid_year_skp_is_due_working_days_after_its_own_start(
    derive: Derive, start: date, working_days: int, holidays: list[date], expected: date
) -> None:
    policy = derive(
        {
            "mid_year": {"agreement_working_days": working_days},
            "calendar": {"holidays": [d.isoformat() for d in holidays]},
        }
    )
    assert due_day(policy, AGREE, cycle_year=2026, start=start) == expected


@pytest.mark.parametrize(("tz", "zone"), [("WIB", "Asia/Jakarta"), ("WITA", "Asia/Makassar"), ("WIT", "Asia/Jayapura")])
def test_the_due_instant_is_the_next_local_midnight_in_the_units_zone(preset: Policy, tz: str, zone: str) -> None:
    due = due_date(preset, AGREE, cycle_year=2026, start=date(2026, 7, 15), tz=tz)
    assert due == datetime(2026, 8, 13, tzinfo=ZoneInfo(zone))


@pytest.mark.parametrize(
    ("start", "mid_year"),
    [(date(2026, 1, 1), False), (date(2026, 1, 2), True), (date(2026, 7, 15), True), (date(2025, 12, 1), False)],
)
def test_only_an_skp_starting_after_1_january_is_anchored_on_its_start(start: date, mid_year: bool) -> None:
    assert anchored_on(2026, start) is mid_year


def test_other_deadlines_ignore_the_start(preset: Policy) -> None:
    assert due_day(preset, DeadlineKey.ANNUAL_ASSESSMENT, cycle_year=2026, start=date(2026, 7, 15)) == date(2027, 1, 31)


@pytest.mark.parametrize("days", [0, 261])
def test_the_working_days_are_bounded(derive: Derive, days: int) -> None:
    with pytest.raises(PolicyError, match="agreement_working_days"):
        derive({"mid_year": {"agreement_working_days": days}})


def part(skp_id: int, start: tuple[int, int], end: tuple[int, int], predikat: Predikat) -> SkpPart:
    return SkpPart(skp_id, date(2026, *start), date(2026, *end), predikat)


BEFORE_JULY = part(1, (1, 1), (7, 14), B)  # 195 days
FROM_JULY = part(2, (7, 15), (12, 31), SB)  # 170 days


@pytest.mark.parametrize(
    ("rule", "parts", "expected"),
    [
        # one SKP: its own predikat, whatever the rule
        ("months_weighted", [FROM_JULY], SB),
        ("latest", [BEFORE_JULY], B),
        ("lowest", [FROM_JULY], SB),
        # 195 days BAIK and 170 SANGAT_BAIK: the longer one weighs more
        ("months_weighted", [BEFORE_JULY, FROM_JULY], B),
        ("latest", [BEFORE_JULY, FROM_JULY], SB),
        ("lowest", [BEFORE_JULY, FROM_JULY], B),
        # the order given does not matter: the SKPs are taken by their start
        ("latest", [FROM_JULY, BEFORE_JULY], SB),
        # three months BUTUH_PERBAIKAN, nine BAIK: BAIK
        ("months_weighted", [part(1, (1, 1), (3, 31), BP), part(2, (4, 1), (12, 31), B)], B),
        # nine months BUTUH_PERBAIKAN, three BAIK: BUTUH_PERBAIKAN
        ("months_weighted", [part(1, (1, 1), (9, 30), BP), part(2, (10, 1), (12, 31), B)], BP),
        # half and half: an exact tie goes the latest SKP's way, either way round
        ("months_weighted", [part(1, (1, 1), (1, 10), SB), part(2, (1, 11), (1, 20), B)], B),
        ("months_weighted", [part(1, (1, 1), (1, 10), B), part(2, (1, 11), (1, 20), SB)], SB),
        # SANGAT_BAIK and KURANG (ranks 0 and 3) for equal times average 1.5, a tie: the latest (KURANG) side wins
        ("months_weighted", [part(1, (1, 1), (1, 10), SB), part(2, (1, 11), (1, 20), K)], BP),
        ("lowest", [part(1, (1, 1), (6, 30), SK), part(2, (7, 1), (12, 31), SB)], SK),
        # three SKPs in a year (two mutasi): 4 months each of SANGAT_BAIK, BAIK, BUTUH_PERBAIKAN average to BAIK
        (
            "months_weighted",
            [part(1, (1, 1), (4, 30), SB), part(2, (5, 1), (8, 31), B), part(3, (9, 1), (12, 31), BP)],
            B,
        ),
    ],
)
def test_several_skps_combine_by_the_policy(
    derive: Derive, rule: str, parts: list[SkpPart], expected: Predikat
) -> None:
    policy = derive({"mid_year": {"annual_combine": rule}})
    assert combine(policy, parts, 2026) is expected


def test_no_rated_skp_has_no_annual_predikat(preset: Policy) -> None:
    assert combine(preset, [], 2026) is None


def test_the_preset_weights_by_the_months_each_skp_ran(preset: Policy) -> None:
    assert preset.mid_year.annual_combine.value == "months_weighted"
    assert preset.mid_year.agreement_working_days == 20


@pytest.mark.parametrize(
    ("skp", "days", "months"),
    [
        (BEFORE_JULY, 195, 7),
        (FROM_JULY, 170, 6),
        (part(1, (1, 1), (12, 31), B), 365, 12),
        (part(1, (7, 15), (7, 15), B), 1, 1),  # closed on the day it began: one day, one month touched
        (SkpPart(1, date(2025, 11, 1), date(2026, 1, 31), B), 31, 3),  # only the cycle year's days weigh
    ],
)
def test_how_long_an_skp_ran(skp: SkpPart, days: int, months: int) -> None:
    assert days_in_year(skp, 2026) == days
    assert months_covered(skp.start, skp.end) == months
