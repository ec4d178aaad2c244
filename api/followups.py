"""Follow-up cases: coaching, counselling, reward, the sanction ladder and the PPPK contract decision, for HR and the
pejabat penilai."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from api.deps import CurrentActor, Db, IfMatch, Now, Page, RowId
from api.errors import responses
from states.enums import FollowUpKind
from states.errors import InvalidInput
from states.follow_up import CASE_ROWS, CONTRACT_ROWS, SANCTION_ROWS
from states.lifecycle import TriggerInput
from states.messages import Problem
from workflows.cases import followups
from workflows.cases.followups import CasePage, CaseView
from workflows.store.tables import MAX_ID
from workflows.store.uow import reading, unit_of_work

router = APIRouter(tags=["follow-up"])

TRIGGERS = sorted({r.trigger for rows in (CASE_ROWS, SANCTION_ROWS, CONTRACT_ROWS) for r in rows})
CaseTrigger = Annotated[str, Path(description="A case or sanction trigger.", json_schema_extra={"enum": TRIGGERS})]


class CaseTransitionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str | None = Field(default=None, max_length=4000, description="Report, reason, or the decision (SK).")
    when: datetime | None = Field(default=None, description="When the session is held (schedule), with its zone.")


@router.get("/followups", summary="Follow-up cases of a cycle", responses=responses(401, 403, 404))
def list_cases(
    db: Db,
    actor: CurrentActor,
    page: Page,
    cycle_id: Annotated[int, Query(ge=1, le=MAX_ID)],
    kind: FollowUpKind | None = None,
    state: Annotated[str | None, Query(max_length=32)] = None,
) -> CasePage:
    with reading(db) as s:
        return followups.list_cases(
            s,
            cycle_id=cycle_id,
            actor=actor,
            kind=kind,
            state=state,
            offset=page.offset,
            limit=page.limit,
        )


@router.get("/followups/{case_id}", summary="One follow-up case", responses=responses(401, 404))
def get_case(case_id: RowId, db: Db, actor: CurrentActor) -> CaseView:
    with reading(db) as s:
        return followups.get_case(s, case_id, actor=actor)


@router.post(
    "/followups/{case_id}/transitions/{trigger}",
    summary="Move a follow-up case",
    responses=responses(401, 403, 404, 409, 422),
)
def fire(
    case_id: RowId,
    trigger: CaseTrigger,
    db: Db,
    now: Now,
    actor: CurrentActor,
    version: IfMatch,
    body: CaseTransitionIn | None = None,
) -> CaseView:
    if trigger not in TRIGGERS:
        raise InvalidInput([Problem.say("input.trigger.not_followup", trigger=trigger, known=", ".join(TRIGGERS))])
    given = body or CaseTransitionIn()
    with unit_of_work(db) as s:
        return followups.fire_case(
            s,
            case_id,
            trigger,
            TriggerInput(note=given.note, when=given.when),
            actor=actor,
            now=now,
            expected_version=version,
        )
