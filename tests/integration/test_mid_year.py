"""Mid-year SKPs on both databases: a mutasi in July drafts an SKP whose agreement deadline runs from its own start,
whose periods begin with it, and whose predikat combines with the closed SKP's into the year's annual predikat."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from sqlmodel import col

from states.enums import CapaianLevel, Predikat, Rating
from states.lifecycle import TriggerInput
from tests.integration.org import KABID, KABID2, STAF1
from tests.integration.scenario import ROOT, Cast, monitored_cycle, plan
from workflows import audit
from workflows.actors import Actor
from workflows.cases import cycles, evaluations, skps
from workflows.cases.annual import annual_predikat
from workflows.cases.mutasi import MutasiIn, mutasi_pegawai
from workflows.flows.sweep import enforce_deadlines
from workflows.queries import careers
from workflows.queries.explain import explain
from workflows.queries.monitoring import monitoring
from workflows.store.tables import DeadlineStep, Evaluation, Skp
from workflows.store.uow import reading, unit_of_work

WITA = ZoneInfo("Asia/Makassar")  # the small organisation's zone
EFFECTIVE = date(2026, 7, 15)  # a Wednesday
# 20 working days after 15 July 2026, Monday to Friday: the 12th of August (no holiday in between)
OWN_DUE = datetime(2026, 8, 13, tzinfo=WITA)
SK = "SK Bupati 821/77/2026"


def sessions(db: Engine) -> Session:
    return Session(db, expire_on_commit=False)


def at(month: int, day: int, hour: int = 7) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=WITA)


def moved_in_july(db: Engine, now: datetime) -> tuple[Cast, int, int]:
    """The small organisation monitored; STAF1 moves to Bidang Pelayanan on 15 July: the closed and the new SKP."""
    cast = monitored_cycle(db, now)
    with unit_of_work(db) as s:
        moved = mutasi_pegawai(s, STAF1, MutasiIn("DINKES-YANKES", EFFECTIVE, sk_number=SK), actor=ROOT, now=at(7, 15))
    assert moved.closed_skp_id is not None and moved.new_skp_id is not None
    return cast, moved.closed_skp_id, moved.new_skp_id


def agreed_in_the_new_unit(db: Engine, cast: Cast, new: int) -> None:
    """STAF1's new SKP planned under KABID2's RHK, cascaded and agreed by KABID2, and monitored, in July."""
    staff = Actor.pegawai(cast.actors[STAF1].pegawai_id or 0, STAF1)
    with unit_of_work(db) as s:
        boss_rhk = skps.get(s, cast.skps[KABID2], staff).rhk[0]["id"]
        skps.save_plan(s, new, plan(boss_rhk), actor=staff, now=at(7, 20))
        skps.fire(s, new, "cascade", actor=cast.actors[KABID2], now=at(7, 20))
        skps.fire(s, new, "agree", actor=cast.actors[KABID2], now=at(7, 21))
        skps.fire(s, new, "monitor", actor=ROOT, now=at(7, 22))


def steps_of(db: Engine, skp_id: int) -> list[tuple[int, str, datetime]]:
    with reading(db) as s:
        rows = s.execute(
            select(col(DeadlineStep.step_index), col(DeadlineStep.action), col(DeadlineStep.due_at))
            .where(
                col(DeadlineStep.deadline_key) == "skp_agreement",
                col(DeadlineStep.entity_type) == "skp",
                col(DeadlineStep.entity_id) == skp_id,
            )
            .order_by(col(DeadlineStep.step_index))
        ).tuples()
        return list(rows)


def test_a_mutasi_in_july_gives_the_new_skp_its_own_agreement_deadline(db: Engine, now: datetime) -> None:
    _, closed, new = moved_in_july(db, now)
    with reading(db) as s:
        old_row, new_row = s.get_one(Skp, closed), s.get_one(Skp, new)
        assert (old_row.periode_awal, old_row.periode_akhir) == (date(2026, 1, 1), date(2026, 7, 14))
        assert (new_row.periode_awal, new_row.periode_akhir) == (EFFECTIVE, date(2026, 12, 31))
        view = skps.get(s, new, ROOT)
    assert (view.mid_year, view.months, view.agreement_due) == (True, 6, OWN_DUE)

    # its first day: not overdue, nothing escalated (the cycle's 31 January is long past)
    report = enforce_deadlines(lambda: sessions(db), as_of=at(7, 16))
    agreement = report.by_key["skp_agreement"]
    assert (agreement.pending, agreement.late, agreement.steps) == (1, 0, 0)
    assert steps_of(db, new) == []
    with reading(db) as s:
        watched = monitoring(s, ROOT, view.cycle_id, now=at(7, 16))
    waiting = next(w for w in watched.waiting if w.skp_id == new)
    assert (waiting.step, waiting.due, waiting.overdue) == ("plan", OWN_DUE, False)
    yankes = next(u for u in watched.units if u.unit_code == "DINKES-YANKES")
    assert (yankes.pending_on_time, yankes.pending_late) == (1, 0)

    # the ladder runs from its own due instant: the first reminder 14 days before it, the rest in turn
    enforce_deadlines(lambda: sessions(db), as_of=at(7, 31))
    assert steps_of(db, new) == [(0, "reminder", OWN_DUE)]
    report = enforce_deadlines(lambda: sessions(db), as_of=at(8, 14))
    assert (report.by_key["skp_agreement"].late, [i for i, *_ in steps_of(db, new)]) == (1, [0, 1, 2])
    report = enforce_deadlines(lambda: sessions(db), as_of=at(8, 21))
    assert [(i, a) for i, a, _ in steps_of(db, new)][-1] == (4, "auto_action")
    assert {due.astimezone(UTC) for *_, due in steps_of(db, new)} == {OWN_DUE.astimezone(UTC)}
    assert report.by_key["skp_agreement"].auto_actions == {"hr_drafts": 1}
    with reading(db) as s:
        assert audit.verify(s).ok
        rules = [r.rule for r in explain(s, new, actor=ROOT).reasons if r.subject == "deadline"]
    assert rules[0] == "mid_year.agreement_working_days, deadlines.skp_agreement.ladder[0]"


def test_the_periods_and_the_annual_predikat_cover_the_months_each_skp_ran(db: Engine, now: datetime) -> None:
    cast, closed, new = moved_in_july(db, now)
    agreed_in_the_new_unit(db, cast, new)

    # a period that ended before the new SKP began is not expected of it; one after the old SKP closed is not either
    for period_no in (6, 7, 8):
        evaluations.open_period(lambda: sessions(db), cast.cycle_id, period_no, actor=ROOT, now=at(8, 1))
    with reading(db) as s:
        opened = set(
            s.execute(
                select(col(Evaluation.skp_id), col(Evaluation.period_no)).where(
                    col(Evaluation.skp_id).in_([closed, new])
                )
            ).tuples()
        )
    assert opened == {(closed, 6), (closed, 7), (new, 7), (new, 8)}

    # the old penilai assesses the closed SKP now (BAIK), the new one the new SKP at the year's end (SANGAT_BAIK)
    good = TriggerInput(rating_hasil_kerja=Rating.SESUAI_EKSPEKTASI, rating_perilaku=Rating.SESUAI_EKSPEKTASI)
    best = TriggerInput(rating_hasil_kerja=Rating.DI_ATAS_EKSPEKTASI, rating_perilaku=Rating.DI_ATAS_EKSPEKTASI)
    with unit_of_work(db) as s:
        skps.set_capaian(s, cast.cycle_id, cast.units["DINKES-P2P"], 7, CapaianLevel.BAIK, actor=ROOT, now=at(8, 1))
        skps.fire(s, closed, "assess", actor=cast.actors[KABID], now=at(8, 1), inp=good)
    with unit_of_work(db) as s:
        cycles.fire(s, cast.cycle_id, "start_assessment", actor=ROOT, now=at(12, 31))
        skps.set_capaian(
            s, cast.cycle_id, cast.units["DINKES-YANKES"], skps.ANNUAL, CapaianLevel.BAIK, actor=ROOT, now=at(12, 31)
        )
        skps.fire(s, new, "assess", actor=cast.actors[KABID2], now=at(12, 31), inp=best)

    # 195 days BAIK and 170 days SANGAT_BAIK: weighted by the time each ran, the year is BAIK (latest would say
    # SANGAT_BAIK); every reader of the annual predikat says the same
    with reading(db) as s:
        pid = cast.actors[STAF1].pegawai_id or 0
        year = annual_predikat(s, instansi_id=cast.instansi_id, years=[2026], pegawai_ids=[pid])[pid, 2026]
        assert (year.predikat, year.rule, [p.skp_id for p in year.parts]) == (
            Predikat.BAIK,
            "months_weighted",
            [closed, new],
        )
        ranked = next(r for r in careers.ranking_rows(s, cast.cycle_id, actor=ROOT) if r.nip == STAF1)
        assert (ranked.predikat, ranked.skp_id) == ("BAIK", new)
        eligible = next(r for r in careers.eligibility_rows(s, cast.cycle_id, actor=ROOT) if r.nip == STAF1)
        assert eligible.history[2026] == "BAIK"
        assert s.get_one(Skp, new).predikat == "SANGAT_BAIK"  # the SKP keeps its own


def test_an_skp_of_the_whole_year_keeps_the_cycles_deadline(db: Engine, now: datetime) -> None:
    cast = monitored_cycle(db, now)
    with reading(db) as s:
        view = skps.get(s, cast.skps[STAF1], ROOT)
    assert (view.periode_awal, view.mid_year, view.months) == (date(2026, 1, 1), False, 12)
    assert view.agreement_due == datetime(2026, 2, 1, tzinfo=WITA)  # late from the first instant after 31 January
