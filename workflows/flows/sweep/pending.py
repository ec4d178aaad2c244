"""The work pending on one deadline of one cycle, as statements: the pending entities, the last ladder step taken for
each, and the rows a sweep reads `chunk` at a time."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, and_, exists, func, literal, null, or_, select
from sqlalchemy.orm import Session
from sqlmodel import col

from policies.deadlines import year_start
from policies.schema import DeadlineKey
from states.evaluation import EvaluationState
from states.keberatan import KeberatanState
from workflows.flows.sweep.context import Context
from workflows.flows.sweep.sources import SOURCES
from workflows.store.tables import DeadlineStep, Evaluation, Input360, Keberatan, Skp


class Pending:
    """The entities pending on `key` in the context's cycle (`SOURCES[key]`) and the steps of its ladder taken."""

    def __init__(self, ctx: Context, key: DeadlineKey, chunk: int) -> None:
        self.ctx, self.key, self.chunk = ctx, key, chunk
        self.src = SOURCES[key]
        self.ladder = ctx.policy.deadlines.rule(key).ladder

    def select(self, *columns: Any, mid_year: bool | None = None) -> Select[Any]:
        """The entities pending on the deadline; with `mid_year` (skp_agreement), only the SKPs that start after
        1 January of the cycle year (True) or only the others (False)."""
        t, src = self.src.table, self.src
        query = select(*columns).select_from(t)
        if t is not Skp:
            query = query.join(Skp, col(Skp.id) == t.skp_id)
        query = query.where(col(Skp.cycle_id) == self.ctx.cycle_id, t.state.in_([str(s) for s in src.states]))
        if src.kind is not None:
            query = query.where(t.kind == src.kind.value)
        if src.kinds:
            query = query.where(t.kind.in_(sorted(k.value for k in src.kinds)))
        if self.key is DeadlineKey.KEBERATAN_FILING:
            # a keberatan filed (pending or decided) settles the window; a withdrawn one does not, since the
            # pegawai may file anew until the window closes (workflows.cases.skps.objection_settled)
            filed = exists().where(
                col(Keberatan.skp_id) == col(Skp.id), col(Keberatan.state) != KeberatanState.withdrawn.value
            )
            query = query.where(col(Skp.assessed_at).is_not(None), ~filed)
        if mid_year is not None:
            later = col(Skp.periode_awal) > year_start(self.ctx.year)
            query = query.where(later if mid_year else ~later)
        if self.key is DeadlineKey.INPUT_360:
            # a request whose perilaku has been rated is no longer asked for (workflows.cases.input_360)
            rated = exists().where(
                col(Evaluation.skp_id) == col(Input360.skp_id),
                col(Evaluation.period_no) == col(Input360.period_no),
                col(Evaluation.state).not_in([EvaluationState.open.value, EvaluationState.realisasi_submitted.value]),
            )
            annual = col(Input360.period_no) == 0
            query = query.where(
                or_(and_(annual, col(Skp.rating_perilaku).is_(None)), and_(~annual, ~rated)),
            )
        return query

    def counts(self, session: Session, *, mid_year: bool | None = None) -> dict[int, dict[int | None, int]]:
        """Pending entities per unit (and per period for evaluations): one grouped query per cycle and deadline."""
        by_period = self.src.table is Evaluation
        period = col(Evaluation.period_no) if by_period else null()
        query = self.select(col(Skp.unit_id), period, func.count(), mid_year=mid_year).group_by(col(Skp.unit_id))
        if by_period:
            query = query.group_by(col(Evaluation.period_no))
        out: dict[int, dict[int | None, int]] = {}
        for unit_id, period_no, n in session.execute(query):
            out.setdefault(unit_id, {})[period_no] = n
        return out

    @property
    def skips_finished(self) -> bool:
        """Whether rows past their last step need no reading: true when that step is at or after the due instant,
        so they are late whatever their own due instant (an objection window long closed, say)."""
        return bool(self.ladder) and self.ladder[-1].offset_days >= 0

    def finished_counts(self, session: Session, *, mid_year: bool | None = None) -> dict[int, int]:
        """Per unit, the pending entities past their ladder's last step (read only when `skips_finished`)."""
        query = self.select(col(Skp.unit_id), func.count(), mid_year=mid_year).where(
            self.taken() >= len(self.ladder) - 1
        )
        return dict(session.execute(query.group_by(col(Skp.unit_id))).tuples().all())

    def taken(self) -> Any:
        """The highest ladder step already taken for the row (-1: none), as a correlated subquery."""
        t = self.src.table
        last = (
            select(func.max(DeadlineStep.step_index))
            .where(
                col(DeadlineStep.deadline_key) == self.key.value,
                col(DeadlineStep.entity_type) == self.src.entity_type,
                col(DeadlineStep.entity_id) == t.id,
            )
            .correlate(t)
            .scalar_subquery()
        )
        return func.coalesce(last, -1)

    def rows(self, mid_year: bool | None) -> tuple[Select[Any], Any]:
        """The pending rows with what deciding their steps needs, in id order, `chunk` at a time; and the `taken`
        expression its callers filter on."""
        t = self.src.table
        taken = self.taken()
        if self.src.ends is not None:
            event = self.src.ends()
        else:
            event = getattr(t, self.src.event) if self.src.event else literal(None)
        if mid_year:
            event = col(Skp.periode_awal)  # the SKP's own start anchors its agreement deadline
        query = (
            self.select(
                t.id.label("entity_id"),
                col(Skp.unit_id).label("unit_id"),
                (col(Evaluation.period_no) if t is Evaluation else literal(None)).label("period_no"),
                event.label("event_at"),
                taken.label("taken"),
                mid_year=mid_year,
            )
            .order_by(t.id)
            .limit(self.chunk)
        )
        return query, taken
