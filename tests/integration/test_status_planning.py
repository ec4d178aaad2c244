"""A status that begins while the SKPs are still being planned, on both databases: the SKP not yet agreed is
withdrawn for the months served, the agreement ladder sends nothing more for it (nothing waits on a pegawai who is
away), and its audit trail says why; a status still ahead withdraws nothing until its first day."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from sqlmodel import col

from policies.status import StatusIn
from states.enums import PegawaiStatus
from states.errors import GuardFailed, NotPermitted
from states.lifecycle import TriggerInput
from tests.integration.org import STAF1, STAF2
from tests.integration.scenario import ROOT, open_cycle
from workflows import audit
from workflows.cases import cycles, skps
from workflows.cases.status import set_status, withdraw_absent
from workflows.flows.sweep import enforce_deadlines
from workflows.store.tables import AuditEvent, DeadlineStep, Outbox, Pegawai, Skp
from workflows.store.uow import reading, unit_of_work

WITA = ZoneInfo("Asia/Makassar")
TB, CLTN = PegawaiStatus.TUGAS_BELAJAR, PegawaiStatus.CLTN
SK = "SK Bupati 800/3/BKPSDM/2026"


def sessions(db: Engine) -> Session:
    return Session(db, expire_on_commit=False)


def at(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 8, tzinfo=WITA)


def _skp_of(s: Session, nip: str) -> Skp:
    pid = s.scalar(select(col(Pegawai.id)).where(col(Pegawai.nip) == nip))
    return s.scalars(select(Skp).where(col(Skp.pegawai_id) == pid).order_by(col(Skp.id))).one()


def _steps(s: Session, skp_id: int) -> list[int]:
    return list(
        s.scalars(
            select(col(DeadlineStep.step_index))
            .where(col(DeadlineStep.entity_type) == "skp", col(DeadlineStep.entity_id) == skp_id)
            .order_by(col(DeadlineStep.step_index))
        )
    )


def _mail_about(s: Session, skp_id: int) -> int:
    return len(s.scalars(select(Outbox).where(col(Outbox.dedupe_key).contains(f":skp:{skp_id}:"))).all())


def test_a_status_beginning_during_planning_withdraws_the_skp_and_the_ladder_stops(db: Engine, now: datetime) -> None:
    cycle_id = open_cycle(db, now)
    with unit_of_work(db) as s:
        done = set_status(s, STAF1, StatusIn(TB, date(2026, 1, 12), None, SK, "S2"), actor=ROOT, now=at(1, 12))
    with reading(db) as s:
        skp, other = _skp_of(s, STAF1), _skp_of(s, STAF2)
        assert done.withdrawn_skp_ids == [skp.id]
        assert (skp.state, skp.periode_awal, skp.periode_akhir) == ("withdrawn", date(2026, 1, 1), date(2026, 1, 11))
        assert skp.closing_reason == "tugas belajar mulai 2026-01-12"
        trail = s.scalars(
            select(AuditEvent)
            .where(col(AuditEvent.entity_type) == "skp", col(AuditEvent.entity_id) == skp.id)
            .order_by(col(AuditEvent.seq))
        ).all()
        assert [(e.trigger, e.to_state) for e in trail][-2:] == [
            ("close_for_status", "drafted"),
            ("withdraw", "withdrawn"),
        ]
        assert trail[-1].actor == ROOT.ref and trail[-1].role == "system"
        assert (
            trail[-1].note
            == "SKP ditarik: tugas belajar mulai 2026-01-12; belum disepakati, pegawai tidak dalam siklus"
        )
        assert audit.verify(s).ok

    # the whole agreement ladder, reminders to HR drafting: every step for the colleague, none for the absent
    for day in (at(1, 17), at(1, 28), at(1, 31), at(2, 4), at(2, 9)):
        report = enforce_deadlines(lambda: sessions(db), as_of=day)
    assert report.by_key["skp_agreement"].pending == 5  # the six drafted, less the withdrawn
    with reading(db) as s:
        assert _steps(s, skp.id or 0) == [] and _mail_about(s, skp.id or 0) == 0
        assert _steps(s, other.id or 0) == [0, 1, 2, 3, 4]
        # nobody can bring it back to planning by hand: the system withdraws, and only for a status
        with pytest.raises((NotPermitted, GuardFailed)):
            skps.fire(s, other.id or 0, "withdraw", actor=ROOT, now=at(2, 7), inp=TriggerInput(note="x"))
    with unit_of_work(db) as s:  # the same record again changes nothing
        again = set_status(s, STAF1, StatusIn(TB, date(2026, 1, 12), None, SK, "S2"), actor=ROOT, now=at(2, 8))
    assert (again.closed_skp_ids, again.withdrawn_skp_ids, again.new_skp_ids) == ([], [], [])
    with reading(db) as s:
        assert cycles.get(s, cycle_id, ROOT).state == "drafting"


def test_a_status_ahead_waits_for_its_first_day_then_the_sweep_withdraws(db: Engine, now: datetime) -> None:
    open_cycle(db, now)
    with unit_of_work(db) as s:  # recorded on 5 January, CLTN from 20 January: STAF1 may still plan the days served
        done = set_status(s, STAF1, StatusIn(CLTN, date(2026, 1, 20), None, SK), actor=ROOT, now=now)
    with reading(db) as s:
        skp = _skp_of(s, STAF1)
    assert (done.closed_skp_ids, done.withdrawn_skp_ids) == ([skp.id], [])
    assert (skp.state, skp.periode_akhir) == ("drafted", date(2026, 1, 19))
    enforce_deadlines(lambda: sessions(db), as_of=at(1, 18))  # the first reminder reaches a pegawai still here
    with reading(db) as s:
        assert _steps(s, skp.id or 0) == [0]
    with unit_of_work(db) as s:
        assert withdraw_absent(s, now=at(1, 19) - timedelta(hours=1)) == []  # not yet
    with unit_of_work(db) as s:
        assert withdraw_absent(s, now=at(1, 20)) == [skp.id]
    with unit_of_work(db) as s:
        assert withdraw_absent(s, now=at(1, 21)) == []  # idempotent
    for day in (at(1, 28), at(1, 31), at(2, 7)):
        enforce_deadlines(lambda: sessions(db), as_of=day)
    with reading(db) as s:
        assert _steps(s, skp.id or 0) == [0]
        gone = s.get_one(Skp, skp.id)
        assert (gone.state, gone.periode_akhir) == ("withdrawn", date(2026, 1, 19))
        last = s.scalars(
            select(AuditEvent)
            .where(col(AuditEvent.entity_type) == "skp", col(AuditEvent.entity_id) == skp.id)
            .order_by(col(AuditEvent.seq).desc())
        ).first()
        assert last is not None and (last.trigger, last.actor) == ("withdraw", "system:withdraw-absent")
        assert audit.verify(s).ok
