"""`POST /auth/token`: the OAuth2 password flow; pegawai log in with their NIP; throttled and logged."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel

from api import security
from api.deps import Config, Db, Now
from api.errors import responses
from workflows.cases.logins import Limits, login

router = APIRouter(tags=["auth"])


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


@router.post("/auth/token", summary="Log in (OAuth2 password flow)", responses=responses(401, 422, 429))
def token(
    request: Request, form: Annotated[OAuth2PasswordRequestForm, Depends()], db: Db, now: Now, settings: Config
) -> Token:
    """Exchange a NIP (pegawai) or username (HR, auditor) and password for a bearer token.

    Repeated failures for one account from one address lock that pair for a while (429 with Retry-After)."""
    client = request.client.host if request.client else "unknown"
    limits = Limits.from_settings(settings)
    actor = login(db, form.username, form.password, client=client, now=now, limits=limits)
    if actor is None:
        raise HTTPException(401, "wrong username or password", headers={"WWW-Authenticate": "Bearer"})
    key = request.app.state.signing_key
    return Token(
        access_token=security.issue(actor.ref, key=key, now=now, minutes=settings.token_minutes),
        expires_in=settings.token_minutes * 60,
    )
