"""What results are used for in a career, read as HR would: angka kredit per period and year for the jabatan
fungsional, kenaikan pangkat eligibility over the policy's years, and the ranking per unit — each figure naming
the SKP and predikat it came from."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine, update
from sqlalchemy.orm import Session
from sqlmodel import col

from states.enums import CapaianLevel, Rating
from states.errors import NotFound, NotPermitted
from tests.integration.org import KABID, KABID2, KADIS, STAF1, STAF2
from tests.integration.scenario import ROOT, SYSTEM, Cast, assess, monitored_cycle
from workflows.actors import Actor
from workflows.cases import evaluations, policy_store, skps
from workflows.cases.evaluations import RealisasiIn
from workflows.queries.careers import angka_kredit_rows, as_table, eligibility_rows, ranking_rows
from workflows.store.tables import Cycle
from workflows.store.uow import reading, unit_of_work

BAWAH, SESUAI, ATAS = Rating.DI_BAWAH_EKSPEKTASI, Rating.SESUAI_EKSPEKTASI, Rating.DI_ATAS_EKSPEKTASI
JANUARY = 1
# STAF1 (Epidemiolog Ahli Pertama, koefisien 12.5) SANGAT_BAIK for the year and BAIK in January;
# KABID BAIK from the unit's capaian; STAF2 (pelaksana) BUTUH_PERBAIKAN; KADIS and KABID2 BAIK
RATINGS = {KADIS: (None, SESUAI), KABID: (None, SESUAI), KABID2: (None, SESUAI), STAF1: (ATAS, ATAS)}
RATINGS[STAF2] = (BAWAH, SESUAI)
CAPAIAN = dict.fromkeys(("DINKES", "DINKES-P2P", "DINKES-YANKES"), CapaianLevel.BAIK)


@pytest.fixture
def cast(db: Engine, now: datetime) -> Cast:
    cast = monitored_cycle(db, now)
    evaluations.open_period(lambda: Session(db), cast.cycle_id, JANUARY, actor=SYSTEM, now=now)
    mid_january = now + timedelta(days=10)
    with unit_of_work(db) as s:
        items = [
            {"indikator_id": r.indikator_id, "value": 1}
            for r in evaluations.get_evaluation(s, cast.skps[STAF1], JANUARY, actor=ROOT).realisasi
        ]
        body = RealisasiIn.model_validate({"realisasi": items, "submit": True})
        evaluations.save_realisasi(s, cast.skps[STAF1], JANUARY, body, actor=cast.actors[STAF1], now=mid_january)
        skps.set_capaian(s, cast.cycle_id, cast.units["DINKES-P2P"], JANUARY, CapaianLevel.BAIK, actor=ROOT, now=now)
        evaluations.evaluate(
            s,
            cast.skps[STAF1],
            JANUARY,
            rating_hasil_kerja=SESUAI,
            rating_perilaku=SESUAI,
            actor=cast.actors[KABID],
            now=mid_january,
        )
    assess(db, cast, now + timedelta(days=360), RATINGS, CAPAIAN)
    return cast


def test_angka_kredit_per_period_and_year_for_the_jabatan_fungsional(db: Engine, cast: Cast) -> None:
    with reading(db) as s:
        rows = angka_kredit_rows(s, cast.cycle_id, actor=ROOT)
    seen = [(r.nip, r.jenjang, r.skp_id, r.period_no, r.months, r.predikat, r.angka_kredit) for r in rows]
    assert seen == [
        (STAF1, "AHLI_PERTAMA", cast.skps[STAF1], JANUARY, 1, "BAIK", Decimal("1.042")),  # 1/12 × 100% × 12.5
        (STAF1, "AHLI_PERTAMA", cast.skps[STAF1], 0, 12, "SANGAT_BAIK", Decimal("18.750")),  # 150% × 12.5
    ]
    assert as_table(rows)[1][-1] == "18.750"  # exact in CSV and XLSX, not a float


def test_eligibility_needs_every_year_the_policy_names(db: Engine, now: datetime, cast: Cast) -> None:
    with reading(db) as s:
        two_years = {r.nip: r for r in eligibility_rows(s, cast.cycle_id, actor=ROOT)}
    assert set(two_years) == {KADIS, KABID, KABID2, STAF1, STAF2}  # the Sekda has no predikat
    assert not any(r.eligible for r in two_years.values())  # skpflow holds no 2025 result
    assert two_years[STAF1].history == {2025: None, 2026: "SANGAT_BAIK"}
    assert two_years[STAF2].reasons == ("2025: no annual predikat", "2026: BUTUH_PERBAIKAN is below BAIK")

    with unit_of_work(db) as s:  # an instansi whose rule counts the last year only
        cycle = s.get_one(Cycle, cast.cycle_id)
        preset = policy_store.cycle_policy(s, cycle)
        one_year = preset.model_copy(
            update={"name": "one-year", "eligibility": preset.eligibility.model_copy(update={"years": 1})}
        )
        pinned = policy_store.store(s, one_year, instansi_id=cast.instansi_id, created_by="test", now=now).id
        s.execute(update(Cycle).where(col(Cycle.id) == cast.cycle_id).values(policy_version_id=pinned))
    with reading(db) as s:
        rows = eligibility_rows(s, cast.cycle_id, actor=ROOT)
    assert {r.nip for r in rows if r.eligible} == {KADIS, KABID, KABID2, STAF1}
    assert rows[-1].nip == STAF2 and rows[-1].reasons == ("2026: BUTUH_PERBAIKAN is below BAIK",)


def test_the_ranking_per_unit_with_ties_sharing_a_rank(db: Engine, cast: Cast) -> None:
    with reading(db) as s:
        p2p = ranking_rows(s, cast.cycle_id, actor=ROOT, unit="DINKES-P2P")
        everyone = ranking_rows(s, cast.cycle_id, actor=ROOT)
        fungsional = ranking_rows(s, cast.cycle_id, actor=ROOT, jabatan_type="FUNGSIONAL")
    assert [(r.rank, r.of, r.nip, r.predikat, r.skp_id) for r in p2p] == [
        (1, 3, STAF1, "SANGAT_BAIK", cast.skps[STAF1]),
        (2, 3, KABID, "BAIK", cast.skps[KABID]),
        (3, 3, STAF2, "BUTUH_PERBAIKAN", cast.skps[STAF2]),
    ]
    assert [(r.unit_code, r.rank, r.of) for r in everyone if r.unit_code != "DINKES-P2P"] == [
        ("DINKES", 1, 1),
        ("DINKES-YANKES", 1, 1),
    ]
    assert [(r.nip, r.rank, r.of) for r in fungsional] == [(STAF1, 1, 1)]


def test_only_hr_and_auditors_read_careers(db: Engine, cast: Cast) -> None:
    auditor = Actor(ref="user:bpk", auditor_of=frozenset({cast.instansi_id}))
    with reading(db) as s:
        assert ranking_rows(s, cast.cycle_id, actor=auditor)
        with pytest.raises(NotPermitted):
            ranking_rows(s, cast.cycle_id, actor=cast.actors[KADIS])  # a pegawai of the instansi: refused
        with pytest.raises(NotFound):
            angka_kredit_rows(s, cast.cycle_id, actor=Actor.admin("other", frozenset({999})))  # not told
