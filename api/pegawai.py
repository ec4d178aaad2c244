"""HR's actions on one pegawai: `POST /pegawai/{nip}/mutasi` (the running SKP closes at the move, a new one is
drafted), `PUT /pegawai/{nip}/status` (status periods), the study-progress predikat of tugas belajar, and
`PUT /pegawai/{nip}/kontrak` (a PPPK's contract, perjanjian kerja)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from api.deps import CurrentActor, Db, Now
from api.errors import responses
from policies.status import StatusIn
from states.enums import PegawaiStatus, Predikat
from workflows.cases.kontrak import KontrakIn, KontrakView, PegawaiKontrak, contracts_of, set_kontrak
from workflows.cases.mutasi import MutasiIn, PegawaiMoved, mutasi_pegawai
from workflows.cases.status import (
    StatusPeriodOut,
    StudyProgressOut,
    periods_of,
    record_study_progress,
    set_status,
)
from workflows.store.uow import reading, unit_of_work

router = APIRouter(tags=["organisation"])

Nip = Annotated[str, Path(pattern=r"^\d{18}$", description="The pegawai's NIP (18 digits).")]


class MutasiBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    unit: str = Field(min_length=1, max_length=64, description="Code of the unit the pegawai moves to.")
    effective: date = Field(description="The day the mutasi takes effect (TMT); within the running SKP's period.")
    jabatan: str | None = Field(
        default=None, min_length=1, max_length=300, description="The new jabatan name; by default it stays."
    )
    atasan_nip: str | None = Field(
        default=None,
        pattern=r"^\d{18}$",
        description="The new direct atasan (pejabat penilai); by default the head of the new unit or the nearest "
        "unit above it.",
    )
    sk_number: str | None = Field(default=None, max_length=120, description="The mutasi decree, e.g. 'SK Bupati …'.")
    note: str | None = Field(default=None, max_length=1000)


@router.post(
    "/pegawai/{nip}/mutasi",
    summary="Record a mutasi of a pegawai",
    responses=responses(401, 403, 404, 409, 422),
)
def record_mutasi(nip: Nip, body: MutasiBody, db: Db, now: Now, actor: CurrentActor) -> PegawaiMoved:
    """By an admin of the pegawai's instansi, in one transaction: the pegawai moves to `unit`; an SKP being
    monitored closes for the mutasi (its penilai assesses it) and a new SKP is drafted in the new unit from
    `effective`; an SKP still being planned moves with the pegawai to the new penilai; those the pegawai rated by
    override get their unit's head, and the open steps move with them (audited as `reassigned`)."""
    inp = MutasiIn(
        unit=body.unit,
        effective=body.effective,
        jabatan=body.jabatan,
        atasan_nip=body.atasan_nip,
        sk_number=body.sk_number,
        note=body.note,
    )
    with unit_of_work(db) as s:
        return mutasi_pegawai(s, nip, inp, actor=actor, now=now)


# --- status periods ---------------------------------------------------------------------------------------------


class StatusBody(BaseModel):
    """A status period, as `PUT /pegawai/{nip}/status` takes it and answers it."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    status: PegawaiStatus = Field(description="AKTIF, TUGAS_BELAJAR, CLTN, DIBERHENTIKAN_SEMENTARA, …")
    from_: date = Field(alias="from", description="First day in the status (TMT of the SK).")
    until: date | None = Field(
        default=None, description="Last day in the status; omitted: until further notice. Set it to end the status."
    )
    sk_number: str = Field(min_length=1, max_length=120, description="The SK that sets the status.")
    note: str | None = Field(default=None, max_length=1000)


class StatusAnswer(BaseModel):
    nip: str
    period: StatusBody
    replaced: bool = Field(description="A period with the same `from` was recorded before and is replaced.")
    closed_skp_ids: list[int] = Field(description="SKPs closed for the months served (their penilai assesses them).")
    new_skp_ids: list[int] = Field(description="SKPs drafted from the day the pegawai serves again.")
    withdrawn_skp_ids: list[int] = Field(
        default_factory=list,
        description="SKPs not yet agreed that the status, now begun, withdraws (the agreement ladder stops for them).",
    )


def _body(p: StatusPeriodOut) -> StatusBody:
    return StatusBody(status=PegawaiStatus(p.status), from_=p.starts, until=p.until, sk_number=p.sk_number, note=p.note)


@router.put(
    "/pegawai/{nip}/status",
    summary="Record or end a status period of a pegawai",
    responses=responses(401, 403, 404, 422),
)
def put_status(nip: Nip, body: StatusBody, db: Db, now: Now, actor: CurrentActor) -> StatusAnswer:
    """By an admin of the pegawai's instansi, in one transaction: the period is recorded (one with the same `from`
    is replaced: that is how a status ends, by giving its `until`). Periods of one pegawai never overlap (422). Under
    the cycle's policy (`status.excluded`), a status starting inside a running SKP closes it for the months served
    (audited `close_for_status`), and the stretch after one ends gets a new SKP drafted from the next day; an SKP
    not yet agreed is withdrawn once the status has begun (audited `withdraw`), so no agreement deadline chases it."""
    inp = StatusIn(body.status, body.from_, body.until, body.sk_number, body.note)
    with unit_of_work(db) as s:
        done = set_status(s, nip, inp, actor=actor, now=now)
    return StatusAnswer(
        nip=done.nip,
        period=_body(done.period),
        replaced=done.replaced,
        closed_skp_ids=done.closed_skp_ids,
        new_skp_ids=done.new_skp_ids,
        withdrawn_skp_ids=done.withdrawn_skp_ids,
    )


@router.get(
    "/pegawai/{nip}/status",
    summary="The status periods of a pegawai",
    responses=responses(401, 404),
)
def get_status(nip: Nip, db: Db, actor: CurrentActor) -> list[StatusBody]:
    """Oldest first; for HR and the auditors of the pegawai's instansi. No period: AKTIF."""
    with reading(db) as s:
        return [_body(p) for p in periods_of(s, nip, actor=actor)]


class StudyProgressBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    predikat: Predikat = Field(description="The year's predikat as the study-progress report supports it.")
    report: str = Field(
        min_length=1, max_length=200, description="The laporan kemajuan studi it comes from (number, institution)."
    )
    note: str | None = Field(default=None, max_length=1000)


@router.put(
    "/pegawai/{nip}/study-progress/{year}",
    summary="Record the predikat of a year of tugas belajar",
    responses=responses(401, 403, 404, 422),
)
def put_study_progress(
    nip: Nip,
    year: Annotated[int, Path(ge=2000, le=2100)],
    body: StudyProgressBody,
    db: Db,
    now: Now,
    actor: CurrentActor,
) -> StudyProgressOut:
    """By an admin, where the policy of the instansi's cycle of `year` reads `tugas_belajar.predikat_source:
    STUDY_PROGRESS` and the pegawai was in TUGAS_BELAJAR that year; eligibility reads it as the year's predikat."""
    with unit_of_work(db) as s:
        return record_study_progress(s, nip, year, body.predikat, body.report, note=body.note, actor=actor, now=now)


class KontrakBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kontrak_mulai: date = Field(description="The contract's first day (TMT perjanjian kerja).")
    kontrak_selesai: date = Field(description="The contract's last day; on or after kontrak_mulai.")
    sk_number: str | None = Field(default=None, max_length=120, description="The contract's SK or perjanjian kerja.")
    note: str | None = Field(default=None, max_length=1000)


@router.put(
    "/pegawai/{nip}/kontrak",
    summary="Record a PPPK's contract",
    responses=responses(401, 403, 404, 422),
)
def record_kontrak(nip: Nip, body: KontrakBody, db: Db, now: Now, actor: CurrentActor) -> KontrakView:
    """By an admin of the pegawai's instansi, audited on the contract's chain: a contract starting on the day of a
    recorded one corrects it, any other is the pegawai's next contract. Refused (422, nothing changes) for a PNS,
    when kontrak_selesai is before kontrak_mulai, or when it overlaps another contract. The contract ladder opens
    the extension recommendation before it ends (policy `kontrak`, `deadlines.kontrak_recommendation`)."""
    inp = KontrakIn(body.kontrak_mulai, body.kontrak_selesai, body.sk_number, body.note)
    with unit_of_work(db) as s:
        return set_kontrak(s, nip, inp, actor=actor, now=now)


@router.get("/pegawai/{nip}/kontrak", summary="A pegawai's contracts", responses=responses(401, 404))
def list_kontrak(nip: Nip, db: Db, actor: CurrentActor) -> PegawaiKontrak:
    """The pegawai's contracts, oldest first, each with its extension recommendation case once opened."""
    with reading(db) as s:
        return contracts_of(s, nip, actor=actor)
