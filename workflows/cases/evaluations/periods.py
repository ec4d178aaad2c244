"""Opening a period (one evaluation per SKP that runs through it) and closing it, set-based."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, insert, or_, select
from sqlalchemy.orm import Session
from sqlmodel import col

from policies import periods
from policies.schema import Policy
from states.errors import InvalidInput
from states.evaluation import EVALUATION, EvaluationFacts, EvaluationState
from states.messages import Problem
from states.roles import Role
from workflows import audit, engine
from workflows.actors import Actor
from workflows.cases import cycles, followups, policy_store, quality
from workflows.store.tables import (
    AuditEvent,
    Cycle,
    Evaluation,
    Skp,
    StatusPeriod,
    Unit,
)

EVALUATED_SKP_STATES = ("agreed", "monitored", "adjusted")
"""SKP states in which a period is evaluated: the plan is agreed and not yet assessed for the year."""


@dataclass(frozen=True)
class OpenPeriodResult:
    cycle_id: int
    period_no: int
    opened: int
    already: int


def open_period(
    sessions: Callable[[], Session],
    cycle_id: int,
    period_no: int,
    *,
    actor: Actor,
    now: datetime,
    chunk: int = 5000,
    force: bool = False,
) -> OpenPeriodResult:
    """Open period `period_no` for every agreed SKP of the cycle that ran during it (its periode_awal … periode_akhir
    overlaps the period), set-based and resumable: a rerun opens only the evaluations still missing (an SKP agreed
    since the last run, or a chunk an interruption lost). Skipped besides: an SKP whose pegawai is in a status the
    policy excludes for the whole period. Refused while the cycle has blocking data-quality problems, unless an
    admin forces it: then each evaluation's opening event lists what was overridden."""
    with sessions() as session, session.begin():
        cycle = cycles.get(session, cycle_id, actor)
        policy = policy_store.cycle_policy(session, cycle)
        period = period_of(policy, cycle.year, period_no)
        instansi_id = cycle.instansi_id
        override = quality.gate(session, cycle, policy, "open_period", actor=actor, force=force)
    # a pegawai whose excluding status period covers the whole period has nothing to evaluate in it
    in_status = exists().where(
        col(StatusPeriod.pegawai_id) == col(Skp.pegawai_id),
        col(StatusPeriod.status).in_([x.value for x in policy.status.excluded]),
        col(StatusPeriod.starts) <= period.start,
        or_(col(StatusPeriod.until).is_(None), col(StatusPeriod.until) >= period.end),
    )
    role = Role.SYSTEM.value if actor.system else Role.ADMIN.value
    genesis = audit.EventDraft(
        entity_type="evaluation",
        instansi_id=instansi_id,
        at=now,
        actor=actor.ref,
        role=role,
        trigger="open",
        from_state=None,
        to_state=EvaluationState.open.value,
        note=override.note() if override else None,
    )
    opened = 0
    while True:
        with sessions() as session, session.begin():
            # concurrent openers queue on the cycle row, so none opens what another just opened
            session.execute(select(col(Cycle.id)).where(col(Cycle.id) == cycle_id).with_for_update())
            has_one = exists().where(col(Evaluation.skp_id) == col(Skp.id), col(Evaluation.period_no) == period_no)
            todo = session.scalars(
                select(col(Skp.id))
                .where(
                    col(Skp.cycle_id) == cycle_id,
                    col(Skp.state).in_(EVALUATED_SKP_STATES),
                    ~has_one,
                    # a period is expected of an SKP that ran during it: not of one that started after it ended
                    # (a mid-year SKP) nor of one closed before it began (by a mutasi or a status)
                    col(Skp.periode_awal) <= period.end,
                    col(Skp.periode_akhir) >= period.start,
                    ~in_status,
                )
                .order_by(col(Skp.id))
                .limit(chunk)
            ).all()
            if not todo:
                already = _count_evaluations(session, cycle_id, period_no) - opened
                break
            rows: list[dict[str, Any]] = [
                {"skp_id": skp_id, "period_no": period_no, "state": EvaluationState.open.value, "version": 1}
                for skp_id in todo
            ]
            created = session.execute(
                insert(Evaluation).returning(col(Evaluation.id), col(Evaluation.skp_id)), rows
            ).all()
            events = [
                genesis.with_payload(
                    {"skp_id": skp_id, "period_no": period_no}
                    | ({"quality_override": override.counts} if override else {})
                ).row(evaluation_id, 1, audit.GENESIS)
                for evaluation_id, skp_id in created
            ]
            session.execute(insert(AuditEvent), events)
            opened += len(created)
    return OpenPeriodResult(cycle_id, period_no, opened, already)


def _count_evaluations(session: Session, cycle_id: int, period_no: int) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Evaluation)
            .join(Skp, col(Skp.id) == col(Evaluation.skp_id))
            .where(col(Skp.cycle_id) == cycle_id, col(Evaluation.period_no) == period_no)
        )
        or 0
    )


def period_of(policy: Policy, year: int, period_no: int) -> periods.Period:
    """Period `period_no` of the cycle year under the policy's period kind; InvalidInput when there is none."""
    found = periods.find(policy, year, period_no)
    if found is None:
        count = len(periods.periods(policy, year))
        raise InvalidInput(
            [
                Problem.say(
                    "input.period_no.out_of", period=period_no, year=year, kind=policy.periods.kind.value, count=count
                )
            ]
        )
    return found


@dataclass(frozen=True)
class ClosePeriodResult:
    cycle_id: int
    period_no: int
    closed: int
    lapsed: int
    not_ended: int  # evaluations left as they are because the period has not ended in their unit's zone
    chunks: int
    coaching_opened: int = 0  # coaching cases the periodic rule (policy follow_up.periodic) opened


def close_period(
    sessions: Callable[[], Session],
    cycle_id: int,
    period_no: int,
    *,
    actor: Actor,
    now: datetime,
    chunk: int = 5000,
) -> ClosePeriodResult:
    """Close the period, set-based: evaluated → closed, open or submitted → lapsed, wherever the period's closing
    instant (`periods.closes_at`: the periodic evaluation's due instant plus the policy's grace) has passed in the
    unit's zone. Idempotent: closed and lapsed evaluations are not touched again."""
    with sessions() as session, session.begin():
        cycle = cycles.get(session, cycle_id, actor)
        policy = policy_store.cycle_policy(session, cycle)
        period = period_of(policy, cycle.year, period_no)
        instansi_id = cycle.instansi_id
        rows = session.execute(
            select(col(Evaluation.id), col(Evaluation.state), col(Unit.timezone))
            .join(Skp, col(Skp.id) == col(Evaluation.skp_id))
            .join(Unit, col(Unit.id) == col(Skp.unit_id))
            .where(
                col(Skp.cycle_id) == cycle_id,
                col(Evaluation.period_no) == period_no,
                col(Evaluation.state).in_(
                    [
                        EvaluationState.evaluated.value,
                        EvaluationState.open.value,
                        EvaluationState.realisasi_submitted.value,
                    ]
                ),
            )
            .order_by(col(Evaluation.id))
        ).all()
    ended_in: dict[str, bool] = {}
    ended: dict[int, bool] = {}
    for evaluation_id, _, tz in rows:
        if tz not in ended_in:
            ended_in[tz] = now >= periods.closes_at(policy, period, tz)
        ended[evaluation_id] = ended_in[tz]
    role = Role.SYSTEM if actor.system else Role.ADMIN

    def run(trigger: str, ids: list[int]) -> engine.BatchResult:
        return engine.fire_many(
            sessions,
            EVALUATION,
            "evaluation",
            trigger,
            ids,
            instansi_id=instansi_id,
            actor=actor,
            now=now,
            facts=lambda evaluation_id: EvaluationFacts(period_ended=ended.get(evaluation_id, False)),
            role=role,
            chunk=chunk,
            note=f"period {period_no} ended {period.end.isoformat()}",
        )

    evaluated = EvaluationState.evaluated.value
    closed = run("close", [i for i, state, _ in rows if state == evaluated and ended[i]])
    lapsed = run("lapse", [i for i, state, _ in rows if state != evaluated and ended[i]])
    with sessions() as session, session.begin():
        # after the closing: a rerun (or a close that found nothing new) opens only the cases still missing
        coaching = followups.open_periodic_coaching(
            session, cycle_id, period_no, policy, instansi_id=instansi_id, actor=actor, role=role, now=now
        )
    return ClosePeriodResult(
        cycle_id,
        period_no,
        closed=len(closed.fired),
        lapsed=len(lapsed.fired),
        not_ended=sum(1 for i, _, _ in rows if not ended[i]),
        chunks=closed.chunks + lapsed.chunks,
        coaching_opened=coaching,
    )
