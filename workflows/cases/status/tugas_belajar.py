"""Tugas belajar: the study-progress reports its predikat comes from (policy `tugas_belajar.predikat_source`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from policies.schema import TugasBelajarSource
from states.enums import PegawaiStatus, Predikat
from states.errors import InvalidInput
from states.messages import Problem
from states.roles import Role
from workflows import engine
from workflows.actors import Actor
from workflows.cases import policy_store
from workflows.cases.status.periods import _pegawai
from workflows.cases.status.spans import spans_by_pegawai
from workflows.store.tables import Cycle, Instansi, StudyProgress

# --- tugas belajar ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StudyProgressOut:
    nip: str
    year: int
    predikat: str
    report: str
    note: str | None


def record_study_progress(
    session: Session,
    nip: str,
    year: int,
    predikat: Predikat,
    report: str,
    *,
    note: str | None = None,
    actor: Actor,
    now: datetime,
) -> StudyProgressOut:
    """HR records the predikat of a year of tugas belajar from the study-progress report (laporan kemajuan studi),
    under the policy of the instansi's cycle of that year when it reads `tugas_belajar.predikat_source:
    STUDY_PROGRESS`. Audited as `study_progress` on the instansi's chain; a second record for the year replaces it."""
    pegawai = _pegawai(session, nip, actor, "study_progress")
    problems: list[Problem] = []
    if not report.strip():
        problems.append(Problem.say("input.study_progress.report"))
    cycle = session.scalar(select(Cycle).where(col(Cycle.instansi_id) == pegawai.instansi_id, col(Cycle.year) == year))
    if cycle is None:
        problems.append(Problem.say("input.study_progress.no_cycle", year=year))
    elif policy_store.cycle_policy(session, cycle).tugas_belajar.predikat_source != TugasBelajarSource.STUDY_PROGRESS:
        problems.append(Problem.say("input.study_progress.excluded", cycle=cycle.name))
    spans = spans_by_pegawai(session, [pegawai.id or 0]).get(pegawai.id or 0, [])
    if not any(
        s.status == PegawaiStatus.TUGAS_BELAJAR and s.overlaps(date(year, 1, 1), date(year, 12, 31)) for s in spans
    ):
        problems.append(Problem.say("input.study_progress.no_status", nip=nip, year=year))
    if problems:
        raise InvalidInput(problems)
    row = session.scalar(
        select(StudyProgress).where(col(StudyProgress.pegawai_id) == pegawai.id, col(StudyProgress.year) == year)
    )
    if row is None:
        row = StudyProgress(
            pegawai_id=pegawai.id or 0, year=year, predikat="", report="", recorded_at=now, recorded_by=actor.ref
        )
    row.predikat, row.report, row.note = predikat.value, report.strip(), (note or "").strip() or None
    row.recorded_at, row.recorded_by = now, actor.ref
    session.add(row)
    session.flush()
    engine.record(
        session,
        session.get_one(Instansi, pegawai.instansi_id),
        "study_progress",
        actor=actor,
        role=Role.ADMIN.value,
        now=now,
        note=(
            f"tugas belajar {pegawai.name} ({pegawai.nip}) {year}: {predikat.value.replace('_', ' ').lower()} "
            f"({row.report})"
        )[:4000],
        payload={"nip": pegawai.nip, "year": year, "predikat": predikat.value, "report": row.report, "note": row.note},
    )
    return StudyProgressOut(pegawai.nip, year, row.predikat, row.report, row.note)
