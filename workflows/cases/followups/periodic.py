"""The periodic rule: low periodic predikat in a row open a coaching case (`follow_up.periodic`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session
from sqlmodel import col

from policies.periodic import is_low
from policies.schema import Policy
from states.enums import FollowUpKind, Predikat
from states.evaluation import EvaluationState
from states.follow_up import (
    CASE,
)
from states.roles import Role
from workflows import audit
from workflows.actors import Actor
from workflows.store.tables import AuditEvent, Evaluation, FollowUpCase, Skp

# --- the periodic rule ----------------------------------------------------------------------------------------


def open_periodic_coaching(
    session: Session,
    cycle_id: int,
    period_no: int,
    policy: Policy,
    *,
    instansi_id: int,
    actor: Actor,
    role: Role,
    now: datetime,
) -> int:
    """Open a coaching case for every SKP of the cycle whose last `follow_up.periodic.coaching_after_periods`
    periods up to `period_no` all closed with a predikat below `coaching_below` (`policies.periodic`), unless it
    has a coaching case already; one statement finds them. Idempotent; each case starts its audit chain."""
    rule = policy.follow_up.periodic
    first = period_no - rule.coaching_after_periods + 1
    if rule.coaching_below is None or first < 1:
        return 0
    low = [p.value for p in Predikat if is_low(policy, p)]
    coaching = FollowUpKind.COACHING.value
    has_case = select(col(FollowUpCase.id)).where(
        col(FollowUpCase.skp_id) == col(Evaluation.skp_id), col(FollowUpCase.kind) == coaching
    )
    found = session.execute(
        select(col(Evaluation.skp_id), func.min(col(Evaluation.predikat)))
        .join(Skp, col(Skp.id) == col(Evaluation.skp_id))
        .where(
            col(Skp.cycle_id) == cycle_id,
            col(Evaluation.period_no).between(first, period_no),
            col(Evaluation.state) == EvaluationState.closed.value,
            col(Evaluation.predikat).in_(low),
            ~has_case.exists(),
        )
        .group_by(col(Evaluation.skp_id))
        .having(func.count() == rule.coaching_after_periods)
        .order_by(col(Evaluation.skp_id))
    ).all()
    if not found:
        return 0
    state = CASE.initial.value
    rows = [
        {
            "skp_id": skp_id,
            "kind": coaching,
            "state": state,
            "opened_at": now,
            "scheduled_at": None,
            "state_since": now,
            "version": 1,
        }
        for skp_id, _ in found
    ]
    created = session.execute(insert(FollowUpCase).returning(col(FollowUpCase.id), col(FollowUpCase.skp_id)), rows)
    rule_payload = {
        "rule": "follow_up.periodic",
        "periods": list(range(first, period_no + 1)),
        "coaching_below": rule.coaching_below.value,
    }
    events = [
        audit.new_event(
            entity_type="follow_up_case",
            entity_id=case_id,
            seq=1,
            instansi_id=instansi_id,
            prev_hash=audit.GENESIS,
            at=now,
            actor=actor.ref,
            role=role.value,
            trigger="open",
            from_state=None,
            to_state=state,
            payload={"skp_id": skp_id, "kind": coaching, **rule_payload},
            note=f"follow_up.periodic: periods {first}-{period_no} below {rule.coaching_below.value}",
        )
        for case_id, skp_id in created.all()
    ]
    session.execute(insert(AuditEvent), events)
    return len(events)
