"""Periodic evaluation of an SKP: realisasi with evidence (pegawai), return or rating (pejabat penilai)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, ConfigDict, Field

from api.deps import CurrentActor, Db, IfMatch, Now, RowId, with_etag
from api.errors import responses
from states.enums import Rating
from states.errors import InvalidInput
from states.messages import Problem, located
from workflows.cases import evaluations
from workflows.cases.evaluations import EvaluationView, RealisasiIn
from workflows.store.tables import MAX_ID
from workflows.store.uow import reading, unit_of_work

router = APIRouter(tags=["evaluation"])

PeriodNo = Annotated[int, Path(ge=1, le=12, description="The period: 1..12 monthly, 1..4 quarterly, 1..2 semester.")]


class ReturnIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = Field(min_length=1, max_length=4000, description="What the pegawai must complete.")


class IndikatorRatingIn(BaseModel):
    """The pejabat penilai's rating of one indikator for the period, against its ekspektasi."""

    model_config = ConfigDict(extra="forbid")
    indikator_id: int = Field(ge=1, le=MAX_ID, description="An indicator of this SKP with realisasi for the period.")
    rating: Rating


class EvaluationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rating_hasil_kerja: Rating | None = Field(
        default=None,
        description="Not for a unit head: the unit's capaian. May be left out when the indikator ratings give one "
        "(policy approach.derive_rating: suggest); under binding it is the one they give.",
    )
    rating_perilaku: Rating | None = None
    note: str | None = Field(default=None, max_length=4000)
    indikator: list[IndikatorRatingIn] = Field(
        default_factory=list,
        max_length=1000,
        description="Ratings per indikator: required for a KUALITATIF one for its rating to count, optional for a "
        "KUANTITATIF one (it overrides the rating its capaian gives).",
    )


@router.get("/skps/{skp_id}/periods/{n}", summary="One period's evaluation", responses=responses(401, 404))
def get_period(skp_id: RowId, n: PeriodNo, db: Db, actor: CurrentActor, response: Response) -> EvaluationView:
    with reading(db) as s:
        return with_etag(evaluations.get_evaluation(s, skp_id, n, actor=actor), response)


@router.post(
    "/skps/{skp_id}/periods/{n}/realisasi",
    summary="Record realisasi with evidence (and submit)",
    responses=responses(401, 403, 404, 409, 422),
)
def realisasi(
    skp_id: RowId,
    n: PeriodNo,
    body: RealisasiIn,
    db: Db,
    now: Now,
    actor: CurrentActor,
    version: IfMatch,
    response: Response,
) -> EvaluationView:
    """The pegawai's realisasi per indicator; evidence is uploaded first (`POST /evidence`) and named by its uri."""
    with unit_of_work(db) as s:
        view = evaluations.save_realisasi(s, skp_id, n, body, actor=actor, now=now, expected_version=version)
    return with_etag(view, response)


@router.post(
    "/skps/{skp_id}/periods/{n}/realisasi/return",
    summary="Return the realisasi to the pegawai",
    responses=responses(401, 403, 404, 409, 422),
)
def return_realisasi(
    skp_id: RowId,
    n: PeriodNo,
    body: ReturnIn,
    db: Db,
    now: Now,
    actor: CurrentActor,
    version: IfMatch,
    response: Response,
) -> EvaluationView:
    with unit_of_work(db) as s:
        view = evaluations.return_realisasi(s, skp_id, n, body.note, actor=actor, now=now, expected_version=version)
    return with_etag(view, response)


@router.post(
    "/skps/{skp_id}/periods/{n}/evaluation",
    summary="Rate the period (predikat by the kuadran)",
    responses=responses(401, 403, 404, 409, 422),
)
def evaluate(
    skp_id: RowId,
    n: PeriodNo,
    body: EvaluationIn,
    db: Db,
    now: Now,
    actor: CurrentActor,
    version: IfMatch,
    response: Response,
) -> EvaluationView:
    with unit_of_work(db) as s:
        view = evaluations.evaluate(
            s,
            skp_id,
            n,
            rating_hasil_kerja=body.rating_hasil_kerja,
            rating_perilaku=body.rating_perilaku,
            note=body.note,
            indikator_ratings=_ratings(body.indikator),
            actor=actor,
            now=now,
            expected_version=version,
        )
    return with_etag(view, response)


def _ratings(items: list[IndikatorRatingIn]) -> dict[int, Rating]:
    seen: dict[int, Rating] = {}
    problems: list[Problem] = []
    for k, item in enumerate(items):
        if item.indikator_id in seen:
            problems.append(Problem.say("input.rating.twice", at=located(f"indikator[{k}]"), id=item.indikator_id))
        seen[item.indikator_id] = item.rating
    if problems:
        raise InvalidInput(problems)
    return seen
