"""The audit trail: one hash chain per entity, appended in the transaction of the change it records, verified,
and anchored by seals (`seal`).

The names below are the room's face: `from workflows import audit` and `audit.append(...)`, `audit.verify(...)`;
the modules behind them are its rooms of their own.
"""

from workflows.audit.chains import (
    AUDITED,
    GENESIS,
    HASHED,
    append,
    at_head,
    canonical_time,
    digest,
    event_hash,
    head_hash,
    heads,
    insert_events,
    instansi_of,
    new_event,
    new_events,
    remember_head,
)
from workflows.audit.verify import Problem, SealChecks, Verification, verify

__all__ = [
    "AUDITED",
    "GENESIS",
    "HASHED",
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
