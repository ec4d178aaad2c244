"""Serving the schedule plan with Prefect: in-process (the embedded default) or through a work pool (scale-out).

The plan (`workflows.flows.schedules.plan`) becomes one Prefect deployment per (workflow, zone, cron), with a cron
schedule in that zone, plus the interval workflows (`seal-audit`; `deliver-notifications` once mail is set
up). Deployments name their flows by module path (`workflows.flows.enforce_deadlines`), so any process
with skpflow installed can run them: the served runner, or a process worker polling a work pool on another machine.

Both modes re-plan every few minutes: a new policy version or a unit in a new zone adds deployments, and
deployments no longer planned are paused (not deleted: their run history stays readable in the Prefect UI).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from typing import Any

from prefect import Flow
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import WorkPoolCreate
from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterTags
from prefect.client.schemas.sorting import DeploymentSort
from prefect.deployments.runner import RunnerDeployment
from prefect.exceptions import ObjectAlreadyExists
from prefect.runner import Runner
from prefect.schedules import Cron
from prefect.types.entrypoint import EntrypointType

from workflows.flows import FLOWS
from workflows.flows.schedules import Planned

log = logging.getLogger("skpflow.scheduler")

TAG = "skpflow"
Key = tuple[str, str]  # (workflow, deployment name)
Intervals = Mapping[str, timedelta]  # workflows that run on an interval, not per zone: the outbox, the audit seal

DESCRIPTIONS = {"deliver-notifications": "drain the notification outbox", "seal-audit": "seal the audit trail"}


def keys(plan: Sequence[Planned], every: Intervals) -> set[Key]:
    """What a plan deploys: comparing two plans' keys tells whether anything must be re-deployed."""
    return {(p.workflow, p.name) for p in plan} | {(workflow, "every") for workflow in every}


async def deployments(plan: Sequence[Planned], *, every: Intervals) -> list[RunnerDeployment]:
    """One deployment per planned entry (cron in its zone) and one per interval workflow."""
    out = []
    for p in plan:
        flow: Flow[..., Any] = FLOWS[p.workflow]
        out.append(
            await flow.ato_deployment(
                name=p.name,
                schedules=[Cron(p.cron, timezone=p.zone)],
                parameters=p.parameters,
                paused=False,
                tags=[TAG, f"workflow:{p.workflow}"],
                description=f"{p.workflow} at '{p.cron}' {p.zone} for the units in {p.zone}",
                entrypoint_type=EntrypointType.MODULE_PATH,
            )
        )
    for workflow, interval in sorted(every.items()):
        out.append(
            await FLOWS[workflow].ato_deployment(
                name="every",
                interval=interval,
                paused=False,
                tags=[TAG, f"workflow:{workflow}"],
                description=DESCRIPTIONS.get(workflow, workflow),
                entrypoint_type=EntrypointType.MODULE_PATH,
            )
        )
    return out


async def _pause_unplanned(wanted: set[Key], pool: str | None) -> int:
    """Pause skpflow deployments that the plan no longer names (in `pool`, or the served ones when None)."""
    paused = 0
    async with get_client() as client:
        found = await client.read_deployments(  # sort and limit explicit: Prefect 3.8's client sends null otherwise
            deployment_filter=DeploymentFilter(tags=DeploymentFilterTags(all_=[TAG])),
            sort=DeploymentSort.NAME_ASC,
            limit=200,
        )
        for d in found:
            if d.work_pool_name != pool or d.paused:
                continue
            workflow = next((t.removeprefix("workflow:") for t in d.tags if t.startswith("workflow:")), "")
            if (workflow, d.name) not in wanted:
                await client.pause_deployment(d.id)
                paused += 1
    return paused


async def _replan_loop(
    plan_now: Callable[[], list[Planned]],
    intervals: Intervals,
    current: set[Key],
    every: float,
) -> None:
    """Return when the plan has changed (checked every `every` seconds)."""
    while True:
        await asyncio.sleep(every)
        plan = await asyncio.to_thread(plan_now)
        if keys(plan, intervals) != current:
            log.info("the schedule plan changed; re-deploying")
            return


async def serve(plan_now: Callable[[], list[Planned]], *, every: Intervals, replan_every: float = 300.0) -> None:
    """Serve the plan in this process (Prefect's Runner starts each flow run as a subprocess); runs until cancelled."""
    while True:
        plan = await asyncio.to_thread(plan_now)
        wanted = keys(plan, every)
        runner = Runner(name="skpflow", pause_on_shutdown=True)
        for d in await deployments(plan, every=every):
            await runner.aadd_deployment(d)
        await _pause_unplanned(wanted, None)
        log.info("serving %d deployments", len(wanted))
        started = asyncio.create_task(runner.start())
        changed = asyncio.create_task(_replan_loop(plan_now, every, wanted, replan_every))
        try:
            done, _ = await asyncio.wait({started, changed}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            changed.cancel()
            await runner.astop()
            await asyncio.gather(started, return_exceptions=True)
        if started in done:  # the runner stopped on its own (a signal): so do we
            return


async def ensure_pool(pool: str) -> None:
    """Create the process work pool `pool` if it does not exist."""
    async with get_client() as client:
        with contextlib.suppress(ObjectAlreadyExists):
            await client.create_work_pool(WorkPoolCreate(name=pool, type="process"))


async def deploy_to_pool(plan: Sequence[Planned], pool: str, *, every: Intervals) -> int:
    """Register the plan's deployments in the work pool (an upsert) and pause the ones it no longer names."""
    await ensure_pool(pool)
    # `aapply` per deployment, not `prefect.deploy`: 3.8's deploy lists the pool's workers with a null limit,
    # which its own server refuses (422). Nothing is built: the flows run from the installed package.
    for d in await deployments(plan, every=every):
        await d.aapply(work_pool_name=pool)
    await _pause_unplanned(keys(plan, every), pool)
    return len(keys(plan, every))


async def work(
    plan_now: Callable[[], list[Planned]],
    pool: str,
    *,
    every: Intervals,
    replan_every: float = 300.0,
    deploy: bool = True,
) -> None:
    """Deploy the plan to `pool` (unless `deploy` is False) and poll the pool with a process worker until cancelled."""
    from prefect.workers.process import ProcessWorker

    async def redeploy() -> None:
        while True:
            plan = await asyncio.to_thread(plan_now)
            count = await deploy_to_pool(plan, pool, every=every)
            log.info("deployed %d schedules to work pool %s", count, pool)
            await _replan_loop(plan_now, every, keys(plan, every), replan_every)

    if not deploy:
        await ensure_pool(pool)
    async with ProcessWorker(work_pool_name=pool) as worker:
        tasks = {asyncio.create_task(worker.start())}
        if deploy:
            tasks.add(asyncio.create_task(redeploy()))
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for t in done:
                t.result()  # a failed deploy or worker loop ends the command with its error
        finally:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
