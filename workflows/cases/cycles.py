"""Cycle use cases: create with a pinned policy, open (draft every active pegawai's SKP), move, re-pin."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import JSON, exists, func, insert, literal, or_, select
from sqlalchemy.orm import Session
from sqlmodel import col

from policies.kuadran import predikat as kuadran_predikat
from policies.loader import PolicyChange, diff
from states.cycle import CYCLE, CycleFacts, CycleState
from states.enums import PeriodKind, Rating
from states.errors import InvalidInput, NotFound, NotPermitted
from states.lifecycle import TriggerInput
from states.messages import Problem, label
from states.roles import Role
from states.skp import SkpState
from workflows import audit, engine
from workflows.actors import Actor
from workflows.cases import policy_store, quality, status
from workflows.cases.org.lookup import instansi_for_request, instansi_of
from workflows.store.tables import MAX_ID, Cycle, Pegawai, PolicyVersion, Skp, StatusPeriod


@dataclass(frozen=True)
class CycleView:
    id: int
    instansi_id: int
    year: int
    name: str
    state: str
    version: int
    policy_version_id: int | None
    policy: str | None
    allowed_triggers: list[str]


def _roles(actor: Actor, cycle: Cycle) -> set[Role]:
    roles = set()
    if actor.system:
        roles.add(Role.SYSTEM)
    if actor.is_admin_of(cycle.instansi_id):
        roles.add(Role.ADMIN)
    return roles


def view(session: Session, cycle: Cycle, actor: Actor) -> CycleView:
    assert cycle.id is not None
    pv = session.get(PolicyVersion, cycle.policy_version_id) if cycle.policy_version_id else None
    return CycleView(
        cycle.id,
        cycle.instansi_id,
        cycle.year,
        cycle.name,
        cycle.state,
        cycle.version,
        cycle.policy_version_id,
        f"{pv.name} {pv.version}" if pv else None,
        CYCLE.allowed_triggers(CycleState(cycle.state), _roles(actor, cycle)),
    )


def get(session: Session, cycle_id: int, actor: Actor) -> Cycle:
    """The cycle, for those who may change it (admins, the scheduler); readers get 403, outsiders 404."""
    cycle = session.get(Cycle, cycle_id)
    if cycle is None or not _may_read(session, actor, cycle.instansi_id):
        raise NotFound("cycle", cycle_id)
    if not (actor.is_admin_of(cycle.instansi_id) or actor.system):
        raise NotPermitted("cycle", "change", ["admin"])
    return cycle


def create(
    session: Session,
    *,
    instansi_id: int,
    year: int,
    name: str,
    policy_version_id: int | None,
    actor: Actor,
    now: datetime,
) -> CycleView:
    if not actor.is_admin_of(instansi_id):
        raise NotPermitted("cycle", "create", ["admin"])
    if not 2000 <= year <= 2100:
        raise InvalidInput([Problem.say("input.cycle.year", year=year)])
    if session.scalar(select(col(Cycle.id)).where(col(Cycle.instansi_id) == instansi_id, col(Cycle.name) == name)):
        raise InvalidInput([Problem.say("input.cycle.name_taken", name=name)])
    if policy_version_id is not None and session.get(PolicyVersion, policy_version_id) is None:
        raise InvalidInput([Problem.say("input.policy.unknown_version", version=policy_version_id)])
    cycle = Cycle(instansi_id=instansi_id, year=year, name=name, policy_version_id=policy_version_id, created_at=now)
    engine.record(
        session,
        cycle,
        "create",
        actor=actor,
        role=Role.ADMIN.value,
        now=now,
        created=True,
        payload={"year": year, "name": name, "policy_version_id": policy_version_id},
    )
    return view(session, cycle, actor)


GATED = {"open": CycleState.planning, "start_assessment": CycleState.monitoring}
"""The cycle triggers that wait for the blocking data-quality problems to be fixed, from the state they leave."""


def fire(
    session: Session,
    cycle_id: int,
    trigger: str,
    *,
    actor: Actor,
    now: datetime,
    expected_version: int | None = None,
    force: bool = False,
) -> CycleView:
    """Move the cycle; `open` and `start_assessment` are refused while blocking data-quality problems exist, unless
    an admin forces them (`force`), and then the event lists what was overridden."""
    cycle = get(session, cycle_id, actor)
    not_done = session.scalar(
        select(func.count()).where(
            col(Skp.cycle_id) == cycle_id,
            # a withdrawn SKP (never agreed, the pegawai away on a status) is finished too: nothing follows it
            col(Skp.state).not_in([SkpState.followed_up.value, SkpState.withdrawn.value]),
        )
    )
    facts = CycleFacts(policy_pinned=cycle.policy_version_id is not None, skps_not_followed_up=not_done or 0)
    override = None
    if GATED.get(trigger) == cycle.state and cycle.policy_version_id is not None:
        policy = policy_store.cycle_policy(session, cycle)
        override = quality.gate(session, cycle, policy, trigger, actor=actor, force=force)
    engine.fire(
        session,
        CYCLE,
        cycle,
        trigger,
        actor=actor,
        roles=_roles(actor, cycle),
        facts=facts,
        now=now,
        expected_version=expected_version,
        inp=TriggerInput(note=override.note()) if override else None,
        payload={"quality_override": override.counts} if override else None,
    )
    return view(session, cycle, actor)


DRAFTED_COLUMNS = (
    "cycle_id",
    "pegawai_id",
    "unit_id",
    "penilai_id",
    "atasan_penilai_id",
    "jabatan_type",
    "jabatan_name",
    "periode_awal",
    "periode_akhir",
    "state",
    "version",
    "proposed",
    "ekspektasi_khusus",
    "lampiran",
)
"""The columns open-cycle writes of a drafted SKP, in the order its INSERT … SELECT selects them."""


@dataclass(frozen=True)
class OpenResult:
    cycle: CycleView
    drafted: int
    already: int


def open_cycle(
    sessions: Callable[[], Session],
    cycle_id: int,
    *,
    actor: Actor,
    now: datetime,
    chunk: int = 5000,
    force: bool = False,
) -> OpenResult:
    """Open the cycle (planning → drafting) and draft one SKP per active pegawai, set-based and resumable:
    rerunning after an interruption drafts only the SKPs still missing. A pegawai with a status period the policy
    excludes (`status.excluded`) in the year gets an SKP for each stretch of the year they serve, none when they
    serve none of it (`status.draft_around`). Opening is refused while the organisation has blocking
    data-quality problems (a pegawai without a penilai, under the preset), unless an admin forces it."""
    with sessions() as session, session.begin():
        cycle = get(session, cycle_id, actor)
        if cycle.state == CycleState.planning.value:
            fire(session, cycle_id, "open", actor=actor, now=now, force=force)
        elif cycle.state != CycleState.drafting.value:
            raise InvalidInput([Problem.say("input.cycle.not_open", state=label("cycle_state", cycle.state))])
        instansi_id, year = cycle.instansi_id, cycle.year
        excluded = [x.value for x in policy_store.cycle_policy(session, cycle).status.excluded]
    # a pegawai with an excluding status period in the year is drafted around it, after the set-based chunks
    in_status = exists().where(
        col(StatusPeriod.pegawai_id) == col(Pegawai.id),
        col(StatusPeriod.status).in_(excluded),
        col(StatusPeriod.starts) <= date(year, 12, 31),
        or_(col(StatusPeriod.until).is_(None), col(StatusPeriod.until) >= date(year, 1, 1)),
    )
    drafted = already = 0
    role = Role.SYSTEM.value if actor.system else Role.ADMIN.value
    genesis = audit.EventDraft(
        entity_type="skp",
        instansi_id=instansi_id,
        at=now,
        actor=actor.ref,
        role=role,
        trigger="draft",
        from_state=None,
        to_state=SkpState.drafted.value,
    ).with_payload({"cycle_id": cycle_id})
    after = 0  # every active pegawai up to this id has an SKP in the cycle
    while True:
        with sessions() as session, session.begin():
            # concurrent openers queue on the cycle row, so none drafts what another just drafted
            session.execute(select(col(Cycle.id)).where(col(Cycle.id) == cycle_id).with_for_update())
            # keyset, not a scan from the start: chunk k must not walk past the k × chunk pegawai already drafted
            has_skp = exists().where(col(Skp.cycle_id) == cycle_id, col(Skp.pegawai_id) == col(Pegawai.id))
            atasan = Pegawai.__table__.alias("atasan")  # type: ignore[attr-defined]
            # the next chunk of SKPs, written by the database from the pegawai rows (INSERT … SELECT): nothing per
            # row passes through Python but the ids it returns
            todo = (
                select(
                    literal(cycle_id),
                    col(Pegawai.id),
                    col(Pegawai.unit_id),
                    col(Pegawai.atasan_id),
                    atasan.c.atasan_id,
                    col(Pegawai.jabatan_type),
                    col(Pegawai.jabatan_name),
                    literal(date(year, 1, 1)),
                    literal(date(year, 12, 31)),
                    literal(SkpState.drafted.value),
                    literal(1),
                    literal(False),
                    literal({}, JSON),
                    literal({}, JSON),
                )
                .outerjoin(atasan, atasan.c.id == Pegawai.atasan_id)
                .where(
                    col(Pegawai.instansi_id) == instansi_id,
                    col(Pegawai.active),
                    col(Pegawai.id) > after,
                    ~has_skp,
                    ~in_status,
                )
                .order_by(col(Pegawai.id))
                .limit(chunk)
            )
            table = Skp.__table__  # type: ignore[attr-defined]
            draft = insert(table).from_select(DRAFTED_COLUMNS, todo).returning(table.c.id, table.c.pegawai_id)
            ids: list[int] = []
            # streamed, not .all(): 10^5 rows held at once set off the garbage collector's full passes
            for skp_id, pegawai_id in session.execute(draft).tuples():
                ids.append(skp_id)
                after = max(after, pegawai_id)
            if not ids:
                break
            audit.insert_events(session, genesis.rows(ids, 1, audit.GENESIS))
            drafted += len(ids)
    with sessions() as session, session.begin():
        session.execute(select(col(Cycle.id)).where(col(Cycle.id) == cycle_id).with_for_update())
        cycle = session.get_one(Cycle, cycle_id)
        has_skp = exists().where(col(Skp.cycle_id) == cycle_id, col(Skp.pegawai_id) == col(Pegawai.id))
        around = [
            i
            for i in session.scalars(
                select(col(Pegawai.id))
                .where(col(Pegawai.instansi_id) == instansi_id, col(Pegawai.active), ~has_skp, in_status)
                .order_by(col(Pegawai.id))
            )
            if i is not None
        ]
        drafted += status.draft_around(
            session, cycle, policy_store.cycle_policy(session, cycle), around, genesis=genesis
        )
        already = (session.scalar(select(func.count()).where(col(Skp.cycle_id) == cycle_id)) or 0) - drafted
    with sessions() as session:
        return OpenResult(view(session, get(session, cycle_id, actor), actor), drafted, already)


@dataclass(frozen=True)
class PolicyMigration:
    """What moving a running cycle to another policy version changes (dry run) or changed."""

    cycle_id: int
    from_version_id: int | None
    to_version_id: int
    changes: list[PolicyChange]
    predikat_changes: list[tuple[int, str, str]]  # skp id, predikat now, predikat under the new policy
    applied: bool


def migrate_policy(
    session: Session, cycle_id: int, to_version_id: int, *, actor: Actor, now: datetime, dry_run: bool = True
) -> PolicyMigration:
    """Re-pin a running cycle; the dry run reports what would change and writes nothing."""
    cycle = get(session, cycle_id, actor)
    if Role.ADMIN not in _roles(actor, cycle):
        raise NotPermitted("cycle", "migrate_policy", ["admin"])
    target = session.get(PolicyVersion, to_version_id)
    if target is None:
        raise InvalidInput([Problem.say("input.policy.unknown_version", version=to_version_id)])
    new = policy_store.policy_of(session, to_version_id)
    old = policy_store.cycle_policy(session, cycle) if cycle.policy_version_id else None
    changes = diff(old, new) if old else []
    predikat_changes = []
    rated = session.execute(
        select(col(Skp.id), col(Skp.predikat), col(Skp.rating_hasil_kerja), col(Skp.rating_perilaku)).where(
            col(Skp.cycle_id) == cycle_id, col(Skp.predikat).is_not(None)
        )
    )
    for skp_id, current, hk, pk in rated:
        recomputed = kuadran_predikat(new, Rating(hk), Rating(pk)).value
        if recomputed != current:
            predikat_changes.append((skp_id, current, recomputed))
    from_id = cycle.policy_version_id
    if not dry_run:
        cycle.policy_version_id = to_version_id
        engine.record(
            session,
            cycle,
            "migrate_policy",
            actor=actor,
            role=Role.ADMIN.value,
            now=now,
            note=f"policy version {from_id} → {to_version_id}; {len(changes)} setting(s) changed, "
            f"{len(predikat_changes)} predikat would differ (not rewritten)",
            payload={"from": from_id, "to": to_version_id, "hash": target.content_hash},
        )
    return PolicyMigration(cycle_id, from_id, to_version_id, changes, predikat_changes, not dry_run)


def names_of(session: Session, cycle_ids: set[int]) -> dict[int, str]:
    """The names of these cycles, by id."""
    found = session.execute(select(col(Cycle.id), col(Cycle.name)).where(col(Cycle.id).in_(cycle_ids))).tuples()
    return {cycle_id: name for cycle_id, name in found if cycle_id is not None}


def readable(session: Session, cycle_id: int, actor: Actor) -> CycleView:
    """A cycle as admins, auditors and the cycle's own pegawai see it."""
    cycle = session.get(Cycle, cycle_id)
    if cycle is None or not _may_read(session, actor, cycle.instansi_id):
        raise NotFound("cycle", cycle_id)
    return view(session, cycle, actor)


def _may_read(session: Session, actor: Actor, instansi_id: int) -> bool:
    return actor.super_admin or actor.system or instansi_id in instansi_of(session, actor)


def list_cycles(session: Session, actor: Actor, *, offset: int, limit: int) -> tuple[list[CycleView], int]:
    query = select(Cycle)
    if not actor.super_admin:
        query = query.where(col(Cycle.instansi_id).in_(instansi_of(session, actor)))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(col(Cycle.id).desc()).offset(offset).limit(limit)).all()
    return [view(session, c, actor) for c in rows], total


class CycleIn(BaseModel):
    """The body of `POST /cycles`."""

    model_config = ConfigDict(extra="forbid")
    year: int = Field(ge=2000, le=2100, examples=[2026])
    name: str = Field(min_length=1, max_length=200, examples=["SKP 2026"])
    policy: Annotated[int, Field(ge=1, le=MAX_ID)] | Annotated[str, Field(max_length=120)] | None = Field(
        default=None,
        description="Policy version id, or a policy name (its newest visible version, or a preset); "
        "the configured default preset when omitted.",
    )
    period: PeriodKind | None = Field(
        default=None, description="MONTHLY, QUARTERLY or SEMESTER; a derived policy version is stored if it differs."
    )
    instansi: str | None = Field(
        default=None, description="Instansi code; when omitted, the caller's only instansi, or the only one there is."
    )


def create_from(session: Session, body: CycleIn, *, actor: Actor, now: datetime, default_policy: str) -> CycleView:
    """Create a cycle from the public request: resolve the instansi and the policy version it pins."""
    instansi_id = instansi_for_request(session, actor, body.instansi, "cycle")
    pv = _policy_version(session, body.policy if body.policy is not None else default_policy, actor, now)
    if body.period is not None:
        policy = policy_store.policy_of(session, pv.id or 0)
        if policy.periods.kind != body.period:
            derived = policy.model_copy(
                update={
                    "name": f"{policy.name}+{body.period.value.lower()}",
                    "base": policy.name,
                    "periods": policy.periods.model_copy(update={"kind": body.period}),
                }
            )
            pv = policy_store.store(session, derived, instansi_id=instansi_id, created_by=actor.ref, now=now)
    return create(
        session, instansi_id=instansi_id, year=body.year, name=body.name, policy_version_id=pv.id, actor=actor, now=now
    )


def _policy_version(session: Session, ref: int | str, actor: Actor, now: datetime) -> PolicyVersion:
    if isinstance(ref, int):
        try:
            policy_store.get_version(session, ref, actor)
        except NotFound as exc:
            raise InvalidInput([Problem.say("input.policy.unknown_version", version=ref)]) from exc
        return session.get_one(PolicyVersion, ref)
    found = policy_store.find_version(session, actor, ref, now=now)
    if found is None:
        raise InvalidInput([Problem.say("input.policy.unknown_name", name=ref)])
    return found
