"""`POST /workflows/{name}/run`: run a workflow now (admins), e.g. to replay a deadline sweep as of a moment."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from starlette.concurrency import run_in_threadpool

from api.deps import Config, CurrentActor, Db, Now
from api.errors import responses
from states.errors import InvalidInput, NotPermitted
from states.messages import Problem
from workflows.flows import runs
from workflows.flows.runs import RunContext, RunIn

router = APIRouter(tags=["workflows"])

WorkflowName = Annotated[str, Path(description="The workflow.", json_schema_extra={"enum": sorted(runs.RUNS)})]


@router.post("/workflows/{name}/run", summary="Run a workflow now", responses=responses(401, 403, 404, 422))
async def run(
    name: WorkflowName, db: Db, now: Now, actor: CurrentActor, settings: Config, body: RunIn | None = None
) -> dict[str, Any]:
    """Every workflow is idempotent and set-based: running it twice for the same `as_of` changes nothing more."""
    if not (actor.super_admin or actor.admin_of):
        raise NotPermitted("workflow", name, ["admin"])
    if name not in runs.RUNS:
        raise InvalidInput([Problem.say("input.run.unknown", name=name, known=", ".join(sorted(runs.RUNS)))])
    given = body or RunIn()
    if given.as_of is not None and given.as_of.tzinfo is None:
        raise InvalidInput([Problem.say("input.datetime.zone", field="as_of")])
    ctx = RunContext(
        db,
        actor,
        given.as_of or now,
        given.cycle_id,
        given.period,
        settings.batch_chunk,
        zone=given.zone,
        force=given.force,
    )
    return await run_in_threadpool(runs.run, name, ctx)
