"""Audit seals: anchors that let an inspector detect a chain rewritten consistently, row and events together.

A hash chain alone only proves an event was not changed *alone*: whoever can write the database can rewrite
an entity's newest events, or its whole chain with its row, and every link still holds. A seal fixes the
state of every chain at one moment: it covers the events up to a watermark audit id `W` and stores the
`root`, a SHA-256 over each chain's head as of `W` (type, id, seq, hash, in chain order). Seals are chained
too, each `mac` covering the one before, and the `mac` is an HMAC-SHA256 when `SKPFLOW_AUDIT_SEAL_KEY`
is set (keep the key off the database server) or a plain SHA-256 when not (then publish the root: print it,
send it to the inspectorate). Verification recomputes the newest seal's root — it covers every event the
older seals cover, since each head hashes its whole chain — and walks the seals' macs.

`W` is exact: the seal first takes a SHARE lock on the audit table (PostgreSQL; SQLite's BEGIN IMMEDIATE
serialises writers already), which waits for every transaction that has written events and blocks new
ones only for as long as reading `max(id)` takes. Every event with an id up to `W` is committed then, and
every later one gets a larger id, so the root over `id <= W` never changes unless someone changes history.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session
from sqlmodel import col

from workflows.audit import Problem, canonical_time
from workflows.tables import AuditEvent, AuditSeal
from workflows.uow import reading, unit_of_work

FIRST = "0" * 64
"""The `prev_mac` of the first seal."""


@dataclass(frozen=True)
class Root:
    root: str
    chains: int
    events: int


def root_at(session: Session, watermark: int) -> Root:
    """The hash over every chain's head among the events with `id <= watermark`, in chain order."""
    covered = col(AuditEvent.id) <= watermark
    heads = (
        select(
            col(AuditEvent.entity_type).label("entity_type"),
            col(AuditEvent.entity_id).label("entity_id"),
            func.max(col(AuditEvent.seq)).label("seq"),
        )
        .where(covered)
        .group_by(col(AuditEvent.entity_type), col(AuditEvent.entity_id))
        .subquery()
    )
    rows = session.execute(
        select(heads.c.entity_type, heads.c.entity_id, heads.c.seq, col(AuditEvent.hash))
        .join(
            AuditEvent,
            (col(AuditEvent.entity_type) == heads.c.entity_type)
            & (col(AuditEvent.entity_id) == heads.c.entity_id)
            & (col(AuditEvent.seq) == heads.c.seq),
        )
        .order_by(heads.c.entity_type, heads.c.entity_id)
        .execution_options(yield_per=10000)
    )
    h = hashlib.sha256()
    chains = 0
    for entity_type, entity_id, seq, event_hash in rows:
        h.update(f"{entity_type}:{entity_id}:{seq}:{event_hash}\n".encode())
        chains += 1
    events = session.scalar(select(func.count()).select_from(AuditEvent).where(covered)) or 0
    return Root(h.hexdigest(), chains, events)


def mac(seal: AuditSeal | dict[str, object], key: bytes | None) -> str:
    """The seal's mac over its fields and the mac of the seal before it."""
    get = seal.get if isinstance(seal, dict) else lambda f: getattr(seal, f)
    at = get("sealed_at")
    assert isinstance(at, datetime)
    fields = [get("watermark"), get("chains"), get("events"), get("root"), canonical_time(at), get("prev_mac")]
    message = json.dumps(fields, separators=(",", ":")).encode()
    if key is None:
        return hashlib.sha256(message).hexdigest()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _freeze_watermark(session: Session) -> int:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE auditevent IN SHARE MODE"))
    return int(session.scalar(select(func.coalesce(func.max(col(AuditEvent.id)), 0))) or 0)


def seal(engine: Engine, *, now: datetime, by: str, key: bytes | None) -> AuditSeal:
    """Seal the trail as it stands: one new seal row, chained to the last one."""
    with unit_of_work(engine) as s:
        watermark = _freeze_watermark(s)  # the lock is released at this commit, before the long read
    with reading(engine) as s:
        root = root_at(s, watermark)
    with unit_of_work(engine) as s:
        last = s.scalars(select(AuditSeal).order_by(col(AuditSeal.id).desc()).limit(1).with_for_update()).first()
        if last is not None and last.watermark > watermark:  # a concurrent seal went further: ours adds nothing
            return last
        values: dict[str, object] = {
            "sealed_at": now,
            "watermark": watermark,
            "chains": root.chains,
            "events": root.events,
            "root": root.root,
            "prev_mac": last.mac if last else FIRST,
        }
        row = AuditSeal(**values, keyed=key is not None, sealed_by=by, mac=mac(values, key))  # type: ignore[arg-type]
        s.add(row)
        s.flush()
        return row


def seals(session: Session, *, limit: int = 100) -> list[AuditSeal]:
    """The newest seals first."""
    return list(session.scalars(select(AuditSeal).order_by(col(AuditSeal.id).desc()).limit(limit)))


def problems(session: Session, key: bytes | None) -> list[Problem]:
    """What the seals say is wrong: a broken seal chain, a mac that does not match, or history changed under
    the newest seal. A keyed seal's mac is checked only when the key is given."""
    found: list[Problem] = []
    prev = FIRST
    newest: AuditSeal | None = None
    for row in session.scalars(select(AuditSeal).order_by(col(AuditSeal.id))):
        assert row.id is not None
        if row.prev_mac != prev:
            found.append(Problem("seal", row.id, None, None, "does not link to the seal before it (seals removed)"))
        if (not row.keyed or key is not None) and mac(row, key if row.keyed else None) != row.mac:
            found.append(Problem("seal", row.id, None, None, "its mac does not match (seal altered, or another key)"))
        prev, newest = row.mac, row
    if newest is not None:
        assert newest.id is not None
        now = root_at(session, newest.watermark)
        if now.root != newest.root:
            found.append(
                Problem(
                    "seal",
                    newest.id,
                    None,
                    None,
                    f"events up to audit id {newest.watermark} no longer hash to the sealed root "
                    f"({now.chains} chains and {now.events} events now, {newest.chains} and {newest.events} sealed): "
                    "history was rewritten",
                )
            )
    return found
