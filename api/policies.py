"""Policy versions: the national preset and instansi versions (base plus overrides), immutable once stored."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from api.deps import CurrentActor, Db, Now, Page, RowId
from api.errors import responses
from api.schemas import Page as PageOf
from policies.loader import PolicyChange
from workflows.cases import policy_store
from workflows.cases.policy_store import PolicyDocument, PolicyIn, PolicyOut
from workflows.store.tables import MAX_ID
from workflows.store.uow import reading, unit_of_work

router = APIRouter(tags=["policies"])


class PolicyDiff(BaseModel):
    id: int
    against: int
    changes: list[PolicyChange]


@router.get("/policies", summary="List policy versions", responses=responses(401))
def list_policies(db: Db, actor: CurrentActor, page: Page) -> PageOf[PolicyOut]:
    """The shipped presets (stored once used) and the caller's instansi versions, newest first."""
    with reading(db) as s:
        items, total = policy_store.list_versions(s, actor, offset=page.offset, limit=page.limit)
    return PageOf[PolicyOut].of(items, total, page)


@router.get("/policies/{policy_id}", summary="One policy version, fully resolved", responses=responses(401, 404))
def get_policy(policy_id: RowId, db: Db, actor: CurrentActor) -> PolicyDocument:
    with reading(db) as s:
        return policy_store.get_version(s, policy_id, actor)


@router.post(
    "/policies", status_code=201, summary="Create an instansi policy version", responses=responses(401, 403, 422)
)
def create_policy(body: PolicyIn, db: Db, now: Now, actor: CurrentActor) -> PolicyOut:
    """Derive a version from a base and overrides; the schema validates it and the store keeps it immutable."""
    with unit_of_work(db) as s:
        return policy_store.create_version(s, body, actor=actor, now=now)


@router.get("/policies/{policy_id}/diff", summary="What a version changes", responses=responses(401, 404, 422))
def diff_policy(
    policy_id: RowId,
    against: Annotated[int, Query(ge=1, le=MAX_ID, description="The version it replaces.")],
    db: Db,
    actor: CurrentActor,
) -> PolicyDiff:
    with reading(db) as s:
        changes = policy_store.diff_versions(s, policy_id, against, actor)
    return PolicyDiff(id=policy_id, against=against, changes=changes)
