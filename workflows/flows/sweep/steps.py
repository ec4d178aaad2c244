"""Taking the reached ladder steps of one deadline: per due instant, the outbox rows, the automatic actions and the
`deadlinestep` rows, three statements joined to one plan."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import Select, literal
from sqlalchemy.orm import Session
from sqlmodel import col

from policies import calendar
from policies.deadlines import steps_due
from policies.schema import AutoAction
from states.roles import Role
from workflows import engine
from workflows.flows.sweep import ladder
from workflows.flows.sweep.context import SWEEP
from workflows.flows.sweep.messages import AUTO_NOTE, NO_ADDRESS, render, step_texts
from workflows.flows.sweep.pending import Pending
from workflows.flows.sweep.report import KeyReport
from workflows.store.db import among, count_many, insert_select, read
from workflows.store.tables import DeadlineStep, Outbox, Skp, UtcDateTime


class Steps:
    """The steps of one deadline's ladder, taken for pending rows whose due instants are known."""

    def __init__(self, pending: Pending, counts: KeyReport) -> None:
        self.pending, self.counts = pending, counts
        self.ctx, self.key, self.src, self.ladder = pending.ctx, pending.key, pending.src, pending.ladder
        self.who = ladder.recipients(self.ladder, self.ctx.hr)  # who each step notifies (None: nobody), built once

    def take(self, session: Session, todo: Sequence[tuple[Any, datetime]], tz: str) -> None:
        """Record the newly reached steps of these rows; notify and act for them.

        Rows that share a due instant (a zone's rows of a fixed-date rule or of one period; for an after-event rule,
        those whose event fell on the same local day) are taken together, in the database: a small plan lists the
        steps newly reached from each `taken` value, and three statements join it to the rows — the outbox rows
        (messages and recipients built by the database), the entities an automatic action is due for, and the steps.
        The caller's transaction holds the sweep's lock, so the rows read are still the rows written."""
        groups: dict[tuple[datetime, int | None], list[Any]] = {}
        for row, due in todo:
            groups.setdefault((due, row.period_no), []).append(row)
        zone = calendar.zone(self.ctx.policy.calendar, tz)
        for (due, period_no), rows in groups.items():
            reach = len(steps_due(self.ctx.policy, self.key, due, self.ctx.as_of))
            behind = [r for r in rows if r.taken < reach - 1]
            if behind:
                self._take_due(session, due, period_no, reach=reach, rows=behind, zone=zone)

    def _take_due(
        self, session: Session, due: datetime, period_no: int | None, *, reach: int, rows: Sequence[Any], zone: tzinfo
    ) -> None:
        ctx, t, src = self.ctx, self.src.table, self.src
        plan = ladder.plan(self.ladder, due, reach, sorted({r.taken for r in rows}), ctx.as_of)
        these = among(session, t.id, [r.entity_id for r in rows])  # bound once for the three statements below

        def planned(*columns: Any) -> Select[Any]:
            return (
                self.pending.select(*columns)
                .join(plan, plan.c.taken == self.pending.taken())
                .where(these)
                .order_by(t.id, plan.c.step_index)
            )

        who = self.who
        sent = Counter[tuple[Any, ...]]()
        if who is not None:
            texts = step_texts(
                self.key, self.ladder, ctx.cycle_name, due=due, period_no=period_no, reach=reach, zone=zone
            )
            shared = {
                "channel": "email",
                "attempts": 0,
                "created_at": ctx.as_of,
                "instansi_id": ctx.instansi_id,
                "entity_type": src.entity_type,
                "deadline_key": self.key.value,
            }
            messages = read(session, ladder.outbox_rows(self.pending, planned, plan, who))
            names = tuple(messages.keys())
            outbox = [render(dict(zip(names, row, strict=True)), texts, shared) for row in messages]
            sent = count_many(
                session,
                Outbox.__table__,  # type: ignore[attr-defined]
                outbox,
                unique=["dedupe_key"],
                count_by=["action", "status"],
            )
        for (action, status), n in sent.items():
            self.counts.notified[action] = self.counts.notified.get(action, 0) + n
            self.counts.no_address += n if status == NO_ADDRESS else 0
        acted: dict[str, list[int]] = {}
        for entity_id, auto in read(
            session, planned(t.id, plan.c.auto_action).where(plan.c.notified, plan.c.auto_action.is_not(None))
        ):
            acted.setdefault(auto, []).append(entity_id)
        for auto, entity_ids in acted.items():
            done = engine.record_many(
                session,
                src.entity_type,
                entity_ids,
                auto,
                instansi_id=ctx.instansi_id,
                actor=SWEEP,
                role=Role.SYSTEM,
                now=ctx.as_of,
                states=[str(s) for s in src.states],
                note=AUTO_NOTE[AutoAction(auto)],
                payload={"deadline": self.key.value},
            )
            self.counts.auto_actions[auto] = self.counts.auto_actions.get(auto, 0) + len(done)
        steps = planned(
            literal(ctx.cycle_id).label("cycle_id"),
            literal(ctx.instansi_id).label("instansi_id"),
            col(Skp.unit_id).label("unit_id"),
            literal(self.key.value).label("deadline_key"),
            literal(src.entity_type).label("entity_type"),
            t.id.label("entity_id"),
            plan.c.step_index,
            plan.c.action,
            plan.c.auto_action,
            literal(due, UtcDateTime()).label("due_at"),
            plan.c.step_at,
            literal(ctx.as_of, UtcDateTime()).label("taken_at"),
            plan.c.notified,
        )
        taken = insert_select(
            session,
            DeadlineStep.__table__,  # type: ignore[attr-defined]
            steps,
            unique=["deadline_key", "entity_type", "entity_id", "step_index"],
        )
        self.counts.steps += taken[()]
