"""Plt/Plh with an SK on both databases: while an SK runs its official rates those the head would rate; at its
beginning and end the open steps move (audited `reassigned` with both names), by HR's registration or by the daily
sweep; a Plt's duty is an RHK Tambahan of their own SKP; a refused SK changes nothing."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlmodel import col

from states.enums import ActingKind, JenisRhk
from states.errors import InvalidInput, NotFound, NotPermitted, SkpflowError, TransitionNotAllowed
from tests.integration.org import KABID, KABID2, KADIS, SEKDA, STAF1, STAF2, small_org
from tests.integration.scenario import ROOT, SYSTEM, event_count, monitored_cycle, open_cycle
from workflows import audit
from workflows.actors import Actor
from workflows.cases import acting, skps
from workflows.cases.org.imports import import_org
from workflows.store.tables import ActingAssignment, AuditEvent, Pegawai, Rhk, Skp
from workflows.store.uow import reading, unit_of_work

SK = "SK Bupati 800/12/2026"


def _ids(db: Engine) -> dict[str, int]:
    with reading(db) as s:
        return {nip: pid for pid, nip in s.execute(select(col(Pegawai.id), col(Pegawai.nip)))}


def _skp(db: Engine, nip: str) -> Skp:
    with reading(db) as s:
        return s.scalars(
            select(Skp).join(Pegawai, col(Pegawai.id) == col(Skp.pegawai_id)).where(col(Pegawai.nip) == nip)
        ).one()


def _penilai(db: Engine, *nips: str) -> list[int | None]:
    return [_skp(db, nip).penilai_id for nip in nips]


def _reassigned_notes(db: Engine, nip: str) -> list[str]:
    skp = _skp(db, nip)
    with reading(db) as s:
        return [
            n or ""
            for n in s.scalars(
                select(col(AuditEvent.note))
                .where(
                    col(AuditEvent.entity_type) == "skp",
                    col(AuditEvent.entity_id) == skp.id,
                    col(AuditEvent.trigger) == "reassigned",
                )
                .order_by(col(AuditEvent.id))
            )
        ]


def test_a_plh_during_the_heads_leave_rates_the_heads_staff_and_hands_back_at_the_end(
    db: Engine, now: datetime
) -> None:
    """Kabid P2P is on leave: Rina, head of Yankes (a definitive head in her own post), is Plh of P2P from today.
    The P2P staff's plans go to her at once; the daily sweep after the SK's last day hands them back."""
    open_cycle(db, now)
    ids = _ids(db)
    inp = acting.ActingIn(KABID2, ActingKind.PLH, date(2026, 1, 5), date(2026, 1, 20), SK)
    with unit_of_work(db) as s:
        done = acting.register(s, "DINKES-P2P", inp, actor=ROOT, now=now)
    assert (done.acting.state, done.reassigned, done.duties) == ("running", 2, 0)  # a Plh's duty: off by default
    assert _penilai(db, STAF1, STAF2) == [ids[KABID2], ids[KABID2]]
    assert _skp(db, STAF1).atasan_penilai_id == ids[KADIS]
    # the head on leave and the Plh keep their own penilai
    assert _penilai(db, KABID, KABID2) == [ids[KADIS], ids[KADIS]]
    assert _reassigned_notes(db, STAF1) == [
        f"pejabat penilai: Budi Kabid, S.KM ({KABID}) → Rina Kabid, S.Kep ({KABID2}); SK Plh {SK} (Bidang P2P) mulai"
    ]
    # the Plh may cascade and agree the plan now; the head on leave may still read it, as its unit's head
    staf1 = _skp(db, STAF1).id or 0
    with reading(db) as s:
        assert "cascade" in skps.get(s, staf1, Actor.pegawai(ids[KABID2], KABID2)).allowed_triggers
        assert "cascade" not in skps.get(s, staf1, Actor.pegawai(ids[KABID], KABID)).allowed_triggers

    with unit_of_work(db) as s:  # the 20th is still the Plh's (the last day is included)
        assert acting.apply_due(s, now=datetime(2026, 1, 20, 9, tzinfo=now.tzinfo), actor=SYSTEM) == acting.Applied()
    with unit_of_work(db) as s:
        ended = acting.apply_due(s, now=datetime(2026, 1, 21, 1, tzinfo=now.tzinfo), actor=SYSTEM)
    assert (ended.begun, ended.ended, ended.reassigned) == (0, 1, 2)
    assert _penilai(db, STAF1, STAF2) == [ids[KABID], ids[KABID]]
    assert _reassigned_notes(db, STAF1)[-1].startswith(
        f"pejabat penilai: Rina Kabid, S.Kep ({KABID2}) → Budi Kabid, S.KM ({KABID}); SK Plh {SK}"
    )
    with unit_of_work(db) as s:  # idempotent
        assert acting.apply_due(s, now=datetime(2026, 1, 22, tzinfo=now.tzinfo), actor=SYSTEM) == acting.Applied()
    with reading(db) as s:
        row = s.scalars(select(ActingAssignment)).one()
        triggers = s.scalars(
            select(col(AuditEvent.trigger))
            .where(col(AuditEvent.entity_type) == "acting", col(AuditEvent.entity_id) == row.id)
            .order_by(col(AuditEvent.seq))
        ).all()
        assert (row.state, triggers) == ("ended", ["register", "begin", "end"])
        assert audit.verify(s).ok


def test_a_plt_from_next_month_begins_in_the_sweep_and_its_duty_is_an_rhk_tambahan(db: Engine, now: datetime) -> None:
    """Kadis is also Plt of Yankes from 1 February: nothing moves at registration; the sweep on the first makes her
    the penilai of Yankes' head's staff and adds the acting duty to her own (monitored) SKP as an RHK Tambahan."""
    cast = monitored_cycle(db, now)
    ids = _ids(db)
    inp = acting.ActingIn(KADIS, ActingKind.PLT, date(2026, 2, 1), date(2026, 4, 30), SK, note="Kabid pensiun")
    with unit_of_work(db) as s:
        done = acting.register(s, "DINKES-YANKES", inp, actor=ROOT, now=now)
    assert (done.acting.state, done.reassigned) == ("scheduled", 0)
    # Yankes has no staff in the small organisation: its head Rina moves under... nobody changes yet
    before = _penilai(db, KABID2)
    with unit_of_work(db) as s:
        applied = acting.apply_due(s, now=datetime(2026, 1, 31, 15, 59, tzinfo=now.tzinfo), actor=SYSTEM)
    assert applied == acting.Applied()  # 23:59 in Makassar: still January there
    with unit_of_work(db) as s:
        applied = acting.apply_due(s, now=datetime(2026, 1, 31, 16, 0, tzinfo=now.tzinfo), actor=SYSTEM)
    assert (applied.begun, applied.duties) == (1, 1)
    assert _penilai(db, KABID2) == before  # the Plt of Yankes is Rina's own penilai already
    with reading(db) as s:
        duty = s.scalars(select(Rhk).where(col(Rhk.acting_id) == done.acting.id)).one()
        assert (duty.skp_id, duty.jenis) == (cast.skps[KADIS], JenisRhk.TAMBAHAN.value)
        assert duty.text.startswith("Melaksanakan tugas sebagai Pelaksana Tugas (Plt.) Kepala Bidang Pelayanan")
        kadis = s.get_one(Skp, cast.skps[KADIS])
        assert kadis.state == "monitored"
        trigger = s.scalar(
            select(col(AuditEvent.trigger))
            .where(col(AuditEvent.entity_type) == "skp", col(AuditEvent.entity_id) == kadis.id)
            .order_by(col(AuditEvent.seq).desc())
            .limit(1)
        )
        assert trigger == "acting_duty"
    with unit_of_work(db) as s:  # a second sweep adds nothing
        assert acting.apply_due(s, now=datetime(2026, 2, 2, tzinfo=now.tzinfo), actor=SYSTEM) == acting.Applied()
    assert ids[KADIS] is not None


def test_a_definitive_head_who_is_plt_of_a_vacant_unit_rates_its_staff_until_hr_ends_the_sk_early(
    db: Engine, now: datetime
) -> None:
    """Kabid P2P's post falls vacant (the import names no head): P2P staff go up to Kadis. Rina (head of Yankes) is
    Plt of P2P: they come to her, and her own SKP gets the duty. HR ends the SK early: they go back up to Kadis."""
    open_cycle(db, now)
    ids = _ids(db)
    units = [u.model_dump() for u in small_org().units]
    for u in units:
        if u["code"] == "DINKES-P2P":
            u["head_nip"] = None
    with unit_of_work(db) as s:
        import_org(s, small_org(units=units), actor=ROOT, now=now)
    assert _penilai(db, STAF1, STAF2, KABID) == [ids[KADIS], ids[KADIS], ids[KADIS]]
    inp = acting.ActingIn(KABID2, ActingKind.PLT, date(2026, 1, 1), date(2026, 6, 30), SK)
    with unit_of_work(db) as s:
        done = acting.register(s, "DINKES-P2P", inp, actor=ROOT, now=now)
    # the staff, and the former head still in the unit, come to the Plt; her own penilai stays Kadis
    assert (done.acting.state, done.reassigned, done.duties) == ("running", 3, 1)
    assert _penilai(db, STAF1, STAF2, KABID, KABID2) == [ids[KABID2], ids[KABID2], ids[KABID2], ids[KADIS]]
    # a re-import keeps the running SK's effect
    with unit_of_work(db) as s:
        import_org(s, small_org(units=units), actor=ROOT, now=now + timedelta(days=1))
    assert _penilai(db, STAF1) == [ids[KABID2]]

    later = now + timedelta(days=3)
    with unit_of_work(db) as s:
        amended = acting.amend(s, "DINKES-P2P", done.acting.id, date(2026, 1, 7), actor=ROOT, now=later)
    assert (amended.acting.state, amended.reassigned) == ("ended", 3)
    assert _penilai(db, STAF1, STAF2) == [ids[KADIS], ids[KADIS]]
    with unit_of_work(db) as s, pytest.raises(TransitionNotAllowed):
        acting.amend(s, "DINKES-P2P", done.acting.id, date(2026, 1, 9), actor=ROOT, now=later)
    with reading(db) as s:
        assert audit.verify(s).ok


@pytest.mark.parametrize(
    ("code", "inp", "actor", "error", "message"),
    [
        ("DINKES-P2P", acting.ActingIn("199999999999999999", ActingKind.PLT, date(2026, 2, 1), date(2026, 3, 1), SK),
         ROOT, InvalidInput, "no pegawai '199999999999999999'"),
        ("NOWHERE", acting.ActingIn(KABID2, ActingKind.PLT, date(2026, 2, 1), date(2026, 3, 1), SK),
         ROOT, NotFound, "NOWHERE"),
        ("DINKES-P2P", acting.ActingIn(KABID2, ActingKind.PLT, date(2026, 3, 1), date(2026, 2, 1), SK),
         ROOT, InvalidInput, "is before from"),
        ("DINKES-P2P", acting.ActingIn(KABID2, ActingKind.PLH, date(2026, 3, 10), date(2026, 4, 1), SK),
         ROOT, InvalidInput, "overlaps SK SK-LAMA"),
        ("DINKES-P2P", acting.ActingIn(KABID, ActingKind.PLT, date(2026, 5, 1), date(2026, 6, 1), SK),
         ROOT, InvalidInput, "is the head of DINKES-P2P already"),
        ("DINKES", acting.ActingIn(STAF1, ActingKind.PLT, date(2026, 5, 1), date(2026, 6, 1), SK),
         ROOT, InvalidInput, "would rate their own pejabat penilai"),
        ("DINKES-P2P", acting.ActingIn(KABID2, ActingKind.PLT, date(2026, 5, 1), date(2026, 6, 1), " "),
         ROOT, InvalidInput, "sk_number: required"),
        ("DINKES-P2P", acting.ActingIn(KABID2, ActingKind.PLT, date(2026, 5, 1), date(2026, 6, 1), SK),
         Actor.pegawai(1, SEKDA), NotPermitted, "admin"),
        ("DINKES-P2P", acting.ActingIn(KABID2, ActingKind.PLT, date(2026, 5, 1), date(2026, 6, 1), SK),
         Actor.admin("lain", frozenset({999})), NotFound, "DINKES-P2P"),
    ],
)  # fmt: skip
def test_a_refused_sk_names_the_problem_and_changes_nothing(
    db: Engine, now: datetime, code: str, inp: acting.ActingIn, actor: Actor, error: type[SkpflowError], message: str
) -> None:
    open_cycle(db, now)
    first = acting.ActingIn(KABID2, ActingKind.PLT, date(2026, 3, 1), date(2026, 3, 31), "SK-LAMA")
    with unit_of_work(db) as s:
        acting.register(s, "DINKES-P2P", first, actor=ROOT, now=now)
    before = event_count(db)
    with unit_of_work(db) as s, pytest.raises(error) as refused:
        acting.register(s, code, inp, actor=actor, now=now)
    assert message in str(refused.value) + " ".join(getattr(refused.value, "problems", []))
    assert event_count(db) == before
    with reading(db) as s:
        assert len(s.scalars(select(ActingAssignment)).all()) == 1
