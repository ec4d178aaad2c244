"""`/units/{code}/acting`: HR registers a Plt/Plh SK for a unit, lists a unit's SKs, changes when one ends, and
cancels one that has not begun."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from api.deps import CurrentActor, Db, Now, RowId
from api.errors import responses
from policies.acting import Phase
from states.enums import ActingKind
from workflows.cases import acting
from workflows.store.uow import reading, unit_of_work

router = APIRouter(tags=["units"])

UnitCode = Annotated[str, Path(max_length=64, description="Unit code.")]


class ActingBody(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    nip: str = Field(pattern=r"^\d{18}$", description="The acting official (18 digits); they keep their own post.")
    kind: ActingKind = Field(description="PLT (Pelaksana Tugas: the post is vacant) or PLH (Pelaksana Harian).")
    from_: date = Field(alias="from", description="First day of the SK (included), in the unit's local date.")
    until: date = Field(description="Last day of the SK (included).")
    sk_number: str = Field(min_length=1, max_length=120, description="The SK's number, e.g. 'SK Bupati 800/12'.")
    note: str | None = Field(default=None, max_length=1000)


class AmendBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    until: date = Field(
        description="The new last day: earlier ends the SK early (before today: now), later extends it."
    )
    note: str | None = Field(default=None, max_length=1000)


class CancelBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=1000, description="Why the SK is withdrawn before it begins.")


class ActingOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    id: int
    unit: str
    unit_name: str
    nip: str
    name: str
    kind: ActingKind
    from_: date = Field(alias="from")
    until: date
    sk_number: str
    note: str | None
    state: Phase = Field(
        description="scheduled (before from), running (it rates), ended, or cancelled (withdrawn before it began)."
    )
    version: int


class ActingChangeOut(BaseModel):
    acting: ActingOut
    reassigned: int = Field(description="SKPs whose open steps (penilai, atasan penilai) moved with this change.")
    duties: int = Field(description="RHK Tambahan added for the acting duty.")


class ActingList(BaseModel):
    items: list[ActingOut]
    total: int
    next: int | None = None


def _out(view: acting.ActingView) -> ActingOut:
    return ActingOut(
        id=view.id,
        unit=view.unit,
        unit_name=view.unit_name,
        nip=view.nip,
        name=view.name,
        kind=view.kind,
        from_=view.start,
        until=view.until,
        sk_number=view.sk_number,
        note=view.note,
        state=view.state,
        version=view.version,
    )


def _change(change: acting.ActingChange) -> ActingChangeOut:
    return ActingChangeOut(acting=_out(change.acting), reassigned=change.reassigned, duties=change.duties)


@router.post(
    "/units/{code}/acting",
    summary="Register a Plt/Plh SK for a unit",
    responses=responses(401, 403, 404, 422),
)
def register_acting(code: UnitCode, body: ActingBody, db: Db, now: Now, actor: CurrentActor) -> ActingChangeOut:
    """By an admin of the unit's instansi. While the SK runs the official rates those the unit's head would rate;
    it begins now when `from` is today or earlier, else in the daily sweep, and the open steps move (audited
    `reassigned`). Refused, changing nothing: an unknown NIP, `until` before `from`, an overlapping SK of the unit."""
    inp = acting.ActingIn(body.nip, body.kind, body.from_, body.until, body.sk_number, body.note)
    with unit_of_work(db) as s:
        return _change(acting.register(s, code, inp, actor=actor, now=now))


@router.get(
    "/units/{code}/acting",
    summary="A unit's Plt/Plh SKs",
    responses=responses(401, 403, 404),
)
def list_acting(code: UnitCode, db: Db, actor: CurrentActor) -> ActingList:
    """Every SK of the unit, newest first (admins and auditors of its instansi)."""
    with reading(db) as s:
        page = acting.list_acting(s, code, actor=actor)
    return ActingList(items=[_out(v) for v in page.items], total=page.total)


@router.patch(
    "/units/{code}/acting/{acting_id}",
    summary="Change when a Plt/Plh SK ends",
    responses=responses(401, 403, 404, 409, 422),
)
def amend_acting(
    code: UnitCode, acting_id: RowId, body: AmendBody, db: Db, now: Now, actor: CurrentActor
) -> ActingChangeOut:
    """End an SK early (an `until` before today ends it now and the open steps go back) or extend it; an SK that
    has ended is a 409."""
    with unit_of_work(db) as s:
        return _change(acting.amend(s, code, acting_id, body.until, actor=actor, now=now, note=body.note))


@router.post(
    "/units/{code}/acting/{acting_id}/cancel",
    summary="Cancel a Plt/Plh SK that has not begun",
    responses=responses(401, 403, 404, 409, 422),
)
def cancel_acting(
    code: UnitCode, acting_id: RowId, body: CancelBody, db: Db, now: Now, actor: CurrentActor
) -> ActingChangeOut:
    """Withdraw a scheduled SK (its `from` still ahead in the unit's local date): it becomes `cancelled`, audited
    `cancel` with the reason, and never begins, so nothing is reassigned. An SK that has begun is a 409 (end it with
    `PATCH` and an earlier `until`); so is one ended or cancelled already."""
    with unit_of_work(db) as s:
        return _change(acting.cancel(s, code, acting_id, body.reason, actor=actor, now=now))
