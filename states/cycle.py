"""The cycle lifecycle: one per instansi × year, moved by HR or by the scheduler when the policy's dates arrive."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from states.lifecycle import Lifecycle, Row, TriggerInput
from states.messages import Problem
from states.roles import Role


class CycleState(StrEnum):
    planning = "planning"
    drafting = "drafting"
    monitoring = "monitoring"
    assessing = "assessing"
    following_up = "following_up"
    closed = "closed"


@dataclass(frozen=True)
class CycleFacts:
    policy_pinned: bool = False
    skps_not_followed_up: int = 0


def _policy_pinned(f: CycleFacts, _: TriggerInput) -> Iterator[str]:
    if not f.policy_pinned:
        yield Problem.say("cycle.policy_pinned")


def _all_followed_up(f: CycleFacts, _: TriggerInput) -> Iterator[str]:
    if f.skps_not_followed_up:
        yield Problem.say("cycle.all_followed_up.count", n=f.skps_not_followed_up)


_Y = CycleState
_RUNNERS = frozenset({Role.ADMIN, Role.SYSTEM})
ROWS: tuple[Row[CycleState], ...] = (
    Row("open", _Y.planning, _Y.drafting, _RUNNERS, ("policy_pinned",)),
    Row("start_monitoring", _Y.drafting, _Y.monitoring, _RUNNERS),
    Row("start_assessment", _Y.monitoring, _Y.assessing, _RUNNERS),
    Row("start_follow_up", _Y.assessing, _Y.following_up, _RUNNERS),
    Row("close", _Y.following_up, _Y.closed, _RUNNERS, ("all_followed_up",)),
)

CYCLE: Lifecycle[CycleState, CycleFacts] = Lifecycle(
    "cycle",
    CycleState,
    CycleState.planning,
    ROWS,
    {"policy_pinned": _policy_pinned, "all_followed_up": _all_followed_up},
)
