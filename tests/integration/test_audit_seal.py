"""Seals anchor the audit chains: a chain rewritten consistently, row and events together, passes the chain
checks but not the seal; a seal altered, removed or re-made without the key is found too."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, func, insert, select, update
from sqlalchemy.orm import Session
from sqlmodel import col
from typer.testing import CliRunner

from api.cli import app
from states.errors import InvalidInput
from tests.integration.test_audit import fire_cycle, make_cycle
from workflows import audit
from workflows.audit import seal as audit_seal
from workflows.store.db import make_engine, upgrade
from workflows.store.settings import get_settings
from workflows.store.tables import AuditEvent, AuditSeal, Cycle
from workflows.store.uow import unit_of_work

KEY = b"kept-off-the-database-server"


def _verify(db: Engine, key: bytes | None = None) -> audit.Verification:
    with unit_of_work(db) as s:
        return audit.verify(s, seals=audit.SealChecks(key=key))


def _cycle_with_history(db: Engine, now: datetime) -> int:
    cycle_id = make_cycle(db, now)
    for i, trigger in enumerate(["open", "start_monitoring", "start_assessment"]):
        fire_cycle(db, cycle_id, trigger, now + timedelta(days=i + 1))
    return cycle_id


def _newest_event(s: Session, cycle_id: int) -> AuditEvent:
    return s.scalars(
        select(AuditEvent)
        .where(col(AuditEvent.entity_type) == "cycle", col(AuditEvent.entity_id) == cycle_id)
        .order_by(col(AuditEvent.seq).desc())
        .limit(1)
    ).one()


def _rewrite_newest_consistently(db: Engine, cycle_id: int) -> None:
    """What someone with write access to the database could do: edit the newest event and re-hash it."""
    with unit_of_work(db) as s:
        newest = _newest_event(s, cycle_id)
        fields = {c: getattr(newest, c) for c in audit.HASHED} | {"actor": "user:someone-else"}
        s.execute(
            update(AuditEvent)
            .where(col(AuditEvent.id) == newest.id)
            .values(actor="user:someone-else", hash=audit.event_hash(fields))
        )


def _drop_newest_consistently(db: Engine, cycle_id: int) -> None:
    """Delete the newest event and put the row back to the state before it: every chain check still holds."""
    with unit_of_work(db) as s:
        newest = _newest_event(s, cycle_id)
        s.execute(delete(AuditEvent).where(col(AuditEvent.id) == newest.id))
        s.execute(
            update(Cycle)
            .where(col(Cycle.id) == cycle_id)
            .values(state=newest.from_state, version=newest.seq - 1)
            .execution_options(synchronize_session=False)
        )


@pytest.mark.parametrize("tamper", [_rewrite_newest_consistently, _drop_newest_consistently])
def test_a_consistent_rewrite_passes_the_chains_but_not_the_seal(db: Engine, now: datetime, tamper: object) -> None:
    cycle_id = _cycle_with_history(db, now)
    made = audit_seal.seal(db, now=now + timedelta(days=10), by="user:root", key=None)
    assert made.chains >= 2 and made.events == _verify(db).checked
    assert _verify(db).ok

    tamper(db, cycle_id)  # type: ignore[operator]

    result = _verify(db)
    assert not result.ok
    # the chain checks find nothing: only the seal does
    assert [(p.entity_type, p.entity_id) for p in result.problems] == [("seal", made.id)]
    assert "history was rewritten" in result.problems[0].reason


def test_events_after_the_seal_do_not_disturb_it(db: Engine, now: datetime) -> None:
    cycle_id = make_cycle(db, now)
    first = audit_seal.seal(db, now=now, by="system", key=KEY)
    fire_cycle(db, cycle_id, "open", now + timedelta(days=1))
    fire_cycle(db, cycle_id, "start_monitoring", now + timedelta(days=2))
    assert _verify(db, KEY).ok
    second = audit_seal.seal(db, now=now + timedelta(days=3), by="system", key=KEY)
    assert second.prev_mac == first.mac and second.watermark > first.watermark and second.events > first.events
    assert _verify(db, KEY).ok
    unchecked = _verify(db)  # a process without the key cannot vouch for keyed seals, and says so
    assert [p.reason for p in unchecked.problems] == ["keyed seals, and no SKPFLOW_AUDIT_SEAL_KEY to check"]


def test_an_altered_removed_or_rekeyed_seal_is_found(db: Engine, now: datetime) -> None:
    cycle_id = make_cycle(db, now)
    seals = []
    for day in range(3):
        fire_cycle(db, cycle_id, ["open", "start_monitoring", "start_assessment"][day], now + timedelta(days=day + 1))
        seals.append(audit_seal.seal(db, now=now + timedelta(days=day + 1, hours=1), by="system", key=KEY))
    assert _verify(db, KEY).ok

    with unit_of_work(db) as s:  # re-made without the key: the attacker's root and an unkeyed mac
        s.execute(update(AuditSeal).where(col(AuditSeal.id) == seals[0].id).values(root="f" * 64))
    reasons = [p.reason for p in _verify(db, KEY).problems]
    assert any("mac does not match" in r for r in reasons)
    assert not _verify(db, b"another key").ok
    assert any("mac does not match" in p.reason for p in _verify(db, b"another key").problems)

    with unit_of_work(db) as s:
        s.execute(delete(AuditSeal).where(col(AuditSeal.id) == seals[1].id))
    assert any("does not link" in p.reason for p in _verify(db, KEY).problems)


def test_a_seal_of_an_empty_trail(db: Engine, now: datetime) -> None:
    made = audit_seal.seal(db, now=now, by="cli", key=None)
    assert (made.watermark, made.chains, made.events) == (0, 0, 0)
    assert _verify(db).ok


def test_seal_and_verify_from_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, now: datetime) -> None:
    url = f"sqlite:///{tmp_path}/skpflow.db"
    monkeypatch.setenv("SKPFLOW_DATABASE_URL", url)
    monkeypatch.setenv("SKPFLOW_AUDIT_SEAL_KEY", KEY.decode())
    get_settings.cache_clear()
    try:
        db = make_engine(url)
        upgrade(db)
        make_cycle(db, now)
        sealed = CliRunner().invoke(app, ["audit", "seal"])
        assert sealed.exit_code == 0, sealed.output
        with unit_of_work(db) as s:
            row = s.scalars(select(AuditSeal)).one()
        assert row.keyed and row.root in sealed.output and "HMAC-SHA256" in sealed.output
        assert CliRunner().invoke(app, ["audit", "verify"]).exit_code == 0
        _rewrite_newest_consistently(db, 1)
        broken = CliRunner().invoke(app, ["audit", "verify"])
        assert broken.exit_code == 1 and "history was rewritten" in broken.output
        db.dispose()
    finally:
        get_settings.cache_clear()


def test_a_writer_in_flight_is_inside_the_seal_or_after_it(db: Engine, now: datetime) -> None:
    """The seal waits for transactions that have written events, so its watermark never skips a late commit."""
    if db.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers with BEGIN IMMEDIATE; the in-flight writer is a PostgreSQL matter")
    cycle_id = make_cycle(db, now)
    sealed: list[AuditSeal] = []
    with db.connect() as writer:
        tx = writer.begin()
        event = audit.new_event(
            entity_type="cycle",
            entity_id=cycle_id,
            seq=2,
            instansi_id=None,
            prev_hash="0" * 64,
            at=now,
            actor="system",
            role="system",
            trigger="probe",
            from_state=None,
            to_state=None,
        )
        in_flight = writer.execute(insert(AuditEvent).values(**event).returning(col(AuditEvent.id))).scalar_one()
        thread = threading.Thread(target=lambda: sealed.append(audit_seal.seal(db, now=now, by="system", key=None)))
        thread.start()
        thread.join(timeout=1.0)
        assert thread.is_alive(), "the seal read its watermark while a writer had uncommitted events"
        tx.commit()
        thread.join(timeout=30)
    assert sealed and in_flight is not None and sealed[0].watermark >= in_flight
    with unit_of_work(db) as s:
        assert sealed[0].events == s.scalar(select(func.count()).select_from(AuditEvent))


def test_a_seal_made_without_the_key_after_keyed_ones_is_a_downgrade(db: Engine, now: datetime) -> None:
    """Whoever writes the database can rewrite history and append an unkeyed seal over it, not a keyed one."""
    cycle_id = _cycle_with_history(db, now)
    keyed = audit_seal.seal(db, now=now + timedelta(days=5), by="system", key=KEY)
    with pytest.raises(InvalidInput):  # the service itself refuses to seal a keyed trail without the key
        audit_seal.seal(db, now=now + timedelta(days=6), by="cli", key=None)
    _rewrite_newest_consistently(db, cycle_id)
    fire_cycle(db, cycle_id, "start_follow_up", now + timedelta(days=7))
    with unit_of_work(db) as s:  # the forger's seal: the rewritten history's root, an unkeyed mac
        root = audit_seal.root_at(s, 10**9)
        watermark = s.scalar(select(func.max(col(AuditEvent.id))))
        values: dict[str, object] = {
            "sealed_at": now + timedelta(days=8),
            "watermark": watermark,
            "chains": root.chains,
            "events": root.events,
            "root": root.root,
            "prev_mac": keyed.mac,
            "keyed": False,
        }
        s.add(AuditSeal(**values, sealed_by="system", mac=audit_seal.mac(values, None)))  # type: ignore[arg-type]
    reasons = [p.reason for p in _verify(db, KEY).problems]
    assert reasons == ["unkeyed after a keyed seal (made without the key)"]
    assert not _verify(db).ok


def test_seals_removed_from_the_end_are_found_by_age_or_by_the_published_mac(db: Engine, now: datetime) -> None:
    cycle_id = make_cycle(db, now)
    first = audit_seal.seal(db, now=now, by="system", key=None)
    fire_cycle(db, cycle_id, "open", now + timedelta(minutes=30))
    second = audit_seal.seal(db, now=now + timedelta(hours=1), by="system", key=None)
    fire_cycle(db, cycle_id, "start_monitoring", now + timedelta(minutes=90))
    at, hourly = now + timedelta(hours=2), timedelta(hours=2)
    with unit_of_work(db) as s:
        assert audit.verify(s, seals=audit.SealChecks(now=at, max_age=hourly, expect=second.mac)).ok
        assert audit.verify(s, seals=audit.SealChecks(now=at, max_age=hourly, expect=second.root)).ok
    with unit_of_work(db) as s:
        s.execute(delete(AuditSeal).where(col(AuditSeal.id) == second.id))
    with unit_of_work(db) as s:
        assert audit.verify(
            s, seals=audit.SealChecks(now=at, max_age=hourly)
        ).ok  # the first seal is young enough: only the published mac tells
        published = audit.verify(s, seals=audit.SealChecks(now=at, max_age=hourly, expect=second.mac))
        assert [p.reason for p in published.problems] == [f"no seal carries the published mac or root {second.mac}"]
        later = audit.verify(s, seals=audit.SealChecks(now=now + timedelta(hours=3), max_age=timedelta(hours=2)))
        assert [p.entity_id for p in later.problems] == [first.id]
        assert "later seals were removed, or the seal-audit workflow is not running" in later.problems[0].reason


def test_sealers_at_once_take_turns(db: Engine, now: datetime) -> None:
    """Two seals at the same moment (the schedule, the CLI, a pool worker catching up) never fork the chain."""
    make_cycle(db, now)
    audit_seal.seal(db, now=now, by="system", key=KEY)
    barrier = threading.Barrier(4)
    made: list[int] = []

    def sealer() -> None:
        barrier.wait()
        row = audit_seal.seal(db, now=now + timedelta(hours=1), by="system", key=KEY)
        assert row.id is not None
        made.append(row.id)

    threads = [threading.Thread(target=sealer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(made) == 4
    with unit_of_work(db) as s:
        links = s.execute(select(col(AuditSeal.prev_mac)).order_by(col(AuditSeal.id))).scalars().all()
    assert len(links) == len(set(links))  # no two seals chained to the same one
    assert _verify(db, KEY).ok
