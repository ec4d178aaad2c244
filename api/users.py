"""`POST /users`: HR admins and auditors (pegawai come from the organisation import)."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import CurrentActor, Db, Now
from api.errors import responses
from workflows.cases.users import UserIn, UserView, create_user
from workflows.store.uow import unit_of_work

router = APIRouter(tags=["users"])


@router.post("/users", status_code=201, summary="Create an admin or auditor", responses=responses(401, 403, 422))
def create(body: UserIn, db: Db, now: Now, actor: CurrentActor) -> UserView:
    """An admin creates users of their own instansi; the bootstrap super-admin of any instansi."""
    with unit_of_work(db) as s:
        return create_user(s, body, actor=actor, now=now)
