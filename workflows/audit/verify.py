"""Verifying the audit trail: every chain against its events and its row, and the seals against the chains."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from workflows.audit.chains import AUDITED, GENESIS
from workflows.audit.event import HASHED, event_hash
from workflows.audit.seal import FIRST, mac, root_at
from workflows.store.tables import AuditEvent, AuditSeal


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
    """What verification asks of the seals (`workflows.audit.seal`): `key` checks keyed seals' macs; with `now` and
    `max_age`, the newest seal must be that recent if events came after it; `expect` is a published mac or root
    that must still be there."""

    key: bytes | None = None
    now: datetime | None = None
    max_age: timedelta | None = None
    expect: str | None = None


def verify(session: Session, *, limit: int = 100, seals: SealChecks = SealChecks()) -> Verification:
    """Verify every chain and the seals; name the first bad event (lowest audit id; a missing event sorts first,
    what only the seals see sorts last)."""
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
    found.extend((2**63, problem) for problem in seal_problems(session, seals))
    found.sort(key=lambda item: item[0])
    problems = tuple(dict.fromkeys(p for _, p in found))[:limit]
    return Verification(not problems, checked, problems[0] if problems else None, problems)


def seal_problems(session: Session, asked: SealChecks) -> list[Problem]:
    """What the seals say is wrong: a broken seal chain; a mac that does not match; an unkeyed seal after a keyed
    one (a downgrade: whoever writes the database can make an unkeyed seal, not a keyed one); keyed seals and no
    key to check them; history changed under the newest seal; a newest seal older than `asked.max_age` while
    events came after it (later seals removed, or sealing stopped); a published mac or root (`asked.expect`) that
    no seal carries (seals removed or replaced)."""
    key, now, max_age, expect = asked.key, asked.now, asked.max_age, asked.expect
    found: list[Problem] = []

    def bad(seal_id: int, reason: str) -> None:
        found.append(Problem("seal", seal_id, None, None, reason))

    prev = FIRST
    newest: AuditSeal | None = None
    keyed_seen = False
    published = expect is None
    for row in session.scalars(select(AuditSeal).order_by(col(AuditSeal.id))):
        assert row.id is not None
        if row.prev_mac != prev:
            bad(row.id, "does not link to the seal before it (seals removed)")
        if keyed_seen and not row.keyed:
            bad(row.id, "unkeyed after a keyed seal (made without the key)")
        if row.keyed and key is None:
            if not keyed_seen:
                bad(row.id, "keyed seals, and no SKPFLOW_AUDIT_SEAL_KEY to check")
        elif mac(row.model_dump(), key if row.keyed else None) != row.mac:
            bad(row.id, "its mac does not match (seal altered, or another key)")
        keyed_seen = keyed_seen or row.keyed
        published = published or expect in (row.mac, row.root)
        prev, newest = row.mac, row
    if not published:
        bad(0, f"no seal carries the published mac or root {expect}")
    if newest is None:
        return found
    assert newest.id is not None
    sealed = root_at(session, newest.watermark)
    if sealed.root != newest.root:
        bad(
            newest.id,
            f"events up to audit id {newest.watermark} no longer hash to the sealed root "
            f"({sealed.chains} chains and {sealed.events} events now, {newest.chains} and {newest.events} sealed): "
            "history was rewritten",
        )
    if now is not None and max_age is not None and newest.sealed_at < now - max_age:
        after = col(AuditEvent.id) > newest.watermark
        later = session.scalar(select(func.count()).select_from(AuditEvent).where(after))
        if later:
            bad(
                newest.id,
                f"the newest seal is from {newest.sealed_at.isoformat()} and {later} events came after it: "
                "later seals were removed, or the seal-audit workflow is not running",
            )
    return found
