"""Every lifecycle row, and every (role × trigger) pair, as allowed or refused."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from states import LIFECYCLES
from states.cycle import CycleFacts
from states.enums import Rating
from states.errors import GuardFailed, NotPermitted, TransitionNotAllowed
from states.evaluation import EvaluationFacts
from states.follow_up import CaseFacts, SanctionFacts
from states.input_360 import Input360Facts
from states.keberatan import KeberatanFacts
from states.lifecycle import Lifecycle, Row, TriggerInput
from states.roles import Role
from states.skp import SkpFacts

ALL_ROWS = [(lc, row) for lc in LIFECYCLES.values() for row in lc.rows]


def _ids(item: tuple[Lifecycle[Any, Any], Row[Any]]) -> str:
    lc, row = item
    return f"{lc.name}:{row.trigger}:{row.source.value}->{row.dest.value}"


class Box:
    def __init__(self, state: Any) -> None:
        self.state = state


# Facts under which every guard of a lifecycle holds, and facts under which every guard fails.
SATISFIED: dict[str, Any] = {
    "skp": SkpFacts(
        proposed=True,
        rhk_utama=1,
        atasan_skp_agreed=True,
        cycle_state="assessing",
        unit_capaian_set=True,
        objection_settled=True,
        status_excludes="tugas belajar mulai 2026-03-01",
    ),
    "evaluation": EvaluationFacts(unit_capaian_set=True, period_ended=True),
    "keberatan": KeberatanFacts(),
    "follow_up": CaseFacts(),
    "sanction": SanctionFacts(improvement_elapsed=True, placement_elapsed=True),
    "kontrak": CaseFacts(),
    "cycle": CycleFacts(policy_pinned=True),
    "input_360": Input360Facts(window_open=True),
}
UNMET: dict[str, Any] = {
    "skp": SkpFacts(rhk_utama_without_indicator=("x",), distribution_violations=("at most 70% BAIK",)),
    "evaluation": EvaluationFacts(rhk_without_realisasi=("x",)),
    "keberatan": KeberatanFacts(),
    "follow_up": CaseFacts(),
    "sanction": SanctionFacts(),
    "kontrak": CaseFacts(),
    "cycle": CycleFacts(policy_pinned=False, skps_not_followed_up=3),
    "input_360": Input360Facts(window_open=False, rated=True, values_missing=("AKUNTABEL",)),
}


def satisfied(lc: Lifecycle[Any, Any]) -> Any:
    return SATISFIED[lc.name]


FULL_INPUT = TriggerInput(
    note="catatan",
    reason="mutasi",
    rating_hasil_kerja=Rating.SESUAI_EKSPEKTASI,
    rating_perilaku=Rating.SESUAI_EKSPEKTASI,
    decision="rejected",
    when=datetime(2026, 3, 1, 9, 0, tzinfo=UTC),
)


@pytest.mark.parametrize("item", ALL_ROWS, ids=[_ids(i) for i in ALL_ROWS])
def test_every_row_fires_for_its_roles_when_guards_hold(item: tuple[Lifecycle[Any, Any], Row[Any]]) -> None:
    lc, row = item
    for role in row.roles:
        box = Box(row.source)
        fired = lc.fire(box, row.trigger, {role}, satisfied(lc), FULL_INPUT)
        assert (fired.source, fired.dest, box.state) == (row.source, row.dest, row.dest)


@pytest.mark.parametrize("item", ALL_ROWS, ids=[_ids(i) for i in ALL_ROWS])
def test_every_row_refuses_other_roles_and_changes_nothing(item: tuple[Lifecycle[Any, Any], Row[Any]]) -> None:
    lc, row = item
    admitted = {r for other in lc.rows_from(row.source) if other.trigger == row.trigger for r in other.roles}
    for role in set(Role) - admitted:
        box = Box(row.source)
        with pytest.raises(NotPermitted):
            lc.fire(box, row.trigger, {role}, satisfied(lc), FULL_INPUT)
        assert box.state == row.source


@pytest.mark.parametrize("item", [i for i in ALL_ROWS if i[1].guards], ids=[_ids(i) for i in ALL_ROWS if i[1].guards])
def test_every_guarded_row_refuses_with_reasons_when_guards_fail(item: tuple[Lifecycle[Any, Any], Row[Any]]) -> None:
    lc, row = item
    box = Box(row.source)
    with pytest.raises(GuardFailed) as refused:
        lc.fire(box, row.trigger, row.roles, UNMET[lc.name], TriggerInput())
    assert refused.value.problems, "a refusal names what is missing"
    assert box.state == row.source


@pytest.mark.parametrize("lc", LIFECYCLES.values(), ids=list(LIFECYCLES))
def test_triggers_not_leaving_a_state_are_refused_with_the_allowed_list(lc: Lifecycle[Any, Any]) -> None:
    for state in lc.all_states:
        for trigger in lc.triggers:
            if any(r.trigger == trigger for r in lc.rows_from(state)):
                continue
            box = Box(state)
            with pytest.raises(TransitionNotAllowed) as refused:
                lc.fire(box, trigger, set(Role), satisfied(lc), FULL_INPUT)
            assert refused.value.state == state.value
            assert refused.value.allowed == lc.allowed_triggers(state, set(Role))
            assert box.state == state


@pytest.mark.parametrize("lc", LIFECYCLES.values(), ids=list(LIFECYCLES))
def test_every_guard_name_resolves_and_every_state_is_reachable(lc: Lifecycle[Any, Any]) -> None:
    assert all(g in lc.guards for row in lc.rows for g in row.guards)
    reached, frontier = {lc.initial}, [lc.initial]
    while frontier:
        for row in lc.rows_from(frontier.pop()):
            if row.dest not in reached:
                reached.add(row.dest)
                frontier.append(row.dest)
    assert reached == set(lc.all_states)


def test_an_ill_defined_table_is_refused_when_defined() -> None:
    from states.skp import GUARDS, SkpState

    with pytest.raises(ValueError, match="unknown guard 'nope'"):
        Lifecycle(
            "bad",
            SkpState,
            SkpState.drafted,
            [Row("x", SkpState.drafted, SkpState.agreed, frozenset({Role.ADMIN}), ("nope",))],
            GUARDS,
        )
