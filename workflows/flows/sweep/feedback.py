"""Dialog kinerja: the nudges sent to the penilai of every SKP in force whose umpan balik has lapsed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, timedelta, tzinfo
from typing import Any

from sqlalchemy import Select, case, func, literal, select
from sqlalchemy.orm import Session, aliased
from sqlmodel import col

from policies import calendar
from policies import feedback as dialog
from policies.schema import DeadlineKey, LadderStep, Recipient, RecurringRule
from workflows.flows.sweep.context import Context, Person, lock
from workflows.flows.sweep.messages import (
    BODY,
    FEEDBACK_LEAD,
    LABEL,
    NO_ADDRESS,
    SUBJECT,
    SUBJECT_MAX,
    WHAT,
    Filled,
    StepText,
    local_day,
)
from workflows.flows.sweep.report import DeadlineReport, UnitCompliance
from workflows.flows.sweep.sources import SOURCES
from workflows.store.db import insert_many, read
from workflows.store.tables import AuditEvent, DeadlineStep, Feedback, Outbox, Pegawai, Skp


class FeedbackSweep:
    """Dialog kinerja: nudge the penilai of every SKP in force whose umpan balik has lapsed (`policies.feedback`).

    Off while `feedback.every_weeks` is null. Per chunk of SKPs (id order), one statement reads each lapsed SKP with
    its anchor (its last umpan balik, else its first agreement), the people to tell and the last step taken for that
    anchor; the steps newly reached are computed in Python from the anchor's local day, then one INSERT records them
    in `deadlinestep` (the anchor is the entity: `feedback` and its id, or `skp` and the SKP's id) and one INSERT
    writes the outbox rows of the steps that insert actually added, so a rerun, or a sweep racing it, sends nothing
    twice. New umpan balik is a new anchor, so its windows start a ladder of their own."""

    def __init__(self, sessions: Callable[[], Session], ctx: Context, report: DeadlineReport, chunk: int) -> None:
        self.sessions, self.ctx, self.report, self.chunk = sessions, ctx, report, chunk
        self.key = DeadlineKey.FEEDBACK
        self.weeks = ctx.policy.feedback.every_weeks
        rule = ctx.policy.deadlines.rule(self.key)
        assert isinstance(rule, RecurringRule)
        self.ladder = rule.ladder
        self.counts = report.key(self.key)
        self._texts: dict[tuple[int, date, date, str], StepText] = {}

    def run(self, units: Sequence[tuple[int, str, str]]) -> None:
        if self.weeks is None or not self.ladder:
            return
        zones = {uid: tz for uid, _, tz in units}
        codes = {uid: code for uid, code, _ in units}
        late: Counter[int] = Counter()
        query = self._rows([uid for uid, _, _ in units])
        after = 0
        while True:
            with self.sessions() as session, session.begin():
                lock(session, self.ctx.cycle_id)
                rows = read(session, query.where(col(Skp.id) > after)).all()
                late.update(self._take(session, rows, zones))
            if len(rows) < self.chunk:
                break
            after = rows[-1].skp_id
        for unit_id, code in codes.items():
            if late[unit_id]:
                self.counts.pending += late[unit_id]
                self.counts.late += late[unit_id]
                self.report.units.append(
                    UnitCompliance(self.ctx.cycle_id, unit_id, code, self.key.value, 0, late[unit_id])
                )

    def _rows(self, unit_ids: list[int]) -> Select[Any]:
        """The SKPs in force whose anchor is old enough for the first step (a day of slack for the zones: the exact
        local-day rule is applied in Python), with their anchor and the last step taken for it."""
        assert self.weeks is not None
        last = (
            select(col(Feedback.id))
            .where(col(Feedback.skp_id) == col(Skp.id))
            .order_by(col(Feedback.at).desc(), col(Feedback.id).desc())
            .limit(1)
            .correlate(Skp)
            .scalar_subquery()
        )
        fb = aliased(Feedback)
        agreed = (
            select(func.min(col(AuditEvent.at)))
            .where(
                col(AuditEvent.entity_type) == "skp",
                col(AuditEvent.entity_id) == col(Skp.id),
                col(AuditEvent.trigger) == "agree",
            )
            .correlate(Skp)
            .scalar_subquery()
        )
        anchor_at = func.coalesce(col(fb.at), agreed)
        anchor_type = case((col(fb.id).is_(None), literal("skp")), else_=literal("feedback"))
        anchor_id = func.coalesce(col(fb.id), col(Skp.id))
        taken = func.coalesce(
            select(func.max(DeadlineStep.step_index))
            .where(
                col(DeadlineStep.deadline_key) == self.key.value,
                col(DeadlineStep.entity_type) == anchor_type,
                col(DeadlineStep.entity_id) == anchor_id,
            )
            .scalar_subquery(),
            -1,
        )
        first = dialog.window_days(self.weeks) + self.ladder[0].offset_days
        owner, penilai, atasan = aliased(Pegawai), aliased(Pegawai), aliased(Pegawai)
        return (
            select(
                col(Skp.id).label("skp_id"),
                col(Skp.unit_id).label("unit_id"),
                col(Skp.state).label("state"),
                col(owner.name).label("pegawai"),
                col(owner.nip).label("nip"),
                col(owner.email).label("pegawai_email"),
                col(penilai.nip).label("penilai_nip"),
                col(penilai.name).label("penilai_name"),
                col(penilai.email).label("penilai_email"),
                col(atasan.nip).label("atasan_nip"),
                col(atasan.name).label("atasan_name"),
                col(atasan.email).label("atasan_email"),
                anchor_type.label("anchor_type"),
                anchor_id.label("anchor_id"),
                anchor_at.label("anchor_at"),
                taken.label("taken"),
            )
            .select_from(Skp)
            .join(owner, col(owner.id) == col(Skp.pegawai_id))
            .outerjoin(penilai, col(penilai.id) == col(Skp.penilai_id))
            .outerjoin(atasan, col(atasan.id) == col(Skp.atasan_penilai_id))
            .outerjoin(fb, col(fb.id) == last)
            .where(
                col(Skp.cycle_id) == self.ctx.cycle_id,
                col(Skp.state).in_([str(s) for s in SOURCES[self.key].states]),
                col(Skp.unit_id).in_(unit_ids),
                anchor_at <= self.ctx.as_of - timedelta(days=first - 1),
            )
            .order_by(col(Skp.id))
            .limit(self.chunk)
        )

    def _take(self, session: Session, rows: Sequence[Any], zones: Mapping[int, str]) -> Counter[int]:
        """Record and send the steps these rows newly reached; the SKPs whose umpan balik has lapsed, per unit."""
        assert self.weeks is not None
        ctx, steps, messages, lapsed_in = self.ctx, [], {}, Counter[int]()
        for r in rows:
            zone = calendar.zone(ctx.policy.calendar, zones[r.unit_id])
            at = r.anchor_at if r.anchor_at.tzinfo else r.anchor_at.replace(tzinfo=UTC)  # SQLite: naive UTC
            anchor, today = at.astimezone(zone).date(), ctx.as_of.astimezone(zone).date()
            reached = dialog.steps_reached(anchor, self.weeks, self.ladder, today)
            lapsed_in[r.unit_id] += reached > 0
            for n, sent in dialog.to_send(r.taken, reached, self.ladder):
                step = self.ladder[n % len(self.ladder)]
                lapsed = dialog.lapse_day(anchor, self.weeks, n, self.ladder)
                steps.append(
                    {
                        "cycle_id": ctx.cycle_id,
                        "instansi_id": ctx.instansi_id,
                        "unit_id": r.unit_id,
                        "deadline_key": self.key.value,
                        "entity_type": r.anchor_type,
                        "entity_id": r.anchor_id,
                        "step_index": n,
                        "action": step.action.value,
                        "auto_action": None,
                        "due_at": calendar.start_of_day(lapsed, zone),
                        "step_at": calendar.start_of_day(dialog.step_day(anchor, self.weeks, self.ladder, n), zone),
                        "taken_at": ctx.as_of,
                        "notified": sent,
                    }
                )
                if sent:
                    at_step = self._outbox(r, n, anchor=anchor, lapsed=lapsed, zone=zone)
                    messages[r.anchor_type, r.anchor_id, n] = at_step
        added = insert_many(
            session,
            DeadlineStep.__table__,  # type: ignore[attr-defined]
            steps,
            unique=["deadline_key", "entity_type", "entity_id", "step_index"],
            returning=["entity_type", "entity_id", "step_index"],
        )
        self.counts.steps += len(added)
        outbox = [m for a in added for m in messages.get(tuple(a), [])]
        for action, status in insert_many(
            session,
            Outbox.__table__,  # type: ignore[attr-defined]
            outbox,
            unique=["dedupe_key"],
            returning=["action", "status"],
        ):
            self.counts.notified[action] = self.counts.notified.get(action, 0) + 1
            self.counts.no_address += status == NO_ADDRESS
        return lapsed_in

    def _outbox(self, r: Any, n: int, *, anchor: date, lapsed: date, zone: tzinfo) -> list[dict[str, Any]]:
        """The outbox rows of one step: one per person it notifies (a penilai or atasan penilai missing or outside
        the organisation is stood in for by the instansi's HR admins, as on every ladder)."""
        step = self.ladder[n % len(self.ladder)]
        people: list[Person] = []
        for who in step.notify:
            if who is Recipient.PENILAI and r.penilai_nip:
                people.append(Person(f"nip:{r.penilai_nip}", r.penilai_name, r.penilai_email))
            elif who is Recipient.ATASAN_PENILAI and r.atasan_nip:
                people.append(Person(f"nip:{r.atasan_nip}", r.atasan_name, r.atasan_email))
            elif who is Recipient.PEGAWAI:
                people.append(Person(f"nip:{r.nip}", r.pegawai, r.pegawai_email))
            else:
                people += self.ctx.hr
        key = (n % len(self.ladder), anchor, lapsed, str(zone))
        if key not in self._texts:
            self._texts[key] = self._text(step, anchor, lapsed, zone)
        text_, seen, out = self._texts[key], set[str](), []
        for p in people:
            if p.ref in seen:
                continue
            seen.add(p.ref)
            values = {"name": p.name, "pegawai": r.pegawai, "nip": r.nip, "state": r.state}
            email = p.email or None
            out.append(
                {
                    "dedupe_key": f"deadline:{self.key.value}:{r.anchor_type}:{r.anchor_id}:{n}:{p.ref}",
                    "channel": "email",
                    "recipient": email or p.ref,
                    "subject": text_.subject(values)[:SUBJECT_MAX],
                    "body": text_.body(values),
                    "status": NO_ADDRESS if email is None else "pending",
                    "attempts": 0,
                    "created_at": self.ctx.as_of,
                    "instansi_id": self.ctx.instansi_id,
                    "unit_id": r.unit_id,
                    "entity_type": "skp",
                    "entity_id": r.skp_id,
                    "deadline_key": self.key.value,
                    "action": step.action.value,
                }
            )
        return out

    def _text(self, step: LadderStep, anchor: date, lapsed: date, zone: tzinfo) -> StepText:
        assert self.weeks is not None
        what = WHAT[self.key]
        lead = FEEDBACK_LEAD.render(
            action=step.action.value,
            cycle=self.ctx.cycle_name,
            weeks=self.weeks,
            since=local_day(anchor),
            lapsed=local_day(lapsed),
            offset_days=step.offset_days,
        )
        return StepText(
            Filled(SUBJECT, {"label": LABEL[step.action], "what": what}, ["pegawai"]),
            Filled(BODY, {"lead": lead}, ["name", "pegawai", "nip", "state"]),
        )
