"""The data-quality report of a cycle (validasi kualitas data SKP): each problem with its rule, severity, unit and
the SKP it is on, as JSON or CSV; for HR, auditors and the heads of units (their subtree)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from api.deps import Db, RowId
from api.errors import responses
from api.limits import HeavyActor
from workflows.queries import exports
from workflows.queries.quality import COLUMNS, QualityReport, as_table, report
from workflows.store.uow import reading

router = APIRouter(tags=["quality"])

CSV = "text/csv; charset=utf-8"


@router.get(
    "/cycles/{cycle_id}/quality",
    summary="Data-quality problems of a cycle, per rule, with the severity the policy gives each rule",
    response_model=QualityReport,
    responses={**responses(401, 403, 404, 422, 429), 200: {"content": {CSV: {"schema": {"type": "string"}}}}},
)
def cycle_quality(
    cycle_id: RowId,
    db: Db,
    actor: HeavyActor,
    unit: Annotated[str | None, Query(max_length=64, description="Only this unit's subtree (code).")] = None,
    format: Annotated[Literal["json", "csv"], Query(description="json, or csv: one row per problem.")] = "json",
) -> object:
    """`checked` counts the SKPs read; a `blocking` problem refuses opening the cycle or a period and starting the
    assessment until it is fixed or an admin forces the step. Messages are in Bahasa Indonesia, then English."""
    with reading(db) as s:
        found = report(s, cycle_id, actor=actor, unit=unit)
    if format == "json":
        return found
    headers = {"Content-Disposition": f'attachment; filename="quality-cycle-{cycle_id}.csv"'}
    return StreamingResponse(exports.table_csv(COLUMNS, as_table(found.problems)), media_type=CSV, headers=headers)
