"""An acting SK as HR and the API see it, and the words its audit events and notices use."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from policies.acting import Phase
from states.enums import ActingKind
from states.roles import Role
from workflows.actors import Actor
from workflows.store.tables import ActingAssignment, Pegawai, Unit

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
