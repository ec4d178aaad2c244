"""Mutasi as HR records it (by NIP, with its SK and effective day), and the reassignment of open steps when a
pegawai's atasan changes: the old penilai's pending work moves to the new one, audited as `reassigned`."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlmodel import col

from states.errors import InvalidInput, NotFound, NotPermitted
from tests.integration.org import KABID, KABID2, KADIS, STAF1, STAF2, small_org
from tests.integration.scenario import ROOT, event_count, monitored_cycle, open_cycle
from workflows import audit
from workflows.actors import Actor
from workflows.cases.mutasi import MutasiIn, mutasi_pegawai
from workflows.cases.org.imports import import_org
from workflows.store.tables import AuditEvent, Pegawai, Skp
from workflows.store.uow import reading, unit_of_work

SK = "SK Bupati 821/45/2026"


def _pid(db: Engine, nip: str) -> int:
    with reading(db) as s:
        pid = s.scalar(select(col(Pegawai.id)).where(col(Pegawai.nip) == nip))
    assert pid is not None
    return pid


def test_a_mutasi_in_july_closes_the_old_skp_and_drafts_a_new_one(db: Engine, now: datetime) -> None:
    cast = monitored_cycle(db, now)
    july = now + timedelta(days=180)
    effective = date(2026, 7, 1)
    inp = MutasiIn(unit="DINKES-YANKES", effective=effective, jabatan="Epidemiolog Ahli Muda", sk_number=SK)
    with unit_of_work(db) as s:
        moved = mutasi_pegawai(s, STAF1, inp, actor=ROOT, now=july)
    assert (moved.from_unit, moved.to_unit, moved.penilai_nip, moved.moved_skp_id) == (
        "DINKES-P2P",
        "DINKES-YANKES",
        KABID2,
        None,
    )
    assert moved.closed_skp_id == cast.skps[STAF1] and moved.new_skp_id is not None
    with reading(db) as s:
        old, new = s.get_one(Skp, moved.closed_skp_id), s.get_one(Skp, moved.new_skp_id)
        assert (old.state, old.closing_reason, old.penilai_id) == ("monitored", SK, cast.actors[KABID].pegawai_id)
        assert (new.state, new.periode_awal, new.penilai_id) == ("drafted", effective, cast.actors[KABID2].pegawai_id)
        assert new.jabatan_name == "Epidemiolog Ahli Muda"
        event = s.scalars(
            select(AuditEvent).where(col(AuditEvent.trigger) == "mutasi").order_by(col(AuditEvent.id).desc())
        ).first()
        assert event is not None and event.entity_type == "instansi"
        assert event.note == f"mutasi Dewi Epidemiolog ({STAF1}): DINKES-P2P → DINKES-YANKES mulai 2026-07-01; {SK}"
        assert audit.verify(s).ok


def test_the_old_penilais_pending_agreement_moves_to_the_new_penilai(db: Engine, now: datetime) -> None:
    """The import names a new head of Bidang P2P while the SKPs wait for agreement: STAF1's plan is now the new
    head's to agree, and the SKP's chain says so with both names."""
    open_cycle(db, now)
    units = [u.model_dump() for u in small_org().units]
    for u in units:
        if u["code"] == "DINKES-P2P":
            u["head_nip"] = STAF2
    later = now + timedelta(days=3)
    with unit_of_work(db) as s:
        import_org(s, small_org(units=units), actor=ROOT, now=later)
    staf1, staf2, kabid, kadis = (_pid(db, n) for n in (STAF1, STAF2, KABID, KADIS))
    with reading(db) as s:
        skp = s.scalars(select(Skp).where(col(Skp.pegawai_id) == staf1)).one()
        assert (skp.state, skp.penilai_id, skp.atasan_penilai_id) == ("drafted", staf2, kadis)
        event = s.scalars(
            select(AuditEvent).where(
                col(AuditEvent.entity_type) == "skp",
                col(AuditEvent.entity_id) == skp.id,
                col(AuditEvent.trigger) == "reassigned",
            )
        ).one()
        assert event.note is not None
        assert event.note.startswith(f"pejabat penilai: Budi Kabid, S.KM ({KABID}) → Joko Pengadministrasi ({STAF2}); ")
        # the new head no longer waits on themself; the old head is rated by the new one
        own = s.scalars(select(Skp).where(col(Skp.pegawai_id) == kabid)).one()
        assert own.penilai_id == staf2
        assert audit.verify(s).ok


def test_a_mutasi_moves_an_skp_still_being_planned_to_the_new_penilai(db: Engine, now: datetime) -> None:
    open_cycle(db, now)
    staf1, kabid2, kadis = (_pid(db, n) for n in (STAF1, KABID2, KADIS))
    with unit_of_work(db) as s:
        moved = mutasi_pegawai(
            s, STAF1, MutasiIn(unit="DINKES-YANKES", effective=date(2026, 1, 20), sk_number=SK), actor=ROOT, now=now
        )
    assert moved.closed_skp_id is None and moved.new_skp_id is None and moved.moved_skp_id is not None
    with reading(db) as s:
        skp = s.get_one(Skp, moved.moved_skp_id)
        assert (skp.pegawai_id, skp.penilai_id, skp.atasan_penilai_id, skp.state) == (staf1, kabid2, kadis, "drafted")
        triggers = s.scalars(
            select(col(AuditEvent.trigger)).where(
                col(AuditEvent.entity_type) == "skp", col(AuditEvent.entity_id) == skp.id
            )
        ).all()
        assert triggers[-1] == "reassigned"


@pytest.mark.parametrize(
    ("actor", "inp", "error", "message"),
    [
        (Actor.pegawai(1, KABID), MutasiIn("DINKES-YANKES", date(2026, 7, 1)), NotPermitted, "admin"),
        (Actor.admin("lain", frozenset({999})), MutasiIn("DINKES-YANKES", date(2026, 7, 1)), NotFound, "pegawai"),
        (ROOT, MutasiIn("NOWHERE", date(2026, 7, 1)), InvalidInput, "no unit 'NOWHERE'"),
        (ROOT, MutasiIn("DINKES-P2P", date(2026, 7, 1)), InvalidInput, "already"),
        (ROOT, MutasiIn("DINKES-YANKES", date(2026, 7, 1), atasan_nip="199999999999999999"), InvalidInput, "atasan"),
        (ROOT, MutasiIn("DINKES-YANKES", date(2026, 7, 1), atasan_nip=STAF1), InvalidInput, "own atasan"),
        (ROOT, MutasiIn("DINKES-YANKES", date(2027, 2, 1)), InvalidInput, "effective"),
        (ROOT, MutasiIn("DINKES-YANKES", date(2026, 7, 1), jabatan=" "), InvalidInput, "jabatan"),
    ],
)
def test_bad_mutasi_input_is_refused_and_changes_nothing(
    db: Engine, now: datetime, actor: Actor, inp: MutasiIn, error: type[Exception], message: str
) -> None:
    open_cycle(db, now)
    before = event_count(db)
    with unit_of_work(db) as s, pytest.raises(error, match=message):
        mutasi_pegawai(s, STAF1, inp, actor=actor, now=now)
    assert event_count(db) == before
    with reading(db) as s:
        assert s.scalars(select(Pegawai).where(col(Pegawai.nip) == STAF1)).one().atasan_id == _pid(db, KABID)
