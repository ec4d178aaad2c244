"""An SKP cycle through the use cases: open, plan, cascade, agree, monitor (batch), assess, follow up."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from states.enums import CapaianLevel, Rating
from states.errors import GuardFailed, InvalidInput, NotFound, NotPermitted
from states.lifecycle import TriggerInput
from states.skp import SKP
from tests.integration.org import KADIS, SEKDA, STAF1, open_small_cycle
from workflows import audit, engine
from workflows.actors import Actor
from workflows.cases import cycles as cycle
from workflows.cases import policy_store, skps
from workflows.cases.skps import PlanIn
from workflows.store.tables import AuditEvent, Cycle, Pegawai, Skp, Unit
from workflows.store.uow import reading, unit_of_work

ROOT = Actor.admin("root")
SYSTEM = Actor.scheduler("test")


@pytest.fixture
def opened(db: Engine, now: datetime) -> int:
    return open_small_cycle(db, now, chunk=4)


def who(db: Engine, nip: str) -> Actor:
    with unit_of_work(db) as s:
        p = s.scalar(select(Pegawai).where(col(Pegawai.nip) == nip))
        assert p is not None and p.id is not None
        return Actor.pegawai(p.id, nip)


def skp_of(db: Engine, cycle_id: int, nip: str) -> int:
    with unit_of_work(db) as s:
        found = s.scalar(
            select(col(Skp.id))
            .join(Pegawai, col(Pegawai.id) == Skp.pegawai_id)
            .where(col(Skp.cycle_id) == cycle_id, col(Pegawai.nip) == nip)
        )
        assert found is not None
        return found


def plan(intervenes: int | None = None, propose: bool = True) -> PlanIn:
    return PlanIn.model_validate(
        {
            "rhk": [
                {
                    "jenis": "UTAMA",
                    "text": "Meningkatnya cakupan imunisasi",
                    "intervensi_rhk_id": intervenes,
                    "cascade": "DIRECT" if intervenes else None,
                    "indikator": [
                        {
                            "text": "Cakupan imunisasi dasar lengkap",
                            "aspek": "KUANTITAS",
                            "target": 95,
                            "satuan": "persen",
                        }
                    ],
                }
            ],
            "propose": propose,
        }
    )


def test_the_year_of_a_kepala_dinas(db: Engine, now: datetime, opened: int) -> None:
    sekda, kadis = who(db, SEKDA), who(db, KADIS)
    sekda_skp, kadis_skp = skp_of(db, opened, SEKDA), skp_of(db, opened, KADIS)

    with unit_of_work(db) as s:  # the Sekda (a top JPT) plans from the Perjanjian Kinerja
        view = skps.save_plan(s, sekda_skp, plan(), actor=sekda, now=now)
    assert view.allowed_triggers == []  # the Sekda's penilai is the bupati, outside the organisation
    with unit_of_work(db) as s:  # so HR acts on the bupati's behalf, and the audit trail says so
        assert skps.get(s, sekda_skp, ROOT).allowed_triggers == ["cascade"]
        skps.fire(s, sekda_skp, "cascade", actor=ROOT, now=now)
        sekda_rhk = skps.fire(s, sekda_skp, "agree", actor=ROOT, now=now).rhk[0]["id"]

    with pytest.raises(GuardFailed) as refused, unit_of_work(db) as s:  # not cascaded from the atasan's SKP
        skps.save_plan(s, kadis_skp, plan(), actor=kadis, now=now)
        skps.fire(s, kadis_skp, "cascade", actor=sekda, now=now)
    assert refused.value.problems == [
        "RHK Utama 'Meningkatnya cakupan imunisasi' intervenes no RHK of the atasan's agreed SKP"
    ]
    with unit_of_work(db) as s:
        skps.save_plan(s, kadis_skp, plan(intervenes=sekda_rhk), actor=kadis, now=now)
        skps.fire(s, kadis_skp, "cascade", actor=sekda, now=now)
        with pytest.raises(NotPermitted):  # a pegawai does not agree their own SKP
            skps.fire(s, kadis_skp, "agree", actor=kadis, now=now)
    with unit_of_work(db) as s:
        assert skps.fire(s, kadis_skp, "agree", actor=sekda, now=now).state == "agreed"

    with unit_of_work(db) as s:
        cycle.fire(s, opened, "start_monitoring", actor=ROOT, now=now)
    with unit_of_work(db) as s:
        agreed = [
            i
            for i in s.scalars(select(col(Skp.id)).where(col(Skp.cycle_id) == opened, col(Skp.state) == "agreed"))
            if i
        ]
        facts = skps.facts(
            s,
            s.get_one(Skp, agreed[0]),
            s.get_one(Cycle, opened),
            policy_store.cycle_policy(s, s.get_one(Cycle, opened)),
            now,
        )
        instansi_id = s.get_one(Cycle, opened).instansi_id
    moved = engine.fire_many(
        lambda: Session(db),
        SKP,
        "skp",
        "monitor",
        agreed,
        instansi_id=instansi_id,
        actor=SYSTEM,
        now=now,
        facts=facts,
        chunk=1,
    )
    assert (sorted(moved.fired), moved.chunks) == (sorted([sekda_skp, kadis_skp]), 2)

    later = now + timedelta(days=360)
    with unit_of_work(db) as s:
        cycle.fire(s, opened, "start_assessment", actor=ROOT, now=later)
    with pytest.raises(GuardFailed, match="capaian kinerja organisasi"), unit_of_work(db) as s:
        skps.fire(
            s, kadis_skp, "assess", actor=sekda, now=later, inp=TriggerInput(rating_perilaku=Rating.DI_ATAS_EKSPEKTASI)
        )
    with unit_of_work(db) as s:
        dinkes = s.scalar(select(col(Unit.id)).where(col(Unit.code) == "DINKES"))
        assert dinkes is not None
        skps.set_capaian(s, opened, dinkes, skps.ANNUAL, CapaianLevel.BAIK, actor=sekda, now=later)
    with (
        pytest.raises(GuardFailed, match="a unit head's rating_hasil_kerja is the unit's capaian"),
        unit_of_work(db) as s,
    ):
        skps.fire(
            s,
            kadis_skp,
            "assess",
            actor=sekda,
            now=later,
            inp=TriggerInput(rating_hasil_kerja=Rating.DI_ATAS_EKSPEKTASI, rating_perilaku=Rating.DI_ATAS_EKSPEKTASI),
        )
    with unit_of_work(db) as s:  # the head's rating hasil kerja comes from the unit's capaian: BAIK → SESUAI
        view = skps.fire(
            s, kadis_skp, "assess", actor=sekda, now=later, inp=TriggerInput(rating_perilaku=Rating.DI_ATAS_EKSPEKTASI)
        )
    assert (view.rating_hasil_kerja, view.predikat) == ("SESUAI_EKSPEKTASI", "BAIK")

    with pytest.raises(GuardFailed, match="objection window"), unit_of_work(db) as s:
        skps.fire(s, kadis_skp, "follow_up", actor=SYSTEM, now=later + timedelta(days=3))
    with unit_of_work(db) as s:
        assert skps.fire(s, kadis_skp, "follow_up", actor=SYSTEM, now=later + timedelta(days=16)).state == "followed_up"

    with unit_of_work(db) as s:
        chain = list(
            s.scalars(
                select(AuditEvent)
                .where(col(AuditEvent.entity_type) == "skp", col(AuditEvent.entity_id) == sekda_skp)
                .order_by(col(AuditEvent.seq))
            )
        )
        assert [(e.trigger, e.role) for e in chain] == [
            ("draft", "admin"),
            ("plan", "pegawai"),
            ("cascade", "admin"),  # admins may cascade in their own right
            ("agree", "admin a.n. penilai"),
            ("monitor", "system"),
        ]
        assert audit.verify(s).ok


def test_outsiders_do_not_see_an_skp_and_pegawai_cannot_set_ekspektasi(db: Engine, now: datetime, opened: int) -> None:
    staf_skp = skp_of(db, opened, STAF1)
    with pytest.raises(NotFound), unit_of_work(db) as s:
        skps.get(s, staf_skp, Actor(ref="pegawai:x", pegawai_id=99999))
    with pytest.raises(InvalidInput, match="ekspektasi khusus is set by the pejabat penilai"), unit_of_work(db) as s:
        body = plan().model_copy(update={"perilaku": {"AKUNTABEL": "Laporan tepat waktu"}})
        skps.save_plan(s, staf_skp, body, actor=who(db, STAF1), now=now)
    with unit_of_work(db) as s:
        assert s.scalar(select(func.count()).where(col(AuditEvent.trigger) == "plan")) == 0


def test_opening_again_drafts_nothing_twice(db: Engine, now: datetime, opened: int) -> None:
    again = cycle.open_cycle(lambda: Session(db, expire_on_commit=False), opened, actor=ROOT, now=now)
    assert (again.drafted, again.already) == (0, 6)


def test_agree_rechecks_the_cascade_and_only_the_pegawai_proposes(db: Engine, now: datetime, opened: int) -> None:
    sekda, kadis = who(db, SEKDA), who(db, KADIS)
    sekda_skp, kadis_skp = skp_of(db, opened, SEKDA), skp_of(db, opened, KADIS)
    with unit_of_work(db) as s:
        skps.save_plan(s, sekda_skp, plan(), actor=sekda, now=now)
        skps.fire(s, sekda_skp, "cascade", actor=ROOT, now=now)
        skps.fire(s, sekda_skp, "agree", actor=ROOT, now=now)
    with unit_of_work(db) as s:  # cascaded while empty, then filled with an RHK that intervenes nothing
        skps.fire(s, kadis_skp, "cascade", actor=sekda, now=now)
        skps.save_plan(s, kadis_skp, plan(), actor=kadis, now=now)
    with pytest.raises(GuardFailed, match="intervenes no RHK"), unit_of_work(db) as s:
        skps.fire(s, kadis_skp, "agree", actor=sekda, now=now)
    with unit_of_work(db) as s:  # the penilai's own edit withdraws the proposal
        view = skps.save_plan(s, kadis_skp, plan(propose=True), actor=sekda, now=now)
    assert view.proposed is False
    with pytest.raises(GuardFailed, match="has not proposed"), unit_of_work(db) as s:
        skps.fire(s, kadis_skp, "agree", actor=sekda, now=now)


def test_the_trail_verifies_whatever_zone_the_clock_is_in(db: Engine, opened: int) -> None:
    wita = datetime(2026, 1, 5, 17, 0, tzinfo=ZoneInfo("Asia/Makassar"))
    with unit_of_work(db) as s:
        skps.save_plan(s, skp_of(db, opened, SEKDA), plan(), actor=who(db, SEKDA), now=wita)
    with reading(db) as s:
        assert audit.verify(s).ok
        at = s.scalar(select(col(AuditEvent.at)).where(col(AuditEvent.trigger) == "plan"))
        assert at == wita  # the same instant, read back aware
