"""The deadline sweep: ladder steps reached by pending work become outbox notifications and audited actions."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, case, exists, func, literal, null, select
from sqlalchemy.orm import Session, aliased
from sqlmodel import col

from policies import calendar
from policies.deadlines import due_date, steps_due
from policies.periods import periods
from policies.schema import (
    AfterEventRule,
    AfterPeriodRule,
    AutoAction,
    DeadlineKey,
    LadderAction,
    Policy,
    Recipient,
)
from states.cycle import CycleState
from states.enums import FollowUpKind
from states.evaluation import EvaluationState
from states.follow_up import CaseState
from states.keberatan import KeberatanState
from states.roles import Role
from states.skp import SkpState
from workflows import engine, policy_store
from workflows.actors import Actor
from workflows.db import insert_many
from workflows.tables import (
    AppUser,
    Cycle,
    DeadlineStep,
    Evaluation,
    FollowUpCase,
    Instansi,
    Keberatan,
    Outbox,
    Pegawai,
    Skp,
    Unit,
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

    Per cycle, deadline and unit, pending entities are read set-based, `chunk` rows per transaction; their due
    instant is computed in the unit's zone and calendar. Each reached step is recorded once in `deadlinestep`
    (unique per deadline, entity and step), and only the steps this run inserted write outbox rows (unique
    `dedupe_key`, insert-if-absent) and automatic-action audit events, so reruns never repeat either.

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
        for key in DeadlineKey:
            _KeySweep(sessions, ctx, key, report, chunk, one_zone=len(zones) == 1 and zone is None).run(units)
    return report


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
        self._rows: tuple[Select[Any], Any] | None = None

    def run(self, units: Sequence[tuple[int, str, str]]) -> None:
        """Zone by zone: every unit of a zone shares its due instants, so its rows are read `chunk` at a time across
        units (a kabupaten has a unit per handful of pegawai; a transaction per unit would cost more than the work)."""
        by_zone: dict[str, list[int]] = {}
        for unit_id, _, tz in units:
            by_zone.setdefault(tz, []).append(unit_id)
        counts: dict[int, tuple[int, int]] = {}  # unit → (on time, late)
        if isinstance(self.rule, AfterEventRule):
            finished = self._finished_counts()
            waiting = self._pending_counts()  # a unit with nothing pending has no rows to read (most, most days)
            for tz, unit_ids in by_zone.items():
                if any(u in waiting for u in unit_ids):
                    counts |= self._by_event(tz, [u for u in unit_ids if u in waiting], finished)
        else:
            pending = self._pending_counts()
            for tz, unit_ids in by_zone.items():
                counts |= self._by_date(tz, {u: pending.get(u, {}) for u in unit_ids})
        for unit_id, code, _ in units:
            if unit_id in counts:
                self._compliance(unit_id, code, on_time=counts[unit_id][0], late=counts[unit_id][1])

    def _by_event(self, tz: str, unit_ids: list[int], finished: dict[int, int]) -> dict[int, tuple[int, int]]:
        """The due instant is per entity: read the zone's pending rows whose ladder is not finished."""
        seen: dict[int, Counter[bool]] = {u: Counter() for u in unit_ids}

        def act(session: Session, rows: Sequence[Any]) -> None:
            todo = [(r, due_date(self.ctx.policy, self.key, event_at=r.event_at, tz=tz)) for r in rows]
            for r, due in todo:
                seen[r.unit_id][self.ctx.as_of >= due] += 1
            self._take(session, todo, tz)

        self._each_chunk(tz, None, act, unfinished=self._skips_finished)
        return {u: (seen[u][False], seen[u][True] + finished.get(u, 0)) for u in unit_ids}

    @property
    def _skips_finished(self) -> bool:
        """Whether rows past their last step need no reading: true when that step is at or after the due instant,
        so they are late whatever their own due instant (an objection window long closed, say)."""
        return bool(self.ladder) and self.ladder[-1].offset_days >= 0

    def _finished_counts(self) -> dict[int, int]:
        if not self._skips_finished:
            return {}
        query = self._pending(col(Skp.unit_id), func.count()).where(self._taken() >= len(self.ladder) - 1)
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

    def _pending(self, *columns: Any) -> Select[Any]:
        t, src = self.src.table, self.src
        query = select(*columns).select_from(t)
        if t is not Skp:
            query = query.join(Skp, col(Skp.id) == t.skp_id)
        query = query.where(col(Skp.cycle_id) == self.ctx.cycle_id, t.state.in_([str(s) for s in src.states]))
        if src.kind is not None:
            query = query.where(t.kind == src.kind.value)
        if self.key is DeadlineKey.KEBERATAN_FILING:
            # a keberatan filed (pending or decided) settles the window; a withdrawn one does not, since the
            # pegawai may file anew until the window closes (workflows.skp.objection_settled)
            filed = exists().where(
                col(Keberatan.skp_id) == col(Skp.id), col(Keberatan.state) != KeberatanState.withdrawn.value
            )
            query = query.where(col(Skp.assessed_at).is_not(None), ~filed)
        return query

    def _pending_counts(self) -> dict[int, dict[int | None, int]]:
        """Pending entities per unit (and per period for evaluations): one grouped query per cycle and deadline."""
        by_period = self.src.table is Evaluation
        period = col(Evaluation.period_no) if by_period else null()
        query = self._pending(col(Skp.unit_id), period, func.count()).group_by(col(Skp.unit_id))
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

    def _rows_query(self) -> tuple[Select[Any], Any]:
        """The pending rows with what a step's messages need, in id order, `chunk` at a time; and the `taken`
        expression its callers filter on."""
        t = self.src.table
        owner, penilai, atasan = aliased(Pegawai), aliased(Pegawai), aliased(Pegawai)
        taken = self._taken()
        event = getattr(t, self.src.event) if self.src.event else literal(None)
        query = (
            self._pending(
                t.id.label("entity_id"),
                t.state.label("state"),
                col(Skp.unit_id).label("unit_id"),
                (col(Evaluation.period_no) if t is Evaluation else literal(None)).label("period_no"),
                event.label("event_at"),
                taken.label("taken"),
                col(owner.nip).label("nip"),
                col(owner.name).label("name"),
                col(owner.email).label("email"),
                col(penilai.nip).label("penilai_nip"),
                col(penilai.name).label("penilai_name"),
                col(penilai.email).label("penilai_email"),
                col(atasan.nip).label("atasan_nip"),
                col(atasan.name).label("atasan_name"),
                col(atasan.email).label("atasan_email"),
            )
            .join(owner, col(owner.id) == col(Skp.pegawai_id))
            .outerjoin(penilai, col(penilai.id) == col(Skp.penilai_id))
            .outerjoin(atasan, col(atasan.id) == col(Skp.atasan_penilai_id))
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
    ) -> None:
        """Read the pending rows of one zone's units in id order, `chunk` at a time, and act on each chunk in the
        transaction that read it. With `reached`, only rows with a reached step not yet taken are read."""
        t = self.src.table
        if self._rows is None:  # built once per deadline: building it costs more than running it for a zone
            self._rows = self._rows_query()
        query, taken = self._rows
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
                rows = session.execute(query.where(t.id > after)).all()
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
        """Record the newly reached steps of these rows; notify and act for those this transaction inserted."""
        ctx, ladder = self.ctx, self.ladder
        steps: list[dict[str, Any]] = []
        by_entity: dict[int, tuple[Any, datetime]] = {}
        superseded: set[tuple[int, int]] = set()
        for row, due in todo:
            new = range(row.taken + 1, len(steps_due(ctx.policy, self.key, due, ctx.as_of)))
            if not new:
                continue
            by_entity[row.entity_id] = (row, due)
            skipped = self._superseded(new, due)
            superseded.update((row.entity_id, i) for i in skipped)
            steps += [
                {
                    "cycle_id": ctx.cycle_id,
                    "instansi_id": ctx.instansi_id,
                    "unit_id": row.unit_id,
                    "deadline_key": self.key.value,
                    "entity_type": self.src.entity_type,
                    "entity_id": row.entity_id,
                    "step_index": i,
                    "action": ladder[i].action.value,
                    "auto_action": auto.value if (auto := ladder[i].auto_action) else None,
                    "due_at": due,
                    "step_at": due + timedelta(days=ladder[i].offset_days),
                    "taken_at": ctx.as_of,
                    "notified": i not in skipped,
                }
                for i in new
            ]
        if not steps:
            return
        inserted = insert_many(
            session,
            DeadlineStep.__table__,  # type: ignore[attr-defined]
            steps,
            unique=["deadline_key", "entity_type", "entity_id", "step_index"],
            returning=["entity_id", "step_index"],
        )
        self.counts.steps += len(inserted)
        zone = calendar.zone(ctx.policy.calendar, tz)
        messages: list[dict[str, Any]] = []
        acted: dict[AutoAction, list[int]] = {}
        for entity_id, i in sorted(inserted):
            if (entity_id, i) in superseded:
                continue
            row, due = by_entity[entity_id]
            step = ladder[i]
            if step.auto_action is not None:
                acted.setdefault(step.auto_action, []).append(entity_id)
            messages += [self._message(row, i, person, due, zone) for person in _recipients(ctx, row, step.notify)]
        for auto, ids in acted.items():
            done = engine.record_many(
                session,
                self.src.entity_type,
                ids,
                auto.value,
                instansi_id=ctx.instansi_id,
                actor=SWEEP,
                role=Role.SYSTEM,
                now=ctx.as_of,
                states=[str(s) for s in self.src.states],
                note=AUTO_NOTE[auto],
                payload={"deadline": self.key.value},
            )
            self.counts.auto_actions[auto.value] = self.counts.auto_actions.get(auto.value, 0) + len(done)
        if messages:
            sent = insert_many(
                session,
                Outbox.__table__,  # type: ignore[attr-defined]
                messages,
                unique=["dedupe_key"],
                returning=["action", "status"],
            )
            for action, status in sent:
                self.counts.notified[action] = self.counts.notified.get(action, 0) + 1
                self.counts.no_address += status == NO_ADDRESS

    def _message(self, row: Any, index: int, person: Person, due: datetime, zone: tzinfo) -> dict[str, Any]:
        ctx, step = self.ctx, self.ladder[index]
        what = WHAT[self.key].format(period=row.period_no)
        deadline = local_time(due - timedelta(minutes=1), zone)  # the last on-time minute of the due day
        if step.action is LadderAction.REMINDER:
            lead = f"{what} untuk {ctx.cycle_name} belum selesai. Batas waktunya {deadline}."
        elif step.action is LadderAction.NOTICE:
            lead = f"Batas waktu {what.lower()} untuk {ctx.cycle_name} ({deadline}) telah terlewati."
        elif step.action is LadderAction.ESCALATE:
            lead = (
                f"{what} untuk {ctx.cycle_name} terlambat {step.offset_days} hari dari batas waktu {deadline}. "
                "Mohon ditindaklanjuti."
            )
        else:
            assert step.auto_action is not None
            lead = f"{what} untuk {ctx.cycle_name}, batas waktu {deadline}. {AUTO_NOTE[step.auto_action]}"
        body = "\n".join(
            [
                f"Yth. {person.name},",
                "",
                lead,
                "",
                f"Pegawai: {row.name} (NIP {row.nip})",
                f"Status saat ini: {row.state}",
                "",
                "Pesan ini dikirim otomatis oleh skpflow.",
            ]
        )
        return {
            "dedupe_key": f"deadline:{self.key.value}:{self.src.entity_type}:{row.entity_id}:{index}:{person.ref}",
            "channel": "email",
            "recipient": person.email or person.ref,
            "subject": f"[SKP] {LABEL[step.action]}: {what} — {row.name}"[:300],
            "body": body,
            "status": "pending" if person.email else NO_ADDRESS,
            "attempts": 0,
            "created_at": ctx.as_of,
            "instansi_id": ctx.instansi_id,
            "unit_id": row.unit_id,
            "entity_type": self.src.entity_type,
            "entity_id": row.entity_id,
            "deadline_key": self.key.value,
            "action": step.action.value,
        }


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
}


@lru_cache(maxsize=4096)  # a sweep formats the same few due instants for every message it writes
def local_time(at: datetime, zone: tzinfo) -> str:
    """'Sabtu, 31 Januari 2026 pukul 23.59 WITA'."""
    t = at.astimezone(zone)
    return f"{HARI[t.weekday()]}, {t.day} {BULAN[t.month - 1]} {t.year} pukul {t:%H.%M} {t.tzname()}"


def _recipients(ctx: Context, row: Any, notify: Sequence[Recipient]) -> list[Person]:
    penilai = Person(f"nip:{row.penilai_nip}", row.penilai_name, row.penilai_email) if row.penilai_nip else None
    atasan = Person(f"nip:{row.atasan_nip}", row.atasan_name, row.atasan_email) if row.atasan_nip else None
    people: list[Person] = []
    for who in notify:
        if who is Recipient.PEGAWAI:
            people.append(Person(f"nip:{row.nip}", row.name, row.email))
        elif who is Recipient.PENILAI:
            people += [penilai] if penilai else ctx.hr  # rated from outside: HR acts on the penilai's behalf
        elif who is Recipient.ATASAN_PENILAI:
            people += [atasan] if atasan else ctx.hr
        else:
            people += ctx.hr
    return list({p.ref: p for p in people}.values())
