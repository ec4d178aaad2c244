"""One deadline of one cycle, swept unit by unit: the due instants (per zone and period, or per entity for an
after-event rule), the compliance counts, and the pending rows read `chunk` at a time that have a step to take."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, case, select
from sqlalchemy.orm import Session
from sqlmodel import col

from policies.deadlines import due_date, steps_due
from policies.periods import periods
from policies.schema import AfterEventRule, AfterPeriodRule, BeforeExpiryRule, DeadlineKey
from workflows.flows.sweep.context import Context, lock
from workflows.flows.sweep.pending import Pending
from workflows.flows.sweep.report import DeadlineReport, UnitCompliance
from workflows.flows.sweep.steps import Steps
from workflows.store.db import read
from workflows.store.tables import Evaluation, Skp, Unit

Reached = dict[int | None, tuple[datetime, int]]
"""Per period (None: the whole cycle): the due instant and how many ladder steps it has reached."""


class DeadlineSweep:
    """One deadline of one cycle, unit by unit."""

    def __init__(
        self,
        sessions: Callable[[], Session],
        ctx: Context,
        key: DeadlineKey,
        report: DeadlineReport,
        chunk: int,
        *,
        one_zone: bool = False,
    ) -> None:
        self.sessions, self.ctx, self.key, self.report, self.chunk = sessions, ctx, key, report, chunk
        self.one_zone = one_zone  # every unit of the instansi is swept, all in one zone: no unit filter needed
        self.rule = ctx.policy.deadlines.rule(key)
        self.ladder = self.rule.ladder
        self.pending = Pending(ctx, key, chunk)
        self.src = self.pending.src
        self.counts = report.key(key)
        self.steps = Steps(self.pending, self.counts)
        self._rows: dict[bool | None, tuple[Select[Any], Any]] = {}
        # skp_agreement: an SKP starting after 1 January (a mutasi, a new appointee) is due from its own start, so
        # those few are swept per SKP like an after-event rule, and the rest share the zone's due instant
        self.anchored = key is DeadlineKey.SKP_AGREEMENT
        self._dues: dict[tuple[Any, str], datetime] = {}

    def run(self, units: Sequence[tuple[int, str, str]]) -> None:
        """Zone by zone: every unit of a zone shares its due instants, so its rows are read `chunk` at a time across
        units (a kabupaten has a unit per handful of pegawai; a transaction per unit would cost more than the work)."""
        by_zone: dict[str, list[int]] = {}
        for unit_id, _, tz in units:
            by_zone.setdefault(tz, []).append(unit_id)
        counts: dict[int, tuple[int, int]] = {}  # unit → (on time, late)
        if isinstance(self.rule, AfterEventRule | BeforeExpiryRule):
            counts = self._per_entity(by_zone, mid_year=None)
        else:
            pending = self._pending_counts(mid_year=False if self.anchored else None)
            for tz, unit_ids in by_zone.items():
                counts |= self._by_date(tz, {u: pending.get(u, {}) for u in unit_ids})
            if self.anchored:
                for unit_id, (on_time, late) in self._per_entity(by_zone, mid_year=True).items():
                    before = counts.get(unit_id, (0, 0))
                    counts[unit_id] = (before[0] + on_time, before[1] + late)
        for unit_id, code, _ in units:
            if unit_id in counts:
                self._compliance(unit_id, code, on_time=counts[unit_id][0], late=counts[unit_id][1])

    def _pending_counts(self, *, mid_year: bool | None) -> dict[int, dict[int | None, int]]:
        with self.sessions() as session:
            return self.pending.counts(session, mid_year=mid_year)

    def _per_entity(self, by_zone: Mapping[str, list[int]], *, mid_year: bool | None) -> dict[int, tuple[int, int]]:
        """Work whose due instant is its own (an after-event rule; the mid-year SKPs of skp_agreement), zone by zone
        where anything is pending."""
        counts: dict[int, tuple[int, int]] = {}
        finished: dict[int, int] = {}
        if self.pending.skips_finished:
            with self.sessions() as session:
                finished = self.pending.finished_counts(session, mid_year=mid_year)
        waiting = self._pending_counts(mid_year=mid_year)  # a unit with nothing pending has no rows to read
        for tz, unit_ids in by_zone.items():
            if any(u in waiting for u in unit_ids):
                counts |= self._by_event(tz, [u for u in unit_ids if u in waiting], finished, mid_year=mid_year)
        return counts

    def _due_of(self, event: Any, tz: str) -> datetime:
        """The due instant of a row read by `_by_event`: from its event, a mid-year SKP's own start, or the last day
        of what expires (a contract)."""
        if (event, tz) not in self._dues:
            if self.anchored:
                due = due_date(self.ctx.policy, self.key, cycle_year=self.ctx.year, start=event, tz=tz)
            elif isinstance(self.rule, BeforeExpiryRule):
                due = due_date(self.ctx.policy, self.key, expires_on=event, tz=tz)
            else:
                due = due_date(self.ctx.policy, self.key, event_at=event, tz=tz)
            self._dues[event, tz] = due
        return self._dues[event, tz]

    def _by_event(
        self, tz: str, unit_ids: list[int], finished: dict[int, int], *, mid_year: bool | None = None
    ) -> dict[int, tuple[int, int]]:
        """The due instant is per entity: read the zone's pending rows whose ladder is not finished."""
        seen: dict[int, Counter[bool]] = {u: Counter() for u in unit_ids}

        def act(session: Session, rows: Sequence[Any]) -> None:
            todo = [(r, self._due_of(r.event_at, tz)) for r in rows]
            for r, due in todo:
                seen[r.unit_id][self.ctx.as_of >= due] += 1
            self.steps.take(session, todo, tz)

        self._each_chunk(tz, None, act, unfinished=self.pending.skips_finished, mid_year=mid_year)
        return {u: (seen[u][False], seen[u][True] + finished.get(u, 0)) for u in unit_ids}

    def _by_date(self, tz: str, pending: dict[int, dict[int | None, int]]) -> dict[int, tuple[int, int]]:
        """One due instant per zone (and period): read only the rows with a reached step not yet taken."""
        ends = {p.n: p.end for p in periods(self.ctx.policy, self.ctx.year)}
        dues: dict[int | None, datetime] = {}
        for period_no in {p for by_period in pending.values() for p in by_period}:
            if isinstance(self.rule, AfterPeriodRule):
                if period_no not in ends:
                    continue  # an evaluation of a period the policy does not have: no due day to compute
                dues[period_no] = due_date(self.ctx.policy, self.key, period_end=ends[period_no], tz=tz)
            else:
                dues[period_no] = due_date(self.ctx.policy, self.key, cycle_year=self.ctx.year, tz=tz)
        counts: dict[int, tuple[int, int]] = {}
        for unit_id, by_period in pending.items():
            late = sum(n for p, n in by_period.items() if p in dues and self.ctx.as_of >= dues[p])
            counts[unit_id] = (sum(n for p, n in by_period.items() if p in dues) - late, late)
        reached: Reached = {}
        for period_no, due in dues.items():
            if reach := len(steps_due(self.ctx.policy, self.key, due, self.ctx.as_of)):
                reached[period_no] = (due, reach)
        if reached:
            self._each_chunk(
                tz,
                reached,
                lambda session, rows: self.steps.take(session, [(r, reached[r.period_no][0]) for r in rows], tz),
            )
        return counts

    def _compliance(self, unit_id: int, code: str, *, on_time: int, late: int) -> None:
        self.counts.pending += on_time + late
        self.counts.late += late
        if on_time or late:
            self.report.units.append(UnitCompliance(self.ctx.cycle_id, unit_id, code, self.key.value, on_time, late))

    def _each_chunk(
        self,
        tz: str,
        reached: Reached | None,
        act: Callable[[Session, Sequence[Any]], None],
        *,
        unfinished: bool = False,
        mid_year: bool | None = None,
    ) -> None:
        """Read the pending rows of one zone's units in id order, `chunk` at a time, and act on each chunk in the
        transaction that read it. With `reached`, only rows with a reached step not yet taken are read."""
        t = self.src.table
        if self.anchored and mid_year is None:
            mid_year = False  # the rows sharing the zone's due instant: the mid-year SKPs have their own
        if mid_year not in self._rows:  # built once per deadline: building it costs more than running it for a zone
            self._rows[mid_year] = self.pending.rows(mid_year)
        query, taken = self._rows[mid_year]
        if not self.one_zone:
            in_zone = select(col(Unit.id)).where(
                col(Unit.instansi_id) == self.ctx.instansi_id, col(Unit.timezone) == tz
            )
            query = query.where(col(Skp.unit_id).in_(in_zone))
        if unfinished:
            query = query.where(taken < len(self.ladder) - 1)
        if reached is not None:
            # steps 0 … reach-1 are reached (offsets increase, so the reached steps are a prefix of the ladder)
            if t is Evaluation:
                by_period = {p: n for p, (_, n) in reached.items() if p is not None}
                reach: Any = case(by_period, value=col(Evaluation.period_no), else_=0)
                query = query.where(col(Evaluation.period_no).in_(list(by_period)))
            else:
                reach = reached[None][1]
            query = query.where(taken < reach - 1)
        after = 0
        while True:
            with self.sessions() as session, session.begin():
                lock(session, self.ctx.cycle_id)
                rows = read(session, query.where(t.id > after)).all()
                if rows:
                    act(session, rows)
            if len(rows) < self.chunk:
                return
            after = rows[-1].entity_id
