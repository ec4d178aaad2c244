"""Who the actor is to an SKP: its pegawai, pejabat penilai, atasan penilai, a pimpinan above its unit, HR."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key
from sqlmodel import col

from states.roles import Role
from workflows.actors import Actor
from workflows.store.tables import (
    Cycle,
    Skp,
    Unit,
)


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
