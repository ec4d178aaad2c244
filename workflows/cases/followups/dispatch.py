"""Dispatch: the assessed SKPs of a cycle moved to follow-up, once per pegawai and year, with the case the rule for
their annual predikat names (by jenis and jabatan, and for low results in consecutive years)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session
from sqlmodel import col

from policies.follow_up import decide_year
from policies.schema import Policy
from states.enums import JabatanType, JenisPegawai, Predikat
from states.roles import Role
from states.skp import SKP, SkpFacts, SkpState
from workflows import audit, engine
from workflows.actors import Actor
from workflows.cases import annual, cycles, policy_store, skps
from workflows.cases.followups.case import lifecycle_of
from workflows.store.tables import AuditEvent, Cycle, FollowUpCase, Pegawai, Skp

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
