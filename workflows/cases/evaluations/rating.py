"""The pejabat penilai's part: returning the realisasi, and rating it, through the evaluation's lifecycle."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam
from sqlalchemy.orm import Session

from policies import limits, periods
from policies.kuadran import predikat as kuadran_predikat
from policies.schema import DeriveRating, Policy
from policies.unit_head import rating_for_unit_head
from states.enums import Rating
from states.errors import InvalidInput
from states.evaluation import EVALUATION, EvaluationFacts
from states.lifecycle import TriggerInput
from states.messages import Problem
from workflows import engine
from workflows.actors import Actor
from workflows.cases import input_360_rows, notices, policy_store
from workflows.cases.evaluations.loading import Loaded, load
from workflows.cases.evaluations.periods import period_of
from workflows.cases.evaluations.views import EvaluationView, rated, view
from workflows.store.tables import (
    Realisasi,
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
    indikator_ratings: Mapping[int, Rating] | None = None,
    actor: Actor,
    now: datetime,
    expected_version: int | None = None,
) -> EvaluationView:
    """The pejabat penilai rates the period; the predikat follows the kuadran. A unit head's rating hasil kerja is
    the unit's capaian for the period and may be left out. `indikator_ratings` rate indikator against their
    ekspektasi (a qualitative one has no other rating; a quantitative one's overrides its capaian); under the policy's
    `approach.derive_rating` the rating they give stands in for a rating hasil kerja left out (suggest) or is the
    rating (binding)."""
    inp = TriggerInput(note=note, rating_hasil_kerja=rating_hasil_kerja, rating_perilaku=rating_perilaku)
    return _fire(
        session,
        skp_id,
        period_no,
        "evaluate",
        inp,
        actor=actor,
        now=now,
        expected_version=expected_version,
        given=dict(indikator_ratings or {}),
    )


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
    given: dict[int, Rating] | None = None,
) -> EvaluationView:
    loaded = load(session, skp_id, period_no, actor)
    policy = policy_store.cycle_policy(session, loaded.cycle)
    problems = limits.trigger_input(policy.limits, inp)
    for indikator_id in given or {}:
        item = loaded.plan.items.get(indikator_id)
        if item is None:
            problems.append(Problem.say("input.rating.not_indikator", id=indikator_id))
        elif not item.recorded:
            problems.append(Problem.say("input.rating.no_realisasi", indikator=item.indikator_text))
    if problems:
        raise InvalidInput(problems)
    f = facts(session, loaded, policy, now=now, given=given)

    def apply(row: Any) -> None:
        if trigger == "evaluate":
            derived = f.derived_rating if f.derive else None
            hk = f.unit_head_rating or (derived if f.derived_binding else inp.rating_hasil_kerja) or derived
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
        payload=_with_ratings(inp, given) if given else None,
    )
    if given:
        ids = loaded.plan.realisasi_ids
        session.execute(_RATE, [{"realisasi_id": ids[i], "rating": r.value} for i, r in given.items()])
        for i, r in given.items():
            loaded.plan.items[i] = replace(loaded.plan.items[i], rating=r.value)
    assert loaded.ev.id is not None
    notices.notify(
        session, loaded.skp, "evaluation", loaded.ev.id, trigger, seq=loaded.ev.version, now=now, note=inp.note
    )
    return view(loaded, policy)  # a transition leaves the realisasi as they were read


_REALISASI: Table = Realisasi.__table__  # type: ignore[attr-defined]


_RATE = _REALISASI.update().where(_REALISASI.c.id == bindparam("realisasi_id")).values(rating=bindparam("rating"))


def _with_ratings(inp: TriggerInput, given: Mapping[int, Rating]) -> dict[str, Any]:
    """The audit payload of an evaluation that rates indikator: the trigger's input and each indikator's rating."""
    sent = {k: str(v) for k, v in vars(inp).items() if v is not None}
    return sent | {"indikator_ratings": {str(i): r.value for i, r in sorted(given.items())}}


def facts(
    session: Session, loaded: Loaded, policy: Policy, *, now: datetime, given: Mapping[int, Rating] | None = None
) -> EvaluationFacts:
    skp, level, plan = loaded.skp, loaded.level, loaded.plan
    _, derived = rated(policy, plan.items.values(), given)
    mode = policy.approach.derive_rating
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
        derived_rating=derived.rating,
        unrated=derived.unrated,
        derive=mode is not DeriveRating.OFF,
        derived_binding=mode is DeriveRating.BINDING,
        input_360_missing=input_360_rows.missing(session, skp, policy, loaded.ev.period_no, now),
    )
