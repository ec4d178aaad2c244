"""The engine writes one audit event per change or nothing; verification names altered, deleted, inserted events."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest
from sqlalchemy import Engine, delete, func, insert, select, update
from sqlmodel import col

from states.cycle import CYCLE, CycleFacts
from states.errors import GuardFailed, NotPermitted, StaleVersion, TransitionNotAllowed
from states.roles import Role
from tests.integration.org import small_org
from workflows import audit, engine
from workflows.actors import Actor
from workflows.cases.org.imports import import_org
from workflows.store.tables import AuditEvent, Cycle
from workflows.store.uow import unit_of_work

ROOT = Actor.admin("root")
PINNED = CycleFacts(policy_pinned=True)


def make_cycle(db: Engine, now: datetime) -> int:
    with unit_of_work(db) as s:
        result = import_org(s, small_org(), actor=ROOT, now=now)
        cycle = Cycle(instansi_id=result.instansi_id, year=2026, name="SKP 2026", created_at=now)
        engine.record(s, cycle, "create", actor=ROOT, role="admin", now=now, created=True)
        assert cycle.id is not None
        return cycle.id


def fire_cycle(
    db: Engine, cycle_id: int, trigger: str, now: datetime, *, facts: CycleFacts = PINNED, expected: int | None = None
) -> None:
    with unit_of_work(db) as s:
        cycle = s.get(Cycle, cycle_id)
        engine.fire(
            s, CYCLE, cycle, trigger, actor=ROOT, roles={Role.ADMIN}, facts=facts, now=now, expected_version=expected
        )


def events(db: Engine) -> list[AuditEvent]:
    with unit_of_work(db) as s:
        return list(s.scalars(select(AuditEvent).order_by(col(AuditEvent.id))))


def test_each_transition_writes_one_chained_event(db: Engine, now: datetime) -> None:
    cycle_id = make_cycle(db, now)
    for i, trigger in enumerate(["open", "start_monitoring", "start_assessment"]):
        fire_cycle(db, cycle_id, trigger, now + timedelta(days=i))
    chain = [e for e in events(db) if e.entity_type == "cycle"]
    assert [(e.seq, e.trigger, e.from_state, e.to_state) for e in chain] == [
        (1, "create", None, "planning"),
        (2, "open", "planning", "drafting"),
        (3, "start_monitoring", "drafting", "monitoring"),
        (4, "start_assessment", "monitoring", "assessing"),
    ]
    assert all(e.prev_hash == p.hash for p, e in pairwise(chain))
    with unit_of_work(db) as s:
        cycle = s.get(Cycle, cycle_id)
        assert cycle is not None and (cycle.state, cycle.version) == ("assessing", 4)
        assert audit.verify(s).ok


@pytest.mark.parametrize(
    ("trigger", "facts", "roles", "error"),
    [
        ("open", CycleFacts(policy_pinned=False), {Role.ADMIN}, GuardFailed),
        ("close", PINNED, {Role.ADMIN}, TransitionNotAllowed),
        ("open", PINNED, {Role.PEGAWAI}, NotPermitted),
    ],
)
def test_a_refusal_changes_nothing_and_writes_no_event(
    db: Engine, now: datetime, trigger: str, facts: CycleFacts, roles: set[Role], error: type[Exception]
) -> None:
    cycle_id = make_cycle(db, now)
    before = events(db)
    with pytest.raises(error), unit_of_work(db) as s:
        cycle = s.get(Cycle, cycle_id)
        engine.fire(s, CYCLE, cycle, trigger, actor=ROOT, roles=roles, facts=facts, now=now)
    assert [e.id for e in events(db)] == [e.id for e in before]
    with unit_of_work(db) as s:
        cycle = s.get(Cycle, cycle_id)
        assert cycle is not None and (cycle.state, cycle.version) == ("planning", 1)


def test_a_stale_if_match_is_refused(db: Engine, now: datetime) -> None:
    cycle_id = make_cycle(db, now)
    fire_cycle(db, cycle_id, "open", now)
    with pytest.raises(StaleVersion) as stale:
        fire_cycle(db, cycle_id, "start_monitoring", now, expected=1)
    assert (stale.value.expected, stale.value.actual, stale.value.allowed) == (1, 2, ["start_monitoring"])


def test_a_savepoint_links_to_what_its_transaction_knows_and_a_rolled_back_one_is_forgotten(
    db: Engine, now: datetime
) -> None:
    """Chain heads are remembered per transaction: a savepoint extends a chain its enclosing transaction appended
    to, and after a savepoint is rolled back the next event links to the head before it, not to the lost event."""
    cycle_id = make_cycle(db, now)
    with unit_of_work(db) as s:
        cycle = s.get_one(Cycle, cycle_id)
        engine.fire(s, CYCLE, cycle, "open", actor=ROOT, roles={Role.ADMIN}, facts=PINNED, now=now)
        with s.begin_nested():
            engine.fire(s, CYCLE, cycle, "start_monitoring", actor=ROOT, roles={Role.ADMIN}, facts=PINNED, now=now)
        savepoint = s.begin_nested()
        engine.fire(s, CYCLE, cycle, "start_assessment", actor=ROOT, roles={Role.ADMIN}, facts=PINNED, now=now)
        savepoint.rollback()
        assert (cycle.state, cycle.version) == ("monitoring", 3)  # the rollback expired and re-read the row
        engine.fire(s, CYCLE, cycle, "start_assessment", actor=ROOT, roles={Role.ADMIN}, facts=PINNED, now=now)
    chain = [e for e in events(db) if e.entity_type == "cycle"]
    assert [(e.seq, e.trigger) for e in chain] == [
        (1, "create"),
        (2, "open"),
        (3, "start_monitoring"),
        (4, "start_assessment"),
    ]
    assert all(e.prev_hash == p.hash for p, e in pairwise(chain))
    with unit_of_work(db) as s:
        assert audit.verify(s).ok


def test_record_writes_the_changes_made_to_the_row_with_its_version(db: Engine, now: datetime) -> None:
    cycle_id = make_cycle(db, now)
    with unit_of_work(db) as s:
        cycle = s.get_one(Cycle, cycle_id)
        cycle.name = "SKP 2026 (revisi)"
        engine.record(s, cycle, "rename", actor=ROOT, role="admin", now=now)
    with unit_of_work(db) as s:
        cycle = s.get_one(Cycle, cycle_id)
        assert (cycle.name, cycle.version) == ("SKP 2026 (revisi)", 2)
        assert audit.verify(s).ok


# --- tampering ----------------------------------------------------------------------------------------------


def tampered(db: Engine, now: datetime, how: str) -> audit.Verification:
    cycle_id = make_cycle(db, now)
    for trigger in ["open", "start_monitoring", "start_assessment"]:
        fire_cycle(db, cycle_id, trigger, now)
    with db.begin() as conn:
        chain = conn.execute(
            select(AuditEvent.__table__).where(col(AuditEvent.entity_type) == "cycle").order_by(col(AuditEvent.seq))  # type: ignore[attr-defined]
        ).all()
        target = chain[1]  # the 'open' event
        if how == "alter":
            conn.execute(update(AuditEvent).where(col(AuditEvent.id) == target.id).values(note="tampered"))
        elif how == "delete-middle":
            conn.execute(delete(AuditEvent).where(col(AuditEvent.id) == target.id))
        elif how == "delete-tail":
            conn.execute(delete(AuditEvent).where(col(AuditEvent.id) == chain[-1].id))
        elif how == "insert-tail":
            forged = audit.new_event(
                entity_type="cycle",
                entity_id=cycle_id,
                seq=5,
                instansi_id=chain[-1].instansi_id,
                prev_hash=chain[-1].hash,
                at=now,
                actor="user:root",
                role="admin",
                trigger="close",
                from_state="assessing",
                to_state="closed",
            )
            conn.execute(insert(AuditEvent), [forged])
        elif how == "rewrite-state":
            conn.execute(update(Cycle).where(col(Cycle.id) == cycle_id).values(state="closed"))
    with unit_of_work(db) as s:
        return audit.verify(s)


@pytest.mark.parametrize(
    ("how", "reason"),
    [
        ("alter", "content does not match its hash"),
        ("delete-middle", "event #2 before it is missing"),
        ("delete-tail", "chain has no event #4"),
        ("insert-tail", "beyond the entity's version 4"),
        ("rewrite-state", "chain ends in 'assessing', entity is in 'closed'"),
    ],
)
def test_verification_names_the_first_bad_event(db: Engine, now: datetime, how: str, reason: str) -> None:
    result = tampered(db, now, how)
    assert not result.ok
    assert result.first_bad is not None
    assert result.first_bad.entity_type == "cycle"
    assert reason in result.first_bad.reason, [str(p) for p in result.problems]


# --- concurrency --------------------------------------------------------------------------------------------


def test_two_sessions_firing_on_the_same_version_exactly_one_wins(db: Engine, now: datetime) -> None:
    cycle_id = make_cycle(db, now)
    barrier, outcomes = threading.Barrier(2), []

    def contender(trigger: str) -> None:
        try:
            with unit_of_work(db) as s:
                cycle = s.get(Cycle, cycle_id)
                barrier.wait(timeout=10)  # both have read version 1
                engine.fire(s, CYCLE, cycle, trigger, actor=ROOT, roles={Role.ADMIN}, facts=PINNED, now=now)
            outcomes.append("ok")
        except StaleVersion:
            outcomes.append("stale")
        except Exception as exc:  # any other outcome is a failure of the test, reported below
            outcomes.append(repr(exc))

    if db.dialect.name == "sqlite":
        pytest.skip("SQLite serialises writers with BEGIN IMMEDIATE; the race is a PostgreSQL matter")
    threads = [threading.Thread(target=contender, args=("open",)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["ok", "stale"]
    with unit_of_work(db) as s:
        assert s.scalar(select(func.count()).where(col(AuditEvent.entity_type) == "cycle")) == 2
        assert audit.verify(s).ok


@pytest.mark.parametrize(
    ("entity_ids", "note", "actor"),
    [
        ([1, 2, 10**12], None, "admin:root"),
        ([7], 'kutip "ini" \\ dan\nbaris', "pegawai:Ñoño ✓"),
        ([], None, "system"),
    ],
)
def test_a_batch_of_events_hashes_as_each_event_alone(
    now: datetime, entity_ids: list[int], note: str | None, actor: str
) -> None:
    shared: dict[str, Any] = {
        "entity_type": "skp",
        "seq": 1,
        "instansi_id": None if note else 3,
        "prev_hash": audit.GENESIS,
        "at": now,
        "actor": actor,
        "role": "admin",
        "trigger": "draft",
        "from_state": None,
        "to_state": "drafted",
        "note": note,
        "payload_digest": audit.digest({"cycle_id": 1}),
    }
    batch = audit.new_events(entity_ids=entity_ids, **shared)
    assert batch == [audit.new_event(entity_id=i, **shared) for i in entity_ids]
    assert all(e["hash"] == audit.event_hash(e) for e in batch)
    with pytest.raises(TypeError):
        audit.new_events(entity_ids=[True], **shared)
