"""The deadline sweep's entry: every open cycle (or the one given), zone by zone, deadline by deadline."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from policies import calendar
from policies.schema import DeadlineKey
from states.cycle import CycleState
from workflows.cases import kontrak
from workflows.flows.sweep.context import SWEEP, Context, load_context, lock
from workflows.flows.sweep.deadline import DeadlineSweep
from workflows.flows.sweep.feedback import FeedbackSweep
from workflows.flows.sweep.report import DeadlineReport
from workflows.store.tables import Cycle

OPEN_CYCLES = (CycleState.drafting, CycleState.monitoring, CycleState.assessing, CycleState.following_up)


def enforce_deadlines(
    sessions: Callable[[], Session],
    *,
    as_of: datetime,
    cycle_id: int | None = None,
    chunk: int = 5000,
    zone: str | None = None,
) -> DeadlineReport:
    """Take every ladder step reached by `as_of` for work still pending in the open cycles (or the one given).

    Per cycle, deadline and zone, pending entities are read set-based, `chunk` rows per transaction; their due
    instant is computed in the unit's zone and calendar. The rows' steps, outbox rows and messages are then built
    by the database (INSERT … SELECT from the rows and a plan of the reached steps). Each reached step is recorded
    once in `deadlinestep` (unique per deadline, entity and step); only steps not taken before write outbox rows
    (unique `dedupe_key`, insert-if-absent) and automatic-action audit events, so reruns never repeat either, and
    sweeps of one cycle take turns chunk by chunk, so two never take the same step.

    When one run reaches several steps of an entity, a step is superseded (recorded, neither sent nor acted on) by a
    later step of the same action, and a reminder once the deadline has passed.

    Automatic actions have no lifecycle transition, so each is an audited event on the entity's own chain (state
    unchanged) plus the step's notifications: close_objection_window marks the window's end on the trail (the SKP's
    `follow_up` guard derives it from time; firing `follow_up` is the follow-up dispatch's, which opens the case with
    it); flag_hr is HR's flag, listed as `deadlinestep` rows with action auto_action; hr_drafts lets the
    pengelola kinerja (an instansi admin) draft and propose the SKP's plan from then on (`skp.hr_may_draft`).

    Recipients follow the step's `notify`; a penilai or atasan penilai outside the organisation is replaced by the
    instansi's HR admins, who act on their behalf. A recipient without an e-mail still gets a row, with recipient
    "nip:<nip>" or "user:<username>" and status `no_address`, so HR sees who could not be told.

    `zone` (an IANA name or WIB/WITA/WIT) limits the sweep to the units in that zone: the scheduler runs it at a
    local hour in each zone, so mail for a unit in Papua goes out at 07:00 WIT, not at 07:00 WIB.
    """
    if as_of.tzinfo is None:
        raise ValueError("as_of must be an aware datetime")
    report = DeadlineReport(as_of)
    with sessions() as session:
        query = select(col(Cycle.id)).order_by(col(Cycle.id))
        if cycle_id is not None:
            query = query.where(col(Cycle.id) == cycle_id)
        else:
            query = query.where(col(Cycle.state).in_([s.value for s in OPEN_CYCLES]))
        cycle_ids = [i for i in session.scalars(query) if i is not None]
    for cid in cycle_ids:
        with sessions() as session:
            ctx, units = load_context(session, cid, as_of)
        zones = {tz for _, _, tz in units}
        if zone is not None:
            wanted = calendar.zone_name(ctx.policy.calendar, zone)
            units = [u for u in units if calendar.zone_name(ctx.policy.calendar, u[2]) == wanted]
        report.cycles.append(cid)
        _open_contract_cases(sessions, ctx, report, chunk, [u for u, _, _ in units] if zone is not None else None)
        for key in DeadlineKey:
            if key is DeadlineKey.FEEDBACK:
                FeedbackSweep(sessions, ctx, report, chunk).run(units)
            else:
                one_zone = len(zones) == 1 and zone is None
                DeadlineSweep(sessions, ctx, key, report, chunk, one_zone=one_zone).run(units)
    return report


def _open_contract_cases(
    sessions: Callable[[], Session], ctx: Context, report: DeadlineReport, chunk: int, unit_ids: list[int] | None
) -> None:
    """The contract ladder's first step is the recommendation itself: open it for every PPPK contract that has come
    within `kontrak.opens_days_before_due` of its due instant (`workflows.cases.kontrak`), under the sweep's lock."""
    with sessions() as session, session.begin():
        lock(session, ctx.cycle_id)
        opened = kontrak.open_recommendations(
            session, ctx.cycle_id, ctx.policy, as_of=ctx.as_of, actor=SWEEP, unit_ids=unit_ids, chunk=chunk
        )
    counts = report.key(DeadlineKey.KONTRAK_RECOMMENDATION).opened
    for kind, n in opened.items():
        counts[kind] = counts.get(kind, 0) + n
