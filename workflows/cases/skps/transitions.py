"""Firing an SKP's transitions through the engine, and setting a unit's capaian kinerja organisasi."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from policies import limits
from policies.kuadran import predikat as kuadran_predikat
from policies.schema import Policy
from states.enums import CapaianLevel
from states.errors import InvalidInput, NotFound, NotPermitted
from states.lifecycle import TriggerInput
from states.messages import Problem
from states.roles import Role
from states.skp import SKP, SkpFacts
from workflows import engine
from workflows.actors import Actor
from workflows.cases import notices, periodic_evidence, policy_store
from workflows.cases.skps.facts import facts, plan_rows, sources_of
from workflows.cases.skps.loading import fetch_with_plan, standing_on
from workflows.cases.skps.views import SkpView, view
from workflows.store.tables import (
    Capaian,
    Cycle,
    Unit,
)


def fire(
    session: Session,
    skp_id: int,
    trigger: str,
    *,
    actor: Actor,
    now: datetime,
    inp: TriggerInput | None = None,
    expected_version: int | None = None,
) -> SkpView:
    skp, plan = fetch_with_plan(session, skp_id)
    skp, cycle, who = standing_on(session, skp, skp_id, actor)
    policy = policy_store.cycle_policy(session, cycle)
    plan = plan or plan_rows(session, skp_id)  # a transition leaves the plan as it is: the view shows these rows
    f = facts(session, skp, cycle, policy, now, sources=sources_of(skp, trigger), plan=plan)
    given = inp or TriggerInput()
    if problems := limits.trigger_input(policy.limits, given):
        raise InvalidInput(problems)
    payload = None
    if trigger == "assess":
        # the periods of the year are the rating's evidence: the event records which it was given with
        payload = {**engine.trigger_payload(given), "periodic": periodic_evidence.of_skp(session, skp_id).payload()}
    engine.fire(
        session,
        SKP,
        skp,
        trigger,
        actor=actor,
        roles=who.roles,
        facts=f,
        now=now,
        inp=given,
        expected_version=expected_version,
        on_behalf=who.on_behalf,
        apply=_effects(trigger, policy, f, given, now),
        payload=payload,
    )
    notices.notify(session, skp, "skp", skp_id, trigger, seq=skp.version, now=now, note=given.note)
    return view(session, skp, actor, who, plan=plan)


def _effects(trigger: str, policy: Policy, f: SkpFacts, inp: TriggerInput, now: datetime) -> Callable[[Any], None]:
    def apply(skp: Any) -> None:
        if trigger in {"return", "adjust"}:
            skp.proposed = False
        elif trigger == "assess":
            hk = f.unit_head_rating or inp.rating_hasil_kerja
            pk = inp.rating_perilaku
            assert hk is not None  # the guard has checked
            assert pk is not None
            skp.rating_hasil_kerja, skp.rating_perilaku = hk.value, pk.value
            skp.predikat = kuadran_predikat(policy, hk, pk).value
            skp.assessed_at = now

    return apply


def set_capaian(
    session: Session, cycle_id: int, unit_id: int, period_no: int, level: CapaianLevel, *, actor: Actor, now: datetime
) -> None:
    """Set a unit's capaian for a period (0 = annual): the pimpinan of the parent unit, or an admin."""
    cycle, unit = session.get(Cycle, cycle_id), session.get(Unit, unit_id)
    if cycle is None or unit is None or unit.instansi_id != cycle.instansi_id:
        raise NotFound("unit", unit.code if unit else None)  # named by the code the caller sent, not its row id
    parent = session.get(Unit, unit.parent_id) if unit.parent_id else None
    is_pimpinan = actor.pegawai_id is not None and parent is not None and parent.head_id == actor.pegawai_id
    if not (is_pimpinan or actor.is_admin_of(cycle.instansi_id)):
        raise NotPermitted("capaian", "set", ["pimpinan of the parent unit", "admin"])
    if period_no < 0:
        raise InvalidInput([Problem.say("input.period.unknown", period=period_no)])
    row = session.scalar(
        select(Capaian).where(
            col(Capaian.cycle_id) == cycle_id, col(Capaian.unit_id) == unit_id, col(Capaian.period_no) == period_no
        )
    )
    role = Role.PIMPINAN.value if is_pimpinan else Role.ADMIN.value
    created = row is None
    if row is None:
        row = Capaian(cycle_id=cycle_id, unit_id=unit_id, period_no=period_no, level=level.value)
    row.level = level.value
    engine.record(
        session,
        row,
        "set_capaian",
        actor=actor,
        role=role,
        now=now,
        created=created,
        note=level.value,
        payload={"level": level.value, "period": period_no},
    )
