"""An SKP's plan: its RHK with their indicators and its lampiran, saved while the SKP is editable."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from policies import approach, limits
from policies.schema import AutoAction, Policy, QualitativeUse
from states.enums import Approach, Aspek, CascadeKind, CoreValue, JenisRhk
from states.errors import InvalidInput, NotPermitted, StaleVersion, TransitionNotAllowed
from states.messages import Problem, located
from states.roles import Role
from states.skp import EDITABLE_STATES, SKP, SkpState
from workflows import engine
from workflows.actors import Actor
from workflows.cases import notices, policy_store
from workflows.cases.skps.facts import RHK_IDS, Plan, atasan_skp, plan_rows
from workflows.cases.skps.loading import load
from workflows.cases.skps.standing import Standing
from workflows.cases.skps.views import LAMPIRAN_KEYS, SkpView, view
from workflows.store.tables import (
    MAX_ID,
    DeadlineStep,
    Indikator,
    Realisasi,
    Rhk,
    Skp,
    Unit,
)


class IndikatorIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: int | None = Field(
        default=None,
        ge=1,
        le=MAX_ID,
        description="Id of an existing indicator of this RHK to keep (and update); its realisasi stay attached.",
    )
    text: str = Field(min_length=1, max_length=2000)
    aspek: Aspek
    target: float | None = Field(
        default=None,
        allow_inf_nan=False,
        description="Target value of a KUANTITATIF indikator; required before the SKP is agreed. None when KUALITATIF.",
    )
    satuan: str = Field(default="", max_length=100)
    approach: Approach = Field(
        default=Approach.KUANTITATIF,
        description="KUANTITATIF (a numeric target) or KUALITATIF (an ekspektasi the pejabat penilai rates against), "
        "as the policy's approach.qualitative allows for this SKP.",
    )
    ekspektasi: str | None = Field(
        default=None,
        max_length=2000,
        description="The described expectation (ukuran keberhasilan) of a KUALITATIF indikator; required for one.",
    )


class RhkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="Id of an existing RHK of this SKP to keep (and update)."
    )
    jenis: JenisRhk
    text: str = Field(min_length=1, max_length=2000)
    intervensi_rhk_id: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="The atasan's RHK this one intervenes."
    )
    cascade: CascadeKind | None = Field(default=None, description="DIRECT or INDIRECT; required with intervensi.")
    indikator: list[IndikatorIn] = Field(default_factory=list)


class PlanIn(BaseModel):
    """The body of `PUT /skps/{id}/plan`."""

    model_config = ConfigDict(extra="forbid")
    rhk: list[RhkIn]
    perilaku: dict[CoreValue, str] | None = Field(default=None, description="Ekspektasi khusus per core value.")
    lampiran: dict[str, list[str]] | None = Field(
        default=None, description="dukungan_sumber_daya, skema_pertanggungjawaban, konsekuensi."
    )
    propose: bool = Field(default=False, description="Mark the plan as proposed to the pejabat penilai.")


def save_plan(
    session: Session, skp_id: int, plan: PlanIn, *, actor: Actor, now: datetime, expected_version: int | None = None
) -> SkpView:
    skp, cycle, who = load(session, skp_id, actor)
    hr_drafts = Role.ADMIN in who.roles and not who.roles & {Role.PEGAWAI, Role.PENILAI} and hr_may_draft(session, skp)
    if not (who.roles & {Role.PEGAWAI, Role.PENILAI} or hr_drafts):
        raise NotPermitted("skp", "plan", sorted(r.value for r in who.roles), held=True)
    if SkpState(skp.state) not in EDITABLE_STATES:
        raise _not_editable(skp, who)
    if expected_version is not None and expected_version != skp.version:
        raise StaleVersion(
            "skp", expected_version, skp.version, skp.state, SKP.allowed_triggers(SkpState(skp.state), who.roles)
        )
    # the policy's bounds first: an oversized plan is refused before anything is read or compared for it
    policy = policy_store.cycle_policy(session, cycle)
    problems = limits.plan(
        policy.limits,
        [(r.text, [ind.text for ind in r.indikator]) for r in plan.rhk],
        [(str(k), v) for k, v in (plan.perilaku or {}).items()],  # str: a model_copy keeps keys as given
        list((plan.lampiran or {}).items()),
    ) + limits.too_long(
        [
            (f"rhk[{i}].indikator[{j}].ekspektasi", ind.ekspektasi)
            for i, r in enumerate(plan.rhk)
            for j, ind in enumerate(r.indikator)
        ],
        policy.limits.text_chars,
        "limits.text_chars",
    )
    if problems:
        raise InvalidInput(problems)
    if plan.perilaku is not None and Role.PENILAI not in who.roles and plan.perilaku != skp.ekspektasi_khusus:
        problems.append(Problem.say("input.plan.ekspektasi_khusus"))
    if plan.lampiran is not None:
        problems += [Problem.say("input.plan.lampiran", section=k) for k in plan.lampiran if k not in LAMPIRAN_KEYS]
    current_rhk, current_indicators = plan_rows(session, skp.id or 0)
    existing = {r.id: r for r in current_rhk}
    boss = atasan_skp(session, skp)
    boss_rhk = set(session.scalars(RHK_IDS, {"skp_id": boss.id})) if boss else set()
    for i, r in enumerate(plan.rhk):
        if r.id is not None and r.id not in existing:
            problems.append(Problem.say("input.plan.rhk_id", id=r.id, at=located(f"rhk[{i}]")))
        if r.intervensi_rhk_id is not None and r.intervensi_rhk_id not in boss_rhk:
            problems.append(Problem.say("input.plan.intervensi", id=r.intervensi_rhk_id, at=located(f"rhk[{i}]")))
        if r.intervensi_rhk_id is not None and r.cascade is None:
            problems.append(Problem.say("input.plan.cascade", at=located(f"rhk[{i}]")))
    problems += _approach_problems(session, skp, plan, policy)
    kept = {r.id for r in plan.rhk if r.id is not None}
    dropped = [rid for rid in existing if rid not in kept]
    problems += [
        Problem.say("input.plan.acting_rhk", rhk=rid) for rid in dropped if existing[rid].acting_id is not None
    ]
    indicators, dropped_indicators = _indicator_changes(session, plan, current_indicators, problems)
    if dropped:
        used = session.execute(
            select(col(Rhk.intervensi_rhk_id), func.count())
            .where(col(Rhk.intervensi_rhk_id).in_(dropped))
            .group_by(col(Rhk.intervensi_rhk_id))
        ).all()
        problems += [Problem.say("input.plan.intervened", rhk=rid, n=n) for rid, n in used]
    if problems:
        raise InvalidInput(problems)

    if plan.perilaku is not None:
        skp.ekspektasi_khusus = {k.value: v for k, v in plan.perilaku.items() if v.strip()}
    if plan.lampiran is not None:
        skp.lampiran = dict(plan.lampiran)
    # only the pegawai (or HR drafting for them) proposes; a penilai's edit withdraws the proposal until then
    was_proposed = skp.proposed
    skp.proposed = plan.propose if Role.PEGAWAI in who.roles or hr_drafts else False
    role = next(r for r in (Role.PEGAWAI, Role.PENILAI, Role.ADMIN) if r in who.roles).value
    notes = (["drafted by HR (hr_drafts)"] if hr_drafts else []) + (["proposed"] if skp.proposed else [])
    # the version-checked write comes first, so a concurrent edit is refused before any RHK row is touched
    engine.record(
        session,
        skp,
        "plan",
        actor=actor,
        role=role,
        now=now,
        note="; ".join(notes) or None,
        payload=plan.model_dump(mode="json"),
    )
    if skp.proposed and not was_proposed:  # the plan now waits on the pejabat penilai
        assert skp.id is not None
        notices.notify(session, skp, "skp", skp.id, "propose", seq=skp.version, now=now)
    _drop(session, dropped, dropped_indicators)
    written = _write_plan(session, skp, plan, existing, indicators)
    return view(session, skp, actor, who, plan=written)  # the rows just written are the plan, in plan order


def _write_plan(
    session: Session,
    skp: Skp,
    plan: PlanIn,
    existing: dict[int | None, Rhk],
    indicators: dict[int | None, Indikator],
) -> Plan:
    """Write the plan's RHK and indicators over the SKP's current rows (kept by id, new ones added); the rows in
    plan order, as `plan_rows` would read them back."""
    rhk_rows: list[Rhk] = []
    for position, r in enumerate(plan.rhk):
        row = existing[r.id] if r.id is not None else Rhk(skp_id=skp.id or 0, position=position, jenis="", text="")
        row.position, row.jenis, row.text = position, r.jenis.value, r.text
        row.intervensi_rhk_id, row.cascade = r.intervensi_rhk_id, r.cascade.value if r.cascade else None
        rhk_rows.append(row)
    session.add_all(rhk_rows)
    session.flush()  # one INSERT of the new RHK (their ids), before their indicators
    indicator_rows: list[Indikator] = []
    for row, r in zip(rhk_rows, plan.rhk, strict=True):
        for j, ind in enumerate(r.indikator):
            indikator = (
                indicators[ind.id]
                if ind.id is not None
                else Indikator(rhk_id=row.id or 0, position=j, text="", aspek="")
            )
            indikator.position, indikator.text, indikator.aspek = j, ind.text, ind.aspek.value
            indikator.target, indikator.satuan = ind.target, ind.satuan
            indikator.approach, indikator.ekspektasi = ind.approach.value, (ind.ekspektasi or "").strip() or None
            indicator_rows.append(indikator)
    session.add_all(indicator_rows)
    session.flush()
    return rhk_rows, indicator_rows


def _drop(session: Session, rhk_ids: list[int | None], indicator_ids: list[int | None]) -> None:
    """Delete the RHK and indicators a plan no longer has (most plans drop nothing: no statement then)."""
    if indicator_ids:
        session.execute(delete(Indikator).where(col(Indikator.id).in_(indicator_ids)))
    if rhk_ids:
        session.execute(delete(Rhk).where(col(Rhk.id).in_(rhk_ids)))


def hr_may_draft(session: Session, skp: Skp) -> bool:
    """Whether the deadline sweep has reached an `hr_drafts` step for this SKP: from then the instansi's pengelola
    kinerja (an admin) may draft and propose the plan on the pegawai's behalf, as the policy's ladder says."""
    query = select(col(DeadlineStep.id)).where(
        col(DeadlineStep.entity_type) == "skp",
        col(DeadlineStep.entity_id) == skp.id,
        col(DeadlineStep.auto_action) == AutoAction.HR_DRAFTS.value,
    )
    return session.scalar(query.limit(1)) is not None


def _indicator_changes(
    session: Session, plan: PlanIn, current: list[Indikator], problems: list[Problem]
) -> tuple[dict[int | None, Indikator], list[int | None]]:
    """The SKP's current indicators by id and those the plan drops; adds a problem per refused change."""
    indicators = {i.id: i for i in current}
    seen: set[int] = set()
    for i, r in enumerate(plan.rhk):
        for j, ind in enumerate(r.indikator):
            if ind.id is None:
                continue
            if ind.id not in indicators or indicators[ind.id].rhk_id != r.id:
                at = located(f"rhk[{i}].indikator[{j}]")
                problems.append(Problem.say("input.plan.indikator_id", id=ind.id, at=at))
            elif ind.id in seen:
                problems.append(
                    Problem.say("input.plan.indikator_twice", id=ind.id, at=located(f"rhk[{i}].indikator[{j}]"))
                )
            seen.add(ind.id)
    dropped = [iid for iid in indicators if iid not in seen]
    if dropped:
        # realisasi of past periods refer to their indicator: it stays, so the record of those periods stays whole
        measured = session.scalars(
            select(col(Realisasi.indikator_id)).where(col(Realisasi.indikator_id).in_(dropped)).distinct()
        ).all()
        problems += [Problem.say("input.plan.measured", indikator=indicators[iid].text, id=iid) for iid in measured]
    return indicators, dropped


def _approach_problems(session: Session, skp: Skp, plan: PlanIn, policy: Policy) -> list[Problem]:
    """Each indikator against its approach and what the policy allows this SKP (by jabatan type and unit)."""
    use = qualitative_use(session, skp, policy)
    return [
        problem
        for i, r in enumerate(plan.rhk)
        for j, ind in enumerate(r.indikator)
        for problem in approach.indikator_problems(
            use, ind.approach, ind.target, ind.ekspektasi, f"rhk[{i}].indikator[{j}]"
        )
    ]


def qualitative_use(session: Session, skp: Skp, policy: Policy) -> QualitativeUse:
    """Whether the SKP's indikator may (or must) be qualitative, by its jabatan type and unit."""
    codes = unit_codes(session, skp.unit_id) if policy.approach.rules else []  # no rules: nothing to look up
    return approach.qualitative_use(policy, skp.jabatan_type, codes)


def unit_codes(session: Session, unit_id: int) -> list[str]:
    """The codes of a unit and every unit above it (its path names their ids), in one statement."""
    path = session.scalar(select(col(Unit.path)).where(col(Unit.id) == unit_id)) or ""
    ids = [int(part) for part in path.strip("/").split("/") if part] or [unit_id]
    return list(session.scalars(select(col(Unit.code)).where(col(Unit.id).in_(ids))))


def _not_editable(skp: Skp, who: Standing) -> Exception:
    return TransitionNotAllowed("skp", "plan", skp.state, SKP.allowed_triggers(SkpState(skp.state), who.roles))
