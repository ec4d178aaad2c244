"""Finding an instansi or a unit by what a request names: a code, an id."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from sqlmodel import col

from policies import acting as acting_rules
from states.errors import InvalidInput, NotFound, NotPermitted
from states.messages import Problem
from workflows.actors import Actor
from workflows.store.tables import ActingAssignment, Cycle, Instansi, Pegawai, Unit


def unit_id_of(session: Session, cycle_id: int, code: str) -> int:
    """The unit with this code in the cycle's instansi."""
    found = session.scalar(
        select(col(Unit.id))
        .join(Cycle, col(Cycle.instansi_id) == col(Unit.instansi_id))
        .where(col(Cycle.id) == cycle_id, col(Unit.code) == code)
    )
    if found is None:
        raise NotFound("unit", code)
    return found


def unit_zone(s: Session, unit_id: int) -> str:
    unit = s.get(Unit, unit_id)
    return unit.timezone if unit else "Asia/Jakarta"


def units_of_cycle(
    session: Session,
    cycle_id: int,
    *,
    offset: int = 0,
    limit: int,
    search: str = "",
    perangkat_daerah_only: bool = False,
) -> tuple[list[tuple[int, str]], int]:
    """One page of the (id, name) of the units of the cycle's instansi in the tree's order, and how many there are:
    those whose name or code contains `search`, and with `perangkat_daerah_only` the root and the units right under
    it."""
    cycle = session.get_one(Cycle, cycle_id)
    where = [col(Unit.instansi_id) == cycle.instansi_id]
    if search:
        needle = search.lower()
        where.append(
            or_(
                func.lower(col(Unit.name)).contains(needle, autoescape=True),
                func.lower(col(Unit.code)).contains(needle, autoescape=True),
            )
        )
    if perangkat_daerah_only:
        roots = select(col(Unit.id)).where(col(Unit.instansi_id) == cycle.instansi_id, col(Unit.parent_id).is_(None))
        where.append(or_(col(Unit.parent_id).is_(None), col(Unit.parent_id).in_(roots)))
    total = session.scalar(select(func.count()).select_from(Unit).where(*where)) or 0
    rows = session.execute(
        select(col(Unit.id), col(Unit.name)).where(*where).order_by(col(Unit.path)).offset(offset).limit(limit)
    ).all()
    return [(uid, name) for uid, name in rows], total


def any_pegawai(session: Session) -> bool:
    """Whether any pegawai has been imported yet."""
    return (session.scalar(select(func.count()).select_from(Pegawai)) or 0) > 0


def pegawai(session: Session, pegawai_id: int) -> Pegawai | None:
    """The pegawai with this id, if there is one."""
    return session.get(Pegawai, pegawai_id)


def instansi_of(session: Session, actor: Actor) -> frozenset[int]:
    """The instansi an actor belongs to: those they administer or audit, and a pegawai's own."""
    pegawai = session.get(Pegawai, actor.pegawai_id) if actor.pegawai_id is not None else None
    return actor.oversees() | ({pegawai.instansi_id} if pegawai is not None else set())


CHOICES_SHOWN = 50
"""Instansi codes a refusal lists at most; the rest are counted."""


def instansi_for_request(
    session: Session, actor: Actor, code: str | None, what: str, *, action: str = "create", reading: bool = False
) -> int:
    """The instansi a request acts on, by one rule for every route: the one it names; else the caller's only one;
    else, for the super-admin, the only one in the database. Otherwise a 422 whose problem lists the codes the caller
    may send. Writing needs an admin of the instansi (a named one the caller may not use is refused, 403, unknown or
    not); `reading` accepts an auditor too and answers 404 for a named one the caller may not read, so a reader never
    learns whether another instansi exists."""
    mine = actor.oversees() if reading else (actor.admin_of or frozenset())
    if not (actor.super_admin or mine):
        raise NotPermitted(what, action, ["admin", "auditor"] if reading else ["admin"])
    if code is not None:
        found = session.scalar(select(col(Instansi.id)).where(col(Instansi.code) == code))
        if found is not None and (actor.super_admin or found in mine):
            return found
        if reading:
            raise NotFound("instansi", code)
        if not actor.super_admin:
            raise NotPermitted(what, action, ["admin of the instansi"])
        raise InvalidInput([Problem.say("input.instansi.unknown", code=code, choices=_choices(session, actor, mine))])
    if len(mine) == 1:
        return next(iter(mine))
    if actor.super_admin:
        only = [i for i in session.scalars(select(col(Instansi.id)).limit(2)) if i is not None]
        if len(only) == 1:
            return only[0]
    raise InvalidInput([Problem.say("input.instansi.required", choices=_choices(session, actor, mine))])


def _choices(session: Session, actor: Actor, mine: frozenset[int]) -> Problem:
    """What the caller may send as `instansi`, in words that are true of the database as it is."""
    query = select(col(Instansi.code)).order_by(col(Instansi.code))
    if not actor.super_admin:
        query = query.where(col(Instansi.id).in_(mine))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    if total == 0:
        return Problem.say("input.instansi.none_yet")
    codes = session.scalars(query.limit(CHOICES_SHOWN)).all()
    if total > len(codes):
        return Problem.say("input.instansi.choose_more", total=total, codes=", ".join(codes), more=total - len(codes))
    return Problem.say("input.instansi.choose", total=total, codes=", ".join(codes))


def running_acting(session: Session, instansi_id: int) -> dict[int, int]:
    """The officials of the instansi's running acting SKs, by the unit they act for."""
    rows = session.execute(
        select(col(ActingAssignment.unit_id), col(ActingAssignment.pegawai_id)).where(
            col(ActingAssignment.instansi_id) == instansi_id,
            col(ActingAssignment.state) == acting_rules.Phase.running.value,
        )
    )
    return dict(rows.tuples().all())
