"""`POST /pegawai/{nip}/mutasi`: HR records a mutasi; the running SKP closes at the move, a new one is drafted.
`PUT /pegawai/{nip}/kontrak`: HR records a PPPK's contract (perjanjian kerja)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from api.deps import CurrentActor, Db, Now
from api.errors import responses
from workflows.cases.kontrak import KontrakIn, KontrakView, PegawaiKontrak, contracts_of, set_kontrak
from workflows.cases.mutasi import MutasiIn, PegawaiMoved, mutasi_pegawai
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
