"""Monitoring a cycle (seed 004's checks): per unit what waits and how the agreement deadline was kept, and every
step someone waits on, as JSON or CSV; for HR, auditors and the heads of units (their units)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from api.deps import Db, Now, RowId
from api.errors import responses
from api.limits import HeavyActor
from workflows.queries import exports
from workflows.queries.monitoring import COLUMNS, Monitoring, monitoring
from workflows.store.uow import reading

router = APIRouter(tags=["monitoring"])

CSV = "text/csv; charset=utf-8"


@router.get(
    "/cycles/{cycle_id}/monitoring",
    summary="Who has not planned, proposed, been agreed, submitted realisasi or been rated, per unit",
    response_model=Monitoring,
    responses={**responses(401, 403, 404, 422, 429), 200: {"content": {CSV: {"schema": {"type": "string"}}}}},
)
def cycle_monitoring(
    cycle_id: RowId,
    db: Db,
    now: Now,
    actor: HeavyActor,
    unit: Annotated[str | None, Query(max_length=64, description="Only this unit (code).")] = None,
    format: Annotated[Literal["json", "csv"], Query(description="json, or csv: one row per step waited on.")] = "json",
) -> object:
    """Steps are those of the cycle's latest opened period for realisasi and ratings; `due` is the first late
    instant of the deadline that times the step, in the unit's zone."""
    with reading(db) as s:
        seen = monitoring(s, actor, cycle_id, now=now, unit=unit)
    if format == "json":
        return seen
    rows = [
        (w.unit_code, w.nip, w.name, w.skp_id, w.step, w.waits_on_nip, w.waits_on_name, w.due, w.overdue)
        for w in seen.waiting
    ]
    headers = {"Content-Disposition": f'attachment; filename="monitoring-cycle-{cycle_id}.csv"'}
    return StreamingResponse(exports.table_csv(COLUMNS, rows), media_type=CSV, headers=headers)
