"""The follow-up is per pegawai per year, on both databases: a pegawai moved in July has two SKPs; the first,
followed up early, waits for the second, and the year opens one case, on its combined annual predikat, naming both
SKPs (per SKP it would have been a reward for one and a sanction for the other)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session
from sqlmodel import col

from policies.schema import DistributionMode
from states.enums import CapaianLevel, Rating
from states.lifecycle import TriggerInput
from tests.integration.org import KABID, KABID2
from tests.integration.scenario import ROOT, SYSTEM
from tests.integration.test_mid_year import agreed_in_the_new_unit, at, moved_in_july
from workflows import audit
from workflows.cases import cycles, followups, policy_store, skps
from workflows.store.tables import AuditEvent, Cycle, FollowUpCase
from workflows.store.uow import reading, unit_of_work

ATAS, BAWAH = Rating.DI_ATAS_EKSPEKTASI, Rating.DI_BAWAH_EKSPEKTASI


def sessions(db: Engine) -> Session:
    return Session(db, expire_on_commit=False)


def test_two_skps_in_one_year_open_one_case_on_the_combined_predikat(db: Engine, now: datetime) -> None:
    cast, closed, new = moved_in_july(db, now)
    with unit_of_work(db) as s:  # the curve only warns here: this test is about the year, not the unit's shape
        preset = policy_store.cycle_policy(s, s.get_one(Cycle, cast.cycle_id))
        soft = preset.model_copy(
            update={
                "name": "soft-curve",
                "distribution": preset.distribution.model_copy(update={"mode": DistributionMode.SOFT}),
            }
        )
        pinned = policy_store.store(s, soft, instansi_id=cast.instansi_id, created_by="test", now=now).id
        s.execute(update(Cycle).where(col(Cycle.id) == cast.cycle_id).values(policy_version_id=pinned))
    agreed_in_the_new_unit(db, cast, new)

    # the old penilai rates the closed SKP SANGAT_BAIK in August; it is followed up in September, its year waits
    with unit_of_work(db) as s:
        skps.set_capaian(s, cast.cycle_id, cast.units["DINKES-P2P"], 7, CapaianLevel.BAIK, actor=ROOT, now=at(8, 1))
        skps.fire(
            s,
            closed,
            "assess",
            actor=cast.actors[KABID],
            now=at(8, 1),
            inp=TriggerInput(rating_hasil_kerja=ATAS, rating_perilaku=ATAS),
        )
    early = followups.dispatch(lambda: sessions(db), cast.cycle_id, actor=SYSTEM, now=at(9, 1))
    assert (early.followed_up, early.cases, early.waiting) == (1, {}, 1), early.reasons
    with reading(db) as s:
        assert s.scalars(select(FollowUpCase)).all() == []

    # the new penilai rates the new SKP SANGAT_KURANG at the year's end
    with unit_of_work(db) as s:
        cycles.fire(s, cast.cycle_id, "start_assessment", actor=ROOT, now=at(12, 31))
        skps.set_capaian(
            s, cast.cycle_id, cast.units["DINKES-YANKES"], skps.ANNUAL, CapaianLevel.BAIK, actor=ROOT, now=at(12, 31)
        )
        skps.fire(
            s,
            new,
            "assess",
            actor=cast.actors[KABID2],
            now=at(12, 31),
            inp=TriggerInput(rating_hasil_kerja=BAWAH, rating_perilaku=BAWAH),
        )
    late = datetime(2027, 1, 31, 7, tzinfo=at(1, 1).tzinfo)
    done = followups.dispatch(lambda: sessions(db), cast.cycle_id, actor=SYSTEM, now=late)
    assert (done.followed_up, done.cases, done.waiting) == (1, {"COACHING": 1}, 0), done.reasons
    again = followups.dispatch(lambda: sessions(db), cast.cycle_id, actor=SYSTEM, now=late)
    assert (again.followed_up, again.cases) == (0, {})

    # 195 days SANGAT_BAIK and 170 SANGAT_KURANG: BUTUH_PERBAIKAN for the year, one coaching case on the SKP that
    # ran last, naming both
    with reading(db) as s:
        cases = s.scalars(select(FollowUpCase)).all()
        assert [(c.skp_id, c.kind) for c in cases] == [(new, "COACHING")]
        view = followups.get_case(s, cases[0].id or 0, actor=ROOT)
        assert (view.annual_predikat, view.year_skp_ids) == ("BUTUH_PERBAIKAN", [closed, new])
        genesis = s.scalars(
            select(AuditEvent).where(col(AuditEvent.entity_type) == "follow_up_case", col(AuditEvent.seq) == 1)
        ).one()
        assert genesis.note is not None
        assert genesis.note.startswith(
            "predikat tahunan 2026: butuh perbaikan (digabung months_weighted; aturan follow_up.by_predikat) dari"
        )
        assert f"SKP {closed} 2026-01-01–{date(2026, 7, 14).isoformat()} sangat baik" in genesis.note
        assert f"SKP {new} 2026-07-15–2026-12-31 sangat kurang" in genesis.note
        assert audit.verify(s).ok
