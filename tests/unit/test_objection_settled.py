"""When an SKP's objection is settled, so that dispatch-follow-up may follow it up: a table of cases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from policies.loader import load_preset
from workflows.cases.skps import filing_window_closes, objection_settled

POLICY = load_preset("permenpanrb-6-2022")
TZ = "Asia/Jakarta"
ASSESSED = datetime(2027, 1, 15, 3, 0, tzinfo=UTC)
CLOSES = filing_window_closes(POLICY, ASSESSED, TZ)
OPEN = CLOSES - timedelta(seconds=1)


@pytest.mark.parametrize(
    ("states", "assessed_at", "now", "settled"),
    [
        (set(), None, CLOSES, False),  # not assessed yet: nothing to object to
        (set(), ASSESSED, OPEN, False),  # the window is open: the pegawai may still object
        (set(), ASSESSED, CLOSES, True),  # the window closed untouched
        ({"filed"}, ASSESSED, CLOSES, False),  # pending, even after the window
        ({"under_review"}, ASSESSED, CLOSES + timedelta(days=30), False),
        ({"decided"}, ASSESSED, OPEN, True),  # decided is final, window or not
        ({"withdrawn"}, ASSESSED, OPEN, False),  # withdrawn may be filed anew while the window is open
        ({"withdrawn"}, ASSESSED, CLOSES, True),
        ({"withdrawn", "filed"}, ASSESSED, CLOSES, False),  # filed anew: pending again
        ({"withdrawn", "decided"}, ASSESSED, OPEN, True),
    ],
)
def test_objection_settled(states: set[str], assessed_at: datetime | None, now: datetime, settled: bool) -> None:
    assert objection_settled(states, assessed_at, POLICY, now, TZ) is settled


def test_the_window_is_the_policys_fourteen_days() -> None:
    assert timedelta(days=13) < CLOSES - ASSESSED <= timedelta(days=16)
