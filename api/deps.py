"""Dependencies shared by the routers: the database, the clock, the caller, paging and If-Match."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Protocol, TypeVar

from fastapi import Depends, Header, HTTPException, Path, Query, Request, Response
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy import Engine

from api import security
from workflows.actors import Actor
from workflows.settings import Settings
from workflows.tables import MAX_ID
from workflows.uow import reading
from workflows.users import actor_for

RowId = Annotated[int, Path(ge=1, le=MAX_ID)]
QueryId = Annotated[int | None, Query(ge=1, le=MAX_ID)]

oauth2 = OAuth2PasswordBearer(tokenUrl="/auth/token", auto_error=False)


def _engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _now(request: Request) -> datetime:
    clock: Callable[[], datetime] = request.app.state.clock
    return clock()


Db = Annotated[Engine, Depends(_engine)]
Config = Annotated[Settings, Depends(_settings)]
Now = Annotated[datetime, Depends(_now)]

BEARER = {"WWW-Authenticate": "Bearer"}
UNAUTHORIZED = HTTPException(401, "not authenticated: log in at /auth/token", headers=BEARER)


def _actor(request: Request, db: Db, now: Now, token: Annotated[str | None, Depends(oauth2)]) -> Actor:
    if not token:
        raise UNAUTHORIZED
    subject = security.subject_of(token, key=request.app.state.signing_key, now=now)
    if subject is None:
        raise HTTPException(401, "invalid or expired token", headers=BEARER)
    with reading(db) as s:
        actor = actor_for(s, subject)
    if actor is None:
        raise HTTPException(
            401, "the token's user no longer exists or is inactive", headers={"WWW-Authenticate": "Bearer"}
        )
    return actor


CurrentActor = Annotated[Actor, Depends(_actor)]


def _if_match(
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


def with_etag(view: V, response: Response) -> V:
    """Answer with the record's version as its ETag: what a later write sends back in If-Match."""
    response.headers["ETag"] = f'"{view.version}"'
    return view


@dataclass(frozen=True)
class Paging:
    offset: int
    limit: int


def _paging(
    offset: Annotated[int, Query(ge=0, le=10_000_000, description="Items to skip.")] = 0,
    limit: Annotated[int, Query(ge=1, le=500, description="Items per page.")] = 50,
) -> Paging:
    return Paging(offset, limit)


Page = Annotated[Paging, Depends(_paging)]
