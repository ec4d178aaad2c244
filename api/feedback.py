"""Umpan balik berkelanjutan: the pejabat penilai's feedback on an SKP, per RHK or per core value."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from api.deps import CurrentActor, Db, Now, RowId
from api.errors import responses
from workflows import feedback
from workflows.feedback import FeedbackIn, FeedbackView
from workflows.uow import reading, unit_of_work

router = APIRouter(tags=["feedback"])


class FeedbackList(BaseModel):
    items: list[FeedbackView]
    total: int
    next: int | None = None


@router.post(
    "/skps/{skp_id}/feedback", status_code=201, summary="Give feedback", responses=responses(401, 403, 404, 422)
)
def give(skp_id: RowId, body: FeedbackIn, db: Db, now: Now, actor: CurrentActor) -> FeedbackView:
    with unit_of_work(db) as s:
        return feedback.add_feedback(s, skp_id, body, actor=actor, now=now)


@router.get("/skps/{skp_id}/feedback", summary="Feedback on an SKP", responses=responses(401, 404))
def read(skp_id: RowId, db: Db, actor: CurrentActor) -> FeedbackList:
    with reading(db) as s:
        items = feedback.list_feedback(s, skp_id, actor=actor)
    return FeedbackList(items=items, total=len(items))
