"""SKP use cases: who the actor is to an SKP, the facts its guards need, planning, firing and reading."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import ColumnElement, bindparam, delete, false, func, or_, select, true
from sqlalchemy.orm import Session, aliased, load_only
from sqlalchemy.orm.util import identity_key
from sqlmodel import col

from policies.deadlines import due_date
from policies.distribution import check as check_distribution
from policies.kuadran import predikat as kuadran_predikat
from policies.schema import AutoAction, DeadlineKey, Policy
from policies.unit_head import rating_for_unit_head
from states.enums import BERAKHLAK, Aspek, CapaianLevel, CascadeKind, CoreValue, JenisRhk, Predikat
from states.errors import InvalidInput, NotFound, NotPermitted, StaleVersion, TransitionNotAllowed
from states.keberatan import KeberatanState
from states.lifecycle import TriggerInput
from states.roles import Role
from states.skp import EDITABLE_STATES, SKP, SkpFacts, SkpState
from workflows import audit, engine
from workflows.actors import Actor
from workflows.cases import policy_store
from workflows.store.tables import (
    MAX_ID,
    AuditEvent,
    Capaian,
    Cycle,
    DeadlineStep,
    Indikator,
    Keberatan,
    Pegawai,
    PolicyVersion,
    Realisasi,
    Rhk,
    Skp,
    Unit,
)

AGREED_OR_LATER = frozenset({"agreed", "monitored", "adjusted", "assessed", "followed_up"})
ANNUAL = 0


# --- who the actor is ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Standing:
    roles: frozenset[Role]
    on_behalf: Role | None = None  # an admin acting for a pejabat penilai outside the organisation


def standing(session: Session, actor: Actor, skp: Skp, cycle: Cycle) -> Standing:
    roles: set[Role] = set()
    if actor.system:
        roles.add(Role.SYSTEM)
    if actor.is_admin_of(cycle.instansi_id):
        roles.add(Role.ADMIN)
    if actor.auditor_of is not None and cycle.instansi_id in actor.auditor_of:
        roles.add(Role.AUDITOR)
    pid = actor.pegawai_id
    if pid is not None:
        if pid == skp.pegawai_id:
            roles.add(Role.PEGAWAI)
        if pid == skp.penilai_id:
            roles.add(Role.PENILAI)
        if pid == skp.atasan_penilai_id:
            roles.add(Role.ATASAN_PENILAI)
        unit = session.get(Unit, skp.unit_id)
        if unit is not None and pid in _heads_on_path(session, unit.path):
            roles.add(Role.PIMPINAN)
    if Role.ADMIN in roles and skp.penilai_id is None:
        roles.add(Role.PENILAI)
        return Standing(frozenset(roles), on_behalf=Role.PENILAI)
    return Standing(frozenset(roles))


def _ids_on_path(path: str) -> list[int]:
    return [int(part) for part in path.strip("/").split("/") if part]


def _heads_on_path(session: Session, path: str) -> set[int | None]:
    """The heads of the units on a path: from the session's identity map when it holds them all (a use case calls
    this twice, a batch of use cases many times), else in one query."""
    ids = _ids_on_path(path)
    held = [u for i in ids if isinstance(u := session.identity_map.get(identity_key(Unit, i)), Unit)]
    if len(held) == len(ids):
        return {u.head_id for u in held}
    return set(session.scalars(select(col(Unit.head_id)).where(col(Unit.id).in_(ids))))


# --- what the guards need ------------------------------------------------------------------------------------

# The statements every SKP use case runs are built once: building and keying a statement costs SQLAlchemy about
# twice what running its cached compilation does on SQLite.
_LATEST_SKP = (
    select(Skp)
    .where(col(Skp.cycle_id) == bindparam("cycle_id"), col(Skp.pegawai_id) == bindparam("pegawai_id"))
    .order_by(col(Skp.id).desc())
    .limit(1)
)
_CAPAIAN = select(col(Capaian.level)).where(
    col(Capaian.cycle_id) == bindparam("cycle_id"),
    col(Capaian.unit_id) == bindparam("unit_id"),
    col(Capaian.period_no) == bindparam("period_no"),
)
_PLAN = (
    select(Rhk, Indikator)
    .outerjoin(Indikator, col(Indikator.rhk_id) == col(Rhk.id))
    .where(col(Rhk.skp_id) == bindparam("skp_id"))
    .order_by(col(Rhk.position), col(Indikator.position))
)
_RHK_IDS = select(col(Rhk.id)).where(col(Rhk.skp_id) == bindparam("skp_id"))
_KEBERATAN_STATES = select(col(Keberatan.state)).where(col(Keberatan.skp_id) == bindparam("skp_id"))
_PREDIKAT_COUNTS = (
    select(col(Skp.unit_id), col(Skp.predikat), func.count())
    .where(
        col(Skp.cycle_id) == bindparam("cycle_id"),
        col(Skp.unit_id).in_(bindparam("unit_ids", expanding=True)),
        col(Skp.predikat).is_not(None),
    )
    .group_by(col(Skp.unit_id), col(Skp.predikat))
)


def atasan_skp(session: Session, skp: Skp) -> Skp | None:
    """The agreed-or-later SKP of the pegawai's pejabat penilai in the same cycle, if any."""
    if skp.penilai_id is None:
        return None
    return session.scalar(_LATEST_SKP, {"cycle_id": skp.cycle_id, "pegawai_id": skp.penilai_id})


def capaian_level(session: Session, cycle_id: int, unit_id: int, period_no: int) -> CapaianLevel | None:
    level = session.scalar(_CAPAIAN, {"cycle_id": cycle_id, "unit_id": unit_id, "period_no": period_no})
    return CapaianLevel(level) if level else None


def latest_capaian(session: Session, cycle_id: int, unit_id: int) -> CapaianLevel | None:
    """The unit's capaian of its latest period that has one: what an SKP closing mid-year for a mutasi is
    assessed against, since the annual capaian is set only at the cycle's end."""
    level = session.scalar(
        select(col(Capaian.level))
        .where(col(Capaian.cycle_id) == cycle_id, col(Capaian.unit_id) == unit_id, col(Capaian.period_no) > ANNUAL)
        .order_by(col(Capaian.period_no).desc())
        .limit(1)
    )
    return CapaianLevel(level) if level else None


Plan = tuple[list[Rhk], list[Indikator]]
"""An SKP's RHK in plan order and their indicators, RHK by RHK."""


def plan_rows(session: Session, skp_id: int) -> Plan:
    """The SKP's plan, in one query."""
    return _plan_of(session.execute(_PLAN, {"skp_id": skp_id}).tuples().all())


def _plan_of(pairs: Iterable[tuple[Rhk | None, Indikator | None]]) -> Plan:
    """The plan from the rows of an outer join of the RHK and their indicators, in plan order."""
    pairs = list(pairs)
    rhk = list({r.id: r for r, _ in pairs if r is not None}.values())
    return rhk, [i for _, i in pairs if i is not None]


# What each guard's facts are read from, beyond the SKP and its cycle: a transition gathers only what its own guards
# read (tests/unit/test_skp_facts.py checks that every guard is listed).
PLAN, ATASAN, CAPAIAN, OBJECTIONS, DISTRIBUTION = "plan", "atasan", "capaian", "objections", "distribution"
SOURCES: dict[str, frozenset[str]] = {
    "atasan_skp_agreed": frozenset({ATASAN}),
    "rhk_intervene_atasan": frozenset({PLAN, ATASAN}),
    "proposed": frozenset(),
    "plan_complete": frozenset({PLAN}),
    "note_given": frozenset(),
    "reason_given": frozenset(),
    "cycle_monitoring": frozenset(),
    "assessment_open": frozenset(),
    "ratings_given": frozenset({CAPAIAN}),
    "unit_capaian_set": frozenset({CAPAIAN}),
    "objection_settled": frozenset({OBJECTIONS}),
    "distribution_holds": frozenset({CAPAIAN, DISTRIBUTION}),
}
EVERY_SOURCE = frozenset().union(*SOURCES.values())


def sources_of(skp: Skp, trigger: str) -> frozenset[str]:
    """What the guards of `trigger` from the SKP's state read (nothing when no row matches: firing refuses it)."""
    rows = [r for r in SKP.rows_from(SkpState(skp.state)) if r.trigger == trigger]
    return frozenset().union(*(SOURCES[g] for r in rows for g in r.guards))


def facts(
    session: Session,
    skp: Skp,
    cycle: Cycle,
    policy: Policy,
    now: datetime,
    *,
    sources: frozenset[str] = EVERY_SOURCE,
    plan: Plan | None = None,
) -> SkpFacts:
    """The guards' facts about an SKP; with `sources`, only those read from them (the rest keep their defaults, which
    no guard of the transition reads); `plan` is the SKP's `plan_rows` when the caller has them."""
    rhk, indicators = (plan or plan_rows(session, skp.id or 0)) if sources & {PLAN, ATASAN} else ([], [])
    by_rhk = Counter(i.rhk_id for i in indicators)
    utama = [r for r in rhk if r.jenis == JenisRhk.UTAMA.value]
    boss = atasan_skp(session, skp) if ATASAN in sources else None
    boss_agreed = boss is not None and boss.state in AGREED_OR_LATER
    boss_rhk = set(session.scalars(_RHK_IDS, {"skp_id": boss.id})) if boss else set()
    level = None
    if sources & {CAPAIAN, DISTRIBUTION}:
        level = capaian_level(session, skp.cycle_id, skp.unit_id, ANNUAL)
        if level is None and skp.closing_reason is not None:
            level = latest_capaian(session, skp.cycle_id, skp.unit_id)
    unit = session.get(Unit, skp.unit_id)
    heads_unit = unit is not None and unit.head_id == skp.pegawai_id
    settled = OBJECTIONS in sources and _objection_settled(session, skp, policy, now, unit.timezone if unit else "")
    return SkpFacts(
        proposed=skp.proposed,
        rhk_utama=len(utama),
        rhk_utama_without_indicator=tuple(r.text for r in utama if not by_rhk[r.id or 0]),
        indicators_without_target=tuple(i.text for i in indicators if i.target is None),
        top_jpt=skp.penilai_id is None,
        atasan_skp_agreed=boss_agreed,
        rhk_utama_not_intervening=tuple(r.text for r in utama if r.intervensi_rhk_id not in boss_rhk),
        cycle_state=cycle.state,
        closing_for_mutasi=skp.closing_reason is not None,
        unit_capaian_set=level is not None,
        unit_head_rating=rating_for_unit_head(policy, level) if heads_unit and level else None,
        objection_settled=settled,
        distribution_violations=_distribution_violations(session, skp, policy, level)
        if DISTRIBUTION in sources
        else (),
    )


PENDING_OBJECTION = frozenset({KeberatanState.filed.value, KeberatanState.under_review.value})


def _objection_settled(session: Session, skp: Skp, policy: Policy, now: datetime, tz: str) -> bool:
    states = set(session.scalars(_KEBERATAN_STATES, {"skp_id": skp.id}))
    return objection_settled(states, skp.assessed_at, policy, now, tz)


def objection_settled(
    keberatan_states: set[str], assessed_at: datetime | None, policy: Policy, now: datetime, tz: str
) -> bool:
    """No keberatan is pending, and one was decided (final) or the filing window has closed: a withdrawn one
    may be filed anew while the window is open, so it settles nothing before the window closes."""
    if keberatan_states & PENDING_OBJECTION:
        return False
    if KeberatanState.decided.value in keberatan_states:
        return True
    if assessed_at is None:
        return False
    return now >= filing_window_closes(policy, assessed_at, tz)


def filing_window_closes(policy: Policy, assessed_at: datetime, tz: str) -> datetime:
    """The first instant at which a keberatan against a result given at `assessed_at` is too late."""
    return due_date(policy, DeadlineKey.KEBERATAN_FILING, event_at=assessed_at, tz=tz)


def unit_predikat_counts(session: Session, cycle_id: int, unit_id: int) -> dict[Predikat, int]:
    return units_predikat_counts(session, cycle_id, [unit_id]).get(unit_id, {})


def units_predikat_counts(session: Session, cycle_id: int, unit_ids: Iterable[int]) -> dict[int, dict[Predikat, int]]:
    """Annual predikat counts of the SKPs of each unit (the unit's own members, not its subtree)."""
    rows = session.execute(_PREDIKAT_COUNTS, {"cycle_id": cycle_id, "unit_ids": list(unit_ids)}).all()
    counts: dict[int, dict[Predikat, int]] = defaultdict(dict)
    for unit_id, p, n in rows:
        counts[unit_id][Predikat(p)] = n
    return counts


def _distribution_violations(session: Session, skp: Skp, policy: Policy, level: CapaianLevel | None) -> tuple[str, ...]:
    if policy.distribution.mode != "hard" or level is None:
        return ()
    counts = unit_predikat_counts(session, skp.cycle_id, skp.unit_id)
    return tuple(str(v) for v in check_distribution(policy, level, counts))


def follow_up_facts(
    session: Session, cycle_id: int, policy: Policy, skp_ids: Sequence[int], now: datetime
) -> dict[int, SkpFacts]:
    """What the `follow_up` guards need for many SKPs of a cycle, in a fixed number of queries (for sweeps)."""
    rows = session.execute(
        select(col(Skp.id), col(Skp.unit_id), col(Skp.assessed_at), col(Unit.timezone))
        .join(Unit, col(Unit.id) == col(Skp.unit_id))
        .where(col(Skp.id).in_(list(skp_ids)))
    ).all()
    objections: dict[int, set[str]] = defaultdict(set)
    for skp_id, state in session.execute(
        select(col(Keberatan.skp_id), col(Keberatan.state)).where(col(Keberatan.skp_id).in_(list(skp_ids)))
    ):
        objections[skp_id].add(state)
    violations: dict[int, tuple[str, ...]] = {}
    units = {unit_id for _, unit_id, _, _ in rows}
    if policy.distribution.mode == "hard" and units:
        found = session.execute(
            select(col(Capaian.unit_id), col(Capaian.level)).where(
                col(Capaian.cycle_id) == cycle_id,
                col(Capaian.unit_id).in_(list(units)),
                col(Capaian.period_no) == ANNUAL,
            )
        ).tuples()
        levels: dict[int, str] = dict(found.all())
        counts = units_predikat_counts(session, cycle_id, levels)
        violations = {
            unit_id: tuple(str(v) for v in check_distribution(policy, CapaianLevel(level), counts.get(unit_id, {})))
            for unit_id, level in levels.items()
        }
    return {
        skp_id: SkpFacts(
            objection_settled=objection_settled(objections[skp_id], assessed_at, policy, now, tz),
            distribution_violations=violations.get(unit_id, ()),
        )
        for skp_id, unit_id, assessed_at, tz in rows
    }


# --- plan -------------------------------------------------------------------------------------------------------


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
        default=None, allow_inf_nan=False, description="Target value; required before the SKP is agreed."
    )
    satuan: str = Field(default="", max_length=100)


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


LAMPIRAN_KEYS = ("dukungan_sumber_daya", "skema_pertanggungjawaban", "konsekuensi")


def save_plan(
    session: Session, skp_id: int, plan: PlanIn, *, actor: Actor, now: datetime, expected_version: int | None = None
) -> SkpView:
    skp, _, who = load(session, skp_id, actor)
    hr_drafts = Role.ADMIN in who.roles and not who.roles & {Role.PEGAWAI, Role.PENILAI} and hr_may_draft(session, skp)
    if not (who.roles & {Role.PEGAWAI, Role.PENILAI} or hr_drafts):
        raise NotPermitted("skp", "plan", sorted(r.value for r in who.roles))
    if SkpState(skp.state) not in EDITABLE_STATES:
        raise _not_editable(skp, who)
    if expected_version is not None and expected_version != skp.version:
        raise StaleVersion(
            "skp", expected_version, skp.version, skp.state, SKP.allowed_triggers(SkpState(skp.state), who.roles)
        )
    problems: list[str] = []
    if plan.perilaku is not None and Role.PENILAI not in who.roles and plan.perilaku != skp.ekspektasi_khusus:
        problems.append("perilaku: ekspektasi khusus is set by the pejabat penilai")
    if plan.lampiran is not None:
        problems += [f"lampiran.{k}: unknown section" for k in plan.lampiran if k not in LAMPIRAN_KEYS]
    current_rhk, current_indicators = plan_rows(session, skp.id or 0)
    existing = {r.id: r for r in current_rhk}
    boss = atasan_skp(session, skp)
    boss_rhk = set(session.scalars(_RHK_IDS, {"skp_id": boss.id})) if boss else set()
    for i, r in enumerate(plan.rhk):
        if r.id is not None and r.id not in existing:
            problems.append(f"rhk[{i}].id: {r.id} is not an RHK of this SKP")
        if r.intervensi_rhk_id is not None and r.intervensi_rhk_id not in boss_rhk:
            problems.append(f"rhk[{i}].intervensi_rhk_id: {r.intervensi_rhk_id} is not an RHK of the atasan's SKP")
        if r.intervensi_rhk_id is not None and r.cascade is None:
            problems.append(f"rhk[{i}].cascade: DIRECT or INDIRECT is required with intervensi_rhk_id")
    kept = {r.id for r in plan.rhk if r.id is not None}
    dropped = [rid for rid in existing if rid not in kept]
    indicators, dropped_indicators = _indicator_changes(session, plan, current_indicators, problems)
    if dropped:
        used = session.execute(
            select(col(Rhk.intervensi_rhk_id), func.count())
            .where(col(Rhk.intervensi_rhk_id).in_(dropped))
            .group_by(col(Rhk.intervensi_rhk_id))
        ).all()
        problems += [f"rhk: RHK {rid} is intervened by {n} subordinate RHK and cannot be removed" for rid, n in used]
    if problems:
        raise InvalidInput(problems)

    if plan.perilaku is not None:
        skp.ekspektasi_khusus = {k.value: v for k, v in plan.perilaku.items() if v.strip()}
    if plan.lampiran is not None:
        skp.lampiran = dict(plan.lampiran)
    # only the pegawai (or HR drafting for them) proposes; a penilai's edit withdraws the proposal until then
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
    session: Session, plan: PlanIn, current: list[Indikator], problems: list[str]
) -> tuple[dict[int | None, Indikator], list[int | None]]:
    """The SKP's current indicators by id and those the plan drops; adds a problem per refused change."""
    indicators = {i.id: i for i in current}
    seen: set[int] = set()
    for i, r in enumerate(plan.rhk):
        for j, ind in enumerate(r.indikator):
            if ind.id is None:
                continue
            if ind.id not in indicators or indicators[ind.id].rhk_id != r.id:
                problems.append(f"rhk[{i}].indikator[{j}].id: {ind.id} is not an indicator of this RHK")
            elif ind.id in seen:
                problems.append(f"rhk[{i}].indikator[{j}].id: {ind.id} is listed twice")
            seen.add(ind.id)
    dropped = [iid for iid in indicators if iid not in seen]
    if dropped:
        # realisasi of past periods refer to their indicator: it stays, so the record of those periods stays whole
        measured = session.scalars(
            select(col(Realisasi.indikator_id)).where(col(Realisasi.indikator_id).in_(dropped)).distinct()
        ).all()
        problems += [
            f"rhk: indicator '{indicators[iid].text}' (id {iid}) has realisasi recorded and cannot be removed"
            for iid in measured
        ]
    return indicators, dropped


def _not_editable(skp: Skp, who: Standing) -> Exception:
    return TransitionNotAllowed("skp", "plan", skp.state, SKP.allowed_triggers(SkpState(skp.state), who.roles))


# --- firing -----------------------------------------------------------------------------------------------------


def fire(
    session: Session,
    skp_id: int,
    trigger: str,
    *,
    actor: Actor,
    now: datetime,
    inp: TriggerInput | None = None,
    expected_version: int | None = None,
) -> SkpView:
    skp, plan = _fetch_with_plan(session, skp_id)
    skp, cycle, who = _standing_on(session, skp, skp_id, actor)
    policy = policy_store.cycle_policy(session, cycle)
    plan = plan or plan_rows(session, skp_id)  # a transition leaves the plan as it is: the view shows these rows
    f = facts(session, skp, cycle, policy, now, sources=sources_of(skp, trigger), plan=plan)
    given = inp or TriggerInput()
    engine.fire(
        session,
        SKP,
        skp,
        trigger,
        actor=actor,
        roles=who.roles,
        facts=f,
        now=now,
        inp=given,
        expected_version=expected_version,
        on_behalf=who.on_behalf,
        apply=_effects(trigger, policy, f, given, now),
    )
    return view(session, skp, actor, who, plan=plan)


def _effects(trigger: str, policy: Policy, f: SkpFacts, inp: TriggerInput, now: datetime) -> Callable[[Any], None]:
    def apply(skp: Any) -> None:
        if trigger in {"return", "adjust"}:
            skp.proposed = False
        elif trigger == "assess":
            hk = f.unit_head_rating or inp.rating_hasil_kerja
            pk = inp.rating_perilaku
            assert hk is not None  # the guard has checked
            assert pk is not None
            skp.rating_hasil_kerja, skp.rating_perilaku = hk.value, pk.value
            skp.predikat = kuadran_predikat(policy, hk, pk).value
            skp.assessed_at = now

    return apply


# --- reading ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SkpView:
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
    allowed_triggers: list[str]
    rhk: list[dict[str, Any]]
    perilaku: list[dict[str, Any]]
    lampiran: dict[str, list[str]]
    rating_hasil_kerja: str | None
    rating_perilaku: str | None
    predikat: str | None


_PENILAI = aliased(Pegawai)
# What a use case on one SKP reads about it, in one round trip: the SKP, its cycle, unit, pegawai and pejabat penilai
# (the standing, the guards and the view), which policy version is pinned (its content hash; the document is parsed
# once per process), and the hash of the newest event on the SKP's chain (what the next event links to). Of the
# pegawai only what the view shows, of the policy version only its hash: the driver builds a description of every
# column of every row it returns, which costs more than the rest of the row.
_LOAD = (
    select(Skp, Cycle, Unit, Pegawai, _PENILAI, PolicyVersion, col(AuditEvent.hash))
    .join(Cycle, col(Cycle.id) == col(Skp.cycle_id))
    .join(Unit, col(Unit.id) == col(Skp.unit_id))
    .join(Pegawai, col(Pegawai.id) == col(Skp.pegawai_id))
    .outerjoin(_PENILAI, col(_PENILAI.id) == col(Skp.penilai_id))
    .outerjoin(PolicyVersion, col(PolicyVersion.id) == col(Cycle.policy_version_id))
    .outerjoin(AuditEvent, audit.at_head("skp", Skp))
    .where(col(Skp.id) == bindparam("skp_id"))
    .options(
        load_only(Pegawai.nip, Pegawai.name),  # type: ignore[arg-type]
        load_only(_PENILAI.nip, _PENILAI.name),  # type: ignore[arg-type]
        load_only(PolicyVersion.content_hash),  # type: ignore[arg-type]
    )
)


# A transition also reads the SKP's plan (its guards and the view need it), in the same round trip: one row per
# indicator, or per RHK without one, or a single row with no RHK. Of the cycle and the unit only what the standing,
# the guards and the audit event read (a later use case in the same session loads the rest when it reads it).
_LOAD_WITH_PLAN = (
    _LOAD.add_columns(Rhk, Indikator)
    .outerjoin(Rhk, col(Rhk.skp_id) == col(Skp.id))
    .outerjoin(Indikator, col(Indikator.rhk_id) == col(Rhk.id))
    .order_by(col(Rhk.position), col(Indikator.position))
    .options(
        load_only(Cycle.instansi_id, Cycle.state, Cycle.policy_version_id),  # type: ignore[arg-type]
        load_only(Unit.head_id, Unit.timezone, Unit.path),  # type: ignore[arg-type]
    )
)


def _fetch(session: Session, skp_id: int) -> Skp | None:
    """The SKP, with what `_LOAD` reads beside it held in the session; from the identity map when it is there (a
    batch of use cases loads its SKPs beforehand)."""
    held = session.identity_map.get(identity_key(Skp, skp_id))
    if isinstance(held, Skp):
        return held
    row = session.execute(_LOAD, {"skp_id": skp_id}).first()
    return _loaded(session, skp_id, row) if row is not None else None


def _fetch_with_plan(session: Session, skp_id: int) -> tuple[Skp | None, Plan | None]:
    """`_fetch` and the SKP's `plan_rows` in one query; the plan is None when the SKP came from the identity map."""
    held = session.identity_map.get(identity_key(Skp, skp_id))
    if isinstance(held, Skp):
        return held, None
    rows = session.execute(_LOAD_WITH_PLAN, {"skp_id": skp_id}).all()
    if not rows:
        return None, None
    return _loaded(session, skp_id, rows[0]), _plan_of((row[7], row[8]) for row in rows)


def _loaded(session: Session, skp_id: int, row: Any) -> Skp:
    skp, head = row[0], row[6]
    session.info.setdefault("skp_loaded", []).append(row[1:6])  # the identity map keeps only what is referenced
    if head is not None:
        audit.remember_head(session, "skp", skp_id, skp.version, head)
    return skp  # type: ignore[no-any-return]


def load(session: Session, skp_id: int, actor: Actor) -> tuple[Skp, Cycle, Standing]:
    """The SKP, its cycle and the actor's standing; NotFound for an actor with no standing at all."""
    return _standing_on(session, _fetch(session, skp_id), skp_id, actor)


def _standing_on(session: Session, skp: Skp | None, skp_id: int, actor: Actor) -> tuple[Skp, Cycle, Standing]:
    cycle = session.get(Cycle, skp.cycle_id) if skp else None
    if skp is None or cycle is None:
        raise NotFound("skp", skp_id)
    who = standing(session, actor, skp, cycle)
    if not who.roles:
        raise NotFound("skp", skp_id)  # existence must not leak to outsiders
    return skp, cycle, who


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
    by_rhk: dict[int, list[dict[str, Any]]] = {}
    for i in indicators:
        by_rhk.setdefault(i.rhk_id, []).append(
            {"id": i.id, "text": i.text, "aspek": i.aspek, "target": i.target, "satuan": i.satuan}
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
    )


def get(session: Session, skp_id: int, actor: Actor) -> SkpView:
    """The SKP as the caller may see it; a pegawai also reads the RHK of their pejabat penilai's SKP."""
    skp = _fetch(session, skp_id)
    cycle = session.get(Cycle, skp.cycle_id) if skp else None
    outsider = skp is not None and cycle is not None and not standing(session, actor, skp, cycle).roles
    if outsider and skp is not None and _rates_the_caller(session, skp, actor):
        full = view(session, skp, actor)
        # what a subordinate needs to pick an intervensi, not the atasan's own appraisal
        return replace(full, rating_hasil_kerja=None, rating_perilaku=None, predikat=None, lampiran={})
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


# --- capaian kinerja organisasi ---------------------------------------------------------------------------------


def set_capaian(
    session: Session, cycle_id: int, unit_id: int, period_no: int, level: CapaianLevel, *, actor: Actor, now: datetime
) -> None:
    """Set a unit's capaian for a period (0 = annual): the pimpinan of the parent unit, or an admin."""
    cycle, unit = session.get(Cycle, cycle_id), session.get(Unit, unit_id)
    if cycle is None or unit is None or unit.instansi_id != cycle.instansi_id:
        raise NotFound("unit", unit_id)
    parent = session.get(Unit, unit.parent_id) if unit.parent_id else None
    is_pimpinan = actor.pegawai_id is not None and parent is not None and parent.head_id == actor.pegawai_id
    if not (is_pimpinan or actor.is_admin_of(cycle.instansi_id)):
        raise NotPermitted("capaian", "set", ["pimpinan of the parent unit", "admin"])
    if period_no < 0:
        raise InvalidInput([f"period: {period_no} is not a period"])
    row = session.scalar(
        select(Capaian).where(
            col(Capaian.cycle_id) == cycle_id, col(Capaian.unit_id) == unit_id, col(Capaian.period_no) == period_no
        )
    )
    role = Role.PIMPINAN.value if is_pimpinan else Role.ADMIN.value
    created = row is None
    if row is None:
        row = Capaian(cycle_id=cycle_id, unit_id=unit_id, period_no=period_no, level=level.value)
    row.level = level.value
    engine.record(
        session,
        row,
        "set_capaian",
        actor=actor,
        role=role,
        now=now,
        created=created,
        note=level.value,
        payload={"level": level.value, "period": period_no},
    )
