"""The one typed audit-event draft: what it records is exactly what the hash covers, and a batch hashes as its rows."""

import dataclasses
from dataclasses import fields
from datetime import UTC, datetime

import pytest

from workflows import audit
from workflows.cases.audit_trail import EventOut
from workflows.store.tables import AuditEventFields

NOW = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
CHAIN_PLACE = {"entity_id", "seq", "prev_hash"}


def draft(**changes: object) -> audit.EventDraft:
    base = audit.EventDraft(
        entity_type="skp",
        instansi_id=3,
        at=NOW,
        actor="user:a",
        role="admin",
        trigger="draft",
        from_state=None,
        to_state="drafted",
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def test_the_draft_and_its_chain_place_are_the_hashed_fields() -> None:
    assert {f.name for f in fields(audit.EventDraft)} | CHAIN_PLACE == set(audit.HASHED)
    row = draft().row(7, 1, audit.GENESIS)
    assert list(row) == [*audit.HASHED, "hash"]
    assert row["hash"] == audit.event_hash(row)


def test_the_stored_and_the_answered_event_are_the_hashed_fields_in_hash_order() -> None:
    """One shape: the table's columns, `GET /audit`'s `EventOut` and the hash spell the same fields."""
    assert tuple(AuditEventFields.model_fields) == audit.HASHED
    assert tuple(EventOut.model_fields) == (*audit.HASHED, "id", "hash")


@pytest.mark.parametrize(
    "changed",
    [
        {},
        {"note": "catatan"},
        {"instansi_id": None},
        {"payload_digest": audit.digest({"cycle_id": 1})},
        {"from_state": "drafted", "to_state": "submitted"},
    ],
)
def test_a_batch_hashes_as_each_row_alone(changed: dict[str, object]) -> None:
    d = draft(**changed)
    assert d.rows([1, 20, 300], 2, "a" * 64) == [d.row(i, 2, "a" * 64) for i in (1, 20, 300)]
    links = [(1, 2, "a" * 64), (20, 7, "b" * 64), (300, 1, audit.GENESIS)]
    assert d.linked(links) == [d.row(*link) for link in links]


def test_moving_and_payload_change_only_their_fields() -> None:
    d = draft()
    moved = d.moving("drafted", "submitted").with_payload({"x": 1})
    assert (moved.from_state, moved.to_state, moved.payload_digest) == ("drafted", "submitted", audit.digest({"x": 1}))
    assert (moved.entity_type, moved.actor, moved.trigger) == (d.entity_type, d.actor, d.trigger)
