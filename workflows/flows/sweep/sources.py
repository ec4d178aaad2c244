"""Where the entities pending on each deadline live, in which states, and what their due instant is computed from."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from policies.schema import DeadlineKey
from states.enums import CONTRACT_KINDS, FollowUpKind
from states.evaluation import EvaluationState
from states.follow_up import CaseState, ContractState
from states.input_360 import Input360State
from states.keberatan import KeberatanState
from states.skp import SkpState
from workflows.store.tables import Evaluation, FollowUpCase, Input360, Keberatan, Kontrak, Skp


@dataclass(frozen=True)
class Source:
    """Where the entities pending on a deadline live and what their due instant is computed from."""

    entity_type: str
    table: type[Any]
    states: tuple[str, ...]
    event: str | None = None  # the column holding the event of an after-event rule
    kind: FollowUpKind | None = None
    kinds: frozenset[FollowUpKind] = frozenset()  # several kinds of case share the deadline
    ends: Callable[[], Any] | None = None  # the last day of what a before-expiry rule counts back from


SOURCES: dict[DeadlineKey, Source] = {
    DeadlineKey.SKP_AGREEMENT: Source("skp", Skp, (SkpState.drafted, SkpState.cascaded)),
    DeadlineKey.REALISASI: Source("evaluation", Evaluation, (EvaluationState.open,)),
    DeadlineKey.PERIODIC_EVALUATION: Source("evaluation", Evaluation, (EvaluationState.realisasi_submitted,)),
    DeadlineKey.ANNUAL_ASSESSMENT: Source("skp", Skp, (SkpState.monitored, SkpState.adjusted)),
    DeadlineKey.KEBERATAN_FILING: Source("skp", Skp, (SkpState.assessed,), event="assessed_at"),
    DeadlineKey.KEBERATAN_DECISION: Source(
        "keberatan", Keberatan, (KeberatanState.filed, KeberatanState.under_review), event="filed_at"
    ),
    DeadlineKey.COACHING_SCHEDULE: Source(
        "follow_up_case", FollowUpCase, (CaseState.opened,), event="opened_at", kind=FollowUpKind.COACHING
    ),
    DeadlineKey.KONTRAK_RECOMMENDATION: Source(
        "follow_up_case",
        FollowUpCase,
        (ContractState.opened,),
        kinds=CONTRACT_KINDS,
        ends=lambda: (
            select(col(Kontrak.selesai))
            .where(col(Kontrak.case_id) == col(FollowUpCase.id))
            .correlate(FollowUpCase)
            .scalar_subquery()
        ),
    ),
    DeadlineKey.INPUT_360: Source("input_360", Input360, (Input360State.requested,), event="requested_at"),
    # dialog kinerja: every SKP in force is "pending" umpan balik; `FeedbackSweep` (feedback.py) reads its anchor
    # (the last umpan balik, else the agreement) instead of an event column
    DeadlineKey.FEEDBACK: Source("skp", Skp, (SkpState.agreed, SkpState.monitored, SkpState.adjusted)),
}
