"""360 input rules, table by table: who may be named a pemberi pertimbangan, when the perilaku rating must wait, and
the aggregate the penilai sees."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from policies.input_360 import Colleague, Given, Request, aggregate, gate, naming_problem, relation, window_closes
from policies.schema import Policy
from states.enums import CoreValue, JabatanType, Rating
from states.input_360 import Input360State, Relation

from .conftest import Derive

NOW = datetime(2027, 1, 10, 2, 0, tzinfo=UTC)
KABID = Colleague(1, "1", "Budi Kabid", unit_id=10, jabatan_type=JabatanType.ADMINISTRATOR, atasan_id=9)
STAF = Colleague(2, "2", "Dewi", unit_id=10, jabatan_type=JabatanType.FUNGSIONAL, atasan_id=1)
PELAKSANA = Colleague(3, "3", "Joko", unit_id=10, jabatan_type=JabatanType.PELAKSANA, atasan_id=1)
KABID2 = Colleague(4, "4", "Rina", unit_id=11, jabatan_type=JabatanType.ADMINISTRATOR, atasan_id=9)
KADIS = Colleague(9, "9", "Siti Kadis", unit_id=5, jabatan_type=JabatanType.JPT, atasan_id=None)
OTHER_UNIT_STAF = Colleague(5, "5", "Sari", unit_id=11, jabatan_type=JabatanType.PELAKSANA, atasan_id=4)
GONE = Colleague(6, "6", "Lama", unit_id=10, jabatan_type=JabatanType.PELAKSANA, atasan_id=1, active=False)


@pytest.mark.parametrize(
    ("pegawai", "other", "expected"),
    [
        (KABID, STAF, Relation.BAWAHAN),  # the pegawai is their atasan, whatever the unit or level
        (STAF, PELAKSANA, Relation.REKAN),  # same unit; fungsional and pelaksana are one level in the preset
        (PELAKSANA, STAF, Relation.REKAN),
        (KABID, KABID2, None),  # same level, another unit
        (STAF, OTHER_UNIT_STAF, None),  # same level, another unit
        (STAF, KABID, None),  # their atasan is no rekan
        (STAF, STAF, None),
    ],
)
def test_relation(preset: Policy, pegawai: Colleague, other: Colleague, expected: Relation | None) -> None:
    assert relation(preset, pegawai, other) is expected


@pytest.mark.parametrize(
    ("pegawai", "other", "penilai", "atasan", "problem"),
    [
        (STAF, PELAKSANA, 1, 9, None),
        (KABID, STAF, 9, None, None),
        (STAF, STAF, 1, 9, "is the pegawai rated"),
        (STAF, GONE, 1, 9, "is not an active pegawai"),
        (STAF, KABID, 1, 9, "is the pejabat penilai"),
        (STAF, KADIS, 1, 9, "is the atasan pejabat penilai"),
        (STAF, OTHER_UNIT_STAF, 1, 9, "neither a rekan kerja setingkat of Dewi (same unit, same level)"),
    ],
)
def test_who_may_be_named(
    preset: Policy, pegawai: Colleague, other: Colleague, penilai: int, atasan: int | None, problem: str | None
) -> None:
    found = naming_problem(preset, pegawai, other, penilai_id=penilai, atasan_penilai_id=atasan)
    assert found is None if problem is None else (found is not None and problem in found)


def test_levels_are_the_policys(derive: Derive) -> None:
    apart = derive({"perilaku": {"levels": {"PELAKSANA": 5}}})
    assert relation(apart, STAF, PELAKSANA) is None


OPEN = Request(Input360State.requested, NOW + timedelta(days=3))
CLOSED = Request(Input360State.requested, NOW - timedelta(days=1))
IN = Request(Input360State.submitted, NOW + timedelta(days=3))
WITHDRAWN = Request(Input360State.withdrawn, NOW + timedelta(days=3))


@pytest.mark.parametrize(
    ("mode", "required_for", "period_no", "requests", "eligible", "waits"),
    [
        ("off", "annual", 0, [OPEN], 2, None),
        ("optional", "annual", 0, [OPEN], 2, None),  # shown, never required
        ("optional", "annual", 0, [], 2, None),
        ("required", "annual", 0, [], 2, "name at least one pemberi pertimbangan"),
        ("required", "annual", 0, [WITHDRAWN], 2, "name at least one pemberi pertimbangan"),
        ("required", "annual", 0, [], 0, None),  # nobody may give input: the rule cannot be met, so it waives
        ("required", "annual", 0, [OPEN, IN], 2, "1 of 2 360 inputs are not in yet"),
        ("required", "annual", 0, [IN, IN], 2, None),
        ("required", "annual", 0, [CLOSED, IN], 2, None),  # the window closed: the rating goes ahead
        ("required", "annual", 3, [OPEN], 2, None),  # a periodic rating, and the policy requires the annual only
        ("required", "every_period", 3, [OPEN], 2, "perilaku rating of period 3 waits"),
    ],
)
def test_the_required_gate(
    derive: Derive,
    mode: str,
    required_for: str,
    period_no: int,
    requests: list[Request],
    eligible: int,
    waits: str | None,
) -> None:
    policy = derive({"perilaku": {"input_360": mode, "required_for": required_for}})
    problems = gate(policy, period_no, requests, eligible=eligible, now=NOW)
    if waits is None:
        assert problems == ()
    else:
        assert len(problems) == 1 and waits in problems[0]
        assert problems[0].startswith("perilaku.input_360 is required")  # the refusal names the rule


def _given(*rows: tuple[int, Rating, str]) -> list[Given]:
    return [Given(i, v, r, note) for i, r, note in rows for v in CoreValue]


@pytest.mark.parametrize(
    ("given", "minimum", "count", "distribution", "mean", "notes"),
    [
        ([], 2, 0, None, None, ()),  # nothing in yet
        (_given((1, Rating.SESUAI_EKSPEKTASI, "")), 2, 1, None, None, ()),  # one input: its count alone
        (_given((1, Rating.SESUAI_EKSPEKTASI, "")), 1, 1, {**dict.fromkeys(Rating, 0), Rating.SESUAI_EKSPEKTASI: 1},
         2.0, ()),
        (
            _given((1, Rating.DI_ATAS_EKSPEKTASI, "teladan"), (2, Rating.DI_BAWAH_EKSPEKTASI, " "),
                   (3, Rating.DI_ATAS_EKSPEKTASI, "andal")),
            2,
            3,
            {Rating.DI_ATAS_EKSPEKTASI: 2, Rating.SESUAI_EKSPEKTASI: 0, Rating.DI_BAWAH_EKSPEKTASI: 1},
            2.33,
            ("andal", "teladan"),  # sorted, so their order says nothing about who wrote them; blanks left out
        ),
    ],
)  # fmt: skip
def test_the_aggregate_per_value(
    derive: Derive,
    given: list[Given],
    minimum: int,
    count: int,
    distribution: dict[Rating, int] | None,
    mean: float | None,
    notes: tuple[str, ...],
) -> None:
    values = aggregate(derive({"perilaku": {"min_inputs_shown": minimum}}), given)
    assert [v.core_value for v in values] == list(CoreValue)
    for v in values:
        assert (v.count, v.distribution, v.mean, v.notes) == (count, distribution, mean, notes)


def test_the_window_is_the_deadline_rule_in_the_units_zone(preset: Policy) -> None:
    named = datetime(2027, 1, 3, 16, 30, tzinfo=UTC)  # 23.30 WIB on 3 January, already 4 January in WITA
    assert window_closes(preset, named, "Asia/Makassar") == datetime(2027, 1, 18, 16, 0, tzinfo=UTC)
    assert window_closes(preset, named, "Asia/Jakarta") == datetime(2027, 1, 17, 17, 0, tzinfo=UTC)
