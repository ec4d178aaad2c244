"""A period through the use cases: opened for every agreed SKP, realisasi with evidence, returned, rated, closed."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from states.enums import CapaianLevel, Rating
from states.errors import GuardFailed, InvalidInput, NotFound, NotPermitted, TransitionNotAllowed
from states.lifecycle import TriggerInput
from tests.integration.org import KABID, KABID2, KADIS, SEKDA, STAF1, STAF2
from tests.integration.scenario import ROOT, SYSTEM, Cast, event_count, monitored_cycle, plan, rows
from workflows import audit
from workflows.actors import Actor
from workflows.cases import evaluations, skps
from workflows.cases.evaluations import RealisasiIn
from workflows.store import evidence
from workflows.store.tables import AuditEvent, Evaluation, Evidence, Realisasi
from workflows.store.uow import reading, unit_of_work

JANUARY = 1


@pytest.fixture
def cast(db: Engine, now: datetime) -> Cast:
    cast = monitored_cycle(db, now)
    opened = evaluations.open_period(lambda: Session(db), cast.cycle_id, JANUARY, actor=SYSTEM, now=now, chunk=4)
    assert (opened.opened, opened.already) == (6, 0)
    return cast


def indicators(db: Engine, cast: Cast, nip: str) -> list[int]:
    with reading(db) as s:
        view = evaluations.get_evaluation(s, cast.skps[nip], JANUARY, actor=ROOT)
    return [r.indikator_id for r in view.realisasi]


def body(*items: Mapping[str, object], submit: bool = False) -> RealisasiIn:
    return RealisasiIn.model_validate({"realisasi": list(items), "submit": submit})


def submitted(db: Engine, cast: Cast, nip: str, now: datetime) -> None:
    with unit_of_work(db) as s:
        items = [{"indikator_id": i, "value": 1} for i in indicators(db, cast, nip)]
        evaluations.save_realisasi(
            s, cast.skps[nip], JANUARY, body(*items, submit=True), actor=cast.actors[nip], now=now
        )


def test_a_period_from_realisasi_to_close(db: Engine, now: datetime, cast: Cast, tmp_path: Path) -> None:
    staf, kabid, skp_id = cast.actors[STAF1], cast.actors[KABID], cast.skps[STAF1]
    cakupan, laporan, tim = indicators(db, cast, STAF1)
    bukti = evidence.EvidenceStore(tmp_path, 1024).store(
        b"%PDF-1.7 laporan", "C:\\docs\\laporan.pdf", "application/pdf"
    )
    mid_january = now + timedelta(days=10)

    with pytest.raises(GuardFailed) as refused, unit_of_work(db) as s:  # the RHK Tambahan has no realisasi yet
        evaluations.save_realisasi(
            s,
            skp_id,
            JANUARY,
            body({"indikator_id": cakupan, "value": 40, "evidence": [vars(bukti)]}, submit=True),
            actor=staf,
            now=mid_january,
        )
    assert refused.value.problems == ["RHK 'Anggota tim penanganan KLB' has no realisasi for the period"]
    assert rows(db, Realisasi) == 0  # the refused submit took the recorded realisasi with it

    with unit_of_work(db) as s:
        evaluations.save_realisasi(
            s,
            skp_id,
            JANUARY,
            body(
                {"indikator_id": cakupan, "value": 40, "evidence": [vars(bukti)]}, {"indikator_id": tim, "text": "1x"}
            ),
            actor=staf,
            now=mid_january,
        )
        view = evaluations.save_realisasi(s, skp_id, JANUARY, body(submit=True), actor=staf, now=mid_january)
    assert (view.state, view.version) == ("realisasi_submitted", 3)
    assert [(r.indikator_id, r.recorded, r.value, r.text) for r in view.realisasi] == [
        (cakupan, True, 40, ""),
        (laporan, False, None, ""),
        (tim, True, None, "1x"),
    ]
    assert view.realisasi[0].evidence[0].filename == "laporan.pdf"
    assert view.realisasi[0].evidence[0].uri == f"evidence:{bukti.sha256}"

    with pytest.raises(GuardFailed, match="a note is required"), unit_of_work(db) as s:
        evaluations.return_realisasi(s, skp_id, JANUARY, " ", actor=kabid, now=mid_january)
    with unit_of_work(db) as s:
        returned = evaluations.return_realisasi(s, skp_id, JANUARY, "Lampirkan laporan", actor=kabid, now=mid_january)
    assert (returned.state, returned.allowed_triggers) == ("open", [])  # the penilai waits for the pegawai
    with unit_of_work(db) as s:
        evaluations.save_realisasi(
            s, skp_id, JANUARY, body({"indikator_id": laporan, "value": 1}, submit=True), actor=staf, now=mid_january
        )

    with pytest.raises(GuardFailed, match="capaian kinerja organisasi for the period"), unit_of_work(db) as s:
        evaluations.evaluate(
            s,
            skp_id,
            JANUARY,
            rating_hasil_kerja=Rating.DI_ATAS_EKSPEKTASI,
            rating_perilaku=Rating.DI_BAWAH_EKSPEKTASI,
            actor=kabid,
            now=mid_january,
        )
    with unit_of_work(db) as s:
        skps.set_capaian(s, cast.cycle_id, cast.units["DINKES-P2P"], JANUARY, CapaianLevel.BAIK, actor=ROOT, now=now)
        rated = evaluations.evaluate(
            s,
            skp_id,
            JANUARY,
            rating_hasil_kerja=Rating.DI_ATAS_EKSPEKTASI,
            rating_perilaku=Rating.DI_BAWAH_EKSPEKTASI,
            actor=kabid,
            now=mid_january,
        )
    assert (rated.state, rated.predikat) == ("evaluated", "KURANG")  # good results, misconduct: never BAIK

    # January's evaluation is due at 00:00 WITA on 11 February (the units' zone); the preset keeps the period open
    # 8 days more, so it closes at 00:00 WITA on 19 February, which is 16:00 UTC on 18 February
    before_the_end = datetime.fromisoformat("2026-02-18T15:59:00+00:00")
    early = evaluations.close_period(lambda: Session(db), cast.cycle_id, JANUARY, actor=SYSTEM, now=before_the_end)
    assert (early.closed, early.lapsed, early.not_ended) == (0, 0, 6)
    events = event_count(db)
    closed = evaluations.close_period(
        lambda: Session(db), cast.cycle_id, JANUARY, actor=SYSTEM, now=before_the_end + timedelta(minutes=1), chunk=2
    )
    assert (closed.closed, closed.lapsed, closed.not_ended) == (1, 5, 0)
    assert event_count(db) == events + 6
    again = evaluations.close_period(
        lambda: Session(db), cast.cycle_id, JANUARY, actor=ROOT, now=now + timedelta(days=60)
    )
    assert (again.closed, again.lapsed, again.not_ended) == (0, 0, 0)
    assert event_count(db) == events + 6

    with reading(db) as s:
        chain = s.execute(
            select(col(AuditEvent.trigger), col(AuditEvent.role), col(AuditEvent.to_state))
            .join(Evaluation, col(Evaluation.id) == col(AuditEvent.entity_id))
            .where(col(AuditEvent.entity_type) == "evaluation", col(Evaluation.skp_id) == skp_id)
            .order_by(col(AuditEvent.seq))
        ).all()
        assert [tuple(e) for e in chain] == [
            ("open", "system", "open"),
            ("realisasi", "pegawai", "open"),
            ("submit_realisasi", "pegawai", "realisasi_submitted"),
            ("return_realisasi", "penilai", "open"),
            ("realisasi", "pegawai", "open"),
            ("submit_realisasi", "pegawai", "realisasi_submitted"),
            ("evaluate", "penilai", "evaluated"),
            ("close", "system", "closed"),
        ]
        assert audit.verify(s).ok


def test_opening_again_opens_only_what_is_missing(db: Engine, now: datetime, cast: Cast) -> None:
    events = event_count(db)
    again = evaluations.open_period(lambda: Session(db), cast.cycle_id, JANUARY, actor=ROOT, now=now)
    assert (again.opened, again.already) == (0, 6)
    assert (rows(db, Evaluation), event_count(db)) == (6, events)
    with pytest.raises(InvalidInput, match="period_no: 13 is not a period of 2026"):
        evaluations.open_period(lambda: Session(db), cast.cycle_id, 13, actor=ROOT, now=now)
    with pytest.raises(NotPermitted):  # a pegawai of the instansi sees the cycle but runs no sweeps
        evaluations.open_period(lambda: Session(db), cast.cycle_id, 2, actor=cast.actors[KADIS], now=now)
    with pytest.raises(NotFound):  # HR of another instansi does not learn that it exists
        evaluations.open_period(
            lambda: Session(db), cast.cycle_id, 2, actor=Actor.admin("x", frozenset({999})), now=now
        )
    assert (rows(db, Evaluation), event_count(db)) == (6, events)
    with reading(db) as s:
        assert audit.verify(s).ok


def test_refusals_write_nothing(db: Engine, now: datetime, cast: Cast) -> None:
    skp_id = cast.skps[STAF1]
    cakupan = indicators(db, cast, STAF1)[0]
    other_skp_indicator = indicators(db, cast, STAF2)[0]
    submitted(db, cast, STAF2, now)
    events, recorded = event_count(db), rows(db, Realisasi)
    item = {"indikator_id": cakupan, "value": 10}
    executable = {
        "filename": "x.exe",
        "content_type": "application/x-msdownload",
        "size": 10,
        "sha256": "a" * 64,
        "uri": "evidence:" + "b" * 64,
    }
    bad_evidence = body({"indikator_id": cakupan, "value": 1, "evidence": [executable]})
    refusals: list[tuple[type[Exception], str, RealisasiIn]] = [
        (NotFound, STAF2, body(item)),  # a colleague does not see the SKP at all
        (NotPermitted, KABID, body(item)),  # the penilai does not write the pegawai's realisasi
        (InvalidInput, STAF1, body({"indikator_id": other_skp_indicator, "value": 1})),
        (InvalidInput, STAF1, body({"indikator_id": cakupan})),
        (InvalidInput, STAF1, body()),
    ]
    for error, nip, payload in refusals:
        with pytest.raises(error), unit_of_work(db) as s:
            evaluations.save_realisasi(s, skp_id, JANUARY, payload, actor=cast.actors[nip], now=now)
    with pytest.raises(InvalidInput) as refused, unit_of_work(db) as s:
        evaluations.save_realisasi(s, skp_id, JANUARY, bad_evidence, actor=cast.actors[STAF1], now=now)
    assert refused.value.problems == [
        "realisasi[0].evidence[0].content_type: 'application/x-msdownload' is not allowed",
        "realisasi[0].evidence[0].uri: a stored file's uri is 'evidence:' followed by its sha256",
    ]
    for error, nip in [(NotPermitted, STAF2), (NotFound, KABID2)]:  # not themselves, nor another unit's head
        with pytest.raises(error), unit_of_work(db) as s:
            evaluations.evaluate(
                s,
                cast.skps[STAF2],
                JANUARY,
                rating_hasil_kerja=Rating.SESUAI_EKSPEKTASI,
                rating_perilaku=Rating.SESUAI_EKSPEKTASI,
                actor=cast.actors[nip],
                now=now,
            )
    with pytest.raises(TransitionNotAllowed), unit_of_work(db) as s:  # nothing submitted to rate yet
        evaluations.evaluate(
            s,
            skp_id,
            JANUARY,
            rating_hasil_kerja=Rating.SESUAI_EKSPEKTASI,
            rating_perilaku=Rating.SESUAI_EKSPEKTASI,
            actor=cast.actors[KABID],
            now=now,
        )
    with pytest.raises(NotFound), unit_of_work(db) as s:
        evaluations.get_evaluation(s, skp_id, 2, actor=cast.actors[STAF1])  # period 2 is not open
    assert (event_count(db), rows(db, Realisasi), rows(db, Evidence)) == (events, recorded, 0)


def test_a_unit_heads_hasil_kerja_is_the_units_capaian_for_the_period(db: Engine, now: datetime, cast: Cast) -> None:
    submitted(db, cast, KABID, now)
    submitted(db, cast, SEKDA, now)
    with unit_of_work(db) as s:
        skps.set_capaian(
            s, cast.cycle_id, cast.units["DINKES-P2P"], JANUARY, CapaianLevel.ISTIMEWA, actor=ROOT, now=now
        )
        skps.set_capaian(s, cast.cycle_id, cast.units["PEMDA"], JANUARY, CapaianLevel.BAIK, actor=ROOT, now=now)
    with (
        pytest.raises(GuardFailed, match="a unit head's rating_hasil_kerja is the unit's capaian"),
        unit_of_work(db) as s,
    ):
        evaluations.evaluate(
            s,
            cast.skps[KABID],
            JANUARY,
            rating_hasil_kerja=Rating.SESUAI_EKSPEKTASI,
            rating_perilaku=Rating.DI_ATAS_EKSPEKTASI,
            actor=cast.actors[KADIS],
            now=now,
        )
    with unit_of_work(db) as s:
        kabid = evaluations.evaluate(
            s, cast.skps[KABID], JANUARY, rating_perilaku=Rating.DI_ATAS_EKSPEKTASI, actor=cast.actors[KADIS], now=now
        )
        # the Sekda's penilai (the bupati) is outside the organisation: HR rates on their behalf
        sekda = evaluations.evaluate(
            s, cast.skps[SEKDA], JANUARY, rating_perilaku=Rating.SESUAI_EKSPEKTASI, actor=ROOT, now=now
        )
    assert (kabid.rating_hasil_kerja, kabid.predikat) == ("DI_ATAS_EKSPEKTASI", "SANGAT_BAIK")
    assert (sekda.rating_hasil_kerja, sekda.predikat) == ("SESUAI_EKSPEKTASI", "BAIK")
    with reading(db) as s:
        role = s.scalar(
            select(col(AuditEvent.role))
            .where(col(AuditEvent.trigger) == "evaluate")
            .order_by(col(AuditEvent.id).desc())
        )
        assert role == "admin a.n. penilai"
        assert audit.verify(s).ok


def test_an_adjusted_plan_keeps_the_indicators_realisasi_refer_to(db: Engine, now: datetime, cast: Cast) -> None:
    submitted(db, cast, STAF1, now)
    skp_id, staf = cast.skps[STAF1], cast.actors[STAF1]
    with unit_of_work(db) as s:
        skps.fire(s, skp_id, "adjust", actor=cast.actors[KABID], now=now, inp=TriggerInput(reason="perubahan target"))
        current = skps.get(s, skp_id, staf)
    events = event_count(db)
    fresh = plan(current.rhk[0]["intervensi_rhk_id"])
    with pytest.raises(InvalidInput, match="has realisasi recorded and cannot be removed"), unit_of_work(db) as s:
        skps.save_plan(s, skp_id, fresh, actor=staf, now=now)  # no ids: every indicator would be replaced
    assert event_count(db) == events
    kept = fresh.model_copy(deep=True)
    for r_in, r_now in zip(kept.rhk, current.rhk, strict=True):
        r_in.id = r_now["id"]
        for i_in, i_now in zip(r_in.indikator, r_now["indikator"], strict=True):
            i_in.id = i_now["id"]
    kept.rhk[0].indikator[0].target = 90
    with unit_of_work(db) as s:
        view = skps.save_plan(s, skp_id, kept, actor=staf, now=now)
    assert view.rhk[0]["indikator"][0]["target"] == 90
    with reading(db) as s:
        assert s.scalar(select(func.count()).select_from(Realisasi)) == 3
        assert evaluations.get_evaluation(s, skp_id, JANUARY, actor=staf).realisasi[0].target == 90
        assert audit.verify(s).ok
