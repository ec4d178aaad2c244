"""Reading SKPs: one as the actor sees it, and the page of those the actor may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import ColumnElement, false, func, or_, select, true
from sqlalchemy.orm import Session
from sqlmodel import col
from typing_extensions import TypedDict  # pydantic validates typing.TypedDict only from Python 3.12

from policies.annual import months_covered
from policies.deadlines import anchored_on, due_date
from policies.schema import DeadlineKey
from states.enums import BERAKHLAK, CoreValue
from states.skp import SKP, SkpState
from workflows.actors import Actor
from workflows.cases import policy_store
from workflows.cases.skps.facts import Plan, plan_rows
from workflows.cases.skps.loading import fetch, load
from workflows.cases.skps.standing import Standing, standing
from workflows.store.tables import (
    Cycle,
    Pegawai,
    Skp,
    Unit,
)

LAMPIRAN_KEYS = ("dukungan_sumber_daya", "skema_pertanggungjawaban", "konsekuensi")


class IndikatorOut(TypedDict):
    id: int
    text: str
    aspek: str
    target: float | None
    satuan: str
    approach: str
    ekspektasi: str | None


# The rows of an SKP view are typed dicts, named as the API's schema names them: read by key like the JSON they
# become, validated with the view. (Comments, not docstrings: a docstring would change the published schema.)


class RhkOut(TypedDict):
    id: int
    jenis: str
    text: str
    intervensi_rhk_id: int | None
    cascade: str | None
    indikator: list[IndikatorOut]


class PerilakuOut(TypedDict):
    core_value: str
    indicators: list[str]
    ekspektasi_khusus: str | None


# The SKP as an actor sees it: what the use cases return and what the API sends (`SkpOut`).
class SkpView(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    cycle_id: int
    nip: str
    name: str
    jabatan_name: str
    unit_id: int
    penilai_nip: str | None
    state: str
    version: int
    proposed: bool
    allowed_triggers: list[str] = Field(description="Triggers the caller may fire now.")
    rhk: list[RhkOut]
    perilaku: list[PerilakuOut]
    lampiran: dict[str, list[str]]
    rating_hasil_kerja: str | None
    rating_perilaku: str | None
    predikat: str | None
    periode_awal: date = Field(description="The SKP's own first day: 1 January, or later for a mid-year SKP.")
    periode_akhir: date = Field(description="The SKP's last day: 31 December, or the day before a mutasi closed it.")
    mid_year: bool = Field(
        default=False, description="Whether it starts after 1 January (a mutasi, a new appointee, a status ending)."
    )
    months: int = Field(default=12, description="The calendar months its periode touches.")
    agreement_due: datetime | None = Field(
        default=None,
        description="The first instant its agreement is late, in its unit's zone: the cycle's skp_agreement, or for "
        "a mid-year SKP mid_year.agreement_working_days working days after its start (never earlier).",
    )


def view(
    session: Session,
    skp: Skp,
    actor: Actor,
    who: Standing | None = None,
    *,
    plan: Plan | None = None,
) -> SkpView:
    """The SKP as `actor` sees it; `who` is the actor's standing and `plan` the SKP's `plan_rows` when the caller
    has them already."""
    cycle = session.get(Cycle, skp.cycle_id)
    assert cycle is not None
    assert skp.id is not None
    who = who or standing(session, actor, skp, cycle)
    pegawai = session.get(Pegawai, skp.pegawai_id)
    penilai = session.get(Pegawai, skp.penilai_id) if skp.penilai_id else None
    assert pegawai is not None
    rhk, indicators = plan or plan_rows(session, skp.id or 0)
    policy = policy_store.cycle_policy(session, cycle) if cycle.policy_version_id else None
    unit = session.get(Unit, skp.unit_id)
    due = (
        due_date(
            policy,
            DeadlineKey.SKP_AGREEMENT,
            cycle_year=cycle.year,
            start=skp.periode_awal,
            tz=unit.timezone if unit else None,
        )
        if policy
        else None
    )
    by_rhk: dict[int, list[IndikatorOut]] = {}
    for i in indicators:
        assert i.id is not None
        by_rhk.setdefault(i.rhk_id, []).append(
            {
                "id": i.id,
                "text": i.text,
                "aspek": i.aspek,
                "target": i.target,
                "satuan": i.satuan,
                "approach": i.approach,
                "ekspektasi": i.ekspektasi,
            }
        )
    return SkpView(
        id=skp.id,
        cycle_id=skp.cycle_id,
        nip=pegawai.nip,
        name=pegawai.name,
        jabatan_name=skp.jabatan_name,
        unit_id=skp.unit_id,
        penilai_nip=penilai.nip if penilai else None,
        state=skp.state,
        version=skp.version,
        proposed=skp.proposed,
        allowed_triggers=SKP.allowed_triggers(SkpState(skp.state), who.roles),
        rhk=[
            {
                "id": r.id,
                "jenis": r.jenis,
                "text": r.text,
                "intervensi_rhk_id": r.intervensi_rhk_id,
                "cascade": r.cascade,
                "indikator": by_rhk.get(r.id or 0, []),
            }
            for r in rhk
        ],
        perilaku=[
            {
                "core_value": v.value,
                "indicators": list(BERAKHLAK[v]),
                "ekspektasi_khusus": skp.ekspektasi_khusus.get(v.value),
            }
            for v in CoreValue
        ],
        lampiran={k: skp.lampiran.get(k, []) for k in LAMPIRAN_KEYS},
        rating_hasil_kerja=skp.rating_hasil_kerja,
        rating_perilaku=skp.rating_perilaku,
        predikat=skp.predikat,
        periode_awal=skp.periode_awal,
        periode_akhir=skp.periode_akhir,
        mid_year=anchored_on(cycle.year, skp.periode_awal),
        months=months_covered(skp.periode_awal, skp.periode_akhir),
        agreement_due=due,
    )


def get(session: Session, skp_id: int, actor: Actor) -> SkpView:
    """The SKP as the caller may see it; a pegawai also reads the RHK of their pejabat penilai's SKP."""
    skp = fetch(session, skp_id)
    cycle = session.get(Cycle, skp.cycle_id) if skp else None
    outsider = skp is not None and cycle is not None and not standing(session, actor, skp, cycle).roles
    if outsider and skp is not None and _rates_the_caller(session, skp, actor):
        full = view(session, skp, actor)
        # what a subordinate needs to pick an intervensi, not the atasan's own appraisal
        return full.model_copy(
            update={"rating_hasil_kerja": None, "rating_perilaku": None, "predikat": None, "lampiran": {}}
        )
    skp, _, who = load(session, skp_id, actor)
    return view(session, skp, actor, who)


def _rates_the_caller(session: Session, skp: Skp, actor: Actor) -> bool:
    if actor.pegawai_id is None:
        return False
    mine = select(col(Skp.id)).where(
        col(Skp.cycle_id) == skp.cycle_id,
        col(Skp.pegawai_id) == actor.pegawai_id,
        col(Skp.penilai_id) == skp.pegawai_id,
    )
    return session.scalar(mine.limit(1)) is not None


@dataclass(frozen=True)
class SkpSummary:
    id: int
    cycle_id: int
    nip: str
    name: str
    unit_code: str
    jabatan_name: str
    state: str
    version: int
    proposed: bool
    predikat: str | None


def visible_skps(actor: Actor) -> ColumnElement[bool]:
    """The SKPs an actor may list: own, rated, rated by a subordinate, in a unit they head, or of their instansi."""
    if actor.super_admin:
        return true()
    clauses: list[ColumnElement[bool]] = []
    instansi = actor.oversees()
    if instansi:
        clauses.append(col(Skp.cycle_id).in_(select(col(Cycle.id)).where(col(Cycle.instansi_id).in_(instansi))))
    pid = actor.pegawai_id
    if pid is not None:
        clauses += [col(Skp.pegawai_id) == pid, col(Skp.penilai_id) == pid, col(Skp.atasan_penilai_id) == pid]
        led = Unit.__table__.alias("led")  # type: ignore[attr-defined]
        below = select(col(Unit.id)).join(led, col(Unit.path).startswith(led.c.path)).where(led.c.head_id == pid)
        clauses.append(col(Skp.unit_id).in_(below))
    return or_(*clauses) if clauses else false()


def list_skps(
    session: Session,
    actor: Actor,
    *,
    cycle_id: int | None = None,
    nip: str | None = None,
    state: SkpState | None = None,
    unit_code: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[SkpSummary], int]:
    """A page of the SKPs visible to the actor, filtered, ordered by id, and how many match in all."""
    where: list[ColumnElement[bool]] = [visible_skps(actor)]
    if cycle_id is not None:
        where.append(col(Skp.cycle_id) == cycle_id)
    if nip is not None:
        where.append(col(Pegawai.nip) == nip)
    if state is not None:
        where.append(col(Skp.state) == state.value)
    if unit_code is not None:
        where.append(col(Unit.code) == unit_code)
    base = (
        select(
            col(Skp.id),
            col(Skp.cycle_id),
            col(Pegawai.nip),
            col(Pegawai.name),
            col(Unit.code),
            col(Skp.jabatan_name),
            col(Skp.state),
            col(Skp.version),
            col(Skp.proposed),
            col(Skp.predikat),
        )
        .join(Pegawai, col(Pegawai.id) == col(Skp.pegawai_id))
        .join(Unit, col(Unit.id) == col(Skp.unit_id))
        .where(*where)
    )
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = session.execute(base.order_by(col(Skp.id)).offset(offset).limit(limit)).all()
    return [SkpSummary(*row) for row in rows], total
