"""What the scheduler runs and when, planned from the running cycles' pinned policies.

A policy names a cron expression per time-driven workflow (`Policy.schedules`), read in each unit's zone. The
plan is one entry per (workflow, zone, cron) over every running cycle: an instansi with units in WIB and WIT gets
its deadline sweep at 07:00 in both, each run limited to the units of its zone. A run started by an entry sweeps
only the cycles whose policy asks for that cron, so two instansi with different policies keep their own hours.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from policies import calendar
from workflows.cases import policy_store
from workflows.store.tables import Cycle, Unit

STATES_OF: dict[str, frozenset[str]] = {
    "open-period": frozenset({"monitoring"}),
    "close-period": frozenset({"monitoring", "assessing"}),
    "close-assessment": frozenset({"assessing", "following_up"}),
    "dispatch-follow-up": frozenset({"assessing", "following_up"}),
    "enforce-deadlines": frozenset({"drafting", "monitoring", "assessing", "following_up"}),
}
"""The cycle states in which each per-cycle workflow has something to do."""

RUNNING: frozenset[str] = frozenset().union(*STATES_OF.values())
"""A cycle in one of these states is planned for every per-cycle workflow, whatever its state today."""


@dataclass(frozen=True, order=True)
class Planned:
    """One scheduled deployment: `workflow` at `cron` in `zone`, for the cycles listed when it was planned."""

    workflow: str
    zone: str
    cron: str
    cycles: tuple[int, ...] = field(default=(), compare=False)

    @property
    def name(self) -> str:
        """The deployment's name under its flow; stable, so a re-plan updates rather than duplicates it."""
        return f"{self.zone.replace('/', '-')} {self.cron}"

    @property
    def parameters(self) -> dict[str, Any]:
        return {"zone": self.zone, "cron": self.cron}


def plan(session: Session) -> list[Planned]:
    """Every (workflow, zone, cron) the running cycles need, sorted; the same database gives the same plan."""
    zones: dict[int, set[str | None]] = defaultdict(set)
    for instansi_id, tz in session.execute(select(col(Unit.instansi_id), col(Unit.timezone)).distinct()):
        zones[instansi_id].add(tz)
    cycles: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for c in session.scalars(select(Cycle).where(col(Cycle.state).in_(RUNNING)).order_by(col(Cycle.id))):
        assert c.id is not None
        policy = policy_store.cycle_policy(session, c)
        for zone in sorted({calendar.zone_name(policy.calendar, tz) for tz in zones[c.instansi_id] or {None}}):
            for workflow in STATES_OF:
                cycles[(workflow, zone, policy.schedules.cron(workflow))].append(c.id)
    return sorted(Planned(w, z, cron, tuple(ids)) for (w, z, cron), ids in cycles.items())


def cycles_to_sweep(session: Session, workflow: str, *, cron: str | None = None) -> list[int]:
    """The cycles a scheduled run of `workflow` acts on: those in a state it serves whose policy asks for `cron`.

    Without `cron` (a run started by hand or by the API) every cycle in such a state.
    """
    query = select(Cycle).where(col(Cycle.state).in_(STATES_OF[workflow])).order_by(col(Cycle.id))
    return [
        c.id
        for c in session.scalars(query)
        if c.id is not None and (cron is None or policy_store.cycle_policy(session, c).schedules.cron(workflow) == cron)
    ]
