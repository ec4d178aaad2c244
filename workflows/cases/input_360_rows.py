"""The 360 rows other SKP use cases touch: what the perilaku rating guards read, who may give input, and how pending
requests follow a reassignment. Kept apart from the 360 use cases (`input_360`), which load SKPs through `skps`,
while `skps`' facts and the reassignment (imported by the organisation's import) need these."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from sqlmodel import col

from policies import input_360 as rules
from policies.schema import Policy
from states.enums import JabatanType
from states.input_360 import INPUT_360, Input360Facts, Input360State
from states.lifecycle import TriggerInput
from states.roles import Role
from workflows import engine
from workflows.actors import Actor
from workflows.store.tables import Input360, Pegawai, Skp, Unit


def colleague(p: Pegawai) -> rules.Colleague:
    return rules.Colleague(
        id=p.id or 0,
        nip=p.nip,
        name=p.name,
        unit_id=p.unit_id,
        jabatan_type=JabatanType(p.jabatan_type),
        atasan_id=p.atasan_id,
        active=p.active,
    )


def rated_pegawai(session: Session, skp: Skp) -> rules.Colleague:
    """The pegawai as the SKP places them: in the SKP's unit, at the SKP's jabatan (a mutasi may have moved them)."""
    p = session.get_one(Pegawai, skp.pegawai_id)
    return rules.Colleague(
        id=p.id or 0,
        nip=p.nip,
        name=p.name,
        unit_id=skp.unit_id,
        jabatan_type=JabatanType(skp.jabatan_type),
        atasan_id=p.atasan_id,
        active=p.active,
    )


def candidates(session: Session, skp: Skp, policy: Policy) -> list[tuple[rules.Colleague, rules.Colleague, str]]:
    """Who may be named for the SKP's perilaku, in name order, with the rated pegawai and their jabatan: the active
    pegawai of the SKP's unit and the pegawai's bawahan, read in one statement, less those the rules refuse."""
    pegawai = rated_pegawai(session, skp)
    rows = session.scalars(
        select(Pegawai)
        .where(
            or_(col(Pegawai.unit_id) == skp.unit_id, col(Pegawai.atasan_id) == skp.pegawai_id),
            col(Pegawai.active).is_(True),
        )
        .order_by(col(Pegawai.name), col(Pegawai.nip))
    ).all()
    penilai, atasan = skp.penilai_id, skp.atasan_penilai_id
    return [
        (pegawai, c, p.jabatan_name)
        for p in rows
        if rules.naming_problem(policy, pegawai, c := colleague(p), penilai_id=penilai, atasan_penilai_id=atasan)
        is None
    ]


def unit_zone(session: Session, skp: Skp) -> str | None:
    return session.scalar(select(col(Unit.timezone)).where(col(Unit.id) == skp.unit_id))


def requests(session: Session, skp: Skp, period_no: int, policy: Policy) -> list[rules.Request]:
    """The inputs named for the SKP and period, as the gate sees them (their window in the unit's zone)."""
    tz = unit_zone(session, skp)
    rows = session.execute(
        select(col(Input360.state), col(Input360.requested_at)).where(
            col(Input360.skp_id) == skp.id, col(Input360.period_no) == period_no
        )
    ).all()
    return [rules.Request(Input360State(state), rules.window_closes(policy, at, tz)) for state, at in rows]


def missing(session: Session, skp: Skp, policy: Policy, period_no: int, now: datetime) -> tuple[str, ...]:
    """Why the perilaku rating of `period_no` (0 = the year) must wait for 360 input; nothing is read unless the
    policy requires input for that rating."""
    if not rules.applies(policy, period_no):
        return ()
    named = requests(session, skp, period_no, policy)
    live = any(r.state is not Input360State.withdrawn for r in named)
    eligible = 1 if live else len(candidates(session, skp, policy))
    return rules.gate(policy, period_no, named, eligible=eligible, now=now)


# --- reassignment ---------------------------------------------------------------------------------------------------


def follow_reassignment(
    session: Session,
    moved: dict[int, tuple[int | None, int | None]],
    *,
    names: dict[int, tuple[str, str]],
    actor: Actor,
    now: datetime,
    reason: str,
) -> int:
    """When SKPs change pejabat penilai (`moved`: SKP id → old, new), their pending 360 requests move with them: each
    is audited `reassigned` with both names, and one whose pemberi is now the penilai is withdrawn (nobody gives
    input on a rating they make). Read in one statement; returns how many requests were touched."""
    if not moved:
        return 0
    rows = session.scalars(
        select(Input360)
        .where(col(Input360.skp_id).in_(list(moved)), col(Input360.state) == Input360State.requested.value)
        .order_by(col(Input360.id))
    ).all()

    def who(pid: int | None) -> str:
        if pid is None or pid not in names:
            return "HR (tidak ada atasan)"
        nip, name = names[pid]
        return f"{name} ({nip})"

    for row in rows:
        old, new = moved[row.skp_id]
        note = f"permintaan pertimbangan: pejabat penilai {who(old)} → {who(new)}; {reason}"[:4000]
        if row.pemberi_id == new:
            engine.fire(
                session,
                INPUT_360,
                row,
                "withdraw",
                actor=actor,
                roles={Role.SYSTEM if actor.system else Role.ADMIN},
                facts=Input360Facts(),
                now=now,
                inp=TriggerInput(note=f"{note}; pemberi kini pejabat penilai"[:4000]),
            )
            continue
        engine.record(
            session,
            row,
            "reassigned",
            actor=actor,
            role=Role.SYSTEM.value if actor.system else Role.ADMIN.value,
            now=now,
            note=note,
            payload={"reason": reason, "penilai": {"from": who(old), "to": who(new)}},
        )
    return len(rows)
