"""One request: the pemberi reads it, answers it within its window, or the penilai withdraws it; the pemberi's inbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from policies import input_360 as rules
from policies import limits
from policies.schema import Policy
from states.enums import BERAKHLAK, CoreValue
from states.errors import InvalidInput, NotFound, NotPermitted
from states.input_360 import INPUT_360, Input360Facts, Input360State
from states.lifecycle import TriggerInput
from states.roles import Role
from workflows import engine
from workflows.actors import Actor
from workflows.cases import input_360_rows, policy_store, skps
from workflows.cases.input_360.reads import _REQUESTS, _rated, _views
from workflows.cases.input_360.shapes import CoreValueOut, RequestDetail, RequestView, SubmitIn
from workflows.store.tables import Cycle, Input360, Input360Value, Skp


def _load_request(session: Session, input_id: int, actor: Actor) -> tuple[Input360, Skp, Cycle, frozenset[Role]]:
    """The request, its SKP and cycle, and the actor's roles on it: the pemberi, or who stands on the SKP; NotFound
    for anyone else (existence must not leak)."""
    row = session.get(Input360, input_id)
    if row is None:
        raise NotFound("input_360", input_id)
    skp = session.get_one(Skp, row.skp_id)
    cycle = session.get_one(Cycle, skp.cycle_id)
    roles: set[Role] = set()
    if actor.pegawai_id is not None and actor.pegawai_id == row.pemberi_id:
        roles.add(Role.PEMBERI)
    roles |= skps.standing(session, actor, skp, cycle).roles - {Role.PEGAWAI}  # the pegawai rated reads none of it
    if not roles:
        raise NotFound("input_360", input_id)
    return row, skp, cycle, frozenset(roles)


def get_request(session: Session, input_id: int, *, actor: Actor, now: datetime) -> RequestDetail:
    """The request as its pemberi answers it (the penilai reads it on the board instead)."""
    row, skp, cycle, roles = _load_request(session, input_id, actor)
    if Role.PEMBERI not in roles:
        raise NotPermitted("input_360", "read", sorted(r.value for r in roles), held=True)
    policy = policy_store.cycle_policy(session, cycle)
    return _detail(session, row, skp, policy, actor=actor, now=now)


def _detail(session: Session, row: Input360, skp: Skp, policy: Policy, *, actor: Actor, now: datetime) -> RequestDetail:
    found = session.execute(_REQUESTS.where(col(Input360.id) == row.id)).tuples()
    view = _views(session, policy, found, actor=actor, now=now)[0]
    given = {
        v.core_value: v for v in session.scalars(select(Input360Value).where(col(Input360Value.input_id) == row.id))
    }
    ekspektasi = skp.ekspektasi_khusus or {}
    values = [
        CoreValueOut(
            core_value=v.value,
            indicators=BERAKHLAK[v],
            ekspektasi_khusus=ekspektasi.get(v.value) or None,
            rating=given[v.value].rating if v.value in given else None,
            note=given[v.value].note if v.value in given else None,
        )
        for v in CoreValue
    ]
    return RequestDetail(view, skp.jabatan_name, values)


def submit_input(
    session: Session,
    input_id: int,
    body: SubmitIn,
    *,
    actor: Actor,
    now: datetime,
    expected_version: int | None = None,
) -> RequestDetail:
    """The pemberi rates every core value, while the window is open and the perilaku is not yet rated; final once
    given. Audited on the request's chain, with the ratings in its payload, in the same transaction."""
    row, skp, cycle, roles = _load_request(session, input_id, actor)
    policy = policy_store.cycle_policy(session, cycle)
    problems = limits.notes(
        policy.limits, ((f"ratings.{v.value}.note", given.note) for v, given in body.ratings.items())
    )
    if problems:
        raise InvalidInput(problems)
    closes = rules.window_closes(policy, row.requested_at, input_360_rows.unit_zone(session, skp))
    facts = Input360Facts(
        window_open=now < closes,
        window_closes=closes.isoformat(),
        rated=_rated(session, skp, row.period_no),
        values_missing=tuple(v.value for v in CoreValue if v not in body.ratings),
    )

    def apply(pending: Any) -> None:
        pending.submitted_at = now

    engine.fire(
        session,
        INPUT_360,
        row,
        "submit",
        actor=actor,
        roles=roles,
        facts=facts,
        now=now,
        inp=TriggerInput(note=f"pertimbangan perilaku diberikan untuk {len(body.ratings)} nilai dasar BerAKHLAK"),
        expected_version=expected_version,
        apply=apply,
        payload={
            "ratings": {v.value: given.rating.value for v, given in body.ratings.items()},
            "notes": {v.value: given.note.strip() for v, given in body.ratings.items() if given.note.strip()},
        },
    )
    session.add_all(
        Input360Value(input_id=input_id, core_value=v.value, rating=given.rating.value, note=given.note.strip())
        for v, given in body.ratings.items()
    )
    session.flush()
    return _detail(session, row, skp, policy, actor=actor, now=now)


def withdraw(
    session: Session, input_id: int, *, note: str | None, actor: Actor, now: datetime, expected_version: int | None
) -> RequestView:
    """The penilai (or HR) withdraws a request not yet answered; audited on its chain."""
    row, _, cycle, roles = _load_request(session, input_id, actor)
    engine.fire(
        session,
        INPUT_360,
        row,
        "withdraw",
        actor=actor,
        roles=roles - {Role.PEMBERI},
        facts=Input360Facts(),
        now=now,
        inp=TriggerInput(note=note),
        expected_version=expected_version,
    )
    policy = policy_store.cycle_policy(session, cycle)
    rows = session.execute(_REQUESTS.where(col(Input360.id) == input_id)).tuples()
    return _views(session, policy, rows, actor=actor, now=now, roles=roles)[0]


# --- the pemberi's inbox -------------------------------------------------------------------------------------------


def my_requests(session: Session, *, actor: Actor, now: datetime, pending: bool = True) -> list[RequestView]:
    """The requests addressed to the actor, oldest first: with `pending`, only those still to answer (requested,
    window open, perilaku not yet rated)."""
    if actor.pegawai_id is None:
        return []
    query = _REQUESTS.where(col(Input360.pemberi_id) == actor.pegawai_id).order_by(col(Input360.id))
    if pending:
        query = query.where(col(Input360.state) == Input360State.requested.value)
    views = _views(session, None, session.execute(query).tuples(), actor=actor, now=now)
    return [v for v in views if not pending or (v.window_open and "submit" in v.allowed_triggers)]
