"""Prefect flows: thin wrappers that run the named workflows (`workflows.flows.runs`) as the scheduler.

One flow run per sweep and one task run per cycle, whatever the number of SKPs: the work inside a task is
set-based and chunked. `as_of` defaults to the run's scheduled start, so a late or replayed run acts as of
the moment it was meant for.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from prefect import flow, task
from prefect.runtime import flow_run

from workflows.actors import Actor
from workflows.flows import runs, schedules
from workflows.flows.runs import RunContext
from workflows.store.db import make_engine
from workflows.store.settings import get_settings
from workflows.store.uow import reading


def _as_of(given: datetime | None) -> datetime:
    if given is not None:
        return given if given.tzinfo else given.replace(tzinfo=UTC)
    scheduled = flow_run.scheduled_start_time
    return scheduled if isinstance(scheduled, datetime) else datetime.now(UTC)  # the edge: time enters here


@task(name="sweep-cycle")
def sweep_cycle(
    name: str, cycle_id: int | None, as_of: datetime, period: int | None = None, zone: str | None = None
) -> dict[str, Any]:
    settings = get_settings()
    engine = make_engine(settings.database_url)
    try:
        ctx = RunContext(engine, Actor.scheduler(name), as_of, cycle_id, period, settings.batch_chunk, zone=zone)
        return runs.run(name, ctx)
    finally:
        engine.dispose()


def _per_cycle(
    name: str,
    as_of: datetime | None,
    cycle_id: int | None,
    period: int | None = None,
    *,
    zone: str | None,
    cron: str | None,
) -> dict[str, Any]:
    when = _as_of(as_of)
    if cycle_id is not None:
        ids = [cycle_id]
    else:
        engine = make_engine(get_settings().database_url)
        try:
            with reading(engine) as s:
                ids = schedules.cycles_to_sweep(s, name, cron=cron)
        finally:
            engine.dispose()
    results = [sweep_cycle(name, i, when, period, zone) for i in ids]
    return {"workflow": name, "as_of": when.isoformat(), "zone": zone, "cycles": results}


# Each per-cycle flow takes `zone` and `cron` from its scheduled deployment (workflows.flows.schedules): the run
# acts for the units of that zone, in the cycles whose policy schedules the workflow at that cron. Run by hand,
# both are None.


@flow(name="open-period")
def open_period(
    as_of: datetime | None = None,
    cycle_id: int | None = None,
    period: int | None = None,
    zone: str | None = None,
    cron: str | None = None,
) -> dict[str, Any]:
    """Monitor agreed SKPs and open the period's evaluations."""
    return _per_cycle("open-period", as_of, cycle_id, period, zone=zone, cron=cron)


@flow(name="close-period")
def close_period(
    as_of: datetime | None = None,
    cycle_id: int | None = None,
    period: int | None = None,
    zone: str | None = None,
    cron: str | None = None,
) -> dict[str, Any]:
    """Close the period that has ended: evaluated → closed, the rest lapsed."""
    return _per_cycle("close-period", as_of, cycle_id, period, zone=zone, cron=cron)


@flow(name="close-assessment")
def close_assessment(
    as_of: datetime | None = None, cycle_id: int | None = None, zone: str | None = None, cron: str | None = None
) -> dict[str, Any]:
    """Each unit's distribution against the curve."""
    return _per_cycle("close-assessment", as_of, cycle_id, None, zone=zone, cron=cron)


@flow(name="dispatch-follow-up")
def dispatch_follow_up(
    as_of: datetime | None = None, cycle_id: int | None = None, zone: str | None = None, cron: str | None = None
) -> dict[str, Any]:
    """Follow up assessed SKPs whose objections are settled and open the policy's cases."""
    return _per_cycle("dispatch-follow-up", as_of, cycle_id, None, zone=zone, cron=cron)


@flow(name="enforce-deadlines")
def enforce_deadlines(
    as_of: datetime | None = None, cycle_id: int | None = None, zone: str | None = None, cron: str | None = None
) -> dict[str, Any]:
    """Reminders, notices, escalations and automatic actions for every deadline reached by `as_of`."""
    return _per_cycle("enforce-deadlines", as_of, cycle_id, None, zone=zone, cron=cron)


@flow(name="deliver-notifications")
def deliver_notifications(as_of: datetime | None = None) -> dict[str, Any]:
    """Drain the outbox through Apprise, with retries."""
    return sweep_cycle("deliver-notifications", None, _as_of(as_of), None)


@flow(name="seal-audit")
def seal_audit(as_of: datetime | None = None) -> dict[str, Any]:
    """Seal the audit trail: an anchor over every chain's head, keyed with SKPFLOW_AUDIT_SEAL_KEY."""
    return sweep_cycle("seal-audit", None, _as_of(as_of), None)


FLOWS = {
    f.name: f
    for f in (
        open_period,
        close_period,
        close_assessment,
        dispatch_follow_up,
        enforce_deadlines,
        deliver_notifications,
        seal_audit,
    )
}
