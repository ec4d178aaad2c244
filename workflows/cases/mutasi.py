"""Mutasi: a pegawai moves to another unit mid-cycle; the old SKP closes for assessment, a new one is drafted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from policies import calendar
from states.errors import InvalidInput, NotPermitted, TransitionNotAllowed
from states.roles import Role
from states.skp import SKP, SkpState
from workflows import engine
from workflows.actors import Actor
from workflows.cases import policy_store, skps
from workflows.store.tables import Pegawai, Skp, Unit

MOVABLE = (SkpState.monitored.value,)
"""An SKP is closed for a mutasi while it is being monitored: an adjusted plan is re-agreed first."""


@dataclass(frozen=True)
class MutasiResult:
    pegawai_id: int
    from_unit_id: int
    to_unit_id: int
    closed_skp_id: int  # closing for the mutasi: its penilai assesses it without waiting for the cycle's assessment
    new_skp_id: int  # drafted in the new unit, from the mutasi's day to the end of the cycle year
    new_penilai_id: int | None


def mutasi(
    session: Session, skp_id: int, to_unit_code: str, reason: str, *, actor: Actor, now: datetime
) -> MutasiResult:
    """HR moves the SKP's pegawai to the unit `to_unit_code` of the same instansi, in one transaction: the pegawai's
    unit and pejabat penilai change, the SKP is marked closing for the mutasi (audited on its chain), and a new
    SKP is drafted under the new penilai. A unit head cannot be moved until the unit has another head."""
    skp, cycle, _ = skps.load(session, skp_id, actor)  # NotFound for an actor with no standing on it
    if not actor.is_admin_of(cycle.instansi_id):
        raise NotPermitted("skp", "mutasi", ["admin"])
    problems = []
    if not reason.strip():
        problems.append("reason: required (the mutasi decree, e.g. 'SK Bupati 821/123')")
    target = session.scalar(
        select(Unit).where(col(Unit.instansi_id) == cycle.instansi_id, col(Unit.code) == to_unit_code)
    )
    pegawai = session.get_one(Pegawai, skp.pegawai_id)
    if target is None:
        problems.append(f"to_unit: no unit '{to_unit_code}' in this instansi")
    elif target.id == pegawai.unit_id:
        problems.append(f"to_unit: the pegawai is in {to_unit_code} already")
    headed = session.scalars(select(col(Unit.code)).where(col(Unit.head_id) == pegawai.id)).all()
    if headed:
        problems.append(f"pegawai heads {', '.join(headed)}: give the unit another head before the mutasi")
    if skp.closing_reason is not None:
        problems.append(f"the SKP is closing for a mutasi already ({skp.closing_reason})")
    if problems:
        raise InvalidInput(problems)
    if skp.state not in MOVABLE:
        roles = {Role.ADMIN}
        raise TransitionNotAllowed("skp", "mutasi", skp.state, SKP.allowed_triggers(SkpState(skp.state), roles))
    assert target is not None
    assert target.id is not None
    assert pegawai.id is not None
    penilai = _atasan_in(session, target, pegawai.id)
    atasan_penilai = session.get_one(Pegawai, penilai).atasan_id if penilai else None
    policy = policy_store.cycle_policy(session, cycle)
    day: date = now.astimezone(calendar.zone(policy.calendar, target.timezone)).date()

    from_unit = pegawai.unit_id
    pegawai.unit_id, pegawai.atasan_id, pegawai.atasan_override = target.id, penilai, False
    skp.closing_reason = reason.strip()[:200]
    engine.record(
        session,
        skp,
        "close_for_mutasi",
        actor=actor,
        role=Role.ADMIN.value,
        now=now,
        note=skp.closing_reason,
        payload={"to_unit": to_unit_code, "from_unit_id": from_unit},
    )
    new = Skp(
        cycle_id=skp.cycle_id,
        pegawai_id=pegawai.id,
        unit_id=target.id,
        penilai_id=penilai,
        atasan_penilai_id=atasan_penilai,
        jabatan_type=pegawai.jabatan_type,
        jabatan_name=pegawai.jabatan_name,
        periode_awal=max(day, skp.periode_awal),
        periode_akhir=skp.periode_akhir,
        state=SKP.initial.value,
    )
    engine.record(
        session,
        new,
        "draft",
        actor=actor,
        role=Role.ADMIN.value,
        now=now,
        created=True,
        note=f"mutasi from SKP {skp_id}",
        payload={"cycle_id": skp.cycle_id, "mutasi_from": skp_id, "reason": skp.closing_reason},
    )
    assert new.id is not None
    return MutasiResult(pegawai.id, from_unit, target.id, skp_id, new.id, penilai)


def _atasan_in(session: Session, unit: Unit, pegawai_id: int) -> int | None:
    """The head of the unit, or of the nearest unit above it with a head who is someone else."""
    current: Unit | None = unit
    while current is not None:
        if current.head_id is not None and current.head_id != pegawai_id:
            return current.head_id
        current = session.get(Unit, current.parent_id) if current.parent_id else None
    return None
