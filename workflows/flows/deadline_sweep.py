"""The deadline sweep: ladder steps reached by pending work become outbox notifications and audited actions.

One module on purpose: per deadline key, `_KeySweep` builds the set-based statements (the pending rows, the
reached ladder steps, the outbox rows with their text, the automatic actions and their audit rows) over one plan
of due instants, and they must agree column for column. The message text is not among them: `_messages` selects
the rows to notify, `_render` fills the Jinja2 templates in `flows/templates/` in Python, and one bulk insert writes
them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import lru_cache
from typing import Any

import jinja2
from sqlalchemy import (
    Boolean,
    Integer,
    Select,
    String,
    Subquery,
    and_,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    null,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.orm import Session, aliased
from sqlmodel import col

from policies import calendar
from policies import feedback as dialog
from policies.deadlines import due_date, steps_due, year_start
from policies.periods import periods
from policies.schema import (
    AfterEventRule,
    AfterPeriodRule,
    AutoAction,
    BeforeExpiryRule,
    DeadlineKey,
    LadderAction,
    LadderStep,
    Policy,
    Recipient,
    RecurringRule,
)
from states.cycle import CycleState
from states.enums import CONTRACT_KINDS, FollowUpKind
from states.evaluation import EvaluationState
from states.follow_up import CaseState, ContractState
from states.input_360 import Input360State
from states.keberatan import KeberatanState
from states.roles import Role
from states.skp import SkpState
from workflows import engine
from workflows.actors import Actor
from workflows.cases import kontrak, policy_store
from workflows.store.db import among, count_many, insert_many, insert_select, read
from workflows.store.tables import (
    AppUser,
    AuditEvent,
    Cycle,
    DeadlineStep,
    Evaluation,
    Feedback,
    FollowUpCase,
    Input360,
    Instansi,
    Keberatan,
    Kontrak,
    Outbox,
    Pegawai,
    Skp,
    Unit,
    UtcDateTime,
)

SWEEP = Actor.scheduler("enforce-deadlines")
Reached = dict[int | None, tuple[datetime, int]]
"""Per period (None: the whole cycle): the due instant and how many ladder steps it has reached."""
OPEN_CYCLES = (CycleState.drafting, CycleState.monitoring, CycleState.assessing, CycleState.following_up)


@dataclass(frozen=True)
class Source:
    """Where the entities pending on a deadline live and what their due instant is computed from."""

    entity_type: str
    table: type[Any]
    states: tuple[str, ...]
    event: str | None = None  # the column holding the event of an after-event rule
    kind: FollowUpKind | None = None
    kinds: frozenset[FollowUpKind] = frozenset()  # several kinds of case share the deadline
    ends: Callable[[], Any] | None = None  # the last day of what a before-expiry rule counts back from


SOURCES: dict[DeadlineKey, Source] = {
    DeadlineKey.SKP_AGREEMENT: Source("skp", Skp, (SkpState.drafted, SkpState.cascaded)),
    DeadlineKey.REALISASI: Source("evaluation", Evaluation, (EvaluationState.open,)),
    DeadlineKey.PERIODIC_EVALUATION: Source("evaluation", Evaluation, (EvaluationState.realisasi_submitted,)),
    DeadlineKey.ANNUAL_ASSESSMENT: Source("skp", Skp, (SkpState.monitored, SkpState.adjusted)),
    DeadlineKey.KEBERATAN_FILING: Source("skp", Skp, (SkpState.assessed,), event="assessed_at"),
    DeadlineKey.KEBERATAN_DECISION: Source(
        "keberatan", Keberatan, (KeberatanState.filed, KeberatanState.under_review), event="filed_at"
    ),
    DeadlineKey.COACHING_SCHEDULE: Source(
        "follow_up_case", FollowUpCase, (CaseState.opened,), event="opened_at", kind=FollowUpKind.COACHING
    ),
    DeadlineKey.KONTRAK_RECOMMENDATION: Source(
        "follow_up_case",
        FollowUpCase,
        (ContractState.opened,),
        kinds=CONTRACT_KINDS,
        ends=lambda: (
            select(col(Kontrak.selesai))
            .where(col(Kontrak.case_id) == col(FollowUpCase.id))
            .correlate(FollowUpCase)
            .scalar_subquery()
        ),
    ),
    DeadlineKey.INPUT_360: Source("input_360", Input360, (Input360State.requested,), event="requested_at"),
    # dialog kinerja: every SKP in force is "pending" umpan balik; `_FeedbackSweep` reads its anchor (the last
    # umpan balik, else the agreement) instead of an event column
    DeadlineKey.FEEDBACK: Source("skp", Skp, (SkpState.agreed, SkpState.monitored, SkpState.adjusted)),
}


# --- the report ---------------------------------------------------------------------------------------------------


@dataclass
class KeyReport:
    """One deadline across the swept cycles: what is pending, and what this sweep newly did."""

    pending: int = 0
    late: int = 0  # pending and past the due instant (keberatan_filing: the window has closed)
    steps: int = 0  # ladder steps newly taken, superseded ones included
    notified: dict[str, int] = field(default_factory=dict)  # new outbox rows per ladder action
    no_address: int = 0  # of those, rows whose recipient has no e-mail
    auto_actions: dict[str, int] = field(default_factory=dict)  # entities acted on per automatic action
    opened: dict[str, int] = field(default_factory=dict)  # cases this sweep opened, by kind (the contract ladder)


@dataclass(frozen=True)
class UnitCompliance:
    """Work pending on one deadline in one unit: still on time, or late, as of the sweep."""

    cycle_id: int
    unit_id: int
    unit_code: str
    deadline_key: str
    on_time: int
    late: int


@dataclass
class DeadlineReport:
    as_of: datetime
    cycles: list[int] = field(default_factory=list)
    by_key: dict[str, KeyReport] = field(default_factory=dict)
    units: list[UnitCompliance] = field(default_factory=list)

    def key(self, key: DeadlineKey) -> KeyReport:
        return self.by_key.setdefault(key.value, KeyReport())


# --- the sweep ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    ref: str  # nip:<nip> or user:<username>: who, whatever their address
    name: str
    email: str | None


@dataclass(frozen=True)
class Context:
    cycle_id: int
    cycle_name: str
    year: int
    instansi_id: int
    policy: Policy
    hr: tuple[Person, ...]
    as_of: datetime


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
            ctx, units = _context(session, cid, as_of)
        zones = {tz for _, _, tz in units}
        if zone is not None:
            wanted = calendar.zone_name(ctx.policy.calendar, zone)
            units = [u for u in units if calendar.zone_name(ctx.policy.calendar, u[2]) == wanted]
        report.cycles.append(cid)
        _open_contract_cases(sessions, ctx, report, chunk, [u for u, _, _ in units] if zone is not None else None)
        for key in DeadlineKey:
            if key is DeadlineKey.FEEDBACK:
                _FeedbackSweep(sessions, ctx, report, chunk).run(units)
            else:
                _KeySweep(sessions, ctx, key, report, chunk, one_zone=len(zones) == 1 and zone is None).run(units)
    return report


def _open_contract_cases(
    sessions: Callable[[], Session], ctx: Context, report: DeadlineReport, chunk: int, unit_ids: list[int] | None
) -> None:
    """The contract ladder's first step is the recommendation itself: open it for every PPPK contract that has come
    within `kontrak.opens_days_before_due` of its due instant (`workflows.cases.kontrak`), under the sweep's lock."""
    with sessions() as session, session.begin():
        _lock(session, ctx.cycle_id)
        opened = kontrak.open_recommendations(
            session, ctx.cycle_id, ctx.policy, as_of=ctx.as_of, actor=SWEEP, unit_ids=unit_ids, chunk=chunk
        )
    counts = report.key(DeadlineKey.KONTRAK_RECOMMENDATION).opened
    for kind, n in opened.items():
        counts[kind] = counts.get(kind, 0) + n


def _context(session: Session, cycle_id: int, as_of: datetime) -> tuple[Context, list[tuple[int, str, str]]]:
    cycle = session.get_one(Cycle, cycle_id)
    policy = policy_store.cycle_policy(session, cycle)
    admins = session.execute(
        select(col(AppUser.username), col(AppUser.email))
        .where(col(AppUser.role) == Role.ADMIN.value, col(AppUser.instansi_id) == cycle.instansi_id)
        .order_by(col(AppUser.username))
    ).all()
    hr = tuple(Person(f"user:{u}", u, e) for u, e in admins)
    if not hr:  # nobody to tell: one row per step all the same, so the gap shows
        instansi = session.scalar(select(col(Instansi.code)).where(col(Instansi.id) == cycle.instansi_id))
        hr = (Person(f"hr:{instansi}", "Pengelola Kinerja", None),)
    units = [
        (uid, code, tz)
        for uid, code, tz in session.execute(
            select(col(Unit.id), col(Unit.code), col(Unit.timezone))
            .where(col(Unit.instansi_id) == cycle.instansi_id)
            .order_by(col(Unit.id))
        )
    ]
    ctx = Context(cycle_id, cycle.name, cycle.year, cycle.instansi_id, policy, hr, as_of)
    return ctx, units


class _KeySweep:
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
        self.src = SOURCES[key]
        self.counts = report.key(key)
        self._rows: dict[bool | None, tuple[Select[Any], Any]] = {}
        # skp_agreement: an SKP starting after 1 January (a mutasi, a new appointee) is due from its own start, so
        # those few are swept per SKP like an after-event rule, and the rest share the zone's due instant
        self.anchored = key is DeadlineKey.SKP_AGREEMENT
        self._dues: dict[tuple[Any, str], datetime] = {}
        self.who = self._who()  # who each step notifies (None: nobody), built once per deadline

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

    def _per_entity(self, by_zone: Mapping[str, list[int]], *, mid_year: bool | None) -> dict[int, tuple[int, int]]:
        """Work whose due instant is its own (an after-event rule; the mid-year SKPs of skp_agreement), zone by zone
        where anything is pending."""
        counts: dict[int, tuple[int, int]] = {}
        finished = self._finished_counts(mid_year=mid_year)
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
            self._take(session, todo, tz)

        self._each_chunk(tz, None, act, unfinished=self._skips_finished, mid_year=mid_year)
        return {u: (seen[u][False], seen[u][True] + finished.get(u, 0)) for u in unit_ids}

    @property
    def _skips_finished(self) -> bool:
        """Whether rows past their last step need no reading: true when that step is at or after the due instant,
        so they are late whatever their own due instant (an objection window long closed, say)."""
        return bool(self.ladder) and self.ladder[-1].offset_days >= 0

    def _finished_counts(self, *, mid_year: bool | None = None) -> dict[int, int]:
        if not self._skips_finished:
            return {}
        query = self._pending(col(Skp.unit_id), func.count(), mid_year=mid_year).where(
            self._taken() >= len(self.ladder) - 1
        )
        with self.sessions() as session:
            return dict(session.execute(query.group_by(col(Skp.unit_id))).tuples().all())

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
                lambda session, rows: self._take(session, [(r, reached[r.period_no][0]) for r in rows], tz),
            )
        return counts

    def _compliance(self, unit_id: int, code: str, *, on_time: int, late: int) -> None:
        self.counts.pending += on_time + late
        self.counts.late += late
        if on_time or late:
            self.report.units.append(UnitCompliance(self.ctx.cycle_id, unit_id, code, self.key.value, on_time, late))

    # --- reading pending work -------------------------------------------------------------------------------------

    def _pending(self, *columns: Any, mid_year: bool | None = None) -> Select[Any]:
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

    def _pending_counts(self, *, mid_year: bool | None = None) -> dict[int, dict[int | None, int]]:
        """Pending entities per unit (and per period for evaluations): one grouped query per cycle and deadline."""
        by_period = self.src.table is Evaluation
        period = col(Evaluation.period_no) if by_period else null()
        query = self._pending(col(Skp.unit_id), period, func.count(), mid_year=mid_year).group_by(col(Skp.unit_id))
        if by_period:
            query = query.group_by(col(Evaluation.period_no))
        out: dict[int, dict[int | None, int]] = {}
        with self.sessions() as session:
            for unit_id, period_no, n in session.execute(query):
                out.setdefault(unit_id, {})[period_no] = n
        return out

    def _taken(self) -> Any:
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

    def _rows_query(self, mid_year: bool | None) -> tuple[Select[Any], Any]:
        """The pending rows with what deciding their steps needs, in id order, `chunk` at a time; and the `taken`
        expression its callers filter on."""
        t = self.src.table
        taken = self._taken()
        if self.src.ends is not None:
            event = self.src.ends()
        else:
            event = getattr(t, self.src.event) if self.src.event else literal(None)
        if mid_year:
            event = col(Skp.periode_awal)  # the SKP's own start anchors its agreement deadline
        query = (
            self._pending(
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
            self._rows[mid_year] = self._rows_query(mid_year)
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
                _lock(session, self.ctx.cycle_id)
                rows = read(session, query.where(t.id > after)).all()
                if rows:
                    act(session, rows)
            if len(rows) < self.chunk:
                return
            after = rows[-1].entity_id

    # --- taking steps ---------------------------------------------------------------------------------------------

    def _superseded(self, new: range, due: datetime) -> set[int]:
        out = set()
        for i in new:
            step = self.ladder[i]
            later_same = any(self.ladder[j].action is step.action for j in new if j > i)
            stale_reminder = step.action is LadderAction.REMINDER and self.ctx.as_of >= due
            if later_same or stale_reminder:
                out.add(i)
        return out

    def _take(self, session: Session, todo: Sequence[tuple[Any, datetime]], tz: str) -> None:
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
        plan = self._plan(due, period_no, reach, sorted({r.taken for r in rows}), zone)
        these = among(session, t.id, [r.entity_id for r in rows])  # bound once for the three statements below

        def planned(*columns: Any) -> Select[Any]:
            return (
                self._pending(*columns)
                .join(plan, plan.c.taken == self._taken())
                .where(these)
                .order_by(t.id, plan.c.step_index)
            )

        who = self.who
        sent = Counter[tuple[Any, ...]]()
        if who is not None:
            texts = self._texts(due, period_no, reach, zone)
            shared = {
                "channel": "email",
                "attempts": 0,
                "created_at": ctx.as_of,
                "instansi_id": ctx.instansi_id,
                "entity_type": src.entity_type,
                "deadline_key": self.key.value,
            }
            messages = read(session, self._messages(planned, plan, who))
            names = tuple(messages.keys())
            outbox = [_render(dict(zip(names, row, strict=True)), texts, shared) for row in messages]
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

    def _plan(self, due: datetime, period_no: int | None, reach: int, taken: Sequence[int], zone: tzinfo) -> Subquery:
        """Per `taken` value (the last step already taken), the steps reached since; `notified` is false for a
        superseded step (recorded, neither sent nor acted on)."""
        rows = []
        for last in taken:
            new = range(last + 1, reach)
            skipped = self._superseded(new, due)
            for i in new:
                step = self.ladder[i]
                rows.append(
                    select(
                        literal(last, Integer).label("taken"),
                        literal(i, Integer).label("step_index"),
                        literal(step.action.value, String).label("action"),
                        literal(step.auto_action.value if step.auto_action else None, String).label("auto_action"),
                        literal(due + timedelta(days=step.offset_days), UtcDateTime()).label("step_at"),
                        literal(i not in skipped, Boolean).label("notified"),
                    )
                )
        return (union_all(*rows) if len(rows) > 1 else rows[0]).subquery("plan")

    def _texts(self, due: datetime, period_no: int | None, reach: int, zone: tzinfo) -> dict[int, StepText]:
        """Per ladder step up to `reach`, what its messages for this due instant share: the subject's label and
        what is due, and the opening sentence."""
        what = WHAT[self.key].format(period=period_no)
        deadline = local_time(due - timedelta(minutes=1), zone)  # the last on-time minute of the due day
        return {
            i: StepText(
                Filled(_SUBJECT, {"label": LABEL[step.action], "what": what}, ["pegawai"]),
                Filled(
                    _BODY,
                    {"lead": _lead(step, what, self.ctx.cycle_name, deadline)},
                    ["name", "pegawai", "nip", "state"],
                ),
            )
            for i, step in enumerate(self.ladder[:reach])
        }

    def _who(self) -> Subquery | None:
        """Who each ladder step notifies, in the step's order: `kind` names where the person comes from (the
        pegawai, the penilai, the atasan penilai, or an HR admin given in `ref`, `name`, `email`); the `…_hr` kinds
        stand in for a penilai or atasan penilai outside the organisation, whose HR acts on their behalf."""
        stand_in = {Recipient.PENILAI: "penilai", Recipient.ATASAN_PENILAI: "atasan"}
        rows = []
        for i, step in enumerate(self.ladder):
            for order, who in enumerate(step.notify):
                people: list[tuple[str, Person | None]]
                if who is Recipient.PEGAWAI:
                    people = [("pegawai", None)]
                elif who is Recipient.PEMBERI:
                    people = [("pemberi", None)]
                elif who in stand_in:
                    people = [(stand_in[who], None)] + [(f"{stand_in[who]}_hr", p) for p in self.ctx.hr]
                else:
                    people = [("hr", p) for p in self.ctx.hr]
                rows += [
                    select(
                        literal(i, Integer).label("step_index"),
                        literal(order * 1000 + n, Integer).label("ord"),
                        literal(kind, String).label("kind"),
                        literal(p.ref if p else None, String).label("ref"),
                        literal(p.name if p else None, String).label("name"),
                        literal(p.email if p else None, String).label("email"),
                    )
                    for n, (kind, p) in enumerate(people)
                ]
        if not rows:  # a ladder that notifies nobody
            return None
        return (union_all(*rows) if len(rows) > 1 else rows[0]).subquery("who")

    def _messages(self, planned: Callable[..., Select[Any]], plan: Subquery, who: Subquery) -> Select[Any]:
        """The outbox rows of the notified steps: one per recipient (the same person once per step, by `ref`), in
        entity, step and recipient order, with what `_render` needs for their text (the recipient's name, the
        pegawai's name and NIP, the entity's state) in place of `subject` and `body`."""
        t = self.src.table
        owner, penilai, atasan = aliased(Pegawai), aliased(Pegawai), aliased(Pegawai)
        pemberi = aliased(Pegawai) if t is Input360 else None  # only a 360 request has a pemberi to notify

        def person(of: Callable[[Any], Any], hr: Any) -> Any:
            kind = who.c.kind
            whens = [(kind == "pegawai", of(owner)), (kind == "penilai", of(penilai)), (kind == "atasan", of(atasan))]
            if pemberi is not None:
                whens.append((kind == "pemberi", of(pemberi)))
            return case(*whens, else_=hr)

        nip = literal("nip:")
        ref = person(lambda p: nip + col(p.nip), who.c.ref)
        name = person(lambda p: col(p.name), who.c.name)
        email = func.nullif(person(lambda p: col(p.email), who.c.email), "")
        present = or_(
            who.c.kind.in_(["pegawai", "hr"]),
            and_(who.c.kind == "pemberi", col(pemberi.id).is_not(None)) if pemberi is not None else false(),
            and_(who.c.kind == "penilai", col(penilai.id).is_not(None)),
            and_(who.c.kind == "penilai_hr", col(penilai.id).is_(None)),
            and_(who.c.kind == "atasan", col(atasan.id).is_not(None)),
            and_(who.c.kind == "atasan_hr", col(atasan.id).is_(None)),
        )
        prefix = f"deadline:{self.key.value}:{self.src.entity_type}:"
        query = (
            planned(
                (
                    literal(prefix)
                    + cast(t.id, String)
                    + literal(":")
                    + cast(plan.c.step_index, String)
                    + literal(":")
                    + ref
                ).label("dedupe_key"),
                literal("email").label("channel"),
                func.coalesce(email, ref).label("recipient"),
                name.label("name"),
                col(owner.name).label("pegawai"),
                col(owner.nip).label("nip"),
                t.state.label("state"),
                plan.c.step_index,
                case((email.is_(None), NO_ADDRESS), else_="pending").label("status"),
                col(Skp.unit_id).label("unit_id"),
                t.id.label("entity_id"),
                plan.c.action,
            )
            .join(owner, col(owner.id) == col(Skp.pegawai_id))
            .outerjoin(penilai, col(penilai.id) == col(Skp.penilai_id))
            .outerjoin(atasan, col(atasan.id) == col(Skp.atasan_penilai_id))
            .join(who, who.c.step_index == plan.c.step_index)
            .where(plan.c.notified, present)
            .order_by(who.c.ord)
        )
        if pemberi is not None:
            query = query.outerjoin(pemberi, col(pemberi.id) == col(Input360.pemberi_id))
        return query


class _FeedbackSweep:
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
                _lock(session, self.ctx.cycle_id)
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
        lead = _FEEDBACK_LEAD.render(
            action=step.action.value,
            cycle=self.ctx.cycle_name,
            weeks=self.weeks,
            since=local_day(anchor),
            lapsed=local_day(lapsed),
            offset_days=step.offset_days,
        )
        return StepText(
            Filled(_SUBJECT, {"label": LABEL[step.action], "what": what}, ["pegawai"]),
            Filled(_BODY, {"lead": lead}, ["name", "pegawai", "nip", "state"]),
        )


# --- messages -----------------------------------------------------------------------------------------------------

NO_ADDRESS = "no_address"
BULAN = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
HARI = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")

WHAT: dict[DeadlineKey, str] = {
    DeadlineKey.SKP_AGREEMENT: "Persetujuan (penetapan) SKP",
    DeadlineKey.REALISASI: "Pengisian realisasi periode {period}",
    DeadlineKey.PERIODIC_EVALUATION: "Evaluasi kinerja periode {period}",
    DeadlineKey.ANNUAL_ASSESSMENT: "Penilaian kinerja tahunan",
    DeadlineKey.KEBERATAN_FILING: "Masa pengajuan keberatan atas hasil penilaian",
    DeadlineKey.KEBERATAN_DECISION: "Keputusan atas keberatan",
    DeadlineKey.COACHING_SCHEDULE: "Penjadwalan bimbingan kinerja (coaching)",
    DeadlineKey.KONTRAK_RECOMMENDATION: "Keputusan perpanjangan kontrak PPPK",
    DeadlineKey.INPUT_360: "Pemberian pertimbangan perilaku kerja (masukan 360)",
    DeadlineKey.FEEDBACK: "Umpan balik berkelanjutan (dialog kinerja)",
}
LABEL: dict[LadderAction, str] = {
    LadderAction.REMINDER: "Pengingat",
    LadderAction.NOTICE: "Batas waktu terlewati",
    LadderAction.ESCALATE: "Eskalasi",
    LadderAction.AUTO_ACTION: "Tindakan otomatis",
}
AUTO_NOTE: dict[AutoAction, str] = {
    AutoAction.CLOSE_OBJECTION_WINDOW: "Masa pengajuan keberatan ditutup; hasil penilaian dapat ditindaklanjuti.",
    AutoAction.FLAG_HR: "Ditandai untuk ditangani pengelola kinerja (HR).",
    AutoAction.HR_DRAFTS: "Pengelola kinerja dipersilakan menyusun SKP ini.",
    AutoAction.CLOSE_INPUT_WINDOW: "Masa pemberian pertimbangan ditutup; pejabat penilai dapat menilai perilaku "
    "tanpa masukan yang belum diberikan.",
}


_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("workflows.flows", "templates"),
    autoescape=False,  # plain-text e-mail
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=False,
    finalize=lambda value: "-" if value is None else value,  # a missing name or NIP reads "-", never "None"
)
_SUBJECT = _TEMPLATES.get_template("deadline_subject.txt")
_BODY = _TEMPLATES.get_template("deadline_body.txt")
_LEAD = _TEMPLATES.get_template("deadline_lead.txt")
_FEEDBACK_LEAD = _TEMPLATES.get_template("feedback_lead.txt")
SUBJECT_MAX = 300  # outbox.subject's length


class Filled:
    """A template rendered once per ladder step with a marker in place of each per-message value, then filled per
    message by joining its pieces: the same text as rendering it for every message (the markers pass through the
    template untouched: a per-message value is never filtered), at the cost of a join instead of a render."""

    MARK = "\x00"

    def __init__(self, template: jinja2.Template, fixed: Mapping[str, Any], fields: Sequence[str]) -> None:
        pieces = template.render(**fixed, **{f: f"{self.MARK}{f}{self.MARK}" for f in fields}).split(self.MARK)
        literals, self.fields = pieces[0::2], pieces[1::2]
        self._format = "%s".join(piece.replace("%", "%%") for piece in literals)  # the literals, a %s per value

    def __call__(self, values: Mapping[str, Any]) -> str:
        # a missing value reads "-", as the environment's `finalize` makes it
        return self._format % tuple("-" if (v := values[name]) is None else v for name in self.fields)


@dataclass(frozen=True)
class StepText:
    """What the messages of one ladder step for one due instant share: its subject and body, to fill per message."""

    subject: Filled
    body: Filled


def _lead(step: LadderStep, what: str, cycle_name: str, deadline: str) -> str:
    """The opening sentence of a step's message."""
    return _LEAD.render(
        action=step.action.value,
        what=what,
        cycle=cycle_name,
        deadline=deadline,
        offset_days=step.offset_days,
        auto_note=AUTO_NOTE[step.auto_action] if step.auto_action else "",
    )


def _render(values: dict[str, Any], texts: Mapping[int, StepText], shared: Mapping[str, Any]) -> dict[str, Any]:
    """One outbox row from a row of `_messages` (as a dict, which this consumes) and the values every row of the
    batch shares: its subject and body rendered, the rendering's inputs dropped."""
    text_ = texts[values["step_index"]]
    subject, body = text_.subject(values)[:SUBJECT_MAX], text_.body(values)
    for name in _RENDER_INPUTS:
        del values[name]
    return {**shared, **values, "subject": subject, "body": body}


_RENDER_INPUTS = frozenset({"name", "pegawai", "nip", "state", "step_index"})


SWEEP_LOCK = 0x534B50  # PostgreSQL advisory lock class of the sweep ("SKP"); the object is the cycle id


def _lock(session: Session, cycle_id: int) -> None:
    """Sweeps of one cycle take turns chunk by chunk, so the pending rows a chunk reads are still pending, with the
    same steps taken, when it writes (SQLite's BEGIN IMMEDIATE already serialises writers)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:class, :cycle)"), {"class": SWEEP_LOCK, "cycle": cycle_id})


def local_day(day: date) -> str:
    """'Senin, 2 Maret 2026'."""
    return f"{HARI[day.weekday()]}, {day.day} {BULAN[day.month - 1]} {day.year}"


@lru_cache(maxsize=4096)  # a sweep formats the same few due instants for every message it writes
def local_time(at: datetime, zone: tzinfo) -> str:
    """'Sabtu, 31 Januari 2026 pukul 23.59 WITA'."""
    t = at.astimezone(zone)
    return f"{HARI[t.weekday()]}, {t.day} {BULAN[t.month - 1]} {t.year} pukul {t:%H.%M} {t.tzname()}"
