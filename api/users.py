"""`POST /users`: HR admins and auditors (pegawai come from the organisation import)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from api.deps import CurrentActor, Db, Now
from api.errors import responses
from workflows.uow import unit_of_work
from workflows.users import UserIn, create_user

router = APIRouter(tags=["users"])


class UserOut(BaseModel):
    id: int
    username: str
    role: str
    instansi: str
    email: str | None


@router.post("/users", status_code=201, summary="Create an admin or auditor", responses=responses(401, 403, 422))
def create(body: UserIn, db: Db, now: Now, actor: CurrentActor) -> UserOut:
    """An admin creates users of their own instansi; the bootstrap super-admin of any instansi."""
    with unit_of_work(db) as s:
        return UserOut.model_validate(create_user(s, body, actor=actor, now=now), from_attributes=True)
