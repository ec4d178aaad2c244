"""Units: capaian kinerja organisasi per period (and, with the services, the distribution per unit)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from api.deps import CurrentActor, Db, Now
from api.errors import responses
from states.enums import CapaianLevel
from workflows.cases import skps
from workflows.cases.org.lookup import unit_id_of
from workflows.queries.distribution import DistributionView, unit_distribution
from workflows.store.tables import MAX_ID
from workflows.store.uow import reading, unit_of_work

router = APIRouter(tags=["units"])

UnitCode = Annotated[str, Path(max_length=64, description="Unit code.")]


class CapaianIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cycle_id: int = Field(ge=1, le=MAX_ID)
    period: Annotated[int, Field(ge=1, le=12)] | Literal["annual"] = Field(
        description="A period number (1, 2, …) or 'annual'."
    )
    level: CapaianLevel


class Annual(StrEnum):
    """The whole year, where a period number would stand."""

    annual = "annual"


class CapaianOut(BaseModel):
    cycle_id: int
    unit: str
    # an enum, not Literal["annual"]: openapi-python-client 0.29 cannot read a number in a union with a const
    period: int | Annual
    level: CapaianLevel


@router.post(
    "/units/{code}/capaian",
    summary="Set a unit's capaian kinerja organisasi",
    responses=responses(401, 403, 404, 422),
)
def set_capaian(code: UnitCode, body: CapaianIn, db: Db, now: Now, actor: CurrentActor) -> CapaianOut:
    """By the pimpinan of the parent unit or an admin; it bounds the unit's predikat distribution."""
    period = skps.ANNUAL if body.period == "annual" else body.period
    with unit_of_work(db) as s:
        skps.set_capaian(s, body.cycle_id, unit_id_of(s, body.cycle_id, code), period, body.level, actor=actor, now=now)
    answered = Annual.annual if body.period == "annual" else body.period
    return CapaianOut(cycle_id=body.cycle_id, unit=code, period=answered, level=body.level)


@router.get(
    "/units/{code}/distribution",
    summary="A unit's predikat distribution against the curve",
    responses=responses(401, 403, 404, 422),
)
def distribution(
    code: UnitCode,
    db: Db,
    actor: CurrentActor,
    cycle_id: Annotated[int, Query(ge=1, le=MAX_ID)],
    period: Annotated[
        str, Query(pattern=r"^(annual|[1-9]|1[0-2])$", description="A period number or 'annual'.")
    ] = "annual",
) -> DistributionView:
    """Counts per predikat, the limits for the unit's capaian, and violations (blocking under a hard policy)."""
    period_no = skps.ANNUAL if period == "annual" else int(period)
    with reading(db) as s:
        return unit_distribution(s, cycle_id, unit_id_of(s, cycle_id, code), period_no, actor=actor)
