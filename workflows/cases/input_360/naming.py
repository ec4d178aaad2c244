"""The pejabat penilai names pemberi pertimbangan (rekan kerja setingkat, bawahan langsung) for an SKP and period."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from policies import input_360 as rules
from policies import limits
from states.errors import InvalidInput, NotPermitted
from states.input_360 import Input360State, Relation
from states.messages import Problem, located
from states.roles import Role
from workflows import engine
from workflows.actors import Actor
from workflows.cases import input_360_rows, policy_store, skps
from workflows.cases.input_360.board import _board
from workflows.cases.input_360.reads import _check_open, _live, _role
from workflows.cases.input_360.shapes import ANNUAL, Board, NameIn
from workflows.store.tables import Input360, Pegawai

# --- naming -------------------------------------------------------------------------------------------------------


def name_pemberi(session: Session, skp_id: int, body: NameIn, *, actor: Actor, now: datetime) -> Board:
    """The pejabat penilai names pemberi pertimbangan for the SKP's perilaku of a period (0 = the year); each is a
    rekan kerja setingkat or a bawahan langsung of the pegawai. Audited on the SKP's chain (which also makes two
    concurrent namings take turns) and, per request, on its own."""
    skp, cycle, who = skps.load(session, skp_id, actor)
    if Role.PENILAI not in who.roles:
        raise NotPermitted("input_360", "name", sorted(r.value for r in who.roles), held=True)
    policy = policy_store.cycle_policy(session, cycle)
    _check_open(session, skp, cycle, policy, period_no=body.period_no, roles=who.roles)
    live = _live(session, skp_id, body.period_no)
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for i, nip in enumerate(body.nips):
        if nip in seen:
            problems.append(
                Problem.say("input.360.twice", at=located(f"nips[{i}]"), nip=nip, also=located(f"nips[{seen[nip]}]"))
            )
        seen.setdefault(nip, i)
    found = {
        p.nip: p
        for p in session.scalars(
            select(Pegawai).where(col(Pegawai.nip).in_(list(seen)), col(Pegawai.instansi_id) == cycle.instansi_id)
        )
    }
    pegawai = input_360_rows.rated_pegawai(session, skp)
    named_now = {pid for pid, _ in live}
    chosen: list[tuple[Pegawai, Relation]] = []
    for nip, i in seen.items():
        p = found.get(nip)
        if p is None:
            problems.append(Problem.say("input.360.unknown", at=located(f"nips[{i}]"), nip=nip))
            continue
        if p.id in named_now:
            problems.append(Problem.say("input.360.named", at=located(f"nips[{i}]"), name=p.name, nip=nip))
            continue
        other = input_360_rows.colleague(p)
        why = rules.naming_problem(
            policy, pegawai, other, penilai_id=skp.penilai_id, atasan_penilai_id=skp.atasan_penilai_id
        )
        if why is not None:
            problems.append(Problem.say("input.field_problem", field=located(f"nips[{i}]"), problem=why))
            continue
        relation = rules.relation(policy, pegawai, other)
        assert relation is not None  # naming_problem has checked
        chosen.append((p, relation))
    problems += limits.too_many("nips", len(live) + len(seen), policy.perilaku.max_pemberi, "perilaku.max_pemberi")
    if problems:
        raise InvalidInput(problems)
    role = _role(who)
    what = "tahunan" if body.period_no == ANNUAL else f"periode {body.period_no}"
    engine.record(
        session,
        skp,
        "name_pemberi",
        actor=actor,
        role=role,
        now=now,
        note=f"pemberi pertimbangan perilaku {what}: " + ", ".join(f"{p.name} ({p.nip})" for p, _ in chosen),
        payload={"period_no": body.period_no, "pemberi": [{"nip": p.nip, "relation": r.value} for p, r in chosen]},
    )
    for p, relation in chosen:
        assert p.id is not None
        row = Input360(
            skp_id=skp_id,
            period_no=body.period_no,
            pemberi_id=p.id,
            relation=relation.value,
            state=Input360State.requested.value,
            requested_at=now,
        )
        engine.record(
            session,
            row,
            "name",
            actor=actor,
            role=role,
            now=now,
            created=True,
            note=f"{p.name} ({p.nip}) diminta pertimbangan perilaku {what} sebagai {relation.value.lower()}",
            payload={"skp_id": skp_id, "period_no": body.period_no, "pemberi": p.nip, "relation": relation.value},
        )
    return _board(session, skp, cycle, who, policy, period_no=body.period_no, actor=actor, now=now)
