"""Periodic evaluation use cases: open and close a period (set-based), realisasi with evidence, rating."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Row, Table, and_, bindparam, exists, func, insert, select
from sqlalchemy.orm import Session
from sqlmodel import col

from policies import periods
from policies.kuadran import predikat as kuadran_predikat
from policies.schema import Policy
from policies.unit_head import rating_for_unit_head
from states.enums import CapaianLevel, Rating
from states.errors import InvalidInput, NotFound, NotPermitted, StaleVersion, TransitionNotAllowed
from states.evaluation import EVALUATION, EvaluationFacts, EvaluationState
from states.lifecycle import TriggerInput
from states.roles import Role
from workflows import audit, engine
from workflows.actors import Actor
from workflows.cases import cycles, policy_store, skps
from workflows.store import evidence
from workflows.store.settings import get_settings
from workflows.store.tables import (
    MAX_ID,
    AuditEvent,
    Capaian,
    Cycle,
    Evaluation,
    Evidence,
    Indikator,
    Realisasi,
    Rhk,
    Skp,
    Unit,
)

EVALUATED_SKP_STATES = ("agreed", "monitored", "adjusted")
"""SKP states in which a period is evaluated: the plan is agreed and not yet assessed for the year."""


# --- opening a period -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenPeriodResult:
    cycle_id: int
    period_no: int
    opened: int
    already: int


def open_period(
    sessions: Callable[[], Session],
    cycle_id: int,
    period_no: int,
    *,
    actor: Actor,
    now: datetime,
    chunk: int = 5000,
) -> OpenPeriodResult:
    """Open period `period_no` for every agreed SKP of the cycle, set-based and resumable: a rerun opens only the
    evaluations still missing (an SKP agreed since the last run, or a chunk an interruption lost)."""
    with sessions() as session, session.begin():
        cycle = cycles.get(session, cycle_id, actor)
        period_of(policy_store.cycle_policy(session, cycle), cycle.year, period_no)
        instansi_id = cycle.instansi_id
    role = Role.SYSTEM.value if actor.system else Role.ADMIN.value
    opened = 0
    while True:
        with sessions() as session, session.begin():
            # concurrent openers queue on the cycle row, so none opens what another just opened
            session.execute(select(col(Cycle.id)).where(col(Cycle.id) == cycle_id).with_for_update())
            has_one = exists().where(col(Evaluation.skp_id) == col(Skp.id), col(Evaluation.period_no) == period_no)
            todo = session.scalars(
                select(col(Skp.id))
                .where(col(Skp.cycle_id) == cycle_id, col(Skp.state).in_(EVALUATED_SKP_STATES), ~has_one)
                .order_by(col(Skp.id))
                .limit(chunk)
            ).all()
            if not todo:
                already = _count_evaluations(session, cycle_id, period_no) - opened
                break
            rows: list[dict[str, Any]] = [
                {"skp_id": skp_id, "period_no": period_no, "state": EvaluationState.open.value, "version": 1}
                for skp_id in todo
            ]
            created = session.execute(
                insert(Evaluation).returning(col(Evaluation.id), col(Evaluation.skp_id)), rows
            ).all()
            events = [
                audit.new_event(
                    entity_type="evaluation",
                    entity_id=evaluation_id,
                    seq=1,
                    instansi_id=instansi_id,
                    prev_hash=audit.GENESIS,
                    at=now,
                    actor=actor.ref,
                    role=role,
                    trigger="open",
                    from_state=None,
                    to_state=EvaluationState.open.value,
                    payload={"skp_id": skp_id, "period_no": period_no},
                )
                for evaluation_id, skp_id in created
            ]
            session.execute(insert(AuditEvent), events)
            opened += len(created)
    return OpenPeriodResult(cycle_id, period_no, opened, already)


def _count_evaluations(session: Session, cycle_id: int, period_no: int) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Evaluation)
            .join(Skp, col(Skp.id) == col(Evaluation.skp_id))
            .where(col(Skp.cycle_id) == cycle_id, col(Evaluation.period_no) == period_no)
        )
        or 0
    )


def period_of(policy: Policy, year: int, period_no: int) -> periods.Period:
    """Period `period_no` of the cycle year under the policy's period kind; InvalidInput when there is none."""
    found = periods.find(policy, year, period_no)
    if found is None:
        count = len(periods.periods(policy, year))
        raise InvalidInput(
            [f"period_no: {period_no} is not a period of {year} ({policy.periods.kind.value}: 1–{count})"]
        )
    return found


# --- realisasi --------------------------------------------------------------------------------------------------


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
        col(Indikator.text).label("indikator_text"),
        col(Indikator.aspek).label("aspek"),
        col(Indikator.target).label("target"),
        col(Indikator.satuan).label("satuan"),
        col(Realisasi.id).label("realisasi_id"),
        col(Realisasi.value).label("value"),
        col(Realisasi.text).label("text"),
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
# realisasi and evidence are written with Core statements: no ORM rows to build and flush, none to go stale
_REALISASI_TABLE: Table = Realisasi.__table__  # type: ignore[attr-defined]
_EVIDENCE_TABLE: Table = Evidence.__table__  # type: ignore[attr-defined]
_INSERT_REALISASI = _REALISASI_TABLE.insert().returning(_REALISASI_TABLE.c.id, sort_by_parameter_order=True)
_UPDATE_REALISASI = _REALISASI_TABLE.update().where(_REALISASI_TABLE.c.id == bindparam("realisasi_id"))
_INSERT_EVIDENCE = _EVIDENCE_TABLE.insert().returning(_EVIDENCE_TABLE.c.id, sort_by_parameter_order=True)
_DELETE_EVIDENCE = _EVIDENCE_TABLE.delete().where(_EVIDENCE_TABLE.c.realisasi_id == bindparam("realisasi_id"))


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
        raise NotPermitted("evaluation", "realisasi", sorted(r.value for r in who.roles))
    state = EvaluationState(ev.state)
    if state is not EvaluationState.open:
        raise TransitionNotAllowed("evaluation", "realisasi", ev.state, EVALUATION.allowed_triggers(state, who.roles))
    if expected_version is not None and expected_version != ev.version:
        raise StaleVersion(
            "evaluation", expected_version, ev.version, ev.state, EVALUATION.allowed_triggers(state, who.roles)
        )
    policy = policy_store.cycle_policy(session, loaded.cycle)
    problems = _realisasi_problems(body, set(loaded.plan.items))
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
    return view(loaded, policy)


def _realisasi_problems(body: RealisasiIn, indicators: set[int | None]) -> list[str]:
    problems: list[str] = []
    if not body.realisasi and not body.submit:
        problems.append("realisasi: nothing to record (give realisasi, or submit)")
    limit = get_settings().evidence_max_bytes
    seen: dict[int, int] = {}
    for i, item in enumerate(body.realisasi):
        at = f"realisasi[{i}]"
        if item.indikator_id not in indicators:
            problems.append(f"{at}.indikator_id: {item.indikator_id} is not an indicator of this SKP")
        elif item.indikator_id in seen:
            problems.append(
                f"{at}.indikator_id: {item.indikator_id} is listed twice (also realisasi[{seen[item.indikator_id]}])"
            )
        seen.setdefault(item.indikator_id, i)
        if item.value is None and not item.text.strip():
            problems.append(f"{at}: a value or a text is required")
        for j, e in enumerate(item.evidence):
            where = f"{at}.evidence[{j}]"
            if evidence.normalise_content_type(e.content_type) not in evidence.ALLOWED_CONTENT_TYPES:
                problems.append(f"{where}.content_type: '{e.content_type}' is not allowed")
            if e.size > limit:
                problems.append(f"{where}.size: {e.size} bytes is more than the limit of {limit}")
            if e.uri.startswith(evidence.URI_PREFIX) and e.uri != evidence.uri_for(e.sha256):
                problems.append(f"{where}.uri: a stored file's uri is 'evidence:' followed by its sha256")
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


# --- the pejabat penilai ----------------------------------------------------------------------------------------


def return_realisasi(
    session: Session,
    skp_id: int,
    period_no: int,
    note: str | None,
    *,
    actor: Actor,
    now: datetime,
    expected_version: int | None = None,
) -> EvaluationView:
    """The pejabat penilai sends submitted realisasi back to the pegawai, saying why."""
    return _fire(
        session,
        skp_id,
        period_no,
        "return_realisasi",
        TriggerInput(note=note),
        actor=actor,
        now=now,
        expected_version=expected_version,
    )


def evaluate(
    session: Session,
    skp_id: int,
    period_no: int,
    *,
    rating_hasil_kerja: Rating | None = None,
    rating_perilaku: Rating | None = None,
    note: str | None = None,
    actor: Actor,
    now: datetime,
    expected_version: int | None = None,
) -> EvaluationView:
    """The pejabat penilai rates the period; the predikat follows the kuadran. A unit head's rating hasil kerja is
    the unit's capaian for the period and may be left out."""
    inp = TriggerInput(note=note, rating_hasil_kerja=rating_hasil_kerja, rating_perilaku=rating_perilaku)
    return _fire(session, skp_id, period_no, "evaluate", inp, actor=actor, now=now, expected_version=expected_version)


def _fire(
    session: Session,
    skp_id: int,
    period_no: int,
    trigger: str,
    inp: TriggerInput,
    *,
    actor: Actor,
    now: datetime,
    expected_version: int | None,
) -> EvaluationView:
    loaded = load(session, skp_id, period_no, actor)
    policy = policy_store.cycle_policy(session, loaded.cycle)
    f = facts(session, loaded, policy, now=now)

    def apply(row: Any) -> None:
        if trigger == "evaluate":
            hk = f.unit_head_rating or inp.rating_hasil_kerja
            pk = inp.rating_perilaku
            assert hk is not None  # the guard has checked
            assert pk is not None
            row.rating_hasil_kerja, row.rating_perilaku = hk.value, pk.value
            row.predikat = kuadran_predikat(policy, hk, pk).value

    engine.fire(
        session,
        EVALUATION,
        loaded.ev,
        trigger,
        actor=actor,
        roles=loaded.who.roles,
        facts=f,
        now=now,
        inp=inp,
        expected_version=expected_version,
        on_behalf=loaded.who.on_behalf,
        apply=apply,
    )
    return view(loaded, policy)  # a transition leaves the realisasi as they were read


def facts(session: Session, loaded: Loaded, policy: Policy, *, now: datetime) -> EvaluationFacts:
    skp, level, plan = loaded.skp, loaded.level, loaded.plan
    rhk: dict[int, str] = {}
    measured_rhk: set[int] = set()
    for item in plan.items.values():
        rhk.setdefault(item.rhk_id, item.rhk_text)
        if item.recorded:
            measured_rhk.add(item.rhk_id)
    unit = session.get(Unit, skp.unit_id)
    heads_unit = unit is not None and unit.head_id == skp.pegawai_id
    period = period_of(policy, loaded.cycle.year, loaded.ev.period_no)
    return EvaluationFacts(
        # an RHK without indicators (only a Tambahan can be) has nothing to measure, so it needs no realisasi
        rhk_without_realisasi=tuple(text for rid, text in rhk.items() if rid not in measured_rhk),
        unit_capaian_set=level is not None,
        period_ended=now >= periods.ends_at(policy, period, unit.timezone if unit else None),
        unit_head_rating=rating_for_unit_head(policy, level) if heads_unit and level else None,
    )


# --- closing a period -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClosePeriodResult:
    cycle_id: int
    period_no: int
    closed: int
    lapsed: int
    not_ended: int  # evaluations left as they are because the period has not ended in their unit's zone
    chunks: int


def close_period(
    sessions: Callable[[], Session],
    cycle_id: int,
    period_no: int,
    *,
    actor: Actor,
    now: datetime,
    chunk: int = 5000,
) -> ClosePeriodResult:
    """Close the period, set-based: evaluated → closed, open or submitted → lapsed, wherever the period's closing
    instant (`periods.closes_at`: the periodic evaluation's due instant plus the policy's grace) has passed in the
    unit's zone. Idempotent: closed and lapsed evaluations are not touched again."""
    with sessions() as session, session.begin():
        cycle = cycles.get(session, cycle_id, actor)
        policy = policy_store.cycle_policy(session, cycle)
        period = period_of(policy, cycle.year, period_no)
        instansi_id = cycle.instansi_id
        rows = session.execute(
            select(col(Evaluation.id), col(Evaluation.state), col(Unit.timezone))
            .join(Skp, col(Skp.id) == col(Evaluation.skp_id))
            .join(Unit, col(Unit.id) == col(Skp.unit_id))
            .where(
                col(Skp.cycle_id) == cycle_id,
                col(Evaluation.period_no) == period_no,
                col(Evaluation.state).in_(
                    [
                        EvaluationState.evaluated.value,
                        EvaluationState.open.value,
                        EvaluationState.realisasi_submitted.value,
                    ]
                ),
            )
            .order_by(col(Evaluation.id))
        ).all()
    ended_in: dict[str, bool] = {}
    ended: dict[int, bool] = {}
    for evaluation_id, _, tz in rows:
        if tz not in ended_in:
            ended_in[tz] = now >= periods.closes_at(policy, period, tz)
        ended[evaluation_id] = ended_in[tz]
    role = Role.SYSTEM if actor.system else Role.ADMIN

    def run(trigger: str, ids: list[int]) -> engine.BatchResult:
        return engine.fire_many(
            sessions,
            EVALUATION,
            "evaluation",
            trigger,
            ids,
            instansi_id=instansi_id,
            actor=actor,
            now=now,
            facts=lambda evaluation_id: EvaluationFacts(period_ended=ended.get(evaluation_id, False)),
            role=role,
            chunk=chunk,
            note=f"period {period_no} ended {period.end.isoformat()}",
        )

    evaluated = EvaluationState.evaluated.value
    closed = run("close", [i for i, state, _ in rows if state == evaluated and ended[i]])
    lapsed = run("lapse", [i for i, state, _ in rows if state != evaluated and ended[i]])
    return ClosePeriodResult(
        cycle_id,
        period_no,
        closed=len(closed.fired),
        lapsed=len(lapsed.fired),
        not_ended=sum(1 for i, _, _ in rows if not ended[i]),
        chunks=closed.chunks + lapsed.chunks,
    )


# --- reading ----------------------------------------------------------------------------------------------------


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
        )
        for indikator_id, row in first.items()
    }
    ids = {indikator_id: row.realisasi_id for indikator_id, row in first.items() if row.realisasi_id is not None}
    level, head = rows[0].level, rows[0].head
    if head is not None:  # what the next event on the evaluation's chain links to
        audit.remember_head(session, "evaluation", rows[0][0].id, rows[0].read_version, head)
    return Loaded(rows[0][0], skp, cycle, who, CapaianLevel(level) if level else None, Measured(items, ids))


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
    return EvaluationView(
        id=ev.id,
        skp_id=ev.skp_id,
        period_no=ev.period_no,
        period_start=period.start,
        period_end=period.end,
        state=ev.state,
        version=ev.version,
        allowed_triggers=EVALUATION.allowed_triggers(EvaluationState(ev.state), who.roles),
        realisasi=list(plan.items.values()),
        rating_hasil_kerja=ev.rating_hasil_kerja,
        rating_perilaku=ev.rating_perilaku,
        predikat=ev.predikat,
    )
