"""Reading an evaluation as the actor may see it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session
from sqlmodel import col

from policies import approach
from policies.schema import Policy
from states.enums import Rating
from states.errors import NotFound, NotPermitted
from states.evaluation import EVALUATION, EvaluationState
from states.roles import Role
from workflows.actors import Actor
from workflows.cases import policy_store, skps
from workflows.cases.evaluations.loading import EvidenceView, Loaded, RealisasiView, load
from workflows.cases.evaluations.periods import period_of
from workflows.store import evidence
from workflows.store.tables import Evaluation, Evidence, Realisasi


@dataclass(frozen=True)
class EvaluationView:
    id: int
    skp_id: int
    period_no: int
    period_start: date
    period_end: date
    state: str
    version: int
    allowed_triggers: list[str]
    realisasi: list[RealisasiView]
    rating_hasil_kerja: str | None
    rating_perilaku: str | None
    predikat: str | None
    hasil_kerja_derived: str | None = None  # what the indikator ratings give (policy approach.derive_rating)
    derive_rating: str = "off"


def rated(
    policy: Policy, items: Iterable[RealisasiView], given: Mapping[int, Rating] | None = None
) -> tuple[list[RealisasiView], approach.Derived]:
    """Each indikator with the rating that counts for it (`given` overrides the penilai's stored ratings), and the
    rating hasil kerja they give: one mechanism for quantitative and qualitative indikator alike."""
    out: list[RealisasiView] = []
    for item in items:
        mine = (given or {}).get(item.indikator_id) or (Rating(item.rating) if item.rating else None)
        rating = (
            approach.indikator_rating(
                policy, approach=item.approach, aspek=item.aspek, target=item.target, value=item.value, given=mine
            )
            if item.recorded
            else None
        )
        out.append(replace(item, rating=mine.value if mine else None, rating_derived=rating.value if rating else None))
    counted = [
        approach.Rated(i.rhk_jenis, i.indikator_text, Rating(i.rating_derived) if i.rating_derived else None)
        for i in out
    ]
    derived = approach.hasil_kerja(policy, counted)
    return out, derived


def get_evaluation(session: Session, skp_id: int, period_no: int, *, actor: Actor) -> EvaluationView:
    """The period's evaluation as the caller may see it: anyone with a standing on the SKP."""
    loaded = load(session, skp_id, period_no, actor)
    policy = policy_store.cycle_policy(session, loaded.cycle)
    return view(loaded, policy)


def view(loaded: Loaded, policy: Policy) -> EvaluationView:
    """The evaluation as the loading actor sees it, with what `loaded.plan` holds for its indicators."""
    ev, who, plan = loaded.ev, loaded.who, loaded.plan
    assert ev.id is not None
    period = period_of(policy, loaded.cycle.year, ev.period_no)
    items, derived = rated(policy, plan.items.values())
    return EvaluationView(
        id=ev.id,
        skp_id=ev.skp_id,
        period_no=ev.period_no,
        period_start=period.start,
        period_end=period.end,
        state=ev.state,
        version=ev.version,
        allowed_triggers=EVALUATION.allowed_triggers(EvaluationState(ev.state), who.roles),
        realisasi=items,
        rating_hasil_kerja=ev.rating_hasil_kerja,
        rating_perilaku=ev.rating_perilaku,
        predikat=ev.predikat,
        hasil_kerja_derived=derived.rating.value if derived.rating else None,
        derive_rating=policy.approach.derive_rating.value,
    )


# --- bukti dukung -----------------------------------------------------------------------------------------------

EVIDENCE_READERS = frozenset({Role.PEGAWAI, Role.PENILAI, Role.ATASAN_PENILAI, Role.ADMIN, Role.AUDITOR})
"""Who opens an SKP's evidence: the pegawai, their pejabat penilai and atasan penilai, the instansi's admin and
auditor (a pimpinan further up sees the SKP, not the files behind its realisasi)."""

_EVIDENCE = (
    select(Evidence, col(Evaluation.skp_id))
    .join(Realisasi, col(Realisasi.id) == col(Evidence.realisasi_id))
    .join(Evaluation, col(Evaluation.id) == col(Realisasi.evaluation_id))
    .where(col(Evidence.id) == bindparam("evidence_id"))
)


def evidence_file(session: Session, evidence_id: int, *, actor: Actor) -> EvidenceView:
    """A stored bukti dukung's metadata, for those who may open it: NotFound for anyone without a standing on its SKP
    (existence must not leak) and for evidence that is a link kept elsewhere, NotPermitted for the rest."""
    row = session.execute(_EVIDENCE, {"evidence_id": evidence_id}).first()
    if row is None:
        raise NotFound("evidence", evidence_id)
    found, skp_id = row
    try:
        _, _, who = skps.load(session, skp_id, actor)
    except NotFound:
        raise NotFound("evidence", evidence_id) from None
    if not who.roles & EVIDENCE_READERS:
        raise NotPermitted("evidence", "open", sorted(r.value for r in who.roles), held=True)
    if not found.uri.startswith(evidence.URI_PREFIX):
        raise NotFound("evidence file", evidence_id)  # a link: the period's view shows where it is
    assert found.id is not None
    return EvidenceView(found.id, found.filename, found.content_type, found.size, found.sha256, found.uri)
