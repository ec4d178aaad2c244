"""Status periods as HR records them (by SK, through the use case and the import): a cycle or period opening skips
whoever is out, a status starting mid-year closes the running SKP for the months served, one ending drafts a new
SKP, an overlap is refused, and tugas belajar is rated from the study-progress report where the policy says so."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session
from sqlmodel import col

from policies.schema import TugasBelajar, TugasBelajarSource
from policies.status import StatusIn
from states.enums import PegawaiStatus, Predikat
from states.errors import InvalidInput, NotFound, NotPermitted
from tests.integration.org import KABID, KABID2, KADIS, SEKDA, STAF1, STAF2, small_org
from tests.integration.scenario import ROOT, event_count, monitored_cycle, open_cycle
from workflows import audit
from workflows.actors import Actor
from workflows.cases import cycles, policy_store
from workflows.cases.evaluations.periods import open_period
from workflows.cases.org.imports import import_org
from workflows.cases.status import periods_of, record_study_progress, set_status
from workflows.queries.careers import eligibility_rows
from workflows.store.tables import AuditEvent, Cycle, Evaluation, Pegawai, Skp, StatusPeriod
from workflows.store.uow import reading, unit_of_work

SK = "SK Bupati 800/12/2026"
TB, CLTN, MPP = PegawaiStatus.TUGAS_BELAJAR, PegawaiStatus.CLTN, PegawaiStatus.MASA_PERSIAPAN_PENSIUN


def _skps_of(s: Session, nip: str) -> list[Skp]:
    return list(
        s.scalars(
            select(Skp).join(Pegawai, col(Pegawai.id) == col(Skp.pegawai_id)).where(col(Pegawai.nip) == nip)
        ).all()
    )


def _triggers(s: Session, skp_id: int) -> list[str]:
    return list(
        s.scalars(
            select(col(AuditEvent.trigger))
            .where(col(AuditEvent.entity_type) == "skp", col(AuditEvent.entity_id) == skp_id)
            .order_by(col(AuditEvent.seq))
        )
    )


def test_opening_the_cycle_skips_the_excluded_and_drafts_around_a_return(db: Engine, now: datetime) -> None:
    """STAF2 is in tugas belajar the whole year, STAF1 on CLTN until the end of March (both from the import)."""
    rows = [p.model_dump() for p in small_org().pegawai]
    for row in rows:
        row["password"] = None
        if row["nip"] == STAF2:
            row |= {"status": "TUGAS_BELAJAR", "status_from": date(2025, 8, 1), "status_sk_number": SK}
        if row["nip"] == STAF1:
            row |= {"status": "CLTN", "status_from": date(2025, 10, 1), "status_until": date(2026, 3, 31)}
            row["status_sk_number"] = "SK CLTN 1"
    with unit_of_work(db) as s:
        instansi_id = import_org(s, small_org(pegawai=rows), actor=ROOT, now=now).instansi_id
        pv = policy_store.preset(s, "permenpanrb-6-2022", now=now)
        cycle_id = cycles.create(
            s, instansi_id=instansi_id, year=2026, name="SKP 2026", policy_version_id=pv.id, actor=ROOT, now=now
        ).id
    opened = cycles.open_cycle(lambda: Session(db, expire_on_commit=False), cycle_id, actor=ROOT, now=now, chunk=2)
    assert (opened.drafted, opened.already) == (5, 0)
    with reading(db) as s:
        assert _skps_of(s, STAF2) == []
        (back,) = _skps_of(s, STAF1)
        assert (back.periode_awal, back.periode_akhir, back.state) == (date(2026, 4, 1), date(2026, 12, 31), "drafted")
        assert back.penilai_id == s.scalar(select(col(Pegawai.id)).where(col(Pegawai.nip) == KABID))
        assert {
            (sk.periode_awal, sk.periode_akhir) for n in (SEKDA, KADIS, KABID, KABID2) for sk in _skps_of(s, n)
        } == {(date(2026, 1, 1), date(2026, 12, 31))}
        assert [p.status for p in periods_of(s, STAF2, actor=ROOT)] == ["TUGAS_BELAJAR"]
        assert audit.verify(s).ok
    again = cycles.open_cycle(lambda: Session(db, expire_on_commit=False), cycle_id, actor=ROOT, now=now)
    assert (again.drafted, again.already) == (0, 5)  # resumable: nothing drafted twice


def test_a_status_from_july_closes_the_running_skp_for_the_months_served(db: Engine, now: datetime) -> None:
    cast = monitored_cycle(db, now)
    july = now + timedelta(days=170)
    before = event_count(db)
    with unit_of_work(db) as s:
        done = set_status(s, STAF1, StatusIn(MPP, date(2026, 7, 1), None, SK, "pensiun 2027"), actor=ROOT, now=july)
    assert (done.closed_skp_ids, done.new_skp_ids, done.replaced) == ([cast.skps[STAF1]], [], False)
    with reading(db) as s:
        skp = s.get_one(Skp, cast.skps[STAF1])
        assert (skp.state, skp.periode_akhir) == ("monitored", date(2026, 6, 30))
        assert skp.closing_reason == "masa persiapan pensiun mulai 2026-07-01"
        assert _triggers(s, skp.id or 0)[-1] == "close_for_status"
        event = s.scalars(select(AuditEvent).where(col(AuditEvent.trigger) == "set_status")).one()
        assert event.entity_type == "instansi" and event.actor == ROOT.ref
        assert event.note == f"status Dewi Epidemiolog ({STAF1}): masa persiapan pensiun 2026-07-01 – …; SK {SK}"
        assert audit.verify(s).ok
    assert event_count(db) == before + 2  # the SKP's closing and the status itself
    with unit_of_work(db) as s:  # the same record again changes no SKP
        again = set_status(s, STAF1, StatusIn(MPP, date(2026, 7, 1), None, SK, "pensiun 2027"), actor=ROOT, now=july)
    assert (again.closed_skp_ids, again.new_skp_ids, again.replaced) == ([], [], True)


def test_the_status_ending_drafts_a_new_skp_from_the_next_day(db: Engine, now: datetime) -> None:
    cast = monitored_cycle(db, now)
    july = now + timedelta(days=170)
    with unit_of_work(db) as s:
        set_status(s, STAF2, StatusIn(TB, date(2026, 7, 1), None, SK), actor=ROOT, now=july)
    october = now + timedelta(days=270)
    with unit_of_work(db) as s:
        ended = set_status(s, STAF2, StatusIn(TB, date(2026, 7, 1), date(2026, 9, 30), SK), actor=ROOT, now=october)
    assert ended.replaced and ended.closed_skp_ids == []
    (new_id,) = ended.new_skp_ids
    with reading(db) as s:
        new = s.get_one(Skp, new_id)
        assert (new.state, new.periode_awal, new.periode_akhir) == ("drafted", date(2026, 10, 1), date(2026, 12, 31))
        assert (new.cycle_id, new.penilai_id) == (cast.cycle_id, cast.actors[KABID].pegawai_id)
        assert new.closing_reason is None
        assert _triggers(s, new_id) == ["draft"]
        old = s.get_one(Skp, cast.skps[STAF2])
        assert (old.periode_akhir, old.closing_reason) == (date(2026, 6, 30), "tugas belajar mulai 2026-07-01")
        assert audit.verify(s).ok


def test_a_known_return_and_a_later_status_give_an_skp_that_closes_at_once(db: Engine, now: datetime) -> None:
    """Back from CLTN on 1 May with masa persiapan pensiun already decreed from 1 October: the SKP for May to
    September is drafted and closes for the months it covers."""
    cast = monitored_cycle(db, now)
    with unit_of_work(db) as s:
        set_status(s, KABID2, StatusIn(MPP, date(2026, 10, 1), None, "SK MPP"), actor=ROOT, now=now)
        done = set_status(
            s, KABID2, StatusIn(CLTN, date(2026, 2, 1), date(2026, 4, 30), "SK CLTN"), actor=ROOT, now=now
        )
    assert done.closed_skp_ids[0] == cast.skps[KABID2]
    with reading(db) as s:
        spans = sorted((k.periode_awal, k.periode_akhir, k.closing_reason) for k in _skps_of(s, KABID2))
    assert spans == [
        (date(2026, 1, 1), date(2026, 1, 31), "CLTN mulai 2026-02-01"),
        (date(2026, 5, 1), date(2026, 9, 30), "masa persiapan pensiun mulai 2026-10-01"),
    ]


@pytest.mark.parametrize(
    ("inp", "problem"),
    [
        (StatusIn(CLTN, date(2026, 8, 1), None, SK), "from: the period overlaps the recorded TUGAS_BELAJAR"),
        (StatusIn(CLTN, date(2026, 5, 1), date(2026, 7, 1), SK), "from: the period overlaps the recorded"),
        (StatusIn(CLTN, date(2026, 3, 1), date(2026, 2, 1), SK), "until: 2026-02-01 is before from"),
        (StatusIn(CLTN, date(2026, 3, 1), date(2026, 3, 2), "  "), "sk_number: required"),
    ],
)
def test_an_overlapping_or_incomplete_period_is_refused_and_changes_nothing(
    db: Engine, now: datetime, inp: StatusIn, problem: str
) -> None:
    open_cycle(db, now)
    with unit_of_work(db) as s:
        set_status(s, STAF1, StatusIn(TB, date(2026, 7, 1), None, SK), actor=ROOT, now=now)
    before = event_count(db)
    with unit_of_work(db) as s, pytest.raises(InvalidInput) as refused:
        set_status(s, STAF1, inp, actor=ROOT, now=now)
    assert refused.value.problems[0].startswith(problem)
    assert event_count(db) == before
    with reading(db) as s:
        assert len(s.scalars(select(StatusPeriod)).all()) == 1


@pytest.mark.parametrize(
    ("actor", "error"),
    [(Actor.pegawai(1, KABID), NotPermitted), (Actor.admin("lain", frozenset({999})), NotFound)],
)
def test_only_hr_of_the_instansi_sets_a_status(db: Engine, now: datetime, actor: Actor, error: type[Exception]) -> None:
    open_cycle(db, now)
    with unit_of_work(db) as s, pytest.raises(error):
        set_status(s, STAF1, StatusIn(TB, date(2026, 7, 1), None, SK), actor=actor, now=now)


def test_opening_a_period_skips_whoever_is_out_all_of_it(db: Engine, now: datetime) -> None:
    cast = monitored_cycle(db, now)
    with unit_of_work(db) as s:
        set_status(s, STAF1, StatusIn(TB, date(2026, 2, 15), None, SK), actor=ROOT, now=now)
    sessions = lambda: Session(db, expire_on_commit=False)  # noqa: E731
    february = open_period(sessions, cast.cycle_id, 2, actor=ROOT, now=now)
    march = open_period(sessions, cast.cycle_id, 3, actor=ROOT, now=now)
    assert (february.opened, march.opened) == (6, 5)  # two weeks of February served; none of March
    with reading(db) as s:
        in_march = set(s.scalars(select(col(Evaluation.skp_id)).where(col(Evaluation.period_no) == 3)).all())
    assert cast.skps[STAF1] not in in_march


def test_tugas_belajar_is_rated_from_study_progress_in_eligibility(db: Engine, now: datetime) -> None:
    cycle_id = open_cycle(db, now)
    with unit_of_work(db) as s:
        set_status(s, STAF2, StatusIn(TB, date(2026, 1, 1), date(2028, 8, 31), SK), actor=ROOT, now=now)
        recorded = record_study_progress(
            s,
            STAF2,
            2026,
            Predikat.BAIK,
            "Laporan kemajuan studi semester 1–2, Universitas Hasanuddin",
            actor=ROOT,
            now=now,
        )
    assert (recorded.year, recorded.predikat) == (2026, "BAIK")
    with reading(db) as s:
        rows = {r.nip: r for r in eligibility_rows(s, cycle_id, actor=ROOT)}
        assert audit.verify(s).ok
    assert rows[STAF2].history == {2025: None, 2026: "BAIK"}
    assert rows[STAF2].tugas_belajar == (2026,)
    assert rows[STAF2].reasons == ("2025: no annual predikat",)

    with unit_of_work(db) as s:  # an instansi that reads domain.md's way: no predikat, a neutral year
        cycle = s.get_one(Cycle, cycle_id)
        preset = policy_store.cycle_policy(s, cycle)
        excluded = preset.model_copy(
            update={
                "name": "tubel-excluded",
                "tugas_belajar": TugasBelajar(predikat_source=TugasBelajarSource.EXCLUDED),
            }
        )
        pinned = policy_store.store(s, excluded, instansi_id=cycle.instansi_id, created_by="test", now=now).id
        s.execute(update(Cycle).where(col(Cycle.id) == cycle_id).values(policy_version_id=pinned))
    with reading(db) as s:
        rows = {r.nip: r for r in eligibility_rows(s, cycle_id, actor=ROOT)}
    assert rows[STAF2].history == {2025: None, 2026: "TUGAS_BELAJAR"}
    assert rows[STAF2].reasons == ("2025: no annual predikat",)
    with unit_of_work(db) as s, pytest.raises(InvalidInput, match="predikat_source: EXCLUDED"):
        record_study_progress(s, STAF2, 2026, Predikat.BAIK, "laporan", actor=ROOT, now=now)


def test_study_progress_needs_a_tugas_belajar_year(db: Engine, now: datetime) -> None:
    open_cycle(db, now)
    with unit_of_work(db) as s, pytest.raises(InvalidInput) as refused:
        record_study_progress(s, STAF1, 2026, Predikat.BAIK, "", actor=ROOT, now=now)
    assert refused.value.problems == [
        "report: required (the study-progress report the predikat comes from)",
        f"year: {STAF1} has no TUGAS_BELAJAR status period in 2026",
    ]


def test_the_import_refuses_an_overlap_by_row_and_column(db: Engine, now: datetime) -> None:
    open_cycle(db, now)
    with unit_of_work(db) as s:
        set_status(s, STAF1, StatusIn(TB, date(2026, 7, 1), None, SK), actor=ROOT, now=now)
    rows = [p.model_dump() for p in small_org().pegawai]
    for row in rows:
        row["password"] = None
        if row["nip"] == STAF1:
            row |= {"status": "CLTN", "status_from": date(2026, 9, 1), "status_sk_number": "SK 2"}
    before = event_count(db)
    with unit_of_work(db) as s, pytest.raises(InvalidInput) as refused:
        import_org(s, small_org(pegawai=rows), actor=ROOT, now=now)
    assert refused.value.problems[0].startswith("pegawai[4].status_from: the period overlaps the recorded TUGAS")
    assert event_count(db) == before
