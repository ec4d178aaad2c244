"""Closing the second low period in a row opens the coaching case the policy's periodic rule names, once."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session
from sqlmodel import col

from tests.integration.org import STAF1, STAF2
from tests.integration.scenario import ROOT, SYSTEM, monitored_cycle
from workflows.cases import evaluations
from workflows.store.tables import AuditEvent, Evaluation, FollowUpCase
from workflows.store.uow import reading, unit_of_work

AFTER_FEBRUARY_CLOSES = datetime.fromisoformat("2026-03-31T00:00:00+00:00")


def _rate(db: Engine, skp_id: int, period_no: int, predikat: str) -> None:
    # the rule reads these columns; rating through the lifecycle is tested in test_evaluation
    with unit_of_work(db) as s:
        s.execute(
            update(Evaluation)
            .where(col(Evaluation.skp_id) == skp_id, col(Evaluation.period_no) == period_no)
            .values(state="evaluated", predikat=predikat)
        )


def test_the_second_low_period_opens_coaching(db: Engine, now: datetime) -> None:
    cast = monitored_cycle(db, now)
    for period_no in (1, 2):
        evaluations.open_period(lambda: Session(db), cast.cycle_id, period_no, actor=SYSTEM, now=now)
    low, recovered = cast.skps[STAF1], cast.skps[STAF2]
    for skp_id, january, february in ((low, "BUTUH_PERBAIKAN", "KURANG"), (recovered, "KURANG", "BAIK")):
        _rate(db, skp_id, 1, january)
        _rate(db, skp_id, 2, february)

    first = evaluations.close_period(lambda: Session(db), cast.cycle_id, 1, actor=SYSTEM, now=AFTER_FEBRUARY_CLOSES)
    assert first.coaching_opened == 0  # one low period is not a run yet
    second = evaluations.close_period(lambda: Session(db), cast.cycle_id, 2, actor=SYSTEM, now=AFTER_FEBRUARY_CLOSES)
    assert second.coaching_opened == 1
    again = evaluations.close_period(
        lambda: Session(db), cast.cycle_id, 2, actor=ROOT, now=AFTER_FEBRUARY_CLOSES + timedelta(days=1)
    )
    assert again.coaching_opened == 0  # idempotent: the case is there

    with reading(db) as s:
        cases = s.execute(select(col(FollowUpCase.skp_id), col(FollowUpCase.kind), col(FollowUpCase.id))).all()
        assert [(skp_id, kind) for skp_id, kind, _ in cases] == [(low, "COACHING")]
        event = s.scalars(
            select(AuditEvent).where(
                col(AuditEvent.entity_type) == "follow_up_case", col(AuditEvent.entity_id) == cases[0][2]
            )
        ).one()
    assert (event.trigger, event.role, event.to_state) == ("open", "system", "opened")
    assert event.note == "follow_up.periodic: periods 1-2 below BAIK"
