"""Random triggers by random actors: a lifecycle only ever moves along its declared rows."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from states import LIFECYCLES
from states.errors import SkpflowError
from states.lifecycle import Lifecycle, TriggerInput
from states.roles import Role
from tests.unit.states.test_tables import FULL_INPUT, SATISFIED, UNMET, Box

steps = st.lists(
    st.tuples(
        st.sampled_from(sorted({t for lc in LIFECYCLES.values() for t in lc.triggers})),
        st.frozensets(st.sampled_from(list(Role)), max_size=3),
        st.booleans(),  # guards hold?
        st.booleans(),  # full input?
    ),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(name=st.sampled_from(sorted(LIFECYCLES)), script=steps)
def test_random_firing_follows_the_table(name: str, script: list[tuple[str, frozenset[Role], bool, bool]]) -> None:
    lc: Lifecycle[Any, Any] = LIFECYCLES[name]
    box = Box(lc.initial)
    declared = {(r.trigger, r.source, r.dest) for r in lc.rows}
    for trigger, roles, holds, full in script:
        before = box.state
        try:
            fired = lc.fire(
                box, trigger, roles, SATISFIED[name] if holds else UNMET[name], FULL_INPUT if full else TriggerInput()
            )
        except SkpflowError:
            assert box.state == before, "a refusal changes nothing"
            continue
        assert (fired.trigger, fired.source, fired.dest) in declared
        assert box.state == fired.dest
        assert roles & {r for row in lc.rows if row.trigger == trigger and row.source == before for r in row.roles}
    assert box.state in set(lc.all_states)
