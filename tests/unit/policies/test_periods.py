"""When a period closes: its periodic evaluation's due instant plus the policy's grace, in the unit's zone."""

from datetime import UTC, datetime

import pytest

from policies.periods import closes_at, ends_at, find
from policies.schema import Policy
from tests.unit.policies.conftest import Derive


@pytest.mark.parametrize(
    ("kind", "n", "tz", "grace", "closes"),
    [
        # January: evaluation due 10 Feb (late from 11 Feb 00:00 local), closes 8 days later
        ("MONTHLY", 1, "Asia/Jakarta", 8, "2026-02-18T17:00:00+00:00"),
        ("MONTHLY", 1, "WIT", 8, "2026-02-18T15:00:00+00:00"),
        ("MONTHLY", 1, "Asia/Makassar", 7, "2026-02-17T16:00:00+00:00"),
        # December: the next month is in the next year
        ("MONTHLY", 12, "Asia/Jakarta", 8, "2027-01-18T17:00:00+00:00"),
        # the first quarter: evaluation due 10 April
        ("QUARTERLY", 1, "Asia/Jakarta", 10, "2026-04-20T17:00:00+00:00"),
    ],
)
def test_a_period_closes_after_its_evaluation_is_due_and_the_grace(
    derive: Derive, kind: str, n: int, tz: str, grace: int, closes: str
) -> None:
    policy = derive({"periods": {"kind": kind, "close_days_after_evaluation_due": grace}, "calendar": {"holidays": []}})
    period = find(policy, 2026, n)
    assert period is not None
    assert closes_at(policy, period, tz) == datetime.fromisoformat(closes)
    assert closes_at(policy, period, tz) > ends_at(policy, period, tz)  # realisasi is reported after the period


def test_the_preset_keeps_a_period_open_past_every_step_of_its_evaluation_ladder(preset: Policy) -> None:
    period = find(preset, 2026, 1)
    assert period is not None
    last = max(s.offset_days for s in preset.deadlines.periodic_evaluation.ladder)
    assert preset.periods.close_days_after_evaluation_due > last
    assert closes_at(preset, period).tzinfo is not None
    assert closes_at(preset, period) > datetime(2026, 2, 11, tzinfo=UTC)
