"""Plt/Plh with an SK: HR registers an acting official for a unit; while the SK runs, the official rates those the
unit's head would rate.

An SK begins and ends by the unit's local date: at registration when it starts that day, else in the daily sweep
(`apply_due`, run before the deadline ladder). Beginning or ending re-resolves the instansi's atasan (set-based,
`resolve_atasan`) and moves every open step to the new penilai (`reassign_open_work`, audited `reassigned` with both
names). While it runs, and where the cycle's policy says so, the acting duty is an RHK Tambahan of the official's own
SKP. Each SK has its own audit chain (entity `acting`): register, begin, amend, end; or register, cancel for one HR
withdraws before its first day (it never begins, so nothing it would have moved moves)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from policies import acting as rules
from policies.acting import Phase
from states.enums import ActingKind, JenisRhk
from states.errors import InvalidInput, NotFound, NotPermitted, TransitionNotAllowed
from states.messages import Problem, label
from states.roles import Role
from workflows import engine
from workflows.actors import Actor
from workflows.cases import policy_store, reassign
from workflows.cases.org.imports import resolve_atasan
from workflows.cases.org.lookup import running_acting
from workflows.store.tables import ActingAssignment, Cycle, Pegawai, Rhk, Skp, Unit

ACTIVE = (Phase.scheduled.value, Phase.running.value)
TRIGGER = {Phase.running: "begin", Phase.ended: "end"}
VERB = {Phase.running: "mulai", Phase.ended: "berakhir"}


@dataclass(frozen=True)
class ActingIn:
    """HR's record of an acting SK: who (NIP), PLT or PLH, from and until (both days included), the SK's number."""

    nip: str
    kind: ActingKind
    start: date
    until: date
    sk_number: str
    note: str | None = None


@dataclass(frozen=True)
class ActingView:
    id: int
    unit: str
    unit_name: str
    nip: str
    name: str
    kind: ActingKind
    start: date
    until: date
    sk_number: str
    note: str | None
    state: Phase
    version: int


@dataclass(frozen=True)
class ActingChange:
    """An acting SK after a change, with what the change moved: SKPs reassigned and acting duties added."""

    acting: ActingView
    reassigned: int
    duties: int


@dataclass(frozen=True)
class ActingPage:
    items: list[ActingView]
    total: int
    next: int | None = None


@dataclass(frozen=True)
class Applied:
    """What a sweep applied: SKs begun and ended, SKPs whose open steps were reassigned, RHK Tambahan added."""

    begun: int = 0
    ended: int = 0
    reassigned: int = 0
    duties: int = 0


def _role(actor: Actor) -> str:
    return Role.SYSTEM.value if actor.system else Role.ADMIN.value


def local_day(unit: Unit, now: datetime) -> date:
    return now.astimezone(ZoneInfo(unit.timezone)).date()


def _unit(session: Session, code: str, actor: Actor, *, writing: bool) -> Unit:
    """The unit with this code among the instansi the actor administers (or, reading, oversees)."""
    query = select(Unit).where(col(Unit.code) == code)
    if not actor.super_admin:
        query = query.where(col(Unit.instansi_id).in_(actor.admin_of or frozenset() if writing else actor.oversees()))
    found = session.scalars(query.limit(2)).all()
    if not found:
        if actor.pegawai_id is not None and not (actor.admin_of or actor.auditor_of):
            raise NotPermitted("acting", "register" if writing else "read", ["admin"])
        raise NotFound("unit", code)
    if len(found) > 1:
        raise InvalidInput([Problem.say("input.acting.ambiguous_unit", unit=code)])
    return found[0]


def register(session: Session, code: str, inp: ActingIn, *, actor: Actor, now: datetime) -> ActingChange:
    """HR records an acting SK for the unit `code`, in one transaction; it begins now when it runs today (or has
    ended already: then it is on record and changes nothing). Refused, naming each problem and changing nothing:
    an unknown or inactive NIP, the unit's own head, `until` before `from`, an SK of the unit overlapping it, or
    an SK that would make two pegawai each other's penilai."""
    unit = _unit(session, code, actor, writing=True)
    assert unit.id is not None
    problems: list[Problem] = []
    if not inp.sk_number.strip():
        problems.append(Problem.say("input.acting.sk_number"))
    if inp.until < inp.start:
        problems.append(
            Problem.say("input.acting.until_before", until=inp.until.isoformat(), start=inp.start.isoformat())
        )
    official = session.scalar(
        select(Pegawai).where(col(Pegawai.nip) == inp.nip, col(Pegawai.instansi_id) == unit.instansi_id)
    )
    if official is None:
        problems.append(Problem.say("input.nip.unknown", field=label("field", "nip"), nip=inp.nip))
    elif not official.active:
        problems.append(Problem.say("input.acting.inactive", nip=inp.nip))
    elif official.id == unit.head_id:
        problems.append(Problem.say("input.acting.head_already", name=official.name, nip=inp.nip, unit=code))
    if inp.until >= inp.start:
        problems += _overlapping(session, unit, (inp.start, inp.until), skip=None)
    if official is not None and not problems:
        assert official.id is not None
        problems += _cycle_problems(session, unit, official)
    if problems:
        raise InvalidInput(problems)
    assert official is not None
    assert official.id is not None
    row = ActingAssignment(
        instansi_id=unit.instansi_id,
        unit_id=unit.id,
        pegawai_id=official.id,
        kind=inp.kind.value,
        start=inp.start,
        until=inp.until,
        sk_number=inp.sk_number.strip()[:120],
        note=(inp.note or "").strip()[:1000] or None,
        state=Phase.scheduled.value,
        created_at=now,
    )
    engine.record(
        session,
        row,
        "register",
        actor=actor,
        role=_role(actor),
        now=now,
        created=True,
        note=_describe(row, unit, official),
        payload={
            "unit": code,
            "nip": inp.nip,
            "kind": inp.kind.value,
            "from": inp.start.isoformat(),
            "until": inp.until.isoformat(),
            "sk_number": row.sk_number,
            "note": row.note,
        },
    )
    done = _apply(session, [(row, rules.phase(row.start, row.until, local_day(unit, now)))], actor=actor, now=now)
    return ActingChange(_view(row, unit, official), done.reassigned, done.duties)


def amend(
    session: Session, code: str, acting_id: int, until: date, *, actor: Actor, now: datetime, note: str | None = None
) -> ActingChange:
    """HR changes when an SK ends: earlier (the head returns, a definitive head is installed) or later (an
    extension). An `until` before today ends a running SK now, and its open steps go back."""
    unit = _unit(session, code, actor, writing=True)
    row = session.get(ActingAssignment, acting_id)
    if row is None or row.unit_id != unit.id:
        raise NotFound("acting", acting_id)
    if row.state in (Phase.ended.value, Phase.cancelled.value):
        raise TransitionNotAllowed("acting", "amend", row.state, [])
    problems: list[Problem] = []
    if until < row.start:
        problems.append(Problem.say("input.acting.until_before", until=until.isoformat(), start=row.start.isoformat()))
    else:
        problems += _overlapping(session, unit, (row.start, until), skip=row.id)
    if problems:
        raise InvalidInput(problems)
    official = session.get_one(Pegawai, row.pegawai_id)  # read before the change: it is written with its event
    before = row.until
    row.until = until
    said = f"until {before.isoformat()} → {until.isoformat()}"
    engine.record(
        session,
        row,
        "amend",
        actor=actor,
        role=_role(actor),
        now=now,
        note=said + (f"; {note.strip()}" if note and note.strip() else ""),
        payload={"until": until.isoformat(), "was": before.isoformat(), "note": note},
    )
    done = _apply(session, [(row, rules.phase(row.start, row.until, local_day(unit, now)))], actor=actor, now=now)
    return ActingChange(_view(row, unit, official), done.reassigned, done.duties)


def cancel(session: Session, code: str, acting_id: int, reason: str, *, actor: Actor, now: datetime) -> ActingChange:
    """HR withdraws an SK that has not begun (its `from` is after the unit's today), in one transaction: it becomes
    `cancelled`, audited `cancel` on its chain with the reason, and the daily sweep never begins it, so no open step
    moves and no acting duty is added. Refused, changing nothing: no reason (422); an SK that has begun (409, it is
    ended by changing its `until`), ended or was cancelled already (409)."""
    unit = _unit(session, code, actor, writing=True)
    row = session.get(ActingAssignment, acting_id)
    if row is None or row.unit_id != unit.id:
        raise NotFound("acting", acting_id)
    today = local_day(unit, now)
    if row.state in (Phase.ended.value, Phase.cancelled.value):
        raise TransitionNotAllowed("acting", "cancel", row.state, [])
    if row.state == Phase.running.value or rules.phase(row.start, row.until, today) is not Phase.scheduled:
        raise TransitionNotAllowed(
            "acting",
            "cancel",
            Phase.running.value if row.until >= today else Phase.ended.value,
            ["amend"] if row.until >= today else [],
            why=(
                f"the SK began on {row.start.isoformat()}; an SK that has begun is not cancelled but ended, "
                "by changing its until (PATCH with an earlier until)"
            ),
        )
    if not reason.strip():
        raise InvalidInput([Problem.say("input.acting.cancel_reason")])
    official = session.get_one(Pegawai, row.pegawai_id)  # read before the change: it is written with its event
    row.state = Phase.cancelled.value
    said = reason.strip()[:1000]
    engine.record(
        session,
        row,
        "cancel",
        actor=actor,
        role=_role(actor),
        now=now,
        note=f"{_describe(row, unit, official)}; dibatalkan: {said}"[:4000],
        payload={"reason": said, "from": row.start.isoformat(), "until": row.until.isoformat()},
    )
    return ActingChange(_view(row, unit, official), 0, 0)


def list_acting(session: Session, code: str, *, actor: Actor) -> ActingPage:
    """The unit's acting SKs, newest first (admins and auditors of its instansi)."""
    unit = _unit(session, code, actor, writing=False)
    rows = session.execute(
        select(ActingAssignment, Pegawai)
        .join(Pegawai, col(Pegawai.id) == col(ActingAssignment.pegawai_id))
        .where(col(ActingAssignment.unit_id) == unit.id)
        .order_by(col(ActingAssignment.start).desc(), col(ActingAssignment.id).desc())
    ).all()
    items = [_view(a, unit, p) for a, p in rows]
    return ActingPage(items, len(items))


def list_instansi(session: Session, *, actor: Actor, limit: int = 200) -> list[ActingView]:
    """The acting SKs not yet ended in the instansi the actor administers, soonest ending first (HR's page)."""
    query = (
        select(ActingAssignment, Unit, Pegawai)
        .join(Unit, col(Unit.id) == col(ActingAssignment.unit_id))
        .join(Pegawai, col(Pegawai.id) == col(ActingAssignment.pegawai_id))
        .where(col(ActingAssignment.state).in_(ACTIVE))
        .order_by(col(ActingAssignment.until), col(ActingAssignment.id))
        .limit(limit)
    )
    if not actor.super_admin:
        query = query.where(col(ActingAssignment.instansi_id).in_(actor.admin_of or frozenset()))
    return [_view(a, u, p) for a, u, p in session.execute(query).all()]


def apply_due(session: Session, *, now: datetime, actor: Actor, instansi_ids: Iterable[int] | None = None) -> Applied:
    """The daily sweep's part: every SK whose day has come begins, every SK past its `until` ends (each unit's local
    date), set-based per instansi; then every running SK's duty is in its official's open SKPs where policy says so.
    Idempotent: a second run the same day finds nothing to do."""
    query = (
        select(ActingAssignment, col(Unit.timezone))
        .join(Unit, col(Unit.id) == col(ActingAssignment.unit_id))
        .where(col(ActingAssignment.state).in_(ACTIVE))
        .order_by(col(ActingAssignment.id))
    )
    if instansi_ids is not None:
        query = query.where(col(ActingAssignment.instansi_id).in_(list(instansi_ids)))
    due = []
    for row, tz in session.execute(query).all():
        now_phase = rules.phase(row.start, row.until, now.astimezone(ZoneInfo(tz)).date())
        if now_phase.value != row.state:
            due.append((row, now_phase))
    done = _apply(session, due, actor=actor, now=now)
    extra = _ensure_duties(session, actor=actor, now=now, instansi_ids=instansi_ids)
    return Applied(done.begun, done.ended, done.reassigned, done.duties + extra)


def _apply(session: Session, due: Sequence[tuple[ActingAssignment, Phase]], *, actor: Actor, now: datetime) -> Applied:
    """Move each SK to its phase (audited on its chain), then per instansi re-resolve every atasan once and move the
    open steps of those whose penilai changed, with the SKs as the reason."""
    moved = [(row, to) for row, to in due if row.state != to.value]
    if not moved:
        return Applied()
    units = {u.id: u for u in session.scalars(select(Unit).where(col(Unit.id).in_({r.unit_id for r, _ in moved})))}
    reasons: dict[int, list[str]] = defaultdict(list)
    begun = ended = 0
    for row, to in moved:
        unit = units[row.unit_id]
        official = session.get_one(Pegawai, row.pegawai_id)  # read before the change: it is written with its event
        row.state = to.value
        begun, ended = begun + (to is Phase.running), ended + (to is Phase.ended)
        engine.record(
            session, row, TRIGGER[to], actor=actor, role=_role(actor), now=now, note=_describe(row, unit, official)
        )
        reasons[row.instansi_id].append(f"SK {row.kind.capitalize()} {row.sk_number} ({unit.name}) {VERB[to]}")
    session.flush()
    steps = 0
    for instansi_id, said in reasons.items():
        changes = resolve_atasan(session, instansi_id)
        session.flush()
        moved_steps = reassign.reassign_open_work(session, changes, actor=actor, now=now, reason="; ".join(said))
        steps += len({step.skp_id for step in moved_steps})
    ids = {row.instansi_id for row, to in moved if to is Phase.running}
    duties = _ensure_duties(session, actor=actor, now=now, instansi_ids=ids) if ids else 0
    return Applied(begun, ended, steps, duties)


def _ensure_duties(session: Session, *, actor: Actor, now: datetime, instansi_ids: Iterable[int] | None) -> int:
    """Each running SK whose policy counts the duty as an RHK Tambahan has one in every open SKP of its official that
    overlaps the SK (one statement finds those that lack it); audited on the SKP's chain as `acting_duty`."""
    has_duty = exists().where(col(Rhk.skp_id) == col(Skp.id), col(Rhk.acting_id) == col(ActingAssignment.id))
    query = (
        select(ActingAssignment, Skp, Cycle, col(Unit.name))
        .join(Skp, col(Skp.pegawai_id) == col(ActingAssignment.pegawai_id))
        .join(Cycle, col(Cycle.id) == col(Skp.cycle_id))
        .join(Unit, col(Unit.id) == col(ActingAssignment.unit_id))
        .where(
            col(ActingAssignment.state) == Phase.running.value,
            col(Skp.state).in_(reassign.OPEN),
            col(Skp.closing_reason).is_(None),
            col(Cycle.state) != "closed",
            col(Skp.periode_awal) <= col(ActingAssignment.until),
            col(Skp.periode_akhir) >= col(ActingAssignment.start),
            ~has_duty,
        )
        .order_by(col(Skp.id), col(ActingAssignment.id))
    )
    if instansi_ids is not None:
        query = query.where(col(ActingAssignment.instansi_id).in_(list(instansi_ids)))
    found = session.execute(query).all()
    if not found:
        return 0
    wanted = [
        (a, skp, name)
        for a, skp, cycle, name in found
        if rules.rhk_tambahan(policy_store.cycle_policy(session, cycle).acting, ActingKind(a.kind))
    ]
    last = dict(
        session.execute(
            select(col(Rhk.skp_id), func.max(col(Rhk.position)))
            .where(col(Rhk.skp_id).in_({skp.id for _, skp, _ in wanted}))
            .group_by(col(Rhk.skp_id))
        )
        .tuples()
        .all()
    )
    for a, skp, unit_name in wanted:
        assert skp.id is not None
        text = rules.duty_text(ActingKind(a.kind), unit_name, a.sk_number, a.start, a.until)
        position = last.get(skp.id, -1) + 1
        last[skp.id] = position
        engine.record(
            session,
            skp,
            "acting_duty",
            actor=actor,
            role=_role(actor),
            now=now,
            note=text,
            payload={"acting_id": a.id, "kind": a.kind, "sk_number": a.sk_number, "jenis": JenisRhk.TAMBAHAN.value},
        )
        session.add(Rhk(skp_id=skp.id, position=position, jenis=JenisRhk.TAMBAHAN.value, text=text, acting_id=a.id))
    session.flush()
    return len(wanted)


def _overlapping(session: Session, unit: Unit, days: tuple[date, date], *, skip: int | None) -> list[Problem]:
    """A problem for each SK of the unit whose days overlap `days` (one official acts for a unit at a time)."""
    rows = session.scalars(
        select(ActingAssignment).where(
            col(ActingAssignment.unit_id) == unit.id,
            col(ActingAssignment.state) != Phase.cancelled.value,  # a withdrawn SK holds no days
            col(ActingAssignment.start) <= days[1],
            col(ActingAssignment.until) >= days[0],
        )
    ).all()
    return [
        Problem.say(
            "input.acting.overlaps",
            sk=r.sk_number,
            kind=r.kind,
            start=r.start.isoformat(),
            until=r.until.isoformat(),
            unit=unit.code,
        )
        for r in rows
        if r.id != skip and rules.overlaps((r.start, r.until), days)
    ]


def _cycle_problems(session: Session, unit: Unit, official: Pegawai) -> list[Problem]:
    """Whether, with this SK running, the official's chain of penilai comes back to them (they would rate one of
    their own raters): the resolution of every atasan, as `resolve_atasan` would store it, followed upwards."""
    assert official.id is not None
    assert unit.id is not None
    units = session.execute(
        select(col(Unit.id), col(Unit.parent_id), col(Unit.head_id)).where(col(Unit.instansi_id) == unit.instansi_id)
    ).all()
    parent = {uid: p for uid, p, _ in units}
    head = {uid: h for uid, _, h in units}
    acting = running_acting(session, unit.instansi_id) | {unit.id: official.id}
    people = session.execute(
        select(col(Pegawai.id), col(Pegawai.unit_id), col(Pegawai.atasan_id), col(Pegawai.atasan_override)).where(
            col(Pegawai.instansi_id) == unit.instansi_id
        )
    ).all()
    atasan = {pid: aid if ovr else rules.penilai_of(pid, uid, parent, head, acting) for pid, uid, aid, ovr in people}
    seen: set[int] = set()
    current = atasan.get(official.id)
    while current is not None and current not in seen:
        if current == official.id:
            return [Problem.say("input.acting.cycle", name=official.name)]
        seen.add(current)
        current = atasan.get(current)
    return []


def _describe(row: ActingAssignment, unit: Unit, official: Pegawai) -> str:
    return (
        f"{row.kind.capitalize()} {unit.name} ({unit.code}): {official.name} ({official.nip}), "
        f"{row.start.isoformat()} s.d. {row.until.isoformat()}; {row.sk_number}"
    )[:4000]


def _view(row: ActingAssignment, unit: Unit, official: Pegawai) -> ActingView:
    assert row.id is not None
    return ActingView(
        row.id,
        unit.code,
        unit.name,
        official.nip,
        official.name,
        ActingKind(row.kind),
        row.start,
        row.until,
        row.sk_number,
        row.note,
        Phase(row.state),
        row.version,
    )
