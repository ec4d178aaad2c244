"""Keberatan: filed in time by the pegawai, reviewed and decided once by the atasan penilai (or HR on their behalf)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlmodel import col

from states.enums import CapaianLevel, Rating
from states.errors import GuardFailed, InvalidInput, NotFound, NotPermitted, TransitionNotAllowed
from tests.integration.org import KABID, KADIS, SEKDA, STAF1, STAF2, small_org
from tests.integration.scenario import ROOT, Cast, assess, event_count, monitored_cycle, rows
from workflows import audit
from workflows.cases import objections, skps
from workflows.cases.objections import DecisionIn
from workflows.cases.org.imports import import_org
from workflows.store.tables import AuditEvent, Keberatan, Skp
from workflows.store.uow import reading, unit_of_work

BAWAH, SESUAI, ATAS = Rating.DI_BAWAH_EKSPEKTASI, Rating.SESUAI_EKSPEKTASI, Rating.DI_ATAS_EKSPEKTASI


def assessed(db: Engine, now: datetime) -> tuple[Cast, datetime]:
    """STAF1 assessed BUTUH_PERBAIKAN and the kepala dinas KURANG, at the end of the year."""
    cast = monitored_cycle(db, now)
    at = now + timedelta(days=360)
    capaian = {"DINKES": CapaianLevel.BAIK, "DINKES-P2P": CapaianLevel.BAIK}
    assess(db, cast, at, {STAF1: (BAWAH, SESUAI), KADIS: (None, BAWAH)}, capaian)
    return cast, at


def trail(db: Engine, entity_type: str, entity_id: int) -> list[tuple[str, str]]:
    with reading(db) as s:
        events = s.execute(
            select(col(AuditEvent.trigger), col(AuditEvent.role))
            .where(col(AuditEvent.entity_type) == entity_type, col(AuditEvent.entity_id) == entity_id)
            .order_by(col(AuditEvent.seq))
        ).all()
    return [(trigger, role) for trigger, role in events]


def test_an_objection_decided_changed_rewrites_the_result_once(db: Engine, now: datetime) -> None:
    cast, at = assessed(db, now)
    staf, kadis, skp_id = cast.actors[STAF1], cast.actors[KADIS], cast.skps[STAF1]
    with unit_of_work(db) as s:
        filed = objections.file(
            s, skp_id, "Realisasi triwulan IV belum dihitung", actor=staf, now=at + timedelta(days=3)
        )
    assert (filed.state, filed.allowed_triggers, filed.predikat) == ("filed", ["withdraw"], "BUTUH_PERBAIKAN")
    with unit_of_work(db) as s:
        assert objections.review(s, skp_id, actor=kadis, now=at + timedelta(days=4)).state == "under_review"
    with pytest.raises(TransitionNotAllowed), unit_of_work(db) as s:  # too late to withdraw once under review
        objections.withdraw(s, skp_id, actor=staf, now=at + timedelta(days=5))
    body = DecisionIn.model_validate(
        {
            "decision": "changed",
            "note": "Bukti dukung triwulan IV memenuhi target",
            "rating_hasil_kerja": "SESUAI_EKSPEKTASI",
        }
    )
    with unit_of_work(db) as s:
        decided = objections.decide(
            s,
            skp_id,
            body.decision,
            body.note,
            rating_hasil_kerja=body.rating_hasil_kerja,
            rating_perilaku=body.rating_perilaku,
            actor=kadis,
            now=at + timedelta(days=6),
        )
    assert (decided.state, decided.decision, decided.predikat, decided.warnings) == ("decided", "changed", "BAIK", ())
    with reading(db) as s:
        row = s.get_one(Skp, skp_id)
        assert (row.rating_hasil_kerja, row.rating_perilaku, row.predikat) == (
            "SESUAI_EKSPEKTASI",
            "SESUAI_EKSPEKTASI",
            "BAIK",
        )

    events = event_count(db)
    with pytest.raises(TransitionNotAllowed), unit_of_work(db) as s:  # the decision is final
        objections.decide(s, skp_id, "rejected", "Ditinjau ulang", actor=kadis, now=at + timedelta(days=7))
    with pytest.raises(GuardFailed, match="decision is final"), unit_of_work(db) as s:
        objections.file(s, skp_id, "Sekali lagi", actor=staf, now=at + timedelta(days=7))
    assert event_count(db) == events

    assert trail(db, "skp", skp_id)[-2:] == [("assess", "penilai"), ("objection_decision", "atasan_penilai")]
    assert trail(db, "keberatan", decided.id) == [
        ("file", "pegawai"),
        ("review", "atasan_penilai"),
        ("decide", "atasan_penilai"),
    ]
    with reading(db) as s:
        assert audit.verify(s).ok


def test_hr_decides_for_an_atasan_penilai_outside_the_organisation(db: Engine, now: datetime) -> None:
    cast, at = assessed(db, now)
    skp_id = cast.skps[KADIS]  # penilai: the Sekda; the Sekda's own atasan, the bupati, is outside
    with unit_of_work(db) as s:
        objections.file(s, skp_id, "Perilaku dinilai tanpa dialog", actor=cast.actors[KADIS], now=at)
    events = event_count(db)
    with (
        pytest.raises(GuardFailed, match="a unit head's rating_hasil_kerja is the unit's capaian"),
        unit_of_work(db) as s,
    ):
        objections.decide(s, skp_id, "changed", "x", rating_hasil_kerja=ATAS, actor=ROOT, now=at)
    with pytest.raises(GuardFailed, match="must change a rating"), unit_of_work(db) as s:
        objections.decide(s, skp_id, "changed", "x", rating_perilaku=BAWAH, actor=ROOT, now=at)
    with pytest.raises(NotPermitted), unit_of_work(db) as s:  # the penilai does not judge an objection to himself
        objections.decide(s, skp_id, "rejected", "x", actor=cast.actors[SEKDA], now=at)
    assert event_count(db) == events
    with unit_of_work(db) as s:
        decided = objections.decide(
            s, skp_id, "changed", "Dialog dilakukan", rating_perilaku=SESUAI, actor=ROOT, now=at
        )
    assert (decided.predikat, decided.allowed_triggers) == ("BAIK", [])
    assert trail(db, "keberatan", decided.id)[-1] == ("decide", "admin a.n. atasan_penilai")
    assert trail(db, "skp", skp_id)[-1] == ("objection_decision", "admin a.n. atasan_penilai")
    with reading(db) as s:
        assert audit.verify(s).ok


def test_refused_objections_write_nothing(db: Engine, now: datetime) -> None:
    cast = monitored_cycle(db, now)
    staf, skp_id = cast.actors[STAF1], cast.skps[STAF1]
    with pytest.raises(TransitionNotAllowed), unit_of_work(db) as s:  # nothing assessed to object to yet
        objections.file(s, skp_id, "Belum dinilai", actor=staf, now=now)
    at = now + timedelta(days=360)
    assess(db, cast, at, {STAF1: (BAWAH, SESUAI)}, {"DINKES-P2P": CapaianLevel.BAIK})
    events = event_count(db)
    window_closes = datetime.fromisoformat("2027-01-15T00:00:00+08:00")  # 14 days after 31 Dec, 00:00 WITA
    refusals: list[tuple[type[Exception], str, str, datetime]] = [
        (NotPermitted, KABID, "Keberatan", at),  # the penilai does not object to his own rating
        (NotFound, STAF2, "Keberatan", at),
        (InvalidInput, STAF1, "  ", at),
        (GuardFailed, STAF1, "Terlambat", window_closes),
    ]
    for error, nip, reason, when in refusals:
        with pytest.raises(error), unit_of_work(db) as s:
            objections.file(s, skp_id, reason, actor=cast.actors[nip], now=when)
    with pytest.raises(NotFound), reading(db) as s:
        objections.get(s, skp_id, actor=staf)  # none filed
    assert (event_count(db), rows(db, Keberatan)) == (events, 0)

    with unit_of_work(db) as s:
        objections.file(s, skp_id, "Keberatan", actor=staf, now=window_closes - timedelta(seconds=1))
    events = event_count(db)
    with pytest.raises(GuardFailed, match="awaits its decision"), unit_of_work(db) as s:
        objections.file(s, skp_id, "Kedua kali", actor=staf, now=at)
    for decision in ("maybe", "changed"):  # not a decision; a change that names no new rating
        with pytest.raises(GuardFailed), unit_of_work(db) as s:
            objections.decide(s, skp_id, decision, "catatan", actor=cast.actors[KADIS], now=at)
    with pytest.raises(NotPermitted), unit_of_work(db) as s:
        objections.decide(s, skp_id, "rejected", "catatan", actor=cast.actors[KABID], now=at)
    assert (event_count(db), rows(db, Keberatan)) == (events, 1)

    with unit_of_work(db) as s:  # a withdrawn objection may be filed anew while the window is open
        assert objections.withdraw(s, skp_id, actor=staf, now=at).state == "withdrawn"
        assert objections.file(s, skp_id, "Dengan bukti baru", actor=staf, now=at).state == "filed"
    with reading(db) as s:
        assert skps.get(s, skp_id, staf).state == "assessed"
        assert audit.verify(s).ok


def test_a_pending_decision_moves_to_the_new_atasan_penilai(db: Engine, now: datetime) -> None:
    """STAF1 objects; then the import gives STAF1's penilai (the kabid) another atasan: the decision is now the new
    atasan penilai's, and the SKP's trail says it was reassigned."""
    cast, at = assessed(db, now)
    with unit_of_work(db) as s:
        objections.file(s, cast.skps[STAF1], "Realisasi belum dihitung", actor=cast.actors[STAF1], now=at)
    org = small_org()
    pegawai = [p.model_copy(update={"atasan_nip": SEKDA}) if p.nip == KABID else p for p in org.pegawai]
    with unit_of_work(db) as s:
        import_org(s, org.model_copy(update={"pegawai": pegawai}), actor=ROOT, now=at + timedelta(days=1))
    with reading(db) as s:
        assert s.get_one(Skp, cast.skps[STAF1]).atasan_penilai_id == cast.actors[SEKDA].pegawai_id
    assert trail(db, "skp", cast.skps[STAF1])[-1] == ("reassigned", "admin")
