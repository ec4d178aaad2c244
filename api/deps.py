"""Dependencies shared by the routers: the database, the clock, the caller, paging and If-Match."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Protocol, TypeVar

from fastapi import Depends, Header, HTTPException, Path, Query, Request, Response
from fastapi.security import OAuth2PasswordBearer
from pydantic import BaseModel
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from api import security
from workflows.actors import Actor
from workflows.cases.users import actor_for
from workflows.store.settings import Settings
from workflows.store.tables import MAX_ID
from workflows.store.uow import reading_once

RowId = Annotated[int, Path(ge=1, le=MAX_ID)]
QueryId = Annotated[int | None, Query(ge=1, le=MAX_ID)]

oauth2 = OAuth2PasswordBearer(tokenUrl="/auth/token", auto_error=False)


# Dependencies that do no I/O are `async def`: FastAPI runs a plain `def` one in the thread pool, a hand-off to a
# worker thread and back for every request, which under load costs more than the dependency itself.
async def _engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


async def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def _now(request: Request) -> datetime:
    clock: Callable[[], datetime] = request.app.state.clock
    return clock()


Db = Annotated[Engine, Depends(_engine)]
Config = Annotated[Settings, Depends(_settings)]
Now = Annotated[datetime, Depends(_now)]

BEARER = {"WWW-Authenticate": "Bearer"}
UNAUTHORIZED = HTTPException(401, "not authenticated: log in at /auth/token", headers=BEARER)


PASSWORD_CHANGE_REQUIRED = HTTPException(
    403, "password change required: this account's initial password must be changed first, at POST /auth/password"
)


@dataclass(frozen=True)
class Caller:
    """Who a valid, unexpired token names, and the token version it carries; `actor` looks the account up as the
    organisation knows it now, which also refuses a token whose version is no longer the account's."""

    subject: str
    version: int
    jti: str
    expires: datetime

    def actor(self, db: Session | Connection) -> Actor:
        """The caller as an actor; 401 when the account no longer exists, is inactive, or the session ended."""
        actor = actor_for(db, self.subject, self.version, self.jti)
        if actor is None:
            raise HTTPException(
                401, "the session has ended or the token's user no longer exists or is inactive", headers=BEARER
            )
        return actor


def _claims(request: Request, now: datetime, token: str | None) -> security.Claims:
    if not token:
        raise UNAUTHORIZED
    claims = security.claims_of(token, key=request.app.state.signing_key, now=now)
    if claims is None:
        raise HTTPException(401, "invalid or expired token", headers=BEARER)
    return claims


async def _caller(request: Request, now: Now, token: Annotated[str | None, Depends(oauth2)]) -> Caller:
    claims = _claims(request, now, token)
    if claims.change_password:
        raise PASSWORD_CHANGE_REQUIRED
    return Caller(claims.subject, claims.version, claims.jti, claims.expires)


CurrentCaller = Annotated[Caller, Depends(_caller)]
"""The bearer of a valid token, not yet looked up: for a route that looks the caller up in its own transaction
(`caller.actor(session)`, first thing), sparing the separate connection and thread hand-off of `CurrentActor`.
A token issued only to change an initial password gets 403 here."""


async def _any_caller(request: Request, now: Now, token: Annotated[str | None, Depends(oauth2)]) -> Caller:
    claims = _claims(request, now, token)
    return Caller(claims.subject, claims.version, claims.jti, claims.expires)


AnyCaller = Annotated[Caller, Depends(_any_caller)]
"""Like `CurrentCaller`, but also the bearer of a token issued only to change the password: for the routes such a
token may use (`POST /auth/password`, `POST /auth/logout`)."""


def _actor(db: Db, caller: CurrentCaller) -> Actor:
    with reading_once(db) as connection:
        return caller.actor(connection)


CurrentActor = Annotated[Actor, Depends(_actor)]


async def _if_match(
    if_match: Annotated[str | None, Header(description="The version you read; a stale one gets 409.")] = None,
) -> int | None:
    if if_match is None or if_match.strip() == "*":
        return None
    value = if_match.strip().removeprefix("W/").strip('"')
    if not value.isdigit():
        raise HTTPException(422, f"If-Match: '{if_match}' is not a version number")
    return int(value)


IfMatch = Annotated[int | None, Depends(_if_match)]


class HasVersion(Protocol):
    @property
    def version(self) -> int: ...


V = TypeVar("V", bound=HasVersion)


def etag(version: int) -> dict[str, str]:
    """The record's version as its ETag header: what a later write sends back in If-Match."""
    return {"ETag": f'"{version}"'}


def with_etag(view: V, response: Response) -> V:
    """Answer with the record's version as its ETag."""
    response.headers.update(etag(view.version))
    return view


def tagged_json(body: BaseModel, version: int) -> Response:
    """`body` as JSON with `version` as its ETag, serialised here once (the route declares the model as its
    `response_model`): FastAPI would validate a sync route's return value again, in one more trip through the
    thread pool."""
    return Response(body.model_dump_json(), media_type="application/json", headers=etag(version))


@dataclass(frozen=True)
class Paging:
    offset: int
    limit: int


async def _paging(
    offset: Annotated[int, Query(ge=0, le=10_000_000, description="Items to skip.")] = 0,
    limit: Annotated[int, Query(ge=1, le=500, description="Items per page.")] = 50,
) -> Paging:
    return Paging(offset, limit)


Page = Annotated[Paging, Depends(_paging)]
