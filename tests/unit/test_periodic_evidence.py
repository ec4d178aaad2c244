"""The periodic evidence an annual rating is given with: counts per predikat, the latest rated period, the payload."""

from __future__ import annotations

import pytest

from states.enums import Predikat
from workflows.cases.periodic_evidence import PeriodicEvidence, PeriodResult

B, BP, SB = Predikat.BAIK, Predikat.BUTUH_PERBAIKAN, Predikat.SANGAT_BAIK


def evidence(*predikat: Predikat | None) -> PeriodicEvidence:
    return PeriodicEvidence(
        tuple(PeriodResult(n, "closed" if p else "lapsed", p) for n, p in enumerate(predikat, start=1))
    )


@pytest.mark.parametrize(
    ("periods", "counts", "latest", "unrated"),
    [
        ((), {}, None, 0),
        ((None, None), {}, None, 2),
        ((B,), {B: 1}, 1, 0),
        ((BP, B, B, None), {B: 2, BP: 1}, 3, 1),
        ((B, SB, None, BP), {SB: 1, B: 1, BP: 1}, 4, 1),
    ],
)
def test_counts_latest_and_unrated(
    periods: tuple[Predikat | None, ...], counts: dict[Predikat, int], latest: int | None, unrated: int
) -> None:
    found = evidence(*periods)
    assert found.counts == counts
    assert list(found.counts) == [p for p in Predikat if p in counts]  # best first, as the page lists them
    assert (found.latest.period_no if found.latest else None, found.unrated) == (latest, unrated)


def test_the_payload_names_every_period_and_its_predikat() -> None:
    assert evidence(B, None).payload() == {
        "periods": [
            {"period": 1, "state": "closed", "predikat": "BAIK"},
            {"period": 2, "state": "lapsed", "predikat": None},
        ]
    }
