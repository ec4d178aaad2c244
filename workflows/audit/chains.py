"""The audit trail: one hash chain per entity, appended in the transaction of the change it records.

An event's `seq` equals its entity's version after the change, so the chain and the row check each other:
an edited event breaks its hash, a deleted one leaves a gap or a row ahead of its chain, an inserted one
breaks the links or runs ahead of its row. Chains are per entity, so writes to different SKPs never wait
for one another.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, false, func, select, true
from sqlalchemy.orm import Session
from sqlmodel import col

from workflows.actors import Actor
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


# Statements run once or twice per use case are built once: building and keying a statement costs SQLAlchemy about
# twice what running the cached compilation does on SQLite.
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


@dataclass(frozen=True)
class Problem:
    """One thing verification found wrong; `event_id` is None when the event itself is missing."""

    entity_type: str
    entity_id: int
    seq: int | None
    event_id: int | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.entity_type} {self.entity_id}" + (f" event #{self.seq}" if self.seq is not None else "")
        ident = f" (audit id {self.event_id})" if self.event_id is not None else ""
        return f"{where}{ident}: {self.reason}"


@dataclass(frozen=True)
class Verification:
    ok: bool
    checked: int
    first_bad: Problem | None
    problems: tuple[Problem, ...]


def _chain_problems(events: Iterable[Any]) -> Iterator[tuple[Problem, int]]:
    """Walk events (rows or objects with the event's columns as attributes) ordered by chain and seq; yield problems
    with the id to order them by."""
    key: tuple[str, int] | None = None
    prev_seq, prev = 0, GENESIS
    for e in events:
        assert e.id is not None
        if (e.entity_type, e.entity_id) != key:
            key, prev_seq, prev = (e.entity_type, e.entity_id), 0, GENESIS
        fields = {c: getattr(e, c) for c in HASHED}
        if e.seq != prev_seq + 1:
            missing = f"#{prev_seq + 1}" if e.seq == prev_seq + 2 else f"#{prev_seq + 1}..#{e.seq - 1}"
            yield Problem(e.entity_type, e.entity_id, e.seq, e.id, f"event {missing} before it is missing"), e.id
        elif e.prev_hash != prev:
            yield Problem(e.entity_type, e.entity_id, e.seq, e.id, "does not link to the event before it"), e.id
        if event_hash(fields) != e.hash:
            yield Problem(e.entity_type, e.entity_id, e.seq, e.id, "content does not match its hash (altered)"), e.id
        prev_seq, prev = e.seq, e.hash


def _head_problems(session: Session) -> Iterator[tuple[Problem, int]]:
    """Set-based cross-checks of each chain's head against its entity's version and state."""
    for entity_type, table in AUDITED.items():
        on = and_(col(AuditEvent.entity_type) == entity_type, col(AuditEvent.entity_id) == table.id)
        has_state = hasattr(table, "state")
        head = select(
            table.id, table.version, col(AuditEvent.id), col(AuditEvent.to_state), *([table.state] if has_state else [])
        )
        head = head.outerjoin(AuditEvent, and_(on, col(AuditEvent.seq) == table.version))
        for row in session.execute(head):
            if row[2] is None:
                yield (
                    Problem(
                        entity_type,
                        row[0],
                        row[1],
                        None,
                        f"the entity is at version {row[1]} but its chain has no event #{row[1]} (events deleted)",
                    ),
                    0,
                )
            elif has_state and row[3] != row[4]:
                yield (
                    Problem(entity_type, row[0], row[1], row[2], f"chain ends in '{row[3]}', entity is in '{row[4]}'"),
                    row[2],
                )
        beyond = select(col(AuditEvent.id), col(AuditEvent.entity_id), col(AuditEvent.seq), table.version)
        beyond = beyond.outerjoin(table, on).where(col(AuditEvent.entity_type) == entity_type)
        for event_id, entity_id, seq, version in session.execute(beyond):
            if version is None:
                yield Problem(entity_type, entity_id, seq, event_id, "event of an entity that does not exist"), event_id
            elif seq > version:
                yield (
                    Problem(
                        entity_type, entity_id, seq, event_id, f"event beyond the entity's version {version} (inserted)"
                    ),
                    event_id,
                )
    known = select(col(AuditEvent.id), col(AuditEvent.entity_type), col(AuditEvent.entity_id), col(AuditEvent.seq))
    for event_id, entity_type, entity_id, seq in session.execute(
        known.where(col(AuditEvent.entity_type).not_in(AUDITED))
    ):
        yield Problem(entity_type, entity_id, seq, event_id, "event of an unknown entity type"), event_id


@dataclass(frozen=True)
class SealChecks:
    """What verification asks of the seals (workflows/audit_seal): `key` checks keyed seals' macs; with `now` and
    `max_age`, the newest seal must be that recent if events came after it; `expect` is a published mac or root
    that must still be there."""

    key: bytes | None = None
    now: datetime | None = None
    max_age: timedelta | None = None
    expect: str | None = None


def verify(session: Session, *, limit: int = 100, seals: SealChecks = SealChecks()) -> Verification:
    """Verify every chain and the seals; name the first bad event (lowest audit id; a missing event sorts first,
    what only the seals see sorts last)."""
    from workflows.audit import seal  # it builds on this module

    # plain rows, not ORM objects: the walk reads each event once, and a row costs a fraction of an object
    stream = session.execute(
        select(*AuditEvent.__table__.columns)  # type: ignore[attr-defined]
        .order_by(col(AuditEvent.entity_type), col(AuditEvent.entity_id), col(AuditEvent.seq))
        .execution_options(yield_per=5000)
    )
    checked = 0
    found: list[tuple[int, Problem]] = []

    def counted(events: Iterable[Any]) -> Iterator[Any]:
        nonlocal checked
        for e in events:
            checked += 1
            yield e

    for problem, order in _chain_problems(counted(stream)):
        found.append((order, problem))
    for problem, order in _head_problems(session):
        found.append((order, problem))
    found.extend((2**63, problem) for problem in seal.problems(session, seals))
    found.sort(key=lambda item: item[0])
    problems = tuple(dict.fromkeys(p for _, p in found))[:limit]
    return Verification(not problems, checked, problems[0] if problems else None, problems)


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


def verify_for(session: Session, actor: Actor, seals: SealChecks = SealChecks()) -> Verification:
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
