"""Status periods: who is out of the cycle on which days, what a year leaves them to serve, and refused periods."""

from datetime import date

import pytest

from policies.schema import Policy, StatusRules
from policies.status import StatusIn, StatusSpan, excluded_on, excluded_throughout, first_excluded_day, problems, served
from states.enums import PegawaiStatus as S

JAN1, DEC31 = date(2026, 1, 1), date(2026, 12, 31)


def span(status: S, start: str, until: str | None = None) -> StatusSpan:
    return StatusSpan(status, date.fromisoformat(start), date.fromisoformat(until) if until else None)


def days(*pairs: tuple[str, str]) -> list[tuple[date, date]]:
    return [(date.fromisoformat(a), date.fromisoformat(b)) for a, b in pairs]


@pytest.mark.parametrize(
    ("spans", "expected"),
    [
        pytest.param([], days(("2026-01-01", "2026-12-31")), id="no status: the whole year"),
        pytest.param([span(S.AKTIF, "2020-01-01")], days(("2026-01-01", "2026-12-31")), id="AKTIF excludes nothing"),
        pytest.param([span(S.TUGAS_BELAJAR, "2025-08-01")], [], id="tugas belajar all year: nothing to serve"),
        pytest.param(
            [span(S.TUGAS_BELAJAR, "2024-09-01", "2026-03-31")],
            days(("2026-04-01", "2026-12-31")),
            id="back from tugas belajar in April",
        ),
        pytest.param(
            [span(S.MASA_PERSIAPAN_PENSIUN, "2026-07-01")],
            days(("2026-01-01", "2026-06-30")),
            id="masa persiapan pensiun from July",
        ),
        pytest.param(
            [span(S.CLTN, "2026-03-01", "2026-05-31")],
            days(("2026-01-01", "2026-02-28"), ("2026-06-01", "2026-12-31")),
            id="CLTN in spring: two stretches",
        ),
        pytest.param(
            [span(S.CLTN, "2026-03-01", "2026-05-31"), span(S.TUGAS_BELAJAR, "2026-06-01", "2026-08-31")],
            days(("2026-01-01", "2026-02-28"), ("2026-09-01", "2026-12-31")),
            id="adjacent statuses join",
        ),
        pytest.param(
            [span(S.DIBERHENTIKAN_SEMENTARA, "2026-12-31")],
            days(("2026-01-01", "2026-12-30")),
            id="the last day only",
        ),
        pytest.param(
            [span(S.BERHENTI, "2025-06-01", "2025-12-31")], days(("2026-01-01", "2026-12-31")), id="last year"
        ),
    ],
)
def test_the_stretches_of_the_year_a_pegawai_serves(
    preset: Policy, spans: list[StatusSpan], expected: list[tuple[date, date]]
) -> None:
    assert served(preset, spans, JAN1, DEC31) == expected
    assert excluded_throughout(preset, spans, JAN1, DEC31) == (expected == [])


@pytest.mark.parametrize(
    ("excluded", "status", "day", "out"),
    [
        ([S.TUGAS_BELAJAR], S.TUGAS_BELAJAR, "2026-05-01", True),
        ([S.TUGAS_BELAJAR], S.CLTN, "2026-05-01", False),  # an instansi that rates CLTN as usual
        ([S.TUGAS_BELAJAR], S.TUGAS_BELAJAR, "2026-02-28", False),  # before it starts
        ([S.TUGAS_BELAJAR], S.TUGAS_BELAJAR, "2026-09-01", False),  # after its last day
        ([S.TUGAS_BELAJAR], S.TUGAS_BELAJAR, "2026-08-31", True),  # its last day is in it
    ],
)
def test_exclusion_by_status_and_day(preset: Policy, excluded: list[S], status: S, day: str, out: bool) -> None:
    policy = preset.model_copy(update={"status": StatusRules(excluded=excluded)})
    spans = [span(status, "2026-03-01", "2026-08-31")]
    assert (excluded_on(policy, spans, date.fromisoformat(day)) is not None) is out


@pytest.mark.parametrize(
    ("spans", "start", "end", "first"),
    [
        ([], "2026-01-01", "2026-12-31", None),
        ([span(S.CLTN, "2026-07-15")], "2026-01-01", "2026-12-31", "2026-07-15"),
        ([span(S.CLTN, "2026-07-15")], "2026-08-01", "2026-12-31", "2026-08-01"),  # starts inside it
        ([span(S.CLTN, "2026-03-01", "2026-03-31")], "2026-04-01", "2026-12-31", None),  # an SKP drafted after it
    ],
)
def test_the_first_day_an_skp_is_not_served(
    preset: Policy, spans: list[StatusSpan], start: str, end: str, first: str | None
) -> None:
    found = first_excluded_day(preset, spans, date.fromisoformat(start), date.fromisoformat(end))
    assert found == (date.fromisoformat(first) if first else None)


RECORDED = [span(S.TUGAS_BELAJAR, "2025-09-01", "2026-06-30"), span(S.MASA_PERSIAPAN_PENSIUN, "2027-01-01")]


@pytest.mark.parametrize(
    ("inp", "found"),
    [
        (StatusIn(S.CLTN, date(2026, 8, 1), date(2026, 10, 31), "SK 1"), []),
        (StatusIn(S.TUGAS_BELAJAR, date(2025, 9, 1), date(2026, 3, 31), "SK 2"), []),  # the same start: replaces
        (
            StatusIn(S.CLTN, date(2026, 6, 1), date(2026, 7, 15), "SK 3"),
            ["from: the period overlaps the recorded TUGAS_BELAJAR"],
        ),
        (StatusIn(S.CLTN, date(2026, 12, 1), None, "SK 4"), ["from: the period overlaps the recorded MASA_PERSIAPAN"]),
        (StatusIn(S.CLTN, date(2026, 7, 1), date(2026, 7, 2), " "), ["sk_number: required"]),
        (StatusIn(S.CLTN, date(2026, 8, 1), date(2026, 7, 1), "SK 5"), ["until: 2026-07-01 is before from"]),
    ],
)
def test_a_period_that_overlaps_another_is_refused(inp: StatusIn, found: list[str]) -> None:
    got = problems(inp, RECORDED)
    assert len(got) == len(found)
    for message, start in zip(got, found, strict=True):
        assert message.startswith(start)


def test_the_import_names_its_columns(preset: Policy) -> None:
    inp = StatusIn(S.CLTN, date(2026, 6, 1), None, "SK 3")
    assert problems(inp, RECORDED, lambda f: f"pegawai[4].status_{f}")[0].startswith("pegawai[4].status_from: ")
