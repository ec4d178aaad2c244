"""Tindak lanjut: assessed SKPs dispatched to follow-up with the case their predikat opens; running the cases."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session
from sqlmodel import col

from policies import limits
from policies.follow_up import decide_year, improvement_ends, placement_ends
from policies.periodic import is_low
from policies.schema import Policy
from states.enums import CONTRACT_KINDS, FollowUpKind, JabatanType, JenisPegawai, Predikat
from states.errors import InvalidInput, NotFound
from states.evaluation import EvaluationState
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
from states.skp import SKP, SkpFacts, SkpState
from workflows import audit, engine
from workflows.actors import Actor
from workflows.cases import annual, cycles, notices, policy_store, skps
from workflows.store.tables import AuditEvent, Cycle, Evaluation, FollowUpCase, Pegawai, Skp, Unit

CASE_STATES = frozenset(s.value for s in (*CaseState, *SanctionState, *ContractState))


def lifecycle_of(kind: str) -> Lifecycle[Any, Any]:
    """A sanction runs the sanction ladder; a PPPK contract's recommendation the contract decision; coaching,
    counselling and reward run the case lifecycle."""
    if kind == FollowUpKind.SANCTION.value:
        return SANCTION
    return CONTRACT if kind in CONTRACT_KINDS else CASE


# --- dispatch ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DispatchResult:
    cycle_id: int
    followed_up: int
    cases: dict[str, int]  # cases opened, by kind
    refused: int
    reasons: dict[str, int] = field(default_factory=dict)  # why SKPs stayed assessed, with how many each
    chunks: int = 0
    waiting: int = 0  # pegawai followed up whose year's case waits for another SKP of the year to be rated


def dispatch(
    sessions: Callable[[], Session], cycle_id: int, *, actor: Actor, now: datetime, chunk: int = 5000
) -> DispatchResult:
    """Fire `follow_up` on every assessed SKP of the cycle whose guards hold, set-based, and open in the same chunk
    transaction the case the policy names for the pegawai's annual predikat: the year's SKPs combined, decided once
    per pegawai when the last of them is followed up (`_open_cases`). Idempotent: only assessed SKPs are fired, and
    a pegawai's year has at most one case of a kind."""
    with sessions() as session, session.begin():
        cycle = cycles.get(session, cycle_id, actor)
        policy = policy_store.cycle_policy(session, cycle)
        instansi_id = cycle.instansi_id
        ids: list[int] = [
            i
            for i in session.scalars(
                select(col(Skp.id))
                .where(col(Skp.cycle_id) == cycle_id, col(Skp.state) == SkpState.assessed.value)
                .order_by(col(Skp.id))
            )
            if i is not None
        ]
    role = Role.SYSTEM if actor.system else Role.ADMIN
    opened: Counter[str] = Counter()
    deferred: Counter[str] = Counter()

    def gather(session: Session, locked: list[int]) -> Mapping[int, SkpFacts]:
        # in the chunk's transaction, after its rows are locked: an objection filed or decided before the lock
        # is seen, and one filed after it waits for the chunk and then finds the SKP followed up
        return skps.follow_up_facts(session, cycle_id, policy, locked, now)

    def open_cases(session: Session, moved: list[int]) -> None:
        opened.update(
            _open_cases(
                session, moved, policy, instansi_id=instansi_id, actor=actor, role=role, now=now, deferred=deferred
            )
        )

    result = engine.fire_many(
        sessions,
        SKP,
        "skp",
        "follow_up",
        ids,
        instansi_id=instansi_id,
        actor=actor,
        now=now,
        facts=SkpFacts(),  # unmet guards: an SKP the gathering missed is refused, never followed up by default
        chunk_facts=gather,
        role=role,
        chunk=chunk,
        after=open_cases,
    )
    return DispatchResult(
        cycle_id,
        followed_up=len(result.fired),
        cases=dict(opened),
        refused=len(result.refused),
        reasons=dict(Counter(result.refused.values())),
        chunks=result.chunks,
        waiting=deferred["waiting"],
    )


WAITED_ON = (
    SkpState.agreed.value,
    SkpState.monitored.value,
    SkpState.adjusted.value,
    SkpState.assessed.value,
)
"""An SKP of the pegawai's year in these states can still be rated (or its rating still change on a keberatan): the
year's follow-up waits for it. One never agreed (drafted, cascaded) has no predikat to wait for."""


def _open_cases(
    session: Session,
    skp_ids: list[int],
    policy: Policy,
    *,
    instansi_id: int,
    actor: Actor,
    role: Role,
    now: datetime,
    deferred: Counter[str] | None = None,
) -> Counter[str]:
    """The follow-up is per pegawai per year: for each pegawai of the SKPs just followed up, once no other SKP of
    their year can still be rated, one case for the year's combined annual predikat (`annual.annual_predikat`,
    `mid_year.annual_combine`), on the SKP that ran last, its genesis event naming every SKP it came from. A
    pegawai whose year still has an SKP to rate is counted in `deferred` ("waiting") and decided when that one is
    followed up. A case of the kind already on any SKP of the year (a coaching case the periodic rule opened) is
    the case: it is not opened twice. A constant number of statements per chunk."""
    moved = set(skp_ids)
    people = {
        (pid, year): jenis
        for pid, year, jenis in session.execute(
            select(col(Skp.pegawai_id), col(Cycle.year), col(Pegawai.jenis))
            .join(Pegawai, col(Pegawai.id) == col(Skp.pegawai_id))
            .join(Cycle, col(Cycle.id) == col(Skp.cycle_id))
            .where(col(Skp.id).in_(skp_ids), col(Skp.predikat).is_not(None))
        ).tuples()
    }
    if not people:
        return Counter()
    pids, years = sorted({p for p, _ in people}), sorted({y for _, y in people})
    # every SKP of those pegawai in those years, in the instansi's cycles: what is still to rate, the cases they have
    siblings = session.execute(
        select(col(Skp.id), col(Skp.pegawai_id), col(Cycle.year), col(Skp.state), col(Skp.jabatan_type))
        .join(Cycle, col(Cycle.id) == col(Skp.cycle_id))
        .where(col(Cycle.instansi_id) == instansi_id, col(Cycle.year).in_(years), col(Skp.pegawai_id).in_(pids))
    ).tuples()
    year_of: dict[int, tuple[int, int]] = {}
    jabatan_of: dict[int, str] = {}
    waiting: Counter[tuple[int, int]] = Counter()
    for sid, pid, year, state, jabatan_type in siblings:
        if sid is None or (pid, year) not in people:
            continue
        year_of[sid], jabatan_of[sid] = (pid, year), jabatan_type
        if sid not in moved and state in WAITED_ON:
            waiting[pid, year] += 1
    existing = {
        (year_of[sid], kind)
        for sid, kind in session.execute(
            select(col(FollowUpCase.skp_id), col(FollowUpCase.kind)).where(col(FollowUpCase.skp_id).in_(list(year_of)))
        ).tuples()
    }
    combined = annual.annual_predikat(session, instansi_id=instansi_id, years=years, pegawai_ids=pids)
    history = _earlier_years(session, policy, instansi_id, list(people))
    rows: list[dict[str, Any]] = []
    about: dict[int, tuple[str, str, list[int], str]] = {}  # case's SKP → (predikat, rule, SKPs, note)
    for (pid, year), jenis in sorted(people.items()):
        found = combined.get((pid, year))
        if found is None:
            continue
        latest = found.skp_id
        decided = decide_year(
            policy,
            found.parts,
            year,
            waiting=waiting[pid, year],
            jenis=JenisPegawai(jenis),
            jabatan_type=JabatanType(jabatan_of[latest]),
            earlier=[history.get((pid, y)) for y in range(year - 1, year - _look_back(policy), -1)],
        )
        if decided is None:
            if deferred is not None and waiting[pid, year]:
                deferred["waiting"] += 1
            continue
        predikat, decision = decided
        if decision.kind is None or ((pid, year), decision.kind.value) in existing:
            continue
        skps_of = [part.skp_id for part in found.parts]
        about[latest] = (predikat.value, decision.rule, skps_of, _year_note(found, predikat, decision.rule))
        rows.append(
            {
                "skp_id": latest,
                "kind": decision.kind.value,
                "state": lifecycle_of(decision.kind.value).initial.value,
                "opened_at": now,
                "scheduled_at": None,
                "state_since": now,
                "version": 1,
            }
        )
    if not rows:
        return Counter()
    created = session.execute(
        insert(FollowUpCase).returning(
            col(FollowUpCase.id), col(FollowUpCase.skp_id), col(FollowUpCase.kind), col(FollowUpCase.state)
        ),
        rows,
    ).all()
    genesis = audit.EventDraft(
        entity_type="follow_up_case",
        instansi_id=instansi_id,
        at=now,
        actor=actor.ref,
        role=role.value,
        trigger="open",
        from_state=None,
        to_state=None,
    )
    events = []
    for case_id, skp_id, kind, state in created:
        year_predikat, rule, skps_of, note = about[skp_id]
        payload = {"skp_id": skp_id, "kind": kind, "predikat": year_predikat, "rule": rule, "skp_ids": skps_of}
        draft = replace(genesis.moving(None, state), note=note).with_payload(payload)
        events.append(draft.row(case_id, 1, audit.GENESIS))
    session.execute(insert(AuditEvent), events)
    return Counter(kind for _, _, kind, _ in created)


def _year_note(found: annual.AnnualPredikat, predikat: Predikat, rule: str) -> str:
    """The case's genesis note, in words (the payload keeps the codes and the exact rule id): the annual predikat,
    how the year was combined, the setting that opened the case, and each SKP it came from ('predikat tahunan 2026:
    butuh perbaikan (digabung months_weighted; aturan follow_up.by_predikat) dari SKP 12 2026-01-01–2026-07-14
    sangat baik, SKP 40 2026-07-15–2026-12-31 sangat kurang')."""

    def said(p: Predikat) -> str:
        return p.value.replace("_", " ").lower()

    setting = rule.removesuffix(f".{predikat.value}")
    parts = ", ".join(
        f"SKP {p.skp_id} {p.start.isoformat()}–{p.end.isoformat()} {said(p.predikat)}" for p in found.parts
    )
    return f"predikat tahunan {found.year}: {said(predikat)} (digabung {found.rule}; aturan {setting}) dari {parts}"[
        :4000
    ]


def _look_back(policy: Policy) -> int:
    return max((r.years for r in policy.follow_up.consecutive), default=1)


def _earlier_years(
    session: Session, policy: Policy, instansi_id: int, pegawai_years: list[tuple[int, int]]
) -> dict[tuple[int, int], Predikat]:
    """The annual predikat of the years a consecutive rule looks back on, per (pegawai, year), in one statement
    (none when the policy has no such rule): each year's SKPs combined (`annual.annual_predikat`)."""
    back = _look_back(policy) - 1
    if back <= 0 or not pegawai_years:
        return {}
    pegawai = {pid for pid, _ in pegawai_years}
    latest = max(year for _, year in pegawai_years)
    found = annual.annual_predikat(
        session, instansi_id=instansi_id, years=range(latest - back, latest), pegawai_ids=pegawai
    )
    return {key: a.predikat for key, a in found.items()}


# --- the periodic rule ----------------------------------------------------------------------------------------


def open_periodic_coaching(
    session: Session,
    cycle_id: int,
    period_no: int,
    policy: Policy,
    *,
    instansi_id: int,
    actor: Actor,
    role: Role,
    now: datetime,
) -> int:
    """Open a coaching case for every SKP of the cycle whose last `follow_up.periodic.coaching_after_periods`
    periods up to `period_no` all closed with a predikat below `coaching_below` (`policies.periodic`), unless it
    has a coaching case already; one statement finds them. Idempotent; each case starts its audit chain."""
    rule = policy.follow_up.periodic
    first = period_no - rule.coaching_after_periods + 1
    if rule.coaching_below is None or first < 1:
        return 0
    low = [p.value for p in Predikat if is_low(policy, p)]
    coaching = FollowUpKind.COACHING.value
    has_case = select(col(FollowUpCase.id)).where(
        col(FollowUpCase.skp_id) == col(Evaluation.skp_id), col(FollowUpCase.kind) == coaching
    )
    found = session.execute(
        select(col(Evaluation.skp_id), func.min(col(Evaluation.predikat)))
        .join(Skp, col(Skp.id) == col(Evaluation.skp_id))
        .where(
            col(Skp.cycle_id) == cycle_id,
            col(Evaluation.period_no).between(first, period_no),
            col(Evaluation.state) == EvaluationState.closed.value,
            col(Evaluation.predikat).in_(low),
            ~has_case.exists(),
        )
        .group_by(col(Evaluation.skp_id))
        .having(func.count() == rule.coaching_after_periods)
        .order_by(col(Evaluation.skp_id))
    ).all()
    if not found:
        return 0
    state = CASE.initial.value
    rows = [
        {
            "skp_id": skp_id,
            "kind": coaching,
            "state": state,
            "opened_at": now,
            "scheduled_at": None,
            "state_since": now,
            "version": 1,
        }
        for skp_id, _ in found
    ]
    created = session.execute(insert(FollowUpCase).returning(col(FollowUpCase.id), col(FollowUpCase.skp_id)), rows)
    rule_payload = {
        "rule": "follow_up.periodic",
        "periods": list(range(first, period_no + 1)),
        "coaching_below": rule.coaching_below.value,
    }
    events = [
        audit.new_event(
            entity_type="follow_up_case",
            entity_id=case_id,
            seq=1,
            instansi_id=instansi_id,
            prev_hash=audit.GENESIS,
            at=now,
            actor=actor.ref,
            role=role.value,
            trigger="open",
            from_state=None,
            to_state=state,
            payload={"skp_id": skp_id, "kind": coaching, **rule_payload},
            note=f"follow_up.periodic: periods {first}-{period_no} below {rule.coaching_below.value}",
        )
        for case_id, skp_id in created.all()
    ]
    session.execute(insert(AuditEvent), events)
    return len(events)


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
