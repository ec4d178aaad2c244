"""Keberatan: the pegawai objects to the result within the window; the atasan penilai decides, finally."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from api.deps import CurrentActor, Db, IfMatch, Now, RowId, with_etag
from api.errors import responses
from workflows.cases import objections
from workflows.cases.objections import DecisionIn, KeberatanView, ObjectionIn
from workflows.store.uow import reading, unit_of_work

router = APIRouter(tags=["objection"])


class WithdrawIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str | None = Field(default=None, max_length=4000)


@router.get("/skps/{skp_id}/objection", summary="The SKP's objection", responses=responses(401, 404))
def get_objection(skp_id: RowId, db: Db, actor: CurrentActor, response: Response) -> KeberatanView:
    with reading(db) as s:
        return with_etag(objections.get(s, skp_id, actor=actor), response)


@router.post(
    "/skps/{skp_id}/objection",
    status_code=201,
    summary="File a keberatan",
    responses=responses(401, 403, 404, 409, 422),
)
def file_objection(
    skp_id: RowId, body: ObjectionIn, db: Db, now: Now, actor: CurrentActor, response: Response
) -> KeberatanView:
    """By the pegawai, while the SKP is assessed and the filing window is open; one pending at a time."""
    with unit_of_work(db) as s:
        return with_etag(objections.file(s, skp_id, body.reason, actor=actor, now=now), response)


@router.post(
    "/skps/{skp_id}/objection/review",
    summary="Take the objection under review",
    responses=responses(401, 403, 404, 409, 422),
)
def review(skp_id: RowId, db: Db, now: Now, actor: CurrentActor, version: IfMatch, response: Response) -> KeberatanView:
    with unit_of_work(db) as s:
        return with_etag(objections.review(s, skp_id, actor=actor, now=now, expected_version=version), response)


@router.post(
    "/skps/{skp_id}/objection/withdraw",
    summary="Withdraw the objection",
    responses=responses(401, 403, 404, 409, 422),
)
def withdraw(
    skp_id: RowId, body: WithdrawIn, db: Db, now: Now, actor: CurrentActor, version: IfMatch, response: Response
) -> KeberatanView:
    with unit_of_work(db) as s:
        view = objections.withdraw(s, skp_id, note=body.note, actor=actor, now=now, expected_version=version)
    return with_etag(view, response)


@router.post(
    "/skps/{skp_id}/objection/decision",
    summary="Decide the objection (final)",
    responses=responses(401, 403, 404, 409, 422),
)
def decide(
    skp_id: RowId, body: DecisionIn, db: Db, now: Now, actor: CurrentActor, version: IfMatch, response: Response
) -> KeberatanView:
    """By the atasan penilai; `changed` rewrites the ratings and the predikat, with its own audit event."""
    with unit_of_work(db) as s:
        view = objections.decide(
            s,
            skp_id,
            body.decision,
            body.note,
            rating_hasil_kerja=body.rating_hasil_kerja,
            rating_perilaku=body.rating_perilaku,
            actor=actor,
            now=now,
            expected_version=version,
        )
    return with_etag(view, response)
