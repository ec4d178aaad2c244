"""The audit trail: events by entity, and verification of every chain (admins and auditors)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.deps import Config, CurrentActor, Db, Now
from api.errors import responses
from states.errors import NotPermitted
from workflows.cases import audit_trail, logins
from workflows.cases.audit_trail import EventOut
from workflows.store.settings import seal_key
from workflows.store.uow import reading

router = APIRouter(tags=["audit"])


class EventPage(BaseModel):
    items: list[EventOut]
    total: int
    next: int | None = Field(description="Cursor: pass it as `after` for the next page; null on the last.")


class ProblemOut(BaseModel):
    entity_type: str
    entity_id: int
    seq: int | None
    event_id: int | None
    reason: str


class VerifyOut(BaseModel):
    ok: bool
    checked: int = Field(description="Events checked.")
    first_bad: ProblemOut | None = Field(description="The first bad event (lowest audit id), if any.")
    problems: list[ProblemOut]


def _reader(actor: CurrentActor) -> None:
    if not audit_trail.may_read(actor):
        raise NotPermitted("audit", "read", ["admin", "auditor"])


@router.get("/audit", summary="Audit events", responses=responses(401, 403, 422))
def events(
    db: Db,
    actor: CurrentActor,
    entity_type: Annotated[str | None, Query(max_length=32, description="skp, cycle, evaluation, …")] = None,
    entity_id: Annotated[int | None, Query(ge=0, le=2**62)] = None,
    after: Annotated[int, Query(ge=0, le=2**62, description="Cursor from the previous page.")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> EventPage:
    _reader(actor)
    with reading(db) as s:
        rows, total = audit_trail.events(
            s, actor, entity_type=entity_type, entity_id=entity_id, after=after, limit=limit
        )
        items = [EventOut.model_validate(r, from_attributes=True) for r in rows]
    return EventPage(items=items, total=total, next=items[-1].id if len(items) == limit else None)


@router.get("/audit/verify", summary="Verify the audit chains", responses=responses(401, 403))
def verify(
    db: Db,
    actor: CurrentActor,
    settings: Config,
    now: Now,
    expect: Annotated[
        str | None,
        Query(pattern="^[0-9a-f]{64}$", description="A seal's mac or root published earlier: it must still be there."),
    ] = None,
) -> VerifyOut:
    """Detects altered, deleted and inserted events and names the first bad one; checks the seals too, so a
    chain rewritten consistently (its row with it) under a seal is found as well."""
    _reader(actor)
    with reading(db) as s:
        result = audit_trail.verify_for(s, actor, audit_trail.checks(settings, now, expect))
    problems = [ProblemOut.model_validate(p, from_attributes=True) for p in result.problems]
    return VerifyOut(
        ok=result.ok, checked=result.checked, first_bad=problems[0] if problems else None, problems=problems
    )


class AuthEventOut(BaseModel):
    id: int
    at: datetime
    kind: str = Field(description="login, login_failed or login_locked.")
    account: str | None = Field(description="The account (e.g. pegawai:<nip>); null for a name that matches none.")
    instansi_id: int | None
    client: str = Field(description="The client address.")


class AuthEventPage(BaseModel):
    items: list[AuthEventOut]
    total: int
    next: int | None = Field(description="Cursor: pass it as `after` for the next page; null on the last.")


@router.get("/audit/logins", summary="The security log: logins and failed logins", responses=responses(401, 403, 422))
def login_events(
    db: Db,
    actor: CurrentActor,
    kind: Annotated[str | None, Query(max_length=16, description="login, login_failed or login_locked")] = None,
    after: Annotated[int, Query(ge=0, le=2**62, description="Cursor from the previous page.")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> AuthEventPage:
    """Admins and auditors see their instansi's accounts; the super-admin also sees names that match none."""
    _reader(actor)
    with reading(db) as s:
        rows, total = logins.events(s, actor, kind=kind, after=after, limit=limit)
        items = [AuthEventOut.model_validate(r, from_attributes=True) for r in rows]
    return AuthEventPage(items=items, total=total, next=items[-1].id if len(items) == limit else None)


class SealOut(BaseModel):
    id: int
    sealed_at: datetime
    watermark: int = Field(description="The seal covers every audit event with an id up to this one.")
    chains: int
    events: int
    root: str = Field(description="SHA-256 over every chain's head as of the watermark; publish it.")
    prev_mac: str
    mac: str = Field(description="HMAC-SHA256 (keyed) or SHA-256 over the seal and the mac before it.")
    keyed: bool
    sealed_by: str


class SealPage(BaseModel):
    items: list[SealOut]
    total: int
    next: int | None = Field(description="Cursor: pass it as `before` for the next (older) page; null on the last.")


@router.get("/audit/seals", summary="Seals of the audit trail, newest first", responses=responses(401, 403, 422))
def list_seals(
    db: Db,
    actor: CurrentActor,
    before: Annotated[int | None, Query(ge=1, le=2**62, description="Cursor from the previous page.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> SealPage:
    _reader(actor)
    with reading(db) as s:
        rows, total = audit_trail.seal_page(s, before=before, limit=limit)
    items = [SealOut.model_validate(r, from_attributes=True) for r in rows]
    return SealPage(items=items, total=total, next=items[-1].id if len(items) == limit else None)


@router.post("/audit/seals", status_code=201, summary="Seal the audit trail now", responses=responses(401, 403))
def create_seal(db: Db, actor: CurrentActor, settings: Config, now: Now) -> SealOut:
    """Anchors every chain as it stands (the super-admin only; the `seal-audit` workflow does it on schedule)."""
    if not actor.super_admin:
        raise NotPermitted("audit", "seal", ["super-admin"])
    row = audit_trail.seal_now(db, now=now, by=actor.ref, key=seal_key(settings))
    return SealOut.model_validate(row, from_attributes=True)
