"""The audit trail: one hash chain per entity, appended in the transaction of the change it records, verified,
and anchored by seals (`seal`).

The names below are the room's face: `from workflows import audit`, `audit.EventDraft(...)` (the one typed event
every writer builds, `event`), `audit.append(...)`, `audit.verify(...)`; the modules behind them are its rooms.
"""

from workflows.audit.chains import (
    AUDITED,
    GENESIS,
    append,
    at_head,
    head_hash,
    heads,
    insert_events,
    instansi_of,
    new_event,
    new_events,
    remember_head,
)
from workflows.audit.event import HASHED, EventDraft, canonical_time, digest, event_hash
from workflows.audit.verify import Problem, SealChecks, Verification, verify

__all__ = [
    "AUDITED",
    "GENESIS",
    "HASHED",
    "EventDraft",
    "Problem",
    "SealChecks",
    "Verification",
    "append",
    "at_head",
    "canonical_time",
    "digest",
    "event_hash",
    "head_hash",
    "heads",
    "insert_events",
    "instansi_of",
    "new_event",
    "new_events",
    "remember_head",
    "verify",
]
