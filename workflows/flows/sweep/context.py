"""The cycle a sweep works on (its policy, the HR admins who stand in, the moment) and the lock its sweeps share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session
from sqlmodel import col

from policies.schema import Policy
from states.roles import Role
from workflows.actors import Actor
from workflows.cases import policy_store
from workflows.store.tables import AppUser, Cycle, Instansi, Unit

SWEEP = Actor.scheduler("enforce-deadlines")
SWEEP_LOCK = 0x534B50  # PostgreSQL advisory lock class of the sweep ("SKP"); the object is the cycle id


@dataclass(frozen=True)
class Person:
    ref: str  # nip:<nip> or user:<username>: who, whatever their address
    name: str
    email: str | None


@dataclass(frozen=True)
class Context:
    cycle_id: int
    cycle_name: str
    year: int
    instansi_id: int
    policy: Policy
    hr: tuple[Person, ...]
    as_of: datetime


def load_context(session: Session, cycle_id: int, as_of: datetime) -> tuple[Context, list[tuple[int, str, str]]]:
    """The cycle's context and its instansi's units as (id, code, time zone), in id order."""
    cycle = session.get_one(Cycle, cycle_id)
    policy = policy_store.cycle_policy(session, cycle)
    admins = session.execute(
        select(col(AppUser.username), col(AppUser.email))
        .where(col(AppUser.role) == Role.ADMIN.value, col(AppUser.instansi_id) == cycle.instansi_id)
        .order_by(col(AppUser.username))
    ).all()
    hr = tuple(Person(f"user:{u}", u, e) for u, e in admins)
    if not hr:  # nobody to tell: one row per step all the same, so the gap shows
        instansi = session.scalar(select(col(Instansi.code)).where(col(Instansi.id) == cycle.instansi_id))
        hr = (Person(f"hr:{instansi}", "Pengelola Kinerja", None),)
    units = [
        (uid, code, tz)
        for uid, code, tz in session.execute(
            select(col(Unit.id), col(Unit.code), col(Unit.timezone))
            .where(col(Unit.instansi_id) == cycle.instansi_id)
            .order_by(col(Unit.id))
        )
    ]
    ctx = Context(cycle_id, cycle.name, cycle.year, cycle.instansi_id, policy, hr, as_of)
    return ctx, units


def lock(session: Session, cycle_id: int) -> None:
    """Sweeps of one cycle take turns chunk by chunk, so the pending rows a chunk reads are still pending, with the
    same steps taken, when it writes (SQLite's BEGIN IMMEDIATE already serialises writers)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:class, :cycle)"), {"class": SWEEP_LOCK, "cycle": cycle_id})
