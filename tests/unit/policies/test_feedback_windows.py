"""The dialog kinerja windows: when an SKP's umpan balik has lapsed, which nudge each lapse reaches, and which of
several steps reached at once are sent."""

from datetime import date

import pytest

from policies.feedback import lapse_day, step_day, steps_reached, to_send
from policies.schema import LadderAction, LadderStep, Recipient

LADDER = [
    LadderStep(offset_days=0, action=LadderAction.REMINDER, notify=[Recipient.PENILAI]),
    LadderStep(offset_days=7, action=LadderAction.ESCALATE, notify=[Recipient.ATASAN_PENILAI]),
]
ANCHOR = date(2026, 3, 2)  # the last umpan balik, a Monday


@pytest.mark.parametrize(
    ("weeks", "today", "reached"),
    [
        (4, date(2026, 3, 2), 0),  # the day of the umpan balik
        (4, date(2026, 3, 29), 0),  # the last day of the window
        (4, date(2026, 3, 30), 1),  # four weeks on: the penilai is reminded
        (4, date(2026, 4, 5), 1),
        (4, date(2026, 4, 6), 2),  # a week after the lapse: the atasan penilai
        (4, date(2026, 4, 26), 2),
        (4, date(2026, 4, 27), 3),  # still nothing four weeks later: a new window, reminded again
        (4, date(2026, 5, 4), 4),
        (2, date(2026, 3, 16), 1),
        (2, date(2026, 3, 23), 2),
        (2, date(2026, 3, 30), 3),
        (2, date(2026, 4, 6), 4),
    ],
)
def test_steps_reached_by_a_day(weeks: int, today: date, reached: int) -> None:
    assert steps_reached(ANCHOR, weeks, LADDER, today) == reached


@pytest.mark.parametrize(
    ("n", "step", "lapsed"),
    [
        (0, date(2026, 3, 30), date(2026, 3, 30)),
        (1, date(2026, 4, 6), date(2026, 3, 30)),
        (2, date(2026, 4, 27), date(2026, 4, 27)),
        (3, date(2026, 5, 4), date(2026, 4, 27)),
    ],
)
def test_each_step_has_its_day_and_the_lapse_it_belongs_to(n: int, step: date, lapsed: date) -> None:
    assert step_day(ANCHOR, 4, LADDER, n) == step
    assert lapse_day(ANCHOR, 4, n, LADDER) == lapsed


@pytest.mark.parametrize(
    ("taken", "reached", "expected"),
    [
        (-1, 0, []),  # nothing reached yet
        (-1, 1, [(0, True)]),  # the reminder
        (0, 2, [(1, True)]),  # then the escalation
        (1, 2, []),  # already taken: a rerun sends nothing
        (-1, 2, [(0, True), (1, True)]),  # both reached in one run: one of each action
        (-1, 4, [(0, False), (1, False), (2, True), (3, True)]),  # missed windows: only the latest are sent
        (1, 3, [(2, True)]),
    ],
)
def test_what_a_sweep_sends(taken: int, reached: int, expected: list[tuple[int, bool]]) -> None:
    assert to_send(taken, reached, LADDER) == expected
