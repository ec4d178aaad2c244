"""The board the penilai reads when rating: who was asked, who answered, and the aggregate per core value (who said
what only where the policy allows); the annual aggregate the Dokumen Evaluasi prints."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from policies import input_360 as rules
from policies import periods
from policies.schema import Policy
from states.enums import CoreValue, Rating
from states.errors import InvalidInput, NotPermitted, TransitionNotAllowed
from states.input_360 import Input360State, Relation
from states.messages import Problem
from states.roles import Role
from workflows.actors import Actor
from workflows.cases import input_360_rows, policy_store, skps
from workflows.cases.input_360.reads import _PEMBERI, _REQUESTS, _check_open, _views
from workflows.cases.input_360.shapes import ANNUAL, READERS, Board, Candidate, PemberiInput
from workflows.store.tables import Cycle, Input360, Input360Value, Skp

# --- the board ------------------------------------------------------------------------------------------------------


def board(session: Session, skp_id: int, period_no: int, *, actor: Actor, now: datetime) -> Board:
    """The SKP's 360 input for a period as the penilai reads it when rating: requests, the aggregate per core value
    (who said what only where the policy allows it), and what the rating still waits for."""
    skp, cycle, who = skps.load(session, skp_id, actor)
    if not who.roles & READERS:
        raise NotPermitted("input_360", "read", sorted(r.value for r in who.roles), held=True)
    policy = policy_store.cycle_policy(session, cycle)
    if period_no != ANNUAL and periods.find(policy, cycle.year, period_no) is None:
        raise InvalidInput([Problem.say("input.period_no.not_of_year", period=period_no, year=cycle.year)])
    return _board(session, skp, cycle, who, policy, period_no=period_no, actor=actor, now=now)


def _board(
    session: Session,
    skp: Skp,
    cycle: Cycle,
    who: skps.Standing,
    policy: Policy,
    *,
    period_no: int,
    actor: Actor,
    now: datetime,
) -> Board:
    assert skp.id is not None
    rows = session.execute(
        _REQUESTS.where(col(Input360.skp_id) == skp.id, col(Input360.period_no) == period_no).order_by(
            col(_PEMBERI.name), col(Input360.id)
        )
    ).tuples()
    requests = _views(session, policy, rows, actor=actor, now=now, roles=who.roles)
    submitted = [r for r in requests if r.state == Input360State.submitted.value]
    given = _given(session, [r.id for r in submitted])
    values = rules.aggregate(policy, (g for g, _ in given))
    by_pemberi = None
    if policy.perilaku.show_who_said_what:
        of = {r.id: r for r in submitted}
        by_pemberi = [
            PemberiInput(
                of[i].pemberi_nip,
                of[i].pemberi_name,
                of[i].relation,
                {g.core_value.value: g.rating.value for g, at in given if at == i},
                {g.core_value.value: g.note for g, at in given if at == i and g.note},
            )
            for i in of
        ]
    requested = [r for r in requests if r.state == Input360State.requested.value]
    blocking = input_360_rows.missing(session, skp, policy, period_no, now)
    may_name = Role.PENILAI in who.roles and _may_open(
        session, skp, cycle, policy, period_no=period_no, roles=who.roles
    )
    candidates: list[Candidate] = []
    if may_name:
        named = {r.pemberi_nip for r in requests if r.state != Input360State.withdrawn.value}
        candidates = [
            Candidate(c.nip, c.name, jabatan, (rules.relation(policy, p, c) or Relation.REKAN).value)
            for p, c, jabatan in input_360_rows.candidates(session, skp, policy)
            if c.nip not in named
        ]
    return Board(
        skp_id=skp.id,
        period_no=period_no,
        mode=policy.perilaku.input_360.value,
        required=rules.applies(policy, period_no),
        show_who_said_what=policy.perilaku.show_who_said_what,
        min_inputs_shown=policy.perilaku.min_inputs_shown,
        named=len(submitted) + len(requested),
        submitted=len(submitted),
        waiting=sum(1 for r in requested if r.window_open),
        unanswered=sum(1 for r in requested if not r.window_open),
        requests=requests,
        values=list(values),
        by_pemberi=by_pemberi,
        blocking=blocking,
        may_name=may_name,
        candidates=candidates,
    )


def _may_open(
    session: Session, skp: Skp, cycle: Cycle, policy: Policy, *, period_no: int, roles: frozenset[Role]
) -> bool:
    try:
        _check_open(session, skp, cycle, policy, period_no=period_no, roles=roles)
    except (InvalidInput, TransitionNotAllowed):
        return False
    return True


def _given(session: Session, input_ids: Sequence[int]) -> list[tuple[rules.Given, int]]:
    """The answers of the given inputs, each with its input's id, in one statement."""
    if not input_ids:
        return []
    rows = session.scalars(
        select(Input360Value).where(col(Input360Value.input_id).in_(list(input_ids))).order_by(col(Input360Value.id))
    )
    return [(rules.Given(r.input_id, CoreValue(r.core_value), Rating(r.rating), r.note), r.input_id) for r in rows]


def annual_aggregate(session: Session, skp: Skp, policy: Policy) -> tuple[int, int, tuple[rules.ValueAggregate, ...]]:
    """For the Dokumen Evaluasi: how many were asked for the annual rating, how many answered, and the aggregate
    (never who said what: the document goes to the pegawai)."""
    rows = session.execute(
        select(col(Input360.id), col(Input360.state)).where(
            col(Input360.skp_id) == skp.id,
            col(Input360.period_no) == ANNUAL,
            col(Input360.state) != Input360State.withdrawn.value,
        )
    ).all()
    answered = [i for i, state in rows if state == Input360State.submitted.value]
    return len(rows), len(answered), rules.aggregate(policy, (g for g, _ in _given(session, answered)))
