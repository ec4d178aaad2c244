"""One follow-up case: firing its lifecycle (coaching, counselling, sanction, contract), reading it, and HR's list."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from policies import limits
from policies.follow_up import improvement_ends, placement_ends
from states.enums import CONTRACT_KINDS, FollowUpKind
from states.errors import InvalidInput, NotFound
from states.follow_up import (
    CASE,
    CONTRACT,
    SANCTION,
    CaseFacts,
    CaseState,
    ContractState,
    SanctionFacts,
    SanctionState,
)
from states.lifecycle import Lifecycle, TriggerInput
from states.messages import Problem, label
from states.roles import Role
from workflows import engine
from workflows.actors import Actor
from workflows.cases import annual, cycles, notices, policy_store, skps
from workflows.store.tables import Cycle, FollowUpCase, Pegawai, Skp, Unit

CASE_STATES = frozenset(s.value for s in (*CaseState, *SanctionState, *ContractState))


def lifecycle_of(kind: str) -> Lifecycle[Any, Any]:
    """A sanction runs the sanction ladder; a PPPK contract's recommendation the contract decision; coaching,
    counselling and reward run the case lifecycle."""
    if kind == FollowUpKind.SANCTION.value:
        return SANCTION
    return CONTRACT if kind in CONTRACT_KINDS else CASE


# --- one case ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseView:
    id: int
    skp_id: int
    nip: str
    name: str
    kind: str
    lifecycle: str
    state: str
    version: int
    opened_at: datetime
    scheduled_at: datetime | None
    state_since: datetime
    allowed_triggers: list[str]
    # the pegawai's year the case follows up: its annual predikat (the year's rated SKPs combined) and those SKPs
    annual_predikat: str | None = None
    year_skp_ids: list[int] = field(default_factory=list)


def fire_case(
    session: Session,
    case_id: int,
    trigger: str,
    inp: TriggerInput | None = None,
    *,
    actor: Actor,
    now: datetime,
    expected_version: int | None = None,
) -> CaseView:
    """Move a follow-up case (coaching, counselling, reward) or a sanction ladder; `schedule` sets when it meets."""
    case, skp, cycle, who = _load(session, case_id, actor)
    given = inp or TriggerInput()
    if given.when is not None and given.when.tzinfo is None:
        raise InvalidInput([Problem.say("input.datetime.zone", field=label("field", "when"))])
    if problems := limits.trigger_input(policy_store.cycle_policy(session, cycle).limits, given):
        raise InvalidInput(problems)
    lifecycle = lifecycle_of(case.kind)
    before = case.state

    def apply(row: Any) -> None:
        if row.state != before:
            row.state_since = now
        if trigger == "schedule":
            row.scheduled_at = given.when

    engine.fire(
        session,
        lifecycle,
        case,
        trigger,
        actor=actor,
        roles=who.roles,
        facts=_facts(session, case, skp, cycle, now=now),
        now=now,
        inp=given,
        expected_version=expected_version,
        on_behalf=who.on_behalf,
        apply=apply,
    )
    assert case.id is not None
    notices.notify(session, skp, "follow_up_case", case.id, trigger, seq=case.version, now=now, when=given.when)
    return _view(session, case, skp, cycle, roles=who.roles)


def get_case(session: Session, case_id: int, *, actor: Actor) -> CaseView:
    """A case, for anyone with a standing on its SKP."""
    case, skp, cycle, who = _load(session, case_id, actor)
    return _view(session, case, skp, cycle, roles=who.roles)


def _facts(session: Session, case: FollowUpCase, skp: Skp, cycle: Cycle, *, now: datetime) -> CaseFacts | SanctionFacts:
    if case.kind != FollowUpKind.SANCTION.value:
        return CaseFacts()
    policy = policy_store.cycle_policy(session, cycle)
    unit = session.get(Unit, skp.unit_id)
    tz = unit.timezone if unit else None
    # state_since is when the case entered its current state: the improvement period or the placement began then
    return SanctionFacts(
        improvement_elapsed=now >= improvement_ends(policy, case.state_since, tz),
        placement_elapsed=now >= placement_ends(policy, case.state_since, tz),
    )


def _load(session: Session, case_id: int, actor: Actor) -> tuple[FollowUpCase, Skp, Cycle, skps.Standing]:
    case = session.get(FollowUpCase, case_id)
    if case is None:
        raise NotFound("follow_up_case", case_id)
    try:
        skp, cycle, who = skps.load(session, case.skp_id, actor)
    except NotFound:
        raise NotFound("follow_up_case", case_id) from None
    return case, skp, cycle, who


def _view(session: Session, case: FollowUpCase, skp: Skp, cycle: Cycle, *, roles: frozenset[Role]) -> CaseView:
    assert case.id is not None
    pegawai = session.get(Pegawai, skp.pegawai_id)
    assert pegawai is not None
    lifecycle = lifecycle_of(case.kind)
    year = annual.annual_predikat(
        session, instansi_id=cycle.instansi_id, years=[cycle.year], pegawai_ids=[skp.pegawai_id]
    ).get((skp.pegawai_id, cycle.year))
    return CaseView(
        id=case.id,
        skp_id=case.skp_id,
        nip=pegawai.nip,
        name=pegawai.name,
        kind=case.kind,
        lifecycle=lifecycle.name,
        state=case.state,
        version=case.version,
        opened_at=case.opened_at,
        scheduled_at=case.scheduled_at,
        state_since=case.state_since,
        allowed_triggers=lifecycle.allowed_triggers(lifecycle.states(case.state), roles),
        annual_predikat=year.predikat.value if year else None,
        year_skp_ids=[p.skp_id for p in year.parts] if year else [],
    )


# --- the list for HR --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseItem:
    id: int
    skp_id: int
    nip: str
    name: str
    kind: str
    state: str
    version: int
    opened_at: datetime
    scheduled_at: datetime | None


@dataclass(frozen=True)
class CasePage:
    items: list[CaseItem]
    total: int
    next: int | None  # the offset of the next page, None on the last


def list_cases(
    session: Session,
    *,
    cycle_id: int,
    actor: Actor,
    kind: FollowUpKind | None = None,
    state: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> CasePage:
    """The cycle's follow-up cases, oldest first, for admins of its instansi (and the scheduler)."""
    cycles.get(session, cycle_id, actor)
    problems: list[Problem] = []
    if state is not None and state not in CASE_STATES:
        problems.append(Problem.say("input.followup.state", state=state, known=", ".join(sorted(CASE_STATES))))
    if offset < 0:
        problems.append(Problem.say("input.page.offset"))
    if not 1 <= limit <= 500:
        problems.append(Problem.say("input.page.limit"))
    if problems:
        raise InvalidInput(problems)
    where = [col(Skp.cycle_id) == cycle_id]
    if kind is not None:
        where.append(col(FollowUpCase.kind) == kind.value)
    if state is not None:
        where.append(col(FollowUpCase.state) == state)
    total = session.scalar(
        select(func.count()).select_from(FollowUpCase).join(Skp, col(Skp.id) == col(FollowUpCase.skp_id)).where(*where)
    )
    rows = session.execute(
        select(FollowUpCase, col(Pegawai.nip), col(Pegawai.name))
        .join(Skp, col(Skp.id) == col(FollowUpCase.skp_id))
        .join(Pegawai, col(Pegawai.id) == col(Skp.pegawai_id))
        .where(*where)
        .order_by(col(FollowUpCase.id))
        .offset(offset)
        .limit(limit)
    ).all()
    items = [
        CaseItem(
            id=case.id or 0,
            skp_id=case.skp_id,
            nip=nip,
            name=name,
            kind=case.kind,
            state=case.state,
            version=case.version,
            opened_at=case.opened_at,
            scheduled_at=case.scheduled_at,
        )
        for case, nip, name in rows
    ]
    total = total or 0
    return CasePage(items, total, offset + len(items) if offset + len(items) < total else None)
