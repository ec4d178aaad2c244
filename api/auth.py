"""`POST /auth/token`: the OAuth2 password flow; pegawai log in with their NIP."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel

from api import security
from api.deps import Config, Db, Now
from api.errors import responses
from workflows.uow import reading
from workflows.users import authenticate

router = APIRouter(tags=["auth"])


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


@router.post("/auth/token", summary="Log in (OAuth2 password flow)", responses=responses(401, 422))
def token(
    request: Request, form: Annotated[OAuth2PasswordRequestForm, Depends()], db: Db, now: Now, settings: Config
) -> Token:
    """Exchange a NIP (pegawai) or username (HR, auditor) and password for a bearer token."""
    with reading(db) as s:
        actor = authenticate(s, form.username, form.password)
    if actor is None:
        raise HTTPException(401, "wrong username or password", headers={"WWW-Authenticate": "Bearer"})
    key = request.app.state.signing_key
    return Token(
        access_token=security.issue(actor.ref, key=key, now=now, minutes=settings.token_minutes),
        expires_in=settings.token_minutes * 60,
    )
