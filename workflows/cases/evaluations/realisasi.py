"""The pegawai's realisasi per indicator and the bukti dukung behind it, saved while the evaluation is open."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Table, bindparam
from sqlalchemy.orm import Session

from policies import limits
from policies.schema import Limits
from states.enums import Approach
from states.errors import InvalidInput, NotPermitted, StaleVersion, TransitionNotAllowed
from states.evaluation import EVALUATION, EvaluationState
from states.messages import Problem, located
from states.roles import Role
from workflows import engine
from workflows.actors import Actor
from workflows.cases import notices, policy_store
from workflows.cases.evaluations.loading import EvidenceView, Measured, RealisasiView, load
from workflows.cases.evaluations.rating import facts
from workflows.cases.evaluations.views import EvaluationView, view
from workflows.store import evidence
from workflows.store.settings import get_settings
from workflows.store.tables import (
    MAX_ID,
    Evaluation,
    Evidence,
    Realisasi,
)


class EvidenceIn(BaseModel):
    """Metadata of one bukti dukung, as the evidence store returned it (or a link to evidence kept elsewhere)."""

    model_config = ConfigDict(extra="forbid")
    filename: str = Field(min_length=1, max_length=255, description="The file's name as the pegawai knows it.")
    content_type: str = Field(
        max_length=100, description="MIME type: " + ", ".join(evidence.ALLOWED_CONTENT_TYPES) + "."
    )
    size: int = Field(ge=1, le=MAX_ID, description="Size in bytes, within the evidence store's limit.")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="Lowercase hex sha256 of the content.")
    uri: str = Field(
        min_length=1,
        max_length=1000,
        description="'evidence:<sha256>' for a file in the evidence store, or a link to where the evidence is.",
    )


class IndikatorRealisasiIn(BaseModel):
    """The realisasi of one indicator for the period."""

    model_config = ConfigDict(extra="forbid")
    indikator_id: int = Field(ge=1, le=MAX_ID, description="An indicator of this SKP.")
    value: float | None = Field(
        default=None, allow_inf_nan=False, description="The realised value, in the indicator's satuan."
    )
    text: str = Field(default="", max_length=4000, description="The realisasi in words; required without a value.")
    evidence: list[EvidenceIn] = Field(
        default_factory=list,
        max_length=20,
        description="Bukti dukung; replaces the evidence recorded for this indicator before.",
    )


class RealisasiIn(BaseModel):
    """The body of `POST /skps/{id}/periods/{n}/realisasi`."""

    model_config = ConfigDict(extra="forbid")
    realisasi: list[IndikatorRealisasiIn] = Field(
        default_factory=list, description="Per indicator; indicators not listed keep what they have."
    )
    submit: bool = Field(
        default=False, description="Submit the period's realisasi to the pejabat penilai (every RHK needs one)."
    )


KUALITATIF = Approach.KUALITATIF.value


# realisasi and evidence are written with Core statements: no ORM rows to build and flush, none to go stale
_REALISASI_TABLE: Table = Realisasi.__table__  # type: ignore[attr-defined]


_EVIDENCE_TABLE: Table = Evidence.__table__  # type: ignore[attr-defined]


_INSERT_REALISASI = _REALISASI_TABLE.insert().returning(_REALISASI_TABLE.c.id, sort_by_parameter_order=True)


_UPDATE_REALISASI = _REALISASI_TABLE.update().where(_REALISASI_TABLE.c.id == bindparam("realisasi_id"))


_INSERT_EVIDENCE = _EVIDENCE_TABLE.insert().returning(_EVIDENCE_TABLE.c.id, sort_by_parameter_order=True)


_DELETE_EVIDENCE = _EVIDENCE_TABLE.delete().where(_EVIDENCE_TABLE.c.realisasi_id == bindparam("realisasi_id"))


def save_realisasi(
    session: Session,
    skp_id: int,
    period_no: int,
    body: RealisasiIn,
    *,
    actor: Actor,
    now: datetime,
    expected_version: int | None = None,
) -> EvaluationView:
    """The pegawai records realisasi and evidence for an open period, and optionally submits it."""
    # everything the call reads is read here, before it writes, and the guards and the view work from it: whoever
    # changes realisasi bumps the evaluation's version, so the version-checked write below vouches for the read
    loaded = load(session, skp_id, period_no, actor)
    ev, who = loaded.ev, loaded.who
    if Role.PEGAWAI not in who.roles:
        raise NotPermitted("evaluation", "realisasi", sorted(r.value for r in who.roles), held=True)
    state = EvaluationState(ev.state)
    if state is not EvaluationState.open:
        raise TransitionNotAllowed("evaluation", "realisasi", ev.state, EVALUATION.allowed_triggers(state, who.roles))
    if expected_version is not None and expected_version != ev.version:
        raise StaleVersion(
            "evaluation", expected_version, ev.version, ev.state, EVALUATION.allowed_triggers(state, who.roles)
        )
    policy = policy_store.cycle_policy(session, loaded.cycle)
    problems = _realisasi_problems(body, loaded.plan.items, policy.limits)
    if problems:
        raise InvalidInput(problems)
    if body.realisasi:
        # the version-checked write comes first, so a concurrent edit is refused before any realisasi is touched
        engine.record(
            session,
            ev,
            "realisasi",
            actor=actor,
            role=Role.PEGAWAI.value,
            now=now,
            payload=body.model_dump(mode="json"),
        )
        _write_realisasi(session, ev, body, loaded.plan)
    if body.submit:
        engine.fire(
            session,
            EVALUATION,
            ev,
            "submit_realisasi",
            actor=actor,
            roles=who.roles,
            facts=facts(session, loaded, policy, now=now),
            now=now,
        )
        assert ev.id is not None
        notices.notify(session, loaded.skp, "evaluation", ev.id, "submit_realisasi", seq=ev.version, now=now)
    return view(loaded, policy)


def _realisasi_problems(body: RealisasiIn, indicators: Mapping[int, RealisasiView], bounds: Limits) -> list[Problem]:
    problems = limits.notes(bounds, ((f"realisasi[{i}].text", item.text) for i, item in enumerate(body.realisasi)))
    for i, item in enumerate(body.realisasi):
        problems += limits.too_many(
            f"realisasi[{i}].evidence",
            len(item.evidence),
            bounds.evidence_per_indikator,
            "limits.evidence_per_indikator",
        )
    if not body.realisasi and not body.submit:
        problems.append(Problem.say("input.realisasi.nothing"))
    limit = get_settings().evidence_max_bytes
    seen: dict[int, int] = {}
    for i, item in enumerate(body.realisasi):
        at = f"realisasi[{i}]"
        if item.indikator_id not in indicators:
            problems.append(Problem.say("input.realisasi.not_indikator", at=located(at), id=item.indikator_id))
        elif item.indikator_id in seen:
            also = located(f"realisasi[{seen[item.indikator_id]}]")
            problems.append(Problem.say("input.realisasi.twice", at=located(at), id=item.indikator_id, also=also))
        seen.setdefault(item.indikator_id, i)
        qualitative = item.indikator_id in indicators and indicators[item.indikator_id].approach == KUALITATIF
        if qualitative and item.value is not None:
            problems.append(Problem.say("input.realisasi.qualitative_value", at=located(at)))
        elif qualitative and not item.text.strip():
            problems.append(Problem.say("input.realisasi.qualitative_text", at=located(at)))
        elif item.value is None and not item.text.strip():
            problems.append(Problem.say("input.realisasi.empty", at=located(at)))
        for j, e in enumerate(item.evidence):
            where = f"{at}.evidence[{j}]"
            if evidence.normalise_content_type(e.content_type) not in evidence.ALLOWED_CONTENT_TYPES:
                problems.append(Problem.say("input.evidence.type", at=located(where), type=e.content_type))
            if e.size > limit:
                problems.append(Problem.say("input.evidence.size", at=located(where), size=e.size, limit=limit))
            if e.uri.startswith(evidence.URI_PREFIX) and e.uri != evidence.uri_for(e.sha256):
                problems.append(Problem.say("input.evidence.uri", at=located(where)))
    return problems


def _write_realisasi(session: Session, ev: Evaluation, body: RealisasiIn, plan: Measured) -> None:
    """Write the body's realisasi and evidence (replacing what a recorded indicator had), and bring `plan` up to
    date with them."""
    written = {item.indikator_id: (item.value, item.text.strip()) for item in body.realisasi}
    recorded = [i for i in written if i in plan.realisasi_ids]
    new = [i for i in written if i not in plan.realisasi_ids]
    if recorded:
        ids = {i: plan.realisasi_ids[i] for i in recorded}
        values = [{"realisasi_id": ids[i], "value": written[i][0], "text": written[i][1]} for i in recorded]
        session.execute(_UPDATE_REALISASI, values)
        session.execute(_DELETE_EVIDENCE, [{"realisasi_id": r} for r in ids.values()])
    if new:
        rows = [{"evaluation_id": ev.id, "indikator_id": i, "value": written[i][0], "text": written[i][1]} for i in new]
        inserted = session.execute(_INSERT_REALISASI, rows).scalars().all()
        plan.realisasi_ids.update(zip(new, inserted, strict=True))
    files = [
        (
            item.indikator_id,
            EvidenceView(
                0,
                evidence.clean_filename(e.filename) or e.filename,
                evidence.normalise_content_type(e.content_type),
                e.size,
                e.sha256,
                e.uri,
            ),
        )
        for item in body.realisasi
        for e in item.evidence
    ]
    kept: dict[int, list[EvidenceView]] = {i: [] for i in written}
    if files:
        rows = [
            {"realisasi_id": plan.realisasi_ids[i]} | {k: v for k, v in vars(f).items() if k != "id"} for i, f in files
        ]
        stored = session.execute(_INSERT_EVIDENCE, rows).scalars().all()
        for (i, f), evidence_id in zip(files, stored, strict=True):
            kept[i].append(replace(f, id=evidence_id))
    for i, (value, text) in written.items():
        plan.items[i] = replace(plan.items[i], recorded=True, value=value, text=text, evidence=tuple(kept[i]))
