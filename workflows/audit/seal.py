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
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session
from sqlmodel import col

from states.errors import InvalidInput
from states.messages import Problem
from workflows.audit.event import canonical_time
from workflows.store.tables import AuditEvent, AuditSeal
from workflows.store.uow import reading, unit_of_work

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


SEALED = ("watermark", "chains", "events", "root", "sealed_at", "prev_mac", "keyed")
"""The fields a seal's mac covers, in order; `prev_mac` chains it to the seal before."""


def mac(seal: Mapping[str, Any], key: bytes | None) -> str:
    """HMAC-SHA256 of the seal's fields under `key`; plain SHA-256 without one."""
    fields = [canonical_time(seal[f]) if f == "sealed_at" else seal[f] for f in SEALED]
    message = json.dumps(fields, separators=(",", ":")).encode()
    if key is None:
        return hashlib.sha256(message).hexdigest()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


SEAL_LOCK = 0x736B70_5345414C
"""The PostgreSQL advisory lock that makes sealers take turns (SQLite's BEGIN IMMEDIATE already does)."""


def _freeze_watermark(session: Session) -> int:
    """The largest audit id, once every transaction that has written events has ended. The wait is bounded: a
    sweep's chunk commits in seconds, and a seal that cannot get the lock in 30 s fails and is retried next time.
    (Exact with the id sequence's default CACHE 1; a larger cache hands ids out of order across sessions.)"""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL lock_timeout = '30s'"))
        session.execute(text("LOCK TABLE auditevent IN SHARE MODE"))
    return int(session.scalar(select(func.coalesce(func.max(col(AuditEvent.id)), 0))) or 0)


def _take_turn(session: Session) -> None:
    """Serialise sealers before they read the last seal, so two never chain to the same one."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SEAL_LOCK})


def seal(engine: Engine, *, now: datetime, by: str, key: bytes | None) -> AuditSeal:
    """Seal the trail as it stands: one new seal row, chained to the last one."""
    with unit_of_work(engine) as s:
        watermark = _freeze_watermark(s)  # the lock is released at this commit, before the long read
    with reading(engine) as s:
        root = root_at(s, watermark)
    with unit_of_work(engine) as s:
        _take_turn(s)
        last = s.scalars(select(AuditSeal).order_by(col(AuditSeal.id).desc()).limit(1)).first()
        if key is None and s.scalar(select(func.count()).select_from(AuditSeal).where(col(AuditSeal.keyed))):
            raise InvalidInput([Problem.say("input.audit.seal_key")])
        if last is not None and last.watermark >= watermark:  # a concurrent seal got as far: ours adds nothing
            return last
        row = AuditSeal(
            sealed_at=now,
            watermark=watermark,
            chains=root.chains,
            events=root.events,
            root=root.root,
            prev_mac=last.mac if last else FIRST,
            keyed=key is not None,
            sealed_by=by,
            mac="",
        )
        row.mac = mac(row.model_dump(), key)
        s.add(row)
        s.flush()
        return row
