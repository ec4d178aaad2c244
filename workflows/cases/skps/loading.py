"""Loading one SKP with what its use cases read beside it, in one round trip: the seam where the loading
tricks live (the joined statement, positional rows, the identity map, the chain head it hands to the audit trail)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, aliased, load_only
from sqlalchemy.orm.util import identity_key
from sqlmodel import col

from states.errors import NotFound
from workflows import audit
from workflows.actors import Actor
from workflows.cases.skps.facts import Plan, plan_of
from workflows.cases.skps.standing import Standing, standing
from workflows.store.tables import (
    AuditEvent,
    Cycle,
    Indikator,
    Pegawai,
    PolicyVersion,
    Rhk,
    Skp,
    Unit,
)

_PENILAI = aliased(Pegawai)


# What a use case on one SKP reads about it, in one round trip: the SKP, its cycle, unit, pegawai and pejabat penilai
# (the standing, the guards and the view), which policy version is pinned (its content hash; the document is parsed
# once per process), and the hash of the newest event on the SKP's chain (what the next event links to). Of the
# pegawai and the penilai only what the view shows and the address a notice goes to (`notices` takes them from the
# session), of the policy version only its hash: the driver builds a description of every column of every row it
# returns, which costs more than the rest of the row.
_LOAD = (
    select(Skp, Cycle, Unit, Pegawai, _PENILAI, PolicyVersion, col(AuditEvent.hash))
    .join(Cycle, col(Cycle.id) == col(Skp.cycle_id))
    .join(Unit, col(Unit.id) == col(Skp.unit_id))
    .join(Pegawai, col(Pegawai.id) == col(Skp.pegawai_id))
    .outerjoin(_PENILAI, col(_PENILAI.id) == col(Skp.penilai_id))
    .outerjoin(PolicyVersion, col(PolicyVersion.id) == col(Cycle.policy_version_id))
    .outerjoin(AuditEvent, audit.at_head("skp", Skp))
    .where(col(Skp.id) == bindparam("skp_id"))
    .options(
        load_only(Pegawai.nip, Pegawai.name, Pegawai.email),  # type: ignore[arg-type]
        load_only(_PENILAI.nip, _PENILAI.name, _PENILAI.email),  # type: ignore[arg-type]
        load_only(PolicyVersion.content_hash),  # type: ignore[arg-type]
    )
)


# A transition also reads the SKP's plan (its guards and the view need it), in the same round trip: one row per
# indicator, or per RHK without one, or a single row with no RHK. Of the cycle and the unit only what the standing,
# the guards, the audit event, the notice (the cycle's name) and the view (its year) read: a column left out costs
# a round trip of its own when one of them reads it (a later use case in the same session loads the rest).
_LOAD_WITH_PLAN = (
    _LOAD.add_columns(Rhk, Indikator)
    .outerjoin(Rhk, col(Rhk.skp_id) == col(Skp.id))
    .outerjoin(Indikator, col(Indikator.rhk_id) == col(Rhk.id))
    .order_by(col(Rhk.position), col(Indikator.position))
    .options(
        load_only(Cycle.instansi_id, Cycle.state, Cycle.policy_version_id, Cycle.name, Cycle.year),  # type: ignore[arg-type]
        load_only(Unit.head_id, Unit.timezone, Unit.path),  # type: ignore[arg-type]
    )
)


def fetch(session: Session, skp_id: int) -> Skp | None:
    """The SKP, with what `_LOAD` reads beside it held in the session; from the identity map when it is there (a
    batch of use cases loads its SKPs beforehand)."""
    held = session.identity_map.get(identity_key(Skp, skp_id))
    if isinstance(held, Skp):
        return held
    row = session.execute(_LOAD, {"skp_id": skp_id}).first()
    return _loaded(session, skp_id, row) if row is not None else None


def fetch_with_plan(session: Session, skp_id: int) -> tuple[Skp | None, Plan | None]:
    """`fetch` and the SKP's `plan_rows` in one query; the plan is None when the SKP came from the identity map."""
    held = session.identity_map.get(identity_key(Skp, skp_id))
    if isinstance(held, Skp):
        return held, None
    rows = session.execute(_LOAD_WITH_PLAN, {"skp_id": skp_id}).all()
    if not rows:
        return None, None
    return _loaded(session, skp_id, rows[0]), plan_of((row[7], row[8]) for row in rows)


def _loaded(session: Session, skp_id: int, row: Any) -> Skp:
    skp, head = row[0], row[6]
    session.info.setdefault("skp_loaded", []).append(row[1:6])  # the identity map keeps only what is referenced
    if head is not None:
        audit.remember_head(session, "skp", skp_id, skp.version, head)
    return skp  # type: ignore[no-any-return]


def load(session: Session, skp_id: int, actor: Actor) -> tuple[Skp, Cycle, Standing]:
    """The SKP, its cycle and the actor's standing; NotFound for an actor with no standing at all."""
    return standing_on(session, fetch(session, skp_id), skp_id, actor)


def standing_on(session: Session, skp: Skp | None, skp_id: int, actor: Actor) -> tuple[Skp, Cycle, Standing]:
    cycle = session.get(Cycle, skp.cycle_id) if skp else None
    if skp is None or cycle is None:
        raise NotFound("skp", skp_id)
    who = standing(session, actor, skp, cycle)
    if not who.roles:
        raise NotFound("skp", skp_id)  # existence must not leak to outsiders
    return skp, cycle, who
