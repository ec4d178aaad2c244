"""The pejabat penilai's part: returning the realisasi, and rating it, through the evaluation's lifecycle."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from policies import limits, periods
from policies.kuadran import predikat as kuadran_predikat
from policies.schema import Policy
from policies.unit_head import rating_for_unit_head
from states.enums import Rating
from states.errors import InvalidInput
from states.evaluation import EVALUATION, EvaluationFacts
from states.lifecycle import TriggerInput
from workflows import engine
from workflows.actors import Actor
from workflows.cases import input_360_rows, policy_store
from workflows.cases.evaluations.loading import Loaded, load
from workflows.cases.evaluations.periods import period_of
from workflows.cases.evaluations.views import EvaluationView, view
from workflows.store.tables import (
    Unit,
)


def return_realisasi(
    session: Session,
    skp_id: int,
    period_no: int,
    note: str | None,
    *,
    actor: Actor,
    now: datetime,
    expected_version: int | None = None,
) -> EvaluationView:
    """The pejabat penilai sends submitted realisasi back to the pegawai, saying why."""
    return _fire(
        session,
        skp_id,
        period_no,
        "return_realisasi",
        TriggerInput(note=note),
        actor=actor,
        now=now,
        expected_version=expected_version,
    )


def evaluate(
    session: Session,
    skp_id: int,
    period_no: int,
    *,
    rating_hasil_kerja: Rating | None = None,
    rating_perilaku: Rating | None = None,
    note: str | None = None,
    actor: Actor,
    now: datetime,
    expected_version: int | None = None,
) -> EvaluationView:
    """The pejabat penilai rates the period; the predikat follows the kuadran. A unit head's rating hasil kerja is
    the unit's capaian for the period and may be left out."""
    inp = TriggerInput(note=note, rating_hasil_kerja=rating_hasil_kerja, rating_perilaku=rating_perilaku)
    return _fire(session, skp_id, period_no, "evaluate", inp, actor=actor, now=now, expected_version=expected_version)


def _fire(
    session: Session,
    skp_id: int,
    period_no: int,
    trigger: str,
    inp: TriggerInput,
    *,
    actor: Actor,
    now: datetime,
    expected_version: int | None,
) -> EvaluationView:
    loaded = load(session, skp_id, period_no, actor)
    policy = policy_store.cycle_policy(session, loaded.cycle)
    if problems := limits.trigger_input(policy.limits, inp):
        raise InvalidInput(problems)
    f = facts(session, loaded, policy, now=now)

    def apply(row: Any) -> None:
        if trigger == "evaluate":
            hk = f.unit_head_rating or inp.rating_hasil_kerja
            pk = inp.rating_perilaku
            assert hk is not None  # the guard has checked
            assert pk is not None
            row.rating_hasil_kerja, row.rating_perilaku = hk.value, pk.value
            row.predikat = kuadran_predikat(policy, hk, pk).value

    engine.fire(
        session,
        EVALUATION,
        loaded.ev,
        trigger,
        actor=actor,
        roles=loaded.who.roles,
        facts=f,
        now=now,
        inp=inp,
        expected_version=expected_version,
        on_behalf=loaded.who.on_behalf,
        apply=apply,
    )
    return view(loaded, policy)  # a transition leaves the realisasi as they were read


def facts(session: Session, loaded: Loaded, policy: Policy, *, now: datetime) -> EvaluationFacts:
    skp, level, plan = loaded.skp, loaded.level, loaded.plan
    rhk: dict[int, str] = {}
    measured_rhk: set[int] = set()
    for item in plan.items.values():
        rhk.setdefault(item.rhk_id, item.rhk_text)
        if item.recorded:
            measured_rhk.add(item.rhk_id)
    unit = session.get(Unit, skp.unit_id)
    heads_unit = unit is not None and unit.head_id == skp.pegawai_id
    period = period_of(policy, loaded.cycle.year, loaded.ev.period_no)
    return EvaluationFacts(
        # an RHK without indicators (only a Tambahan can be) has nothing to measure, so it needs no realisasi
        rhk_without_realisasi=tuple(text for rid, text in rhk.items() if rid not in measured_rhk),
        unit_capaian_set=level is not None,
        period_ended=now >= periods.ends_at(policy, period, unit.timezone if unit else None),
        unit_head_rating=rating_for_unit_head(policy, level) if heads_unit and level else None,
        input_360_missing=input_360_rows.missing(session, skp, policy, loaded.ev.period_no, now),
    )
