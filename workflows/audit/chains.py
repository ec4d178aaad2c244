"""The audit trail: one hash chain per entity, appended in the transaction of the change it records.

An event's `seq` equals its entity's version after the change, so the chain and the row check each other:
an edited event breaks its hash, a deleted one leaves a gap or a row ahead of its chain, an inserted one
breaks the links or runs ahead of its row. Chains are per entity, so writes to different SKPs never wait
for one another.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, select
from sqlalchemy.orm import Session
from sqlmodel import col

from workflows.audit.event import EventDraft, digest
from workflows.store import uow
from workflows.store.db import among, insert_many, read
from workflows.store.tables import (
    ActingAssignment,
    AuditEvent,
    Capaian,
    Cycle,
    Evaluation,
    FollowUpCase,
    Input360,
    Instansi,
    Keberatan,
    Kontrak,
    Skp,
)

GENESIS = "0" * 64

AUDITED: dict[str, type[Any]] = {
    "skp": Skp,
    "cycle": Cycle,
    "evaluation": Evaluation,
    "keberatan": Keberatan,
    "follow_up_case": FollowUpCase,
    "capaian": Capaian,
    "instansi": Instansi,
    "acting": ActingAssignment,
    "kontrak": Kontrak,
    "input_360": Input360,
}
"""Entity types with a chain, and their versioned tables."""


def new_event(
    *,
    entity_id: int,
    seq: int,
    prev_hash: str,
    payload: Mapping[str, Any] | None = None,
    payload_digest: str | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """The column values of one event, hash included: `EventDraft(**fields).row(...)` for callers that hold the
    fields loose (tests, forgeries). A batch whose events share one payload passes its `payload_digest`."""
    draft = EventDraft(**fields, payload_digest=payload_digest if payload_digest is not None else digest(payload))
    return draft.row(entity_id, seq, prev_hash)


def new_events(
    *, entity_ids: Iterable[int], seq: int, prev_hash: str, payload_digest: str, **fields: Any
) -> list[dict[str, Any]]:
    """`new_event` for each entity of a batch whose events differ only in their entity (`EventDraft.rows`)."""
    return EventDraft(**fields, payload_digest=payload_digest).rows(entity_ids, seq, prev_hash)


# Statements run once or twice per use case, built once (why: workflows/store/__init__.py).
_HEAD = select(col(AuditEvent.hash)).where(
    col(AuditEvent.entity_type) == bindparam("entity_type"),
    col(AuditEvent.entity_id) == bindparam("entity_id"),
    col(AuditEvent.seq) == bindparam("seq"),
)
_INSERT = AuditEvent.__table__.insert()  # type: ignore[attr-defined]  # a Core INSERT: no ORM bulk machinery
_APPENDED = "audit_appended"


def _appended(session: Session) -> dict[tuple[str, int, int], str]:
    """Hashes of events known to the session's current transaction, by chain and seq: those it appended, and those
    it read beside their entity (`remember_head`). Only this transaction can extend the chains it appended to (it
    holds their rows at the new version), so the next event links to them without a query. Each transaction and
    savepoint has its own: what a rolled-back one held is never read again (see `_known`)."""
    return uow.transaction_state(session, _APPENDED, dict)


def _known(session: Session, key: tuple[str, int, int]) -> str | None:
    """A hash known to the current transaction or to one it is nested in: what an enclosing transaction appended or
    read is still true inside a savepoint, and a savepoint rolled back is never looked at again."""
    held = uow.transaction_states(session, _APPENDED)
    for transaction in uow.outwards(uow.innermost(session)):
        found = held.get(transaction, {}).get(key)
        if found is not None:
            return str(found)
    return None


def remember_head(session: Session, entity_type: str, entity_id: int, seq: int, event_hash: str) -> None:
    """Note the hash of event `seq` of a chain, read with its entity at version `seq`, so that appending event
    `seq + 1` needs no query. A committed event never changes, and the engine appends `seq + 1` only after its
    versioned UPDATE has confirmed that the entity is still at `seq`."""
    _appended(session)[(entity_type, entity_id, seq)] = event_hash


def head_hash(session: Session, entity_type: str, entity_id: int, seq: int) -> str:
    """Hash of the event `seq` of a chain (GENESIS before the first)."""
    if seq == 0:
        return GENESIS
    known = _known(session, (entity_type, entity_id, seq))
    if known is not None:
        return known
    found = session.scalar(_HEAD, {"entity_type": entity_type, "entity_id": entity_id, "seq": seq})
    if found is None:
        raise RuntimeError(f"audit chain {entity_type} {entity_id} has no event #{seq}")
    return str(found)


def at_head(entity_type: str, table: Any) -> ColumnElement[bool]:
    """Join condition for the newest event of each entity's chain: the one whose seq is the entity's version."""
    return and_(
        col(AuditEvent.entity_type) == entity_type,
        col(AuditEvent.entity_id) == table.id,
        col(AuditEvent.seq) == table.version,
    )


def heads(session: Session, entity_type: str, ids: Sequence[int]) -> dict[int, str]:
    """The hash of each entity's newest event (the one at its current version), for rows the caller has locked.

    A join on the entity's version rather than a row-value IN list, which PostgreSQL plans as a scan of the chain."""
    table = AUDITED[entity_type]
    found = read(
        session,
        select(col(AuditEvent.entity_id), col(AuditEvent.hash))
        .join(table, at_head(entity_type, table))
        .where(among(session, table.id, ids)),
    )
    return dict(found.tuples().all())


def insert_events(session: Session, events: Sequence[Mapping[str, Any]]) -> None:
    """INSERT many events as one statement (the ORM's bulk path splits rows at every change in which columns are
    None and compiles a statement per split)."""
    insert_many(session, AuditEvent.__table__, events)  # type: ignore[attr-defined]


def instansi_of(session: Session, row: Any) -> int | None:
    """The instansi whose trail an audited row belongs to."""
    if isinstance(row, Instansi):
        return row.id
    if isinstance(row, Cycle | ActingAssignment | Kontrak):
        return row.instansi_id
    if isinstance(row, Skp | Capaian):
        cycle = session.get(Cycle, row.cycle_id)
        return cycle.instansi_id if cycle else None
    if isinstance(row, Evaluation | Keberatan | FollowUpCase | Input360):
        skp = session.get(Skp, row.skp_id)
        return instansi_of(session, skp) if skp else None
    raise TypeError(f"{type(row).__name__} has no audit chain")


def append(session: Session, draft: EventDraft, entity_id: int, seq: int) -> dict[str, Any]:
    """Append event `seq` to entity `entity_id`'s chain, linking it to event `seq - 1`."""
    event = draft.row(entity_id, seq, head_hash(session, draft.entity_type, entity_id, seq - 1))
    session.connection().execute(_INSERT, event)  # a Core statement: the session's ORM execution adds nothing
    _appended(session)[(draft.entity_type, entity_id, seq)] = event["hash"]
    return event
