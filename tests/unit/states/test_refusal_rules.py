"""A refused transition names, per unmet precondition, the guard that refused it (issue 17 item 8)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

import pytest

from states.errors import GuardFailed
from states.lifecycle import Lifecycle, Row, TriggerInput
from states.roles import Role


class Door(Enum):
    shut = "shut"
    open = "open"


@dataclass
class Facts:
    key: bool
    daylight: bool


def _has_key(facts: Facts, _: TriggerInput) -> Iterable[str]:
    if not facts.key:
        yield "no key"


def _daylight(facts: Facts, _: TriggerInput) -> Iterable[str]:
    if not facts.daylight:
        yield "it is night"


DOOR: Lifecycle[Door, Facts] = Lifecycle(
    "door",
    Door,
    Door.shut,
    [Row("open", Door.shut, Door.open, frozenset({Role.ADMIN}), ("has_key", "daylight"))],
    {"has_key": _has_key, "daylight": _daylight},
)


@dataclass
class Subject:
    state: Door = Door.shut


@pytest.mark.parametrize(
    ("facts", "rules", "problems"),
    [
        (Facts(key=False, daylight=True), ["door.has_key"], ["no key"]),
        (Facts(key=True, daylight=False), ["door.daylight"], ["it is night"]),
        (Facts(key=False, daylight=False), ["door.has_key", "door.daylight"], ["no key", "it is night"]),
    ],
)
def test_each_problem_names_its_guard(facts: Facts, rules: list[str], problems: list[str]) -> None:
    subject = Subject()
    with pytest.raises(GuardFailed) as refused:
        DOOR.fire(subject, "open", {Role.ADMIN}, facts)
    assert (refused.value.rules, refused.value.problems, subject.state) == (rules, problems, Door.shut)


def test_a_refusal_raised_by_hand_names_its_trigger_unless_told() -> None:
    assert GuardFailed("keberatan", "file", ["too late"]).rules == ["keberatan.file"]
    assert GuardFailed("cycle", "open", ["x"], ["quality.targets"]).rules == ["quality.targets"]
    with pytest.raises(ValueError, match="one rule per problem"):
        GuardFailed("cycle", "open", ["x", "y"], ["quality.targets"])
