"""Finding an instansi or a unit by what a request names: a code, an id."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from sqlmodel import col

from states.errors import NotFound
from workflows.store.tables import Cycle, Pegawai, Unit


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
