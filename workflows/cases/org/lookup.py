"""Finding an instansi or a unit by what a request names: a code, an id."""

from __future__ import annotations

from sqlalchemy import func, select
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


def units_of_cycle(session: Session, cycle_id: int, *, limit: int) -> list[tuple[int, str]]:
    """The (id, name) of the units of the cycle's instansi, in the tree's order, at most `limit`."""
    cycle = session.get_one(Cycle, cycle_id)
    rows = session.execute(
        select(col(Unit.id), col(Unit.name))
        .where(col(Unit.instansi_id) == cycle.instansi_id)
        .order_by(col(Unit.path))
        .limit(limit)
    ).all()
    return [(uid, name) for uid, name in rows]


def any_pegawai(session: Session) -> bool:
    """Whether any pegawai has been imported yet."""
    return (session.scalar(select(func.count()).select_from(Pegawai)) or 0) > 0


def pegawai(session: Session, pegawai_id: int) -> Pegawai | None:
    """The pegawai with this id, if there is one."""
    return session.get(Pegawai, pegawai_id)
