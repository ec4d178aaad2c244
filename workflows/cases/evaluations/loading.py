"""Loading one evaluation with its SKP, cycle, standing and plan: the statements built once and the shapes they fill."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, and_, bindparam, select
from sqlalchemy.orm import Session
from sqlmodel import col

from states.enums import CapaianLevel
from states.errors import NotFound
from workflows import audit
from workflows.actors import Actor
from workflows.cases import skps
from workflows.store.tables import (
    AuditEvent,
    Capaian,
    Cycle,
    Evaluation,
    Evidence,
    Indikator,
    Realisasi,
    Rhk,
    Skp,
)

# The statements every evaluation use case runs are built once: building and keying a statement costs SQLAlchemy
# about twice what running its cached compilation does on SQLite.
_LEVEL = (  # the unit's capaian for the evaluation's period, which the guards read
    select(col(Capaian.level))
    .where(
        col(Capaian.cycle_id) == bindparam("cycle_id"),
        col(Capaian.unit_id) == bindparam("unit_id"),
        col(Capaian.period_no) == col(Evaluation.period_no),
    )
    .scalar_subquery()
)


# the evaluation, the capaian, and each indicator of the SKP (in plan order) with its RHK's text, its realisasi of the
# period and that realisasi's evidence: one row per piece of evidence, or per indicator without any. Columns, not
# entities: the view is built from them, and building a SQLModel row costs more than reading it.
_EVALUATION = (
    select(
        Evaluation,
        _LEVEL.label("level"),
        col(Indikator.id).label("indikator_id"),
        col(Indikator.rhk_id).label("rhk_id"),
        col(Rhk.text).label("rhk_text"),
        col(Rhk.jenis).label("rhk_jenis"),
        col(Indikator.text).label("indikator_text"),
        col(Indikator.aspek).label("aspek"),
        col(Indikator.target).label("target"),
        col(Indikator.satuan).label("satuan"),
        col(Indikator.approach).label("approach"),
        col(Indikator.ekspektasi).label("ekspektasi"),
        col(Realisasi.id).label("realisasi_id"),
        col(Realisasi.value).label("value"),
        col(Realisasi.text).label("text"),
        col(Realisasi.rating).label("rating"),
        col(Evidence.id).label("evidence_id"),
        col(Evidence.filename).label("filename"),
        col(Evidence.content_type).label("content_type"),
        col(Evidence.size).label("size"),
        col(Evidence.sha256).label("sha256"),
        col(Evidence.uri).label("uri"),
        col(Evaluation.version).label("read_version"),
        col(AuditEvent.hash).label("head"),
    )
    .outerjoin(AuditEvent, audit.at_head("evaluation", Evaluation))
    .outerjoin(Rhk, col(Rhk.skp_id) == col(Evaluation.skp_id))
    .outerjoin(Indikator, col(Indikator.rhk_id) == col(Rhk.id))
    .outerjoin(
        Realisasi,
        and_(col(Realisasi.indikator_id) == col(Indikator.id), col(Realisasi.evaluation_id) == col(Evaluation.id)),
    )
    .outerjoin(Evidence, col(Evidence.realisasi_id) == col(Realisasi.id))
    .where(col(Evaluation.skp_id) == bindparam("skp_id"), col(Evaluation.period_no) == bindparam("period_no"))
    .order_by(col(Rhk.position), col(Indikator.position), col(Indikator.id), col(Evidence.id))
)


@dataclass
class Measured:
    """Each indicator of the SKP, in plan order, as the view shows it (with what was realised for it in the period),
    and the ids of the realisasi rows: what the guards and the view need, kept current by `_write_realisasi`."""

    items: dict[int, RealisasiView]  # by indikator id
    realisasi_ids: dict[int, int]  # indikator id → its realisasi of the period


@dataclass(frozen=True)
class Loaded:
    """A period's evaluation with its SKP, cycle, the actor's standing, the unit's capaian for the period and what
    was recorded for the SKP's indicators."""

    ev: Evaluation
    skp: Skp
    cycle: Cycle
    who: skps.Standing
    level: CapaianLevel | None
    plan: Measured


@dataclass(frozen=True)
class EvidenceView:
    id: int
    filename: str
    content_type: str
    size: int
    sha256: str
    uri: str


@dataclass(frozen=True)
class RealisasiView:
    """One indicator of the SKP and what was realised for it in the period (recorded=False: nothing yet)."""

    indikator_id: int
    rhk_id: int
    rhk_text: str
    indikator_text: str
    aspek: str
    target: float | None
    satuan: str
    recorded: bool
    value: float | None
    text: str
    evidence: tuple[EvidenceView, ...]
    rhk_jenis: str = "UTAMA"
    approach: str = "KUANTITATIF"  # KUALITATIF: no target; the pejabat penilai rates it against its ekspektasi
    ekspektasi: str | None = None
    rating: str | None = None  # the pejabat penilai's rating of this indikator for the period, once given
    rating_derived: str | None = None  # the rating that counts: the penilai's, else a quantitative one's capaian


def load(session: Session, skp_id: int, period_no: int, actor: Actor) -> Loaded:
    """The period's evaluation, its SKP and cycle, the actor's standing, the unit's capaian for the period and the
    SKP's indicators with their realisasi, in one statement once the SKP is known; NotFound for outsiders."""
    skp, cycle, who = skps.load(session, skp_id, actor)
    rows = session.execute(
        _EVALUATION, {"skp_id": skp_id, "period_no": period_no, "cycle_id": skp.cycle_id, "unit_id": skp.unit_id}
    ).all()
    if not rows:
        raise NotFound("evaluation", f"skp {skp_id} period {period_no}")
    first: dict[int, Row[Any]] = {}  # each indicator's first row
    files: dict[int, list[EvidenceView]] = {}
    for row in rows:
        if row.indikator_id is None:  # an RHK without indicators, or an SKP without RHK
            continue
        first.setdefault(row.indikator_id, row)
        found = files.setdefault(row.indikator_id, [])
        if row.evidence_id is not None:
            found.append(EvidenceView(row.evidence_id, row.filename, row.content_type, row.size, row.sha256, row.uri))
    items = {
        indikator_id: RealisasiView(
            indikator_id=indikator_id,
            rhk_id=row.rhk_id,
            rhk_text=row.rhk_text,
            indikator_text=row.indikator_text,
            aspek=row.aspek,
            target=row.target,
            satuan=row.satuan,
            recorded=row.realisasi_id is not None,
            value=row.value,
            text=row.text if row.realisasi_id is not None else "",
            evidence=tuple(files[indikator_id]),
            rhk_jenis=row.rhk_jenis,
            approach=row.approach,
            ekspektasi=row.ekspektasi,
            rating=row.rating if row.realisasi_id is not None else None,
        )
        for indikator_id, row in first.items()
    }
    ids = {indikator_id: row.realisasi_id for indikator_id, row in first.items() if row.realisasi_id is not None}
    level, head = rows[0].level, rows[0].head
    if head is not None:  # what the next event on the evaluation's chain links to
        audit.remember_head(session, "evaluation", rows[0][0].id, rows[0].read_version, head)
    return Loaded(rows[0][0], skp, cycle, who, CapaianLevel(level) if level else None, Measured(items, ids))
