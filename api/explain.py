"""`GET /skps/{id}/explain`: every decision on an SKP with the rule that produced it, for whoever may read it."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import CurrentActor, Db, RowId
from api.errors import responses
from workflows.queries.explain import Explanation, explain
from workflows.store.uow import reading

router = APIRouter(tags=["skps"])


@router.get(
    "/skps/{skp_id}/explain",
    summary="Why the SKP's results and steps are what they are",
    response_model=Explanation,
    responses=responses(401, 404, 422),
)
def explain_skp(skp_id: RowId, db: Db, actor: CurrentActor) -> Explanation:
    """The predikat (kuadran cell; the unit's capaian for a unit head), each periodic predikat, the distribution
    curve the SKP is checked against, the follow-up case its result opens and each deadline step taken; each with
    `rule` (the policy setting), a sentence in Bahasa Indonesia and English, the policy version and its inputs."""
    with reading(db) as s:
        return explain(s, skp_id, actor=actor)
