"""SKPs: list (scoped to the caller), read with the caller's allowed triggers, plan, and fire triggers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from api.deps import CurrentActor, CurrentCaller, Db, IfMatch, Now, Page, QueryId, RowId, tagged_json
from api.errors import known_trigger, responses
from api.schemas import Page as PageOf
from states.enums import Rating
from states.lifecycle import TriggerInput
from states.skp import SKP, SkpState
from workflows.cases import skps
from workflows.cases.skps import PlanIn, SkpSummary, SkpView
from workflows.store.uow import reading, unit_of_work

router = APIRouter(tags=["skp"])

SkpTrigger = Annotated[
    str, Path(description="An SKP trigger.", json_schema_extra={"enum": sorted({r.trigger for r in SKP.rows})})
]


# The SKP use case's view itself, under the schema name the API's clients know; no fields of its own (and no
# docstring: it would change the published schema).
class SkpOut(SkpView):
    pass


class TransitionIn(BaseModel):
    """What the caller sends with a trigger; which fields a trigger needs is in its guard."""

    model_config = ConfigDict(extra="forbid")
    note: str | None = Field(default=None, max_length=4000, description="Required to return an SKP.")
    reason: str | None = Field(default=None, max_length=4000, description="Required to adjust an SKP.")
    rating_hasil_kerja: Rating | None = None
    rating_perilaku: Rating | None = None


def _out(view: SkpView) -> Response:
    return tagged_json(view, view.version)


@router.get("/skps", summary="List SKPs visible to the caller", responses=responses(401, 422))
def list_skps(
    db: Db,
    actor: CurrentActor,
    page: Page,
    cycle_id: QueryId = None,
    nip: Annotated[str | None, Query(pattern=r"^\d{18}$")] = None,
    state: SkpState | None = None,
    unit: Annotated[str | None, Query(max_length=64, description="Unit code.")] = None,
) -> PageOf[SkpSummary]:
    """A pegawai sees their own, a penilai those they rate, an atasan penilai those below, a pimpinan their
    unit, an admin or auditor their instansi."""
    with reading(db) as s:
        items, total = skps.list_skps(
            s, actor, cycle_id=cycle_id, nip=nip, state=state, unit_code=unit, offset=page.offset, limit=page.limit
        )
    return PageOf[SkpSummary].of(items, total, page)


@router.get(
    "/skps/{skp_id}",
    summary="One SKP, with what the caller may fire",
    response_model=SkpOut,
    responses=responses(401, 404),
)
def get_skp(skp_id: RowId, db: Db, caller: CurrentCaller) -> Response:
    with reading(db) as s:
        return _out(skps.get(s, skp_id, caller.actor(s)))


@router.put(
    "/skps/{skp_id}/plan",
    summary="Plan the SKP (RHK, indicators, targets)",
    response_model=SkpOut,
    responses=responses(401, 403, 404, 409, 422),
)
def plan(skp_id: RowId, body: PlanIn, db: Db, now: Now, caller: CurrentCaller, version: IfMatch) -> Response:
    """Replace the plan while drafted or cascaded; `propose: true` marks it proposed to the pejabat penilai."""
    with unit_of_work(db) as s:
        actor = caller.actor(s)
        return _out(skps.save_plan(s, skp_id, body, actor=actor, now=now, expected_version=version))


@router.post(
    "/skps/{skp_id}/transitions/{trigger}",
    summary="Fire an SKP trigger",
    response_model=SkpOut,
    responses=responses(401, 403, 404, 409, 422),
)
def fire(
    skp_id: RowId,
    trigger: SkpTrigger,
    db: Db,
    now: Now,
    caller: CurrentCaller,
    version: IfMatch,
    body: TransitionIn | None = None,
) -> Response:
    given = body or TransitionIn()
    inp = TriggerInput(
        note=given.note,
        reason=given.reason,
        rating_hasil_kerja=given.rating_hasil_kerja,
        rating_perilaku=given.rating_perilaku,
    )
    with unit_of_work(db) as s:
        actor = caller.actor(s)
        known_trigger(SKP, trigger)
        return _out(skps.fire(s, skp_id, trigger, actor=actor, now=now, inp=inp, expected_version=version))
