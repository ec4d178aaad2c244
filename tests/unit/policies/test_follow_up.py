from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from policies.annual import SkpPart
from policies.follow_up import add_months, decide_year, improvement_ends, kind_for, placement_ends
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


def _parts(*spans: tuple[str, str, Predikat]) -> list[SkpPart]:
    return [SkpPart(i + 1, date.fromisoformat(a), date.fromisoformat(b), p) for i, (a, b, p) in enumerate(spans)]


WHOLE_YEAR = ("2026-01-01", "2026-12-31")
TO_JULY, FROM_JULY = ("2026-01-01", "2026-07-14"), ("2026-07-15", "2026-12-31")  # 195 and 170 days


@pytest.mark.parametrize(
    ("jenis", "combine", "spans", "waiting", "expected"),
    [
        # one SKP for the year: its predikat is the year's, as before
        (PNS, "months_weighted", [(*WHOLE_YEAR, K)], 0, (K, FollowUpKind.SANCTION)),
        # a mutasi in July: SANGAT_BAIK then SANGAT_KURANG is BUTUH_PERBAIKAN for the year (mean rank 1.86), one
        # coaching case; per SKP it would have been a reward and a sanction
        (PNS, "months_weighted", [(*TO_JULY, SB), (*FROM_JULY, SK)], 0, (BP, FollowUpKind.COACHING)),
        # two bad months before tugas belajar, ten good ones after: BAIK (rank 1.49), no case at all
        (PNS, "months_weighted", [("2026-01-01", "2026-02-28", SK), ("2026-03-01", "2026-12-31", B)], 0, (B, None)),
        # the halves just past an exact half (182 BAIK days, 183 BUTUH_PERBAIKAN): BUTUH_PERBAIKAN
        (
            PNS,
            "months_weighted",
            [("2026-01-01", "2026-07-01", B), ("2026-07-02", "2026-12-31", BP)],
            0,
            (BP, FollowUpKind.COACHING),
        ),
        # a PPPK's low year is counselling, never the PNS sanction path, whatever the parts
        (
            PPPK,
            "months_weighted",
            [("2026-01-01", "2026-06-30", K), ("2026-07-01", "2026-12-31", SK)],
            0,
            (SK, FollowUpKind.COUNSELING),
        ),
        # the instansi's choice of how to combine decides
        (PNS, "lowest", [(*TO_JULY, SB), (*FROM_JULY, SK)], 0, (SK, FollowUpKind.SANCTION)),
        (PNS, "latest", [(*TO_JULY, SK), (*FROM_JULY, SB)], 0, (SB, FollowUpKind.REWARD)),
        # an SKP of the year still to be rated: nothing is decided on a part of the year
        (PNS, "months_weighted", [(*TO_JULY, SK)], 1, None),
        # no rated SKP: nothing to decide
        (PNS, "months_weighted", [], 0, None),
    ],
)
def test_the_year_is_decided_once_on_its_combined_predikat(
    derive: Derive,
    jenis: JenisPegawai,
    combine: str,
    spans: list[tuple[str, str, Predikat]],
    waiting: int,
    expected: tuple[Predikat, FollowUpKind | None] | None,
) -> None:
    policy = derive({"mid_year": {"annual_combine": combine}})
    decided = decide_year(policy, _parts(*spans), 2026, waiting=waiting, jenis=jenis, jabatan_type=ADMIN)
    assert (None if decided is None else (decided[0], decided[1].kind)) == expected
