"""The audit trail: one hash chain per entity, appended in the transaction of the change it records.

An event's `seq` equals its entity's version after the change, so the chain and the row check each other:
an edited event breaks its hash, a deleted one leaves a gap or a row ahead of its chain, an inserted one
breaks the links or runs ahead of its row. Chains are per entity, so writes to different SKPs never wait
for one another.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, select
from sqlalchemy.orm import Session
from sqlmodel import col

from workflows.store import uow
from workflows.store.db import insert_many
from workflows.store.tables import AuditEvent, Capaian, Cycle, Evaluation, FollowUpCase, Instansi, Keberatan, Skp

GENESIS = "0" * 64

AUDITED: dict[str, type[Any]] = {
    "skp": Skp,
    "cycle": Cycle,
    "evaluation": Evaluation,
    "keberatan": Keberatan,
    "follow_up_case": FollowUpCase,
    "capaian": Capaian,
    "instansi": Instansi,
}
"""Entity types with a chain, and their versioned tables."""


@lru_cache(maxsize=256)  # a batch stamps thousands of events with the same instant
def canonical_time(at: datetime) -> str:
    """UTC, microseconds, 'Z'; a naive time is refused (its instant is unknown)."""
    if at.tzinfo is None:
        raise ValueError("audit times must be aware datetimes")
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def digest(payload: Mapping[str, Any] | None) -> str:
    text = json.dumps(payload or {}, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


HASHED = (
    "entity_type",
    "entity_id",
    "seq",
    "instansi_id",
    "at",
    "actor",
    "role",
    "trigger",
    "from_state",
    "to_state",
    "note",
    "payload_digest",
    "prev_hash",
)


def event_hash(event: Mapping[str, Any]) -> str:
    fields = [canonical_time(event[f]) if f == "at" else event[f] for f in HASHED]
    text = json.dumps(fields, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def new_event(
    *,
    entity_type: str,
    entity_id: int,
    seq: int,
    instansi_id: int | None,
    prev_hash: str,
    at: datetime,
    actor: str,
    role: str,
    trigger: str,
    from_state: str | None,
    to_state: str | None,
    note: str | None = None,
    payload: Mapping[str, Any] | None = None,
    payload_digest: str | None = None,
) -> dict[str, Any]:
    """The column values of one event, hash included (for bulk INSERTs). A batch whose events share one payload
    passes its `payload_digest` (`digest(payload)`) instead, computed once."""
    event: dict[str, Any] = {
        "entity_type": entity_type,
        "entity_id": entity_id,
        "seq": seq,
        "instansi_id": instansi_id,
        "at": at,
        "actor": actor,
        "role": role,
        "trigger": trigger,
        "from_state": from_state,
        "to_state": to_state,
        "note": note,
        "payload_digest": payload_digest if payload_digest is not None else digest(payload),
        "prev_hash": prev_hash,
    }
    event["hash"] = event_hash(event)
    return event


def new_events(
    *,
    entity_type: str,
    entity_ids: Iterable[int],
    seq: int,
    instansi_id: int | None,
    prev_hash: str,
    at: datetime,
    actor: str,
    role: str,
    trigger: str,
    from_state: str | None,
    to_state: str | None,
    note: str | None = None,
    payload_digest: str,
) -> list[dict[str, Any]]:
    """`new_event` for each entity of a batch whose events differ only in their entity (e.g. the genesis events of
    the SKPs a cycle drafts). The canonical JSON around the entity id is encoded and hashed once for the batch; each
    event's hash is byte-identical to `event_hash`'s."""
    template = new_event(
        entity_type=entity_type,
        entity_id=0,
        seq=seq,
        instansi_id=instansi_id,
        prev_hash=prev_hash,
        at=at,
        actor=actor,
        role=role,
        trigger=trigger,
        from_state=from_state,
        to_state=to_state,
        note=note,
        payload_digest=payload_digest,
    )
    values = [canonical_time(template[f]) if f == "at" else template[f] for f in HASHED]
    i = HASHED.index("entity_id")
    # '[a,…,' + id + ',…,z]' is what json.dumps writes for the whole list (the entity id is neither first nor last)
    head = json.dumps(values[:i], separators=(",", ":"), ensure_ascii=False)[:-1] + ","
    tail = "," + json.dumps(values[i + 1 :], separators=(",", ":"), ensure_ascii=False)[1:]
    hashed_head, encoded_tail = hashlib.sha256(head.encode()), tail.encode()
    events = []
    for entity_id in entity_ids:
        if type(entity_id) is not int:  # b"%d" writes what json.dumps writes for an int only
            raise TypeError(f"entity id {entity_id!r} is not an int")
        h = hashed_head.copy()
        h.update(b"%d%s" % (entity_id, encoded_tail))
        events.append({**template, "entity_id": entity_id, "hash": h.hexdigest()})
    return events


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
    found = session.execute(
        select(col(AuditEvent.entity_id), col(AuditEvent.hash))
        .join(table, at_head(entity_type, table))
        .where(table.id.in_(list(ids)))
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
    if isinstance(row, Cycle):
        return row.instansi_id
    if isinstance(row, Skp | Capaian):
        cycle = session.get(Cycle, row.cycle_id)
        return cycle.instansi_id if cycle else None
    if isinstance(row, Evaluation | Keberatan | FollowUpCase):
        skp = session.get(Skp, row.skp_id)
        return instansi_of(session, skp) if skp else None
    raise TypeError(f"{type(row).__name__} has no audit chain")


def append(session: Session, *, entity_type: str, entity_id: int, seq: int, **fields: Any) -> dict[str, Any]:
    """Append event `seq` to a chain, linking it to event `seq - 1`."""
    event = new_event(
        entity_type=entity_type,
        entity_id=entity_id,
        seq=seq,
        prev_hash=head_hash(session, entity_type, entity_id, seq - 1),
        **fields,
    )
    session.execute(_INSERT, event)
    _appended(session)[(entity_type, entity_id, seq)] = event["hash"]
    return event
