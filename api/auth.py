"""Logging in and out: `POST /auth/token` (the OAuth2 password flow; pegawai log in with their NIP), throttled
and logged; `POST /auth/password` changes the caller's password; `POST /auth/logout` ends the caller's session."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel, ConfigDict, Field

from api import security
from api.deps import AnyCaller, Config, Db, Now
from api.errors import responses
from workflows.cases.logins import Limits, Login, change_password, login, logout
from workflows.store.settings import Settings, password_policy
from workflows.store.uow import reading_once

router = APIRouter(tags=["auth"])


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    password_change_required: bool = Field(
        default=False,
        description="The account's password was set by someone else: this token is good only for POST /auth/password "
        "(and POST /auth/logout); every other route answers 403 until the password is changed.",
    )


class PasswordChange(BaseModel):
    """The body of `POST /auth/password`."""

    model_config = ConfigDict(extra="forbid")
    current_password: str = Field(min_length=1, max_length=200)
    new_password: str = Field(
        min_length=1,
        max_length=200,
        description="Checked against the password policy (SKPFLOW_PASSWORD_MIN_LENGTH, SKPFLOW_PASSWORD_MIN_SCORE).",
    )


def client_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def token_for(request: Request, done: Login, now: Now, settings: Settings) -> Token:
    key = request.app.state.signing_key
    minutes = settings.token_minutes
    issued = security.issue(
        done.actor.ref, key=key, now=now, minutes=minutes, version=done.version, change_password=done.must_change
    )
    return Token(access_token=issued, expires_in=minutes * 60, password_change_required=done.must_change)


@router.post("/auth/token", summary="Log in (OAuth2 password flow)", responses=responses(401, 422, 429))
def token(
    request: Request, form: Annotated[OAuth2PasswordRequestForm, Depends()], db: Db, now: Now, settings: Config
) -> Token:
    """Exchange a NIP (pegawai) or username (HR, auditor) and password for a bearer token.

    Repeated failures for one account from one address lock that pair for a while (429 with Retry-After). An account
    whose password was set by someone else (the organisation import, `POST /users`) gets a token good only for
    changing it (`password_change_required: true`)."""
    limits, client = Limits.from_settings(settings), client_of(request)
    done = login(db, form.username, form.password, client=client, now=now, limits=limits, demo=settings.demo)
    if done is None:
        raise HTTPException(401, "wrong username or password", headers={"WWW-Authenticate": "Bearer"})
    return token_for(request, done, now, settings)


@router.post("/auth/password", summary="Change the caller's password", responses=responses(401, 422, 429))
def password(request: Request, body: PasswordChange, db: Db, now: Now, settings: Config, caller: AnyCaller) -> Token:
    """Change the caller's own password (also with a token that is good only for this). The current password is
    checked through the login throttle; the new one against the password policy. Every session of the account ends,
    this token too: the answer carries a new token."""
    with reading_once(db) as connection:
        caller.actor(connection)  # a token already ended cannot change anything
    done = change_password(
        db,
        caller.subject,
        body.current_password,
        body.new_password,
        client=client_of(request),
        now=now,
        limits=Limits.from_settings(settings),
        policy=password_policy(settings),
    )
    return token_for(request, done, now, settings)


@router.post("/auth/logout", status_code=204, summary="Log out: end this token", responses=responses(401, 422))
def log_out(
    request: Request,
    db: Db,
    now: Now,
    caller: AnyCaller,
    everywhere: Annotated[
        bool, Query(description="Also end every other session of the account (all tokens, all browsers).")
    ] = False,
) -> Response:
    """End the session of this token: it stops working at once (as a bearer token and as a web session cookie).
    With `everywhere=true`, every session of the account ends (its token version is bumped)."""
    with reading_once(db) as connection:
        caller.actor(connection)
    client = client_of(request)
    logout(db, caller.subject, caller.jti, expires=caller.expires, client=client, now=now, everywhere=everywhere)
    return Response(status_code=204)
