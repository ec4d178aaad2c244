"""`POST /users`: HR admins and auditors (pegawai come from the organisation import); admins end sessions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel

from api.deps import Config, CurrentActor, Db, Now
from api.errors import responses
from workflows.cases.users import UserIn, UserView, create_user, revoke_sessions
from workflows.store.settings import password_policy
from workflows.store.uow import unit_of_work

router = APIRouter(tags=["users"])

Username = Annotated[str, Path(min_length=1, max_length=120, pattern=r"^[A-Za-z][A-Za-z0-9._@-]*$")]
Nip = Annotated[str, Path(pattern=r"^[0-9]{18}$", description="NIP: 18 digits.")]


class SessionsEnded(BaseModel):
    account: str


@router.post("/users", status_code=201, summary="Create an admin or auditor", responses=responses(401, 403, 422))
def create(body: UserIn, db: Db, now: Now, actor: CurrentActor, settings: Config) -> UserView:
    """An admin creates users of their own instansi; the bootstrap super-admin of any instansi. The password must
    meet the password policy and is an initial one: the user changes it at first login."""
    with unit_of_work(db) as s:
        return create_user(s, body, actor=actor, now=now, policy=password_policy(settings))


@router.post(
    "/users/{username}/sessions/revoke",
    summary="End every session of an admin or auditor",
    responses=responses(401, 403, 404),
)
def revoke_user(username: Username, db: Db, now: Now, actor: CurrentActor) -> SessionsEnded:
    """Every token and web session of the user stops working at once; audited on the instansi."""
    with unit_of_work(db) as s:
        return SessionsEnded(account=revoke_sessions(s, f"user:{username}", actor=actor, now=now))


@router.post(
    "/pegawai/{nip}/sessions/revoke", summary="End every session of a pegawai", responses=responses(401, 403, 404)
)
def revoke_pegawai(nip: Nip, db: Db, now: Now, actor: CurrentActor) -> SessionsEnded:
    """Every token and web session of the pegawai stops working at once; audited on the instansi."""
    with unit_of_work(db) as s:
        return SessionsEnded(account=revoke_sessions(s, f"pegawai:{nip}", actor=actor, now=now))
