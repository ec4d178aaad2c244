"""What a status does to the SKPs: one starting closes the running SKP for the months served, or withdraws one not yet
agreed; one ending drafts a new SKP from the next day; the daily sweep withdraws those whose status begins today."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, aliased
from sqlmodel import col

from policies import calendar
from policies import status as rules
from policies.schema import Policy
from states.cycle import CycleState
from states.lifecycle import TriggerInput
from states.roles import Role
from states.skp import SKP, SkpFacts, SkpState
from workflows import audit, engine
from workflows.actors import Actor
from workflows.cases import policy_store, reassign
from workflows.cases.mutasi import close_skp, draft_skp
from workflows.cases.status.spans import _span, spans_by_pegawai
from workflows.store.tables import Cycle, Pegawai, Skp, StatusPeriod, Unit

SWEEP = Actor.scheduler("withdraw-absent")

RUNNING = (CycleState.drafting.value, CycleState.monitoring.value)
"""Cycles whose SKPs a status change closes and drafts; a cycle still planning drafts around statuses when it opens."""
CLOSE_TRIGGER = "close_for_status"
UNAGREED = (SkpState.drafted.value, SkpState.cascaded.value)
"""An SKP in these states has no agreed plan: when the status that ends it begins, it is withdrawn, not assessed."""


def follow_statuses(
    session: Session, pegawai: Pegawai, *, actor: Actor, now: datetime, withdrawn: list[int] | None = None
) -> tuple[list[int], list[int]]:
    """Bring the pegawai's SKPs in the instansi's running cycles in line with their status periods: an unfinished SKP
    that reaches into an excluded status closes for the months served (its last day the day before); every stretch of
    the year the pegawai serves again after their last SKP gets an SKP drafted for it (closing at once when another
    status already ends it); an SKP not yet agreed whose status has begun (the unit's today) is withdrawn, its ids
    added to `withdrawn`. Idempotent. Returns the SKP ids closed and drafted."""
    spans = [_span(r) for r in session.scalars(select(StatusPeriod).where(col(StatusPeriod.pegawai_id) == pegawai.id))]
    cycles = session.scalars(
        select(Cycle).where(col(Cycle.instansi_id) == pegawai.instansi_id, col(Cycle.state).in_(RUNNING))
    ).all()
    closed: list[int] = []
    drafted: list[int] = []
    for cycle in cycles:
        policy = policy_store.cycle_policy(session, cycle)
        skps = list(
            session.scalars(
                select(Skp)
                .where(col(Skp.cycle_id) == cycle.id, col(Skp.pegawai_id) == pegawai.id)
                .order_by(col(Skp.id))
            )
        )
        first, last = date(cycle.year, 1, 1), date(cycle.year, 12, 31)
        for skp in skps:
            # one closing for a status (ending before the year does) shortens again when another status starts in it;
            # one closing for a mutasi keeps its reason
            closable = skp.closing_reason is None or skp.periode_akhir < last
            if skp.state in reassign.OPEN and closable:
                day = rules.first_excluded_day(policy, spans, skp.periode_awal, skp.periode_akhir)
                if day is not None:
                    _close(session, skp, policy, spans, day, actor=actor, now=now)
                    closed.append(skp.id or 0)
        covered = max((s.periode_akhir for s in skps), default=None)
        for start, end in rules.served(policy, spans, first, last):
            if start == first or (covered is not None and start <= covered):
                continue  # drafted when the cycle opened, or already has its SKP
            ended = rules.excluded_on(policy, spans, start - rules.ONE_DAY)
            note = f"{rules.words(ended.status)} berakhir {ended.until}" if ended and ended.until else "status"
            new = draft_skp(
                session,
                pegawai,
                cycle.id or 0,
                start,
                last,
                actor=actor,
                now=now,
                note=f"{note}; SKP mulai {start.isoformat()}",
                payload={"cycle_id": cycle.id, "status_ended": ended.status.value if ended else None},
            )
            drafted.append(new.id or 0)
            if end < last:
                _close(session, new, policy, spans, end + rules.ONE_DAY, actor=actor, now=now)
                closed.append(new.id or 0)
            skps.append(new)
        for skp in skps:
            gone = skp.state in UNAGREED and _withdraw_if_absent(session, skp, policy, spans, actor=actor, now=now)
            if gone and withdrawn is not None:
                withdrawn.append(skp.id or 0)
    return closed, drafted


def _today(session: Session, skp: Skp, policy: Policy, now: datetime) -> date:
    unit = session.get(Unit, skp.unit_id)
    return now.astimezone(calendar.zone(policy.calendar, unit.timezone if unit else None)).date()


def _withdraw_if_absent(
    session: Session,
    skp: Skp,
    policy: Policy,
    spans: Sequence[rules.StatusSpan],
    *,
    actor: Actor,
    now: datetime,
) -> bool:
    """Withdraw an SKP not yet agreed once the excluding status that ends it has begun (`rules.absent_from`): by the
    system, audited `withdraw` (drafted/cascaded → withdrawn) on the SKP's chain with the status, in the caller's
    transaction. Its last day stays the one before the status (the months served, none when it covers the start);
    the agreement ladder reads only drafted and cascaded SKPs, so its pending steps stop. Returns whether it did."""
    reason = rules.absent_from(
        policy,
        spans,
        skp.periode_awal,
        skp.periode_akhir,
        closing=skp.closing_reason is not None,
        today=_today(session, skp, policy, now),
    )
    if not reason:
        return False
    if skp.closing_reason is None:  # a status covering the SKP's days from its first: nothing was served
        day = rules.first_excluded_day(policy, spans, skp.periode_awal, skp.periode_akhir) or skp.periode_awal
        skp.closing_reason = reason[:200]
        skp.periode_akhir = max(skp.periode_awal, day - rules.ONE_DAY)
    engine.fire(
        session,
        SKP,
        skp,
        "withdraw",
        actor=actor,
        roles={Role.SYSTEM},
        facts=SkpFacts(status_excludes=reason),
        now=now,
        inp=TriggerInput(note=f"SKP ditarik: {reason}; belum disepakati, pegawai tidak dalam siklus"[:4000]),
        payload={
            "status": reason,
            "periode_awal": skp.periode_awal.isoformat(),
            "periode_akhir": skp.periode_akhir.isoformat(),
        },
    )
    return True


def withdraw_absent(session: Session, *, now: datetime, instansi_ids: Iterable[int] | None = None) -> list[int]:
    """The daily sweep's part, run before the deadline ladder: every SKP not yet agreed that a status period closed
    ahead of time (`closing_reason`) whose status has now begun is withdrawn (`_withdraw_if_absent`). One statement
    finds the candidates, one reads their status periods. Idempotent. Returns the SKPs withdrawn."""
    has_status = select(col(StatusPeriod.id)).where(col(StatusPeriod.pegawai_id) == col(Skp.pegawai_id)).exists()
    query = (
        select(Skp, Cycle)
        .join(Cycle, col(Cycle.id) == col(Skp.cycle_id))
        .where(
            col(Cycle.state) != CycleState.closed.value,
            col(Skp.state).in_(UNAGREED),
            col(Skp.closing_reason).is_not(None),
            has_status,
        )
        .order_by(col(Skp.id))
    )
    if instansi_ids is not None:
        query = query.where(col(Cycle.instansi_id).in_(list(instansi_ids)))
    found = session.execute(query).tuples().all()
    spans = spans_by_pegawai(session, {skp.pegawai_id for skp, _ in found})
    done: list[int] = []
    for skp, cycle in found:
        policy = policy_store.cycle_policy(session, cycle)
        if _withdraw_if_absent(session, skp, policy, spans.get(skp.pegawai_id, []), actor=SWEEP, now=now):
            done.append(skp.id or 0)
    return done


def _close(
    session: Session,
    skp: Skp,
    policy: Policy,
    spans: Sequence[rules.StatusSpan],
    day: date,
    *,
    actor: Actor,
    now: datetime,
) -> None:
    """Close the SKP for the status that begins on `day`: it covers the months served up to the day before."""
    starting = rules.excluded_on(policy, spans, day)
    label = starting.status.value if starting else "status"
    close_skp(
        session,
        skp,
        CLOSE_TRIGGER,
        f"{rules.words(starting.status) if starting else 'status'} mulai {day.isoformat()}",
        actor=actor,
        now=now,
        ends=max(skp.periode_awal, day - rules.ONE_DAY),
        payload={"status": label, "from": day.isoformat(), "periode_akhir_was": skp.periode_akhir.isoformat()},
    )


def draft_around(
    session: Session, cycle: Cycle, policy: Policy, pegawai_ids: Sequence[int], *, genesis: audit.EventDraft
) -> int:
    """Opening a cycle, for pegawai with an excluding status period in its year: one SKP per stretch of the year they
    serve (none for a pegawai who serves none of it), written in one INSERT with one genesis event each; a stretch
    that a later status ends is closing from the start (`closing_reason`), as `follow_statuses` would close it.
    Returns the SKPs drafted."""
    if not pegawai_ids:
        return 0
    first, last = date(cycle.year, 1, 1), date(cycle.year, 12, 31)
    spans = spans_by_pegawai(session, pegawai_ids)
    atasan = aliased(Pegawai)
    rows: list[dict[str, Any]] = []
    for start in range(0, len(pegawai_ids), 500):
        found = session.execute(
            select(
                col(Pegawai.id),
                col(Pegawai.unit_id),
                col(Pegawai.atasan_id),
                col(atasan.atasan_id),
                col(Pegawai.jabatan_type),
                col(Pegawai.jabatan_name),
            )
            .outerjoin(atasan, col(atasan.id) == col(Pegawai.atasan_id))
            .where(col(Pegawai.id).in_(pegawai_ids[start : start + 500]))
            .order_by(col(Pegawai.id))
        ).tuples()
        for pegawai_id, unit_id, penilai_id, atasan_penilai_id, jabatan_type, jabatan_name in found:
            own = spans.get(pegawai_id or 0, [])
            for awal, akhir in rules.served(policy, own, first, last):
                starting = rules.excluded_on(policy, own, akhir + rules.ONE_DAY) if akhir < last else None
                rows.append(
                    {
                        "cycle_id": cycle.id,
                        "pegawai_id": pegawai_id,
                        "unit_id": unit_id,
                        "penilai_id": penilai_id,
                        "atasan_penilai_id": atasan_penilai_id,
                        "jabatan_type": jabatan_type,
                        "jabatan_name": jabatan_name,
                        "periode_awal": awal,
                        "periode_akhir": akhir,
                        "state": SkpState.drafted.value,
                        "version": 1,
                        "proposed": False,
                        "closing_reason": (
                            f"{rules.words(starting.status)} mulai {starting.start.isoformat()}" if starting else None
                        ),
                        "ekspektasi_khusus": {},
                        "lampiran": {},
                    }
                )
    if not rows:
        return 0
    created = session.execute(insert(Skp).returning(col(Skp.id)), rows).scalars().all()
    events = [
        genesis.with_payload(
            {
                "cycle_id": cycle.id,
                "periode_awal": row["periode_awal"].isoformat(),
                "periode_akhir": row["periode_akhir"].isoformat(),
                "closing_reason": row["closing_reason"],
            }
        ).row(skp_id or 0, 1, audit.GENESIS)
        for skp_id, row in zip(created, rows, strict=True)
    ]
    audit.insert_events(session, events)
    return len(created)
