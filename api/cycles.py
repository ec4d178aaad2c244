"""Cycles: create with a pinned policy, open (one SKP per active pegawai), move, re-pin with a dry run."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from api.deps import Config, CurrentActor, Db, IfMatch, Now, Page, RowId
from api.errors import known_trigger, responses
from api.schemas import Page as PageOf
from policies.loader import PolicyChange
from states.cycle import CYCLE
from workflows.cases import cycles
from workflows.cases.cycles import CycleIn, CycleView
from workflows.store.tables import MAX_ID
from workflows.store.uow import reading, unit_of_work

router = APIRouter(tags=["cycles"])

Force = Annotated[
    bool,
    Query(
        description="open, start_assessment: proceed although the cycle has blocking data-quality problems "
        "(GET /cycles/{id}/quality); admins only, and the audit event lists what was overridden."
    ),
]
CycleTrigger = Annotated[
    str,
    Path(description="A cycle trigger.", json_schema_extra={"enum": sorted({r.trigger for r in CYCLE.rows})}),
]


class OpenOut(BaseModel):
    cycle: CycleView
    drafted: int = Field(description="SKPs drafted by this call.")
    already: int = Field(description="SKPs that existed before this call.")


class RepinIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    policy_version_id: int = Field(ge=1, le=MAX_ID)
    dry_run: bool = Field(default=True, description="Report what would change and change nothing.")


class PredikatChange(BaseModel):
    skp_id: int
    now: str
    under_new_policy: str


class RepinOut(BaseModel):
    cycle_id: int
    from_version_id: int | None
    to_version_id: int
    changes: list[PolicyChange]
    predikat_changes: list[PredikatChange]
    applied: bool


@router.get("/cycles", summary="List cycles", responses=responses(401))
def list_cycles(db: Db, actor: CurrentActor, page: Page) -> PageOf[CycleView]:
    with reading(db) as s:
        items, total = cycles.list_cycles(s, actor, offset=page.offset, limit=page.limit)
    return PageOf[CycleView].of(items, total, page)


@router.post("/cycles", status_code=201, summary="Create a cycle", responses=responses(401, 403, 422))
def create_cycle(body: CycleIn, db: Db, now: Now, actor: CurrentActor, settings: Config) -> CycleView:
    """A cycle pins its policy version now, so editing a policy later never changes it silently."""
    with unit_of_work(db) as s:
        made = cycles.create_from(s, body, actor=actor, now=now, default_policy=settings.policy)
    return made


@router.get("/cycles/{cycle_id}", summary="One cycle", responses=responses(401, 404))
def get_cycle(cycle_id: RowId, db: Db, actor: CurrentActor) -> CycleView:
    with reading(db) as s:
        return cycles.readable(s, cycle_id, actor)


@router.post(
    "/cycles/{cycle_id}/open", summary="Open the cycle: draft every SKP", responses=responses(401, 403, 404, 422)
)
def open_cycle(
    cycle_id: RowId, db: Db, now: Now, actor: CurrentActor, settings: Config, force: Force = False
) -> OpenOut:
    """Drafts one SKP per active pegawai, set-based and resumable; calling it again drafts only what is missing.
    Refused (422, each blocking data-quality rule with its count) while the organisation has blocking problems,
    unless an admin forces it."""
    result = cycles.open_cycle(
        lambda: Session(db, expire_on_commit=False),
        cycle_id,
        actor=actor,
        now=now,
        chunk=settings.batch_chunk,
        force=force,
    )
    return OpenOut(
        cycle=result.cycle,
        drafted=result.drafted,
        already=result.already,
    )


@router.post(
    "/cycles/{cycle_id}/transitions/{trigger}",
    summary="Move the cycle",
    responses=responses(401, 403, 404, 409, 422),
)
def fire(
    cycle_id: RowId,
    trigger: CycleTrigger,
    db: Db,
    now: Now,
    actor: CurrentActor,
    version: IfMatch,
    force: Force = False,
) -> CycleView:
    """`start_assessment` (and `open`) are refused (422) while the cycle has blocking data-quality problems, each
    rule named with its count, unless an admin forces them."""
    known_trigger(CYCLE, trigger)
    with unit_of_work(db) as s:
        moved = cycles.fire(s, cycle_id, trigger, actor=actor, now=now, expected_version=version, force=force)
    return moved


@router.post(
    "/cycles/{cycle_id}/policy",
    summary="Move a running cycle to another policy version (dry run first)",
    responses=responses(401, 403, 404, 422),
)
def repin(cycle_id: RowId, body: RepinIn, db: Db, now: Now, actor: CurrentActor) -> RepinOut:
    with unit_of_work(db) as s:
        m = cycles.migrate_policy(s, cycle_id, body.policy_version_id, actor=actor, now=now, dry_run=body.dry_run)
    return RepinOut(
        cycle_id=m.cycle_id,
        from_version_id=m.from_version_id,
        to_version_id=m.to_version_id,
        changes=m.changes,
        predikat_changes=[PredikatChange(skp_id=i, now=a, under_new_policy=b) for i, a, b in m.predikat_changes],
        applied=m.applied,
    )
