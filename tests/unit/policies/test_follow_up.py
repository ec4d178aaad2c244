from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from policies.follow_up import add_months, improvement_ends, kind_for, placement_ends
from policies.schema import Policy
from states.enums import FollowUpKind, JabatanType, JenisPegawai, Predikat

from .conftest import Derive

PNS, PPPK = JenisPegawai.PNS, JenisPegawai.PPPK
JPT, ADMIN, JF = JabatanType.JPT, JabatanType.ADMINISTRATOR, JabatanType.FUNGSIONAL
SB, B, BP, K, SK = Predikat


@pytest.mark.parametrize(
    ("jenis", "jabatan", "predikat", "expected"),
    [
        (PNS, ADMIN, SB, FollowUpKind.REWARD),
        (PNS, ADMIN, B, None),
        (PNS, ADMIN, BP, FollowUpKind.COACHING),
        (PNS, ADMIN, K, FollowUpKind.SANCTION),  # domain.md §7.2: KURANG enters the improvement period too
        (PNS, JF, SK, FollowUpKind.SANCTION),
        (PNS, JPT, BP, FollowUpKind.SANCTION),  # a JPT below BAIK enters it as well
        (PNS, JPT, B, None),
        (PPPK, JF, K, FollowUpKind.COUNSELING),  # a PPPK never enters the PNS sanction path
        (PPPK, JF, SK, FollowUpKind.COUNSELING),
        (PPPK, JPT, BP, FollowUpKind.COACHING),  # the JPT rule is for PNS
        (PPPK, JF, SB, FollowUpKind.REWARD),
        (None, None, K, FollowUpKind.SANCTION),  # unknown jenis and jabatan: the base mapping
    ],
)
def test_preset_mapping(
    preset: Policy,
    jenis: JenisPegawai | None,
    jabatan: JabatanType | None,
    predikat: Predikat,
    expected: FollowUpKind | None,
) -> None:
    assert kind_for(preset, predikat, jenis=jenis, jabatan_type=jabatan) == expected


REPEATED = {
    "follow_up": {"consecutive": [{"predikat": ["BUTUH_PERBAIKAN", "KURANG"], "years": 2, "opens": "SANCTION"}]}
}


@pytest.mark.parametrize(
    ("predikat", "earlier", "expected"),
    [
        (BP, [BP], FollowUpKind.SANCTION),  # two years in a row below BAIK
        (BP, [K, B], FollowUpKind.SANCTION),
        (BP, [B], FollowUpKind.COACHING),  # last year was fine: the mapping
        (BP, [None], FollowUpKind.COACHING),  # no result last year (not in skpflow): not consecutive
        (BP, [], FollowUpKind.COACHING),
        (B, [BP], None),
        (K, [SK], FollowUpKind.SANCTION),  # the mapping's own answer; SANGAT_KURANG is not in the rule's group
    ],
)
def test_low_results_in_consecutive_years(
    derive: Derive, predikat: Predikat, earlier: list[Predikat | None], expected: FollowUpKind | None
) -> None:
    policy = derive(REPEATED)
    assert kind_for(policy, predikat, jenis=PNS, jabatan_type=ADMIN, earlier=earlier) == expected


def test_the_preset_has_no_consecutive_rule(preset: Policy) -> None:
    # domain.md §7.2: no "consecutive periods" rule was found; the chain of one low year is the rule
    assert preset.follow_up.consecutive == []
    assert kind_for(preset, BP, jenis=PNS, jabatan_type=ADMIN, earlier=[BP, BP]) is FollowUpKind.COACHING


def test_sanction_durations(preset: Policy) -> None:
    assert preset.follow_up.sanction.improvement_months == 6
    assert preset.follow_up.sanction.temporary_placement_max_months == 12


def test_mapping_is_configurable(derive: Derive) -> None:
    policy = derive({"follow_up": {"by_predikat": {"BAIK": "COACHING", "SANGAT_BAIK": None}}})
    assert kind_for(policy, Predikat.BAIK) is FollowUpKind.COACHING
    assert kind_for(policy, Predikat.SANGAT_BAIK) is None
    assert kind_for(policy, Predikat.KURANG) is FollowUpKind.SANCTION


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (datetime(2026, 1, 15, 8, 0), 6, datetime(2026, 7, 15, 8, 0)),
        (datetime(2026, 8, 31, 0, 0), 6, datetime(2027, 2, 28, 0, 0)),  # February lacks the 31st
        (datetime(2027, 8, 31, 0, 0), 6, datetime(2028, 2, 29, 0, 0)),  # a leap year
        (datetime(2026, 12, 1, 0, 0), 12, datetime(2027, 12, 1, 0, 0)),
        (datetime(2026, 11, 30, 0, 0), 3, datetime(2027, 2, 28, 0, 0)),
    ],
)
def test_add_months_keeps_the_wall_time_and_clamps_the_day(start: datetime, n: int, expected: datetime) -> None:
    assert add_months(start, n) == expected


def test_sanction_periods_are_counted_in_the_unit_zone(preset: Policy, derive: Derive) -> None:
    # 31 Aug 16:00 UTC is 23:00 on 31 Aug in WIB but already 1 Sep in WIT: the months count from the local day.
    since = datetime(2026, 8, 31, 16, 0, tzinfo=UTC)
    assert improvement_ends(preset, since, "WIT") == datetime(2027, 3, 1, 1, 0, tzinfo=ZoneInfo("Asia/Jayapura"))
    assert improvement_ends(preset, since, "WIB") == datetime(2027, 2, 28, 23, 0, tzinfo=ZoneInfo("Asia/Jakarta"))
    shorter = derive({"follow_up": {"sanction": {"temporary_placement_max_months": 6}}})
    assert placement_ends(shorter, since, "WIB") == datetime(2027, 2, 28, 23, 0, tzinfo=ZoneInfo("Asia/Jakarta"))
    assert placement_ends(preset, since, "WIB") == datetime(2027, 8, 31, 23, 0, tzinfo=ZoneInfo("Asia/Jakarta"))
