"""What the official documents print: an SKP with its pegawai, pejabat penilai and the atasan's RHK they intervene
on, read through the SKP use case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from policies.input_360 import ValueAggregate
from workflows.actors import Actor
from workflows.cases import input_360, policy_store, skps
from workflows.store.tables import Instansi, Pegawai, Rhk, Unit


@dataclass(frozen=True)
class Person:
    name: str
    nip: str
    jabatan: str
    unit: str


@dataclass(frozen=True)
class DocumentData:
    skp: skps.SkpView
    instansi: str
    year: int
    periode_awal: date
    periode_akhir: date
    pegawai: Person
    penilai: Person | None
    atasan_penilai: Person | None
    intervened: dict[int, str]  # the atasan's RHK text by id
    input_360: Input360Summary | None = None  # the annual 360 input, when any was asked for

    @property
    def nip(self) -> str:
        return self.pegawai.nip


@dataclass(frozen=True)
class Input360Summary:
    """The annual 360 input as the document prints it: how many were asked, how many answered, the aggregate (never
    who said what: the document goes to the pegawai)."""

    named: int
    answered: int
    values: tuple[ValueAggregate, ...]
    min_inputs_shown: int


def _person(session: Session, pegawai_id: int | None) -> Person | None:
    p = session.get(Pegawai, pegawai_id) if pegawai_id else None
    if p is None:
        return None
    unit = session.get(Unit, p.unit_id)
    return Person(p.name, p.nip, p.jabatan_name, unit.name if unit else "")


def gather(session: Session, skp_id: int, actor: Actor) -> DocumentData:
    """What the documents print, read through the SKP use case (NotFound for anyone without a standing)."""
    skp_row, cycle, _ = skps.load(session, skp_id, actor)
    view = skps.view(session, skp_row, actor)
    instansi = session.get(Instansi, cycle.instansi_id)
    pegawai = _person(session, skp_row.pegawai_id)
    assert pegawai is not None
    ids = [r["intervensi_rhk_id"] for r in view.rhk if r["intervensi_rhk_id"]]
    found = session.execute(select(col(Rhk.id), col(Rhk.text)).where(col(Rhk.id).in_(ids))).all()
    intervened = {rid or 0: text for rid, text in found}
    policy = policy_store.cycle_policy(session, cycle)
    named, answered, values = input_360.annual_aggregate(session, skp_row, policy)
    summary = Input360Summary(named, answered, values, policy.perilaku.min_inputs_shown) if named else None
    return DocumentData(
        skp=view,
        instansi=instansi.name if instansi else "",
        year=cycle.year,
        periode_awal=skp_row.periode_awal,
        periode_akhir=skp_row.periode_akhir,
        pegawai=pegawai,
        penilai=_person(session, skp_row.penilai_id),
        atasan_penilai=_person(session, skp_row.atasan_penilai_id),
        intervened=intervened,
        input_360=summary,
    )
