"""The audit event: one typed draft every writer builds, and the one list of fields its hash covers.

A writer says *what* happened (`EventDraft`: entity type, instansi, instant, who, as what, which trigger, from
and to which state, note, payload digest); the chain says *where* it goes (entity id, seq, previous hash). A
draft turns into the column values of a row with `row` (one event) or `rows` (a batch of events that differ only
in their entity, hashed with the shared part encoded once), so set-based writers still INSERT plain dicts in one
statement. `HASHED` is the one list of the columns an event's hash covers, in hash order: `chains`, `verify` and
the exports read it from here.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

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
"""The columns an event's hash covers, in the order it hashes them (changing it breaks every stored chain)."""


@lru_cache(maxsize=256)  # a batch stamps thousands of events with the same instant
def canonical_time(at: datetime) -> str:
    """UTC, microseconds, 'Z'; a naive time is refused (its instant is unknown)."""
    if at.tzinfo is None:
        raise ValueError("audit times must be aware datetimes")
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def digest(payload: Mapping[str, Any] | None) -> str:
    text = json.dumps(payload or {}, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


EMPTY = digest(None)
"""The digest of an event without a payload."""


def event_hash(event: Mapping[str, Any]) -> str:
    fields = [canonical_time(event[f]) if f == "at" else event[f] for f in HASHED]
    text = json.dumps(fields, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True, slots=True)
class EventDraft:
    """What one audit event records, before its place in a chain is known."""

    entity_type: str
    instansi_id: int | None
    at: datetime
    actor: str
    role: str
    trigger: str
    from_state: str | None
    to_state: str | None
    note: str | None = None
    payload_digest: str = EMPTY

    def with_payload(self, payload: Mapping[str, Any] | None) -> EventDraft:
        """The same draft recording `payload` (a batch whose events share one payload digests it once)."""
        return replace(self, payload_digest=digest(payload))

    def moving(self, from_state: str | None, to_state: str | None) -> EventDraft:
        """The same draft for a move between other states (a batch builds one per move, not one per event)."""
        return replace(self, from_state=from_state, to_state=to_state)

    def row(self, entity_id: int, seq: int, prev_hash: str) -> dict[str, Any]:
        """The column values of event `seq` of entity `entity_id`'s chain, linked to `prev_hash`, hash included."""
        event: dict[str, Any] = {
            "entity_type": self.entity_type,
            "entity_id": entity_id,
            "seq": seq,
            "instansi_id": self.instansi_id,
            "at": self.at,
            "actor": self.actor,
            "role": self.role,
            "trigger": self.trigger,
            "from_state": self.from_state,
            "to_state": self.to_state,
            "note": self.note,
            "payload_digest": self.payload_digest,
            "prev_hash": prev_hash,
        }
        event["hash"] = event_hash(event)
        return event

    def rows(self, entity_ids: Iterable[int], seq: int, prev_hash: str) -> list[dict[str, Any]]:
        """`row` for each entity of a batch whose events differ only in their entity (e.g. the genesis events of
        the SKPs a cycle drafts)."""
        return self.linked((entity_id, seq, prev_hash) for entity_id in entity_ids)

    def linked(self, links: Iterable[tuple[int, int, str]]) -> list[dict[str, Any]]:
        """`row` for each (entity id, seq, previous hash) of a batch whose events differ only in their place in
        their chains (e.g. one automatic action on many SKPs). The canonical JSON of the fields they share is
        encoded once for the batch; each event's hash is byte-identical to `event_hash`'s."""
        template = self.row(0, 0, "")
        values = [canonical_time(template[f]) if f == "at" else template[f] for f in HASHED]
        # json.dumps of the whole list is '[' type ',' id ',' seq ',' shared… ',' prev ']', in HASHED's order
        # (tests/unit/test_audit_event.py holds this equal to `row`)
        head = ("[" + json.dumps(values[0], ensure_ascii=False) + ",").encode()
        shared = ("," + json.dumps(values[3:-1], separators=(",", ":"), ensure_ascii=False)[1:-1] + ",").encode()
        events = []
        for entity_id, seq, prev_hash in links:
            if type(entity_id) is not int or type(seq) is not int:  # b"%d" writes what json.dumps writes for an int
                raise TypeError(f"entity id {entity_id!r} and seq {seq!r} must be ints")
            text = b"%s%d,%d%s%s]" % (head, entity_id, seq, shared, json.dumps(prev_hash).encode())
            events.append(
                {**template, "entity_id": entity_id, "seq": seq, "prev_hash": prev_hash, "hash": _sha256(text)}
            )
        return events
