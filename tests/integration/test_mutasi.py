"""Mutasi: the pegawai moves unit mid-year; the old SKP is assessed for it, a new one is drafted and agreed."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlmodel import col

from states.enums import CapaianLevel, Rating
from states.errors import GuardFailed, InvalidInput, NotFound, NotPermitted, TransitionNotAllowed
from states.lifecycle import TriggerInput
from tests.integration.org import KABID, KABID2, KADIS, STAF1
from tests.integration.scenario import ROOT, monitored_cycle, plan
from workflows import audit
from workflows.actors import Actor
from workflows.cases import mutasi, skps
from workflows.store.tables import AuditEvent, Pegawai, Skp
from workflows.store.uow import reading, unit_of_work

REASON = "SK Bupati 821/45/2026"


def test_mutasi_closes_the_old_skp_for_assessment_and_drafts_a_new_one(db: Engine, now: datetime) -> None:
    cast = monitored_cycle(db, now)
    july = now + timedelta(days=180)
    with unit_of_work(db) as s:
        moved = mutasi.mutasi(s, cast.skps[STAF1], "DINKES-YANKES", REASON, actor=ROOT, now=july)
    with reading(db) as s:
        pegawai = s.scalar(select(Pegawai).where(col(Pegawai.nip) == STAF1))
        old, new = s.get_one(Skp, moved.closed_skp_id), s.get_one(Skp, moved.new_skp_id)
        assert pegawai is not None and pegawai.unit_id == cast.units["DINKES-YANKES"]
        assert pegawai.atasan_id == cast.actors[KABID2].pegawai_id == new.penilai_id == moved.new_penilai_id
        assert new.atasan_penilai_id == cast.actors[KADIS].pegawai_id
        assert (old.state, old.closing_reason, old.version) == ("monitored", REASON, 6)
        assert (new.state, new.unit_id, new.periode_awal, new.version) == ("drafted", moved.to_unit_id, july.date(), 1)
        triggers = s.scalars(
            select(col(AuditEvent.trigger)).where(col(AuditEvent.entity_type) == "skp").order_by(col(AuditEvent.id))
        ).all()
        assert triggers[-2:] == ["close_for_mutasi", "draft"]

    # the old penilai assesses the closing SKP now, against the unit's capaian of its latest period
    with unit_of_work(db) as s:
        rated = TriggerInput(rating_hasil_kerja=Rating.SESUAI_EKSPEKTASI, rating_perilaku=Rating.SESUAI_EKSPEKTASI)
        with pytest.raises(GuardFailed, match="capaian"):
            skps.fire(s, moved.closed_skp_id, "assess", actor=cast.actors[KABID], now=july, inp=rated)
    with unit_of_work(db) as s:
        skps.set_capaian(s, cast.cycle_id, cast.units["DINKES-P2P"], 2, CapaianLevel.BAIK, actor=ROOT, now=july)
        assessed = skps.fire(s, moved.closed_skp_id, "assess", actor=cast.actors[KABID], now=july, inp=rated)
    assert (assessed.state, assessed.predikat) == ("assessed", "BAIK")

    # the new penilai agrees the new SKP, which intervenes the new atasan's RHK
    staff = Actor.pegawai(moved.pegawai_id, STAF1)
    with unit_of_work(db) as s:
        boss_rhk = skps.get(s, cast.skps[KABID2], staff).rhk[0]["id"]
        skps.save_plan(s, moved.new_skp_id, plan(boss_rhk), actor=staff, now=july)
        skps.fire(s, moved.new_skp_id, "cascade", actor=cast.actors[KABID2], now=july)
        agreed = skps.fire(s, moved.new_skp_id, "agree", actor=cast.actors[KABID2], now=july)
        with pytest.raises(NotFound):  # the old penilai has no standing on the new SKP
            skps.get(s, moved.new_skp_id, cast.actors[KABID])
    assert agreed.state == "agreed"
    with reading(db) as s:
        assert audit.verify(s).ok


def test_mutasi_refusals_change_nothing(db: Engine, now: datetime) -> None:
    cast = monitored_cycle(db, now)
    staff = cast.skps[STAF1]
    with unit_of_work(db) as s:
        before = s.get_one(Skp, staff).version
    cases: list[tuple[Actor, int, str, str, type[Exception], str]] = [
        (cast.actors[KABID], staff, "DINKES-YANKES", REASON, NotPermitted, "admin"),
        (Actor.admin("other", frozenset({999})), staff, "DINKES-YANKES", REASON, NotFound, "skp"),
        (ROOT, staff, "NOWHERE", REASON, InvalidInput, "no unit 'NOWHERE'"),
        (ROOT, staff, "DINKES-P2P", REASON, InvalidInput, "already"),
        (ROOT, staff, "DINKES-YANKES", " ", InvalidInput, "reason"),
        (ROOT, cast.skps[KABID], "DINKES-YANKES", REASON, InvalidInput, "heads DINKES-P2P"),
    ]
    for actor, skp_id, unit, reason, error, message in cases:
        with unit_of_work(db) as s, pytest.raises(error, match=message):
            mutasi.mutasi(s, skp_id, unit, reason, actor=actor, now=now)
    with unit_of_work(db) as s:
        skps.fire(s, staff, "adjust", actor=cast.actors[KABID], now=now, inp=TriggerInput(reason="target berubah"))
    with unit_of_work(db) as s, pytest.raises(TransitionNotAllowed):
        mutasi.mutasi(s, staff, "DINKES-YANKES", REASON, actor=ROOT, now=now)
    with reading(db) as s:
        assert s.get_one(Skp, staff).version == before + 1  # the adjust only
        assert s.scalar(select(col(Skp.id)).where(col(Skp.id) > max(cast.skps.values()))) is None
