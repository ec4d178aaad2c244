"""Mutasi: a pegawai moves to another unit mid-cycle; the old SKP closes for assessment, a new one is drafted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from policies import acting as acting_rules
from policies import calendar
from states.errors import InvalidInput, NotFound, NotPermitted, TransitionNotAllowed
from states.messages import Problem, label
from states.roles import Role
from states.skp import SKP, SkpState
from workflows import engine
from workflows.actors import Actor
from workflows.cases import policy_store, reassign, skps
from workflows.cases.org.lookup import running_acting
from workflows.store.tables import Cycle, Instansi, Pegawai, Skp, Unit

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
    session: Session,
    skp_id: int,
    to_unit_code: str,
    reason: str,
    *,
    actor: Actor,
    now: datetime,
    effective: date | None = None,
    atasan_id: int | None = None,
    jabatan_name: str | None = None,
) -> MutasiResult:
    """HR moves the SKP's pegawai to the unit `to_unit_code` of the same instansi, in one transaction: the pegawai's
    unit and pejabat penilai change, the SKP is marked closing for the mutasi (audited on its chain), and a new
    SKP is drafted under the new penilai. A unit head cannot be moved until the unit has another head."""
    skp, cycle, _ = skps.load(session, skp_id, actor)  # NotFound for an actor with no standing on it
    if not actor.is_admin_of(cycle.instansi_id):
        raise NotPermitted("skp", "mutasi", ["admin"])
    problems: list[Problem] = []
    if not reason.strip():
        problems.append(Problem.say("input.mutasi.reason"))
    target = session.scalar(
        select(Unit).where(col(Unit.instansi_id) == cycle.instansi_id, col(Unit.code) == to_unit_code)
    )
    pegawai = session.get_one(Pegawai, skp.pegawai_id)
    if target is None:
        problems.append(Problem.say("input.unit.unknown", field=label("field", "to_unit"), unit=to_unit_code))
    elif target.id == pegawai.unit_id:
        problems.append(Problem.say("input.unit.already", field=label("field", "to_unit"), unit=to_unit_code))
    headed = session.scalars(select(col(Unit.code)).where(col(Unit.head_id) == pegawai.id)).all()
    if headed:
        problems.append(Problem.say("input.mutasi.heads", units=", ".join(headed)))
    if skp.closing_reason is not None:
        problems.append(Problem.say("input.mutasi.closing", reason=skp.closing_reason))
    if problems:
        raise InvalidInput(problems)
    if skp.state not in MOVABLE:
        roles = {Role.ADMIN}
        raise TransitionNotAllowed("skp", "mutasi", skp.state, SKP.allowed_triggers(SkpState(skp.state), roles))
    assert target is not None
    assert target.id is not None
    assert pegawai.id is not None
    penilai = atasan_id if atasan_id is not None else _atasan_in(session, target, pegawai.id)
    atasan_penilai = session.get_one(Pegawai, penilai).atasan_id if penilai else None
    policy = policy_store.cycle_policy(session, cycle)
    day: date = effective or now.astimezone(calendar.zone(policy.calendar, target.timezone)).date()

    from_unit = pegawai.unit_id
    pegawai.unit_id, pegawai.atasan_id, pegawai.atasan_override = target.id, penilai, atasan_id is not None
    if jabatan_name:
        pegawai.jabatan_name = jabatan_name
    old_end = skp.periode_akhir
    # the old SKP ran until the day before the move: its periods and its weight in the annual predikat end there
    ends = max(skp.periode_awal, min(old_end, day - timedelta(days=1)))
    close_skp(
        session,
        skp,
        "close_for_mutasi",
        reason,
        actor=actor,
        now=now,
        payload={
            "to_unit": to_unit_code,
            "from_unit_id": from_unit,
            "effective": day.isoformat(),
            "periode_akhir": ends.isoformat(),
        },
        ends=ends,
    )
    new = draft_skp(
        session,
        pegawai,
        skp.cycle_id,
        max(day, skp.periode_awal),
        old_end,
        actor=actor,
        now=now,
        note=f"mutasi from SKP {skp_id}",
        payload={"cycle_id": skp.cycle_id, "mutasi_from": skp_id, "reason": skp.closing_reason},
        penilai_id=penilai,
        atasan_penilai_id=atasan_penilai,
    )
    assert new.id is not None
    return MutasiResult(pegawai.id, from_unit, target.id, skp_id, new.id, penilai)


def close_skp(
    session: Session,
    skp: Skp,
    trigger: str,
    reason: str,
    *,
    actor: Actor,
    now: datetime,
    payload: dict[str, object],
    ends: date | None = None,
) -> None:
    """Mark an SKP closing before the cycle's end (a mutasi, a status period): its penilai assesses it without waiting
    for the cycle's assessment (the `assess` guard reads `closing_reason`). `ends`: its new last day (the months
    served). Audited as `trigger` on the SKP's chain, in the caller's transaction."""
    skp.closing_reason = reason.strip()[:200]
    if ends is not None:
        skp.periode_akhir = ends
    engine.record(
        session, skp, trigger, actor=actor, role=Role.ADMIN.value, now=now, note=skp.closing_reason, payload=payload
    )


def draft_skp(
    session: Session,
    pegawai: Pegawai,
    cycle_id: int,
    periode_awal: date,
    periode_akhir: date,
    *,
    actor: Actor,
    now: datetime,
    note: str,
    payload: dict[str, object],
    penilai_id: int | None = None,
    atasan_penilai_id: int | None = None,
) -> Skp:
    """Draft one SKP for the pegawai in the cycle, in their unit and jabatan, for [periode_awal, periode_akhir];
    by default under their atasan and the atasan's atasan. Audited as `draft`, in the caller's transaction."""
    if penilai_id is None and atasan_penilai_id is None and pegawai.atasan_id is not None:
        penilai_id = pegawai.atasan_id
        atasan_penilai_id = session.get_one(Pegawai, penilai_id).atasan_id
    new = Skp(
        cycle_id=cycle_id,
        pegawai_id=pegawai.id or 0,
        unit_id=pegawai.unit_id,
        penilai_id=penilai_id,
        atasan_penilai_id=atasan_penilai_id,
        jabatan_type=pegawai.jabatan_type,
        jabatan_name=pegawai.jabatan_name,
        periode_awal=periode_awal,
        periode_akhir=periode_akhir,
        state=SKP.initial.value,
    )
    engine.record(
        session, new, "draft", actor=actor, role=Role.ADMIN.value, now=now, created=True, note=note, payload=payload
    )
    return new


def _checked(session: Session, pegawai: Pegawai, inp: MutasiIn) -> tuple[Unit, Pegawai | None, Skp | None]:
    """The mutasi's unit, atasan (if named) and the pegawai's running SKP; InvalidInput naming every problem."""
    problems: list[Problem] = []
    target = session.scalar(
        select(Unit).where(col(Unit.instansi_id) == pegawai.instansi_id, col(Unit.code) == inp.unit.strip())
    )
    if target is None:
        problems.append(Problem.say("input.unit.unknown", field=label("field", "unit"), unit=inp.unit))
    elif target.id == pegawai.unit_id:
        problems.append(Problem.say("input.unit.already", field=label("field", "unit"), unit=inp.unit))
    atasan: Pegawai | None = None
    if inp.atasan_nip:
        atasan = session.scalar(
            select(Pegawai).where(col(Pegawai.nip) == inp.atasan_nip, col(Pegawai.instansi_id) == pegawai.instansi_id)
        )
        if atasan is None:
            problems.append(Problem.say("input.nip.unknown", field=label("field", "atasan_nip"), nip=inp.atasan_nip))
        elif atasan.id == pegawai.id:
            problems.append(Problem.say("input.mutasi.own_atasan"))
    headed = session.scalars(select(col(Unit.code)).where(col(Unit.head_id) == pegawai.id)).all()
    if headed:
        problems.append(Problem.say("input.mutasi.heads", units=", ".join(headed)))
    if inp.jabatan is not None and not inp.jabatan.strip():
        problems.append(Problem.say("input.mutasi.jabatan"))
    running = session.scalar(
        select(Skp)
        .join(Cycle, col(Cycle.id) == col(Skp.cycle_id))
        .where(
            col(Skp.pegawai_id) == pegawai.id,
            col(Cycle.state) != "closed",
            col(Skp.closing_reason).is_(None),
            col(Skp.state).in_(reassign.OPEN),
        )
        .order_by(col(Skp.id).desc())
    )
    if running is not None and (running.periode_awal > inp.effective or inp.effective > running.periode_akhir):
        problems.append(
            Problem.say(
                "input.mutasi.outside",
                effective=inp.effective.isoformat(),
                awal=running.periode_awal.isoformat(),
                akhir=running.periode_akhir.isoformat(),
            )
        )
    if problems or target is None:
        raise InvalidInput(problems)
    return target, atasan, running


def _atasan_in(session: Session, unit: Unit, pegawai_id: int) -> int | None:
    """The head of the unit, or of the nearest unit above it with a head who is someone else (the official of a
    running acting SK standing for the head)."""
    acting = running_acting(session, unit.instansi_id)
    parent: dict[int, int | None] = {}
    head: dict[int, int | None] = {}
    current: Unit | None = unit
    while current is not None and current.id is not None:
        parent[current.id], head[current.id] = current.parent_id, current.head_id
        current = session.get(Unit, current.parent_id) if current.parent_id else None
    return acting_rules.penilai_of(pegawai_id, unit.id, parent, head, acting)


@dataclass(frozen=True)
class MutasiIn:
    """HR's record of a mutasi: the new unit (its code), from `effective`; optionally a new jabatan name, an atasan
    other than the unit's head (a NIP), the SK's number and a note."""

    unit: str
    effective: date
    jabatan: str | None = None
    atasan_nip: str | None = None
    sk_number: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class PegawaiMoved:
    nip: str
    from_unit: str
    to_unit: str
    closed_skp_id: int | None  # the running SKP closed for the mutasi (its penilai assesses it)
    moved_skp_id: int | None  # an SKP still being planned, which moves with the pegawai to the new penilai
    new_skp_id: int | None  # drafted in the new unit from the effective day
    penilai_nip: str | None
    reassigned: int  # SKP steps of others that moved because this pegawai was their penilai


PLANNING = (SkpState.drafted.value, SkpState.cascaded.value)
"""An SKP still being planned moves with the pegawai: the new penilai agrees it (nothing to assess yet)."""


def mutasi_pegawai(session: Session, nip: str, inp: MutasiIn, *, actor: Actor, now: datetime) -> PegawaiMoved:
    """HR records a mutasi, in one transaction: the pegawai moves to the unit; a running SKP (monitored) closes for
    the mutasi and a new one is drafted under the new penilai (`mutasi`); one still being planned moves with them;
    those who had this pegawai as their atasan by override get their unit's head, and their open steps follow
    (`reassign`). Audited on the SKPs and, for the move itself, on the instansi's chain."""
    pegawai = session.scalar(select(Pegawai).where(col(Pegawai.nip) == nip))
    if pegawai is None or not (actor.is_admin_of(pegawai.instansi_id) or actor.pegawai_id is not None):
        raise NotFound("pegawai", nip)
    if not actor.is_admin_of(pegawai.instansi_id):
        raise NotPermitted("pegawai", "mutasi", ["admin"])
    assert pegawai.id is not None
    target, atasan, running = _checked(session, pegawai, inp)
    assert target.id is not None
    reason = " — ".join(x.strip() for x in (inp.sk_number or "mutasi", inp.note or "") if x and x.strip())
    from_unit = session.get_one(Unit, pegawai.unit_id)
    old_atasan = pegawai.atasan_id
    closed = moved = new = None
    if running is not None and running.state == SkpState.monitored.value:
        result = mutasi(
            session,
            running.id or 0,
            target.code,
            reason,
            actor=actor,
            now=now,
            effective=inp.effective,
            atasan_id=atasan.id if atasan else None,
            jabatan_name=inp.jabatan.strip() if inp.jabatan else None,
        )
        closed, new = result.closed_skp_id, result.new_skp_id
    else:
        if running is not None and running.state not in PLANNING:
            roles = {Role.ADMIN}
            raise TransitionNotAllowed(
                "skp", "mutasi", running.state, SKP.allowed_triggers(SkpState(running.state), roles)
            )
        pegawai.unit_id = target.id
        pegawai.atasan_id = atasan.id if atasan else _atasan_in(session, target, pegawai.id)
        pegawai.atasan_override = atasan is not None
        if inp.jabatan:
            pegawai.jabatan_name = inp.jabatan.strip()
        session.flush()
        if running is not None:
            # the unit is written with the reassignment's audited version bump (no flush in between)
            with session.no_autoflush:
                running.unit_id, running.jabatan_name = target.id, pegawai.jabatan_name
                steps = reassign.reassign_open_work(
                    session, {pegawai.id: (old_atasan, pegawai.atasan_id)}, actor=actor, now=now, reason=reason
                )
                if not steps:  # the same penilai in the new unit: the move itself is the event
                    engine.record(
                        session, running, "reassigned", actor=actor, role=Role.ADMIN.value, now=now, note=reason
                    )
            moved = running.id
    session.flush()
    # those rated by this pegawai by override get their unit's head; their open steps follow
    changes: dict[int, tuple[int | None, int | None]] = {}
    for sub in session.scalars(select(Pegawai).where(col(Pegawai.atasan_id) == pegawai.id)):
        assert sub.id is not None
        unit = session.get_one(Unit, sub.unit_id)
        sub.atasan_id, sub.atasan_override = _atasan_in(session, unit, sub.id), False
        changes[sub.id] = (pegawai.id, sub.atasan_id)
    session.flush()
    steps = reassign.reassign_open_work(session, changes, actor=actor, now=now, reason=reason)
    penilai = session.get(Pegawai, pegawai.atasan_id) if pegawai.atasan_id else None
    engine.record(
        session,
        session.get_one(Instansi, pegawai.instansi_id),
        "mutasi",
        actor=actor,
        role=Role.ADMIN.value,
        now=now,
        note=(
            f"mutasi {pegawai.name} ({pegawai.nip}): {from_unit.code} → {target.code} "
            f"mulai {inp.effective.isoformat()}; {reason}"
        )[:4000],
        payload={
            "nip": pegawai.nip,
            "name": pegawai.name,
            "from_unit": from_unit.code,
            "to_unit": target.code,
            "effective": inp.effective.isoformat(),
            "jabatan": pegawai.jabatan_name,
            "atasan_nip": penilai.nip if penilai else None,
            "sk_number": inp.sk_number,
            "note": inp.note,
            "closed_skp_id": closed,
            "moved_skp_id": moved,
            "new_skp_id": new,
        },
    )
    return PegawaiMoved(
        pegawai.nip,
        from_unit.code,
        target.code,
        closed,
        moved,
        new,
        penilai.nip if penilai else None,
        len({s.skp_id for s in steps}),
    )
