"""HR records a pegawai's status period by SK, and reads a pegawai's periods back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from policies import status as rules
from policies.status import StatusIn
from states.errors import InvalidInput, NotFound, NotPermitted
from states.roles import Role
from workflows import engine
from workflows.actors import Actor
from workflows.cases.status.effects import follow_statuses
from workflows.cases.status.spans import _span
from workflows.store.tables import Instansi, Pegawai, StatusPeriod


@dataclass(frozen=True)
class StatusPeriodOut:
    status: str
    starts: date
    until: date | None
    sk_number: str
    note: str | None


@dataclass(frozen=True)
class StatusSet:
    nip: str
    period: StatusPeriodOut
    replaced: bool  # a period with the same start was recorded before
    closed_skp_ids: list[int]  # running SKPs closed for the months served
    new_skp_ids: list[int]  # SKPs drafted from the day the pegawai serves again
    withdrawn_skp_ids: list[int] = field(default_factory=list)  # never agreed, and the status has begun


def _out(row: StatusPeriod) -> StatusPeriodOut:
    return StatusPeriodOut(row.status, row.starts, row.until, row.sk_number, row.note)


def _pegawai(session: Session, nip: str, actor: Actor, action: str) -> Pegawai:
    pegawai = session.scalar(select(Pegawai).where(col(Pegawai.nip) == nip))
    visible = pegawai is not None and (
        actor.is_admin_of(pegawai.instansi_id)
        or pegawai.instansi_id in actor.oversees()
        or actor.pegawai_id is not None
    )
    if pegawai is None or not visible:
        raise NotFound("pegawai", nip)
    if not actor.is_admin_of(pegawai.instansi_id):
        raise NotPermitted("pegawai", action, ["admin"])
    return pegawai


def set_status(session: Session, nip: str, inp: StatusIn, *, actor: Actor, now: datetime) -> StatusSet:
    """HR records (or replaces, same `starts`) a status period, in one transaction: the period is stored, audited as
    `set_status` on the instansi's chain, and the pegawai's SKPs in running cycles follow (`follow_statuses`)."""
    pegawai = _pegawai(session, nip, actor, "set_status")
    assert pegawai.id is not None
    rows = list(session.scalars(select(StatusPeriod).where(col(StatusPeriod.pegawai_id) == pegawai.id)))
    problems = rules.problems(inp, [_span(r) for r in rows])
    if problems:
        raise InvalidInput(problems)
    row, before = _store(session, pegawai.id, inp, rows, actor=actor, now=now)
    withdrawn: list[int] = []
    closed, drafted = follow_statuses(session, pegawai, actor=actor, now=now, withdrawn=withdrawn)
    engine.record(
        session,
        session.get_one(Instansi, pegawai.instansi_id),
        "set_status",
        actor=actor,
        role=Role.ADMIN.value,
        now=now,
        note=(
            f"status {pegawai.name} ({pegawai.nip}): {rules.words(inp.status)} {inp.span().dates()}; "
            f"SK {inp.sk_number.strip()}"
        )[:4000],
        payload={
            "nip": pegawai.nip,
            "status": inp.status.value,
            "from": inp.starts.isoformat(),
            "until": inp.until.isoformat() if inp.until else None,
            "sk_number": inp.sk_number.strip(),
            "note": inp.note,
            "replaced": before,
            "closed_skp_ids": closed,
            "new_skp_ids": drafted,
            "withdrawn_skp_ids": withdrawn,
        },
    )
    return StatusSet(pegawai.nip, _out(row), before is not None, closed, drafted, withdrawn)


def _store(
    session: Session, pegawai_id: int, inp: StatusIn, rows: Sequence[StatusPeriod], *, actor: Actor, now: datetime
) -> tuple[StatusPeriod, dict[str, str | None] | None]:
    """The period written (inserted, or the one with the same start replaced) and what it replaced."""
    row = next((r for r in rows if r.starts == inp.starts), None)
    before = None
    if row is None:
        row = StatusPeriod(
            pegawai_id=pegawai_id,
            status=inp.status.value,
            starts=inp.starts,
            sk_number="",
            recorded_at=now,
            recorded_by=actor.ref,
        )
    else:
        before = {"status": row.status, "until": row.until.isoformat() if row.until else None, "sk": row.sk_number}
    row.status, row.until, row.sk_number = inp.status.value, inp.until, inp.sk_number.strip()
    row.note = inp.note.strip() if inp.note and inp.note.strip() else None
    row.recorded_at, row.recorded_by = now, actor.ref
    session.add(row)
    session.flush()
    return row, before


def periods_of(session: Session, nip: str, *, actor: Actor) -> list[StatusPeriodOut]:
    """The pegawai's status periods, oldest first, for HR and the auditors of the instansi."""
    pegawai = session.scalar(select(Pegawai).where(col(Pegawai.nip) == nip))
    if pegawai is None or not (actor.super_admin or pegawai.instansi_id in actor.oversees()):
        raise NotFound("pegawai", nip)
    rows = session.scalars(
        select(StatusPeriod).where(col(StatusPeriod.pegawai_id) == pegawai.id).order_by(col(StatusPeriod.starts))
    )
    return [_out(r) for r in rows]
