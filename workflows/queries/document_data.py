"""What the official documents print: an SKP with its pegawai, pejabat penilai and the atasan's RHK they intervene
on, read through the SKP use case."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from policies import approach
from policies.input_360 import ValueAggregate
from policies.schema import Policy
from states.enums import Rating
from workflows.actors import Actor
from workflows.cases import input_360, periodic_evidence, policy_store, skps
from workflows.cases.annual import AnnualPredikat, annual_predikat
from workflows.cases.periodic_evidence import PeriodicEvidence
from workflows.store.tables import Evaluation, Instansi, Pegawai, Realisasi, Rhk, Unit


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
    pendekatan: str | None = None  # KUANTITATIF, KUALITATIF or CAMPURAN (approach.MIXED); None without indikator
    # each indikator's rating in the latest rated period (the penilai's, else a quantitative one's capaian rating)
    indikator_ratings: dict[int, str] = field(default_factory=dict)
    rated_period: int | None = None
    annual: AnnualPredikat | None = None  # the pegawai's annual predikat of the year, every rated SKP combined
    input_360: Input360Summary | None = None  # the annual 360 input, when any was asked for
    periodic: PeriodicEvidence | None = None  # the SKP's periods and their predikat: the annual rating's evidence

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
        pendekatan=approach.pendekatan(i["approach"] for r in view.rhk for i in r["indikator"]),
        **_latest_ratings(session, skp_row.id or 0, view, policy_store.cycle_policy(session, cycle)),
        annual=annual_predikat(
            session, instansi_id=cycle.instansi_id, years=[cycle.year], pegawai_ids=[skp_row.pegawai_id]
        ).get((skp_row.pegawai_id, cycle.year)),
        input_360=summary,
        periodic=periodic_evidence.of_skp(session, skp_row.id or 0),
    )


def _latest_ratings(session: Session, skp_id: int, view: skps.SkpView, policy: Policy) -> dict[str, Any]:
    """Each indikator's rating in the SKP's latest rated period, in one statement."""
    latest = (
        select(func.max(col(Evaluation.period_no)))
        .where(col(Evaluation.skp_id) == skp_id, col(Evaluation.predikat).is_not(None))
        .scalar_subquery()
    )
    rows = session.execute(
        select(col(Evaluation.period_no), col(Realisasi.indikator_id), col(Realisasi.value), col(Realisasi.rating))
        .join(Realisasi, col(Realisasi.evaluation_id) == col(Evaluation.id))
        .where(col(Evaluation.skp_id) == skp_id, col(Evaluation.period_no) == latest)
    ).tuples()
    found = {indikator_id: (period, value, rating) for period, indikator_id, value, rating in rows}
    ratings: dict[int, str] = {}
    period_no = None
    for r in view.rhk:
        for i in r["indikator"]:
            if i["id"] not in found:
                continue
            period_no, value, given = found[i["id"]]
            rating = approach.indikator_rating(
                policy,
                approach=i["approach"],
                aspek=i["aspek"],
                target=i["target"],
                value=value,
                given=Rating(given) if given else None,
            )
            if rating is not None:
                ratings[i["id"]] = rating.value
    return {"indikator_ratings": ratings, "rated_period": period_no}
