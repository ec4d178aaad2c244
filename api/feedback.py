"""Umpan balik berkelanjutan: the pejabat penilai's feedback on an SKP, per RHK or per core value."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.deps import CurrentActor, Db, Now, RowId
from api.errors import responses
from workflows.cases import feedback
from workflows.cases.feedback import FeedbackIn, FeedbackView
from workflows.store.uow import reading, unit_of_work

router = APIRouter(tags=["feedback"])


class FeedbackList(BaseModel):
    items: list[FeedbackView]
    total: int = Field(description="Feedback on the SKP, on every page.")
    next: int | None = Field(
        default=None, description="Cursor: pass it as `after` for the next page; null on the last."
    )


@router.post(
    "/skps/{skp_id}/feedback", status_code=201, summary="Give feedback", responses=responses(401, 403, 404, 422)
)
def give(skp_id: RowId, body: FeedbackIn, db: Db, now: Now, actor: CurrentActor) -> FeedbackView:
    with unit_of_work(db) as s:
        return feedback.add_feedback(s, skp_id, body, actor=actor, now=now)


@router.get("/skps/{skp_id}/feedback", summary="Feedback on an SKP", responses=responses(401, 403, 404, 422))
def read(
    skp_id: RowId,
    db: Db,
    actor: CurrentActor,
    after: Annotated[int, Query(ge=0, le=2**62, description="Cursor from the previous page.")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> FeedbackList:
    """The feedback in the order it was given, a page at a time."""
    with reading(db) as s:
        items, total = feedback.page_feedback(s, skp_id, actor=actor, after=after, limit=limit)
    return FeedbackList(items=items, total=total, next=items[-1].id if len(items) == limit else None)
