"""Reading an evaluation as the actor may see it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from policies.schema import Policy
from states.evaluation import EVALUATION, EvaluationState
from workflows.actors import Actor
from workflows.cases import policy_store
from workflows.cases.evaluations.loading import Loaded, RealisasiView, load
from workflows.cases.evaluations.periods import period_of


@dataclass(frozen=True)
class EvaluationView:
    id: int
    skp_id: int
    period_no: int
    period_start: date
    period_end: date
    state: str
    version: int
    allowed_triggers: list[str]
    realisasi: list[RealisasiView]
    rating_hasil_kerja: str | None
    rating_perilaku: str | None
    predikat: str | None


def get_evaluation(session: Session, skp_id: int, period_no: int, *, actor: Actor) -> EvaluationView:
    """The period's evaluation as the caller may see it: anyone with a standing on the SKP."""
    loaded = load(session, skp_id, period_no, actor)
    policy = policy_store.cycle_policy(session, loaded.cycle)
    return view(loaded, policy)


def view(loaded: Loaded, policy: Policy) -> EvaluationView:
    """The evaluation as the loading actor sees it, with what `loaded.plan` holds for its indicators."""
    ev, who, plan = loaded.ev, loaded.who, loaded.plan
    assert ev.id is not None
    period = period_of(policy, loaded.cycle.year, ev.period_no)
    return EvaluationView(
        id=ev.id,
        skp_id=ev.skp_id,
        period_no=ev.period_no,
        period_start=period.start,
        period_end=period.end,
        state=ev.state,
        version=ev.version,
        allowed_triggers=EVALUATION.allowed_triggers(EvaluationState(ev.state), who.roles),
        realisasi=list(plan.items.values()),
        rating_hasil_kerja=ev.rating_hasil_kerja,
        rating_perilaku=ev.rating_perilaku,
        predikat=ev.predikat,
    )
