"""The audit trail as the API and the web show it: the events an actor may read, verification reported for their
instansi, the seals and sealing now."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Engine, false, func, select, true
from sqlalchemy.orm import Session
from sqlmodel import col

from workflows.actors import Actor
from workflows.audit import seal
from workflows.audit.chains import AUDITED, instansi_of
from workflows.audit.verify import Problem, SealChecks, Verification, verify
from workflows.store.settings import Settings, seal_key
from workflows.store.tables import AuditEvent, AuditEventFields, AuditSeal, Pegawai

ENTITY_TYPES = tuple(AUDITED)  # what has a chain, in the order the filters list them
Seal = AuditSeal  # what sealing returns and the seal pages hold

UNASKED = SealChecks()  # no key, no age limit, nothing published: the seals' own chain and roots only


class EventOut(AuditEventFields):
    """One audit event with its place in the trail (`id`, the cursor) and its hash."""

    id: int
    hash: str


def scope(actor: Actor) -> ColumnElement[bool]:
    """The events an actor may read: their instansi's (admins and auditors), everything (the super-admin)."""
    if actor.super_admin:
        return true()
    mine = actor.oversees()
    return col(AuditEvent.instansi_id).in_(mine) if mine else false()


def may_read(actor: Actor) -> bool:
    return actor.super_admin or bool(actor.oversees())


def events(
    session: Session,
    actor: Actor,
    *,
    entity_type: str | None = None,
    entity_id: int | None = None,
    after: int = 0,
    limit: int = 100,
) -> tuple[list[AuditEvent], int]:
    """A page of events in id order after a cursor, and how many match in all."""
    where = [scope(actor)]
    if entity_type is not None:
        where.append(col(AuditEvent.entity_type) == entity_type)
    if entity_id is not None:
        where.append(col(AuditEvent.entity_id) == entity_id)
    total = session.scalar(select(func.count()).select_from(AuditEvent).where(*where)) or 0
    rows = session.scalars(
        select(AuditEvent).where(*where, col(AuditEvent.id) > after).order_by(col(AuditEvent.id)).limit(limit)
    ).all()
    return list(rows), total


def verify_for(session: Session, actor: Actor, seals: SealChecks = UNASKED) -> Verification:
    """Verify every chain, reporting only problems in the actor's instansi (all of them to the super-admin);
    the seals are everyone's: a broken one may hide a rewrite in any instansi."""
    result = verify(session, seals=seals)
    if actor.super_admin or result.ok:
        return result
    mine = actor.oversees()
    own = tuple(p for p in result.problems if p.entity_type == "seal" or _problem_instansi(session, p) in mine)
    return Verification(not own, result.checked, own[0] if own else None, own)


def _problem_instansi(session: Session, problem: Problem) -> int | None:
    if problem.event_id is not None:
        event = session.get(AuditEvent, problem.event_id)
        if event is not None and event.instansi_id is not None:
            return event.instansi_id
    table = AUDITED.get(problem.entity_type)
    row = session.get(table, problem.entity_id) if table is not None else None
    return instansi_of(session, row) if row is not None else None


def seal_page(session: Session, *, before: int | None, limit: int) -> tuple[list[AuditSeal], int]:
    """A page of seals, newest first, older than the id `before`; and how many there are."""
    query = select(AuditSeal).order_by(col(AuditSeal.id).desc()).limit(limit)
    if before is not None:
        query = query.where(col(AuditSeal.id) < before)
    total = session.scalar(select(func.count()).select_from(AuditSeal)) or 0
    return list(session.scalars(query)), total


def checks(settings: Settings, now: datetime, expect: str | None = None) -> SealChecks:
    """What the service checks of the seals: with its key, and the newest at most two sealing intervals old."""
    return SealChecks(seal_key(settings), now, timedelta(seconds=2 * settings.audit_seal_every_seconds), expect)


def seal_now(engine: Engine, *, now: datetime, by: str, key: bytes | None) -> AuditSeal:
    """Seal the trail now (`POST /audit/seals`, `skpflow audit seal`, the in-process sealer); `key` is the service's
    (`seal_key(settings)`)."""
    return seal.seal(engine, now=now, by=by, key=key)


def actor_names(session: Session, refs: list[str]) -> dict[str, str]:
    """The names of the pegawai among the events' actors, in one query."""
    nips = {ref.removeprefix("pegawai:") for ref in refs if ref.startswith("pegawai:")}
    if not nips:
        return {}
    found = session.execute(select(col(Pegawai.nip), col(Pegawai.name)).where(col(Pegawai.nip).in_(nips))).all()
    return {f"pegawai:{nip}": name for nip, name in found}
