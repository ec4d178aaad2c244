"""HR registers, amends and cancels an acting SK, checked against the SKs already there and the running cycle; the
lists of a unit's and an instansi's SKs."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from policies import acting as rules
from policies.acting import Phase
from states.errors import InvalidInput, NotFound, NotPermitted, TransitionNotAllowed
from states.messages import Problem, label
from workflows import engine
from workflows.actors import Actor
from workflows.cases.acting.apply import _apply
from workflows.cases.acting.views import (
    ACTIVE,
    ActingChange,
    ActingIn,
    ActingPage,
    ActingView,
    _describe,
    _role,
    _view,
    local_day,
)
from workflows.cases.org.lookup import running_acting
from workflows.store.tables import ActingAssignment, Pegawai, Unit


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
