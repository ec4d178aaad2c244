"""The daily sweep's part: SKs whose first or last day has come begin or end, the atasan are resolved again, open work
moves to the new penilai, and the acting duty is kept as an RHK Tambahan where the policy says so."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from policies import acting as rules
from policies.acting import Phase
from states.enums import ActingKind, JenisRhk
from workflows import engine
from workflows.actors import Actor
from workflows.cases import policy_store, reassign
from workflows.cases.acting.views import ACTIVE, TRIGGER, VERB, Applied, _describe, _role
from workflows.cases.org.imports import resolve_atasan
from workflows.store.tables import ActingAssignment, Cycle, Pegawai, Rhk, Skp, Unit


def apply_due(session: Session, *, now: datetime, actor: Actor, instansi_ids: Iterable[int] | None = None) -> Applied:
    """The daily sweep's part: every SK whose day has come begins, every SK past its `until` ends (each unit's local
    date), set-based per instansi; then every running SK's duty is in its official's open SKPs where policy says so.
    Idempotent: a second run the same day finds nothing to do."""
    query = (
        select(ActingAssignment, col(Unit.timezone))
        .join(Unit, col(Unit.id) == col(ActingAssignment.unit_id))
        .where(col(ActingAssignment.state).in_(ACTIVE))
        .order_by(col(ActingAssignment.id))
    )
    if instansi_ids is not None:
        query = query.where(col(ActingAssignment.instansi_id).in_(list(instansi_ids)))
    due = []
    for row, tz in session.execute(query).all():
        now_phase = rules.phase(row.start, row.until, now.astimezone(ZoneInfo(tz)).date())
        if now_phase.value != row.state:
            due.append((row, now_phase))
    done = _apply(session, due, actor=actor, now=now)
    extra = _ensure_duties(session, actor=actor, now=now, instansi_ids=instansi_ids)
    return Applied(done.begun, done.ended, done.reassigned, done.duties + extra)


def _apply(session: Session, due: Sequence[tuple[ActingAssignment, Phase]], *, actor: Actor, now: datetime) -> Applied:
    """Move each SK to its phase (audited on its chain), then per instansi re-resolve every atasan once and move the
    open steps of those whose penilai changed, with the SKs as the reason."""
    moved = [(row, to) for row, to in due if row.state != to.value]
    if not moved:
        return Applied()
    units = {u.id: u for u in session.scalars(select(Unit).where(col(Unit.id).in_({r.unit_id for r, _ in moved})))}
    reasons: dict[int, list[str]] = defaultdict(list)
    begun = ended = 0
    for row, to in moved:
        unit = units[row.unit_id]
        official = session.get_one(Pegawai, row.pegawai_id)  # read before the change: it is written with its event
        row.state = to.value
        begun, ended = begun + (to is Phase.running), ended + (to is Phase.ended)
        engine.record(
            session, row, TRIGGER[to], actor=actor, role=_role(actor), now=now, note=_describe(row, unit, official)
        )
        reasons[row.instansi_id].append(f"SK {row.kind.capitalize()} {row.sk_number} ({unit.name}) {VERB[to]}")
    session.flush()
    steps = 0
    for instansi_id, said in reasons.items():
        changes = resolve_atasan(session, instansi_id)
        session.flush()
        moved_steps = reassign.reassign_open_work(session, changes, actor=actor, now=now, reason="; ".join(said))
        steps += len({step.skp_id for step in moved_steps})
    ids = {row.instansi_id for row, to in moved if to is Phase.running}
    duties = _ensure_duties(session, actor=actor, now=now, instansi_ids=ids) if ids else 0
    return Applied(begun, ended, steps, duties)


def _ensure_duties(session: Session, *, actor: Actor, now: datetime, instansi_ids: Iterable[int] | None) -> int:
    """Each running SK whose policy counts the duty as an RHK Tambahan has one in every open SKP of its official that
    overlaps the SK (one statement finds those that lack it); audited on the SKP's chain as `acting_duty`."""
    has_duty = exists().where(col(Rhk.skp_id) == col(Skp.id), col(Rhk.acting_id) == col(ActingAssignment.id))
    query = (
        select(ActingAssignment, Skp, Cycle, col(Unit.name))
        .join(Skp, col(Skp.pegawai_id) == col(ActingAssignment.pegawai_id))
        .join(Cycle, col(Cycle.id) == col(Skp.cycle_id))
        .join(Unit, col(Unit.id) == col(ActingAssignment.unit_id))
        .where(
            col(ActingAssignment.state) == Phase.running.value,
            col(Skp.state).in_(reassign.OPEN),
            col(Skp.closing_reason).is_(None),
            col(Cycle.state) != "closed",
            col(Skp.periode_awal) <= col(ActingAssignment.until),
            col(Skp.periode_akhir) >= col(ActingAssignment.start),
            ~has_duty,
        )
        .order_by(col(Skp.id), col(ActingAssignment.id))
    )
    if instansi_ids is not None:
        query = query.where(col(ActingAssignment.instansi_id).in_(list(instansi_ids)))
    found = session.execute(query).all()
    if not found:
        return 0
    wanted = [
        (a, skp, name)
        for a, skp, cycle, name in found
        if rules.rhk_tambahan(policy_store.cycle_policy(session, cycle).acting, ActingKind(a.kind))
    ]
    last = dict(
        session.execute(
            select(col(Rhk.skp_id), func.max(col(Rhk.position)))
            .where(col(Rhk.skp_id).in_({skp.id for _, skp, _ in wanted}))
            .group_by(col(Rhk.skp_id))
        )
        .tuples()
        .all()
    )
    for a, skp, unit_name in wanted:
        assert skp.id is not None
        text = rules.duty_text(ActingKind(a.kind), unit_name, a.sk_number, a.start, a.until)
        position = last.get(skp.id, -1) + 1
        last[skp.id] = position
        engine.record(
            session,
            skp,
            "acting_duty",
            actor=actor,
            role=_role(actor),
            now=now,
            note=text,
            payload={"acting_id": a.id, "kind": a.kind, "sk_number": a.sk_number, "jenis": JenisRhk.TAMBAHAN.value},
        )
        session.add(Rhk(skp_id=skp.id, position=position, jenis=JenisRhk.TAMBAHAN.value, text=text, acting_id=a.id))
    session.flush()
    return len(wanted)
