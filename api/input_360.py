"""360 input on perilaku: the pejabat penilai names pemberi pertimbangan and reads the aggregate; each pemberi
answers their request (`/input-360/…`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from api.deps import CurrentActor, Db, IfMatch, Now, Page, RowId, with_etag
from api.errors import responses
from api.schemas import Page as PageOf
from workflows.cases import input_360
from workflows.cases.input_360 import Board, NameIn, RequestDetail, RequestView, SubmitIn
from workflows.store.uow import reading, unit_of_work

router = APIRouter(tags=["input_360"])

PeriodQuery = Annotated[int, Query(ge=0, le=12, description="The evaluation period; 0 = the annual rating.")]


class WithdrawIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str | None = Field(default=None, max_length=4000, description="Why the request is withdrawn.")


@router.post(
    "/skps/{skp_id}/input-360",
    summary="Name pemberi pertimbangan for the SKP's perilaku",
    responses=responses(401, 403, 404, 409, 422),
)
def name_pemberi(skp_id: RowId, body: NameIn, db: Db, now: Now, actor: CurrentActor) -> Board:
    """By the pejabat penilai, while the perilaku of the period (0 = the year) is still to be rated and the policy's
    `perilaku.input_360` is not off: each NIP must be a rekan kerja setingkat (same unit, same level) or a bawahan
    langsung of the pegawai; a refusal names each problem and changes nothing. Answers the period's board."""
    with unit_of_work(db) as s:
        return input_360.name_pemberi(s, skp_id, body, actor=actor, now=now)


@router.get(
    "/skps/{skp_id}/input-360",
    summary="The SKP's 360 input for a period: requests and aggregate",
    responses=responses(401, 403, 404, 422),
)
def board(skp_id: RowId, db: Db, now: Now, actor: CurrentActor, period_no: PeriodQuery = 0) -> Board:
    """For the penilai, the atasan penilai, HR and auditors: per core value the count, the distribution and mean
    (from `perilaku.min_inputs_shown` inputs on) and the notes without names; each pemberi's answers by name only
    where `perilaku.show_who_said_what` allows it. `blocking` says why a required rating still waits."""
    with reading(db) as s:
        return input_360.board(s, skp_id, period_no, actor=actor, now=now)


@router.get("/input-360/requests", summary="The caller's 360 requests", responses=responses(401))
def my_requests(
    db: Db,
    now: Now,
    actor: CurrentActor,
    paging: Page,
    pending: Annotated[bool, Query(description="Only those still to answer (window open, not yet rated).")] = True,
) -> PageOf[RequestView]:
    """The pemberi's inbox: requests addressed to the caller, oldest first."""
    with reading(db) as s:
        found = input_360.my_requests(s, actor=actor, now=now, pending=pending)
    return PageOf.of(found[paging.offset : paging.offset + paging.limit], len(found), paging)


@router.get(
    "/input-360/{input_id}", summary="One 360 request, as its pemberi answers it", responses=responses(401, 403, 404)
)
def get_request(input_id: RowId, db: Db, now: Now, actor: CurrentActor, response: Response) -> RequestDetail:
    with reading(db) as s:
        found = input_360.get_request(s, input_id, actor=actor, now=now)
    response.headers["ETag"] = f'"{found.request.version}"'
    return found


@router.post(
    "/input-360/{input_id}",
    summary="Give the 360 input: every core value rated, with notes",
    responses=responses(401, 403, 404, 409, 422),
)
def submit(
    input_id: RowId, body: SubmitIn, db: Db, now: Now, actor: CurrentActor, version: IfMatch, response: Response
) -> RequestDetail:
    """By the pemberi, while the window is open (`deadlines.input_360`) and the perilaku is not yet rated; final."""
    with unit_of_work(db) as s:
        found = input_360.submit_input(s, input_id, body, actor=actor, now=now, expected_version=version)
    response.headers["ETag"] = f'"{found.request.version}"'
    return found


@router.post(
    "/input-360/{input_id}/withdraw",
    summary="Withdraw a 360 request not yet answered",
    responses=responses(401, 403, 404, 409, 422),
)
def withdraw(
    input_id: RowId, body: WithdrawIn, db: Db, now: Now, actor: CurrentActor, version: IfMatch, response: Response
) -> RequestView:
    with unit_of_work(db) as s:
        view = input_360.withdraw(s, input_id, note=body.note, actor=actor, now=now, expected_version=version)
    return with_etag(view, response)
